"""Fit time of TCA (exact, landmarks, primal) and JDA (pytest-benchmark).

``pytest benchmarks/test_speed_tca_jda.py --benchmark-only``. Synthetic data,
``d = 100``, ``n`` = total samples (half source, half target, 10 classes);
BLAS pinned to one thread. Quote ratios within one run (e.g. exact vs
landmarks at the same ``n``); absolute times depend on the machine's load.

The exact kernel path is refused above its dense limit (5,000 samples by
default): at ``n = 20,000`` only the landmark and primal paths run, and a
plain test checks the refusal. A second plain test measures the peak memory
of the issue's large-scale target (``n_s = n_t = 10,000``, ``d = 100``,
``n_landmarks = 500``) with ``tracemalloc``.
"""

import time
import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from transferkit.feature import JDA, TCA

SIZES = [1_000, 4_000, 20_000]


def _data(n, d=100, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    half = n // 2
    centres = rng.normal(scale=2.0, size=(n_classes, d))
    ys = rng.integers(0, n_classes, half)
    yt = rng.integers(0, n_classes, n - half)
    Xs = centres[ys] + rng.normal(size=(half, d))
    Xt = (centres[yt] + rng.normal(size=(n - half, d))) * 1.2 + 0.5
    return Xs, ys, Xt


def _fit_once(benchmark, estimator, n):
    Xs, ys, Xt = _data(n)
    rounds = 3 if n <= 1_000 else 1
    with threadpool_limits(1):
        fitted = benchmark.pedantic(
            lambda: estimator.fit(Xs, ys, Xt=Xt), rounds=rounds, iterations=1
        )
    assert np.all(np.isfinite(fitted.transform(Xt[:5])))


@pytest.mark.benchmark(group="tca-jda")
@pytest.mark.parametrize("n", [1_000, 4_000])
def test_tca_exact_rbf(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, TCA(kernel="rbf"), n)


@pytest.mark.benchmark(group="tca-jda")
@pytest.mark.parametrize("n", SIZES)
def test_tca_landmarks_rbf_500(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, TCA(kernel="rbf", n_landmarks=500, random_state=0), n)


@pytest.mark.benchmark(group="tca-jda")
@pytest.mark.parametrize("n", SIZES)
def test_tca_primal(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, TCA(kernel="primal"), n)


@pytest.mark.benchmark(group="tca-jda")
@pytest.mark.parametrize("n", SIZES)
def test_jda_primal_10_rounds(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(benchmark, JDA(kernel="primal", n_iter=10), n)


@pytest.mark.benchmark(group="tca-jda")
@pytest.mark.parametrize("n", SIZES)
def test_jda_landmarks_rbf_500_10_rounds(benchmark, n):
    benchmark.extra_info["n"] = n
    _fit_once(
        benchmark, JDA(kernel="rbf", n_landmarks=500, n_iter=10, random_state=0), n
    )


def test_exact_tca_is_refused_at_20000_samples():
    Xs, ys, Xt = _data(20_000)
    with pytest.raises(ValueError, match="n_landmarks"):
        TCA(kernel="rbf").fit(Xs, ys, Xt=Xt)


@pytest.mark.slow
def test_landmark_tca_at_20000_samples_time_and_peak_memory():
    """n_s = n_t = 10,000, d = 100, 500 landmarks: well under a minute and
    under 3 GB (peak of numpy allocations traced by tracemalloc)."""
    Xs, ys, Xt = _data(20_000)
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with threadpool_limits(1):
            TCA(kernel="rbf", n_landmarks=500, random_state=0).fit(Xs, ys, Xt=Xt)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * 2**30
    assert elapsed < 60.0
