"""Synthetic domain shifts with a known ground truth."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.linalg import expm
from sklearn.utils import check_random_state

__all__ = ["make_domain_shift"]

_KINDS = ("covariate", "prior", "concept", "affine")


def _class_means(n_classes, n_features, separation, rng):
    means = rng.normal(size=(n_classes, n_features))
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    return separation * means


def _nonlinear_labels(X, n_classes):
    # A fixed, curved decision rule shared by source and target (so that
    # P(y | x) does not change): the class is the bin of a smooth score.
    score = X[:, 0] + np.sin(2.0 * X[:, 1 % X.shape[1]]) + 0.3 * X[:, 0] ** 2
    edges = (
        np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
        if n_classes > 2
        else [0.5]
    )
    return np.digitize(score, edges)


def make_domain_shift(
    kind="covariate",
    n_source=500,
    n_target=500,
    n_features=2,
    n_classes=2,
    shift=1.0,
    noise=0.1,
    random_state=None,
):
    """Generate a labelled source and a labelled target domain.

    Parameters
    ----------
    kind : {"covariate", "prior", "concept", "affine"}, default="covariate"
        The kind of shift:

        - ``"covariate"``: ``P(x)`` moves, ``P(y | x)`` is the same fixed,
          curved rule in both domains (the setting of instance reweighting).
          The source is ``N(0, I)``; the target ``N(shift * e_1, 0.5 I)``.
        - ``"prior"``: class-conditional Gaussians; the source classes are
          balanced, the target's prior is skewed (the first class gets
          weight ``1 + shift`` before normalisation).
        - ``"concept"``: same ``P(x)``, the target labels come from the
          source's linear rule rotated by ``shift`` radians.
        - ``"affine"``: class-conditional Gaussians; the target is the same
          generative model pushed through a random linear map (a rotation
          whose angles grow with ``shift``, scaled by ``1 + shift``) and a
          translation of norm ``2 * shift``:
          the shift that feature-mapping methods (CORAL, TCA, SA) undo.
    n_source, n_target : int, default=500
        Numbers of source and target samples.
    n_features : int, default=2
        Number of features (at least 2).
    n_classes : int, default=2
        Number of classes.
    shift : float, default=1.0
        Strength of the shift; 0 gives two samples of one distribution
        (except for ``"prior"``, where 0 keeps balanced priors).
    noise : float, default=0.1
        Fraction of labels flipped at random in both domains.
    random_state : int, RandomState instance or None, default=None
        Seed; global random state is never touched.

    Returns
    -------
    Xs : ndarray of shape (n_source, n_features)
    ys : ndarray of shape (n_source,)
    Xt : ndarray of shape (n_target, n_features)
    yt : ndarray of shape (n_target,)

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> Xs, ys, Xt, yt = make_domain_shift("affine", n_features=5, random_state=0)
    >>> Xs.shape, Xt.shape
    ((500, 5), (500, 5))
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}.")
    for name, value, low in (
        ("n_source", n_source, 1),
        ("n_target", n_target, 1),
        ("n_features", n_features, 2),
        ("n_classes", n_classes, 2),
    ):
        if not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if not 0 <= noise < 0.5:
        raise ValueError(f"noise must be in [0, 0.5), got {noise!r}.")
    rng = check_random_state(random_state)

    if kind == "covariate":
        Xs = rng.normal(size=(n_source, n_features))
        Xt = rng.normal(scale=np.sqrt(0.5), size=(n_target, n_features))
        Xt[:, 0] += shift
        both = _nonlinear_labels(np.vstack([Xs, Xt]), n_classes)
        ys, yt = both[:n_source], both[n_source:]
    elif kind == "concept":
        Xs = rng.normal(size=(n_source, n_features))
        Xt = rng.normal(size=(n_target, n_features))
        w = np.zeros(n_features)
        w[0] = 1.0
        w_t = w.copy()
        w_t[0], w_t[1] = np.cos(shift), np.sin(shift)
        offsets = np.linspace(-1, 1, n_classes + 1)[1:-1] if n_classes > 2 else [0.0]
        ys = np.digitize(Xs @ w, offsets)
        yt = np.digitize(Xt @ w_t, offsets)
    else:
        means = _class_means(n_classes, n_features, 2.0, rng)
        if kind == "prior":
            prior_t = np.ones(n_classes)
            prior_t[0] += shift
            prior_t /= prior_t.sum()
        else:
            prior_t = np.full(n_classes, 1.0 / n_classes)
        ys = rng.randint(n_classes, size=n_source)
        yt = rng.choice(n_classes, size=n_target, p=prior_t)
        Xs = means[ys] + rng.normal(size=(n_source, n_features))
        Xt = means[yt] + rng.normal(size=(n_target, n_features))
        if kind == "affine":
            generator = rng.normal(size=(n_features, n_features))
            rotation = expm(shift * (generator - generator.T) / np.sqrt(n_features))
            direction = rng.normal(size=n_features)
            direction *= 2.0 * shift / np.linalg.norm(direction)
            Xt = (1.0 + shift) * Xt @ rotation + direction

    for labels in (ys, yt):
        flip = rng.random_sample(labels.shape[0]) < noise
        labels[flip] = rng.randint(n_classes, size=int(flip.sum()))
    return Xs, ys.astype(np.int64), Xt, yt.astype(np.int64)
