"""Reading images with Pillow and the EfficientNet-Lite preprocessing.

No torch at import time: the image-folder reader uses the readers here.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
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


#: Largest resized image, in crops of ``size x size``, that
#: :func:`resize_center_crop` builds before cropping; a photo of aspect ratio
#: up to 1:4 is resized whole (then cropped) as before.
_MAX_RESIZED_AREA = 4


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
        with warnings.catch_warnings():
            # the size is checked below, before any decoding
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                fmt = im.format
                if fmt not in IMAGE_FORMATS:
                    return f"format {fmt} is not one of {', '.join(IMAGE_FORMATS)}"
                reason = _size_problem(im.size)
                if reason is not None:
                    return reason
                im.verify()
        if decode:
            with Image.open(path) as im:
                im.load()
    except Image.UnidentifiedImageError:
        return "not an image (Pillow cannot identify it)"
    except Image.DecompressionBombError as exc:
        return f"too large: {exc}"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return f"corrupt image: {exc}"
    return None


def _size_problem(size):
    """Why an image of ``size`` pixels is not read, or None."""
    w, h = size
    if w <= 0 or h <= 0:
        return f"empty image ({w}x{h} pixels)"
    limit = _pil().MAX_IMAGE_PIXELS
    if limit is not None and w * h > limit:
        return (
            f"too large: {w}x{h} = {w * h} pixels, more than Pillow's "
            f"PIL.Image.MAX_IMAGE_PIXELS = {limit}"
        )
    return None


def _as_rgb(im):
    """Convert any Pillow mode to RGB; transparent pixels become white.

    16- and 32-bit grey images (modes ``I;16*``, ``I``) are scaled to 8 bits
    (Pillow's own conversion clips them to 255, turning them white).
    """
    Image = _pil()
    if im.mode == "RGB":
        return im
    if im.mode.startswith("I"):
        values = np.asarray(im).astype(np.float64)
        top = (
            65535.0
            if im.mode.startswith("I;16") or values.max() <= 65535
            else 2**32 - 1
        )
        scaled = np.clip(np.round(values * (255.0 / top)), 0, 255).astype(np.uint8)
        return Image.fromarray(scaled, mode="L").convert("RGB")
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
        reason = _size_problem(item.size)
        if reason is not None:
            raise ValueError(f"cannot use the image {item!r}: {reason}")
        if getattr(item, "n_frames", 1) > 1:
            item.seek(0)
        return _as_rgb(item)
    if not isinstance(item, (str, os.PathLike)):
        raise TypeError(
            "an image must be a file path (str or Path) or a PIL image, "
            f"got {type(item).__name__}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(item) as im:
                reason = _size_problem(im.size)
                if reason is not None:
                    raise ValueError(reason)
                im.seek(0)
                im.load()
                return _as_rgb(im).copy()
    except Image.DecompressionBombError as exc:
        message = f"cannot read the image {str(item)!r}: too large: {exc}"
        raise ValueError(message) from exc
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
    left, top = (nw - size) // 2, (nh - size) // 2
    if nw * nh > _MAX_RESIZED_AREA * size * size:
        # a very elongated image (1 x 3000): resize only the part the crop
        # keeps, so that the memory stays that of one ``size`` square
        sx, sy = w / nw, h / nh
        box = (left * sx, top * sy, (left + size) * sx, (top + size) * sy)
        return im.resize((size, size), _resample(), box=box)
    im = im.resize((nw, nh), _resample())
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
    """Cache key of an image file: resolved path, size, mtime and content hash.

    The BLAKE2b digest of the bytes keeps a photo rewritten with the same size
    and modification time from reusing the old photo's cached features.
    """
    p = Path(path).resolve()
    st = p.stat()
    digest = hashlib.blake2b(digest_size=16)
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return ("file", str(p), st.st_size, st.st_mtime_ns, digest.hexdigest())
