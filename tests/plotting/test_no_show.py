import matplotlib.pyplot as plt
import numpy as np

from transferkit.benchmarks import BenchmarkTable
from transferkit.plotting import (
    plot_benchmark,
    plot_domains,
    plot_history,
    plot_selection,
    plot_weights,
)


class _History:
    history_ = [{"phase": "source", "epoch": 0, "train_loss": 1.0}]


def test_no_function_shows_or_touches_rcparams(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", refuse)
    before = dict(plt.rcParams)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 2))
    table = BenchmarkTable("t", ["a"])
    table.add_row("m", [1.0])
    report = {
        "candidates": ["a", "b"],
        "criteria": ["c"],
        "scores": {
            "c": {
                "a": {"mean": 1.0, "std": 0.0, "folds": [1.0]},
                "b": {"mean": 2.0, "std": 0.0, "folds": [2.0]},
            }
        },
        "baseline": "a",
        "selected": "b",
        "reason": "higher",
    }
    outputs = [
        plot_domains(X, X + 1),
        plot_weights(np.ones(20), X, feature=0),
        plot_selection(report),
        plot_history(_History()),
        plot_benchmark(table),
    ]
    assert len(plt.get_fignums()) == len(outputs)  # one new figure each
    assert dict(plt.rcParams) == before
