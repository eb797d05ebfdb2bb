"""The names every datasets module shares; this module imports no sibling.

The data folder (:func:`get_data_home`), the error a missing or corrupted
file raises (:class:`DataFileError`), the SHA-256 helper and the manifests
of the files the loaders read: :data:`CHECKSUMS` and
:data:`RELATIONAL_CHECKSUMS` (126 relational fold files). ``_home``,
``_relational``, ``_download`` and ``_registry_urls`` import them from here,
so that none of them imports another in a cycle.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = [
    "CHECKSUMS",
    "RELATIONAL_CHECKSUMS",
    "DataFileError",
    "get_data_home",
]

#: SHA-256 of every file a loader reads, by path relative to the data folder.
CHECKSUMS = {
    "office_caltech10_surf/amazon_SURF_L10.mat": (
        "df32548b994e18d364c99e1f317e1fae100597259f0423a41b90f4f68187bb1f"
    ),
    "office_caltech10_surf/caltech_SURF_L10.mat": (
        "4f9334c8ced489d5054de97a5fd51a61f017f3bcd1f38c9a85c6d78cb9d7bda5"
    ),
    "office_caltech10_surf/dslr_SURF_L10.mat": (
        "44d673c68e1d07b837893aa74dba3b986e4a6cc3fd66f0dd357683bdef059216"
    ),
    "office_caltech10_surf/webcam_SURF_L10.mat": (
        "a6a9c78b4b7181dfbb58bcfd351d4ebd737f171c31247b8884948aa156d3f700"
    ),
    "office_caltech10_decaf/dslr_decaf.mat": (
        "42443f5e82e98cbe6304cacdba905e24c8430ed977b3d6b7b279f088b76e108f"
    ),
    "office_caltech10_decaf/webcam_decaf.mat": (
        "e42207580fb1fadd3adba2504e1d8cff9620f464fca7536f9d7093f84c1459a3"
    ),
    "mushroom_uci/agaricus-lepiota.data": (
        "5f337a91aba07bec5caaad73decfce48dcc34b265e8fe864652699ef39a5178e"
    ),
    "uci_regression/concrete_modeldata.csv": (
        "256b3c9f17fd7f7eb5a648a6ed8125cebc7c94e89ecb24fb1a7d302cd4bd5eb7"
    ),
    "uci_regression/boston_housing.csv": (
        "aaa149400179dfe97e046a3835d61686b5b2140fb3a3aee57f7549114805cfba"
    ),
    "newsgroups20/20newsgroups-train.tab": (
        "3287f997870c109a5ed8f58087afb95ae3f863c75092d47b07eebf1700d6ef9c"
    ),
    "newsgroups20/20newsgroups-test.tab": (
        "34a4c6261eda98d87f66d8e12a2cccba06918b7877442536ef6a13810a47ba39"
    ),
}


class DataFileError(FileNotFoundError):
    """A benchmark file is missing from the data folder or is corrupted."""


def get_data_home(data_home=None):
    """Return the data folder.

    Resolution order: the ``data_home`` argument, else the environment
    variable ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder.

    Returns
    -------
    path : pathlib.Path
    """
    if data_home is None:
        data_home = (
            os.environ.get("TRANSFERKIT_DATA") or Path.home() / "transferkit_data"
        )
    return Path(data_home).expanduser()


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_FOLDS = "treeboostler_folds_transfer_experiment"

# "<name>/fold_K/<file>=<sha256>", one per line.
_MANIFEST = """
cora/fold_1/test_facts.txt=2e89b4a49b3d1a7772217a6913c6e433e37b381d0521160e8854c6d6feebec84
cora/fold_1/test_neg.txt=702cc7b4c42846f023df7f8bf88538480069a4dc6d376cdca5f31e5374185926
cora/fold_1/test_pos.txt=63f2ac9090b2777275b089e2b425d226cb09c3eba45254adc0275da5a4fbd9e8
cora/fold_1/train_facts.txt=26206ab479702874d277ee2a18277294ed127c008fd46d4e2a290bf1166bbd27
cora/fold_1/train_neg.txt=9c9453c13483ff665269c2c7668529a71096fad4391b6cb32ac8af6c93dff9bc
cora/fold_1/train_pos.txt=d08f5f249ccbcf5d586b882ee7e1da0bbe9a060019f571fc5c823fed8b241119
cora/fold_2/test_facts.txt=529e6e3d5c6d2b8e6c1fe56dec953dee6dfcdcfde5b48a8cf916ca5851ae6785
cora/fold_2/test_neg.txt=9ce3c9b8ac49d61e8ae0b27822d44b10e73ef1e431016fcd525c820f5e563b8c
cora/fold_2/test_pos.txt=06aa6cc9c66fc1816d11b7158840cbb2d60d3fd2dfdacf3f99c0a56dbc8f6f5c
cora/fold_2/train_facts.txt=31e24959340366efb4d38fb6c6542e90f94bb6ebfd9fff1565f5151cb8dd995a
cora/fold_2/train_neg.txt=d69cb66525a02674ecbd9e008da8d597bbc097ee3ea2de4157a2420c998032bf
cora/fold_2/train_pos.txt=e328fb2dfa79a64ce85d4f63fe0b2f89be29d4c7d950fb50c5beaae1e07b03bf
cora/fold_3/test_facts.txt=7cb6d52d2d7a2346c982a4db0c0457158153f0f18caf2f2fad5517bb159567dd
cora/fold_3/test_neg.txt=0c84fca225b121e44e22158216dc7c0f8f213744d1f98c20de687669910aa08a
cora/fold_3/test_pos.txt=3ea5a3663a3d43558644a099033faebec2184c3ff7309943b7c6e731cf05bb91
cora/fold_3/train_facts.txt=9cb815d46ef9676fcfb6cc1fe575dab6e0a1a8860cbd051d8d1d8f046b65c784
cora/fold_3/train_neg.txt=8ce4c5639beb9a63cba20ff65920a6b54473d1cf84bd36111378ba241b7f5665
cora/fold_3/train_pos.txt=86070b760a5f1a0b671b54469333024fe06e6337e186f87e1eb67aff9d178804
cora/fold_4/test_facts.txt=9147b00bee2e61e224ed87197a853fc50e8b5b4ff760ca308d7af73c5309726d
cora/fold_4/test_neg.txt=ad29a0cf21110bab77148884aa78111adb2becb45c4775059b70a776d281885c
cora/fold_4/test_pos.txt=f15ad3eb945e425e8db8b5be113a461bbfdf653c7e63bbfbb4334a3023244143
cora/fold_4/train_facts.txt=7e7b0c757cac18a5523fb360c8a0573a10f284686ac625ad1372069200e0d23a
cora/fold_4/train_neg.txt=29b7e4fa468fe5917676fff9c3514019c48ffc68b39649ffe5d68edf3c4a3460
cora/fold_4/train_pos.txt=0e409156c8a5b400596e4ba8ddf034037f5e534a465a6364c457d48aa9985451
cora/fold_5/test_facts.txt=cc1fa13f97e78e1eff6336e3134ef407561accd01a740b7a1bc0252dc87d757e
cora/fold_5/test_neg.txt=53484e104dc424c73eb8a8a23a6840eae6b9813fadd0ad7ec02b6a915e618398
cora/fold_5/test_pos.txt=173f8f182a4cb4fc1d22dc9b1688b3bd994fc0c8fc1974888760aa8e8d236ad4
cora/fold_5/train_facts.txt=72822654a342c281ff95f46fec308b2f9bbe1cb81c9e6fccb56f6890e68d9724
cora/fold_5/train_neg.txt=2ae1fcd40d42fdec295af339f7b47ba50287b1c132b46a78391095215cf33758
cora/fold_5/train_pos.txt=bb5039fda77d0a697f078f7fe0f6dc0213883353628aceace047c8b90afa7123
imdb/fold_1/test_facts.txt=0715f5af2f4fabc352690e1f5c82bfc13f019c6e5cfd3754eef58e5df3ec8136
imdb/fold_1/test_neg.txt=2ad8a441623f384759265876187967bf0372fa696baf739e4f46583d144e5a2b
imdb/fold_1/test_pos.txt=270d0bd679ee87ac78a3aad0e702b628397fd6829403dbeaf7c269ce675fd08f
imdb/fold_1/train_facts.txt=c8694e1e1a2b875c590cfb952a509d6ec38c42108616efb273679c5712b5f535
imdb/fold_1/train_neg.txt=42f55d7b70c5f4f28aeb1ca9ba7ccc10487d609363ea895678ea3bdac2dfb135
imdb/fold_1/train_pos.txt=c77698a88eaae0e188167838393d4e222d7c7e4232178aec5ed5bf8366f4fc4c
imdb/fold_2/test_facts.txt=b83f66369a722f65db74cef26836462288d5daa69b35a10bcf0724b63e129eb0
imdb/fold_2/test_neg.txt=1d1ddae7a323707e23266ae7fed6488eb8ea667bf07af64cd773532d6b95714d
imdb/fold_2/test_pos.txt=9a127641d6525b4dbf8d01d6561bfb60ad0c20c5821ad8a8d5db6bc75d199049
imdb/fold_2/train_facts.txt=525cccc566e5bba82023ba9719e48aa6493467dd13c0c1b8f17ab280f08bdc5f
imdb/fold_2/train_neg.txt=4cad6e9d20476aa2ee89b38193c673add2bee05e2309ad04acb31521f4a55a38
imdb/fold_2/train_pos.txt=f8004852d32df7166c2cdd64237bb56ac81b361b832814082c04ec4b10c95e97
imdb/fold_3/test_facts.txt=34dffed7a4ff3aa8cdcbc3210af3f26850731f3fc8933a4f7d13595947660456
imdb/fold_3/test_neg.txt=025fe64f894cf08534e3ee38d3c20d65e1cba4dabfc84a9b67da83730c36e9d0
imdb/fold_3/test_pos.txt=de03fdeb7f03f55784131a5e052256fb751f564f69d2599319c596050d3b6691
imdb/fold_3/train_facts.txt=97f6f853320f1e93cd9e4c3085f8a60c3ddf4d1664c0f45febfa45145f188f3c
imdb/fold_3/train_neg.txt=03e1f90243ee78c628fec610adcdb473ad418e2b27df4d58bd980240dd2fce00
imdb/fold_3/train_pos.txt=a2c172fc17c8b7785c99303ffd20bccde14c8568ec94a2d444d82014997da98b
imdb/fold_4/test_facts.txt=8228d1ab97cf38f5e5d9c01854a8daf89bfb3e71d94f1ebcc52d791714b6b8a4
imdb/fold_4/test_neg.txt=2b75db5756064c7343903cd46954490b1310ee0ef963a7529fe49f32de548dd1
imdb/fold_4/test_pos.txt=9d6ad8c228d3eb372556f14ec003c00bc3c908d5baa4ae77aaf11bf800801c58
imdb/fold_4/train_facts.txt=96bb216472f186f5059328ee8a717d819e4c6e50323632a6fb494726de23e119
imdb/fold_4/train_neg.txt=7e1fca19ed7fe7086592da65b4ec5ad659dc9283cefeba87915e7e5382eb246f
imdb/fold_4/train_pos.txt=94b2b8842c7b3ea2f57d5c7f6d534cad5cf872c22cda577f68a291ac0d974b0d
imdb/fold_5/test_facts.txt=1f4a0a1ec2dbfd52c1f6aac4a732261d3480fc4a001fd9e0395f626804b98c5c
imdb/fold_5/test_neg.txt=9b0a649d4b5532368c66abc9a83553b4a00738a67a2acfaf837833a45058c053
imdb/fold_5/test_pos.txt=db183e425006149af6b4cad16508313fbdada8ea511dc39cba3bc4c4982db9b4
imdb/fold_5/train_facts.txt=2d034ed6d4247c09c363506b61ff68277472112b08e4cd1c68c44b6d2c44515a
imdb/fold_5/train_neg.txt=2ba484803a124588b80295d7ea6e0c089f99f561085f24dc2cd6fdb879226730
imdb/fold_5/train_pos.txt=7a4c02a76480e48f815ffb0f21f1f1b2d3a7576de539bc77537b36a7e3f39224
twitter/fold_1/test_facts.txt=d0851a9a942fd1cef41bcce0dd2fe13bf3dc9b2298f8ee5b901c029d975b362f
twitter/fold_1/test_neg.txt=8713471b066a08bd0e363ef2c1b745af6218c81cde9132d3e51e6b0ccbe1b074
twitter/fold_1/test_pos.txt=b02c7bf6666a0c894d5f368c071f4d15b09ed09cd243c9405822c7a41bb250ae
twitter/fold_1/train_facts.txt=e9efe9fb56107e22652e79e8b930680f93bc6b2b9ff146e5a82421be1e021492
twitter/fold_1/train_neg.txt=dea6f691fc6d9421983fefd53e906a6b0506d1cd99ce0990400dee0e6a9a18ad
twitter/fold_1/train_pos.txt=fab84a6ccb22a333e62b976d58b6148a941fd20e24b2031d829fa80988cd62ae
twitter/fold_2/test_facts.txt=e9efe9fb56107e22652e79e8b930680f93bc6b2b9ff146e5a82421be1e021492
twitter/fold_2/test_neg.txt=dea6f691fc6d9421983fefd53e906a6b0506d1cd99ce0990400dee0e6a9a18ad
twitter/fold_2/test_pos.txt=fab84a6ccb22a333e62b976d58b6148a941fd20e24b2031d829fa80988cd62ae
twitter/fold_2/train_facts.txt=d0851a9a942fd1cef41bcce0dd2fe13bf3dc9b2298f8ee5b901c029d975b362f
twitter/fold_2/train_neg.txt=8713471b066a08bd0e363ef2c1b745af6218c81cde9132d3e51e6b0ccbe1b074
twitter/fold_2/train_pos.txt=b02c7bf6666a0c894d5f368c071f4d15b09ed09cd243c9405822c7a41bb250ae
uwcse/fold_1/test_facts.txt=5ee61c9afdec203dc4f2c3f5b9f21baeb154e20581d8e470d98f9d2e8237e7a2
uwcse/fold_1/test_neg.txt=d5966cd5684ac9e0b2fc9ac85fed4171ceda43116ee34d37aebb49abcdcbf039
uwcse/fold_1/test_pos.txt=d599654f3258fb8b350cdc10325c9d3838d59e5a91e6dda09f57a31ec98fe328
uwcse/fold_1/train_facts.txt=5b9cbdbe48c1ab3ee56502936358f145e179e516ccddd47e3a7d749a520df82b
uwcse/fold_1/train_neg.txt=0877ffc6b565aa0356f3fc58ce90d5730f800fe33acac7e0182e3c9cab45ed9a
uwcse/fold_1/train_pos.txt=3c7a04295cd85d47517bb49f9481212b2f1b32b1c9b8df12432ddabd19e401fd
uwcse/fold_2/test_facts.txt=63734fbbcf0ad796163fe0af6fc928be25b31df659c4fd0ec18ed871029d7aa0
uwcse/fold_2/test_neg.txt=38a6168f0a59e1763d029cbc3c1ab6790ef3bde5bd2f9cb7092446cdec6a2969
uwcse/fold_2/test_pos.txt=a9740a464b0b29d720ffa097d4d5781fd5a97abcbb63b003d903513250437ed8
uwcse/fold_2/train_facts.txt=ec08f8cd77cd8a1f37bbce3bf0a56db7b3241e8ea213b600586eb7e62887591b
uwcse/fold_2/train_neg.txt=c311f941d11230ab4c1bdb957d1ead313d6ffac61c42ebb99b077e3f70dc795c
uwcse/fold_2/train_pos.txt=87e0cf53bb1ef247d1ec7aa2a5cd9c6e4c945954440d64afd5c680e96de62c73
uwcse/fold_3/test_facts.txt=7038050ccfff4ba648c5ad807d4117cf870f24582c65b9bd7e4a1e42f9ed9677
uwcse/fold_3/test_neg.txt=66f4267e18db9d87996acf822fa53cdc8bdf7f0f196d6138e98634bf734db11d
uwcse/fold_3/test_pos.txt=e30da4f48e2ed48c2cb2bdfb5ec01099ada2b67faf90f4c9348ebe0e2840db87
uwcse/fold_3/train_facts.txt=d17c4339da181068b07b1ba91d54565e2b4f0876aa83453d6babeea84c32aa6e
uwcse/fold_3/train_neg.txt=f1c8138a12e1c23899f0e3afdc6e1727b377b74d8f2cb2d3e793c8f7b4466c6c
uwcse/fold_3/train_pos.txt=7f08b9539457b9292eba936a3b9eab90330760dfb04da294b9cdd900fd64b186
uwcse/fold_4/test_facts.txt=9194b04d1096ce6f7afe4bfc066e0579009010097a95cc225daae69cbd49a3b8
uwcse/fold_4/test_neg.txt=7c7f9888117f5c4e7e8f787f427ad29b8bdf42c5dc8b41a6cc226b6124277a02
uwcse/fold_4/test_pos.txt=aa144d18d566d741b16ee20131382d746c40b6eb522cb8c28e93b161831ef58e
uwcse/fold_4/train_facts.txt=980b87c990dc9f518ec8484abdd89391e286987c1dc9a780e0fbb68af764d30d
uwcse/fold_4/train_neg.txt=8b1f05523fc81dd8c8ce610b85c4e0dc295e22ef2b775336a5a811299e698d2a
uwcse/fold_4/train_pos.txt=1b9982091a3228e661b03cd30cfbb5a28d1704c544d75db0ef5775840fb3fba2
uwcse/fold_5/test_facts.txt=936e3317a531bbd8626425dc045fdaf64d687db44554bcc130a070cebeb01454
uwcse/fold_5/test_neg.txt=192d5e59d113e66445cfdc3c33ce2d07863d89008ca046ced9b21ec8af5ab475
uwcse/fold_5/test_pos.txt=ac42112daae2c4889ca037f9a4da973eea3873c23b5f94f88343e2c0d4175df1
uwcse/fold_5/train_facts.txt=ed66a644c426eabeb4ea14770765cba875b95af304559a2f4839e2c19d254be5
uwcse/fold_5/train_neg.txt=c0aeb668a3871d7ce538a9a5af5c0acaac5574416b514fba705bbbe5dac43d49
uwcse/fold_5/train_pos.txt=11fc0b4dec236deb88dbcf09693494b888d7aa60e42c1d1618ef2f10c1cb9ce8
yeast/fold_1/test_facts.txt=a9946013e05c6b12ca217dc300c8ce7c23e7b330dc0ff23d6e82fe16f4968f92
yeast/fold_1/test_neg.txt=dd3dbb2efef3bac125676b5076644041a9377f2ff1c57ed9ad39c31f70c31791
yeast/fold_1/test_pos.txt=0aa05ccbe2e71123549db2b5d0c5fe70e10e6c65bee5e2a7b587a63e4ab76647
yeast/fold_1/train_facts.txt=06c7e20aae86c1650dbeb18701147dfeb8b954dfd080bd64defb3a8a9edbffeb
yeast/fold_1/train_neg.txt=66c82e49f31edf5d452d006b0813345b610cc8a2dfd59542fdfee0d81df673cc
yeast/fold_1/train_pos.txt=b2c223cebbce92ddf92b01d31c5e021c5311a993c197721cad9052ab4399290f
yeast/fold_2/test_facts.txt=7e5140dabe9043cff46a53cf91a017e7de05db305df9e508b27d077d52760e04
yeast/fold_2/test_neg.txt=165b7e2c537cf4d73487776f32cb2d65e6644e3ca8a08db9858709ebabf4872a
yeast/fold_2/test_pos.txt=55b872d9e90085df71c9dae402ec800edc4fc823474dca4b65bbb3a459714dc9
yeast/fold_2/train_facts.txt=9dfe21dc6ecc1d09e1f9a9c448641c9a063036dbd703bc185bee22f281f0d88b
yeast/fold_2/train_neg.txt=a5859c0a70911020afbec76ba7f51814a8d6f060c33f041ee4f75a1bca2fac3d
yeast/fold_2/train_pos.txt=892d17e4662184fab3861d1fe67371b6d2dd85c70f32d559cd8cccb935dfbdc5
yeast/fold_3/test_facts.txt=857adcb07808ffe6cf3b7ad2891cc517e5817a27759e3b7cae15e528d4883e2b
yeast/fold_3/test_neg.txt=38bf83e6ea06b1c6a9923c7558bfa9d29ee18d3a1a0c6cf34c05ff9c39fcd8ac
yeast/fold_3/test_pos.txt=5abeaa5ced959f36adb695e5b194a0c8f88967a15f92d123f043adf213c6af29
yeast/fold_3/train_facts.txt=d638543d86c10076cd5e4b07592c97e92fabb5921028b7ac8e76c52a4acdae04
yeast/fold_3/train_neg.txt=48565a21d777875fda669dc1b6daf95e8cb76ededff1ec8ae43f94fdfb6cdec1
yeast/fold_3/train_pos.txt=bc039c5211bb1d2372776832d1905a5c192d4bd190298c4a64dbd922a9ec78f9
yeast/fold_4/test_facts.txt=5c6544e14f8475a90dce912f1a700ed39941a003c2118c49ad73da54bca186d7
yeast/fold_4/test_neg.txt=90e604e162064ea34dae1e2fe1dda07f7db45212d05f532921dbaf53db0c0d55
yeast/fold_4/test_pos.txt=230043c3434ec7ad79a736226547a302322503f438599175d829aeefa6bb0c44
yeast/fold_4/train_facts.txt=e8d1edc2abbced34290f106415576e9b105fca2af72f7ea43bc4b8b302aa48f7
yeast/fold_4/train_neg.txt=70352841ca7a94f59ecca82ea0e0574e6a35c613b51d6a8c6cb5a44cda991f9a
yeast/fold_4/train_pos.txt=c1fee2052d553b12dc59326faf605935bce144236a360c069b2bc6fe93d3ae58
"""

#: SHA-256 of every fold file, by path relative to the data folder.
RELATIONAL_CHECKSUMS = {}
for _line in _MANIFEST.split():
    _name, _digest = _line.split("=")
    _domain, _rest = _name.split("/", 1)
    RELATIONAL_CHECKSUMS[f"relational/{_domain}/{_FOLDS}/{_rest}"] = _digest
del _line, _name, _digest, _domain, _rest
