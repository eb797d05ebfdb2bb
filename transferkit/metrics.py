"""Domain discrepancy: how far apart are the source and the target?

- :func:`mmd2`: squared maximum mean discrepancy, computed blockwise;
- :func:`proxy_a_distance`: ``2 (1 - 2 err)`` of a domain classifier;
- :func:`domain_classifier_auc`: the same classifier's ROC AUC;
- :func:`coral_distance`: distance between the covariance matrices.

Large values mean the domains are easy to tell apart. They say nothing by
themselves about whether a classifier transfers, but a drop after
adaptation (measured on the *mapped* data) shows that a method aligned what
it set out to align.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .utils.kernels import kernel_diagonal, kernel_sums, resolve_gamma
from .utils.subspace import covariance
from .utils.validation import check_two_domains

__all__ = ["coral_distance", "domain_classifier_auc", "mmd2", "proxy_a_distance"]


def _total_kernel_sum(X, Y, params, block_size):
    return float(kernel_sums(X, Y, block_size=block_size, **params).sum())


def mmd2(
    Xs,
    Xt,
    kernel="rbf",
    gamma=None,
    degree=3,
    coef0=1.0,
    unbiased=True,
    block_size=None,
):
    """Squared maximum mean discrepancy between two samples.

    With ``Kss``, ``Ktt``, ``Kst`` the kernel blocks, the unbiased estimate
    (Gretton et al., 2012, eq. 3) is::

        sum_{i != j} Kss / (n (n - 1)) + sum_{i != j} Ktt / (m (m - 1))
            - 2 sum Kst / (n m)

    and the biased one keeps the diagonals and divides by ``n**2``, ``m**2``.
    Kernel sums are accumulated in blocks of rows, so no ``n x m`` matrix is
    held: memory is ``O(block_size * max(n, m))``. The linear kernel takes a
    closed form in ``O((n + m) d)``.

    Parameters
    ----------
    Xs : array-like of shape (n, d)
        Source sample.
    Xt : array-like of shape (m, d)
        Target sample.
    kernel : {"rbf", "linear", "poly", "laplacian"}, default="rbf"
        Kernel.
    gamma : float, default=None
        Kernel width; ``None`` uses the median heuristic on the pooled
        sample (``1 / (2 median_distance**2)``) for RBF.
    degree, coef0 : float
        Polynomial kernel parameters.
    unbiased : bool, default=True
        Unbiased (U-statistic) or biased (V-statistic) estimate. The unbiased
        estimate can be slightly negative when the distributions agree.
    block_size : int, default=None
        Rows per block; by default a block takes about 64 MiB.

    Returns
    -------
    mmd2 : float

    References
    ----------
    A. Gretton, K. Borgwardt, M. Rasch, B. Schölkopf, A. Smola. A kernel
    two-sample test. JMLR 13, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.metrics import mmd2
    >>> rng = np.random.default_rng(0)
    >>> same = mmd2(rng.normal(size=(200, 3)), rng.normal(size=(200, 3)))
    >>> moved = mmd2(rng.normal(size=(200, 3)), rng.normal(2.0, size=(200, 3)))
    >>> bool(moved > 10 * abs(same))
    True
    """
    Xs, Xt = check_two_domains(Xs, Xt, accept_sparse=("csr", "csc"))
    n, m = Xs.shape[0], Xt.shape[0]
    if unbiased and (n < 2 or m < 2):
        raise ValueError(
            "The unbiased MMD needs at least 2 samples in Xs and in Xt, got "
            f"{n} and {m}; use unbiased=False."
        )
    gamma = resolve_gamma(kernel, gamma, Xs, Xt)
    params = dict(kernel=kernel, gamma=gamma, degree=degree, coef0=coef0)
    if kernel == "linear":
        sum_s = np.asarray(Xs.sum(axis=0)).ravel()
        sum_t = np.asarray(Xt.sum(axis=0)).ravel()
        s_ss, s_tt, s_st = sum_s @ sum_s, sum_t @ sum_t, sum_s @ sum_t
    else:
        s_ss = _total_kernel_sum(Xs, Xs, params, block_size)
        s_tt = _total_kernel_sum(Xt, Xt, params, block_size)
        s_st = _total_kernel_sum(Xs, Xt, params, block_size)
    if unbiased:
        s_ss -= kernel_diagonal(Xs, **params).sum()
        s_tt -= kernel_diagonal(Xt, **params).sum()
        return float(s_ss / (n * (n - 1)) + s_tt / (m * (m - 1)) - 2 * s_st / (n * m))
    return float(s_ss / n**2 + s_tt / m**2 - 2 * s_st / (n * m))


def _default_domain_classifier():
    return make_pipeline(
        StandardScaler(with_mean=False), LogisticRegression(max_iter=1000)
    )


def _domain_predictions(Xs, Xt, estimator, cv, random_state, method):
    Xs, Xt = check_two_domains(Xs, Xt, accept_sparse=("csr", "csc"))
    if sp.issparse(Xs) or sp.issparse(Xt):
        X = sp.vstack([sp.csr_matrix(Xs), sp.csr_matrix(Xt)], format="csr")
    else:
        X = np.vstack([Xs, Xt])
    domain = np.r_[np.zeros(Xs.shape[0], dtype=int), np.ones(Xt.shape[0], dtype=int)]
    if min(Xs.shape[0], Xt.shape[0]) < cv:
        raise ValueError(
            f"cv={cv} folds need at least {cv} samples in each domain, got "
            f"{Xs.shape[0]} in Xs and {Xt.shape[0]} in Xt."
        )
    estimator = _default_domain_classifier() if estimator is None else clone(estimator)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    return domain, cross_val_predict(estimator, X, domain, cv=folds, method=method)


def proxy_a_distance(Xs, Xt, estimator=None, cv=5, random_state=None):
    """Proxy A-distance ``2 (1 - 2 err)`` (Ben-David et al., 2007).

    ``err`` is the cross-validated 0-1 error of a classifier trained to tell
    the source rows from the target rows. The value is near 0 for
    indistinguishable domains and near 2 for separable ones (it is negative
    when the classifier does worse than chance).

    Parameters
    ----------
    Xs : array-like of shape (n, d)
        Source sample.
    Xt : array-like of shape (m, d)
        Target sample.
    estimator : classifier, default=None
        The domain classifier; default a standardised logistic regression.
    cv : int, default=5
        Number of stratified folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffling.

    Returns
    -------
    distance : float

    References
    ----------
    S. Ben-David, J. Blitzer, K. Crammer, F. Pereira. Analysis of
    representations for domain adaptation. NIPS 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.metrics import proxy_a_distance
    >>> rng = np.random.default_rng(0)
    >>> Xs, Xt = rng.normal(size=(200, 2)), rng.normal(3.0, size=(200, 2))
    >>> bool(proxy_a_distance(Xs, Xt, random_state=0) > 1.5)
    True
    """
    domain, predicted = _domain_predictions(
        Xs, Xt, estimator, cv, random_state, "predict"
    )
    error = float(np.mean(predicted != domain))
    return 2.0 * (1.0 - 2.0 * error)


def domain_classifier_auc(Xs, Xt, estimator=None, cv=5, random_state=None):
    """ROC AUC of a cross-validated classifier telling target from source.

    0.5 means the domains look alike to the classifier, 1.0 that they are
    separable. Parameters as in :func:`proxy_a_distance`; the estimator must
    have ``predict_proba`` or ``decision_function``.

    Returns
    -------
    auc : float

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.metrics import domain_classifier_auc
    >>> rng = np.random.default_rng(0)
    >>> Xs, Xt = rng.normal(size=(200, 2)), rng.normal(size=(200, 2))
    >>> bool(domain_classifier_auc(Xs, Xt, random_state=0) < 0.65)
    True
    """
    probe = _default_domain_classifier() if estimator is None else estimator
    method = "predict_proba" if hasattr(probe, "predict_proba") else "decision_function"
    domain, scores = _domain_predictions(Xs, Xt, estimator, cv, random_state, method)
    if scores.ndim == 2:
        scores = scores[:, 1]
    return float(roc_auc_score(domain, scores))


def coral_distance(Xs, Xt):
    """CORAL distance ``||C_s - C_t||_F**2 / (4 d**2)`` (Sun & Saenko, 2016).

    ``C_s`` and ``C_t`` are the sample covariance matrices (ddof=1).

    Parameters
    ----------
    Xs : array-like or sparse matrix of shape (n, d)
        Source sample.
    Xt : array-like or sparse matrix of shape (m, d)
        Target sample.

    Returns
    -------
    distance : float

    References
    ----------
    B. Sun, K. Saenko. Deep CORAL: correlation alignment for deep domain
    adaptation. ECCV 2016 workshops.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.metrics import coral_distance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> bool(coral_distance(X, 3 * X) > coral_distance(X, X + 1.0))
    True
    """
    Xs, Xt = check_two_domains(Xs, Xt, accept_sparse=("csr", "csc"))
    if min(Xs.shape[0], Xt.shape[0]) < 2:
        raise ValueError(
            "coral_distance needs at least 2 samples in Xs and in Xt, got "
            f"{Xs.shape[0]} and {Xt.shape[0]}."
        )
    d = Xs.shape[1]
    diff = covariance(Xs) - covariance(Xt)
    return float(np.sum(diff**2) / (4.0 * d**2))
