"""Fit time of CORAL, SubspaceAlignment and GFK (pytest-benchmark).

``pytest benchmarks/test_speed_feature.py --benchmark-only``. Synthetic data,
``d = 100``, ``n`` = total samples (half source, half target); BLAS pinned to
one thread. All three are ``O(n d^2 + d^3)``: the ``n`` columns show how the
``n d^2`` covariance / scatter term grows, the ``d^3`` eigendecompositions are
the same at every ``n``. Quote ratios within one run (e.g. GFK / CORAL at the
same ``n``); absolute times depend on the machine's load.

SA and GFK run with a fixed ``n_components=20`` (the subspace-disagreement
choice of ``n_components=None`` adds one more PCA of the pooled data and is
timed separately at the smallest size).
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from transferkit.feature import CORAL, GFK, SubspaceAlignment

SIZES = [1_000, 4_000, 20_000]


def _data(n, d=100, seed=0):
    rng = np.random.default_rng(seed)
    half = n // 2
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    Xs = rng.normal(size=(half, d))
    Xt = rng.normal(size=(n - half, d)) @ mixing * 1.5 + 0.5
    return Xs, Xt


def _fit_once(benchmark, estimator, n):
    Xs, Xt = _data(n)
    rounds = 5 if n <= 4_000 else 3
    with threadpool_limits(1):
        fitted = benchmark.pedantic(
            lambda: estimator.fit(Xs, Xt=Xt), rounds=rounds, iterations=1
        )
    assert np.all(np.isfinite(fitted.transform(Xt[:5])))


@pytest.mark.benchmark(group="feature-fit")
@pytest.mark.parametrize("n", SIZES)
def test_coral(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, CORAL(), n)


@pytest.mark.benchmark(group="feature-fit")
@pytest.mark.parametrize("n", SIZES)
def test_subspace_alignment(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, SubspaceAlignment(n_components=20), n)


@pytest.mark.benchmark(group="feature-fit")
@pytest.mark.parametrize("n", SIZES)
def test_gfk(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, GFK(n_components=20), n)


@pytest.mark.benchmark(group="feature-fit")
def test_gfk_sdm_dimension(benchmark):
    benchmark.extra_info["n"] = SIZES[0]
    _fit_once(benchmark, GFK(), SIZES[0])
