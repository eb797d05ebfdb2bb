"""The selection benchmark's bookkeeping: picks, oracle, regret."""

import numpy as np
import pytest

from transferkit.benchmarks import available_benchmarks
from transferkit.benchmarks.selection import (
    CRITERIA,
    _criterion_tables,
    guarded_picks,
    selection,
    selection_reports,
)
from transferkit.datasets import make_domain_shift


def _summary(folds):
    return {"mean": float(np.mean(folds)), "std": 0.0, "folds": list(folds)}


def _report(folds_by_criterion, baseline="base", selected="base", structure=10.0):
    candidates = list(next(iter(folds_by_criterion.values())))
    return {
        "candidates": candidates,
        "criteria": list(folds_by_criterion),
        "scores": {
            c: {n: _summary(f) for n, f in table.items()}
            for c, table in folds_by_criterion.items()
        },
        "baseline": baseline,
        "selected": selected,
        "reason": "",
        "target_structure": {
            "score": structure,
            "threshold": 3.0,
            "structured": structure > 3.0,
        },
    }


def test_guarded_picks_by_hand():
    # "a" gains 0.1 on every fold (zero spread): beats the baseline; "b" has a
    # higher mean but one losing fold, so its gain is within one standard error
    report = _report(
        {"iwcv": {"base": [0.5, 0.5, 0.5], "a": [0.6, 0.6, 0.6], "b": [1.0, 1.0, 0.1]}}
    )
    assert guarded_picks(report, "iwcv") == "a"
    assert guarded_picks(report, "iwcv", guard=False) == "b"


def test_rank_is_computed_from_the_three_criteria():
    folds = {
        "iwcv": {"base": [0.5, 0.5], "a": [0.6, 0.6]},
        "reverse_validation": {"base": [0.5, 0.5], "a": [0.6, 0.4]},
        "dev": {"base": [0.5, 0.5], "a": [0.6, 0.6]},
    }
    # per fold, "a" ranks 2, 2, 2 then 2, 1, 2 (base 1, 1, 1 then 1, 2, 1)
    report = _report(folds)
    assert guarded_picks(report, "rank", guard=False) == "a"


def test_tables_report_oracle_regret_and_worst_loss():
    folds = {c: {"base": [0.5] * 3, "a": [0.9] * 3} for c in CRITERIA}
    reports = [
        (_report(folds, selected="a", structure=12.0), None),
        # the criteria prefer "a" on the second task too, where it is worse;
        # the selector kept the baseline there (its target showed no structure)
        (_report(folds, selected="base", structure=1.5), None),
    ]
    accuracies = [{"base": 40.0, "a": 50.0}, {"base": 70.0, "a": 60.0}]
    results = [(rep, acc) for (rep, _), acc in zip(reports, accuracies)]
    accuracy, regret = _criterion_tables("toy", ["t1", "t2"], results, "base")
    rows = dict(accuracy.rows)
    assert rows["oracle (best candidate per task)"] == [50.0, 70.0, 60.0]
    assert rows["baseline (base)"] == [40.0, 70.0, 55.0]
    assert rows["iwcv_mixval"] == [50.0, 60.0, 55.0]
    # the "auto" row is the selector's own choice (report["selected"])
    assert rows["auto (structure test, then the like-with-like consensus)"] == [
        50.0,
        70.0,
        60.0,
    ]
    regrets = dict(regret.rows)
    # regret per task, its mean, and the worst loss against the baseline
    assert regrets["iwcv_mixval"] == [0.0, 10.0, 5.0, 10.0]
    assert regrets["auto (structure test, then the like-with-like consensus)"] == [
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    assert "t1: 12.0, t2: 1.5" in accuracy.notes


def test_small_run_on_a_synthetic_task():
    task = make_domain_shift(
        kind="covariate", n_source=90, n_target=90, n_features=3, random_state=0
    )

    def candidates():
        from sklearn.linear_model import LogisticRegression

        from transferkit.feature import CORAL
        from transferkit.pipeline import make_transfer_pipeline

        return [
            ("LR", LogisticRegression()),
            ("CORAL + LR", make_transfer_pipeline(CORAL(), LogisticRegression())),
        ]

    [(report, accuracies)] = selection_reports([task], candidates, "LR", cv=3)
    assert report["baseline"] == "LR"
    assert set(report["scores"]) >= set(CRITERIA)
    # a covariate shift: one Gaussian target, no cluster structure
    assert report["target_structure"]["structured"] is False
    assert report["selected"] == "LR"
    Xs, ys, Xt, yt = task
    from sklearn.linear_model import LogisticRegression

    expected = 100 * LogisticRegression().fit(Xs, ys).score(Xt, yt)
    assert accuracies["LR"] == pytest.approx(expected)


def test_registered_and_checks_family():
    assert "selection" in available_benchmarks()
    with pytest.raises(ValueError, match="family"):
        selection(family="nonsense")
