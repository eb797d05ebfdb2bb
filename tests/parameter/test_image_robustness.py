"""Photos that must not stop a run, eat memory, turn white or go stale."""

import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from transferkit.parameter import ImageFolder, list_images
from transferkit.parameter.backbones import _images
from transferkit.parameter.backbones._images import (
    check_image_file,
    file_key,
    open_rgb,
    resize_center_crop,
)


def _png_header(width, height):
    """A tiny PNG whose header claims ``width x height`` pixels."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4))
        + chunk(b"IEND", b"")
    )


def _folder(root):
    for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (root / name).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (12, 12), colour).save(root / name / f"{i}.png")
    return root


def test_decompression_bomb_is_skipped(tmp_path):
    root = _folder(tmp_path / "photos")
    bomb = root / "red" / "bomb.png"
    bomb.write_bytes(_png_header(30000, 30000))
    assert "too large" in check_image_file(bomb)
    with pytest.warns(UserWarning, match="bomb.png"):
        folder = ImageFolder(root)
    assert len(folder) == 4
    assert [os.path.basename(f) for f, _ in folder.skipped_] == ["bomb.png"]
    with pytest.raises(ValueError, match="too large"):
        open_rgb(bomb)


def test_pixel_limit_follows_pillow(tmp_path, monkeypatch):
    photo = tmp_path / "p.png"
    Image.new("RGB", (40, 30)).save(photo)
    assert check_image_file(photo) is None
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert "too large: 40x30 = 1200 pixels" in check_image_file(photo)


def test_empty_image_is_refused():
    with pytest.raises(ValueError, match="empty image"):
        open_rgb(Image.new("RGB", (0, 0)))


def test_elongated_image_resizes_in_bounded_memory(monkeypatch):
    sizes = []
    real_resize = Image.Image.resize

    def recording_resize(self, size, *args, **kwargs):
        sizes.append(size)
        return real_resize(self, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", recording_resize)
    strip = Image.fromarray(np.arange(3000, dtype=np.uint8).reshape(3000, 1) % 251)
    out = resize_center_crop(strip.convert("RGB"), 224)
    assert out.size == (224, 224)
    assert max(w * h for w, h in sizes) <= 4 * 224 * 224


def test_elongated_crop_matches_resize_then_crop():
    rng = np.random.RandomState(0)
    im = Image.fromarray(rng.randint(0, 256, size=(900, 60, 3), dtype=np.uint8))
    boxed = np.asarray(resize_center_crop(im, 32), dtype=float)
    # the old way: resize the whole image, then crop the centre
    short = round(32 * 256 / 224)
    whole = im.resize((short, round(900 * short / 60)), Image.Resampling.BILINEAR)
    left, top = (short - 32) // 2, (whole.size[1] - 32) // 2
    cropped = np.asarray(whole.crop((left, top, left + 32, top + 32)), dtype=float)
    assert np.abs(boxed - cropped).mean() < 2.0


def test_ordinary_photo_unchanged_by_the_bound():
    rng = np.random.RandomState(1)
    im = Image.fromarray(rng.randint(0, 256, size=(300, 400, 3), dtype=np.uint8))
    short = round(224 * 256 / 224)
    whole = im.resize((round(400 * short / 300), short), Image.Resampling.BILINEAR)
    left, top = (whole.size[0] - 224) // 2, (whole.size[1] - 224) // 2
    expected = np.asarray(whole.crop((left, top, left + 224, top + 224)))
    np.testing.assert_array_equal(np.asarray(resize_center_crop(im, 224)), expected)


def test_sixteen_bit_png_keeps_its_grey_levels(tmp_path):
    path = tmp_path / "grey16.png"
    values = np.linspace(0, 65535, 64 * 48).reshape(48, 64).astype(np.uint16)
    Image.fromarray(values).save(path)
    rgb = np.asarray(open_rgb(path), dtype=float)
    assert rgb.shape == (48, 64, 3)
    assert abs(rgb.mean() - 127.5) < 2.0
    assert (rgb >= 254.5).mean() < 0.01


def test_cache_key_sees_a_same_size_same_mtime_rewrite(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"a" * 100)
    before = file_key(path)
    stat = os.stat(path)
    path.write_bytes(b"a" * 99 + b"b")  # a change past any first block's start
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.stat(path).st_size == stat.st_size
    assert file_key(path) != before


def test_list_images_reports_through_a_callable(tmp_path):
    good = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(good)
    bad = tmp_path / "b.png"
    bad.write_text("text")
    seen = []
    kept = list_images(tmp_path, warn=lambda path, reason: seen.append(path))
    assert kept == [str(good)]
    assert seen == [str(bad)]


def test_module_has_the_size_check():
    assert _images._size_problem((0, 5)).startswith("empty image")
