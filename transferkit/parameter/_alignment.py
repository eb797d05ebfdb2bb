"""Alignment losses for unsupervised deep domain adaptation (torch).

Each loss compares a batch of source features with a batch of target
features, both taken at the output of the network's body, and is added to
the supervised source loss by :class:`~transferkit.parameter.FineTuner`:

- :func:`coral_loss`: Deep CORAL (Sun & Saenko, 2016), the distance between
  the two batches' covariance matrices;
- :class:`MultiKernelMMD`: DAN (Long et al., 2015), the multi-kernel maximum
  mean discrepancy with its linear-time unbiased estimate and the kernel
  weights that maximise the test power;
- :func:`domain_adversarial_loss` with :func:`gradient_reversal` and a
  :class:`DomainDiscriminator`: DANN (Ganin et al., 2016), with the paper's
  schedules :func:`dann_lambda` and :func:`dann_learning_rate`.

This module imports torch; the fine-tuners import it only when fitted.
"""

from __future__ import annotations

import itertools
import logging
import math
from numbers import Integral, Real

import numpy as np
import torch
from scipy.optimize import minimize

__all__ = [
    "DomainDiscriminator",
    "MultiKernelMMD",
    "coral_loss",
    "dann_lambda",
    "dann_learning_rate",
    "domain_adversarial_loss",
    "gaussian_gammas",
    "gradient_reversal",
    "mmd2_linear",
    "mmd2_linear_terms",
    "mmd2_unbiased",
    "solve_kernel_weights",
]

logger = logging.getLogger("transferkit")

#: Largest number of kernels for which the kernel-weight QP is solved by
#: enumerating every support (2**n_kernels - 1 linear solves); above it,
#: scipy's SLSQP solves the same problem.
_MAX_ENUMERATED_KERNELS = 12


def _check_feature_pair(source_features, target_features, min_rows=1):
    """Validate two batches of features: 2-D, same width, dtype and device."""
    for name, value in (
        ("source_features", source_features),
        ("target_features", target_features),
    ):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(value).__name__}."
            )
        if value.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D tensor (n_samples, n_features), got shape "
                f"{tuple(value.shape)}."
            )
        if not value.is_floating_point():
            raise TypeError(f"{name} must be a floating tensor, got {value.dtype}.")
        if value.shape[0] < min_rows:
            raise ValueError(
                f"{name} needs at least {min_rows} rows, got {value.shape[0]}."
            )
    if source_features.shape[1] != target_features.shape[1]:
        raise ValueError(
            "source_features and target_features must have the same number of "
            f"features, got shapes {tuple(source_features.shape)} and "
            f"{tuple(target_features.shape)}."
        )
    if source_features.dtype != target_features.dtype:
        raise TypeError(
            "source_features and target_features must have the same dtype, got "
            f"{source_features.dtype} and {target_features.dtype}."
        )
    if source_features.device != target_features.device:
        raise ValueError(
            "source_features and target_features must be on the same device, got "
            f"{source_features.device} and {target_features.device}."
        )


# --------------------------------------------------------------------------
# Deep CORAL
# --------------------------------------------------------------------------


def _batch_covariance(features):
    centred = features - features.mean(dim=0, keepdim=True)
    return centred.T @ centred / (features.shape[0] - 1)


def coral_loss(source_features, target_features):
    """Deep CORAL loss: ``||C_s - C_t||_F^2 / (4 d^2)``.

    ``C_s`` and ``C_t`` are the covariance matrices of the two batches with
    the unbiased normalisation ``1 / (n - 1)``, as in the paper, and ``d`` is
    the number of features. The loss is differentiable in both inputs.

    Parameters
    ----------
    source_features : torch.Tensor of shape (n_source, d)
        A batch of source features (at least 2 rows).
    target_features : torch.Tensor of shape (n_target, d)
        A batch of target features (at least 2 rows), same dtype and device.

    Returns
    -------
    loss : torch.Tensor
        A scalar tensor in the input's dtype.

    References
    ----------
    B. Sun and K. Saenko. "Deep CORAL: Correlation Alignment for Deep Domain
    Adaptation". ECCV 2016 Workshops (TASK-CV).

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import coral_loss
    >>> g = torch.Generator().manual_seed(0)
    >>> xs = torch.randn(64, 3, generator=g)
    >>> float(coral_loss(xs, xs + 1.0)) < 1e-12  # a shift keeps the covariance
    True
    >>> bool(coral_loss(xs, 3.0 * xs) > 0)
    True
    """
    _check_feature_pair(source_features, target_features, min_rows=2)
    d = source_features.shape[1]
    difference = _batch_covariance(source_features) - _batch_covariance(target_features)
    return (difference**2).sum() / (4.0 * d * d)


# --------------------------------------------------------------------------
# DAN: multi-kernel MMD
# --------------------------------------------------------------------------


def _pairwise_sq_distances(a, b):
    # explicit differences: exact zeros on the diagonal and smooth gradients
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(dim=-1)


def gaussian_gammas(
    source_features, target_features, n_kernels=5, kernel_mul=2.0, bandwidth="median"
):
    """Inverse bandwidths of DAN's family of Gaussian kernels.

    The kernels are ``k_u(x, y) = exp(-gamma_u ||x - y||^2)`` with
    ``1 / gamma_u = sigma * kernel_mul ** (u - n_kernels // 2)`` for
    ``u = 0, ..., n_kernels - 1``: a geometric ladder centred on the base
    bandwidth ``sigma`` (``sigma / 4 ... 4 sigma`` by default).

    Parameters
    ----------
    source_features, target_features : torch.Tensor of shape (n, d), (m, d)
        The two batches; the base bandwidth is computed on their union.
    n_kernels : int, default=5
        Number of kernels.
    kernel_mul : float, default=2.0
        Ratio between consecutive bandwidths.
    bandwidth : {"median", "mean"} or float, default="median"
        The base ``sigma``: the median (the paper's median heuristic) or the
        mean (the authors' released code) of the squared Euclidean distances
        between distinct rows of the pooled batch, or a fixed positive
        number. A batch whose rows are all equal gives ``sigma = 1``.

    Returns
    -------
    gammas : torch.Tensor of shape (n_kernels,)
        Detached from the graph (the kernels are treated as fixed), in the
        features' dtype.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import gaussian_gammas
    >>> s, t = torch.tensor([[0.0]]), torch.tensor([[2.0]])  # one distance: 4
    >>> gaussian_gammas(s, t, n_kernels=3, bandwidth="mean").tolist()
    [0.5, 0.25, 0.125]
    """
    _check_feature_pair(source_features, target_features)
    n_kernels, kernel_mul = _check_kernel_family(n_kernels, kernel_mul)
    if isinstance(bandwidth, str):
        if bandwidth not in ("median", "mean"):
            raise ValueError(
                "bandwidth must be 'median', 'mean' or a positive number, got "
                f"{bandwidth!r}."
            )
        with torch.no_grad():
            pooled = torch.cat([source_features, target_features]).detach()
            distances = torch.pdist(pooled) ** 2  # distinct pairs only
            if distances.numel() == 0:
                sigma = 1.0
            elif bandwidth == "median":
                sigma = float(distances.median())
            else:
                sigma = float(distances.mean())
        if not (math.isfinite(sigma) and sigma > 0.0):
            sigma = 1.0
    elif isinstance(bandwidth, Real) and not isinstance(bandwidth, bool):
        sigma = float(bandwidth)
        if not (math.isfinite(sigma) and sigma > 0.0):
            raise ValueError(f"bandwidth must be positive and finite, got {bandwidth}.")
    else:
        raise TypeError(
            "bandwidth must be 'median', 'mean' or a positive number, got "
            f"{bandwidth!r}."
        )
    exponents = np.arange(n_kernels) - n_kernels // 2
    gammas = 1.0 / (sigma * kernel_mul ** exponents.astype(np.float64))
    return torch.as_tensor(
        gammas, dtype=source_features.dtype, device=source_features.device
    )


def _check_kernel_family(n_kernels, kernel_mul):
    if not isinstance(n_kernels, Integral) or isinstance(n_kernels, bool):
        raise TypeError(f"n_kernels must be an int, got {n_kernels!r}.")
    if n_kernels < 1:
        raise ValueError(f"n_kernels must be at least 1, got {n_kernels}.")
    if not isinstance(kernel_mul, Real) or isinstance(kernel_mul, bool):
        raise TypeError(f"kernel_mul must be a number, got {kernel_mul!r}.")
    if not (math.isfinite(kernel_mul) and kernel_mul > 0.0):
        raise ValueError(f"kernel_mul must be positive, got {kernel_mul}.")
    return int(n_kernels), float(kernel_mul)


def _as_weights(values, name, like, length):
    tensor = torch.as_tensor(values, dtype=like.dtype, device=like.device)
    if tensor.ndim != 1 or tensor.shape[0] != length:
        raise ValueError(
            f"{name} must be a vector of length {length}, got shape "
            f"{tuple(tensor.shape)}."
        )
    return tensor


def mmd2_linear_terms(source_features, target_features, gammas):
    """Per-quad-tuple, per-kernel terms of the linear-time MMD estimate.

    With ``m = min(n_source, n_target) // 2`` quad-tuples
    ``z_i = (s_{2i-1}, s_{2i}, t_{2i-1}, t_{2i})`` (rows taken in order),
    the term of kernel ``k`` on ``z_i`` is (DAN, Eq. 7)::

        g_k(z_i) = k(s_{2i-1}, s_{2i}) + k(t_{2i-1}, t_{2i})
                   - k(s_{2i-1}, t_{2i}) - k(s_{2i}, t_{2i-1})

    Rows beyond ``2 m`` in either batch are not used: an odd batch loses its
    last row, and the larger batch its extra rows. Batches from a shuffled
    loader are in random order, which the estimate's unbiasedness needs.

    Parameters
    ----------
    source_features, target_features : torch.Tensor of shape (n, d), (m, d)
        At least 2 rows each.
    gammas : array-like of shape (n_kernels,)
        Inverse bandwidths, ``k(x, y) = exp(-gamma ||x - y||^2)``.

    Returns
    -------
    terms : torch.Tensor of shape (m, n_kernels)
    """
    _check_feature_pair(source_features, target_features, min_rows=2)
    gammas = torch.as_tensor(
        gammas, dtype=source_features.dtype, device=source_features.device
    ).reshape(-1)
    m = min(source_features.shape[0], target_features.shape[0]) // 2
    s1, s2 = source_features[0 : 2 * m : 2], source_features[1 : 2 * m : 2]
    t1, t2 = target_features[0 : 2 * m : 2], target_features[1 : 2 * m : 2]

    def kernel(a, b):
        sq = ((a - b) ** 2).sum(dim=1, keepdim=True)
        return torch.exp(-sq * gammas[None, :])

    return kernel(s1, s2) + kernel(t1, t2) - kernel(s1, t2) - kernel(s2, t1)


def mmd2_linear(source_features, target_features, gammas, beta):
    """DAN's linear-time unbiased estimate of the multi-kernel MMD².

    The mean over the quad-tuples of ``sum_u beta_u g_u(z_i)`` (DAN, Eq. 6;
    see :func:`mmd2_linear_terms` for ``g`` and the rows used). Its
    expectation over the order of the rows is :func:`mmd2_unbiased` on the
    same rows. ``O(n d)`` time.

    Parameters
    ----------
    source_features, target_features : torch.Tensor of shape (n, d), (m, d)
        At least 2 rows each.
    gammas : array-like of shape (n_kernels,)
        Inverse bandwidths.
    beta : array-like of shape (n_kernels,)
        Kernel weights.

    Returns
    -------
    mmd2 : torch.Tensor
        Scalar; differentiable in both feature batches. It can be negative
        when the distributions agree.
    """
    terms = mmd2_linear_terms(source_features, target_features, gammas)
    beta = _as_weights(beta, "beta", terms, terms.shape[1])
    return (terms @ beta).mean()


def mmd2_unbiased(source_features, target_features, gammas, beta):
    """Quadratic-time unbiased estimate of the multi-kernel MMD².

    With ``k = sum_u beta_u exp(-gamma_u ||x - y||^2)`` (Gretton et al.,
    2012, Eq. 3)::

        sum_{i != j} k(s_i, s_j) / (n (n - 1))
          + sum_{i != j} k(t_i, t_j) / (m (m - 1))
          - 2 sum_{i, j} k(s_i, t_j) / (n m)

    ``O((n + m)^2 d)`` time and memory: the reference for the linear-time
    estimate, not a training loss for large batches.

    Parameters
    ----------
    source_features, target_features : torch.Tensor of shape (n, d), (m, d)
        At least 2 rows each.
    gammas : array-like of shape (n_kernels,)
        Inverse bandwidths.
    beta : array-like of shape (n_kernels,)
        Kernel weights.

    Returns
    -------
    mmd2 : torch.Tensor
        Scalar, differentiable in both feature batches.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import mmd2_unbiased
    >>> s = torch.tensor([[0.0], [1.0]])
    >>> t = torch.tensor([[0.0], [3.0]])
    >>> # k(s1,s2)=e^-1; k(t1,t2)=e^-9; cross sum: 1 + e^-9 + e^-1 + e^-4
    >>> value = mmd2_unbiased(s, t, gammas=[1.0], beta=[1.0])
    >>> import math
    >>> expected = math.exp(-1) + math.exp(-9) - 2 * (
    ...     1 + math.exp(-9) + math.exp(-1) + math.exp(-4)) / 4
    >>> bool(abs(float(value) - expected) < 1e-6)
    True
    """
    _check_feature_pair(source_features, target_features, min_rows=2)
    gammas = torch.as_tensor(
        gammas, dtype=source_features.dtype, device=source_features.device
    ).reshape(-1)
    beta = _as_weights(beta, "beta", gammas, gammas.shape[0])
    n, m = source_features.shape[0], target_features.shape[0]

    def kernel(a, b):
        sq = _pairwise_sq_distances(a, b)
        return (torch.exp(-sq[..., None] * gammas) * beta).sum(dim=-1)

    k_ss = kernel(source_features, source_features)
    k_tt = kernel(target_features, target_features)
    k_st = kernel(source_features, target_features)
    within_s = (k_ss.sum() - k_ss.diagonal().sum()) / (n * (n - 1))
    within_t = (k_tt.sum() - k_tt.diagonal().sum()) / (m * (m - 1))
    return within_s + within_t - 2.0 * k_st.sum() / (n * m)


def solve_kernel_weights(d, Q, eps=1e-4):
    """Solve DAN's kernel-weight QP exactly.

    ``min_beta beta^T (Q + eps I) beta``  s.t.  ``d^T beta = 1, beta >= 0``
    (DAN, Eq. 11; Gretton et al., 2012b). Up to ``12`` kernels every support
    is enumerated: on a support ``S`` the equality-constrained minimiser is
    ``M_SS^{-1} d_S / (d_S^T M_SS^{-1} d_S)``; the best non-negative one is the
    optimum (the problem is convex and the optimum's restriction to its own
    support solves the equality-constrained problem there). Above 12 kernels
    scipy's SLSQP solves the same problem from the best single kernel.

    Parameters
    ----------
    d : array-like of shape (n_kernels,)
        Per-kernel MMD² estimates; at least one must be positive.
    Q : array-like of shape (n_kernels, n_kernels)
        Covariance of the per-kernel quad-tuple terms (symmetric PSD).
    eps : float, default=1e-4
        Ridge added to ``Q``'s diagonal (Gretton et al. use ``1e-4``).

    Returns
    -------
    beta : ndarray of shape (n_kernels,)
        The QP's solution (it satisfies ``d @ beta == 1``; normalise it
        yourself to sum to one).

    Raises
    ------
    ValueError
        When no entry of ``d`` is positive (the QP is then infeasible).
    """
    d = np.asarray(d, dtype=np.float64).reshape(-1)
    Q = np.asarray(Q, dtype=np.float64)
    k = d.shape[0]
    if Q.shape != (k, k):
        raise ValueError(f"Q must have shape ({k}, {k}) to match d, got {Q.shape}.")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(Q))):
        raise ValueError("d and Q must be finite.")
    if not eps >= 0:
        raise ValueError(f"eps must be non-negative, got {eps}.")
    if not np.any(d > 0):
        raise ValueError(
            "The kernel-weight QP needs at least one positive MMD estimate in d, "
            f"got d={d.tolist()}."
        )
    M = 0.5 * (Q + Q.T) + eps * np.eye(k)
    if k <= _MAX_ENUMERATED_KERNELS:
        best, best_value = None, np.inf
        for size in range(1, k + 1):
            for support in itertools.combinations(range(k), size):
                idx = np.asarray(support)
                d_s = d[idx]
                try:
                    direction = np.linalg.solve(M[np.ix_(idx, idx)], d_s)
                except np.linalg.LinAlgError:
                    continue
                scale = d_s @ direction
                if not scale > 0:
                    continue
                beta_s = direction / scale
                if np.any(beta_s < -1e-12):
                    continue
                value = 1.0 / scale  # beta_s^T M beta_s at the solution
                if value < best_value:
                    best_value = value
                    best = np.zeros(k)
                    best[idx] = np.maximum(beta_s, 0.0)
        if best is not None:
            return best / (d @ best)
    start = np.zeros(k)
    ratios = np.where(d > 0, d**2 / np.diag(M), -np.inf)
    start[np.argmax(ratios)] = 1.0 / d[np.argmax(ratios)]
    result = minimize(
        lambda b: b @ M @ b,
        start,
        jac=lambda b: 2.0 * M @ b,
        method="SLSQP",
        bounds=[(0.0, None)] * k,
        constraints=[{"type": "eq", "fun": lambda b: d @ b - 1.0, "jac": lambda b: d}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    beta = np.maximum(result.x, 0.0)
    return beta / (d @ beta)


class MultiKernelMMD(torch.nn.Module):
    """DAN's multi-kernel MMD between source and target features.

    The kernel is a convex combination ``k = sum_u beta_u k_u`` of Gaussian
    kernels whose bandwidths form a geometric ladder around a base bandwidth
    computed on each batch (see :func:`gaussian_gammas`). Calling the module
    returns the linear-time unbiased estimate of MMD² with the current
    weights (:func:`mmd2_linear`), the training loss of the paper.
    :meth:`update_beta` re-estimates the weights by the paper's
    test-power QP; FineTuner calls it once per epoch.

    Parameters
    ----------
    n_kernels : int, default=5
        Number of Gaussian kernels.
    kernel_mul : float, default=2.0
        Ratio between consecutive bandwidths.
    bandwidth : {"median", "mean"} or float, default="median"
        Base bandwidth rule (see :func:`gaussian_gammas`). The paper uses the
        median heuristic and a ladder ``2^-8 ... 2^8`` with step ``2^(1/2)``
        (``n_kernels=33, kernel_mul=2**0.5``); 5 kernels with factor 2 is
        the cheaper default of the authors' later code.
    eps : float, default=1e-4
        Ridge of the kernel-weight QP (see :func:`solve_kernel_weights`).

    Attributes
    ----------
    beta_ : ndarray of shape (n_kernels,)
        Current kernel weights, non-negative and summing to one; uniform
        until :meth:`update_beta` is called.

    Notes
    -----
    Only ``2 m`` rows of each batch enter the estimate, with
    ``m = min(n_source, n_target) // 2``: an odd batch drops its last row.
    The bandwidths are detached from the graph: gradients flow through the
    kernel values only. The QP's ``beta`` satisfies ``d^T beta = 1``; it is
    rescaled to sum to one so that ``k`` stays in the paper's family
    ``{sum beta_u k_u : sum beta_u = 1, beta >= 0}`` (the test power is
    invariant to that scale).

    References
    ----------
    M. Long, Y. Cao, J. Wang, M. I. Jordan. "Learning Transferable Features
    with Deep Adaptation Networks". ICML 2015.

    A. Gretton, B. Sriperumbudur, D. Sejdinovic, H. Strathmann,
    S. Balakrishnan, M. Pontil, K. Fukumizu. "Optimal kernel choice for
    large-scale two-sample tests". NIPS 2012.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import MultiKernelMMD
    >>> g = torch.Generator().manual_seed(0)
    >>> xs = torch.randn(256, 4, generator=g)
    >>> xt = torch.randn(256, 4, generator=g) + 1.0
    >>> mmd = MultiKernelMMD()
    >>> mmd.beta_.tolist()
    [0.2, 0.2, 0.2, 0.2, 0.2]
    >>> bool(mmd(xs, xt) > 0)
    True
    >>> mmd.update_beta(xs, xt)
    >>> bool(abs(mmd.beta_.sum() - 1.0) < 1e-12)
    True
    """

    def __init__(self, n_kernels=5, kernel_mul=2.0, bandwidth="median", eps=1e-4):
        super().__init__()
        n_kernels, kernel_mul = _check_kernel_family(n_kernels, kernel_mul)
        if not (isinstance(eps, Real) and eps >= 0):
            raise ValueError(f"eps must be a non-negative number, got {eps!r}.")
        self.n_kernels = n_kernels
        self.kernel_mul = kernel_mul
        self.bandwidth = bandwidth
        self.eps = float(eps)
        self.beta_ = np.full(n_kernels, 1.0 / n_kernels)

    def gammas(self, source_features, target_features):
        """Inverse bandwidths for this pair of batches (detached)."""
        return gaussian_gammas(
            source_features,
            target_features,
            n_kernels=self.n_kernels,
            kernel_mul=self.kernel_mul,
            bandwidth=self.bandwidth,
        )

    def forward(self, source_features, target_features):
        """Linear-time MMD² estimate with the current ``beta_``.

        Parameters
        ----------
        source_features, target_features : torch.Tensor of shape (n, d), (m, d)
            At least 2 rows each.

        Returns
        -------
        mmd2 : torch.Tensor
            Scalar, differentiable in both batches.
        """
        gammas = self.gammas(source_features, target_features)
        return mmd2_linear(source_features, target_features, gammas, self.beta_)

    @torch.no_grad()
    def update_beta(self, source_features, target_features):
        """Re-estimate the kernel weights on a pair of batches.

        The per-kernel estimates ``d`` are the means of the quad-tuple terms
        and ``Q`` their sample covariance (``ddof=1``; at least 2
        quad-tuples, i.e. 4 rows per batch, are needed). The QP of
        :func:`solve_kernel_weights` is solved in float64. When no kernel
        has a positive estimate (the batches look alike to every kernel), the
        weights are left unchanged and a message is logged.

        Parameters
        ----------
        source_features, target_features : torch.Tensor of shape (n, d), (m, d)
            Features of the two domains (no gradient is taken).
        """
        _check_feature_pair(source_features, target_features, min_rows=4)
        gammas = self.gammas(source_features, target_features)
        terms = mmd2_linear_terms(source_features, target_features, gammas)
        terms = terms.detach().to(device="cpu", dtype=torch.float64).numpy()
        d = terms.mean(axis=0)
        if not np.any(d > 0):
            logger.info(
                "MultiKernelMMD.update_beta: no kernel has a positive MMD "
                "estimate; the kernel weights are kept."
            )
            return
        Q = np.atleast_2d(np.cov(terms, rowvar=False, ddof=1))
        beta = solve_kernel_weights(d, Q, eps=self.eps)
        self.beta_ = beta / beta.sum()


# --------------------------------------------------------------------------
# DANN
# --------------------------------------------------------------------------


class _GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lambda_):
        ctx.lambda_ = lambda_
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.lambda_ * grad_output, None


def gradient_reversal(x, lambda_=1.0):
    """DANN's gradient reversal layer ``R_lambda``.

    The identity in the forward pass; in the backward pass the incoming
    gradient is multiplied by ``-lambda_``.

    Parameters
    ----------
    x : torch.Tensor
        Input.
    lambda_ : float, default=1.0
        Scale of the reversed gradient (the adaptation factor, see
        :func:`dann_lambda`).

    Returns
    -------
    y : torch.Tensor
        ``x``'s values (a view), with the reversed gradient.

    References
    ----------
    Y. Ganin, E. Ustinova, H. Ajakan, P. Germain, H. Larochelle,
    F. Laviolette, M. Marchand, V. Lempitsky. "Domain-Adversarial Training of
    Neural Networks". JMLR 17(59), 2016.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import gradient_reversal
    >>> x = torch.ones(2, requires_grad=True)
    >>> gradient_reversal(x, 0.5).sum().backward()
    >>> x.grad.tolist()
    [-0.5, -0.5]
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
    if isinstance(lambda_, torch.Tensor):
        lambda_ = float(lambda_.detach())
    if not isinstance(lambda_, Real) or not math.isfinite(lambda_):
        raise ValueError(f"lambda_ must be a finite number, got {lambda_!r}.")
    return _GradientReversal.apply(x, float(lambda_))


def _check_progress(progress):
    if not isinstance(progress, Real) or not 0.0 <= progress <= 1.0:
        raise ValueError(f"progress must be a number in [0, 1], got {progress!r}.")
    return float(progress)


def dann_lambda(progress, gamma=10.0):
    """DANN's adaptation factor ``2 / (1 + exp(-gamma p)) - 1``.

    It rises from 0 at the start of training (``p = 0``) towards 1, which
    keeps the discriminator's noisy early signal away from the features.

    Parameters
    ----------
    progress : float
        Training progress ``p`` in ``[0, 1]`` (iterations done / total).
    gamma : float, default=10.0
        Steepness; the paper's value is 10.

    Returns
    -------
    lambda_ : float

    References
    ----------
    Ganin et al., JMLR 2016, Sec. 5.2.2.

    Examples
    --------
    >>> from transferkit.parameter._alignment import dann_lambda
    >>> dann_lambda(0.0), round(dann_lambda(1.0), 4)
    (0.0, 0.9999)
    """
    p = _check_progress(progress)
    return 2.0 / (1.0 + math.exp(-float(gamma) * p)) - 1.0


def dann_learning_rate(base_lr, progress, alpha=10.0, beta=0.75):
    """DANN's annealed learning rate ``base_lr / (1 + alpha p)^beta``.

    Parameters
    ----------
    base_lr : float
        Initial learning rate ``mu_0`` (the paper uses 0.01).
    progress : float
        Training progress ``p`` in ``[0, 1]``.
    alpha : float, default=10.0
    beta : float, default=0.75
        The paper's values.

    Returns
    -------
    lr : float

    References
    ----------
    Ganin et al., JMLR 2016, Sec. 5.2.2.

    Examples
    --------
    >>> from transferkit.parameter._alignment import dann_learning_rate
    >>> round(dann_learning_rate(0.01, 1.0), 6)
    0.001656
    """
    p = _check_progress(progress)
    if not isinstance(base_lr, Real) or base_lr < 0:
        raise ValueError(f"base_lr must be a non-negative number, got {base_lr!r}.")
    return float(base_lr) / (1.0 + float(alpha) * p) ** float(beta)


def _reinitialise_linear(layer, generator):
    # torch's default nn.Linear initialisation, drawn from `generator`
    torch.nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0.0
    torch.nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


class DomainDiscriminator(torch.nn.Module):
    """DANN's domain classifier: an MLP that outputs one logit per sample.

    ``Linear -> ReLU [-> Dropout]`` for each hidden width, then
    ``Linear(., 1)``. The logit is the score of "target" (domain label 1).

    Parameters
    ----------
    in_features : int
        Width of the features it reads (the body's output).
    hidden : tuple of int, default=(100,)
        Hidden widths. The default is the paper's domain classifier for the
        small MNIST -> MNIST-M network (one hidden layer of 100 units,
        Ganin et al. 2016, Fig. 4); its larger networks (SVHN, Office) use
        ``hidden=(1024, 1024), dropout=0.5``.
    dropout : float, default=0.0
        Dropout probability after each hidden activation. In training mode
        dropout draws from torch's global generator, as ``torch.nn.Dropout``
        always does; a caller that must not touch it runs the step inside
        ``torch.random.fork_rng()``.
    generator : torch.Generator, default=None
        Draws the initial weights (torch's default ``nn.Linear`` scheme) so
        that construction does not touch torch's global generator. ``None``
        uses the global generator, as every torch module does.

    References
    ----------
    Ganin et al., JMLR 2016.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import DomainDiscriminator
    >>> disc = DomainDiscriminator(8, generator=torch.Generator().manual_seed(0))
    >>> disc(torch.zeros(3, 8)).shape
    torch.Size([3])
    """

    def __init__(self, in_features, hidden=(100,), dropout=0.0, generator=None):
        super().__init__()
        if not isinstance(in_features, Integral) or in_features < 1:
            raise ValueError(
                f"in_features must be a positive int, got {in_features!r}."
            )
        hidden = tuple(hidden)
        if not all(isinstance(h, Integral) and h >= 1 for h in hidden):
            raise ValueError(
                f"hidden must be a tuple of positive ints, got {hidden!r}."
            )
        if not (isinstance(dropout, Real) and 0.0 <= dropout < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        widths = (int(in_features), *map(int, hidden), 1)
        layers = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
            if generator is None:
                linear = torch.nn.Linear(fan_in, fan_out)
            else:
                linear = torch.nn.utils.skip_init(torch.nn.Linear, fan_in, fan_out)
                with torch.no_grad():
                    _reinitialise_linear(linear, generator)
            layers.append(linear)
            if i < len(widths) - 2:
                layers.append(torch.nn.ReLU())
                if dropout > 0:
                    layers.append(torch.nn.Dropout(dropout))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, features):
        """Domain logits of shape (n_samples,)."""
        return self.net(features).squeeze(-1)


def domain_adversarial_loss(discriminator, source_features, target_features, lambda_):
    """DANN's domain loss, through the gradient reversal layer.

    Both batches pass through :func:`gradient_reversal` then the
    ``discriminator``; the loss is the binary cross-entropy with domain
    label 0 for the source and 1 for the target, averaged within each domain
    and summed over the two domains, as in the paper's objective
    ``(1/n) sum_source L_d + (1/n') sum_target L_d``. Minimising it trains the
    discriminator to tell the domains apart while the reversed gradient
    (scaled by ``lambda_``) trains the features to confuse it.

    Parameters
    ----------
    discriminator : callable
        Maps a (n, d) tensor to n logits (shape (n,) or (n, 1)), e.g. a
        :class:`DomainDiscriminator`.
    source_features, target_features : torch.Tensor of shape (n, d), (m, d)
        The body's outputs on the two batches.
    lambda_ : float
        Adaptation factor of the reversal (see :func:`dann_lambda`).

    Returns
    -------
    loss : torch.Tensor
        Scalar.

    Notes
    -----
    This is the gradient-reversal form of the ICML 2015 paper: the
    discriminator receives the plain gradient of the loss and the features
    ``-lambda_`` times it. The JMLR paper's update (Eq. 13-15) also scales
    the discriminator's step by ``lambda_``; the two differ only by that
    learning-rate factor on the discriminator.

    References
    ----------
    Y. Ganin and V. Lempitsky. "Unsupervised Domain Adaptation by
    Backpropagation". ICML 2015. Ganin et al., JMLR 2016.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._alignment import domain_adversarial_loss
    >>> zero = lambda f: torch.zeros(f.shape[0])  # a discriminator that abstains
    >>> loss = domain_adversarial_loss(zero, torch.ones(2, 3), torch.ones(4, 3), 1.0)
    >>> round(float(loss), 4)  # 2 log 2
    1.3863
    """
    _check_feature_pair(source_features, target_features)
    n_source = source_features.shape[0]
    features = gradient_reversal(torch.cat([source_features, target_features]), lambda_)
    logits = discriminator(features)
    logits = logits.reshape(-1)
    if logits.shape[0] != features.shape[0]:
        raise ValueError(
            "discriminator must return one logit per sample: got "
            f"{logits.shape[0]} values for {features.shape[0]} samples."
        )
    labels = torch.cat(
        [logits.new_zeros(n_source), logits.new_ones(target_features.shape[0])]
    )
    per_sample = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, labels, reduction="none"
    )
    return per_sample[:n_source].mean() + per_sample[n_source:].mean()
