"""Label-free scorers: estimate target quality from source labels and unlabelled ``Xt``.

Every scorer is a callable ``scorer(estimator, X, y, Xt=...)`` with the
scikit-learn scorer signature: ``estimator`` is fitted (on the training
source folds and ``Xt``), ``X, y`` is a held-out *source* fold, ``Xt`` the
unlabelled target. Higher is always better (entropy and discrepancy are
negated), so any of them can be passed as ``scoring=`` to scikit-learn's
model-selection tools. They request ``Xt`` through metadata routing::

    sklearn.set_config(enable_metadata_routing=True)
    cross_validate(pipe, Xs, ys, scoring=DEVScorer(), params={"Xt": (Xt,)})

(the tuple keeps cross-validation from slicing an ``Xt`` that happens to
have as many rows as ``X``).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metadata_routing import MetadataRequest

from ..metrics import mmd2, proxy_a_distance
from ._common import (
    as_target,
    map_source,
    map_target,
    per_sample_scores,
    soft_predictions,
)
from ._reverse_validation import reverse_accuracy

__all__ = [
    "DEVScorer",
    "DiscrepancyScorer",
    "ImportanceWeightedScorer",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SNDScorer",
    "dev_risk",
]


class _LabelFreeScorer:
    """Base class: metadata routing of ``Xt`` and the call protocol.

    Subclasses implement ``_score(estimator, X, y, Xt, context)`` and may
    implement ``_fold_context(X, y, Xt)``, work that depends on the
    held-out fold but not on the estimator (importance weights), so that a
    selector scoring many candidates on the same folds does it once.
    """

    #: Short name used in selection reports.
    name = "label_free"

    def __init__(self):
        self._xt_request = True

    # -- metadata routing ------------------------------------------------------
    def set_score_request(self, *, Xt=True):
        """Whether (or under which alias) ``Xt`` is requested when scoring.

        Parameters
        ----------
        Xt : bool or str, default=True
            ``True`` requests ``Xt``; a string requests it under that alias.

        Returns
        -------
        self : scorer
        """
        self._xt_request = Xt
        return self

    def get_metadata_routing(self):
        """The scorer's metadata request: ``Xt`` for ``score``.

        Returns
        -------
        request : sklearn.utils.metadata_routing.MetadataRequest
        """
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="Xt", alias=getattr(self, "_xt_request", True))
        return request

    # -- scoring ---------------------------------------------------------------
    def _fold_context(self, X, y, Xt):
        return None

    def _score(self, estimator, X, y, Xt, context):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, estimator, X, y=None, Xt=None, **kwargs):
        """Score a fitted ``estimator`` on a held-out source fold and ``Xt``.

        Parameters
        ----------
        estimator : fitted estimator
            Classifier, transfer estimator or transfer pipeline.
        X : array-like of shape (n_samples, n_features)
            Held-out source samples.
        y : array-like of shape (n_samples,)
            Their labels (unused by the scorers that look at the target only).
        Xt : array-like of shape (n_target, n_features) or tuple of arrays
            Unlabelled target features.
        **kwargs : dict
            Other routed metadata, ignored.

        Returns
        -------
        score : float
            Higher is better.
        """
        Xt = as_target(Xt, type(self).__name__)
        X = np.asarray(X) if not hasattr(X, "tocsr") else X
        return float(self._score(estimator, X, y, Xt, self._fold_context(X, y, Xt)))

    def _params(self):
        return {}

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"


def _check_random_state_int(random_state, owner):
    if random_state is not None and not isinstance(random_state, numbers.Integral):
        raise ValueError(
            f"{owner} needs an integer random_state (or None), so that every "
            f"candidate is scored with the same draw; got {random_state!r}."
        )
    return random_state


def _has_mapping(estimator):
    from ._common import _transform_steps

    return bool(_transform_steps(estimator))


def _is_classification(estimator, y):
    from sklearn.base import is_classifier
    from sklearn.utils.multiclass import type_of_target

    return is_classifier(estimator) or type_of_target(y) in ("binary", "multiclass")


def _default_domain_classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))


class ImportanceWeightedScorer(_LabelFreeScorer):
    """Importance-weighted validation accuracy (IWCV).

    Sugiyama, Krauledat & Müller's importance-weighted cross-validation: the
    held-out source fold is scored with each sample weighted by the density
    ratio ``w(x) = p_target(x) / p_source(x)``, an unbiased estimate of the
    target risk under covariate shift::

        score = sum_i w_i s_i / sum_i w_i

    with ``s_i`` 1 for a correct prediction (minus the squared error for a
    regressor). The weights come from any transferkit reweighter's
    ``fit_weights(X_held_out, Xt)``.

    Parameters
    ----------
    reweighter : transferkit reweighter, default=None
        Any estimator with ``fit_weights(X, Xt)`` (``KMM``, ``KLIEP``,
        ``ULSIF``, ``RULSIF``, ``DiscriminativeReweighting``). It is cloned.
        The default is ``DiscriminativeReweighting(random_state=0)``: a
        calibrated logistic-regression domain classifier, clipped at 20,
        fast and free of kernel widths on high-dimensional data.

    References
    ----------
    M. Sugiyama, M. Krauledat and K.-R. Müller, "Covariate shift adaptation
    by importance weighted cross validation", JMLR 8, 2007.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import ImportanceWeightedScorer
    >>> Xs, ys, Xt, yt = make_domain_shift(n_source=200, n_target=200,
    ...                                    random_state=0)
    >>> model = LogisticRegression().fit(Xs[:100], ys[:100])
    >>> score = ImportanceWeightedScorer()(model, Xs[100:], ys[100:], Xt=Xt)
    >>> 0.0 <= score <= 1.0
    True
    """

    name = "iwcv"

    def __init__(self, reweighter=None):
        super().__init__()
        self.reweighter = reweighter

    def _params(self):
        return {"reweighter": self.reweighter}

    def _fold_context(self, X, y, Xt):
        from ..instance import DiscriminativeReweighting

        reweighter = (
            DiscriminativeReweighting(random_state=0)
            if self.reweighter is None
            else clone(self.reweighter)
        )
        if not hasattr(reweighter, "fit_weights"):
            raise ValueError(
                "reweighter must have a fit_weights(X, Xt) method (a transferkit "
                f"reweighter such as KMM or DiscriminativeReweighting), got "
                f"{self.reweighter!r}."
            )
        import warnings

        from ..exceptions import LowEffectiveSampleSizeWarning

        with warnings.catch_warnings():
            # a small held-out fold against a large target often has a low
            # effective sample size; the score is still the IWCV estimate
            warnings.simplefilter("ignore", LowEffectiveSampleSizeWarning)
            weights = np.asarray(reweighter.fit_weights(X, Xt), dtype=float)
        return weights

    def _score(self, estimator, X, y, Xt, weights):
        scores = per_sample_scores(estimator, X, y)
        total = weights.sum()
        if not total > 0:
            return float(scores.mean())
        return float(weights @ scores / total)


class ReverseValidationScorer(_LabelFreeScorer):
    """Reverse validation as a scorer (Zhong et al., ECML PKDD 2010).

    The fitted estimator labels the target; a fresh copy (``clone``) is
    fitted the other way round, on ``Xt`` with those pseudo-labels and the
    held-out source fold as its unlabelled target, and the score is its
    accuracy on that fold. See :func:`reverse_validation_score` for the
    whole-procedure function, whose reverse model takes the *training* folds
    as its unlabelled target; here the scorer sees only the held-out fold,
    so that fold plays that role.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import ReverseValidationScorer
    >>> Xs, ys, Xt, yt = make_domain_shift(n_source=200, n_target=200,
    ...                                    random_state=0)
    >>> model = LogisticRegression().fit(Xs[:100], ys[:100])
    >>> 0.0 <= ReverseValidationScorer()(model, Xs[100:], ys[100:], Xt=Xt) <= 1.0
    True
    """

    name = "reverse_validation"

    def _score(self, estimator, X, y, Xt, context):
        return reverse_accuracy(estimator, Xt, X, X, y)


def _entropy(P, axis=1):
    P = np.clip(P, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * np.log(P), 0.0)
    return -terms.sum(axis=axis)


class PredictionEntropyScorer(_LabelFreeScorer):
    """Minus the mean entropy of the predicted class probabilities on ``Xt``.

    ``score = -mean_t H(p(. | x_t))`` with natural logarithms (Morerio et
    al., ICLR 2018, use it to tune entropy-regularised adaptation). Higher
    (less uncertain on the target) is better; the value is in
    ``[-log(n_classes), 0]``. Probabilities come from ``predict_proba``,
    else a softmax of ``decision_function``, else one-hot predictions; a
    classifier with hard predictions (1-NN) always scores 0, so compare
    candidates of the same kind.

    References
    ----------
    P. Morerio, J. Cavazza and V. Murino, "Minimal-entropy correlation
    alignment for unsupervised deep domain adaptation", ICLR 2018.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import PredictionEntropyScorer
    >>> Xs, ys, Xt, yt = make_domain_shift(random_state=0)
    >>> model = LogisticRegression().fit(Xs, ys)
    >>> PredictionEntropyScorer()(model, Xs, ys, Xt=Xt) <= 0.0
    True
    """

    name = "entropy"

    def _score(self, estimator, X, y, Xt, context):
        return -float(_entropy(soft_predictions(estimator, Xt)).mean())


class SNDScorer(_LabelFreeScorer):
    """Soft neighbourhood density (SND, Saito et al., ICCV 2021).

    With ``p_t`` the predicted class probabilities of the target samples,
    L2-normalised, ``S = P P^T`` their similarities (the diagonal left out)
    and ``Q`` the row-wise softmax of ``S / temperature``, the score is the
    mean row entropy of ``Q``: high when every target sample has many close
    neighbours in prediction space (dense, consistent clusters).

    Parameters
    ----------
    temperature : float, default=0.05
        The softmax temperature (the paper's value).

    References
    ----------
    K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell and K. Saenko,
    "Tune it the right way: unsupervised validation of domain adaptation via
    soft neighborhood density", ICCV 2021.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import SNDScorer
    >>> Xs, ys, Xt, yt = make_domain_shift(random_state=0)
    >>> model = LogisticRegression().fit(Xs, ys)
    >>> SNDScorer()(model, Xs, ys, Xt=Xt) >= 0.0
    True
    """

    name = "snd"

    def __init__(self, temperature=0.05):
        super().__init__()
        self.temperature = temperature

    def _params(self):
        return {"temperature": self.temperature}

    def _score(self, estimator, X, y, Xt, context):
        if not (isinstance(self.temperature, numbers.Real) and self.temperature > 0):
            raise ValueError(
                f"temperature must be a positive number, got {self.temperature!r}."
            )
        P = soft_predictions(estimator, Xt)
        if P.shape[0] < 2:
            raise ValueError("SNDScorer needs at least 2 target samples.")
        norms = np.linalg.norm(P, axis=1, keepdims=True)
        P = P / np.where(norms > 0, norms, 1.0)
        logits = (P @ P.T) / self.temperature
        np.fill_diagonal(logits, -np.inf)
        logits -= logits.max(axis=1, keepdims=True)
        Q = np.exp(logits)
        Q /= Q.sum(axis=1, keepdims=True)
        return float(_entropy(Q).mean())


def dev_risk(losses, weights):
    """Deep-embedded-validation risk with its control variate (You et al., 2019).

    ``L_i = w_i l_i``; ``eta = -Cov(L, w) / Var(w)``; the risk is
    ``mean(L) + eta * mean(w) - eta``. The control variate uses the known
    expectation ``E[w] = 1`` to cancel the variance that the weights add.

    Parameters
    ----------
    losses : array-like of shape (n,)
        Per-sample validation losses.
    weights : array-like of shape (n,)
        Density ratios ``p_target / p_source`` of the same samples.

    Returns
    -------
    risk : float

    Examples
    --------
    >>> from transferkit.model_selection import dev_risk
    >>> dev_risk([0, 1, 0, 1], [1, 1, 1, 1])
    0.5
    """
    losses = np.asarray(losses, dtype=float)
    weights = np.asarray(weights, dtype=float)
    weighted = weights * losses
    variance = weights.var(ddof=1) if weights.shape[0] > 1 else 0.0
    if not variance > 0:
        return float(weighted.mean())
    eta = -np.cov(weighted, weights, ddof=1)[0, 1] / variance
    return float(weighted.mean() + eta * weights.mean() - eta)


class DEVScorer(_LabelFreeScorer):
    """Deep embedded validation (DEV, You et al., ICML 2019), as an accuracy.

    A domain classifier is trained on the *mapped* held-out source fold and
    the mapped target (the representation the candidate's classifier sees;
    the raw features for an estimator without a mapping) and gives density
    ratios ``w_i = (n_s / n_t) p(target | z_i) / p(source | z_i)`` of the
    held-out source samples, cross-fitted over ``cv`` folds so that no
    sample's ratio comes from a classifier that saw it. The 0-1 losses are
    weighted and corrected with the control variate of :func:`dev_risk`;
    the score is ``1 - risk`` (minus the risk of the squared error for a
    regressor), higher is better.

    Parameters
    ----------
    domain_estimator : classifier, default=None
        Domain classifier with ``predict_proba``; default a standardised
        ``LogisticRegression(C=1.0)``.
    cv : int, default=5
        Folds of the cross-fitting.
    clip : float, default=20.0
        Upper bound of the density ratios (the paper's estimate is
        unbounded; a few huge ratios would dominate a small fold).
    random_state : int or None, default=0
        Seed of the cross-fitting folds (an integer, so that every candidate
        is scored with the same folds).

    References
    ----------
    K. You, X. Wang, M. Long and M. Jordan, "Towards accurate model
    selection in deep unsupervised domain adaptation", ICML 2019.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import DEVScorer
    >>> Xs, ys, Xt, yt = make_domain_shift(n_source=200, n_target=200,
    ...                                    random_state=0)
    >>> model = LogisticRegression().fit(Xs[:100], ys[:100])
    >>> score = DEVScorer()(model, Xs[100:], ys[100:], Xt=Xt)
    >>> bool(score <= 1.5)
    True
    """

    name = "dev"

    def __init__(self, domain_estimator=None, cv=5, clip=20.0, random_state=0):
        super().__init__()
        self.domain_estimator = domain_estimator
        self.cv = cv
        self.clip = clip
        self.random_state = random_state

    def _params(self):
        return {
            "domain_estimator": self.domain_estimator,
            "cv": self.cv,
            "clip": self.clip,
            "random_state": self.random_state,
        }

    def density_ratios(self, Zs, Zt):
        """Cross-fitted ratios ``p_t / p_s`` of the rows of ``Zs``.

        Parameters
        ----------
        Zs : array-like of shape (n_s, k)
            Mapped source samples.
        Zt : array-like of shape (n_t, k)
            Mapped target samples.

        Returns
        -------
        weights : ndarray of shape (n_s,)
        """
        random_state = _check_random_state_int(self.random_state, "DEVScorer")
        if not isinstance(self.cv, numbers.Integral) or self.cv < 2:
            raise ValueError(f"cv must be an integer >= 2, got {self.cv!r}.")
        Zs, Zt = np.asarray(Zs, dtype=float), np.asarray(Zt, dtype=float)
        n_s, n_t = Zs.shape[0], Zt.shape[0]
        if min(n_s, n_t) < self.cv:
            raise ValueError(
                f"DEVScorer with cv={self.cv} needs at least {self.cv} held-out "
                f"source and target samples, got {n_s} and {n_t}."
            )
        Z = np.vstack([Zs, Zt])
        domain = np.r_[np.zeros(n_s, dtype=int), np.ones(n_t, dtype=int)]
        estimator = (
            _default_domain_classifier()
            if self.domain_estimator is None
            else clone(self.domain_estimator)
        )
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=random_state)
        proba = cross_val_predict(
            estimator, Z, domain, cv=folds, method="predict_proba"
        )[:n_s, 1]
        proba = np.clip(proba, 1e-12, 1 - 1e-12)
        weights = (n_s / n_t) * proba / (1.0 - proba)
        if self.clip is not None:
            weights = np.minimum(weights, self.clip)
        return weights

    def _fold_context(self, X, y, Xt):
        # the ratios in the raw feature space, shared by every candidate
        # without a mapping; computed on first use
        return {}

    def _score(self, estimator, X, y, Xt, context):
        if context is None:
            context = {}
        if _has_mapping(estimator):
            weights = self.density_ratios(
                map_source(estimator, X), map_target(estimator, Xt)
            )
        else:
            if "raw" not in context:
                context["raw"] = self.density_ratios(X, Xt)
            weights = context["raw"]
        scores = per_sample_scores(estimator, X, y)
        if _is_classification(estimator, y):
            return 1.0 - dev_risk(1.0 - scores, weights)
        return -dev_risk(-scores, weights)


class DiscrepancyScorer(_LabelFreeScorer):
    """Minus the discrepancy between the mapped source fold and the mapped target.

    The held-out source fold and the target are mapped as the candidate's
    final step sees them (raw features for an estimator without a mapping)
    and compared with :func:`transferkit.metrics.mmd2` (RBF kernel, median
    heuristic width on the pooled mapped sample, so the scale of each
    representation does not matter) or
    :func:`transferkit.metrics.proxy_a_distance`. Higher (closer domains) is
    better. It says nothing about the labels: a mapping that collapses
    everything scores best, so use it with a label-aware criterion.

    Parameters
    ----------
    metric : {"mmd", "pad"}, default="mmd"
        Squared MMD (unbiased) or proxy A-distance.
    random_state : int or None, default=0
        Seed of the proxy A-distance folds.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import DiscrepancyScorer
    >>> Xs, ys, Xt, yt = make_domain_shift(random_state=0)
    >>> model = LogisticRegression().fit(Xs, ys)
    >>> DiscrepancyScorer()(model, Xs, ys, Xt=Xt) < 0.1
    True
    """

    name = "discrepancy"

    def __init__(self, metric="mmd", random_state=0):
        super().__init__()
        self.metric = metric
        self.random_state = random_state

    def _params(self):
        return {"metric": self.metric, "random_state": self.random_state}

    def _score(self, estimator, X, y, Xt, context):
        if self.metric not in ("mmd", "pad"):
            raise ValueError(f"metric must be 'mmd' or 'pad', got {self.metric!r}.")
        Zs = np.asarray(map_source(estimator, X), dtype=float)
        Zt = np.asarray(map_target(estimator, Xt), dtype=float)
        if self.metric == "mmd":
            return -mmd2(Zs, Zt)
        random_state = _check_random_state_int(self.random_state, "DiscrepancyScorer")
        return -proxy_a_distance(Zs, Zt, random_state=random_state)
