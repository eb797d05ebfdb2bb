"""Joint Distribution Adaptation (Long, Wang, Ding, Sun and Yu, 2013)."""

from __future__ import annotations

import logging
import numbers

import numpy as np
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils._param_validation import HasMethods, Interval

from ..utils._mmd_embedding import (
    LowRankMMD,
    class_mmd_vectors,
    marginal_mmd_vector,
)
from ._tca import TCA_MAX_DENSE_SAMPLES, _MMDEmbeddingBase

__all__ = ["JDA"]

logger = logging.getLogger("transferkit")


class JDA(_MMDEmbeddingBase):
    """Joint Distribution Adaptation.

    TCA's marginal MMD plus one class-conditional MMD per class, with target
    pseudo-labels refined over ``n_iter`` rounds. Each round solves::

        min tr(Aᵀ P M Pᵀ A) + mu ‖A‖²   s.t.   Aᵀ P H Pᵀ A = I,
        M = (C M₀ + Σ_c M_c) / ‖C M₀ + Σ_c M_c‖_F,

    where ``P`` is the data (``kernel="primal"``) or the kernel matrix,
    ``M₀ = e eᵀ`` is the marginal MMD matrix, ``M_c`` matches the mean of
    source class ``c`` with the mean of the target rows pseudo-labelled ``c``
    and ``C`` is the number of classes. The first round has no pseudo-labels
    (it is TCA); after each round ``estimator`` is fitted on the embedded
    source and predicts the embedded target, giving the next round's
    pseudo-labels.

    Read more in the user guide, "TCA, JDA and BDA".

    Parameters
    ----------
    n_components : int, default=30
        Dimension of the embedding, clamped as in :class:`TCA`.
    mu : float, default=1.0
        Weight of the ``‖A‖²`` regulariser (the JDA paper's ``lambda``).
    kernel : {"primal", "linear", "rbf", "poly", "laplacian"}, default="primal"
        ``"primal"``: the linear projection of the authors' code, with
        samples L2-normalised before and after the projection; otherwise the
        kernel version (``P = K``), exact or with landmarks.
    n_iter : int, default=10
        Number of rounds (solves); the first uses no pseudo-labels.
    estimator : classifier, default=None
        Gives the target pseudo-labels: cloned and fitted on the embedded
        source each round. None means ``KNeighborsClassifier(n_neighbors=1)``,
        as in the paper.
    gamma : float, default=None
        Kernel coefficient, as in :class:`TCA`.
    degree : int, default=3
        Degree of the polynomial kernel.
    coef0 : float, default=1.0
        Independent term of the polynomial kernel.
    n_landmarks : int, default=None
        Nyström landmarks for the kernel version, as in :class:`TCA`.
    max_dense_samples : int or None, default=5000
        Size limit of the exact kernel path, as in :class:`TCA`.
    random_state : int, RandomState instance or None, default=None
        Seed of the landmark draw and of the median heuristic's subset.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Source class labels (any values).
    pseudo_labels_ : ndarray of shape (n_target,)
        Target pseudo-labels after the last round (the predictions of
        ``estimator_`` on the embedded target).
    estimator_ : classifier
        ``estimator`` fitted on the final source embedding; predict target
        labels with ``jda.estimator_.predict(jda.transform(Xt))``.
    n_components_, components_, eigenvalues_, gamma_, landmark_indices_, \
embedding_, n_features_in_, feature_names_in_ :
        As in :class:`TCA`.

    See Also
    --------
    TCA : The marginal term alone.
    BDA : Balances the marginal and the conditional terms.

    Notes
    -----
    As in the authors' code (the source of the published Office-Caltech
    numbers): ``M₀`` is multiplied by the number of classes ``C`` and ``M``
    is divided by its Frobenius norm; the paper writes the plain sum. The
    marginal term is present in every round (a popular script overwrites it
    inside the class loop). A class with no source row or no pseudo-labelled
    target row contributes no conditional term (the authors' code keeps a
    one-sided term). Labels may take any values.

    The eigenvectors have unit Euclidean norm (see :class:`TCA`). ``Xt=None``
    (no shift) makes every MMD term vanish: one solve, i.e. PCA of the
    source, and ``pseudo_labels_`` are ``estimator_``'s predictions on the
    embedded source.

    **At its defaults against no adaptation** (the same classifier
    without JDA, mean over each family's tasks, points; ``python -m
    transferkit benchmark selection --protocol leave-one-family-out``,
    ``benchmarks/results/selection_lofo.md``, 8 families): below it in 2
    of 8 family/classifier cells: synthetic shifts with 1NN (-0.8);
    waste photos with 1NN (-4.5). Elsewhere at or above it.

    References
    ----------
    .. [1] M. Long, J. Wang, G. Ding, J. Sun and P. S. Yu, "Transfer feature
       learning with joint distribution adaptation", ICCV 2013.

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.feature import JDA
    >>> Xs, ys, Xt, yt = make_domain_shift("affine", n_features=5, random_state=0)
    >>> jda = JDA(n_components=3, n_iter=3).fit(Xs, ys, Xt=Xt)
    >>> jda.transform(Xt).shape
    (500, 3)
    >>> jda.pseudo_labels_.shape
    (500,)
    """

    _parameter_constraints: dict = {
        **_MMDEmbeddingBase._parameter_constraints,
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "estimator": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(
        self,
        n_components=30,
        mu=1.0,
        kernel="primal",
        n_iter=10,
        estimator=None,
        gamma=None,
        degree=3,
        coef0=1.0,
        n_landmarks=None,
        max_dense_samples=TCA_MAX_DENSE_SAMPLES,
        random_state=None,
    ):
        self.n_components = n_components
        self.mu = mu
        self.kernel = kernel
        self.n_iter = n_iter
        self.estimator = estimator
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.n_landmarks = n_landmarks
        self.max_dense_samples = max_dense_samples
        self.random_state = random_state

    def _make_estimator(self):
        if self.estimator is None:
            return KNeighborsClassifier(n_neighbors=1)
        return clone(self.estimator)

    def _mmd_matrix(self, marginal, y, pseudo_labels, Zs, Zt):
        """The round's MMD matrix, Frobenius-normalised (see the Notes)."""
        n_classes = len(self.classes_)
        if pseudo_labels is None:
            return LowRankMMD.combine((marginal, n_classes)).normalised()
        conditional = class_mmd_vectors(y, pseudo_labels, self.classes_)
        return LowRankMMD.combine(
            (marginal, n_classes), (conditional, 1.0)
        ).normalised()

    def _fit(self, X, y=None, Xt=None, yt=None):
        self._check_params()
        data = self._validate_fit_data(
            X, y, Xt, yt, require_y=True, task="classification"
        )
        dtype = data.X.dtype
        y = data.y
        self.classes_ = np.unique(y)
        X_all = self._stack(data)
        problem = self._prepare_problem(X_all)
        n_source = data.n_source
        self._start_rounds()

        if data.no_shift:
            mmd = LowRankMMD.combine((np.zeros((n_source, 0)), 0.0))
            Z = self._solve(problem, mmd)
            self.estimator_ = self._make_estimator().fit(Z, y)
            self.pseudo_labels_ = self.estimator_.predict(Z)
            return np.asarray(Z, dtype=dtype)

        marginal = marginal_mmd_vector(n_source, data.n_target)
        pseudo_labels = None
        Zs = Zt = None
        for round_ in range(self.n_iter):
            mmd = self._mmd_matrix(marginal, y, pseudo_labels, Zs, Zt)
            Z = self._solve(problem, mmd)
            Zs, Zt = Z[:n_source], Z[n_source:]
            estimator = self._make_estimator().fit(Zs, y)
            pseudo_labels = estimator.predict(Zt)
            logger.debug(
                "%s round %d/%d done", type(self).__name__, round_ + 1, self.n_iter
            )
        self.estimator_ = estimator
        self.pseudo_labels_ = pseudo_labels
        return np.asarray(Zs, dtype=dtype)

    def _start_rounds(self):
        """Hook for subclasses: reset per-fit round records."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
