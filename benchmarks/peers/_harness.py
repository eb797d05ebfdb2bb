"""The timing harness: untimed first passes, then libraries interleaved."""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ._evaluate import (
    embedding_accuracy,
    embedding_eval,
    source_only_weights_accuracy,
)
from ._types import Comparison, Implementation, Unavailable


@dataclass
class Row:
    """The measurements of one implementation in one comparison."""

    comparison: Comparison
    implementation: Implementation
    times: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    inner: int = 1
    metrics: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def median(self):
        return statistics.median(self.times) if self.times else None


def run_once(impl, task, inner=1):
    """Fit ``inner`` times in a row; return the last fit and the time per fit."""
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        for _ in range(inner):
            fitted = impl.fit(task)
        elapsed = (time.perf_counter() - start) / inner
    return fitted, elapsed


def inner_loops(seconds, target=0.25, cap=200):
    """Fits per timing so that a fast fit is timed over about ``target`` s."""
    if seconds >= target:
        return 1
    return int(min(cap, max(1, target // max(seconds, 1e-5))))


def _first_pass(row, comp, task):
    """Peak memory (tracemalloc), accuracy, and the warm-up that sets ``inner``."""
    impl = row.implementation
    try:
        tracemalloc.start()
        fitted, first = run_once(impl, task)
        row.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if first < 1.0:  # a slow fit is warm after one run already
            _, first = run_once(impl, task)
        row.inner = inner_loops(first)
    except Unavailable as exc:
        row.error = str(exc)
        return
    except Exception as exc:  # a peer failing is a result, not a crash
        row.error = f"{type(exc).__name__}: {exc}"
        return
    finally:
        tracemalloc.stop()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row.metrics = comp.evaluate(impl.outputs(fitted, task), task)


def _baseline(comp, task):
    """Accuracy without adaptation, read out as the comparison's rows are."""
    if comp.evaluate is embedding_eval or comp.method in ("KMM", "KLIEP", "uLSIF"):
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if comp.evaluate is embedding_eval:
                return embedding_accuracy((task.Xs, task.Xt), task)
            return source_only_weights_accuracy(task)
    if comp.method == "TrAdaBoost":
        clf = comp.baseline_estimator()
        with threadpool_limits(1):
            clf.fit(
                np.vstack([task.Xs, task.Xt_labelled]), np.r_[task.ys, task.yt_labelled]
            )
        return float(clf.score(task.Xt_test, task.yt_test))
    return None


def run_comparison(comp, repeats, log=print):
    """Measure every implementation of ``comp``; return ``(task, rows, baseline)``."""
    task = comp.task()
    rows = [Row(comp, impl) for impl in comp.implementations]
    for row in rows:
        _first_pass(row, comp, task)
    # timed passes, libraries interleaved
    for repeat in range(comp.repeats or repeats):
        for row in rows:
            if row.error:
                continue
            load = os.getloadavg()[0]
            _, elapsed = run_once(row.implementation, task, row.inner)
            row.times.append(elapsed)
            row.loads.append(load)
            log(
                f"  [{comp.key}] {row.implementation.label}: repeat {repeat + 1}"
                f" {elapsed:.3f} s (load {load:.2f})"
            )
    return task, rows, _baseline(comp, task)
