"""A label-free selection: every candidate's scores, the pick and the baseline."""

from __future__ import annotations

import textwrap

import numpy as np

from ._common import SOURCE_COLOR, TARGET_COLOR, get_axes, panels

__all__ = ["plot_selection"]

_KEYS = ("candidates", "criteria", "scores", "baseline", "selected", "reason")


def _report_from_reverse_validation(selector):
    """The ``selection_report_`` layout, built from a ReverseValidationSelector."""
    folds = selector.fold_scores_
    candidates = list(folds)
    scores = {
        name: {
            "mean": float(selector.scores_[name]),
            "std": float(np.std(folds[name])),
            "folds": [float(v) for v in folds[name]],
        }
        for name in candidates
    }
    n_folds = len(folds[candidates[0]])
    return {
        "candidates": candidates,
        "criteria": ["reverse validation"],
        "scores": {"reverse validation": scores},
        "baseline": candidates[0],
        "selected": selector.best_name_,
        "reason": (
            f"highest mean reverse-validation accuracy over {n_folds} "
            "source folds (ties go to the first candidate, the baseline)"
        ),
    }


def selection_report(selector):
    """The selection report of ``selector`` (or ``selector`` itself if a dict)."""
    if isinstance(selector, dict):
        report = selector
    elif getattr(selector, "selection_report_", None) is not None:
        report = selector.selection_report_
    elif all(hasattr(selector, a) for a in ("fold_scores_", "scores_", "best_name_")):
        report = _report_from_reverse_validation(selector)
    else:
        raise TypeError(
            "selector must be a fitted selector with a selection_report_ (or a "
            "ReverseValidationSelector's fold_scores_, scores_ and best_name_), or "
            f"the report dict itself; got {type(selector).__name__}."
        )
    missing = [k for k in _KEYS if k not in report]
    if missing:
        raise ValueError(
            f"the selection report lacks the key(s) {missing}; expected the keys "
            f"{list(_KEYS)}."
        )
    for criterion in report["criteria"]:
        if criterion not in report["scores"]:
            raise ValueError(
                f"the selection report lists the criterion {criterion!r} but "
                "report['scores'] has no entry for it."
            )
    for key in ("baseline", "selected"):
        if key == "baseline" and report[key] is None:
            continue  # the guard was off: no baseline to mark
        if report[key] not in report["candidates"]:
            raise ValueError(
                f"the selection report's {key} {report[key]!r} is not among its "
                f"candidates {report['candidates']}."
            )
    return report


def _entry(scores, name):
    entry = scores.get(name)
    if entry is None:
        return np.nan, np.nan, []
    folds = [float(v) for v in entry.get("folds", [])]
    mean = float(entry.get("mean", np.mean(folds) if folds else np.nan))
    std = float(entry.get("std", np.std(folds) if folds else np.nan))
    return mean, std, folds


def plot_selection(selector, ax=None):
    """Draw each candidate's label-free scores, the chosen one and the baseline.

    One panel per criterion of the selector's ``selection_report_``. On each,
    the candidates run along the x-axis; every fold's score is a small dot,
    the mean with one standard deviation either way an error bar, the chosen
    candidate a star, and a dashed line marks the baseline's mean (the
    candidate the choice is weighed against, e.g. source-only; no line when
    the report's baseline is ``None``, a selection without the guard). The
    report's ``reason`` is printed under the first panel.

    The report is a dict::

        {"candidates": [names], "criteria": [names],
         "scores": {criterion: {candidate: {"mean": float, "std": float,
                                            "folds": [floats]}}},
         "baseline": name, "selected": name, "reason": str}

    A :class:`~transferkit.model_selection.ReverseValidationSelector` without
    a report is read from its ``fold_scores_``, ``scores_`` and
    ``best_name_`` (one criterion, "reverse validation"; its first candidate
    is the baseline, as ties go to it; ``std`` is the folds' population
    standard deviation).

    Parameters
    ----------
    selector : fitted selector or dict
        A selector with ``selection_report_``, a fitted
        ``ReverseValidationSelector``, or the report itself.
    ax : matplotlib Axes, or sequence of Axes, default=None
        One Axes per criterion. ``None`` creates a figure.

    Returns
    -------
    ax : matplotlib Axes, or ndarray of Axes
        One Axes per criterion, in the report's order. On each, the first
        collection holds the fold scores as ``(candidate index, score)``.

    References
    ----------
    E. Zhong, W. Fan, Q. Yang, O. Verscheure and J. Ren. "Cross Validation
    Framework to Choose amongst Models and Datasets for Transfer Learning".
    ECML PKDD 2010 (reverse validation).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.model_selection import ReverseValidationSelector
    >>> from transferkit.plotting import plot_selection
    >>> Xs, ys, Xt, yt = make_domain_shift("affine", n_source=200,
    ...                                    n_target=200, random_state=0)
    >>> selector = ReverseValidationSelector().fit(Xs, ys, Xt)
    >>> ax = plot_selection(selector)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['source only', 'CORAL']
    """
    report = selection_report(selector)
    criteria = list(report["criteria"])
    if not criteria:
        raise ValueError("the selection report lists no criteria.")
    candidates = list(report["candidates"])
    axes = get_axes(
        ax,
        len(criteria),
        "plot_selection",
        figsize=(max(4.0, 1.1 * len(candidates) + 2) * len(criteria), 4.2),
    )
    positions = np.arange(len(candidates), dtype=float)
    chosen = candidates.index(report["selected"])
    baseline = None
    if report["baseline"] is not None:
        baseline = candidates.index(report["baseline"])
    for axis, criterion in zip(axes, criteria):
        scores = report["scores"][criterion]
        entries = [_entry(scores, name) for name in candidates]
        means = np.array([e[0] for e in entries])
        stds = np.array([e[1] for e in entries])
        fold_x = [positions[i] for i, e in enumerate(entries) for _ in e[2]]
        fold_y = [v for e in entries for v in e[2]]
        axis.scatter(fold_x, fold_y, s=14, color="0.55", zorder=2, label="folds")
        axis.errorbar(
            positions,
            means,
            yerr=stds,
            fmt="o",
            color=SOURCE_COLOR,
            capsize=4,
            zorder=3,
            label="mean ± std",
        )
        if baseline is not None:
            axis.axhline(
                means[baseline],
                color="0.3",
                ls="--",
                zorder=1,
                label=f"baseline: {report['baseline']}",
            )
        axis.scatter(
            [positions[chosen]],
            [means[chosen]],
            marker="*",
            s=260,
            color=TARGET_COLOR,
            edgecolor="k",
            zorder=4,
            label=f"selected: {report['selected']}",
        )
        axis.set_xticks(positions)
        axis.set_xticklabels(candidates, rotation=20 if len(candidates) > 3 else 0)
        axis.set_xlim(-0.5, len(candidates) - 0.5)
        axis.set_title(criterion)
        axis.set_ylabel("score")
        axis.legend(fontsize="small")
    axes[0].set_xlabel(textwrap.fill(str(report["reason"]), 60), fontsize="small")
    return panels(axes)
