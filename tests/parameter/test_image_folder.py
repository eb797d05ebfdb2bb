"""ImageFolder and list_images on a folder made here, and on hymenoptera."""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from transferkit.parameter._image_folder import ImageFolder, list_images
from transferkit.parameter.backbones._images import open_rgb


def _save(im, path, fmt=None, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, format=fmt, **kw)
    return path


@pytest.fixture
def folder(tmp_path):
    """Two classes with every case the reader must handle."""
    root = tmp_path / "photos"
    a, b = root / "ants", root / "bees"
    _save(Image.new("RGB", (20, 16), (200, 40, 10)), a / "rgb.jpg")
    _save(Image.new("RGB", (18, 18), (10, 40, 200)), a / "really_png.jpg", "PNG")
    _save(Image.new("CMYK", (16, 16), (0, 200, 200, 0)), a / "cmyk.jpeg", "JPEG")
    _save(Image.new("L", (16, 12), 128), a / "gray.png")
    (a / "notes.jpg").write_text("this is not an image\n")
    # A truncated JPEG: a valid header, half the data.
    full = _save(
        Image.effect_noise((64, 64), 60).convert("RGB"), tmp_path / "full.jpg", "JPEG"
    )
    data = full.read_bytes()
    (b / "truncated.jpg").parent.mkdir(parents=True, exist_ok=True)
    (b / "truncated.jpg").write_bytes(data[: len(data) // 2])
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(b / "anim.gif", save_all=True, append_images=frames[1:])
    _save(Image.new("RGBA", (16, 16), (0, 0, 0, 0)), b / "alpha.png")
    _save(Image.new("RGB", (16, 16), (250, 200, 0)), b / "sub" / "nested.jpg")
    _save(Image.new("RGB", (16, 16)), b / "odd.bmp", "BMP")
    _save(Image.new("RGB", (16, 16)), root / "loose_file.jpg")  # not in a class
    return root


def test_reads_classes_by_content_and_reports_bad_files(folder):
    with pytest.warns(UserWarning) as record:
        data = ImageFolder(folder)
    assert data.classes == ["ants", "bees"]
    names = [Path(p).relative_to(folder).as_posix() for p in data.paths]
    assert names == [
        "ants/cmyk.jpeg",
        "ants/gray.png",
        "ants/really_png.jpg",
        "ants/rgb.jpg",
        "bees/alpha.png",
        "bees/anim.gif",
        "bees/sub/nested.jpg",
    ]
    assert list(data.targets) == ["ants"] * 4 + ["bees"] * 3
    assert isinstance(data.targets, np.ndarray)
    skipped = {Path(f).name: reason for f, reason in data.skipped_}
    assert set(skipped) == {"notes.jpg", "truncated.jpg", "odd.bmp"}
    assert "not an image" in skipped["notes.jpg"]
    assert "corrupt" in skipped["truncated.jpg"]
    assert "BMP" in skipped["odd.bmp"]
    messages = " ".join(str(w.message) for w in record)
    for name in skipped:
        assert name in messages
    assert data.class_counts == {"ants": 4, "bees": 3}
    assert data[0] == (data.paths[0], "ants")


def test_header_only_check_lets_the_truncated_file_through(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = ImageFolder(folder, decode=False)
    assert any(p.endswith("truncated.jpg") for p in data.paths)
    # ... and reading it later names it.
    bad = next(p for p in data.paths if p.endswith("truncated.jpg"))
    with pytest.raises(ValueError, match="truncated.jpg"):
        open_rgb(bad)


def test_every_mode_becomes_rgb(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = ImageFolder(folder)
    by_name = {Path(p).name: p for p in data.paths}
    for p in data.paths:
        im = open_rgb(p)
        assert im.mode == "RGB"
    gray = np.asarray(open_rgb(by_name["gray.png"]))
    assert (gray == 128).all()
    alpha = np.asarray(open_rgb(by_name["alpha.png"]))
    assert (alpha == 255).all()  # fully transparent -> white background
    cmyk = np.asarray(open_rgb(by_name["cmyk.jpeg"]), dtype=float)
    assert cmyk[..., 0].mean() > 200 and cmyk[..., 1].mean() < 100  # cyan-free red
    # The first frame of the animated GIF, not the second.
    with Image.open(by_name["anim.gif"]) as im:
        assert im.n_frames == 2
    first = np.asarray(open_rgb(by_name["anim.gif"]), dtype=int)
    assert (first[..., 0] > 200).all() and (first[..., 2] < 50).all()


def test_empty_or_single_class_folder_raises(tmp_path):
    with pytest.raises(ValueError, match="at least two class"):
        ImageFolder(tmp_path)
    _save(Image.new("RGB", (8, 8)), tmp_path / "only" / "a.png")
    with pytest.raises(ValueError, match="at least two class"):
        ImageFolder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no readable"):
        ImageFolder(tmp_path)
    with pytest.raises(ValueError, match="existing folder"):
        ImageFolder(tmp_path / "missing")


def test_list_images_of_files_and_folders(folder):
    with pytest.warns(UserWarning, match="notes.jpg"):
        found = list_images([folder / "ants", folder / "bees" / "alpha.png"])
    assert [Path(p).name for p in found] == [
        "cmyk.jpeg",
        "gray.png",
        "really_png.jpg",
        "rgb.jpg",
        "alpha.png",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list_images(folder / "ants" / "rgb.jpg") == [
            os.fspath(folder / "ants" / "rgb.jpg")
        ]
    with pytest.raises(FileNotFoundError, match="nope"):
        list_images(folder / "nope")


@pytest.mark.realdata
def test_hymenoptera_counts_and_odd_files(data_home):
    root = Path(data_home) / "images" / "hymenoptera"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no file of the data set is skipped
        train = ImageFolder(root / "train", decode=False)
        val = ImageFolder(root / "val", decode=False)
    assert train.classes == val.classes == ["ants", "bees"]
    assert train.class_counts == {"ants": 124, "bees": 121}
    assert val.class_counts == {"ants": 70, "bees": 83}
    assert train.skipped_ == [] and val.skipped_ == []
    # The two odd files: JPEG data under a .gif name, and a .jpeg extension.
    names = {Path(p).name: p for p in train.paths}
    with Image.open(names["imageNotFound.gif"]) as im:
        assert im.format == "JPEG"
    assert open_rgb(names["imageNotFound.gif"]).mode == "RGB"
    assert "formica.jpeg" in names


class _RecordingBackbone:
    """Stands in for a backbone: records what the reader hands over."""

    feature_dim = 2

    def __init__(self):
        self.calls = []

    def prepare(self, paths, train=False, generator=None):
        self.calls.append((list(paths), train, generator))
        return len(paths)

    def encode(self, paths, batch_size=32, cache=True):
        self.calls.append((list(paths), batch_size, cache))
        return np.zeros((len(paths), self.feature_dim), np.float32)


def test_batches_and_features_hand_the_paths_to_the_backbone(folder):
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = ImageFolder(folder)
    body = _RecordingBackbone()
    out = list(data.batches(body, batch_size=3))
    assert [n for n, _ in out] == [3, 3, 1]
    assert np.concatenate([t for _, t in out]).tolist() == data.targets.tolist()
    assert [p for call in body.calls for p in call[0]] == data.paths
    body.calls.clear()
    gen = torch.Generator().manual_seed(0)
    shuffled = list(data.batches(body, batch_size=4, train=True, generator=gen))
    seen = [p for call in body.calls for p in call[0]]
    assert sorted(seen) == sorted(data.paths) and seen != data.paths
    assert all(call[1] is True and call[2] is gen for call in body.calls)
    labels = np.concatenate([t for _, t in shuffled])
    assert labels.tolist() == [dict(zip(data.paths, data.targets))[p] for p in seen]
    with pytest.raises(ValueError, match="generator"):
        next(data.batches(body, train=True))
    body.calls.clear()
    X = data.features(body, indices=[1, 0])
    assert X.shape == (2, 2) and body.calls == [
        ([data.paths[1], data.paths[0]], 32, True)
    ]
