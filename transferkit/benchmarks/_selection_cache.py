"""Per-fold criterion scores and target accuracies of a pool, task by task, cached.

The leave-one-family-out study scores many selection rules on the same fits:
each task is fitted once (``TransferSelector(..., refit=False)`` with every
criterion, the guard off, so that the per-fold scores of every candidate are
kept), every candidate is fitted once more on all the data for its target
accuracy, and the results are stored as JSON. Rules are then evaluated on
the stored numbers only.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

__all__ = ["SCORED_CRITERIA", "task_record", "family_records"]

#: Criteria scored on every fold (the derived "rank" and "iwcv_mixval" are
#: computed from them).
SCORED_CRITERIA = ("mixval", "iwcv", "reverse_validation", "dev", "snd", "ensv")


def task_record(candidates, Xs, ys, Xt, yt, cv=10, random_state=0):
    """Everything a rule needs about one task, as plain JSON-able values.

    Parameters
    ----------
    candidates : list of (str, estimator)
    Xs, ys, Xt, yt : arrays
        The task; ``yt`` only for the accuracies.
    cv : int, default=10
        Source folds (the selector's default).
    random_state : int, default=0
        The selector's seed; the structure test draws its seed after the
        fold seed, as the selector does.

    Returns
    -------
    record : dict
        ``scores`` (criterion -> candidate -> per-fold list), ``accuracy``
        (candidate -> target accuracy %), ``structure`` (the target's
        :func:`cluster_structure_score`), ``twins`` (candidate -> name of
        its no-adaptation twin in the pool or None), ``seconds``.
    """
    from sklearn.base import clone
    from sklearn.utils import check_random_state
    from threadpoolctl import threadpool_limits

    from ..model_selection import TransferSelector, cluster_structure_score
    from ..model_selection._like_with_like import pool_twins
    from ..utils._fitting import fit_with_target

    start = time.perf_counter()
    with threadpool_limits(1):
        selector = TransferSelector(
            candidates,
            scoring=list(SCORED_CRITERIA),
            cv=cv,
            refit=False,
            random_state=random_state,
            baseline=None,
        ).fit(Xs, ys, Xt)
        report = selector.selection_report_
        rng = check_random_state(random_state)
        rng.randint(np.iinfo(np.int32).max)  # the fold seed
        seed = int(rng.randint(np.iinfo(np.int32).max))
        structure = float(
            cluster_structure_score(Xt, max(len(np.unique(ys)), 2), random_state=seed)
        )
        accuracy = {}
        for name, est in candidates:
            model = fit_with_target(clone(est), Xs, ys, Xt)
            accuracy[name] = 100.0 * float(np.mean(model.predict(Xt) == yt))
    return {
        "scores": {
            c: {n: list(map(float, v["folds"])) for n, v in report["scores"][c].items()}
            for c in SCORED_CRITERIA
        },
        "accuracy": accuracy,
        "structure": structure,
        "twins": pool_twins(candidates),
        "candidates": [n for n, _ in candidates],
        "seconds": time.perf_counter() - start,
    }


def family_records(
    family, path, data_home=None, cv=10, n_jobs=None, rebuild=False, partial=False
):
    """The cached records of every task of a family (built when missing).

    Parameters
    ----------
    family : str
        A family of :mod:`transferkit.benchmarks._selection_families`.
    path : str or path-like
        Folder of the JSON caches (one file per family).
    data_home : str or path-like, default=None
    cv : int, default=10
    n_jobs : int, default=None
        Tasks in parallel (joblib processes).
    rebuild : bool, default=False
        Recompute even when a cache exists.
    partial : bool, default=False
        Use only the tasks already cached (none is fitted); the record then
        says how many of the family's tasks it holds (``n_tasks``).

    Returns
    -------
    records : dict
        ``names`` (task names), ``tasks`` (one record per task),
        ``seconds`` (wall time of the build).
    """
    from joblib import Parallel, delayed

    from ._selection_families import family_tasks

    file = Path(path) / f"selection_lofo_{family}_cv{cv}.json"
    if file.exists() and not rebuild:
        return json.loads(file.read_text())
    tasks, names = family_tasks(family, data_home=data_home)
    if partial:
        done = [
            k for k in range(len(tasks)) if _task_file(path, family, cv, k).exists()
        ]
        return {
            "family": family,
            "names": [names[k] for k in done],
            "tasks": [
                json.loads((_task_file(path, family, cv, k)).read_text()) for k in done
            ],
            "seconds": float("nan"),
            "n_tasks": len(tasks),
        }
    start = time.perf_counter()
    records = Parallel(n_jobs=n_jobs)(
        delayed(_cached_task_record)(
            _task_file(path, family, cv, k),
            task,
            cv,
            rebuild,
        )
        for k, task in enumerate(tasks)
    )
    out = {
        "family": family,
        "names": names,
        "tasks": records,
        "seconds": time.perf_counter() - start,
        "n_tasks": len(tasks),
    }
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(out))
    for k in range(len(tasks)):
        _task_file(path, family, cv, k).unlink(missing_ok=True)
    return out


def _task_file(path, family, cv, k):
    """Where task ``k``'s record waits until the family's file is written."""
    return Path(path) / f"selection_lofo_{family}_cv{cv}_task{k}.json"


def _cached_task_record(file, task, cv, rebuild):
    """One task's record, kept on disk until the family's file is written."""
    from ._selection_families import lofo_candidates

    if file.exists() and not rebuild:
        return json.loads(file.read_text())
    record = task_record(lofo_candidates(), *task, cv=cv)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(record))
    return record
