"""Importance weights from a probabilistic domain classifier."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state

from ._base import BaseReweighting, DensityRatioMixin

__all__ = ["DiscriminativeReweighting"]

_CALIBRATIONS = ("sigmoid", "isotonic", None)


class DiscriminativeReweighting(DensityRatioMixin, BaseReweighting):
    """Importance weights from a calibrated source-vs-target classifier.

    A probabilistic classifier ``domain_estimator`` learns to tell target
    (label 1) from source (label 0) samples; by Bayes' rule

    .. math::

        w(x) = \\frac{p_t(x)}{p_s(x)} = \\frac{n_s}{n_t}
        \\frac{P(t \\mid x)}{P(s \\mid x)}.

    The ratio is clipped at ``clip``, normalised to mean 1 on the source,
    and a clone of ``estimator`` is fitted on the source with those weights.

    Parameters
    ----------
    estimator : estimator object, default=None
        Fitted with ``sample_weight``; ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression` (pass a regressor
        such as ``Ridge()`` for regression).
    domain_estimator : classifier, default=None
        The domain classifier; ``None`` means ``LogisticRegression()``. It
        needs ``predict_proba`` (or ``decision_function`` when calibrated).
    clip : float or None, default=20.0
        Upper bound of the unnormalised ratio ``w(x)`` (before the division
        by the source mean); ``None`` disables it. The clip caps the
        influence of the few source points that look most like the target.
    calibration : {"sigmoid", "isotonic"} or None, default="sigmoid"
        Calibrate the domain probabilities with
        :class:`~sklearn.calibration.CalibratedClassifierCV` (``cv`` folds,
        stratified and shuffled with ``random_state``); ``None`` uses the
        raw ``predict_proba`` of a classifier fitted on all the data.
    cv : int, default=5
        Folds of the calibration (reduced to the size of the smaller domain
        when needed).
    random_state : int, RandomState instance or None, default=None
        Seeds the calibration folds (and the domain classifier, when it has
        a ``random_state`` left at None it is not changed).

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        Normalised weights of the source samples (mean 1).
    effective_sample_size_ : float
        Kish's effective sample size of ``weights_``; below
        ``LOW_ESS_FRACTION`` (0.1) of the source size a
        ``LowEffectiveSampleSizeWarning`` is emitted.
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers only).
    domain_estimator_ : classifier
        The fitted (calibrated) domain classifier.
    normalizer_ : float
        Source mean of the clipped ratio; ``predict_weights`` divides by it.
    no_shift_ : bool
        True when fitted with ``Xt=None`` (all weights 1).
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    KMM, KLIEP, ULSIF

    Notes
    -----
    Calibration is by cross-fitting inside ``CalibratedClassifierCV``: each
    fold's classifier is calibrated on the fold it did not see, and the
    probabilities are the average over folds. The training source points
    are scored by that same averaged model, so ``predict_weights`` on the
    training source reproduces ``weights_``. Under no shift every weight
    is 1 and no domain classifier is fitted.

    References
    ----------
    S. Bickel, M. Brückner, T. Scheffer. "Discriminative Learning Under
    Covariate Shift". JMLR 10, 2009. B. Zadrozny. "Learning and Evaluating
    Classifiers under Sample Selection Bias". ICML 2004.

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.instance import DiscriminativeReweighting
    >>> Xs, ys, Xt, yt = make_domain_shift("covariate", random_state=0)
    >>> model = DiscriminativeReweighting(random_state=0).fit(Xs, ys, Xt)
    >>> round(float(model.weights_.mean()), 6)
    1.0
    """

    def __init__(
        self,
        estimator=None,
        *,
        domain_estimator=None,
        clip=20.0,
        calibration="sigmoid",
        cv=5,
        random_state=None,
    ):
        self.estimator = estimator
        self.domain_estimator = domain_estimator
        self.clip = clip
        self.calibration = calibration
        self.cv = cv
        self.random_state = random_state

    def _check_params(self):
        if self.clip is not None and (
            not isinstance(self.clip, numbers.Real) or self.clip <= 0
        ):
            raise ValueError(
                f"clip must be a positive number or None, got {self.clip!r}."
            )
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(
                f"calibration must be one of {_CALIBRATIONS}, got {self.calibration!r}."
            )
        if not isinstance(self.cv, numbers.Integral) or self.cv < 2:
            raise ValueError(f"cv must be an integer >= 2, got {self.cv!r}.")

    def _no_shift_weights(self, X):
        self._check_params()
        return super()._no_shift_weights(X)

    def _learn_weights(self, X, Xt):
        self._check_params()
        rng = check_random_state(self.random_state)
        n_s, n_t = X.shape[0], Xt.shape[0]
        domain = (
            LogisticRegression()
            if self.domain_estimator is None
            else clone(self.domain_estimator)
        )
        Z = np.vstack([X, Xt])
        d = np.r_[np.zeros(n_s, dtype=int), np.ones(n_t, dtype=int)]
        n_splits = min(int(self.cv), n_s, n_t)
        if self.calibration is not None and n_splits >= 2:
            folds = StratifiedKFold(
                n_splits, shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max)
            )
            domain = CalibratedClassifierCV(domain, method=self.calibration, cv=folds)
        domain.fit(Z, d)
        self.domain_estimator_ = domain
        self._prior_ratio = n_s / n_t
        raw = self._raw_ratio(X)
        self.normalizer_ = float(raw.mean())
        if not self.normalizer_ > 0:
            raise ValueError(
                "DiscriminativeReweighting: the domain classifier gives every "
                "source sample a target probability of 0."
            )
        return raw / self.normalizer_

    def _raw_ratio(self, X):
        proba = self.domain_estimator_.predict_proba(X)
        column = int(np.flatnonzero(self.domain_estimator_.classes_ == 1)[0])
        p_target = np.clip(proba[:, column], 0.0, 1.0)
        p_source = np.maximum(1.0 - p_target, np.finfo(np.float64).tiny)
        ratio = self._prior_ratio * p_target / p_source
        if self.clip is not None:
            ratio = np.minimum(ratio, float(self.clip))
        return ratio

    def _ratio(self, X):
        return self._raw_ratio(X) / self.normalizer_
