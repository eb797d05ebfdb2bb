"""Does the target have cluster structure? (the gap statistic, Gaussian null)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_array, check_random_state

__all__ = ["MIN_TARGET_STRUCTURE", "cluster_structure_score"]

#: Default of ``TransferSelector(min_target_structure=...)``: three standard
#: errors of the reference dispersion. Measured with ``benchmark
#: selection``'s tasks: Office-Caltech SURF targets 4.9 to 33.9 (three
#: seeds), digits shifts 13.6 to 22.2, the 5-D synthetic shifts -0.7 to 1.5
#: (the affine and prior shifts, three Gaussian classes two standard
#: deviations apart, highest).
MIN_TARGET_STRUCTURE = 3.0


def _log_dispersion(Z, n_clusters, seed):
    """Log of the k-means within-cluster sum of squares of Z."""
    model = KMeans(n_clusters, n_init=3, random_state=seed).fit(Z)
    total = float(np.sum((Z - Z.mean(axis=0)) ** 2))
    # a floor: fewer distinct points than clusters leaves no dispersion
    return float(np.log(max(model.inertia_, 1e-12 * total, np.finfo(float).tiny)))


def cluster_structure_score(
    X,
    n_clusters,
    *,
    n_components=10,
    n_references=10,
    max_samples=2000,
    random_state=None,
):
    """How much more clustered X is than a Gaussian with its covariance.

    The gap statistic of Tibshirani, Walther and Hastie with a Gaussian
    reference: the rows are projected on their first ``n_components``
    principal axes, k-means with ``n_clusters`` clusters gives the log
    within-cluster dispersion ``log W``, and the same is computed on
    ``n_references`` samples of a Gaussian with the projection's mean and
    covariance (data with no cluster structure at all). The score is the gap
    ``mean(log W_ref) - log W`` divided by its standard error,
    ``std(log W_ref) * sqrt(1 + 1 / n_references)``: about 0 (or below) for
    a single Gaussian blob, large when the rows form ``n_clusters`` groups.

    :class:`TransferSelector` uses it on the unlabelled target, with the
    number of source classes: the target-side criteria (MixVal, SND, EnsV's
    agreement) read the target's cluster structure as evidence about the
    classes, and carry none when there is no structure to read.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows (the target domain's features).
    n_clusters : int
        Number of clusters (the number of classes), at least 2 and below
        ``n_samples``.
    n_components : int, default=10
        Principal axes kept (at most ``n_features`` and ``n_samples - 1``).
        Clusters show in the leading directions; in all 800 dimensions of
        the Office-Caltech SURF histograms the noise of the others hides
        them (the gap there is about 0 on the Webcam and DSLR targets,
        where ten principal axes give scores of 7 to 24).
    n_references : int, default=10
        Gaussian reference samples.
    max_samples : int, default=2000
        Rows used at most (a random subset beyond it), which bounds the cost
        at ``n_references + 1`` k-means fits of ``max_samples`` rows.
    random_state : int, RandomState instance or None, default=None
        Seed of the subset, the references and k-means. ``None`` draws it
        from numpy's global generator, as scikit-learn does.

    Returns
    -------
    score : float
        The gap in units of its standard error.

    Notes
    -----
    The original statistic draws its references uniformly over the
    principal box of the data and asks for the best number of clusters;
    here the number of clusters is given (the classes), and the reference
    is a Gaussian, whose k-means dispersion falls with more clusters the way
    any unimodal cloud's does, so that a positive gap means groups rather
    than a non-uniform blob.

    References
    ----------
    R. Tibshirani, G. Walther and T. Hastie, "Estimating the number of
    clusters in a data set via the gap statistic", Journal of the Royal
    Statistical Society B 63(2), 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.model_selection import cluster_structure_score
    >>> rng = np.random.RandomState(0)
    >>> blob = rng.normal(size=(300, 5))
    >>> groups = np.vstack([blob[:100] + 6, blob[100:200], blob[200:] - 6])
    >>> cluster_structure_score(blob, 3, random_state=0) < 3
    True
    >>> cluster_structure_score(groups, 3, random_state=0) > 10
    True
    """
    X = check_array(X, dtype=np.float64, ensure_min_samples=2, input_name="X")
    n_samples = X.shape[0]
    for name, value, low in (
        ("n_clusters", n_clusters, 2),
        ("n_components", n_components, 1),
        ("n_references", n_references, 2),
        ("max_samples", max_samples, 2),
    ):
        if (
            not isinstance(value, numbers.Integral)
            or isinstance(value, bool)
            or value < low
        ):
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    rng = check_random_state(random_state)
    if n_samples > max_samples:
        X = X[np.sort(rng.choice(n_samples, max_samples, replace=False))]
        n_samples = max_samples
    if n_clusters >= n_samples:
        raise ValueError(
            f"n_clusters={n_clusters} needs more than {n_clusters} rows of X, "
            f"got {n_samples}."
        )
    centred = X - X.mean(axis=0)
    U, s, _ = np.linalg.svd(centred, full_matrices=False)
    q = min(n_components, X.shape[1], n_samples - 1)
    if s[0] <= 0 or not np.isfinite(s[0]):
        raise ValueError("X has no variance: every row is the same.")
    projected = U[:, :q] * s[:q]
    scale = s[:q] / np.sqrt(n_samples)  # the projection's standard deviations
    seed = int(rng.randint(np.iinfo(np.int32).max))
    observed = _log_dispersion(projected, n_clusters, seed)
    reference = np.array(
        [
            _log_dispersion(rng.normal(size=(n_samples, q)) * scale, n_clusters, seed)
            for _ in range(n_references)
        ]
    )
    std_error = reference.std(ddof=1) * np.sqrt(1.0 + 1.0 / n_references)
    gap = reference.mean() - observed
    return float(gap / max(std_error, 1e-12 * max(abs(gap), 1.0)))
