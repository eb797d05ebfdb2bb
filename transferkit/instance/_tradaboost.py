"""TrAdaBoost (Dai, Yang, Xue and Yu, ICML 2007)."""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from ..base import LabelledTargetMixin
from ..utils._boosting import fit_weighted, stack_rows, vote_start
from ..utils.validation import check_sample_weight_support

__all__ = ["TrAdaBoostClassifier"]

logger = logging.getLogger("transferkit")

#: A learner that makes no mistake on the labelled target gets
#: ``epsilon_t = ERROR_FLOOR`` instead of 0, i.e. a large but finite vote.
ERROR_FLOOR = 1e-10

_ACCEPT_SPARSE = ["csr", "csc"]


class TrAdaBoostClassifier(LabelledTargetMixin, ClassifierMixin, BaseEstimator):
    """TrAdaBoost: boosting with a few labelled target samples.

    Each round fits the learner on the source and the labelled target data
    together, with a weight distribution. Source samples that the learner gets
    wrong lose weight (they look unlike the target), target samples that it
    gets wrong gain weight (as in AdaBoost). The prediction is a weighted vote
    of the second half of the learners.

    For two classes this is exactly Algorithm 1 of Dai et al. (2007), see
    Notes; more classes use a documented SAMME-style extension.

    Parameters
    ----------
    estimator : classifier, default=None
        The base learner; its ``fit`` must accept ``sample_weight`` (else a
        ``TypeError`` is raised; no bootstrap is ever used instead). ``None``
        means ``LogisticRegression()``: a linear model, like the SVM of the
        paper, that is deterministic, fast and accepts sparse input.
    n_estimators : int, default=50
        Number of boosting rounds ``N``.
    random_state : int, RandomState instance or None, default=None
        Seeds the ``random_state`` of every learner (each round gets its own
        integer seed drawn from this generator).
    verbose : bool, default=False
        Show a progress bar over the rounds.

    Attributes
    ----------
    estimators_ : list of classifiers
        The ``N`` fitted learners, in order.
    estimator_errors_ : ndarray of shape (n_estimators,)
        ``epsilon_t``, the weighted 0-1 error of each learner on the labelled
        target samples (before any clamp, see Notes).
    estimator_weights_ : ndarray of shape (n_estimators,)
        ``ln(1 / beta_t)``, the vote of each learner (0 for a learner with
        ``epsilon_t >= 1 - 1/K``). Only the learners from ``vote_start_`` on
        vote in :meth:`predict`.
    vote_start_ : int
        0-based index of the first voting learner, ``ceil(N/2) - 1``.
    beta_ : float
        The source factor ``beta = 1 / (1 + sqrt(2 ln(n) / N))``, ``n`` the
        number of source samples (1.0 when there is no separate source).
    source_weights_ : ndarray of shape (n_source,)
        The weights of the source samples after the last round (the whole
        weight vector, source and target, sums to one). Empty under no shift.
    target_weights_ : ndarray of shape (n_target,)
        The weights of the labelled target samples after the last round.
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``y`` and ``yt``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoostRegressor : TrAdaBoost.R2, the regression version.

    Notes
    -----
    With ``n`` source samples, ``m`` labelled target samples and ``N`` rounds,
    the weights start uniform over the ``n + m`` samples. Round ``t``:

    1. normalise the weights to a distribution ``p_t``;
    2. fit the learner on source and target with ``p_t`` (passed as
       ``sample_weight = (n + m) p_t``, the same distribution with mean one,
       so that a regularised learner keeps its usual strength);
    3. ``epsilon_t`` = weighted 0-1 error of the learner on the target part;
    4. ``beta_t = epsilon_t / (1 - epsilon_t)`` and
       ``beta = 1 / (1 + sqrt(2 ln(n) / N))`` (the logarithm of ``n`` divided
       by ``N``, not the logarithm of ``n / N``);
    5. misclassified source weights are multiplied by ``beta``, misclassified
       target weights by ``1 / beta_t``.

    Prediction for two classes is the paper's rule: the positive class
    ``classes_[1]`` when ``prod_t beta_t^(-h_t(x)) >= prod_t beta_t^(-1/2)``
    over ``t = ceil(N/2), ..., N``, that is, when the learners voting for it
    hold at least half of the total vote ``sum_t ln(1 / beta_t)``.

    Two cases the paper leaves open, handled here explicitly:

    - ``epsilon_t = 0`` is clamped to ``1e-10`` (``ERROR_FLOOR``): the learner
      gets a large, finite vote (about 23) instead of an infinite one, and the
      fit goes on (no target weight changes; the misclassified source samples
      still fade).
    - ``epsilon_t >= 1/2`` (the paper assumes ``epsilon_t < 1/2``) gives
      ``beta_t = 1``: the learner gets vote 0 and the target weights stay as
      they are, while the source weights are still updated, so the next
      learner sees a different distribution. Stopping early instead would
      leave fewer learners for a vote that uses only the second half of them.
      If every voting learner has vote 0, they vote with equal weights.

    **Multi-class extension** (not in the paper). For ``K > 2`` classes, as in
    SAMME (Zhu et al., 2009): ``beta_t = epsilon_t / ((1 - epsilon_t)(K - 1))``,
    a learner is discarded from the vote when ``epsilon_t >= 1 - 1/K``, and
    the prediction is the class with the largest vote. With ``K = 2`` these
    are the paper's formulas.

    :meth:`predict_proba` returns the share of the vote each class receives
    among the voting learners: a vote fraction, not a calibrated probability.

    Without target data (``Xt=None``, the "no shift" rule of the estimator
    contract) the target set is the source itself and there is no separate
    source part: the fit is AdaBoost on ``X`` with TrAdaBoost's vote.

    A learner that does not see every class (its weights concentrated on some
    classes) is fine: only its hard predictions are used.

    References
    ----------
    W. Dai, Q. Yang, G.-R. Xue and Y. Yu. "Boosting for transfer learning".
    ICML 2007.

    J. Zhu, H. Zou, S. Rosset and T. Hastie. "Multi-class AdaBoost".
    Statistics and Its Interface, 2009.

    Examples
    --------
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.instance import TrAdaBoostClassifier
    >>> Xs, ys, Xt, yt = make_domain_shift("concept", random_state=0)
    >>> clf = TrAdaBoostClassifier(n_estimators=20, random_state=0)
    >>> clf.fit(Xs, ys, Xt[:20], yt[:20]).predict(Xt[20:]).shape
    (480,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["boolean"],
    }

    def __init__(
        self, estimator=None, n_estimators=50, random_state=None, verbose=False
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.random_state = random_state
        self.verbose = verbose

    def _base_estimator(self):
        if self.estimator is None:
            return LogisticRegression()
        return self.estimator

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
            Source labels.
        Xt : {array-like, sparse matrix} of shape (n_target, n_features) or \
tuple of arrays, default=None
            Labelled target features. ``None``: the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target labels; required when ``Xt`` is given.

        Returns
        -------
        self : TrAdaBoostClassifier
            The fitted estimator.
        """
        self._validate_params()
        data = self._check_source_target(
            X,
            y,
            Xt,
            yt,
            task="classification",
            require_y=True,
            require_yt=True,
            accept_sparse=_ACCEPT_SPARSE,
        )
        base = self._base_estimator()
        check_sample_weight_support(base, type(self).__name__)

        if data.no_shift:
            X_all, y_all, n_source = data.X, data.y, 0
        else:
            X_all = stack_rows(data.X, data.Xt)
            y_all = np.concatenate([data.y, data.yt])
            n_source = data.X.shape[0]
        self.classes_, y_codes = np.unique(y_all, return_inverse=True)
        n_classes = self.classes_.shape[0]
        n_all = y_codes.shape[0]
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
        for t in tqdm(range(N), disable=not self.verbose, desc="TrAdaBoost"):
            distribution = weights / weights.sum()
            learner = fit_weighted(base, X_all, y_all, distribution, rng)
            missed = self._encode(learner.predict(X_all)) != y_codes
            target_p = distribution[n_source:]
            epsilon = float(target_p[missed[n_source:]].sum() / target_p.sum())
            errors[t] = epsilon
            if epsilon >= 1.0 - 1.0 / n_classes:
                vote = 0.0
            else:
                clamped = max(epsilon, ERROR_FLOOR)
                vote = math.log((1.0 - clamped) / clamped) + math.log(n_classes - 1)
            votes[t] = vote
            logger.debug(
                "TrAdaBoost round %d: epsilon=%.4g vote=%.4g", t, epsilon, vote
            )
            # source: x beta^{|h - y|}; target: x beta_t^{-|h - y|} = e^{vote |h - y|}
            weights = distribution.copy()
            weights[:n_source][missed[:n_source]] *= self.beta_
            weights[n_source:][missed[n_source:]] *= math.exp(vote)
            weights /= weights.sum()
            self.estimators_.append(learner)

        self.estimator_errors_ = errors
        self.estimator_weights_ = votes
        self.vote_start_ = vote_start(N)
        self.source_weights_ = weights[:n_source].copy()
        self.target_weights_ = weights[n_source:].copy()
        return self

    def _encode(self, labels):
        """Map learner predictions (labels) to indices into ``classes_``."""
        return np.searchsorted(self.classes_, labels)

    def _learner_codes(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=_ACCEPT_SPARSE)
        return np.column_stack([self._encode(h.predict(X)) for h in self.estimators_])

    def _vote_shares(self, codes, stop):
        """Vote share of each class among learners ``vote_start(stop) .. stop-1``."""
        start = vote_start(stop)
        weights = self.estimator_weights_[start:stop]
        if weights.sum() <= 0:
            weights = np.ones_like(weights)
        n_classes = self.classes_.shape[0]
        shares = np.zeros((codes.shape[0], n_classes))
        for column, weight in zip(codes[:, start:stop].T, weights):
            shares[np.arange(codes.shape[0]), column] += weight
        return shares / weights.sum()

    def _predict_from_shares(self, shares):
        if self.classes_.shape[0] == 2:
            # Dai et al.: positive when its voters hold at least half the vote.
            return self.classes_[(shares[:, 1] >= shares[:, 0]).astype(int)]
        return self.classes_[np.argmax(shares, axis=1)]

    @staticmethod
    def _decision_from_shares(shares):
        if shares.shape[1] == 2:
            return shares[:, 1] - 0.5
        return shares - 1.0 / shares.shape[1]

    def predict(self, X):
        """Predict the class of target-domain samples by the weighted vote.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        codes = self._learner_codes(X)
        return self._predict_from_shares(
            self._vote_shares(codes, len(self.estimators_))
        )

    def predict_proba(self, X):
        """Share of the final vote that each class receives.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Vote shares (rows sum to one), columns ordered as ``classes_``.
        """
        codes = self._learner_codes(X)
        return self._vote_shares(codes, len(self.estimators_))

    def decision_function(self, X):
        """Centred vote share: positive values favour ``classes_[1]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        score : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, ``share(classes_[1]) - 1/2``; ``predict`` gives
            ``classes_[1]`` where it is ``>= 0``. For ``K`` classes, the vote
            shares minus ``1/K``.
        """
        codes = self._learner_codes(X)
        return self._decision_from_shares(
            self._vote_shares(codes, len(self.estimators_))
        )

    def staged_predict(self, X):
        """Predictions after each round, as if the fit had stopped there.

        After round ``t`` the vote uses learners ``ceil(t/2), ..., t``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Yields
        ------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels after rounds 1, 2, ..., N.
        """
        codes = self._learner_codes(X)
        for stop in range(1, len(self.estimators_) + 1):
            yield self._predict_from_shares(self._vote_shares(codes, stop))

    def staged_predict_proba(self, X):
        """Vote shares after each round, as in :meth:`staged_predict`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Yields
        ------
        proba : ndarray of shape (n_samples, n_classes)
            Vote shares after rounds 1, 2, ..., N.
        """
        codes = self._learner_codes(X)
        for stop in range(1, len(self.estimators_) + 1):
            yield self._vote_shares(codes, stop)
