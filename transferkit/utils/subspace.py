"""Linear-algebra helpers for the covariance and subspace methods.

Used by :class:`~transferkit.feature.CORAL`,
:class:`~transferkit.feature.SubspaceAlignment` and
:class:`~transferkit.feature.GFK`: covariance of dense or sparse data without
densifying it, functions of symmetric matrices through ``scipy.linalg.eigh``
(never ``sqrtm``, whose output can be complex for a symmetric input), PCA bases
and principal angles between subspaces.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import linalg

__all__ = [
    "covariance",
    "symmetric_power",
    "pca_basis",
    "principal_angles",
    "subspace_disagreement",
    "select_subspace_dimension",
    "domain_subspaces",
]


def covariance(X, ddof=1):
    """Covariance matrix of the columns of ``X`` (rows are samples).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Data. A sparse matrix is not densified: the covariance is formed from
        ``X.T @ X`` and the column means.
    ddof : int, default=1
        Delta degrees of freedom: the sum of squares is divided by
        ``n_samples - ddof`` (``np.cov``'s default normalisation is 1).
        With a single sample the divisor is clamped to 1.

    Returns
    -------
    cov : ndarray of shape (n_features, n_features)
        The symmetric covariance matrix, in float64.
    """
    n = X.shape[0]
    divisor = max(n - ddof, 1)
    if sp.issparse(X):
        X = X.astype(np.float64)
        mean = np.asarray(X.mean(axis=0)).ravel()
        gram = (X.T @ X).toarray()
        cov = (gram - n * np.outer(mean, mean)) / divisor
    else:
        centred = np.asarray(X, dtype=np.float64) - np.mean(X, axis=0, dtype=np.float64)
        cov = centred.T @ centred / divisor
    return (cov + cov.T) / 2


def symmetric_power(C, power, rcond=None):
    """``C ** power`` for a symmetric positive semi-definite matrix ``C``.

    The matrix is diagonalised with ``scipy.linalg.eigh``; eigenvalues below
    ``rcond * max_eigenvalue`` are treated as zero (they are set to zero for a
    positive power and dropped, as in a pseudo-inverse, for a negative one).

    Parameters
    ----------
    C : ndarray of shape (n, n)
        Symmetric positive semi-definite matrix.
    power : float
        Exponent, e.g. ``0.5`` or ``-0.5``.
    rcond : float, default=None
        Relative cut-off for small eigenvalues; ``None`` means
        ``n * eps`` of the dtype.

    Returns
    -------
    C_power : ndarray of shape (n, n)
        The symmetric matrix power.
    """
    eigenvalues, eigenvectors = linalg.eigh(C)
    if rcond is None:
        rcond = C.shape[0] * np.finfo(eigenvalues.dtype).eps
    top = max(float(np.max(np.abs(eigenvalues), initial=0.0)), np.finfo(float).tiny)
    keep = eigenvalues > rcond * top
    scaled = np.zeros_like(eigenvalues)
    scaled[keep] = eigenvalues[keep] ** power
    result = (eigenvectors * scaled) @ eigenvectors.T
    return (result + result.T) / 2


def pca_basis(X, n_components):
    """Leading principal directions of ``X`` after centring.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Data.
    n_components : int
        Number of directions, at most ``n_features``. When the data has
        fewer non-trivial directions than asked (``n_samples - 1 <
        n_components``), the basis is completed with orthonormal directions
        of zero variance. With ``n_samples >= n_features`` the directions
        are eigenvectors of the ``n_features x n_features`` scatter matrix
        (``scipy.linalg.eigh``), else right singular vectors of the centred
        data.

    Returns
    -------
    mean : ndarray of shape (n_features,)
        Column means of ``X``.
    basis : ndarray of shape (n_features, n_components)
        Orthonormal columns, sorted by decreasing explained variance, signs
        fixed so that the largest-magnitude entry of each column is positive.
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    centred = X - mean
    n_samples, n_features = centred.shape
    if n_samples >= n_features:
        # eigenvectors of the scatter matrix: cheaper than an SVD of the data
        _, eigenvectors = linalg.eigh(
            centred.T @ centred,
            subset_by_index=[n_features - n_components, n_features - 1],
        )
        basis = eigenvectors[:, ::-1]
    else:
        # full_matrices completes the basis when n_components > n_samples
        full = n_components > n_samples
        basis = linalg.svd(centred, full_matrices=full)[2][:n_components].T
    flip = np.sign(basis[np.argmax(np.abs(basis), axis=0), np.arange(n_components)])
    flip[flip == 0] = 1.0
    return mean, basis * flip


def principal_angles(A, B):
    """Principal angles between the column spans of orthonormal ``A`` and ``B``.

    Parameters
    ----------
    A, B : ndarray of shape (n_features, d)
        Matrices with orthonormal columns.

    Returns
    -------
    angles : ndarray of shape (d,)
        Angles in radians, increasing.
    """
    cosines = linalg.svd(A.T @ B, compute_uv=False)
    return np.arccos(np.clip(cosines, -1.0, 1.0))


def subspace_disagreement(Xs, Xt, max_components):
    """The subspace disagreement measure of Gong et al. (CVPR 2012), per ``d``.

    For each ``d = 1..max_components``, with ``α_d`` the ``d``-th principal
    angle between the ``d``-dimensional PCA subspaces of the source and of the
    pooled data, and ``β_d`` the same between the target and the pooled data,
    ``SDM(d) = (sin α_d + sin β_d) / 2``.

    Parameters
    ----------
    Xs, Xt : ndarray of shape (n, n_features)
        Source and target data.
    max_components : int
        Largest dimension examined.

    Returns
    -------
    sdm : ndarray of shape (max_components,)
        ``sdm[d - 1]`` is ``SDM(d)``.
    """
    _, Ps = pca_basis(Xs, max_components)
    _, Pt = pca_basis(Xt, max_components)
    _, Pst = pca_basis(np.vstack([Xs, Xt]), max_components)
    sdm = np.empty(max_components)
    for d in range(1, max_components + 1):
        alpha = principal_angles(Ps[:, :d], Pst[:, :d])[-1]
        beta = principal_angles(Pt[:, :d], Pst[:, :d])[-1]
        sdm[d - 1] = (np.sin(alpha) + np.sin(beta)) / 2
    return sdm


def select_subspace_dimension(Xs, Xt, threshold=0.99):
    """Subspace dimension by the subspace disagreement measure (SDM).

    Gong et al. (CVPR 2012) choose the largest ``d`` for which the source and
    target subspaces have no (near-)orthogonal directions. Here that is the
    largest ``d`` before ``SDM(d)`` first reaches ``threshold`` (with the
    default 0.99, before the ``d``-th principal angle of either domain to the
    pooled subspace passes about 82 degrees on average), searched over
    ``1 <= d <= min(n_features, n_source - 1, n_target - 1)``; when the
    measure never reaches the threshold, the upper end of that range.

    Parameters
    ----------
    Xs, Xt : ndarray of shape (n, n_features)
        Source and target data.
    threshold : float, default=0.99
        Value of the SDM treated as "orthogonal".

    Returns
    -------
    d : int
        The chosen dimension, at least 1.
    """
    n_features = Xs.shape[1]
    max_components = max(1, min(n_features, Xs.shape[0] - 1, Xt.shape[0] - 1))
    _, Ps = pca_basis(Xs, max_components)
    _, Pt = pca_basis(Xt, max_components)
    _, Pst = pca_basis(np.vstack([Xs, Xt]), max_components)
    for d in range(1, max_components + 1):
        alpha = principal_angles(Ps[:, :d], Pst[:, :d])[-1]
        beta = principal_angles(Pt[:, :d], Pst[:, :d])[-1]
        if (np.sin(alpha) + np.sin(beta)) / 2 >= threshold:
            return max(1, d - 1)
    return max_components


def domain_subspaces(n_components, Xs, Xt, no_shift=False, default=None):
    """The PCA bases of both domains, for Subspace Alignment and GFK.

    Parameters
    ----------
    n_components : int, "sdm" or None
        Subspace dimension; ``"sdm"`` chooses it with
        :func:`select_subspace_dimension`; ``None`` is
        ``min(default, n_features)`` (the SDM choice when ``default`` is
        None too).
    Xs, Xt : ndarray of shape (n_source, d), (n_target, d)
        Source and target samples (float64).
    no_shift : bool, default=False
        When True the target is the source: its basis is the source's.

    Returns
    -------
    n_components : int
    source_mean, Ps : ndarray of shape (d,), (d, n_components)
    target_mean, Pt : ndarray of shape (d,), (d, n_components)
    """
    n_features = Xs.shape[1]
    if n_components is None and default is not None:
        n_components = min(int(default), n_features)
    if n_components is None or (
        isinstance(n_components, str) and n_components == "sdm"
    ):
        n_components = select_subspace_dimension(Xs, Xt)
    elif n_components > n_features:
        raise ValueError(
            f"n_components={n_components} must be at most the number of "
            f"features, {n_features}."
        )
    n_components = int(n_components)
    source_mean, Ps = pca_basis(Xs, n_components)
    if no_shift:
        target_mean, Pt = source_mean, Ps
    else:
        target_mean, Pt = pca_basis(Xt, n_components)
    return n_components, source_mean, Ps, target_mean, Pt
