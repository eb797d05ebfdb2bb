"""Per-round and per-epoch curves of a fitted boosting or fine-tuning model."""

from __future__ import annotations

import numpy as np
from sklearn.base import is_classifier

from ._common import SOURCE_COLOR, TARGET_COLOR, get_axes, panels

__all__ = ["plot_history"]


def _staged_errors(estimator, X, y):
    y = np.asarray(y)
    if is_classifier(estimator):
        return [float(np.mean(pred != y)) for pred in estimator.staged_predict(X)], (
            "error rate on (X, y)"
        )
    return [
        float(np.mean((np.asarray(pred, dtype=float) - y) ** 2))
        for pred in estimator.staged_predict(X)
    ], "mean squared error on (X, y)"


def _boosting(estimator, axes, X, y):
    errors = np.asarray(estimator.estimator_errors_, dtype=float)
    votes = np.asarray(estimator.estimator_weights_, dtype=float)
    rounds = np.arange(1, errors.shape[0] + 1)
    left, right = axes
    left.plot(
        rounds,
        errors,
        "o-",
        ms=3,
        color=SOURCE_COLOR,
        label="epsilon_t: weighted error on the labelled target",
    )
    if X is not None:
        staged, what = _staged_errors(estimator, X, y)
        left.plot(
            rounds[: len(staged)],
            staged,
            "s-",
            ms=3,
            color=TARGET_COLOR,
            label=f"ensemble after round t: {what}",
        )
    left.set_ylabel("error")
    left.set_title(f"{type(estimator).__name__}: errors per round")
    right.plot(
        rounds,
        votes,
        "o-",
        ms=3,
        color=SOURCE_COLOR,
        label="ln(1 / beta_t): the learner's vote",
    )
    right.set_ylabel("vote weight")
    right.set_title("learner weights per round")
    start = getattr(estimator, "vote_start_", None)
    for axis in axes:
        if start is not None:
            axis.axvline(start + 1, color="0.4", ls=":", label="first voting round")
        axis.set_xlabel("boosting round t")
        axis.legend(fontsize="small")


def _two_stage(estimator, axes):
    errors = np.asarray(estimator.cv_errors_, dtype=float)
    shares = np.asarray(estimator.target_shares_, dtype=float)
    steps = np.arange(1, errors.shape[0] + 1)
    best = int(estimator.best_step_) + 1
    left, right = axes
    left.plot(
        steps,
        errors,
        "o-",
        ms=3,
        color=SOURCE_COLOR,
        label="cross-validated MSE on the target",
    )
    right.plot(
        steps,
        shares,
        "o-",
        ms=3,
        color=TARGET_COLOR,
        label="total weight of the target samples",
    )
    for axis in axes:
        axis.axvline(best, color="0.4", ls=":", label=f"chosen step {best}")
        axis.set_xlabel("step")
        axis.legend(fontsize="small")
    left.set_ylabel("MSE")
    left.set_title(f"{type(estimator).__name__}: error per step")
    right.set_ylabel("target weight share")
    right.set_title("target weight per step")


def _finetuning(estimator, axes):
    history = list(estimator.history_)
    phases = list(dict.fromkeys(record["phase"] for record in history))
    left = axes[0]
    right = axes[1] if len(axes) > 1 else None
    for k, phase in enumerate(phases):
        rows = [i for i, r in enumerate(history) if r["phase"] == phase]
        x = np.array(rows) + 1
        color = f"C{k % 10}"
        train = [float(history[i].get("train_loss", np.nan)) for i in rows]
        left.plot(x, train, "-", color=color, label=f"{phase}: train loss")
        val = [float(history[i].get("val_loss", np.nan)) for i in rows]
        if not np.all(np.isnan(val)):
            left.plot(x, val, "--", color=color, label=f"{phase}: validation loss")
        if right is not None:
            score = [float(history[i].get("val_score", np.nan)) for i in rows]
            if not np.all(np.isnan(score)):
                right.plot(x, score, "-", color=color, label=f"{phase}: val score")
    left.set_xlabel("epoch (all phases, in order)")
    left.set_ylabel("loss")
    left.set_title(f"{type(estimator).__name__}: loss per epoch")
    left.legend(fontsize="small")
    if right is not None:
        right.set_xlabel("epoch (all phases, in order)")
        right.set_ylabel("validation score")
        right.set_title("validation score per epoch")
        right.legend(fontsize="small")


def plot_history(estimator, ax=None, *, X=None, y=None):
    """Draw a fitted model's per-round or per-epoch curves.

    - Boosting (``TrAdaBoostClassifier``, ``TrAdaBoostRegressor``): left, each
      round's weighted error ``epsilon_t`` on the labelled target
      (``estimator_errors_``) and, given ``X, y``, the error of the ensemble
      stopped after each round (``staged_predict``: error rate for a
      classifier, mean squared error for a regressor); right, each learner's
      vote ``ln(1 / beta_t)`` (``estimator_weights_``). A dotted line marks
      the first voting round (``vote_start_``).
    - ``TwoStageTrAdaBoostRegressor``: the cross-validated error and the
      target's share of the weight at each step (``cv_errors_``,
      ``target_shares_``), the chosen step marked.
    - Fine-tuning (``FineTuner``, ``FineTunerRegressor``): ``history_``, one
      record per epoch, epochs numbered across the phases in order: train
      (solid) and validation (dashed) loss per phase and, where a
      validation score was recorded, a second panel with it.

    Parameters
    ----------
    estimator : fitted estimator
        A fitted boosting model or fine-tuner (see above).
    ax : matplotlib Axes, or sequence of 2 Axes, default=None
        Two Axes, except for a fine-tuner without validation records (one).
        ``None`` creates a figure.
    X : array-like of shape (n_samples, n_features), default=None
        Held-out target samples for the staged errors of a boosting model
        (keyword only).
    y : array-like of shape (n_samples,), default=None
        Their labels; required with ``X`` (keyword only).

    Returns
    -------
    ax : matplotlib Axes, or ndarray of 2 Axes
        The panels, left to right. Each curve is a ``Line2D`` whose data are
        the plotted attribute, rounds and epochs counted from 1.

    References
    ----------
    W. Dai, Q. Yang, G.-R. Xue and Y. Yu. "Boosting for Transfer Learning".
    ICML 2007. D. Pardoe and P. Stone. "Boosting for Regression Transfer".
    ICML 2010.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.instance import TrAdaBoostClassifier
    >>> from transferkit.plotting import plot_history
    >>> Xs, ys, Xt, yt = make_domain_shift("concept", n_source=200,
    ...                                    n_target=60, random_state=0)
    >>> model = TrAdaBoostClassifier(n_estimators=10, random_state=0)
    >>> errors, votes = plot_history(model.fit(Xs, ys, Xt[:20], yt[:20]),
    ...                              X=Xt[20:], y=yt[20:])
    >>> len(errors.lines[0].get_ydata())
    10
    """
    if (X is None) != (y is None):
        raise ValueError("plot_history needs both X and y (or neither).")
    if hasattr(estimator, "cv_errors_") and hasattr(estimator, "target_shares_"):
        if X is not None:
            raise ValueError(
                f"{type(estimator).__name__} records cross-validated errors; "
                "plot_history takes no X, y for it."
            )
        axes = get_axes(ax, 2, "plot_history")
        _two_stage(estimator, axes)
        return panels(axes)
    if hasattr(estimator, "estimator_errors_") and hasattr(
        estimator, "estimator_weights_"
    ):
        if X is not None and not hasattr(estimator, "staged_predict"):
            raise ValueError(
                f"{type(estimator).__name__} has no staged_predict: plot_history "
                "cannot draw staged errors on X, y."
            )
        axes = get_axes(ax, 2, "plot_history")
        _boosting(estimator, axes, X, y)
        return panels(axes)
    if getattr(estimator, "history_", None) is not None:
        if X is not None:
            raise ValueError("plot_history takes no X, y for a fine-tuner.")
        if len(estimator.history_) == 0:
            raise ValueError(f"{type(estimator).__name__}.history_ is empty.")
        scored = any(
            np.isfinite(float(r.get("val_score", np.nan))) for r in estimator.history_
        )
        axes = get_axes(ax, 2 if scored else 1, "plot_history")
        _finetuning(estimator, axes)
        return panels(axes)
    raise TypeError(
        "plot_history draws a fitted boosting model (estimator_errors_ and "
        "estimator_weights_, e.g. TrAdaBoostClassifier), a "
        "TwoStageTrAdaBoostRegressor (cv_errors_) or a fine-tuner (history_); "
        f"got {type(estimator).__name__} without any of them (is it fitted?)."
    )
