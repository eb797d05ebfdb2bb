"""Speed of transferkit against ADAPT and skada, with pytest-benchmark.

The comparisons (data, hyperparameters, how each library is called) are the
ones of ``benchmarks/compare_peers.py``; here each (comparison, library) pair
is one benchmark, grouped per comparison so that pytest-benchmark prints the
libraries side by side::

    pytest benchmarks/test_speed_peers.py --benchmark-only \\
        --benchmark-group-by=group --benchmark-columns=median,min,max,rounds

Without ADAPT (``adapt`` + ``tensorflow-cpu``) or skada (``skada`` + ``POT``)
the peers' cases are skipped and only transferkit's run; ``docs/peers.md``
says how to install the peers. Cases marked ``slow`` are those where one fit
takes more than a few seconds on a 2-core machine (CI deselects them); those
that read the benchmark data folder are marked ``realdata``. BLAS is pinned to
one thread; an untimed warm-up fit sets how many fits one round covers (fast
fits are timed over several), with 5 rounds (3 for fits over a second). The
1-minute load average before and after each benchmark, the target accuracy and
the method's own criterion (KMM objective, KLIEP likelihood, ...) are stored in
the benchmark's ``extra_info`` (``--benchmark-json``).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits


def _load_definitions():
    path = Path(__file__).with_name("compare_peers.py")
    name = "transferkit_benchmarks_compare_peers"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


peers = _load_definitions()

# (comparison key, implementation label) pairs whose single fit takes more
# than a few seconds here; a key alone marks every implementation.
SLOW = {
    ("kmm-synthetic", "ADAPT KMM (max_size=2000)"),
    ("kmm-synthetic", "ADAPT KMM (default max_size=1000)"),
    ("kmm-synthetic", "skada KMMReweightAdapter"),
    ("kmm-digits", "transferkit KMM (solver='cvxpy')"),
    ("kliep-digits", "ADAPT KLIEP (algo='FW')"),
    ("tradaboost-mushroom", "ADAPT TrAdaBoost"),
    ("tca-digits", "ADAPT TCA"),
    ("tca-digits", "skada TransferComponentAnalysisAdapter"),
    "tca-4000",
}
REALDATA = {"tradaboost-mushroom"}


def _cases():
    for comp in peers.comparisons():
        for impl in comp.implementations:
            marks = [pytest.mark.benchmark(group=comp.group)]
            if comp.key in SLOW or (comp.key, impl.label) in SLOW:
                marks.append(pytest.mark.slow)
            if comp.key in REALDATA:
                marks.append(pytest.mark.realdata)
            yield pytest.param(comp, impl, id=f"{comp.key}:{impl.label}", marks=marks)


@functools.cache
def _task(key):
    comp = next(c for c in peers.comparisons() if c.key == key)
    return comp.task()


def _require(library):
    if library == peers.OURS:
        return
    # TensorFlow's thread pools must be pinned before anything starts it:
    # ADAPT imports it, and so does POT (skada's dependency) when present
    peers.pin_tensorflow_threads()
    pytest.importorskip(library)


def _check_output(comp, output, task):
    """The fitted output is well formed (a failing peer shows up here too)."""
    if comp.method in ("KMM", "KLIEP", "uLSIF"):
        if isinstance(output, peers.DensityRatio):
            target = np.asarray(output.target_weights, dtype=float).ravel()
            assert target.shape == (len(task.Xt),) and np.isfinite(target).all()
            output = output.weights
        weights = np.asarray(output, dtype=float).ravel()
        assert weights.shape == (len(task.Xs),)
        assert np.isfinite(weights).all()
        assert weights.min() >= -1e-8 and weights.sum() > 0
    elif comp.method == "TrAdaBoost":
        pred = np.asarray(output.predict(task.Xt_test)).ravel()
        assert pred.shape == (len(task.Xt_test),)
        assert set(np.unique(pred)) <= set(np.unique(task.ys))
    else:
        Zs, Zt = (np.asarray(z) for z in output)
        assert Zs.shape[0] == len(task.Xs) and Zt.shape[0] == len(task.Xt)
        assert Zs.shape[1] == Zt.shape[1]
        assert np.isfinite(Zs).all() and np.isfinite(Zt).all()


@pytest.mark.parametrize(("comp", "impl"), list(_cases()))
def test_fit_speed(benchmark, comp, impl):
    _require(impl.library)
    task = _task(comp.key)

    def fit():
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return impl.fit(task)

    load_before = os.getloadavg()[0]
    if getattr(benchmark, "disabled", False):
        fitted = benchmark(fit)
    else:
        # an untimed warm-up fit decides how many fits one round covers, so
        # that millisecond fits are not timed one by one
        start = time.perf_counter()
        fit()
        warm = time.perf_counter() - start
        fitted = benchmark.pedantic(
            fit,
            rounds=3 if warm > 1.0 else 5,
            iterations=peers.inner_loops(warm),
        )
    load_after = os.getloadavg()[0]

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        output = impl.outputs(fitted, task)
        metrics = comp.evaluate(output, task)
    _check_output(comp, output, task)
    accuracy = metrics["accuracy"]
    assert 0.0 <= accuracy <= 1.0
    if "objective" in metrics:
        # the KMM objective at the learned weights is below that of uniform
        # weights (which satisfy the constraints): the solver made progress
        uniform = peers.kmm_objective(np.ones(len(task.Xs)), task, comp.kernel_gamma)
        assert metrics["objective"] < uniform

    benchmark.extra_info.update(
        library=impl.library,
        implementation=impl.label,
        data=task.shape_text,
        hyperparameters=comp.hyperparameters,
        target_accuracy=accuracy,
        loadavg_before=load_before,
        loadavg_after=load_after,
        **{k: v for k, v in metrics.items() if k != "accuracy"},
    )
