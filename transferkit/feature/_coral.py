"""CORrelation ALignment (CORAL)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import TransferTransformerMixin
from ..utils.subspace import covariance, symmetric_power

__all__ = ["CORAL"]


class CORAL(TransferTransformerMixin, BaseEstimator):
    """CORrelation ALignment: recolour the source with the target covariance.

    The source features are whitened with their own regularised covariance,
    then re-coloured with the regularised covariance of the target:

    ``C_s = cov(X_s) + reg * I``, ``C_t = cov(X_t) + reg * I``,
    ``X_s <- X_s C_s^{-1/2} C_t^{1/2}``.

    A classifier trained on the recoloured source is then applied to the
    target data *as it is*: ``fit_transform`` returns the recoloured source,
    ``transform`` returns (a validated copy of) its input.

    Parameters
    ----------
    reg : float, default=1.0
        The ``λ`` added to the diagonal of both covariance matrices (the
        paper uses 1 on z-scored features). ``reg=0`` is allowed; singular
        directions of a covariance are then treated as in a pseudo-inverse.

    Attributes
    ----------
    transformation_ : ndarray of shape (n_features, n_features)
        The recolouring map ``A = C_s^{-1/2} C_t^{1/2}``; the source becomes
        ``X_s @ A``. The identity when fitted without ``Xt``.
    source_covariance_ : ndarray of shape (n_features, n_features)
        ``C_s``, the regularised source covariance.
    target_covariance_ : ndarray of shape (n_features, n_features)
        ``C_t``, the regularised target covariance.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when ``X`` has string column names.

    See Also
    --------
    SubspaceAlignment : Aligns PCA bases instead of full covariances.

    Notes
    -----
    Covariances use the unbiased normalisation ``1 / (n - 1)`` (``ddof=1``,
    as ``np.cov`` and the authors' MATLAB ``cov``). The map satisfies
    ``A.T @ C_s @ A = C_t`` exactly. Hence, with ``reg=0`` and a full-rank
    source covariance, the covariance of the recoloured source (with the same
    ``ddof``) *is* the target covariance; with ``reg > 0`` it is
    ``C_t - reg * A.T @ A``, i.e. the recoloured source's covariance plus the
    regulariser carried through the same map equals ``C_t``. Any ``ddof`` gives
    the same identities as long as both domains and the check use the same one;
    the choice only rescales ``C_s`` and ``C_t`` relative to ``reg``.

    As in the paper, the source is *not* re-centred on the target mean: CORAL
    aligns second-order statistics only, and is meant for features that were
    centred (z-scored) within each domain beforehand, e.g. by a
    :class:`~sklearn.preprocessing.StandardScaler` step before it in a
    :func:`~transferkit.pipeline.make_transfer_pipeline` (the scaler is fitted
    on the source; standardise each domain yourself to follow the paper).

    Matrix square roots are computed with a symmetric eigendecomposition
    (``scipy.linalg.eigh``), never ``scipy.linalg.sqrtm``. Sparse input is
    accepted: the covariance is formed without densifying ``X``, and the
    recoloured source is dense. The cost is ``O(n d^2 + d^3)`` time and
    ``O(d^2)`` memory. Computations run in float64; the output keeps the
    input's floating dtype (float32 stays float32).

    **At its defaults against no adaptation** (the same classifier
    without CORAL, mean over each family's tasks, points; ``python -m
    transferkit benchmark selection --protocol leave-one-family-out``,
    ``benchmarks/results/selection_lofo.md``, 8 families): below it in
    16 of 32 family/classifier cells: synthetic shifts with 1NN (-0.1);
    ants vs bees with 1NN (-0.9); synthetic shifts with SVM linear
    (-0.9); ants vs bees with SVM linear (-3.4); textures with SVM
    linear (-3.8); waste photos with SVM linear (-0.5); Office-Caltech
    SURF with LR (-0.8); synthetic shifts with LR (-1.1); 20 Newsgroups
    with LR (-0.3); ants vs bees with LR (-2.6); textures with LR
    (-4.0); waste photos with LR (-2.5); Office-Caltech SURF with SVC
    rbf (-2.3); ants vs bees with SVC rbf (-2.8); textures with SVC rbf
    (-7.2); waste photos with SVC rbf (-5.5). Elsewhere at or above it.

    References
    ----------
    .. [1] B. Sun, J. Feng and K. Saenko. "Return of Frustratingly Easy Domain
       Adaptation". AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.feature import CORAL
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(200, 3))
    >>> Xt = rng.normal(size=(300, 3)) @ np.diag([1.0, 3.0, 0.5])
    >>> coral = CORAL(reg=0.0)
    >>> Xs_new = coral.fit_transform(Xs, Xt=Xt)
    >>> bool(np.allclose(np.cov(Xs_new.T), np.cov(Xt.T)))
    True
    >>> bool(np.array_equal(coral.transform(Xt), Xt))
    True
    """

    _parameter_constraints: dict = {
        "reg": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, reg=1.0):
        self.reg = reg

    def _fit(self, X, y=None, Xt=None, yt=None):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        data = self._check_source_target(X, y, Xt, yt, accept_sparse=["csr", "csc"])
        n_features = data.X.shape[1]
        reg_identity = self.reg * np.eye(n_features)
        self.source_covariance_ = covariance(data.X) + reg_identity
        if data.no_shift:
            self.target_covariance_ = self.source_covariance_.copy()
            self.transformation_ = np.eye(n_features)
        else:
            self.target_covariance_ = covariance(data.Xt) + reg_identity
            self.transformation_ = symmetric_power(
                self.source_covariance_, -0.5
            ) @ symmetric_power(self.target_covariance_, 0.5)
        recoloured = data.X @ self.transformation_
        return np.asarray(recoloured, dtype=data.X.dtype)

    def transform(self, X):
        """Return the target-domain samples unchanged (validated copy).

        CORAL moves the source towards the target, so target data needs no
        mapping. The input is validated (number of features, finite values)
        and copied.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        X_new : {ndarray, sparse matrix} of shape (n_samples, n_features)
            A copy of ``X`` in a floating dtype.
        """
        check_is_fitted(self)
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            copy=True,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
