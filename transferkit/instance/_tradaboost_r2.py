"""TrAdaBoost.R2 (Pardoe and Stone, ICML 2010)."""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from ..base import LabelledTargetMixin
from ..utils._boosting import (
    LOSSES,
    adjusted_errors,
    fit_weighted,
    stack_rows,
    vote_start,
    weighted_median,
)
from ..utils.validation import check_sample_weight_support

__all__ = ["TrAdaBoostRegressor"]

logger = logging.getLogger("transferkit")

#: ``epsilon_t = 0`` (a learner exact on the labelled target) is clamped to this.
ERROR_FLOOR = 1e-10

_ACCEPT_SPARSE = ["csr", "csc"]


def _default_regressor():
    return DecisionTreeRegressor(max_depth=3)


class TrAdaBoostRegressor(LabelledTargetMixin, RegressorMixin, BaseEstimator):
    """TrAdaBoost.R2: TrAdaBoost for regression, with AdaBoost.R2's errors.

    Each round fits the learner on the source and the labelled target data
    with a weight distribution, measures every sample's error relative to the
    largest error of the round, lowers the weight of badly predicted source
    samples and raises that of badly predicted target samples. The prediction
    is the weighted median of the second half of the learners.

    Parameters
    ----------
    estimator : regressor, default=None
        The base learner; its ``fit`` must accept ``sample_weight``.
        ``None`` means ``DecisionTreeRegressor(max_depth=3)``, the learner of
        scikit-learn's ``AdaBoostRegressor``: boosting needs a learner that
        bends to the reweighted data, and a shallow tree does so cheaply.
    n_estimators : int, default=50
        Number of boosting rounds ``N``.
    loss : {"linear", "square", "exponential"}, default="linear"
        The transform of the relative error ``u = |h(x_i) - y_i| / D``:
        ``u``, ``u**2`` or ``1 - exp(-u)``.
    random_state : int, RandomState instance or None, default=None
        Seeds the ``random_state`` of every learner.
    verbose : bool, default=False
        Show a progress bar over the rounds.

    Attributes
    ----------
    estimators_ : list of regressors
        The ``N`` fitted learners.
    estimator_errors_ : ndarray of shape (n_estimators,)
        ``epsilon_t``: the weighted mean adjusted error on the labelled target
        samples (before any clamp).
    estimator_weights_ : ndarray of shape (n_estimators,)
        ``ln(1 / beta_t)`` (0 for a learner with ``epsilon_t >= 1/2``).
    vote_start_ : int
        0-based index of the first learner of the weighted median,
        ``ceil(N/2) - 1``.
    beta_ : float
        The source factor ``1 / (1 + sqrt(2 ln(n) / N))``.
    source_weights_ : ndarray of shape (n_source,)
        Source weights after the last round (all weights sum to one).
    target_weights_ : ndarray of shape (n_target,)
        Target weights after the last round.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.

    See Also
    --------
    TwoStageTrAdaBoostRegressor : the two-stage version, which avoids
        TrAdaBoost.R2's fast loss of source weight.
    TrAdaBoostClassifier : the classification version.

    Notes
    -----
    With ``n`` source and ``m`` target samples, round ``t`` (Pardoe & Stone,
    2010, Algorithm 2) fits the learner with the normalised weights (passed
    as ``sample_weight`` with mean one), computes the adjusted errors
    ``e_i = L(|h_t(x_i) - y_i| / D_t)`` with ``D_t`` the largest absolute
    error over source and target, ``epsilon_t = sum_target w_i e_i /
    sum_target w_i``, ``beta_t = epsilon_t / (1 - epsilon_t)``, then
    multiplies source weights by ``beta ** e_i`` and target weights by
    ``beta_t ** -e_i``. The output is the weighted median of
    ``h_t(x)`` for ``t = ceil(N/2), ..., N`` with weights ``ln(1 / beta_t)``.

    As in :class:`TrAdaBoostClassifier`, ``epsilon_t = 0`` is clamped to
    ``1e-10`` (a large finite vote) and ``epsilon_t >= 1/2`` gives
    ``beta_t = 1`` (vote 0, target weights unchanged, source weights still
    updated) instead of stopping. If every voting learner has vote 0 they
    vote with equal weights.

    Without target data (``Xt=None``) the target is the source and there is
    no separate source part.

    References
    ----------
    D. Pardoe and P. Stone. "Boosting for regression transfer". ICML 2010.

    H. Drucker. "Improving regressors using boosting techniques". ICML 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.instance import TrAdaBoostRegressor
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.uniform(-3, 3, size=(200, 1)); ys = np.sin(Xs[:, 0])
    >>> Xt = rng.uniform(-3, 3, size=(20, 1)); yt = np.sin(Xt[:, 0]) + 0.3
    >>> reg = TrAdaBoostRegressor(n_estimators=10, random_state=0)
    >>> reg.fit(Xs, ys, Xt, yt).predict(Xt[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "random_state": ["random_state"],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        estimator=None,
        n_estimators=50,
        loss="linear",
        random_state=None,
        verbose=False,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.loss = loss
        self.random_state = random_state
        self.verbose = verbose

    def _base_estimator(self):
        return _default_regressor() if self.estimator is None else self.estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self._base_estimator()).input_tags.sparse
        return tags

    def fit(self, X, y, Xt=None, yt=None):
        """Fit on the source ``(X, y)`` and the labelled target ``(Xt, yt)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,)
            Source targets.
        Xt : {array-like, sparse matrix} of shape (n_target, n_features) or \
tuple of arrays, default=None
            Labelled target features. ``None``: the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target values; required when ``Xt`` is given.

        Returns
        -------
        self : TrAdaBoostRegressor
            The fitted estimator.
        """
        self._validate_params()
        data = self._check_source_target(
            X,
            y,
            Xt,
            yt,
            task="regression",
            require_y=True,
            require_yt=True,
            accept_sparse=_ACCEPT_SPARSE,
        )
        base = self._base_estimator()
        check_sample_weight_support(base, type(self).__name__)
        if data.no_shift:
            X_all, y_all, n_source = data.X, np.asarray(data.y, dtype=float), 0
        else:
            X_all = stack_rows(data.X, data.Xt)
            y_all = np.concatenate([data.y, data.yt]).astype(float)
            n_source = data.X.shape[0]
        n_all = y_all.shape[0]
        N = self.n_estimators
        rng = check_random_state(self.random_state)
        self.beta_ = (
            1.0 / (1.0 + math.sqrt(2.0 * math.log(n_source) / N))
            if n_source >= 1
            else 1.0
        )
        weights = np.full(n_all, 1.0 / n_all)
        self.estimators_ = []
        errors = np.empty(N)
        votes = np.empty(N)
        for t in tqdm(range(N), disable=not self.verbose, desc="TrAdaBoost.R2"):
            distribution = weights / weights.sum()
            learner = fit_weighted(base, X_all, y_all, distribution, rng)
            e = adjusted_errors(np.abs(learner.predict(X_all) - y_all), self.loss)
            target_p = distribution[n_source:]
            epsilon = float(target_p @ e[n_source:] / target_p.sum())
            errors[t] = epsilon
            if epsilon >= 0.5:
                vote = 0.0
            else:
                clamped = max(epsilon, ERROR_FLOOR)
                vote = math.log((1.0 - clamped) / clamped)
            votes[t] = vote
            logger.debug("TrAdaBoost.R2 round %d: epsilon=%.4g", t, epsilon)
            weights = distribution.copy()
            weights[:n_source] *= self.beta_ ** e[:n_source]
            weights[n_source:] *= np.exp(vote * e[n_source:])
            weights /= weights.sum()
            self.estimators_.append(learner)
        self.estimator_errors_ = errors
        self.estimator_weights_ = votes
        self.vote_start_ = vote_start(N)
        self.source_weights_ = weights[:n_source].copy()
        self.target_weights_ = weights[n_source:].copy()
        return self

    def _learner_predictions(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=_ACCEPT_SPARSE)
        return np.column_stack([h.predict(X) for h in self.estimators_])

    def _median(self, predictions, stop):
        start = vote_start(stop)
        weights = self.estimator_weights_[start:stop]
        if weights.sum() <= 0:
            weights = np.ones_like(weights)
        return weighted_median(predictions[:, start:stop], weights)

    def predict(self, X):
        """Weighted median of the voting learners' predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        return self._median(self._learner_predictions(X), len(self.estimators_))

    def staged_predict(self, X):
        """Predictions after each round, as if the fit had stopped there.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Yields
        ------
        y_pred : ndarray of shape (n_samples,)
            The weighted median of learners ``ceil(t/2) .. t`` after round t.
        """
        predictions = self._learner_predictions(X)
        for stop in range(1, len(self.estimators_) + 1):
            yield self._median(predictions, stop)
