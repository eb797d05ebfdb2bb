"""Helpers shared by the label-free scorers and the selector.

How a fitted candidate is looked at from the *source* side matters: a
feature mapping such as CORAL or subspace alignment maps source and target
samples differently (``fit_transform`` recolours or projects the source,
``transform`` maps target samples). A held-out source fold must go through
the source map, or a validation score measures the classifier on the wrong
representation. :func:`map_source` and :func:`predict_source` do that.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils.extmath import softmax
from sklearn.utils.multiclass import type_of_target

from ..utils.validation import is_multi_domain

__all__ = [
    "as_target",
    "map_source",
    "map_target",
    "per_sample_scores",
    "predict_source",
    "soft_predictions",
]


def as_target(Xt, owner):
    """One 2-D array of target features from ``Xt`` (an array or a tuple of arrays)."""
    if Xt is None:
        raise ValueError(
            f"{owner} needs the unlabelled target features Xt, got Xt=None. Pass "
            "them through metadata routing (sklearn.set_config("
            "enable_metadata_routing=True), then e.g. cross_validate(..., "
            "params={'Xt': (Xt,)}) or GridSearchCV(...).fit(X, y, Xt=(Xt,))), or "
            "call the scorer as scorer(estimator, X, y, Xt=Xt)."
        )
    if is_multi_domain(Xt):
        parts = list(Xt)
        if any(sp.issparse(p) for p in parts):
            return sp.vstack(parts, format="csr")
        return np.concatenate([np.asarray(p) for p in parts], axis=0)
    if sp.issparse(Xt):
        return Xt
    Xt = np.asarray(Xt)
    if Xt.ndim != 2:
        raise ValueError(
            f"{owner} expects Xt to be a 2-D array (n_target, n_features) or a "
            f"tuple of such arrays, got an array of shape {Xt.shape}."
        )
    return Xt


def _source_step(step, X):
    if hasattr(step, "transform_source"):
        return step.transform_source(X)
    from ..feature import CORAL

    if isinstance(step, CORAL):
        return np.asarray(X @ step.transformation_)
    return step.transform(X)


def _transform_steps(estimator):
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return [s for _, s in estimator.steps[:-1] if s not in (None, "passthrough")]
    return []


def map_source(estimator, X):
    """Source samples ``X`` in the representation the final step was trained on.

    For a pipeline, every step before the last maps ``X`` as *source* data
    (``transform_source`` where a step has one, CORAL's recolouring
    ``X @ transformation_``, else ``transform``); for any other estimator the
    representation is ``X`` itself.
    """
    for step in _transform_steps(estimator):
        X = _source_step(step, X)
    return X


def map_target(estimator, Xt):
    """Target samples in the representation the final step predicts on."""
    for step in _transform_steps(estimator):
        Xt = step.transform(Xt)
    return Xt


def _final(estimator):
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator.steps[-1][1]
    return estimator


def predict_source(estimator, X):
    """Predictions for source samples, mapped as source (see :func:`map_source`).

    An estimator that maps the domains itself (MEDA) says how it predicts
    source samples with a ``predict_source`` method, which is used.
    """
    if _transform_steps(estimator):
        X = map_source(estimator, X)
        estimator = _final(estimator)
    if hasattr(estimator, "predict_source"):
        return np.asarray(estimator.predict_source(X))
    return np.asarray(estimator.predict(X))


def per_sample_scores(estimator, X, y):
    """Per-sample score of source samples, higher is better.

    1 for a correct and 0 for a wrong prediction of a classifier; minus the
    squared error of a regressor.
    """
    predicted = predict_source(estimator, X)
    y = np.asarray(y)
    if is_classifier(estimator) or type_of_target(y) in ("binary", "multiclass"):
        return (predicted == y).astype(float)
    return -((predicted.astype(float) - y.astype(float)) ** 2)


def soft_predictions(estimator, Xt):
    """Class probabilities of target samples, shape ``(n_target, n_classes)``.

    ``predict_proba`` where the estimator has it; else a softmax of
    ``decision_function`` (a logistic sigmoid for two classes); else the
    one-hot encoding of ``predict`` (a 1-NN classifier, whose probabilities
    are one-hot anyway).
    """
    try:
        proba = estimator.predict_proba(Xt)
        return np.asarray(proba, dtype=float)
    except AttributeError:
        pass
    try:
        decision = np.asarray(estimator.decision_function(Xt), dtype=float)
    except AttributeError:
        decision = None
    if decision is not None:
        if decision.ndim == 1:
            decision = np.column_stack([-decision / 2, decision / 2])
        return softmax(decision.copy())
    predicted = np.asarray(estimator.predict(Xt))
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        classes = np.unique(predicted)
    return (predicted[:, None] == np.asarray(classes)[None, :]).astype(float)
