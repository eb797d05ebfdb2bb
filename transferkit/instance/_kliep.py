"""KLIEP: Kullback-Leibler importance estimation (Sugiyama et al., 2008)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state

from ..utils.kernels import kernel_matrix
from ._base import BaseReweighting, DensityRatioMixin, gamma_candidates

__all__ = ["KLIEP"]

_TINY = 1e-300


def rescaled_target_basis(Xt, centers, gamma):
    """Target basis ``exp(-gamma ||x - c||^2)`` with each row scaled to max 1.

    The exponent is computed first and each row's largest exponent is
    subtracted before the exponential (a log-domain rescaling), so a target
    row far from every centre, whose kernel values all underflow to 0 in
    double precision, keeps a finite row. KLIEP's objective
    ``mean_t log(Phi_t @ a)`` changes by a constant under a positive scaling of
    each row, so the optimal coefficients are the same.
    """
    exponent = -gamma * euclidean_distances(Xt, centers, squared=True)
    exponent -= exponent.max(axis=1, keepdims=True)
    return np.exp(exponent)


def kliep_coefficients(Phi_target, mean_source_phi, *, max_iter=200, tol=1e-7):
    """Solve KLIEP's convex program to ``tol`` by a log-barrier Newton method.

    Maximises ``mean_t log(Phi_target @ a)`` subject to
    ``mean_source_phi @ a = 1`` and ``a >= 0``. With ``g_l = b_l a_l``
    (``b = mean_source_phi``) the constraints are the probability simplex;
    the barrier problems ``min -mean_t log(M g) - mu sum_l log g_l`` with
    ``sum(g) = 1`` (``M = Phi / b``) are solved by equality-constrained
    Newton steps while ``mu`` decreases, until the duality-gap bound
    ``n_basis * mu`` is below ``tol``.

    Each target row is scaled to a largest entry of 1 (this moves the
    objective by a constant); a row that is zero on every usable basis
    function (it would make the objective ``-inf`` whatever ``a``) is left
    out. Returns ``(a, n_iter, converged)`` with ``n_iter`` the number of
    Newton steps.
    """
    b = np.asarray(mean_source_phi, dtype=np.float64)
    usable = b > 1e-12 * b.max(initial=0.0)
    a = np.zeros(b.shape[0])
    if not usable.any():
        return a, 1, True
    M = Phi_target[:, usable] / b[usable]
    row_max = M.max(axis=1)
    M = M[row_max > 0] / row_max[row_max > 0, None]
    if M.shape[0] == 0:
        a[usable] = 1.0 / (usable.sum() * b[usable])
        return a, 1, True
    n_t, m = M.shape
    g = np.full(m, 1.0 / m)
    ones = np.ones(m)

    def barrier(g, mu):
        u = M @ g
        if np.any(u <= 0) or np.any(g <= 0):
            return np.inf
        return -np.mean(np.log(u)) - mu * np.sum(np.log(g))

    mu = 1.0 / m
    n_iter = 0
    converged = False
    while n_iter < max_iter:
        # Centring: Newton on the barrier problem for this mu.
        for _ in range(50):
            u = M @ g
            A = M / u[:, None]
            grad = -A.mean(axis=0) - mu / g
            hess = A.T @ A / n_t + np.diag(mu / g**2)
            try:
                factor = cho_factor(hess, lower=True)
            except np.linalg.LinAlgError:
                hess += 1e-12 * np.trace(hess) / m * np.eye(m)
                factor = cho_factor(hess, lower=True)

            def solve(rhs, factor=factor):
                return cho_solve(factor, rhs)

            h_grad, h_ones = solve(grad), solve(ones)
            nu = -(ones @ h_grad) / (ones @ h_ones)
            step = -(h_grad + nu * h_ones)
            n_iter += 1
            decrement = -(grad @ step)
            if decrement <= 1e-12:
                break
            negative = step < 0
            t = (
                min(1.0, 0.99 * np.min(-g[negative] / step[negative]))
                if negative.any()
                else 1.0
            )
            value = barrier(g, mu)
            while (
                barrier(g + t * step, mu) > value - 0.25 * t * decrement and t > 1e-12
            ):
                t *= 0.5
            g = g + t * step
            g /= g.sum()
            if decrement <= 1e-10 or n_iter >= max_iter:
                break
        if m * mu <= tol:
            converged = True
            break
        mu *= 0.02
    g[g < 1e-3 * mu] = 0.0
    a[usable] = g / g.sum() / b[usable]
    return a, max(n_iter, 1), converged


class KLIEP(DensityRatioMixin, BaseReweighting):
    """Kullback-Leibler importance estimation procedure.

    Models the density ratio ``w(x) = p_t(x) / p_s(x)`` as
    ``sum_l alpha_l k(x, c_l)`` with Gaussian kernels centred on
    ``n_centers`` target points and maximises the target log-likelihood
    ``sum_t log w(x_t)`` subject to ``mean_s w(x_s) = 1`` and
    ``alpha >= 0`` (Sugiyama et al., 2008). The kernel width is chosen by
    likelihood cross-validation on the target. A clone of ``estimator`` is
    then fitted on the source with ``sample_weight=w(X)``.

    Parameters
    ----------
    estimator : estimator object, default=None
        Fitted with ``sample_weight``; ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression` (pass a regressor
        such as ``Ridge()`` for regression).
    kernel : {"rbf"}, default="rbf"
        Only the Gaussian kernel of the paper.
    gamma : "auto", float or list of float, default="auto"
        RBF coefficient(s). ``"auto"`` cross-validates 9 values, factors of 2
        around the median heuristic; a list is cross-validated; a number is
        used as is.
    n_centers : int, default=100
        Number of kernel centres, drawn from the target.
    cv : int, default=5
        Folds of the likelihood cross-validation (at most ``n_target``).
    max_iter : int, default=200
        Maximum number of Newton steps per fit.
    tol : float, default=1e-7
        Bound on the duality gap of the mean log-likelihood at which the
        barrier method stops.
    random_state : int, RandomState instance or None, default=None
        Seeds the centre draw, the folds and the median heuristic.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        ``w`` at the source samples; their mean is 1.
    effective_sample_size_ : float
        Kish's effective sample size of ``weights_``; below
        ``LOW_ESS_FRACTION`` (0.1) of the source size a
        ``LowEffectiveSampleSizeWarning`` is emitted.
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers only).
    centers_ : ndarray of shape (n_centers, n_features)
        The kernel centres.
    coef_ : ndarray of shape (n_centers,)
        The non-negative coefficients ``alpha``.
    gamma_ : float
        The selected kernel coefficient.
    cv_scores_ : ndarray of shape (n_gammas,) or None
        Held-out score of each candidate width (see Notes).
    n_iter_ : int
        Newton steps of the final fit (1 under no shift).
    no_shift_ : bool
        True when fitted with ``Xt=None`` (all weights 1).
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    ULSIF, RULSIF, KMM, DiscriminativeReweighting

    Notes
    -----
    The paper solves the program by projected gradient ascent with an
    approximate projection. Here it is solved to a certified accuracy
    ``tol``: in the variables ``b_l alpha_l`` (``b`` the source means of the
    basis functions) the constraints are the probability simplex, and a
    log-barrier Newton method (small: one ``n_centers``-square system per
    step) reaches the optimum in a few dozen steps. In each cross-validation fold the
    centres are drawn from the training part of the target, so a held-out
    point is never its own centre, and the source is split too: the score of
    a width is ``mean_t' log w - log mean_s' w`` on the held-out target
    ``t'`` and source ``s'`` (the Donsker-Varadhan bound of the KL
    divergence, whose expectation cannot exceed it). The paper holds out
    target points only (score ``mean_t' log w``); with an exact solver that
    score grows without bound as the kernel narrows, because weights may be
    huge where no training source point lies. Under no shift every weight is 1.

    References
    ----------
    M. Sugiyama, S. Nakajima, H. Kashima, P. von Bünau, M. Kawanabe.
    "Direct Importance Estimation with Model Selection and Its Application
    to Covariate Shift Adaptation". NIPS 2007 / Annals of the Institute of
    Statistical Mathematics 60, 2008.

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.instance import KLIEP
    >>> Xs, ys, Xt, yt = make_domain_shift("covariate", random_state=0)
    >>> model = KLIEP(random_state=0).fit(Xs, ys, Xt)
    >>> round(float(model.weights_.mean()), 6)
    1.0
    """

    def __init__(
        self,
        estimator=None,
        *,
        kernel="rbf",
        gamma="auto",
        n_centers=100,
        cv=5,
        max_iter=200,
        tol=1e-7,
        random_state=None,
    ):
        self.estimator = estimator
        self.kernel = kernel
        self.gamma = gamma
        self.n_centers = n_centers
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _check_params(self):
        if self.kernel != "rbf":
            raise ValueError(f"kernel must be 'rbf', got {self.kernel!r}.")
        if not isinstance(self.n_centers, numbers.Integral) or self.n_centers < 1:
            raise ValueError(
                f"n_centers must be a positive integer, got {self.n_centers!r}."
            )
        if not isinstance(self.cv, numbers.Integral) or self.cv < 2:
            raise ValueError(f"cv must be an integer >= 2, got {self.cv!r}.")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(
                f"max_iter must be a positive integer, got {self.max_iter!r}."
            )
        if not isinstance(self.tol, numbers.Real) or self.tol <= 0:
            raise ValueError(f"tol must be a positive number, got {self.tol!r}.")

    def _no_shift_weights(self, X):
        self._check_params()
        self.n_iter_ = 1
        return super()._no_shift_weights(X)

    def _fit_coef(self, X, Xt_fit, centers, gamma):
        Phi_t = rescaled_target_basis(Xt_fit, centers, gamma)
        b = kernel_matrix(X, centers, kernel="rbf", gamma=gamma).mean(axis=0)
        return kliep_coefficients(Phi_t, b, max_iter=self.max_iter, tol=self.tol)

    def _learn_weights(self, X, Xt):
        self._check_params()
        rng = check_random_state(self.random_state)
        n_t = Xt.shape[0]
        gammas = gamma_candidates(self.gamma, X, Xt, rng)
        n_splits = min(int(self.cv), n_t)
        scores = None
        n_splits = min(n_splits, X.shape[0])
        if gammas.size > 1 and n_splits >= 2:
            seed = rng.randint(np.iinfo(np.int32).max)
            target_folds = KFold(n_splits, shuffle=True, random_state=seed).split(Xt)
            source_folds = KFold(n_splits, shuffle=True, random_state=seed).split(X)
            scores = np.zeros(gammas.size)
            for (train, test), (s_train, s_test) in zip(target_folds, source_folds):
                m = min(int(self.n_centers), train.size)
                centers = Xt[np.sort(rng.choice(train, size=m, replace=False))]
                for j, gamma in enumerate(gammas):
                    coef, _, _ = self._fit_coef(X[s_train], Xt[train], centers, gamma)
                    w_t = (
                        kernel_matrix(Xt[test], centers, kernel="rbf", gamma=gamma)
                        @ coef
                    )
                    w_s = (
                        kernel_matrix(X[s_test], centers, kernel="rbf", gamma=gamma)
                        @ coef
                    )
                    held_out = np.mean(np.log(np.maximum(w_t, _TINY))) - np.log(
                        max(np.mean(w_s), _TINY)
                    )
                    scores[j] += held_out / n_splits
            gamma = gammas[int(np.argmax(scores))]
        else:
            gamma = gammas[gammas.size // 2]
        m = min(int(self.n_centers), n_t)
        centers = Xt[np.sort(rng.choice(n_t, size=m, replace=False))]
        coef, n_iter, converged = self._fit_coef(X, Xt, centers, gamma)
        if not converged:
            warnings.warn(
                f"KLIEP's solver did not converge in {self.max_iter} Newton "
                "steps; "
                "increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.centers_ = centers
        self.coef_ = coef
        self.gamma_ = float(gamma)
        self.cv_scores_ = scores
        self.n_iter_ = n_iter
        return self._ratio(X)

    def _ratio(self, X):
        return (
            kernel_matrix(X, self.centers_, kernel="rbf", gamma=self.gamma_)
            @ self.coef_
        )
