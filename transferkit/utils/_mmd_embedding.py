"""The MMD embedding solver shared by TCA, JDA and BDA.

All three methods look for a projection that keeps the data's variance while
shrinking a maximum mean discrepancy (MMD) between source and target. With
``S`` the (centred) scatter of the data and ``B = P M Pᵀ + mu I`` the
regularised MMD term, the projection is given by the leading eigenvectors of
the *symmetric generalised* eigenproblem::

    S w = lambda B w,     B symmetric positive definite (mu > 0),

solved with :func:`scipy.linalg.eigh` (never an eigensolver on the
non-symmetric product ``B⁻¹ S``). Three bases ``P`` are supported:

- ``"primal"``: ``P = Xᵀ`` (``d x d`` problem, linear in ``n``);
- exact kernel: ``P = K`` (``n x n``, ``O(n²)`` memory, ``O(n³)`` time);
- landmarks (Nyström): ``K ≈ Φ Φᵀ`` with ``Φ = K(X, L) K(L, L)^{-1/2}``
  (``m`` landmarks), which reduces the kernel problem to ``m x m`` exactly
  (see :func:`fit_landmark_embedding`).

The MMD matrix ``M`` is never formed: every MMD matrix used by these methods
is a sum of rank-one terms ``M = Σ_k c_k e_k e_kᵀ`` (the marginal vector and
one vector per class), kept as the factor pair ``(E, c)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .kernels import (
    kernel_matmul,
    kernel_matrix,
    psd_inverse_sqrt,
)

__all__ = [
    "LowRankMMD",
    "MMDEmbedding",
    "class_mmd_vectors",
    "MMDProblem",
    "marginal_mmd_vector",
    "prepare_exact_problem",
    "prepare_landmark_problem",
    "prepare_primal_problem",
    "solve_mmd_eigenproblem",
    "unit_norm_columns",
]


# --------------------------------------------------------------------------
# MMD matrices as sums of rank-one terms
# --------------------------------------------------------------------------


def marginal_mmd_vector(n_source, n_target):
    """The vector ``e`` with ``M₀ = e eᵀ``: ``1/n_s`` on source rows, ``-1/n_t``
    on target rows (rows ordered source first)."""
    return np.concatenate(
        [np.full(n_source, 1.0 / n_source), np.full(n_target, -1.0 / n_target)]
    )


def class_mmd_vectors(y_source, y_target, classes, target_weights=None):
    """One vector per class for the class-conditional MMD (JDA's ``M_c``).

    Column ``c`` holds ``1/n_s^c`` on the source rows of class ``c`` and
    ``-w_c/n_t^c`` on the target rows (pseudo-)labelled ``c``, zeros
    elsewhere. A class absent from either side gives no column: there is no
    pair of means to match.

    Parameters
    ----------
    y_source : ndarray of shape (n_source,)
    y_target : ndarray of shape (n_target,)
    classes : ndarray of shape (n_classes,)
        The label values, in any order and of any type (``{-1, 7, 42}``).
    target_weights : ndarray of shape (n_classes,), default=None
        Factor ``w_c`` on the target part of each column (W-BDA's class-prior
        weighting). None means 1.

    Returns
    -------
    E : ndarray of shape (n_source + n_target, n_kept_classes)
    """
    n_source, n_target = len(y_source), len(y_target)
    columns = []
    for k, label in enumerate(classes):
        in_source = y_source == label
        in_target = y_target == label
        n_sc, n_tc = int(in_source.sum()), int(in_target.sum())
        if n_sc == 0 or n_tc == 0:
            continue
        weight = 1.0 if target_weights is None else float(target_weights[k])
        column = np.zeros(n_source + n_target)
        column[:n_source][in_source] = 1.0 / n_sc
        column[n_source:][in_target] = -weight / n_tc
        columns.append(column)
    if not columns:
        return np.zeros((n_source + n_target, 0))
    return np.column_stack(columns)


@dataclass
class LowRankMMD:
    """An MMD matrix ``M = E diag(c) Eᵀ`` kept in factored form.

    Attributes
    ----------
    vectors : ndarray of shape (n_samples, k)
        The columns ``e_k``.
    coefs : ndarray of shape (k,)
        The non-negative coefficients ``c_k``.
    """

    vectors: np.ndarray
    coefs: np.ndarray

    @classmethod
    def combine(cls, *terms):
        """Concatenate ``(vectors, coef)`` pairs; ``coef`` scales every column."""
        vectors, coefs = [], []
        for E, coef in terms:
            E = np.asarray(E, dtype=np.float64)
            if E.ndim == 1:
                E = E[:, None]
            if E.shape[1] == 0 or coef == 0:
                continue
            vectors.append(E)
            coefs.append(np.full(E.shape[1], float(coef)))
        if not vectors:
            n = terms[0][0].shape[0]
            return cls(np.zeros((n, 0)), np.zeros(0))
        return cls(np.hstack(vectors), np.concatenate(coefs))

    def frobenius_norm(self):
        """``‖M‖_F`` from the small Gram matrix ``EᵀE``, without forming ``M``."""
        if self.coefs.size == 0:
            return 0.0
        gram = self.vectors.T @ self.vectors
        value = float(self.coefs @ (gram**2) @ self.coefs)
        return float(np.sqrt(max(value, 0.0)))

    def normalised(self):
        """``M / ‖M‖_F`` (unchanged when ``M = 0``), as the JDA code does."""
        norm = self.frobenius_norm()
        if norm == 0.0:
            return self
        return LowRankMMD(self.vectors, self.coefs / norm)

    def dense(self):
        """The dense ``n x n`` matrix (for tests and small problems only)."""
        return (self.vectors * self.coefs) @ self.vectors.T

    def sandwich(self, P):
        """``Pᵀ M P`` for a basis ``P`` of shape (n_samples, p): a ``p x p`` matrix."""
        if self.coefs.size == 0:
            return np.zeros((P.shape[1], P.shape[1]))
        PE = P.T @ self.vectors
        PE = np.asarray(PE)
        return (PE * self.coefs) @ PE.T


# --------------------------------------------------------------------------
# The generalised eigenproblem and the eigenvector scale
# --------------------------------------------------------------------------


def unit_norm_columns(V):
    """Rescale each column to unit Euclidean norm (zero columns stay zero).

    This is the scale MATLAB's ``eigs`` returns and the one the published
    JDA-lineage results use; :func:`scipy.linalg.eigh` with a ``b`` matrix
    returns ``b``-orthonormal vectors instead, which whiten the embedding.
    """
    norms = np.linalg.norm(V, axis=0)
    return V / np.where(norms > 0, norms, 1.0)


def _flip_signs(V):
    """Make each column's largest-magnitude entry positive (deterministic sign)."""
    if V.size == 0:
        return V
    rows = np.argmax(np.abs(V), axis=0)
    signs = np.sign(V[rows, np.arange(V.shape[1])])
    signs[signs == 0] = 1.0
    return V * signs


def solve_mmd_eigenproblem(scatter, mmd_term, mu, n_components):
    """Leading eigenvectors of ``scatter w = lambda (mmd_term + mu I) w``.

    Parameters
    ----------
    scatter : ndarray of shape (p, p)
        Symmetric positive semi-definite matrix to maximise (``KHK`` or
        ``XᵀHX``).
    mmd_term : ndarray of shape (p, p)
        Symmetric positive semi-definite MMD matrix to minimise.
    mu : float
        Positive ridge added to ``mmd_term``; it makes the right-hand matrix
        positive definite, so the problem is a well-posed symmetric definite
        one.
    n_components : int
        Number of leading eigenvectors, at most ``p``.

    Returns
    -------
    vectors : ndarray of shape (p, n_components)
        Unit Euclidean norm columns with a deterministic sign, largest
        eigenvalue first.
    values : ndarray of shape (n_components,)
        The eigenvalues, decreasing.
    """
    p = scatter.shape[0]
    a = 0.5 * (scatter + scatter.T)
    b = 0.5 * (mmd_term + mmd_term.T)
    b[np.diag_indices_from(b)] += mu
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(
            "The generalised eigenproblem could not be solved: its matrices "
            "are not finite (the kernel or the scatter of the data overflowed "
            "float64). Scale the input (for example with StandardScaler) or use "
            "a kernel that stays bounded (rbf); increase mu if the problem is "
            "only badly conditioned."
        )
    try:
        values, vectors = scipy.linalg.eigh(
            a, b, subset_by_index=[p - n_components, p - 1], check_finite=True
        )
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise ValueError(
            "The generalised eigenproblem could not be solved "
            f"({exc}); increase mu to make the regularised MMD term better "
            "conditioned, or scale the input."
        ) from exc
    if not np.all(np.isfinite(vectors)):  # pragma: no cover
        raise ValueError(
            "The generalised eigenproblem returned non-finite vectors; "
            "increase mu or check the input for extreme values."
        )
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    return _flip_signs(unit_norm_columns(vectors)), values


# --------------------------------------------------------------------------
# Fitted maps
# --------------------------------------------------------------------------


@dataclass
class MMDEmbedding:
    """A fitted linear-in-features or kernel embedding.

    Attributes
    ----------
    kind : {"primal", "exact", "landmarks"}
    coef : ndarray
        ``(d, k)`` projection (primal), ``(n, k)`` kernel coefficients
        (exact) or ``(m, k)`` landmark coefficients (landmarks).
    basis : ndarray or sparse matrix or None
        The fitted samples (exact) or the landmarks (landmarks).
    kernel_params : dict
        ``kernel``, ``gamma``, ``degree``, ``coef0``.
    eigenvalues : ndarray of shape (k,)
    normalize_samples : bool
        Primal recipe: L2-normalise the samples before, and the embedded
        samples after, the projection.
    """

    kind: str
    coef: np.ndarray
    basis: object
    kernel_params: dict
    eigenvalues: np.ndarray
    normalize_samples: bool = False

    def transform(self, X):
        """Embed the rows of ``X``."""
        if self.kind == "primal":
            if self.normalize_samples:
                X = normalize(X)
            Z = X @ self.coef
            Z = np.asarray(Z)
            return normalize(Z) if self.normalize_samples else Z
        return kernel_matmul(X, self.basis, self.coef, **self.kernel_params)


def _centred_scatter(P):
    """``Pᵀ H P`` with ``H = I - 11ᵀ/n``, for dense or sparse ``P`` (n x p)."""
    n = P.shape[0]
    mean = np.asarray(P.mean(axis=0)).ravel()
    gram = P.T @ P
    gram = gram.toarray() if sp.issparse(gram) else np.asarray(gram)
    return gram - n * np.outer(mean, mean)


@dataclass
class MMDProblem:
    """The parts of an MMD embedding problem that do not depend on ``M``.

    JDA and BDA solve one problem per round with a new MMD matrix on the same
    data; the basis, the scatter matrix and the out-of-sample map are
    computed once.

    Attributes
    ----------
    kind : {"primal", "exact", "landmarks"}
    basis : ndarray or sparse matrix of shape (n_samples, p)
        ``B`` such that the embedding is ``Z = B a`` and the MMD term is
        ``Bᵀ M B``.
    scatter : ndarray of shape (p, p)
        ``Bᵀ H B`` (``H`` the centring matrix).
    out_map : ndarray of shape (q, p) or None
        ``coef = out_map @ a`` (None: ``coef = a``).
    fitted_basis : ndarray, sparse matrix or None
        Points the kernel of new samples is taken against.
    kernel_params : dict
    normalize_samples : bool
    """

    kind: str
    basis: object
    scatter: np.ndarray
    out_map: object
    fitted_basis: object
    kernel_params: dict
    normalize_samples: bool = False

    @property
    def max_components(self):
        return self.scatter.shape[0]

    def solve(self, mmd, mu, n_components):
        """Solve for one MMD matrix; returns ``(MMDEmbedding, Z)``."""
        n_components = min(n_components, self.max_components)
        mmd_term = mmd.sandwich(self.basis)
        a, values = solve_mmd_eigenproblem(self.scatter, mmd_term, mu, n_components)
        Z = np.asarray(self.basis @ a)
        if self.normalize_samples:
            Z = normalize(Z)
        coef = a if self.out_map is None else self.out_map @ a
        embedding = MMDEmbedding(
            kind=self.kind,
            coef=coef,
            basis=self.fitted_basis,
            kernel_params=self.kernel_params,
            eigenvalues=values,
            normalize_samples=self.normalize_samples,
        )
        return embedding, Z


def prepare_primal_problem(X, *, normalize_samples=True, rtol=1e-12):
    """Linear (primal) MMD embedding of the stacked samples ``X``.

    Solves ``min tr(Aᵀ Xᵀ M X A) + mu ‖A‖²`` s.t. ``Aᵀ Xᵀ H X A = I`` as
    ``eigh(Xᵀ H X, Xᵀ M X + mu I)``, largest eigenvalues: the same
    eigenvectors as the JDA code's ``eigs(XMXᵀ + λI, XHXᵀ, k, 'SM')``, with
    the positive definite matrix on the right. ``X`` may be sparse. With
    ``normalize_samples`` each sample is L2-normalised before, and each
    embedded sample after, the projection, as the JDA code lineage does.

    The problem is ``d x d`` when ``n >= d``. With fewer samples than
    features it is solved exactly in the row space of ``X``: write
    ``X = U S Vᵀ`` (rank ``r <= n``); every eigenvector with a positive
    eigenvalue is ``A = V c`` (directions orthogonal to the data only add to
    ``mu ‖A‖²``), ``‖A‖ = ‖c‖``, and ``c`` solves the ``r x r`` problem with
    basis ``X V = U S``. The size is ``min(n, d)`` either way.
    """
    Xn = normalize(X) if normalize_samples else X
    n, d = Xn.shape
    if n >= d:
        return MMDProblem(
            kind="primal",
            basis=Xn,
            scatter=_centred_scatter(Xn),
            out_map=None,
            fitted_basis=None,
            kernel_params={},
            normalize_samples=normalize_samples,
        )
    if sp.issparse(Xn):
        gram = (Xn @ Xn.T).toarray()
        s2, U = scipy.linalg.eigh(0.5 * (gram + gram.T))
        s2, U = s2[::-1], U[:, ::-1]
        keep = s2 > rtol * max(s2.max(initial=0.0), np.finfo(float).tiny)
        s = np.sqrt(s2[keep])
        U = U[:, keep]
        V = np.asarray(Xn.T @ (U / s))
    else:
        U, s, Vt = scipy.linalg.svd(Xn, full_matrices=False)
        keep = s > np.sqrt(rtol) * max(s.max(initial=0.0), np.finfo(float).tiny)
        U, s, V = U[:, keep], s[keep], Vt[keep].T
    if s.size == 0:
        raise ValueError("The data matrix is numerically zero.")
    B = U * s
    return MMDProblem(
        kind="primal",
        basis=B,
        scatter=_centred_scatter(B),
        out_map=V,
        fitted_basis=None,
        kernel_params={},
        normalize_samples=normalize_samples,
    )


def prepare_exact_problem(X, kernel_params):
    """Exact kernel MMD embedding: ``eigh(KHK, KMK + mu I)``; ``Z = K W``.

    Builds the dense ``n x n`` kernel: callers must check the size first.
    ``KHK`` is formed as ``(HK)ᵀ(HK)`` (``H`` is idempotent).
    """
    K = kernel_matrix(X, **kernel_params)
    K = 0.5 * (K + K.T)
    centred = K - K.mean(axis=0, keepdims=True)  # H K
    return MMDProblem(
        kind="exact",
        basis=K,
        scatter=centred.T @ centred,
        out_map=None,
        fitted_basis=X,
        kernel_params=kernel_params,
    )


def prepare_landmark_problem(X, kernel_params, landmarks, *, rtol=1e-10):
    """Nyström (landmark) MMD embedding with ``O(n m)`` memory.

    With ``Φ = K(X, L) R`` and ``R = K(L, L)^{-1/2}`` (pseudo-inverse on the
    numerically null directions), ``K ≈ K̃ = Φ Φᵀ``. Write ``ΦᵀΦ = V S² Vᵀ``
    and ``U = Φ V S⁻¹`` (orthonormal columns). Every eigenvector of the
    approximate problem ``eigh(K̃HK̃, K̃MK̃ + mu I)`` with a positive
    eigenvalue lies in the range of ``U``, so ``W = U a`` and, with
    ``B = Φ V S`` (``n x r``, ``r <= m`` the retained rank), ``a`` solves::

        Bᵀ H B a = lambda (Bᵀ M B + mu I) a

    exactly. ``‖W‖ = ‖a‖``, so unit-norm ``a`` gives the exact solver's
    scale. The embedding is ``K̃ W = B a`` and a new point maps to
    ``k(x, L) R V S a``. With every sample a landmark ``K̃ = K`` and the exact
    solution is recovered. ``Φ`` is computed in row blocks.
    """
    L = X[landmarks]
    R = psd_inverse_sqrt(kernel_matrix(L, **kernel_params), rtol)  # (m, r0)
    Phi = kernel_matmul(X, L, R, **kernel_params)  # (n, r0)
    gram = Phi.T @ Phi
    s2, V = scipy.linalg.eigh(0.5 * (gram + gram.T))
    keep = s2 > rtol * max(s2.max(initial=0.0), np.finfo(float).tiny)
    s2, V = s2[keep][::-1], V[:, keep][:, ::-1]
    if s2.size == 0:
        raise ValueError(
            "The landmark kernel matrix is numerically zero; check the kernel "
            "parameters (gamma) or the data."
        )
    Vs = V * np.sqrt(s2)
    B = Phi @ Vs  # (n, r): orthogonal columns, norms s
    del Phi
    column_sums = B.sum(axis=0)
    scatter = np.diag(s2 * s2) - np.outer(column_sums, column_sums) / B.shape[0]
    # Bᵀ B = S V^T Φᵀ Φ V S = S⁴ (diagonal).
    return MMDProblem(
        kind="landmarks",
        basis=B,
        scatter=scatter,
        out_map=R @ Vs,
        fitted_basis=L,
        kernel_params=kernel_params,
    )
