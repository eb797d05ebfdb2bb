"""Speed of the discrepancy metrics (pytest-benchmark).

``pytest benchmarks/test_speed_metrics.py --benchmark-only``. BLAS is pinned
to one thread. The 20,000 + 20,000 MMD case is marked slow.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from transferkit.metrics import coral_distance, mmd2


def _samples(n, d=100):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, d)), rng.normal(0.1, size=(n, d))


@pytest.mark.benchmark(group="mmd2-rbf")
@pytest.mark.parametrize(
    "n", [1_000, 4_000, pytest.param(20_000, marks=pytest.mark.slow)]
)
def test_mmd2_rbf(benchmark, n):
    Xs, Xt = _samples(n)
    with threadpool_limits(1):
        value = benchmark.pedantic(mmd2, args=(Xs, Xt), rounds=1, iterations=1)
    assert value > 0


@pytest.mark.benchmark(group="coral-distance")
@pytest.mark.parametrize("n", [1_000, 20_000])
def test_coral_distance(benchmark, n):
    Xs, Xt = _samples(n)
    with threadpool_limits(1):
        benchmark(coral_distance, Xs, Xt)
