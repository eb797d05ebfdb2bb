"""Helpers shared by the TrAdaBoost family (classification and regression).

- :func:`weighted_median`: the (lower) weighted median along the last axis, the
  output rule of AdaBoost.R2 and TrAdaBoost.R2;
- :func:`adjusted_errors`: AdaBoost.R2's adjusted errors in [0, 1] (linear,
  square or exponential loss);
- :func:`vote_start`: index of the first learner of TrAdaBoost's final vote;
- :func:`fit_weighted`: fit a fresh clone of a learner with a weight
  distribution, rescaled to mean one;
- :func:`seed_estimator`: give a clone its own integer seed;
- :func:`stack_rows`: source rows over target rows, dense or sparse.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

__all__ = [
    "weighted_median",
    "adjusted_errors",
    "vote_start",
    "fit_weighted",
    "seed_estimator",
    "stack_rows",
    "LOSSES",
]

LOSSES = ("linear", "square", "exponential")


def weighted_median(values, weights):
    """Lower weighted median of ``values`` along the last axis.

    For each row, the smallest value ``v`` such that the weights of the values
    ``<= v`` sum to at least half the total weight. This value minimises
    ``sum_j weights[j] * |v - values[j]|``, and it is always one of the values.

    Parameters
    ----------
    values : array-like of shape (n_samples, n_learners) or (n_learners,)
        The predictions of each learner.
    weights : array-like of shape (n_learners,)
        Non-negative learner weights with a positive sum.

    Returns
    -------
    median : ndarray of shape (n_samples,) or float
        The weighted median of each row.
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 1 or weights.shape[0] != values.shape[-1]:
        raise ValueError(
            f"weights must have shape ({values.shape[-1]},), got {weights.shape}."
        )
    if np.any(weights < 0) or not np.isfinite(weights).all():
        raise ValueError("weights must be finite and non-negative.")
    total = weights.sum()
    if total <= 0:
        raise ValueError("weights must have a positive sum.")
    squeeze = values.ndim == 1
    values2d = np.atleast_2d(values)
    order = np.argsort(values2d, axis=1, kind="stable")
    cumulative = np.cumsum(weights[order], axis=1)
    # First sorted position whose cumulative weight reaches half the total.
    # A relative tolerance keeps an exact tie at one half on the lower side.
    reached = cumulative >= 0.5 * total * (1 - 1e-12)
    position = np.argmax(reached, axis=1)
    rows = np.arange(values2d.shape[0])
    median = values2d[rows, order[rows, position]]
    return median[0] if squeeze else median


def adjusted_errors(absolute_errors, loss="linear"):
    """AdaBoost.R2's adjusted errors (Drucker, 1997).

    ``e_i = L(|h(x_i) - y_i| / D)`` with ``D = max_j |h(x_j) - y_j|`` and
    ``L(u) = u`` (linear), ``u**2`` (square) or ``1 - exp(-u)`` (exponential).
    All errors are 0 when ``D = 0``.

    Parameters
    ----------
    absolute_errors : ndarray of shape (n_samples,)
        ``|h(x_i) - y_i|`` over every training sample (source and target).
    loss : {"linear", "square", "exponential"}, default="linear"
        The loss transform.

    Returns
    -------
    errors : ndarray of shape (n_samples,)
        Adjusted errors in [0, 1].
    """
    absolute_errors = np.asarray(absolute_errors, dtype=float)
    largest = absolute_errors.max() if absolute_errors.size else 0.0
    if largest <= 0:
        return np.zeros_like(absolute_errors)
    relative = absolute_errors / largest
    if loss == "linear":
        return relative
    if loss == "square":
        return relative**2
    if loss == "exponential":
        return 1.0 - np.exp(-relative)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")


def vote_start(n_rounds):
    """0-based index of the first learner in TrAdaBoost's final vote.

    Dai et al. (2007) and Pardoe & Stone (2010) combine the learners
    ``t = ceil(N/2), ..., N`` (1-based), i.e. ``N - ceil(N/2) + 1`` learners.
    """
    if n_rounds < 1:
        raise ValueError(f"n_rounds must be >= 1, got {n_rounds}.")
    return math.ceil(n_rounds / 2) - 1


def stack_rows(X, Xt):
    """Stack source rows over target rows (CSR when either is sparse)."""
    if sp.issparse(X) or sp.issparse(Xt):
        return sp.vstack([X, Xt], format="csr")
    return np.concatenate([X, Xt], axis=0)


def seed_estimator(estimator, random_state):
    """Set every ``random_state`` parameter of ``estimator`` to a fresh integer.

    ``random_state`` is a ``numpy.random.RandomState``; the estimator is
    modified in place (call it on a clone).
    """
    params = {
        key: int(random_state.randint(np.iinfo(np.int32).max))
        for key in sorted(estimator.get_params(deep=True))
        if key == "random_state" or key.endswith("__random_state")
    }
    if params:
        estimator.set_params(**params)
    return estimator


def fit_weighted(estimator, X, y, distribution, random_state):
    """Fit a seeded clone of ``estimator`` with the weight ``distribution``.

    The distribution (non-negative, summing to one) is passed as
    ``sample_weight = distribution * n_samples``: the same distribution with
    mean weight one, so that a regularised learner (``C``, ``alpha``) keeps
    the strength it has when fitted without weights.
    """
    learner = seed_estimator(clone(estimator), random_state)
    learner.fit(X, y, sample_weight=distribution * distribution.shape[0])
    return learner
