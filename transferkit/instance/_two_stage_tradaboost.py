"""Two-stage TrAdaBoost.R2 (Pardoe and Stone, ICML 2010, Algorithm 3)."""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import brentq
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold
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
    weighted_median,
)
from ..utils.validation import check_sample_weight_support
from ._tradaboost_r2 import ERROR_FLOOR, _default_regressor

__all__ = ["TwoStageTrAdaBoostRegressor"]

logger = logging.getLogger("transferkit")

_ACCEPT_SPARSE = ["csr", "csc"]


def adaboost_r2_frozen_source(
    estimator, X, y, weights, n_source, n_estimators, loss, random_state
):
    """AdaBoost.R2 in which the weights of the first ``n_source`` rows never change.

    This is the AdaBoost.R2' of Pardoe & Stone (2010). Each round fits the
    learner with the normalised weights, computes the adjusted errors
    ``e_i``, the loss ``epsilon`` = weighted mean of ``e_i`` over all rows
    (as in AdaBoost.R2), ``beta = epsilon / (1 - epsilon)``, and multiplies
    the target weights by ``beta ** (1 - e_i)`` (Drucker, 1997), rescaled so
    that the target rows keep their total weight.

    It stops when ``epsilon >= 1/2`` (that learner is dropped, unless it is
    the first, which is then kept alone with weight one) or when
    ``epsilon = 0`` (that learner is kept).

    Returns
    -------
    learners : list of regressors
    votes : ndarray of shape (len(learners),)
        ``ln(1 / beta)`` of each learner, the weights of the weighted median.
    """
    weights = np.asarray(weights, dtype=float).copy()
    learners, votes = [], []
    for _ in range(n_estimators):
        distribution = weights / weights.sum()
        learner = fit_weighted(estimator, X, y, distribution, random_state)
        e = adjusted_errors(np.abs(learner.predict(X) - y), loss)
        epsilon = float(distribution @ e)
        if epsilon >= 0.5:
            if not learners:
                learners.append(learner)
                votes.append(1.0)
            break
        clamped = max(epsilon, ERROR_FLOOR)
        beta = clamped / (1.0 - clamped)
        learners.append(learner)
        votes.append(math.log(1.0 / beta))
        if epsilon == 0:
            break
        total = weights[n_source:].sum()
        updated = weights[n_source:] * beta ** (1.0 - e[n_source:])
        weights[n_source:] = updated * (total / updated.sum())
    return learners, np.asarray(votes)


def _weighted_median_predict(learners, votes, X):
    predictions = np.column_stack([h.predict(X) for h in learners])
    return weighted_median(predictions, votes)


def _fold_squared_error(
    base, X_all, y_all, weights, source_rows, train, test, seed, boost
):
    """Sum of squared target errors of one CV fold of one step."""
    rows = np.concatenate([source_rows, train])
    learners, votes = adaboost_r2_frozen_source(
        base,
        X_all[rows],
        y_all[rows],
        weights[rows] / weights[rows].sum(),
        source_rows.shape[0],
        random_state=np.random.RandomState(seed),
        **boost,
    )
    pred = _weighted_median_predict(learners, votes, X_all[test])
    return float(((pred - y_all[test]) ** 2).sum())


def _lower_source_weight(source, errors, target_total, goal):
    """New source weights ``source * beta ** errors`` with target share ``goal``.

    ``beta`` in [0, 1] is found by root finding on ``u = -ln(beta)`` in log
    space (the root can be far below the smallest float). When even
    ``beta = 0`` keeps too much source weight (samples with zero error), the
    source weights are then scaled down uniformly to reach the goal exactly.
    """
    if goal >= 1.0:
        return np.zeros_like(source)
    wanted = target_total * (1.0 - goal) / goal
    if wanted >= source.sum():
        return source.copy()
    positive = source > 0
    log_source = np.full(source.shape, -np.inf)
    log_source[positive] = np.log(source[positive])
    zero_error = errors <= 0
    if source[zero_error].sum() >= wanted:
        new = np.where(zero_error, source, 0.0)
    else:
        log_wanted = math.log(wanted)

        def excess(u):
            return float(logsumexp(log_source - u * errors)) - log_wanted

        upper = 1.0
        while excess(upper) > 0:
            upper *= 2.0
        u = brentq(excess, 0.0, upper, xtol=1e-12, rtol=1e-12)
        new = np.exp(log_source - u * errors)
    return new * (wanted / new.sum())


class TwoStageTrAdaBoostRegressor(LabelledTargetMixin, RegressorMixin, BaseEstimator):
    """Two-stage TrAdaBoost.R2: choose how much to trust the source by CV.

    Stage one lowers the total weight of the source step by step, from its
    share ``n / (n + m)`` of a uniform weighting down to zero, shifting weight
    first away from the source samples that the learner fits worst. At each
    step, stage two runs AdaBoost.R2 with the source weights frozen (only the
    target weights are boosted) and scores it by k-fold cross-validation on
    the labelled target. The step with the lowest cross-validated error wins.

    Parameters
    ----------
    estimator : regressor, default=None
        The base learner; its ``fit`` must accept ``sample_weight``.
        ``None`` means ``DecisionTreeRegressor(max_depth=3)``, as in
        :class:`TrAdaBoostRegressor`.
    n_steps : int, default=10
        Number of steps ``S`` of stage one (source shares tried).
    n_estimators : int, default=50
        Rounds of each AdaBoost.R2 run.
    cv : int, default=5
        Number of folds over the labelled target (at most the number of
        labelled target samples).
    loss : {"linear", "square", "exponential"}, default="linear"
        The transform of AdaBoost.R2's relative errors.
    n_jobs : int, default=None
        Number of processes (joblib) for the ``n_steps * cv`` cross-validation
        runs of stage two, which are independent; ``None`` means 1 (unless in
        a :func:`joblib.parallel_backend` context), -1 all processors. The
        result is the same for every ``n_jobs``: each run has its own seed.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and every learner.
    verbose : bool, default=False
        Show a progress bar over the steps of stage one.

    Attributes
    ----------
    estimators_ : list of regressors
        The learners of the AdaBoost.R2 run at the chosen step, fitted on all
        data.
    estimator_weights_ : ndarray of shape (len(estimators_),)
        Their weights ``ln(1 / beta)`` in the weighted median.
    cv_errors_ : ndarray of shape (n_steps,)
        Cross-validated mean squared error on the target at each step (NaN
        for steps not evaluated: under no shift, only one step exists).
    target_shares_ : ndarray of shape (n_steps,)
        Total weight of the target samples at each step.
    best_step_ : int
        0-based index of the chosen step.
    source_weights_ : ndarray of shape (n_source,)
        The (frozen) source weights at the chosen step; all weights sum to one.
    target_weights_ : ndarray of shape (n_target,)
        The target weights at the start of the chosen step.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoostRegressor : the one-stage TrAdaBoost.R2.

    Notes
    -----
    Algorithm 3 of Pardoe & Stone (2010). Weights start uniform. At step
    ``t = 1, ..., S``: (1) AdaBoost.R2' (source weights frozen) is scored by
    ``cv``-fold cross-validation on the target: each fold trains on the source
    and the other target folds with the current weights; (2) a learner fitted
    with the current weights gives adjusted errors ``e_i``; (3) source weights
    become ``w_i beta_t ** e_i`` with ``beta_t`` chosen (root finding) so that
    the target holds ``m/(n+m) + t/(S-1) (1 - m/(n+m))`` of the total weight.
    The model of the step with the lowest CV error is returned; here it is
    refitted on all data only for that step, which gives the same model as
    keeping every step's model.

    Choices the paper leaves open: AdaBoost.R2' is AdaBoost.R2 unchanged
    except for the frozen source weights, so its loss ``epsilon`` is the
    weighted mean adjusted error over all rows (source and target), and it
    stops when ``epsilon >= 1/2`` or ``epsilon = 0``, as AdaBoost.R2 does.
    When samples with zero error keep the source share above the goal even
    at ``beta_t = 0``, the source weights are scaled down uniformly. The CV
    error is the mean squared error. Under no shift (``Xt=None``) there is
    no source: the fit is AdaBoost.R2 on ``X`` and no CV is run.

    *Cost.* A fit trains ``n_steps - 1`` stage-one learners, ``n_steps *
    cv * n_estimators`` learners in the cross-validation of stage two (2,500
    with the defaults) and ``n_estimators`` for the final model, each on
    (almost) all rows: the cost is linear in those three parameters and about
    linear in the number of rows. Measured with the defaults (n/2 source +
    n/2 labelled target rows, 10 features, one BLAS thread, the shared
    2-core machine; ``benchmarks/results/defaults.md``):

    | n | n_jobs=1 | n_jobs=2 |
    |---|---|---|
    | 1,000 | 11.8 s |  |
    | 2,000 | 21.7 s | 28.4 s |
    | 5,000 | 45.8 s | 33.0 s |
    | 10,000 | 91.8 s |  |

    about 9 s per 1,000 rows at one process, so 25,000 + 25,000 rows take
    about 8 minutes. ``n_jobs`` runs the ``n_steps * cv`` cross-validation
    fits in parallel (1.4x on 2 busy cores at n = 5,000; process start-up
    costs more than it saves at small n); fewer ``n_steps``, ``cv`` or
    ``n_estimators`` cut the cost proportionally.

    References
    ----------
    D. Pardoe and P. Stone. "Boosting for regression transfer". ICML 2010.

    H. Drucker. "Improving regressors using boosting techniques". ICML 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.instance import TwoStageTrAdaBoostRegressor
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.uniform(-3, 3, size=(100, 1)); ys = np.sin(Xs[:, 0])
    >>> Xt = rng.uniform(-3, 3, size=(15, 1)); yt = np.sin(Xt[:, 0]) + 0.3
    >>> reg = TwoStageTrAdaBoostRegressor(n_steps=4, n_estimators=5, cv=3,
    ...                                   random_state=0)
    >>> reg.fit(Xs, ys, Xt, yt).cv_errors_.shape
    (4,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_steps": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        estimator=None,
        n_steps=10,
        n_estimators=50,
        cv=5,
        loss="linear",
        n_jobs=None,
        random_state=None,
        verbose=False,
    ):
        self.estimator = estimator
        self.n_steps = n_steps
        self.n_estimators = n_estimators
        self.cv = cv
        self.loss = loss
        self.n_jobs = n_jobs
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
            Labelled target features (at least 2 rows, for cross-validation).
            ``None``: the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target values; required when ``Xt`` is given.

        Returns
        -------
        self : TwoStageTrAdaBoostRegressor
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
        rng = check_random_state(self.random_state)
        S = self.n_steps
        boost = dict(n_estimators=self.n_estimators, loss=self.loss)

        if data.no_shift:
            X_all, y_all, n_source = data.X, np.asarray(data.y, dtype=float), 0
        else:
            X_all = stack_rows(data.X, data.Xt)
            y_all = np.concatenate([data.y, data.yt]).astype(float)
            n_source = data.X.shape[0]
        n_all = y_all.shape[0]
        m = n_all - n_source
        weights = np.full(n_all, 1.0 / n_all)
        self.cv_errors_ = np.full(S, np.nan)
        self.target_shares_ = np.full(S, np.nan)

        if n_source == 0:
            self.best_step_ = 0
            self.target_shares_[0] = 1.0
            step_weights = [weights]
        else:
            if m < 2:
                raise ValueError(
                    f"{type(self).__name__} cross-validates on the labelled "
                    f"target: Xt and yt need at least 2 rows, got {m}."
                )
            folds = KFold(
                n_splits=min(self.cv, m),
                shuffle=True,
                random_state=rng.randint(np.iinfo(np.int32).max),
            )
            target_rows = np.arange(n_source, n_all)
            source_rows = np.arange(n_source)
            start_share = m / n_all
            # Stage one: the source weights of every step. They depend on
            # the learners fitted on all rows only, not on the CV scores.
            step_weights = []
            for t in tqdm(range(S), disable=not self.verbose, desc="two-stage"):
                step_weights.append(weights.copy())
                self.target_shares_[t] = weights[n_source:].sum()
                if t == S - 1:
                    break
                learner = fit_weighted(base, X_all, y_all, weights, rng)
                e = adjusted_errors(np.abs(learner.predict(X_all) - y_all), self.loss)
                goal = start_share + (t + 1) / (S - 1) * (1.0 - start_share)
                new_source = _lower_source_weight(
                    weights[:n_source],
                    e[:n_source],
                    weights[n_source:].sum(),
                    goal,
                )
                weights = np.concatenate([new_source, weights[n_source:]])
                weights /= weights.sum()
            # Stage two: the S x cv AdaBoost.R2' runs are independent; each
            # has its own seed, drawn here in a fixed order, so the result
            # does not depend on n_jobs.
            splits = list(folds.split(target_rows))
            seeds = rng.randint(np.iinfo(np.int32).max, size=(S, len(splits)))
            jobs = (
                delayed(_fold_squared_error)(
                    base,
                    X_all,
                    y_all,
                    step_weights[t],
                    source_rows,
                    target_rows[train],
                    target_rows[test],
                    int(seeds[t, k]),
                    boost,
                )
                for t in range(S)
                for k, (train, test) in enumerate(splits)
            )
            squared = Parallel(n_jobs=self.n_jobs)(jobs)
            squared = np.asarray(squared, dtype=float).reshape(S, len(splits))
            self.cv_errors_ = squared.sum(axis=1) / m
            for t in range(S):
                logger.debug(
                    "two-stage step %d: target share %.4g, CV MSE %.4g",
                    t,
                    self.target_shares_[t],
                    self.cv_errors_[t],
                )
            self.best_step_ = int(np.argmin(self.cv_errors_))

        chosen = step_weights[self.best_step_]
        self.estimators_, self.estimator_weights_ = adaboost_r2_frozen_source(
            base, X_all, y_all, chosen, n_source, random_state=rng, **boost
        )
        self.source_weights_ = chosen[:n_source].copy()
        self.target_weights_ = chosen[n_source:].copy()
        return self

    def predict(self, X):
        """Weighted median of the chosen AdaBoost.R2 model's learners.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=_ACCEPT_SPARSE)
        return _weighted_median_predict(self.estimators_, self.estimator_weights_, X)
