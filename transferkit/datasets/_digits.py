"""A domain shift built from scikit-learn's bundled digits (no download)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state

__all__ = ["load_digits_shift", "DIGIT_SHIFTS"]

DIGIT_SHIFTS = ("contrast", "blur", "noise", "pixel", "rotate")


def _shift_images(images, shift, rng):
    from scipy import ndimage

    if shift == "contrast":
        return images * 0.5 + 0.25
    if shift == "blur":
        return np.stack([ndimage.gaussian_filter(im, sigma=1.0) for im in images])
    if shift == "noise":
        return np.clip(images + rng.normal(scale=0.3, size=images.shape), 0.0, 1.0)
    if shift == "pixel":
        out = np.zeros_like(images)
        out[:, :, 1:] = images[:, :, :-1]
        return out
    return np.stack(
        [
            ndimage.rotate(im, 30.0, reshape=False, order=1, mode="constant")
            for im in images
        ]
    ).clip(0.0, 1.0)


def load_digits_shift(shift="contrast", random_state=0):
    """Source and target halves of scikit-learn's digits, the target shifted.

    The 1797 8x8 digits are scaled to [0, 1]; a random half (900 images) is
    the source, the other half (897) is transformed into the target.

    Parameters
    ----------
    shift : {"contrast", "blur", "noise", "pixel", "rotate"}, default="contrast"
        The target transformation: ``"contrast"`` maps ``x`` to
        ``0.5 x + 0.25``; ``"blur"`` is a Gaussian blur (sigma = 1 pixel);
        ``"noise"`` adds Gaussian noise (sd 0.3, clipped to [0, 1]);
        ``"pixel"`` moves the image one pixel to the right; ``"rotate"``
        rotates it by 30 degrees.
    random_state : int, RandomState instance or None, default=0
        Seed of the split (and of the noise).

    Returns
    -------
    Xs : ndarray of shape (900, 64)
    ys : ndarray of shape (900,)
    Xt : ndarray of shape (897, 64)
    yt : ndarray of shape (897,)

    Examples
    --------
    >>> from transferkit.datasets import load_digits_shift
    >>> Xs, ys, Xt, yt = load_digits_shift("blur")
    >>> Xs.shape, Xt.shape
    ((900, 64), (897, 64))
    """
    if shift not in DIGIT_SHIFTS:
        raise ValueError(f"shift must be one of {DIGIT_SHIFTS}, got {shift!r}.")
    rng = check_random_state(random_state)
    digits = load_digits()
    images = digits.images / 16.0
    order = rng.permutation(images.shape[0])
    src, tgt = order[:900], order[900:]
    target = _shift_images(images[tgt], shift, rng)
    return (
        images[src].reshape(len(src), -1),
        digits.target[src],
        target.reshape(len(tgt), -1),
        digits.target[tgt],
    )
