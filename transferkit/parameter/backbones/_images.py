"""Reading images with Pillow and the EfficientNet-Lite preprocessing.

No torch at import time: the image-folder reader uses the readers here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ._deps import require

__all__ = [
    "IMAGE_FORMATS",
    "check_image_file",
    "open_rgb",
    "resize_center_crop",
    "random_resized_crop",
    "to_batch",
    "file_key",
]

#: Pillow format names the readers accept (recognised by content).
IMAGE_FORMATS = ("JPEG", "PNG", "GIF")


def _pil():
    return require("PIL.Image", "vision", "pillow", "reading images")


def check_image_file(path, decode=True):
    """Why ``path`` is not a readable JPEG/PNG/GIF image, or None if it is.

    The format is read from the file's content (Pillow), not its name.

    Parameters
    ----------
    path : str or path-like
    decode : bool, default=True
        Also decode the pixels once, which finds truncated files that
        ``Image.verify`` lets through.

    Returns
    -------
    reason : str or None
    """
    Image = _pil()
    try:
        with Image.open(path) as im:
            fmt = im.format
            if fmt not in IMAGE_FORMATS:
                return f"format {fmt} is not one of {', '.join(IMAGE_FORMATS)}"
            im.verify()
        if decode:
            with Image.open(path) as im:
                im.load()
    except Image.UnidentifiedImageError:
        return "not an image (Pillow cannot identify it)"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return f"corrupt image: {exc}"
    return None


def _as_rgb(im):
    """Convert any Pillow mode to RGB; transparent pixels become white."""
    Image = _pil()
    if im.mode == "RGB":
        return im
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, im).convert("RGB")
    return im.convert("RGB")


def open_rgb(item):
    """An RGB PIL image from a path or a PIL image (first frame of a GIF).

    A file Pillow cannot read raises ``ValueError`` naming it.
    """
    Image = _pil()
    if isinstance(item, Image.Image):
        if getattr(item, "n_frames", 1) > 1:
            item.seek(0)
        return _as_rgb(item)
    if not isinstance(item, (str, os.PathLike)):
        raise TypeError(
            "an image must be a file path (str or Path) or a PIL image, "
            f"got {type(item).__name__}"
        )
    try:
        with Image.open(item) as im:
            im.seek(0)
            im.load()
            return _as_rgb(im).copy()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValueError(f"cannot read the image {str(item)!r}: {exc}") from exc


def _resample():
    return _pil().Resampling.BILINEAR


def resize_center_crop(im, size):
    """Shorter side to ``round(size * 256 / 224)``, then the centre ``size`` crop."""
    short = round(size * 256 / 224)
    w, h = im.size
    scale = short / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    im = im.resize((nw, nh), _resample())
    left, top = (nw - size) // 2, (nh - size) // 2
    return im.crop((left, top, left + size, top + size))


def random_resized_crop(im, size, generator, scale=(0.6, 1.0), ratio=(3 / 4, 4 / 3)):
    """A random crop of ``scale`` of the area and ``ratio`` aspect, resized to
    ``size``, flipped left-right with probability 1/2.

    Every draw comes from ``generator`` (a ``torch.Generator``).
    """
    import torch

    def uniform(lo, hi):
        return lo + (hi - lo) * float(torch.rand((), generator=generator))

    w, h = im.size
    area = w * h
    box = None
    for _ in range(10):
        target = area * uniform(*scale)
        aspect = math.exp(uniform(math.log(ratio[0]), math.log(ratio[1])))
        cw = round(math.sqrt(target * aspect))
        ch = round(math.sqrt(target / aspect))
        if 0 < cw <= w and 0 < ch <= h:
            left = int(torch.randint(0, w - cw + 1, (), generator=generator))
            top = int(torch.randint(0, h - ch + 1, (), generator=generator))
            box = (left, top, left + cw, top + ch)
            break
    if box is None:  # fall back to the largest centred crop within ``ratio``
        cw, ch = w, h
        if w / h > ratio[1]:
            cw = round(h * ratio[1])
        elif w / h < ratio[0]:
            ch = round(w / ratio[0])
        left, top = (w - cw) // 2, (h - ch) // 2
        box = (left, top, left + cw, top + ch)
    im = im.resize((size, size), _resample(), box=box)
    if float(torch.rand((), generator=generator)) < 0.5:
        im = im.transpose(_pil().Transpose.FLIP_LEFT_RIGHT)
    return im


def to_batch(images, channels_last=True):
    """Stack RGB PIL images into a float32 ``(B, 3, S, S)`` tensor in [-1, 1]."""
    import torch

    arr = np.stack([np.asarray(im, dtype=np.uint8) for im in images])
    x = torch.from_numpy(arr).permute(0, 3, 1, 2).to(torch.float32)
    x = x.div_(127.5).sub_(1.0)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    return x.contiguous(memory_format=memory_format)


def file_key(path):
    """Cache key of an image file: resolved path, size in bytes, mtime (ns)."""
    p = Path(path).resolve()
    st = p.stat()
    return ("file", str(p), st.st_size, st.st_mtime_ns)
