import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from transferkit.datasets import make_domain_shift
from transferkit.feature import CORAL
from transferkit.model_selection import ReverseValidationSelector
from transferkit.pipeline import make_transfer_pipeline
from transferkit.plotting import plot_selection

REPORT = {
    "candidates": ["source only", "CORAL", "TCA"],
    "criteria": ["reverse validation", "entropy"],
    "scores": {
        "reverse validation": {
            "source only": {"mean": 0.7, "std": 0.05, "folds": [0.65, 0.75]},
            "CORAL": {"mean": 0.8, "std": 0.1, "folds": [0.7, 0.9]},
            "TCA": {"mean": 0.6, "std": 0.0, "folds": [0.6, 0.6]},
        },
        "entropy": {
            "source only": {"mean": -0.3, "std": 0.01, "folds": [-0.29, -0.31]},
            "CORAL": {"mean": -0.2, "std": 0.02, "folds": [-0.18, -0.22]},
            "TCA": {"mean": -0.5, "std": 0.05, "folds": [-0.45, -0.55]},
        },
    },
    "baseline": "source only",
    "selected": "CORAL",
    "reason": "CORAL beats source only by more than one standard error",
}


class _WithReport:
    selection_report_ = REPORT


def test_every_criterion_candidate_fold_is_drawn():
    axes = plot_selection(_WithReport())
    assert len(axes) == 2
    for ax, criterion in zip(axes, REPORT["criteria"]):
        scores = REPORT["scores"][criterion]
        folds = np.array(
            [
                (i, v)
                for i, name in enumerate(REPORT["candidates"])
                for v in scores[name]["folds"]
            ]
        )
        np.testing.assert_allclose(ax.collections[0].get_offsets(), folds)
        means = [scores[n]["mean"] for n in REPORT["candidates"]]
        errorbar = ax.containers[0]
        np.testing.assert_allclose(errorbar.lines[0].get_ydata(), means)
        segments = errorbar.lines[2][0].get_segments()
        spans = [s[1, 1] - s[0, 1] for s in segments]
        np.testing.assert_allclose(
            spans, [2 * scores[n]["std"] for n in REPORT["candidates"]]
        )
        star = ax.collections[-1].get_offsets()
        np.testing.assert_allclose(star, [[1.0, scores["CORAL"]["mean"]]])
        baseline = ax.lines[-1]
        assert baseline.get_ydata()[0] == scores["source only"]["mean"]
        assert ax.get_title() == criterion
        assert [t.get_text() for t in ax.get_xticklabels()] == REPORT["candidates"]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "selected: CORAL" in labels and "baseline: source only" in labels
    assert "more than one standard error" in axes[0].get_xlabel().replace("\n", " ")


def test_a_report_dict_is_accepted_and_checked():
    ax = plot_selection({**REPORT, "criteria": ["entropy"]})
    assert ax.get_title() == "entropy"
    with pytest.raises(ValueError, match=r"lacks the key\(s\) \['reason'\]"):
        plot_selection({k: v for k, v in REPORT.items() if k != "reason"})
    with pytest.raises(ValueError, match="selected 'GFK' is not among"):
        plot_selection({**REPORT, "selected": "GFK"})
    with pytest.raises(ValueError, match="no entry for it"):
        plot_selection({**REPORT, "criteria": ["accuracy"]})
    with pytest.raises(TypeError, match="selection_report_"):
        plot_selection(LogisticRegression())


def test_no_baseline_when_the_guard_is_off():
    ax = plot_selection({**REPORT, "criteria": ["entropy"], "baseline": None})
    assert not any(line.get_linestyle() == "--" for line in ax.lines)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == ["folds", "mean ± std", "selected: CORAL"]


def _fit_selector():
    Xs, ys, Xt, _ = make_domain_shift(
        "affine", n_source=90, n_target=90, random_state=0
    )
    return ReverseValidationSelector(
        [
            ("source only", LogisticRegression()),
            ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
        ],
        cv=3,
    ).fit(Xs, ys, Xt)


def test_reverse_validation_selector_without_a_report():
    selector = _fit_selector()
    selector.selection_report_ = None  # as before the report existed
    ax = plot_selection(selector)
    assert ax.get_title() == "reverse validation"
    drawn = ax.collections[0].get_offsets()
    expected = [
        (i, v)
        for i, name in enumerate(["source only", "CORAL"])
        for v in selector.fold_scores_[name]
    ]
    np.testing.assert_allclose(drawn, expected)
    means = ax.containers[0].lines[0].get_ydata()
    np.testing.assert_allclose(
        means, [selector.scores_["source only"], selector.scores_["CORAL"]]
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"selected: {selector.best_name_}" in labels
    assert "baseline: source only" in labels


def test_a_fitted_selector_as_it_is():
    selector = _fit_selector()
    axes = plot_selection(selector)
    first = axes if not isinstance(axes, np.ndarray) else axes[0]
    folds = np.asarray(first.collections[0].get_offsets())
    # whatever the report, the fold points are the selector's reverse-validation
    # folds, candidate by candidate
    np.testing.assert_allclose(
        folds[:, 1],
        np.concatenate([selector.fold_scores_[n] for n in ["source only", "CORAL"]]),
    )


def test_transfer_selector_report():
    from transferkit.model_selection import TransferSelector

    Xs, ys, Xt, _ = make_domain_shift(
        "affine", n_source=120, n_target=120, random_state=0
    )
    selector = TransferSelector(
        [
            ("source only", LogisticRegression()),
            ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
        ],
        cv=3,
        random_state=0,
    ).fit(Xs, ys, Xt)
    report = selector.selection_report_
    axes = plot_selection(selector)
    axes = axes if isinstance(axes, np.ndarray) else [axes]
    assert [ax.get_title() for ax in axes] == report["criteria"]
    for ax, criterion in zip(axes, report["criteria"]):
        scores = report["scores"][criterion]
        folds = [v for name in report["candidates"] for v in scores[name]["folds"]]
        np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], folds)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert f"selected: {report['selected']}" in labels
