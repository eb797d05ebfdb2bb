"""The shared base of the reweighting meta-estimators (KMM, KLIEP, uLSIF, ...).

A reweighting method learns one weight per source sample so that the
weighted source resembles the target, then fits a clone of the user's
``estimator`` on the source with ``sample_weight`` equal to those weights.
Subclasses only implement ``_learn_weights``.
"""

from __future__ import annotations

import warnings
from copy import deepcopy

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import TransferMixin, _caller_stacklevel
from ..exceptions import LowEffectiveSampleSizeWarning
from ..utils.kernels import median_heuristic_gamma
from ..utils.validation import check_sample_weight_support

__all__ = [
    "BaseReweighting",
    "DensityRatioMixin",
    "LOW_ESS_FRACTION",
    "effective_sample_size",
    "gamma_candidates",
]

#: A reweighter warns (:class:`~transferkit.exceptions.LowEffectiveSampleSizeWarning`)
#: when its weights' effective sample size is below this fraction of the
#: number of source samples.
LOW_ESS_FRACTION = 0.1


def effective_sample_size(weights):
    """Kish's effective sample size ``(sum w)**2 / sum(w**2)``.

    It equals ``n`` for uniform weights and shrinks as the weights
    concentrate on few samples: a weighted fit is roughly as reliable as an
    unweighted fit on that many samples.

    Parameters
    ----------
    weights : array-like of shape (n_samples,)
        Non-negative weights.

    Returns
    -------
    ess : float

    Examples
    --------
    >>> from transferkit.instance import effective_sample_size
    >>> effective_sample_size([1.0, 1.0, 1.0, 1.0])
    4.0
    >>> effective_sample_size([4.0, 0.0, 0.0, 0.0])
    1.0
    """
    w = np.asarray(weights, dtype=np.float64)
    denominator = float(w @ w)
    if denominator == 0.0:
        return 0.0
    return float(w.sum() ** 2 / denominator)


def _estimator_has(attr):
    """The wrapped estimator (fitted if available, else the given one) has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._get_estimator(), attr)

    return check


class BaseReweighting(TransferMixin, MetaEstimatorMixin, BaseEstimator):
    """Base class: learn source weights, fit ``estimator`` with them.

    The meta-estimator takes the type of the estimator it wraps: with the
    default :class:`~sklearn.linear_model.LogisticRegression` it is a
    classifier, with a regressor (``estimator=Ridge()``) it is a regressor
    (``sklearn.base.is_classifier`` and ``is_regressor`` follow).

    Under no shift (``Xt=None``) the target is the source and every weight
    is 1 (the true density ratio), so the fit equals the unweighted fit.

    Every reweighter sets ``effective_sample_size_``, Kish's
    ``(sum w)^2 / sum w^2`` of its weights, and warns
    (:class:`~transferkit.exceptions.LowEffectiveSampleSizeWarning`) when it
    is below ``LOW_ESS_FRACTION`` (0.1) times the number of source samples:
    the weighted fit then rests on few samples.
    """

    _default_estimator = LogisticRegression

    def _get_estimator(self):
        if self.estimator is None:
            return self._default_estimator()
        return self.estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._get_estimator())
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.target_tags.required = True
        tags.input_tags.sparse = False
        return tags

    def _task(self):
        estimator_type = get_tags(self._get_estimator()).estimator_type
        if estimator_type == "classifier":
            return "classification"
        if estimator_type == "regressor":
            return "regression"
        return None

    # -- to implement -----------------------------------------------------
    def _learn_weights(self, X, Xt, random_state):
        """Learn the weights of the source ``X`` given target ``Xt``.

        Returns an array of shape ``(n_source,)``. Called only when a target
        is given (under no shift the base class sets all weights to 1).
        """
        raise NotImplementedError

    def _no_shift_weights(self, X):
        """Set up the state for ``Xt=None`` and return the all-ones weights."""
        return np.ones(X.shape[0])

    # -- public API -------------------------------------------------------
    def _validate_and_weigh(self, X, y, Xt, require_y=False):
        data = self._check_source_target(
            X,
            y,
            Xt,
            task=self._task() if y is not None else None,
            require_y=require_y,
            # a classifier needs two classes: say so before the weights are
            # learnt, not after, from inside the wrapped estimator
            min_classes=2,
        )
        if data.no_shift:
            self.no_shift_ = True
            weights = self._no_shift_weights(data.X)
        else:
            self.no_shift_ = False
            weights = np.asarray(self._learn_weights(data.X, data.Xt), dtype=np.float64)
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(
                f"{type(self).__name__} produced invalid weights (negative or not "
                "finite); check the kernel width and the data scale."
            )
        if weights.sum() <= 0:
            raise ValueError(
                f"{type(self).__name__} gave every source sample a weight of 0: "
                "the source and target supports do not overlap at this kernel "
                "width. Try a wider kernel (smaller gamma)."
            )
        self.weights_ = weights
        self.effective_sample_size_ = effective_sample_size(weights)
        n_source = weights.shape[0]
        if self.effective_sample_size_ < LOW_ESS_FRACTION * n_source:
            warnings.warn(
                f"{type(self).__name__}'s weights concentrate on few source "
                f"samples: effective sample size {self.effective_sample_size_:.1f}"
                f" of {n_source} (below {LOW_ESS_FRACTION:.0%}). The weighted fit "
                "may transfer negatively; check the kernel width (and B for "
                "KMM), or compare with the unweighted fit.",
                LowEffectiveSampleSizeWarning,
                stacklevel=_caller_stacklevel(),
            )
        return data

    def fit_weights(self, X, Xt=None):
        """Learn and return the source weights alone (no estimator is fitted).

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Target features; ``None`` means no shift (all weights 1).

        Returns
        -------
        weights : ndarray of shape (n_source,)
            The source weights, also stored as ``weights_``.
        """
        self._validate_and_weigh(X, None, Xt)
        return self.weights_

    def fit(self, X, y=None, Xt=None):
        """Learn the source weights, then fit ``estimator`` with them.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,)
            Source targets (required).
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Unlabelled target features; ``None`` means no shift.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        estimator = clone(self._get_estimator())
        check_sample_weight_support(estimator, type(self).__name__)
        data = self._validate_and_weigh(X, y, Xt, require_y=True)
        estimator.fit(data.X, data.y, sample_weight=self.weights_)
        self.estimator_ = estimator
        if hasattr(estimator, "classes_"):
            self.classes_ = estimator.classes_
        return self

    def _check_X(self, X):
        check_is_fitted(self, "estimator_")
        return validate_data(self, X, reset=False, dtype=None)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the fitted, reweighted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, usually from the target domain.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X(X)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X(X)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._check_X(X)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of the fitted estimator (accuracy or R², as it defines).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        X = self._check_X(X)
        return self.estimator_.score(X, y, sample_weight=sample_weight)


def gamma_candidates(gamma, X, Xt, random_state, *, n_grid=9):
    """The RBF widths a cross-validated density-ratio method tries.

    ``"auto"``: ``n_grid`` values spaced by factors of 2 around the median
    heuristic of the pooled data (``gamma0 / 16`` to ``16 * gamma0`` for
    the default 9). A number: that value alone. A list: those values.
    """
    if isinstance(gamma, str):
        if gamma != "auto":
            raise ValueError(
                f"gamma must be 'auto', a number or a list, got {gamma!r}."
            )
        center = median_heuristic_gamma(X, Xt, random_state=random_state)
        half = n_grid // 2
        return center * 2.0 ** np.arange(-half, n_grid - half)
    values = np.atleast_1d(np.asarray(gamma, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or np.any(~(values > 0)):
        raise ValueError(
            f"gamma must be 'auto', a positive number or a list of them, got {gamma!r}."
        )
    return values


class DensityRatioMixin:
    """Out-of-sample weights ``predict_weights`` for density-ratio methods.

    Subclasses implement ``_ratio(X)`` on validated input; under no shift
    every weight is 1.
    """

    def predict_weights(self, X):
        """Estimated importance weights of new samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples (usually source-domain) to weigh.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            The fitted density-ratio model at ``X``; on the training source
            it reproduces ``weights_``.
        """
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, reset=False)
        if self.no_shift_:
            return np.ones(X.shape[0])
        return self._ratio(X)
