"""Regularised linear transfer (Chelba and Acero, 2006)."""

from __future__ import annotations

import copy
import logging
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils import check_array, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from ..base import LabelledTargetMixin
from ..utils.validation import is_multi_domain
from ._linear_prior import (
    default_alpha_grid,
    fit_softmax_prior,
    fold_log_loss,
    ridge_prior_path,
    softmax_proba,
    stratified_fold_ids,
)

__all__ = ["RegularTransferRegressor", "RegularTransferClassifier"]

logger = logging.getLogger("transferkit")

#: Folds of the classifier's cross-validation when ``cv=None`` (leave-one-out
#: below this many labelled target samples).
DEFAULT_FOLDS = 10


class _RegularTransferBase(LabelledTargetMixin, BaseEstimator):
    """Source-model handling shared by the two estimators."""

    _default_estimator = None  # set by subclasses
    _task = None

    def _source_model(self, X, y):
        """The fitted source model: a clone fitted on ``X, y``, or a copy."""
        name = type(self).__name__
        if X is not None:
            base = (
                self._default_estimator() if self.estimator is None else self.estimator
            )
            return clone(base).fit(X, y)
        if self.estimator is None:
            raise ValueError(
                f"{name} got X=None and no estimator: pass the source data X, y, "
                "or an already fitted linear estimator as estimator."
            )
        try:
            check_is_fitted(self.estimator)
        except NotFittedError as exc:
            raise ValueError(
                f"{name} got X=None but estimator "
                f"{type(self.estimator).__name__} is not fitted: pass the source "
                "data X, y, or fit the estimator first."
            ) from exc
        return copy.deepcopy(self.estimator)

    def _validate_fit(self, X, y, Xt, yt):
        """Validated ``(X, y, Xt, yt)``; ``X, y`` may be None (prefitted path)."""
        name = type(self).__name__
        if X is not None:
            data = self._check_source_target(
                X,
                y,
                Xt,
                yt,
                task=self._task,
                require_y=True,
                require_yt=True,
                yt_labels_in_y=self._task == "classification",
            )
            return data.X, data.y, data.Xt, data.yt
        if y is not None:
            raise ValueError(
                f"{name} got y but X=None: pass the source features X with y, "
                "or neither when estimator is already fitted."
            )
        if Xt is None:
            raise ValueError(
                f"{name} got X=None and Xt=None: with an already fitted "
                "estimator, pass the labelled target data Xt, yt."
            )
        if yt is None:
            raise ValueError(
                f"{name} needs labelled target data: Xt was given but yt is "
                "None. Pass yt, the labels of the rows of Xt."
            )
        if is_multi_domain(Xt):
            parts = [check_array(p, input_name="Xt", ensure_min_samples=0) for p in Xt]
            Xt = np.concatenate(parts, axis=0)
            yt = np.concatenate([column_or_1d(labels) for labels in yt])
        Xt = validate_data(self, Xt, reset=True, ensure_min_samples=1)
        yt = column_or_1d(yt, warn=True)
        if yt.shape[0] != Xt.shape[0]:
            raise ValueError(
                f"yt has {yt.shape[0]} labels but Xt has {Xt.shape[0]} rows."
            )
        if self._task == "classification":
            check_classification_targets(yt)
        else:
            yt = check_array(yt, ensure_2d=False, input_name="yt")
        return None, None, Xt, yt

    def _linear_parameters(self, model, n_features):
        name = type(self).__name__
        coef = getattr(model, "coef_", None)
        intercept = getattr(model, "intercept_", None)
        if coef is None or intercept is None:
            raise TypeError(
                f"{name} needs a linear source model with coef_ and intercept_ "
                f"after fitting; {type(model).__name__} has "
                f"{'no coef_' if coef is None else 'no intercept_'}. Use a linear "
                "estimator (Ridge, LinearRegression, LogisticRegression, ...)."
            )
        coef = coef.toarray() if sp.issparse(coef) else np.asarray(coef, dtype=float)
        intercept = np.atleast_1d(np.asarray(intercept, dtype=float))
        if coef.shape[-1] != n_features:
            raise ValueError(
                f"The source model's coef_ has shape {coef.shape} "
                f"({coef.shape[-1]} features) but Xt has {n_features} features: "
                "the source model and the target must have the same features."
            )
        return coef, intercept


class RegularTransferRegressor(RegressorMixin, _RegularTransferBase):
    """Ridge regression on the target, shrunk toward the source coefficients.

    A linear source model gives ``beta_src``; the target fit is

    ``min_{b, beta} ||yt - b - Xt beta||^2 + alpha ||beta - beta_src||^2``

    (Chelba and Acero, 2006, with a squared loss). The intercept ``b`` is not
    penalised. ``alpha = 0`` is least squares on the target, ``alpha = inf``
    keeps the source coefficients. The solution is in closed form, and
    ``alpha="auto"`` chooses ``alpha`` by generalised cross-validation (GCV)
    among the source prior over a grid, "source only" and "no transfer".

    Parameters
    ----------
    estimator : regressor, default=None
        Linear source model with ``coef_`` and ``intercept_`` after fitting.
        ``None`` means ``Ridge()``. When ``X`` is given, a clone is fitted on
        ``X, y`` (even if ``estimator`` is already fitted); with
        ``X=None, y=None`` the fitted ``estimator`` itself is the source model
        (it is copied, never modified).
    alpha : "auto" or float, default="auto"
        Strength of the prior, ``>= 0`` (``np.inf`` allowed: source only). A
        float fits exactly that ``alpha`` toward the source. ``"auto"`` picks
        the candidate with the smallest GCV score, see Notes.
    alphas : array-like of float, default=None
        Grid (absolute values, ``> 0``) searched by ``alpha="auto"``. ``None``
        means ``np.logspace(-3, 3, 13) * trace(Xc^T Xc) / n_features`` with
        ``Xc`` the centred target design (a grid relative to the scale of
        the data; factor 1 if that trace is 0).

    Attributes
    ----------
    estimator_ : regressor
        The fitted source model (a clone fitted on ``X, y``, or a copy of the
        prefitted ``estimator``).
    source_coef_ : ndarray of shape (n_features,)
        ``beta_src``, the source model's ``coef_``.
    source_intercept_ : float
        The source model's ``intercept_``.
    coef_ : ndarray of shape (n_features,)
        The transferred coefficients.
    intercept_ : float
        The intercept, ``mean(yt) - mean(Xt) @ coef_``.
    alpha_ : float
        The ``alpha`` used (``inf`` for source only).
    prior_ : {"source", "none"}
        The prior's centre: the source coefficients, or 0 ("no transfer":
        a ridge fit on the target alone).
    gcv_scores_ : dict of ndarrays
        ``{"prior": ..., "alpha": ..., "score": ...}``, one entry per
        candidate, in the order searched. With a float ``alpha``, the one
        candidate fitted.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when the data had string column names.

    See Also
    --------
    RegularTransferClassifier : The multinomial log-loss version.

    Notes
    -----
    With ``Xc``, ``yc`` the centred target data (centring removes the
    unpenalised intercept), ``beta = beta0 + V diag(s / (s^2 + alpha)) U^T r``
    where ``Xc = U diag(s) V^T`` is one thin SVD and ``r = yc - Xc beta0`` the
    residual of the prior: every ``alpha`` of the grid costs one product.
    ``alpha = 0`` gives the minimum-norm least-squares move from ``beta0``.

    GCV (Golub, Heath and Wahba, 1979) scores a candidate by
    ``m ||yt - yhat||^2 / (m - df)^2`` with ``df = 1 + sum s^2 / (s^2 + alpha)``
    the trace of the hat matrix (the 1 is the intercept). A candidate with
    ``df >= m`` scores ``inf``. The ``"auto"`` candidates, in search order:

    1. "source only": ``alpha = inf``, ``coef_ = beta_src``; the intercept is
       *re-estimated* on the target (``mean(yt) - mean(Xt) @ beta_src``, the
       limit ``alpha -> inf`` of the objective, whose intercept is free),
       so a shift of the mean is still corrected;
    2. prior "source", each ``alpha`` of the grid, largest first;
    3. prior "none" ("no transfer", ``beta0 = 0``: ridge on the target
       alone), the same grid, largest first.

    The smallest score wins; ties go to the earlier candidate. With one
    target sample every score is ``inf`` and "source only" is chosen.

    ``Xt=None`` (the "no shift" rule) makes the target the source itself.
    Only one output is supported (a source ``coef_`` with one row).

    References
    ----------
    C. Chelba and A. Acero. "Adaptation of maximum entropy capitalizer:
    little data can help a lot". Computer Speech and Language 20(4), 2006.

    G. H. Golub, M. Heath and G. Wahba. "Generalized cross-validation as a
    method for choosing a good ridge parameter". Technometrics 21(2), 1979.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.parameter import RegularTransferRegressor
    >>> rng = np.random.RandomState(0)
    >>> beta = rng.normal(size=5)
    >>> Xs = rng.normal(size=(200, 5))
    >>> ys = Xs @ beta + 0.1 * rng.normal(size=200)
    >>> Xt = rng.normal(size=(8, 5))
    >>> yt = Xt @ (beta + 0.1) + 1.0
    >>> reg = RegularTransferRegressor().fit(Xs, ys, Xt, yt)
    >>> reg.prior_
    'source'
    >>> reg.predict(Xt).shape
    (8,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
        "alpha": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, np.inf, closed="both"),
        ],
        "alphas": ["array-like", None],
    }
    _default_estimator = Ridge
    _task = "regression"
    _n_default_alphas = 13

    def __init__(self, estimator=None, alpha="auto", alphas=None):
        self.estimator = estimator
        self.alpha = alpha
        self.alphas = alphas

    def fit(self, X, y=None, Xt=None, yt=None):
        """Fit the source model (unless prefitted), then the target with its prior.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features) or None
            Source features; ``None`` (with ``y=None``) when ``estimator``
            is already fitted.
        y : array-like of shape (n_source,) or None
            Source targets.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Labelled target features. ``None``: the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target values; required with ``Xt``.

        Returns
        -------
        self : RegularTransferRegressor
            The fitted estimator.
        """
        self._validate_params()
        X, y, Xt, yt = self._validate_fit(X, y, Xt, yt)
        model = self._source_model(X, y)
        coef, intercept = self._linear_parameters(model, Xt.shape[1])
        if coef.ndim == 2 and coef.shape[0] != 1:
            raise ValueError(
                f"{type(self).__name__} supports one output; the source model's "
                f"coef_ has shape {coef.shape}."
            )
        if intercept.shape[0] != 1:
            raise ValueError(
                f"The source model's intercept_ has shape {intercept.shape}; "
                "one output is expected."
            )
        self.estimator_ = model
        self.source_coef_ = coef.reshape(-1).copy()
        self.source_intercept_ = float(intercept[0])

        Xt = np.asarray(Xt, dtype=float)
        yt = np.asarray(yt, dtype=float)
        x_mean = Xt.mean(axis=0)
        y_mean = float(yt.mean())
        Xc = Xt - x_mean
        yc = yt - y_mean

        if self.alpha == "auto":
            grid = self._grid(Xc)
            source_alphas = np.concatenate([[np.inf], grid])
            src_deltas, src_gcv = ridge_prior_path(
                Xc, yc - Xc @ self.source_coef_, source_alphas
            )
            none_deltas, none_gcv = ridge_prior_path(Xc, yc, grid)
            coefs = np.vstack([self.source_coef_ + src_deltas, none_deltas])
            priors = np.array(
                ["source"] * source_alphas.shape[0] + ["none"] * grid.shape[0]
            )
            alphas = np.concatenate([source_alphas, grid])
            scores = np.concatenate([src_gcv, none_gcv])
        else:
            alphas = np.array([float(self.alpha)])
            deltas, scores = ridge_prior_path(Xc, yc - Xc @ self.source_coef_, alphas)
            coefs = self.source_coef_ + deltas
            priors = np.array(["source"])
        best = int(np.argmin(scores))
        self.gcv_scores_ = {"prior": priors, "alpha": alphas, "score": scores}
        self.alpha_ = float(alphas[best])
        self.prior_ = str(priors[best])
        self.coef_ = coefs[best]
        self.intercept_ = y_mean - float(x_mean @ self.coef_)
        logger.debug(
            "RegularTransferRegressor: prior=%s alpha=%g gcv=%g",
            self.prior_,
            self.alpha_,
            scores[best],
        )
        return self

    def _grid(self, Xc):
        if self.alphas is None:
            return default_alpha_grid(Xc, self._n_default_alphas)
        grid = np.sort(np.asarray(self.alphas, dtype=float).ravel())[::-1]
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
            raise ValueError(
                f"alphas must be a non-empty array of finite values > 0, got "
                f"{self.alphas!r}."
            )
        return grid

    def predict(self, X):
        """Predict target-domain values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.asarray(X, dtype=float) @ self.coef_ + self.intercept_


class RegularTransferClassifier(ClassifierMixin, _RegularTransferBase):
    """Multinomial logistic regression on the target with a source prior.

    A linear source classifier gives ``W_src`` (one row per class); the target
    fit minimises

    ``sum_i -log softmax(W x_i + b)[y_i] + alpha / 2 ||W - W_src||_F^2``

    over ``W`` and the unpenalised intercepts ``b`` (Chelba and Acero, 2006:
    a maximum-entropy model adapted with a Gaussian prior centred on the
    source weights), with L-BFGS and the analytic gradient. ``alpha="auto"``
    chooses ``alpha`` by cross-validated log-loss on the labelled target,
    which works with a single label per class.

    Parameters
    ----------
    estimator : classifier, default=None
        Linear source classifier with ``coef_``, ``intercept_`` and
        ``classes_`` after fitting. ``None`` means ``LogisticRegression()``
        (multinomial). When ``X`` is given, a clone is fitted on ``X, y``
        (even if ``estimator`` is already fitted); with ``X=None, y=None`` the
        fitted ``estimator`` itself is the source model (copied, never
        modified).
    alpha : "auto" or float, default="auto"
        Strength of the prior, ``> 0`` (``np.inf`` allowed: source
        coefficients, intercepts refitted). A float fits exactly that
        ``alpha`` toward the source. ``"auto"``: see Notes.
    alphas : array-like of float, default=None
        Grid (absolute values, ``> 0``) searched by ``alpha="auto"``. ``None``
        means ``np.logspace(-3, 3, 7) * trace(Xc^T Xc) / n_features`` with
        ``Xc`` the centred target design (factor 1 if that trace is 0): fewer
        points than the regressor's, since each costs a fit per fold.
    cv : int, default=None
        Number of folds of the ``"auto"`` search; ``None`` means 10. Never
        more than the number of labelled target samples: with ``cv >= m``
        (so with ``cv=None`` whenever ``m <= 10``) it is leave-one-out.
    max_iter : int, default=1000
        Maximum L-BFGS iterations per fit.
    tol : float, default=1e-4
        L-BFGS tolerance on the largest gradient component of the objective
        divided by the number of target samples (as in
        :class:`~sklearn.linear_model.LogisticRegression`).

    Attributes
    ----------
    estimator_ : classifier
        The fitted source model.
    classes_ : ndarray of shape (n_classes,)
        The source model's classes: the label space is the source's.
    source_coef_ : ndarray of shape (n_classes, n_features)
        ``W_src``, the prior's centre as softmax weights (see Notes for two
        classes).
    source_intercept_ : ndarray of shape (n_classes,)
        The source intercepts in the same form.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The fitted weights; for two classes, as in
        :class:`~sklearn.linear_model.LogisticRegression`, one row
        ``W[1] - W[0]``.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The fitted intercepts (``b[1] - b[0]`` for two classes).
    alpha_ : float
        The ``alpha`` used (``inf`` for source only).
    prior_ : {"source", "none"}
        The prior's centre: the source weights, or 0 ("no transfer").
    cv_scores_ : dict of ndarrays
        ``{"prior": ..., "alpha": ..., "score": ...}``, the summed held-out
        log-loss of each candidate, in search order (empty with a float
        ``alpha``; NaN when fewer than two target samples).
    n_iter_ : int
        L-BFGS iterations of the final fit.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when the data had string column names.

    See Also
    --------
    RegularTransferRegressor : The least-squares version, in closed form.

    Notes
    -----
    **Loss.** The log-loss is summed (not averaged) over the target samples,
    so ``alpha`` plays the role of ``1 / C`` in
    :class:`~sklearn.linear_model.LogisticRegression`: with the prior "none"
    and every class present, the fit is that model with ``C = 1 / alpha``.
    The penalty is linear in ``alpha``.

    **Two classes** also use the softmax, with ``W_src = [-w/2, w/2]`` from
    the source's single row ``w`` (and likewise the intercept). The loss then
    depends only on ``v = W[1] - W[0]`` and is the logistic log-loss
    ``sum_i log(1 + exp(-s_i (v x_i + c)))``, ``s_i = +-1``; minimising over
    ``W[1] + W[0]`` leaves the penalty ``alpha / 4 ||v - w||^2``. ``coef_`` is
    ``v``.

    **Label space.** Target labels must be classes of the source model (a
    label it never saw raises a ``ValueError``); source classes absent from
    ``yt`` are kept (their weights are still fitted: the prior holds them,
    the target samples of the other classes push their scores down). The
    intercept of a
    class with no target sample cannot be estimated (the unpenalised optimum
    would send it to minus infinity); it moves by the mean of the intercept
    moves of the classes present. With every class present this is the plain
    unpenalised intercept. Softmax ignores a common shift of the intercepts;
    the one reported has ``mean(b - b_src) = 0``.

    **alpha="auto".** Candidates, in search order: "source only"
    (``alpha = inf``: ``W = W_src``, intercepts refitted on the target),
    prior "source" over the grid (largest ``alpha`` first, each fit warm
    started from the previous one), prior "none" (centre 0: no transfer)
    over the same grid. Each is scored by the held-out log-loss summed over
    stratified folds (fold ``j mod k`` for the ``j``-th sample of each class,
    carried on across classes: deterministic, no random state). With one
    label per class leave-one-out holds out a class entirely; its probability
    then comes from the prior, which is what the score measures. The smallest
    score wins, ties to the earlier candidate; then the winner is refitted on
    all of the target. Fewer than two target samples: "source only".

    A limit of that score: with one label per class, "no transfer" cannot
    predict the held-out class, so it never scores better than a uniform
    guess, and a poor source still wins whenever it beats chance. On the
    digits one-pixel shift with one label per class the search keeps the
    source prior (53 % accuracy) where the target-only fit reaches 69 %;
    with ten labels per class it matches the target-only fit (91 %).

    The cost is one L-BFGS run per candidate and fold (15 candidates by
    default). ``fit`` limits BLAS to one thread while it runs
    (``threadpoolctl``, restored on exit, as scikit-learn's KMeans does):
    threads only add overhead to these many small problems.

    ``Xt=None`` (the "no shift" rule) makes the target the source itself.

    References
    ----------
    C. Chelba and A. Acero. "Adaptation of maximum entropy capitalizer:
    little data can help a lot". Computer Speech and Language 20(4), 2006.

    Examples
    --------
    >>> from transferkit.datasets import load_digits_shift
    >>> from transferkit.parameter import RegularTransferClassifier
    >>> Xs, ys, Xt, yt = load_digits_shift("contrast")
    >>> first = [list(yt).index(c) for c in range(10)]
    >>> clf = RegularTransferClassifier().fit(Xs, ys, Xt[first], yt[first])
    >>> clf.prior_
    'source'
    >>> float(clf.score(Xt, yt)) > 0.9
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
        "alpha": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, np.inf, closed="right"),
        ],
        "alphas": ["array-like", None],
        "cv": [Interval(numbers.Integral, 2, None, closed="left"), None],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
    }
    _default_estimator = LogisticRegression
    _task = "classification"
    _n_default_alphas = 7

    def __init__(
        self,
        estimator=None,
        alpha="auto",
        alphas=None,
        cv=None,
        max_iter=1000,
        tol=1e-4,
    ):
        self.estimator = estimator
        self.alpha = alpha
        self.alphas = alphas
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol

    _grid = RegularTransferRegressor._grid

    def fit(self, X, y=None, Xt=None, yt=None):
        """Fit the source model (unless prefitted), then the target with its prior.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features) or None
            Source features; ``None`` (with ``y=None``) when ``estimator``
            is already fitted.
        y : array-like of shape (n_source,) or None
            Source labels.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Labelled target features. ``None``: the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target labels, all among the source model's classes; required
            with ``Xt``.

        Returns
        -------
        self : RegularTransferClassifier
            The fitted estimator.
        """
        self._validate_params()
        X, y, Xt, yt = self._validate_fit(X, y, Xt, yt)
        model = self._source_model(X, y)
        classes = getattr(model, "classes_", None)
        if classes is None:
            raise TypeError(
                f"{type(self).__name__} needs a source classifier with classes_; "
                f"{type(model).__name__} has none."
            )
        classes = np.asarray(classes)
        coef, intercept = self._linear_parameters(model, Xt.shape[1])
        W_src, b_src = self._softmax_form(coef, intercept, classes)
        unseen = np.setdiff1d(np.unique(yt), classes)
        if unseen.size:
            raise ValueError(
                f"yt contains labels {unseen.tolist()} that the source model "
                f"does not know (its classes_ are {classes.tolist()}); "
                f"{type(self).__name__} keeps the source label space, so new "
                "classes cannot be learned."
            )
        self.estimator_ = model
        self.classes_ = classes
        self.source_coef_ = W_src
        self.source_intercept_ = b_src

        Xt = np.asarray(Xt, dtype=float)
        codes = np.searchsorted(classes, yt)
        # Many small L-BFGS runs: BLAS threads only add overhead (as in
        # scikit-learn's KMeans, restored on exit).
        with threadpool_limits(limits=1, user_api="blas"):
            if self.alpha == "auto":
                prior, alpha = self._select(Xt, codes, W_src, b_src)
            else:
                prior, alpha = "source", float(self.alpha)
                self.cv_scores_ = {
                    "prior": np.array([], dtype=str),
                    "alpha": np.array([]),
                    "score": np.array([]),
                }
            W0, b0 = self._prior(prior, W_src, b_src)
            W, b, result = fit_softmax_prior(
                Xt, codes, W0, b0, alpha, max_iter=self.max_iter, tol=self.tol
            )
        if not result.success:
            warnings.warn(
                f"{type(self).__name__}: L-BFGS did not converge "
                f"(status {result.status}: {result.message}); increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.alpha_ = alpha
        self.prior_ = prior
        self.n_iter_ = int(result.nit)
        if classes.shape[0] == 2:
            self.coef_ = (W[1] - W[0])[None, :]
            self.intercept_ = np.array([b[1] - b[0]])
        else:
            self.coef_ = W
            self.intercept_ = b
        return self

    @staticmethod
    def _softmax_form(coef, intercept, classes):
        n_classes = classes.shape[0]
        coef = np.atleast_2d(coef)
        if n_classes == 2 and coef.shape[0] == 1:
            w, c = coef[0], float(intercept[0])
            return np.vstack([-w / 2, w / 2]), np.array([-c / 2, c / 2])
        if coef.shape[0] != n_classes or intercept.shape[0] != n_classes:
            raise ValueError(
                f"The source model has {n_classes} classes but coef_ of shape "
                f"{coef.shape} and intercept_ of shape {intercept.shape}; "
                "expected one row per class (or one row for two classes)."
            )
        return coef.copy(), intercept.copy()

    @staticmethod
    def _prior(prior, W_src, b_src):
        if prior == "source":
            return W_src, b_src
        return np.zeros_like(W_src), np.zeros_like(b_src)

    def _select(self, Xt, codes, W_src, b_src):
        """Cross-validate the candidates; set ``cv_scores_``; return the best."""
        Xc = Xt - Xt.mean(axis=0)
        grid = self._grid(Xc)
        candidates = [("source", np.inf)] + [("source", a) for a in grid]
        candidates += [("none", a) for a in grid]
        scores = np.zeros(len(candidates))
        m = Xt.shape[0]
        if m < 2:
            scores[:] = np.nan
            best = 0
        else:
            n_folds = min(m, DEFAULT_FOLDS if self.cv is None else self.cv)
            folds = stratified_fold_ids(codes, n_folds)
            for fold in range(n_folds):
                train, test = folds != fold, folds == fold
                for prior in ("source", "none"):
                    W0, b0 = self._prior(prior, W_src, b_src)
                    W, b = None, None
                    for i, (p, alpha) in enumerate(candidates):
                        if p != prior:
                            continue
                        W, b, _ = fit_softmax_prior(
                            Xt[train],
                            codes[train],
                            W0,
                            b0,
                            alpha,
                            W_init=W,
                            b_init=b,
                            max_iter=self.max_iter,
                            tol=self.tol,
                        )
                        scores[i] += fold_log_loss(W, b, Xt[test], codes[test])
            best = int(np.argmin(scores))
        self.cv_scores_ = {
            "prior": np.array([p for p, _ in candidates]),
            "alpha": np.array([a for _, a in candidates]),
            "score": scores,
        }
        prior, alpha = candidates[best]
        logger.debug(
            "RegularTransferClassifier: prior=%s alpha=%g cv log-loss=%g",
            prior,
            alpha,
            scores[best],
        )
        return prior, float(alpha)

    def decision_function(self, X):
        """Linear scores of target-domain samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        score : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``X @ coef_.T + intercept_``; for two classes a 1-D array,
            positive for ``classes_[1]``.
        """
        check_is_fitted(self)
        X = np.asarray(validate_data(self, X, reset=False), dtype=float)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if self.classes_.shape[0] == 2 else scores

    def predict_proba(self, X):
        """Class probabilities (softmax of the scores).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns ordered as ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p])
        return softmax_proba(scores)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict the class of target-domain samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class with the largest score.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
