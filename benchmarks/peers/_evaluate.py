"""Untimed read-out: one fixed downstream classifier for every library."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel


def weighted_accuracy(weights, task):
    """Target accuracy of a logistic regression fitted with the source weights."""
    weights = np.asarray(weights, dtype=float).ravel()
    weights = np.clip(weights, 0.0, None)
    if not np.isfinite(weights).all() or weights.sum() <= 0:
        return float("nan")
    clf = LogisticRegression(max_iter=2000)
    clf.fit(task.Xs, task.ys, sample_weight=weights * len(weights) / weights.sum())
    return float(clf.score(task.Xt, task.yt))


def embedding_accuracy(embeddings, task):
    """Target accuracy of a logistic regression trained on the source embedding.

    No scaler: one fitted on the source would undo (or amplify) the shift that
    the mapping is meant to remove.
    """
    Zs, Zt = embeddings
    clf = LogisticRegression(max_iter=5000)
    clf.fit(np.asarray(Zs), task.ys)
    return float(clf.score(np.asarray(Zt), task.yt))


def kmm_objective(weights, task, gamma):
    """``0.5 w'Kw - kappa'w`` with ``kappa = n_s/n_t K(Xs, Xt) 1`` (the KMM QP)."""
    w = np.asarray(weights, dtype=float).ravel()
    K = rbf_kernel(task.Xs, gamma=gamma)
    kappa = (
        len(task.Xs) / len(task.Xt) * rbf_kernel(task.Xs, task.Xt, gamma=gamma).sum(1)
    )
    return float(0.5 * w @ K @ w - kappa @ w)


def kliep_log_likelihood(ratio):
    """KLIEP's criterion on the training data: mean_t log(w / mean_s w)."""
    scale = np.mean(ratio.weights)
    return float(np.mean(np.log(np.clip(ratio.target_weights, 1e-300, None) / scale)))


def ulsif_squared_loss(ratio):
    """uLSIF's criterion on the training data: mean_s w^2 / 2 - mean_t w."""
    return float(0.5 * np.mean(ratio.weights**2) - np.mean(ratio.target_weights))


def weights_eval(gamma=None):
    """Read-out of a reweighting: accuracy, and the KMM objective at ``gamma``."""

    def evaluate(weights, task):
        result = {"accuracy": weighted_accuracy(weights, task)}
        if gamma is not None:
            result["objective"] = kmm_objective(weights, task, gamma)
        return result

    return evaluate


def kliep_eval(ratio, task):
    return {
        "accuracy": weighted_accuracy(ratio.weights, task),
        "selected": ratio.width,
        "KLIEP log-likelihood": kliep_log_likelihood(ratio),
    }


def ulsif_eval(ratio, task):
    return {
        "accuracy": weighted_accuracy(ratio.weights, task),
        "selected": ratio.width,
        "uLSIF squared loss": ulsif_squared_loss(ratio),
    }


def embedding_eval(embeddings, task):
    return {"accuracy": embedding_accuracy(embeddings, task)}


def boosting_eval(model, task):
    pred = np.asarray(model.predict(task.Xt_test)).ravel()
    return {"accuracy": float(np.mean(pred == task.yt_test))}


def source_only_weights_accuracy(task):
    return weighted_accuracy(np.ones(len(task.Xs)), task)


def default_eps(task):
    """KMM's usual ``eps = (sqrt(n_s) - 1) / sqrt(n_s)``."""
    n = len(task.Xs)
    return (np.sqrt(n) - 1) / np.sqrt(n)


def inverse_dimension(task):
    """sklearn's default RBF width ``1 / n_features`` (skada's TCA cannot change it)."""
    return 1.0 / task.Xs.shape[1]
