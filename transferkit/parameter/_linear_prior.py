"""Shared math of the regularised linear transfer estimators.

Two problems with a Gaussian prior centred on source parameters:

- least squares, ``||y - b - X beta||^2 + alpha ||beta - beta0||^2``, solved
  for a whole grid of ``alpha`` from one SVD of the centred design, with the
  generalised cross-validation score of each ``alpha``;
- multinomial log-loss, ``sum_i -log softmax(W x_i + b)[y_i]
  + alpha / 2 ||W - W0||_F^2``, minimised by L-BFGS with the analytic gradient.

In both the intercept is not penalised.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

__all__ = [
    "default_alpha_grid",
    "ridge_prior_path",
    "softmax_prior_objective",
    "softmax_prior_value_grad",
    "fit_softmax_prior",
    "fold_log_loss",
    "stratified_fold_ids",
]


def default_alpha_grid(Xc, n_alphas):
    """``np.logspace(3, -3, n_alphas)`` times ``trace(Xc^T Xc) / n_features``.

    The factor is 1 when that trace is 0. Largest value first.
    """
    scale = float(np.einsum("ij,ij->", Xc, Xc)) / max(Xc.shape[1], 1)
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    return np.logspace(3, -3, n_alphas) * scale


def _svd(Xc):
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    tol = (s[0] if s.size else 0.0) * max(Xc.shape) * np.finfo(float).eps
    keep = s > tol
    return U[:, keep], s[keep], Vt[keep]


def ridge_prior_path(Xc, r, alphas):
    """Ridge solutions ``delta(alpha)`` of ``min ||r - Xc d||^2 + alpha ||d||^2``.

    Parameters
    ----------
    Xc : ndarray of shape (m, d)
        Centred target design.
    r : ndarray of shape (m,)
        Residual of the prior: ``yc - Xc @ beta0`` (centred target minus the
        prior's prediction).
    alphas : sequence of float
        Penalties, ``>= 0``; ``np.inf`` gives ``delta = 0``. ``alpha = 0``
        is the minimum-norm least-squares solution.

    Returns
    -------
    deltas : ndarray of shape (len(alphas), d)
        ``beta - beta0`` for each alpha.
    gcv : ndarray of shape (len(alphas),)
        Generalised cross-validation scores ``m ||y - y_hat||^2 / (m - df)^2``
        with ``df = 1 + tr(H_alpha)`` (the 1 is the unpenalised intercept);
        ``inf`` where ``m - df <= 0``.
    """
    m, d = Xc.shape
    U, s, Vt = _svd(Xc)
    ur = U.T @ r
    outside = max(float(r @ r - ur @ ur), 0.0)
    alphas = np.asarray(alphas, dtype=float)
    deltas = np.zeros((alphas.shape[0], d))
    gcv = np.empty(alphas.shape[0])
    s2 = s**2
    for i, alpha in enumerate(alphas):
        if np.isinf(alpha):
            shrink = np.zeros_like(s)
            filt = np.zeros_like(s)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                shrink = s / (s2 + alpha)
                filt = s2 / (s2 + alpha)
        deltas[i] = Vt.T @ (shrink * ur)
        rss = outside + float(np.sum(((1.0 - filt) * ur) ** 2))
        dof = 1.0 + float(filt.sum())
        denom = m - dof
        gcv[i] = m * rss / denom**2 if denom > 1e-10 * m else np.inf
    return deltas, gcv


def softmax_prior_objective(W, b, X, codes, W0, alpha):
    """``sum_i -log softmax(W x_i + b)[y_i] + alpha / 2 ||W - W0||_F^2``.

    ``alpha = inf`` is meaningful only at ``W = W0`` (the penalty is then 0).
    """
    Z = X @ W.T + b
    loss = -float(log_softmax(Z, axis=1)[np.arange(X.shape[0]), codes].sum())
    if np.isinf(alpha):
        return loss if np.array_equal(W, W0) else np.inf
    return loss + 0.5 * alpha * float(np.sum((W - W0) ** 2))


def softmax_prior_value_grad(W, b, X, Y, W0, alpha):
    """Objective of :func:`softmax_prior_objective` and its gradient.

    ``Y`` is the one-hot ``(m, K)`` label matrix. With ``alpha = inf`` the
    penalty and its gradient are left out (``W`` is then fixed at ``W0``).

    Returns
    -------
    value : float
    grad_W : ndarray of shape (K, d)
        ``(softmax(Z) - Y)^T X + alpha (W - W0)``.
    grad_b : ndarray of shape (K,)
        ``sum_i (softmax(Z) - Y)_i``.
    """
    log_p = log_softmax(X @ W.T + b, axis=1)
    value = -float(np.sum(log_p * Y))
    G = np.exp(log_p) - Y
    grad_W = G.T @ X
    if not np.isinf(alpha):
        diff = W - W0
        value += 0.5 * alpha * float(np.sum(diff**2))
        grad_W = grad_W + alpha * diff
    return value, grad_W, G.sum(axis=0)


def _intercept_map(codes, n_classes):
    """``P`` with ``b = b0 + P @ delta``: one free shift per class in ``codes``.

    A class without sample moves by the mean shift of the classes present
    (its own shift cannot be estimated and would run to minus infinity).
    """
    present = np.unique(codes)
    P = np.full((n_classes, present.shape[0]), 1.0 / present.shape[0])
    P[present] = 0.0
    P[present, np.arange(present.shape[0])] = 1.0
    return P


def fit_softmax_prior(
    X, codes, W0, b0, alpha, *, W_init=None, b_init=None, max_iter=1000, tol=1e-4
):
    """Minimise the softmax log-loss with a Gaussian prior on ``W``.

    Parameters
    ----------
    X : ndarray of shape (m, d)
    codes : ndarray of shape (m,)
        Class indices in ``0 .. K-1``.
    W0, b0 : ndarray of shape (K, d) and (K,)
        The prior's centre and the intercepts that absent classes follow.
    alpha : float
        ``> 0``, or ``np.inf`` (``W = W0``; only the intercepts are fitted).
    W_init, b_init : ndarrays of shape (K, d) and (K,), default=None
        Starting point (``W0`` and ``b0`` when None); only the intercepts of
        the classes present in ``codes`` are taken from ``b_init``.

    Returns
    -------
    W, b : ndarrays of shape (K, d) and (K,)
        The solution; ``b`` is shifted so that ``mean(b - b0) = 0`` (softmax
        is invariant to a common shift).
    result : scipy.optimize.OptimizeResult
    """
    n_classes, n_features = W0.shape
    m = X.shape[0]
    Y = np.zeros((m, n_classes))
    Y[np.arange(m), codes] = 1.0
    P = _intercept_map(codes, n_classes)
    n_shift = P.shape[1]
    fixed_W = np.isinf(alpha)
    start_W = W0 if W_init is None or fixed_W else W_init

    def unpack(theta):
        if fixed_W:
            return W0, b0 + P @ theta
        W = theta[: n_classes * n_features].reshape(n_classes, n_features)
        return W, b0 + P @ theta[n_classes * n_features :]

    # The optimiser sees the objective divided by m: same minimiser, and a
    # gradient tolerance that does not depend on the number of samples.
    scale = 1.0 / m

    def fun(theta):
        W, b = unpack(theta)
        value, grad_W, grad_b = softmax_prior_value_grad(W, b, X, Y, W0, alpha)
        grad_shift = P.T @ grad_b
        grad = grad_shift if fixed_W else np.concatenate([grad_W.ravel(), grad_shift])
        return value * scale, grad * scale

    present = np.unique(codes)
    shift0 = np.zeros(n_shift) if b_init is None else (b_init - b0)[present]
    theta0 = shift0 if fixed_W else np.concatenate([start_W.ravel(), shift0])
    result = minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    W, b = unpack(result.x)
    b = b - np.mean(b - b0)
    return np.array(W, copy=True), b, result


def fold_log_loss(W, b, X, codes):
    """Summed log-loss ``-sum_i log softmax(W x_i + b)[y_i]`` (always finite)."""
    Z = X @ W.T + b
    return -float(log_softmax(Z, axis=1)[np.arange(X.shape[0]), codes].sum())


def softmax_proba(Z):
    """Row-wise softmax."""
    return softmax(Z, axis=1)


def stratified_fold_ids(codes, n_folds):
    """Deterministic stratified folds: within each class, in order, ``0, 1, ...``.

    Sample ``j`` of a class (in input order) goes to fold
    ``(offset + j) mod n_folds``, where ``offset`` carries on from the previous
    class, so that folds stay balanced even when every class is small. With
    ``n_folds = m`` this is leave-one-out.
    """
    fold = np.empty(codes.shape[0], dtype=int)
    offset = 0
    for c in np.unique(codes):
        idx = np.flatnonzero(codes == c)
        fold[idx] = (offset + np.arange(idx.shape[0])) % n_folds
        offset += idx.shape[0]
    return fold
