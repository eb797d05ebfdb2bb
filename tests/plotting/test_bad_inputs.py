"""Inputs the plots cannot draw meaningfully raise errors naming the argument."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from transferkit.benchmarks import BenchmarkTable
from transferkit.plotting import plot_benchmark, plot_domains, plot_weights


def _two_domains(n_features):
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(30, n_features))
    return Xs, Xs + 1.0, (Xs[:, 0] > 0).astype(int)


def test_tsne_on_one_feature_is_refused():
    Xs, Xt, ys = _two_domains(1)
    with pytest.raises(ValueError, match="method='tsne'.*2 features"):
        plot_domains(Xs, Xt, ys, method="tsne")


def test_classifier_as_mapper_is_refused():
    Xs, Xt, ys = _two_domains(3)
    with pytest.raises(
        TypeError, match="mapper must be .*transform.*LogisticRegression"
    ):
        plot_domains(Xs, Xt, ys, mapper=LogisticRegression())


@pytest.mark.parametrize("weights", [[1.0, -0.5, 2.0], [0.0, 0.0, 0.0], [1.0, np.nan]])
def test_negative_zero_or_missing_weights_are_refused(weights):
    with pytest.raises(ValueError, match="weights"):
        plot_weights(np.asarray(weights))


def test_empty_table_is_refused():
    with pytest.raises(ValueError, match="table .*no rows"):
        plot_benchmark(BenchmarkTable("accuracy (%)", ["A→W"]))
    with pytest.raises(ValueError, match="table .*no columns"):
        plot_benchmark({"title": "t", "columns": [], "rows": []})
