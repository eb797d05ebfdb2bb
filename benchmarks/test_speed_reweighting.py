"""Speed of the reweighting estimators at growing n (pytest-benchmark).

``pytest benchmarks/test_speed_reweighting.py --benchmark-only
--benchmark-group-by=group --benchmark-columns=median,min,max,rounds``

Data: ``n_s = n_t = n`` samples in ``d = 10`` dimensions, source ``N(0, I)``,
target ``N(0.5, 0.64 I)``; BLAS pinned to one thread. Each group holds the
timings measured in the same run:

- ``kmm n=...``: KMM's fast solver, KMM with ``solver="cvxpy"`` (the exact
  reference; n <= 2,000 only), KMM with ``n_landmarks=500``, and ADAPT's KMM
  and skada's KMM when installed (skipped otherwise);
- ``kliep n=...`` / ``ulsif n=...``: weights only (``fit_weights``), with the
  default width selection, and ADAPT's versions when installed.

The objective of each KMM solution, its duality gap, the 1-minute load
average and (fast and landmark solvers) the tracemalloc peak of one more fit
are stored in ``extra_info``; the ratio fast/cvxpy
is the ratio of the medians of one group.
"""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from transferkit.instance import KLIEP, KMM, ULSIF

D = 10


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, D))
    Xt = 0.8 * rng.normal(size=(n, D)) + 0.5
    return Xs, Xt


def _run(benchmark, group, func, rounds, measure_memory=False):
    benchmark.group = group
    benchmark.extra_info["loadavg_1min"] = os.getloadavg()[0]

    def timed():
        with threadpool_limits(1):
            return func()

    result = benchmark.pedantic(timed, rounds=rounds, iterations=1, warmup_rounds=0)
    if not measure_memory:
        return result
    tracemalloc.start()
    with threadpool_limits(1):
        func()
    benchmark.extra_info["tracemalloc_peak_mib"] = (
        tracemalloc.get_traced_memory()[1] / 2**20
    )
    tracemalloc.stop()
    return result


def _record_kmm(benchmark, kmm):
    benchmark.extra_info["objective"] = kmm.objective_
    benchmark.extra_info["duality_gap"] = kmm.duality_gap_
    benchmark.extra_info["solver_status"] = kmm.solver_status_


@pytest.mark.parametrize("n", [500, 2_000])
def test_kmm_fast(benchmark, n):
    Xs, Xt = _data(n)
    kmm = KMM(random_state=0)
    _run(
        benchmark,
        f"kmm n={n}",
        lambda: kmm.fit_weights(Xs, Xt),
        rounds=3,
        measure_memory=True,
    )
    _record_kmm(benchmark, kmm)


@pytest.mark.parametrize("n", [500, 2_000])
def test_kmm_cvxpy(benchmark, n):
    Xs, Xt = _data(n)
    kmm = KMM(solver="cvxpy", random_state=0)
    _run(benchmark, f"kmm n={n}", lambda: kmm.fit_weights(Xs, Xt), rounds=1)
    _record_kmm(benchmark, kmm)


@pytest.mark.parametrize("n", [2_000, pytest.param(20_000, marks=pytest.mark.slow)])
def test_kmm_landmarks(benchmark, n):
    Xs, Xt = _data(n)
    kmm = KMM(n_landmarks=500, tol=1e-3, random_state=0)
    _run(
        benchmark,
        f"kmm n={n}",
        lambda: kmm.fit_weights(Xs, Xt),
        rounds=1,
        measure_memory=True,
    )
    _record_kmm(benchmark, kmm)


@pytest.mark.parametrize("n", [500, 2_000])
def test_kmm_adapt(benchmark, n):
    adapt = pytest.importorskip("adapt.instance_based")
    Xs, Xt = _data(n)
    model = adapt.KMM(kernel="rbf", verbose=0, random_state=0)
    _run(benchmark, f"kmm n={n}", lambda: model.fit_weights(Xs, Xt), rounds=1)


@pytest.mark.parametrize(
    "n", [500, 2_000, pytest.param(20_000, marks=pytest.mark.slow)]
)
def test_kliep(benchmark, n):
    Xs, Xt = _data(n)
    model = KLIEP(random_state=0)
    _run(benchmark, f"kliep n={n}", lambda: model.fit_weights(Xs, Xt), rounds=1)


@pytest.mark.parametrize("n", [500, 2_000])
def test_kliep_adapt(benchmark, n):
    adapt = pytest.importorskip("adapt.instance_based")
    Xs, Xt = _data(n)
    model = adapt.KLIEP(verbose=0, random_state=0)
    _run(benchmark, f"kliep n={n}", lambda: model.fit_weights(Xs, Xt), rounds=1)


@pytest.mark.parametrize(
    "n", [500, 2_000, pytest.param(20_000, marks=pytest.mark.slow)]
)
def test_ulsif(benchmark, n):
    Xs, Xt = _data(n)
    model = ULSIF(random_state=0)
    _run(benchmark, f"ulsif n={n}", lambda: model.fit_weights(Xs, Xt), rounds=1)


@pytest.mark.parametrize("n", [500, 2_000])
def test_ulsif_adapt(benchmark, n):
    adapt = pytest.importorskip("adapt.instance_based")
    Xs, Xt = _data(n)
    model = adapt.ULSIF(verbose=0, random_state=0)
    _run(benchmark, f"ulsif n={n}", lambda: model.fit_weights(Xs, Xt), rounds=1)
