"""uLSIF (Kanamori et al., 2009) and RuLSIF (Yamada et al., 2011)."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from sklearn.utils import check_random_state

from ..utils.kernels import kernel_matrix
from ._base import BaseReweighting, DensityRatioMixin, gamma_candidates

__all__ = ["ULSIF", "RULSIF", "lsif_loo_scores"]

_DEFAULT_REGS = 10.0 ** np.arange(-3, 2)

#: Smallest ridge used, relative to the largest diagonal entry of ``H``: a
#: smaller ``reg`` is raised to it. Below it ``H + reg I`` (``H`` is often
#: numerically singular) is not reliably positive definite in float64, the
#: Cholesky factorisation fails and a plain solve returns weights of 1e19.
REG_FLOOR = 1e-8


def _ridge(reg, H):
    """``reg`` raised to at least ``REG_FLOOR`` times the largest diagonal of ``H``."""
    scale = max(float(np.max(np.diag(H), initial=0.0)), np.finfo(np.float64).tiny)
    return max(float(reg), REG_FLOOR * scale)


def _reg_candidates(reg):
    if isinstance(reg, str):
        if reg != "auto":
            raise ValueError(f"reg must be 'auto', a number or a list, got {reg!r}.")
        return _DEFAULT_REGS.copy()
    values = np.atleast_1d(np.asarray(reg, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or np.any(~(values > 0)):
        raise ValueError(
            f"reg must be 'auto', a positive number or a list of them, got {reg!r}."
        )
    return values


def lsif_loo_scores(Phi_source, Phi_target, regs, alpha=0.0, pairs=None):
    """Analytic leave-one-out scores of (relative) least-squares importance fitting.

    The ratio model is ``r(x) = phi(x) @ theta`` with
    ``theta = max(0, (H + reg I)^-1 h)``,
    ``H = (1 - alpha) mean_s phi phi' + alpha mean_t phi phi'`` and
    ``h = mean_t phi``. Leave-one-out removes the ``i``-th source and the
    ``i``-th target sample together (Kanamori et al., 2009, and Yamada et
    al., 2011, for ``alpha > 0``); by the Sherman-Morrison-Woodbury formula
    (a rank-two update, one for each removed pair) every held-out solution
    costs ``O(b)`` after one factorisation.

    Parameters
    ----------
    Phi_source : ndarray of shape (n_source, n_basis)
        Basis functions at the source samples.
    Phi_target : ndarray of shape (n_target, n_basis)
        Basis functions at the target samples.
    regs : array-like of shape (n_regs,)
        Regularisation strengths to score.
    alpha : float, default=0.0
        Relative parameter (0 is uLSIF).
    pairs : tuple of two index arrays, default=None
        The ``(source_index, target_index)`` of the removed pairs; by default
        the first ``min(n_source, n_target)`` of each.

    Returns
    -------
    scores : ndarray of shape (n_regs,)
        Mean held-out value of ``alpha/2 r(x_t)^2 + (1-alpha)/2 r(x_s)^2 -
        r(x_t)``, the objective's estimate (lower is better).
    """
    n_s, b = Phi_source.shape
    n_t = Phi_target.shape[0]
    if pairs is None:
        n = min(n_s, n_t)
        pairs = (np.arange(n), np.arange(n))
    Ps = Phi_source[pairs[0]].T  # (b, n)
    Pt = Phi_target[pairs[1]].T
    H_s = Phi_source.T @ Phi_source / n_s
    H_t = Phi_target.T @ Phi_target / n_t
    h = Phi_target.mean(axis=0)
    c_t = alpha / (n_t - 1)
    c_s = (1.0 - alpha) / (n_s - 1)
    G0 = (1.0 - alpha) * n_s / (n_s - 1) * H_s + alpha * n_t / (n_t - 1) * H_t
    scores = np.empty(len(regs))
    for k, reg in enumerate(regs):
        factor = cho_factor(G0 + _ridge(reg, G0) * np.eye(b), lower=True)
        Gt = cho_solve(factor, Pt)
        Gs = cho_solve(factor, Ps)
        g = cho_solve(factor, h)
        # G^-1 h^(i), with h^(i) the target mean without target sample i.
        v = (n_t * g[:, None] - Gt) / (n_t - 1)
        a_tt = np.einsum("bi,bi->i", Pt, Gt)
        a_ts = np.einsum("bi,bi->i", Pt, Gs)
        a_ss = np.einsum("bi,bi->i", Ps, Gs)
        u_t = np.einsum("bi,bi->i", Pt, v)
        u_s = np.einsum("bi,bi->i", Ps, v)
        # M = I - (U' G^-1 U) C, C = diag(c_t, c_s); z = M^-1 (U' v).
        m11 = 1.0 - a_tt * c_t
        m12 = -a_ts * c_s
        m21 = -a_ts * c_t
        m22 = 1.0 - a_ss * c_s
        det = m11 * m22 - m12 * m21
        z_t = (m22 * u_t - m12 * u_s) / det
        z_s = (m11 * u_s - m21 * u_t) / det
        theta = v + Gt * (c_t * z_t) + Gs * (c_s * z_s)
        np.maximum(theta, 0.0, out=theta)
        r_t = np.einsum("bi,bi->i", Pt, theta)
        r_s = np.einsum("bi,bi->i", Ps, theta)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.mean(0.5 * alpha * r_t**2 + 0.5 * (1.0 - alpha) * r_s**2 - r_t)
        scores[k] = score if np.isfinite(score) else np.inf
    return scores


class ULSIF(DensityRatioMixin, BaseReweighting):
    """Unconstrained least-squares importance fitting (uLSIF).

    Models the density ratio ``w(x) = p_t(x) / p_s(x)`` as
    ``sum_l theta_l k(x, c_l)`` with Gaussian kernels on ``n_centers``
    target points, fitted by least squares in closed form,
    ``theta = max(0, (H + reg I)^-1 h)``, with ``H`` the source mean of
    ``phi phi'`` and ``h`` the target mean of ``phi``. The kernel width and
    ``reg`` are chosen by the analytic leave-one-out score of Kanamori et
    al. (2009). A clone of ``estimator`` is then fitted on the source with
    ``sample_weight=w(X)``.

    Parameters
    ----------
    estimator : estimator object, default=None
        Fitted with ``sample_weight``; ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression` (pass a regressor
        such as ``Ridge()`` for regression).
    gamma : "auto", float or list of float, default="auto"
        RBF coefficient(s) ``k(x, c) = exp(-gamma ||x - c||^2)``. ``"auto"``
        scores 9 values, factors of 2 around the median heuristic.
    reg : "auto", float or list of float, default="auto"
        Ridge strength(s) ``lambda``; ``"auto"`` scores ``1e-3 ... 10``.
        Values below ``1e-8`` times the largest diagonal entry of ``H`` (at
        most 1 for the Gaussian basis) are raised to that floor, where
        ``H + lambda I`` stays positive definite in float64.
    n_centers : int, default=100
        Number of kernel centres, drawn from the target.
    random_state : int, RandomState instance or None, default=None
        Seeds the centre draw, the leave-one-out pairing and the median
        heuristic's subsample.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        ``w`` at the source samples (0 where the clipped model is 0).
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
        The non-negative coefficients ``theta``.
    gamma_ : float
        The selected kernel coefficient.
    reg_ : float
        The regularisation used: the selected ``reg``, raised to the floor
        (see ``reg``) when below it.
    loo_scores_ : ndarray of shape (n_gammas, n_regs) or None
        Leave-one-out scores of the grid (None when nothing was selected).
    no_shift_ : bool
        True when fitted with ``Xt=None`` (all weights 1).
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    RULSIF, KLIEP, KMM, DiscriminativeReweighting

    Notes
    -----
    The weights are the fitted ratio itself; their source mean is close to,
    but not exactly, 1. The leave-one-out removes one source and one target
    sample together, over ``min(n_s, n_t)`` random pairs, as in the paper's
    reference code; it needs at least 2 samples in each domain (with fewer,
    the middle of each grid is used). Under no shift (``Xt=None``) every
    weight is 1.

    References
    ----------
    T. Kanamori, S. Hido, M. Sugiyama. "A Least-squares Approach to Direct
    Importance Estimation". JMLR 10, 2009.

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.instance import ULSIF
    >>> Xs, ys, Xt, yt = make_domain_shift("covariate", random_state=0)
    >>> model = ULSIF(random_state=0).fit(Xs, ys, Xt)
    >>> model.predict_weights(Xs[:3]).shape
    (3,)
    """

    def __init__(
        self,
        estimator=None,
        *,
        gamma="auto",
        reg="auto",
        n_centers=100,
        random_state=None,
    ):
        self.estimator = estimator
        self.gamma = gamma
        self.reg = reg
        self.n_centers = n_centers
        self.random_state = random_state

    def _relative_alpha(self):
        return 0.0

    def _check_n_centers(self):
        if not isinstance(self.n_centers, numbers.Integral) or self.n_centers < 1:
            raise ValueError(
                f"n_centers must be a positive integer, got {self.n_centers!r}."
            )

    def _no_shift_weights(self, X):
        self._check_n_centers()
        _reg_candidates(self.reg)
        return super()._no_shift_weights(X)

    def _learn_weights(self, X, Xt):
        self._check_n_centers()
        alpha = self._relative_alpha()
        rng = check_random_state(self.random_state)
        n_s, n_t = X.shape[0], Xt.shape[0]
        n_centers = min(int(self.n_centers), n_t)
        centers = Xt[np.sort(rng.choice(n_t, size=n_centers, replace=False))]
        gammas = gamma_candidates(self.gamma, X, Xt, rng)
        regs = _reg_candidates(self.reg)
        n_pairs = min(n_s, n_t)
        pairs = (
            np.sort(rng.choice(n_s, size=n_pairs, replace=False)),
            np.sort(rng.choice(n_t, size=n_pairs, replace=False)),
        )
        can_select = n_s >= 2 and n_t >= 2
        if gammas.size * regs.size == 1:
            best_gamma, best_reg, scores = gammas[0], regs[0], None
        elif not can_select:
            best_gamma, best_reg, scores = (
                gammas[gammas.size // 2],
                regs[regs.size // 2],
                None,
            )
        else:
            scores = np.empty((gammas.size, regs.size))
            for j, gamma in enumerate(gammas):
                Phi_s = kernel_matrix(X, centers, kernel="rbf", gamma=gamma)
                Phi_t = kernel_matrix(Xt, centers, kernel="rbf", gamma=gamma)
                scores[j] = lsif_loo_scores(Phi_s, Phi_t, regs, alpha, pairs)
            j, k = np.unravel_index(np.nanargmin(scores), scores.shape)
            best_gamma, best_reg = gammas[j], regs[k]
        Phi_s = kernel_matrix(X, centers, kernel="rbf", gamma=best_gamma)
        Phi_t = kernel_matrix(Xt, centers, kernel="rbf", gamma=best_gamma)
        H = (1.0 - alpha) * Phi_s.T @ Phi_s / n_s + alpha * Phi_t.T @ Phi_t / n_t
        h = Phi_t.mean(axis=0)
        ridge = _ridge(best_reg, H)
        coef = cho_solve(cho_factor(H + ridge * np.eye(n_centers), lower=True), h)
        self.coef_ = np.maximum(coef, 0.0)
        self.centers_ = centers
        self.gamma_ = float(best_gamma)
        self.reg_ = ridge
        self.loo_scores_ = scores
        return Phi_s @ self.coef_

    def _ratio(self, X):
        return (
            kernel_matrix(X, self.centers_, kernel="rbf", gamma=self.gamma_)
            @ self.coef_
        )


class RULSIF(ULSIF):
    """Relative uLSIF: the bounded relative density ratio (RuLSIF).

    Estimates ``w_alpha(x) = p_t(x) / (alpha p_t(x) + (1 - alpha) p_s(x))``,
    which is at most ``1 / alpha`` and so stays bounded where the source
    density vanishes, by the same closed-form least squares as
    :class:`ULSIF` with ``H = (1 - alpha) mean_s phi phi' + alpha mean_t phi
    phi'``. Width and ``reg`` are chosen by the analytic leave-one-out
    score (a rank-two Woodbury update per held-out pair).

    Parameters
    ----------
    estimator : estimator object, default=None
        Fitted with ``sample_weight``; ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression`.
    alpha : float in [0, 1), default=0.1
        Relative parameter; 0 gives uLSIF.
    gamma : "auto", float or list of float, default="auto"
        RBF coefficient(s); ``"auto"`` scores 9 values around the median
        heuristic.
    reg : "auto", float or list of float, default="auto"
        Ridge strength(s); ``"auto"`` scores ``1e-3 ... 10``. Values below
        the floor of :class:`ULSIF` are raised to it.
    n_centers : int, default=100
        Number of kernel centres, drawn from the target.
    random_state : int, RandomState instance or None, default=None
        Seeds the centre draw and the leave-one-out pairing.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        The relative ratio ``w_alpha`` at the source samples.
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
        The non-negative coefficients.
    gamma_ : float
        The selected kernel coefficient.
    reg_ : float
        The selected regularisation.
    loo_scores_ : ndarray of shape (n_gammas, n_regs) or None
        Leave-one-out scores of the grid.
    no_shift_ : bool
        True when fitted with ``Xt=None`` (all weights 1).
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    ULSIF

    Notes
    -----
    The weights are the *relative* ratio, not ``p_t / p_s``: it flattens
    the largest weights (a bias traded for variance, as the paper intends).

    References
    ----------
    M. Yamada, T. Suzuki, T. Kanamori, H. Hachiya, M. Sugiyama. "Relative
    Density-Ratio Estimation for Robust Distribution Comparison". NIPS 2011.

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.instance import RULSIF
    >>> Xs, ys, Xt, yt = make_domain_shift("covariate", random_state=0)
    >>> model = RULSIF(alpha=0.2, random_state=0).fit(Xs, ys, Xt)
    >>> bool(model.weights_.max() <= 1 / 0.2 + 1e-6)
    True
    """

    def __init__(
        self,
        estimator=None,
        *,
        alpha=0.1,
        gamma="auto",
        reg="auto",
        n_centers=100,
        random_state=None,
    ):
        self.estimator = estimator
        self.alpha = alpha
        self.gamma = gamma
        self.reg = reg
        self.n_centers = n_centers
        self.random_state = random_state

    def _relative_alpha(self):
        if not isinstance(self.alpha, numbers.Real) or not 0.0 <= self.alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {self.alpha!r}.")
        return float(self.alpha)
