"""Do the defaults hurt? A before/after study of SA, GFK, TCA and KMM defaults.

Run from the repository root (the data folder through ``TRANSFERKIT_DATA``)::

    TRANSFERKIT_DATA=../shared/data python benchmarks/defaults_study.py

It prints Markdown tables and writes them to ``benchmarks/results/defaults.md``.
Three groups of tasks, all with every source sample labelled and the target
unlabelled during training (the target labels only score):

- Office-Caltech10 SURF, the 12 tasks of
  :data:`transferkit.benchmarks.office_caltech.SURF_TASKS` (the literature's
  preprocessing);
- the five digits shifts of :func:`transferkit.datasets.load_digits_shift`
  (seed 0);
- synthetic shifts of :func:`transferkit.datasets.make_domain_shift`
  (``"affine"`` with 10 features for the feature maps, ``"covariate"`` and
  the Shimodaira toy for KMM; seeds 0-4).

Each row is one setting; "Avg" is the mean accuracy over a group's tasks,
"Worst" the worst per-task difference to the row's no-adaptation baseline
(1-NN for the feature maps, the same classifier without weights for KMM),
"ESS" (KMM only) the mean effective sample size as a fraction of the
source. BLAS runs on one thread; the tasks of a group run in two processes.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from transferkit.datasets import (
    DIGIT_SHIFTS,
    load_digits_shift,
    load_office_caltech,
    make_domain_shift,
)
from transferkit.feature import GFK, TCA, SubspaceAlignment
from transferkit.instance import KMM
from transferkit.pipeline import make_transfer_pipeline

RESULTS = Path(__file__).parent / "results" / "defaults.md"


def _knn():
    return KNeighborsClassifier(n_neighbors=1)


def _pipe(step):
    return make_transfer_pipeline(step, _knn())


def _clamped(cls, d, **params):
    """A factory of ``cls(n_components=min(d, n_features))`` + 1-NN."""

    def factory(n_features):
        n = "sdm" if d == "sdm" else min(d, n_features)
        return make_transfer_pipeline(cls(n_components=n, **params), _knn())

    return factory


def feature_rows():
    """(row name, baseline name, factory(n_features)) of the feature-map rows."""
    rows = [("1NN", None, lambda n: _knn())]
    for d in ("sdm", 10, 20, 50, 100):
        rows.append((f"SA d={d} + 1NN", "1NN", _clamped(SubspaceAlignment, d)))
    for d in ("sdm", 10, 20, 50):
        rows.append((f"GFK d={d} + 1NN", "1NN", _clamped(GFK, d)))
    rows.append(("SA default + 1NN", "1NN", lambda n: _pipe(SubspaceAlignment())))
    rows.append(("GFK default + 1NN", "1NN", lambda n: _pipe(GFK())))
    rows.append(("TCA default + 1NN", "1NN", lambda n: _pipe(TCA())))
    for kernel in ("linear", "primal"):
        rows.append(
            (
                f"TCA kernel={kernel} + 1NN",
                "1NN",
                lambda n, k=kernel: make_transfer_pipeline(TCA(kernel=k), _knn()),
            )
        )
    return rows


def kmm_rows(regression=False):
    """(row name, baseline name, factory) of the KMM rows."""
    if regression:
        base, name = LinearRegression, "OLS"
    else:
        base, name = (lambda: LogisticRegression(max_iter=1000)), "LR"
    rows = [(name, None, lambda n: base())]
    rows.append((f"KMM default + {name}", name, lambda n: KMM(base(), random_state=0)))
    for B in (1000.0, 100.0, 10.0, 5.0, 2.0):
        rows.append(
            (
                f"KMM B={B:g} + {name}",
                name,
                lambda n, B=B: KMM(base(), B=B, random_state=0),
            )
        )
    return rows


def _score(model, Xs, ys, Xt, yt, regression):
    pred = model.predict(Xt)
    if regression:
        return -float(np.sqrt(np.mean((pred - yt) ** 2)))
    return 100.0 * float(np.mean(pred == yt))


def _task(rows, Xs, ys, Xt, yt, regression=False):
    """Score (accuracy %, or minus RMSE), ESS fraction and fit time per row."""
    out = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, _, factory in rows:
            model = factory(Xs.shape[1])
            start = time.perf_counter()
            if name in ("1NN", "LR", "OLS"):
                model.fit(Xs, ys)
            else:
                model.fit(Xs, ys, Xt=Xt)
            seconds = time.perf_counter() - start
            ess = getattr(model, "effective_sample_size_", None)
            ess = None if ess is None else ess / Xs.shape[0]
            out[name] = (_score(model, Xs, ys, Xt, yt, regression), ess, seconds)
    return out


def _shimodaira(seed, n=100):
    """Shimodaira's toy: source x ~ N(0.5, 0.5²), target x ~ N(0, 0.3²)."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(0.5, 0.5, size=(n, 1))
    Xt = rng.normal(0.0, 0.3, size=(n, 1))
    ys = -Xs[:, 0] + Xs[:, 0] ** 3 + rng.normal(0.0, 0.3, n)
    yt = -Xt[:, 0] + Xt[:, 0] ** 3 + rng.normal(0.0, 0.3, n)
    return Xs, ys, Xt, yt


def groups(data_home=None):
    """(group name, task names, list of (Xs, ys, Xt, yt), regression)."""
    from transferkit.benchmarks.office_caltech import SURF_TASKS

    surf = {d: load_office_caltech(d, data_home=data_home) for d in "ACWD"}
    yield (
        "Office-Caltech10 SURF",
        [f"{s}→{t}" for s, t in SURF_TASKS],
        [(*surf[s], *surf[t]) for s, t in SURF_TASKS],
    )
    yield (
        "digits shifts",
        list(DIGIT_SHIFTS),
        [load_digits_shift(shift, random_state=0) for shift in DIGIT_SHIFTS],
    )


def _table(title, names, results, rows, regression=False):
    unit = "minus RMSE" if regression else "accuracy %"
    lines = [
        f"### {title} ({unit})",
        "",
        "| Setting | " + " | ".join(names) + " | Avg | Worst | ESS | fit s |",
        "|---|" + "---|" * (len(names) + 4),
    ]
    for name, baseline, _ in rows:
        scores = np.array([task[name][0] for task in results])
        cells = [f"{v:.1f}" if not regression else f"{v:.3f}" for v in scores]
        worst = ""
        if baseline is not None:
            base = np.array([task[baseline][0] for task in results])
            worst = f"{np.min(scores - base):+.{3 if regression else 1}f}"
        ess = [task[name][1] for task in results]
        ess = "" if ess[0] is None else f"{np.mean(ess):.2f}"
        seconds = np.median([task[name][2] for task in results])
        avg = f"{scores.mean():.{3 if regression else 1}f}"
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {avg} | {worst} | {ess} | "
            f"{seconds:.2f} |"
        )
    return "\n".join(lines)


def _regression_rows(n, seed=0, n_features=10):
    """``n`` rows, half source, half (shifted) target, ``n_features`` features."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    y = X[:, 0] + np.sin(X[:, 1]) + 0.1 * rng.normal(size=n)
    half = n // 2
    return X[:half], y[:half], X[half:], y[half:] + 0.5


def two_stage_cost(sizes=(1000, 2000, 5000, 10000), parallel_sizes=(2000, 5000)):
    """Fit time of ``TwoStageTrAdaBoostRegressor()`` (defaults) against ``n``."""
    import os

    from transferkit.instance import TwoStageTrAdaBoostRegressor

    lines = [
        "### TwoStageTrAdaBoostRegressor, defaults: fit time against n",
        "",
        "n rows = n/2 source + n/2 labelled target, 10 features; defaults "
        "(n_steps=10, n_estimators=50, cv=5: 2,500 AdaBoost.R2' learners in "
        "stage two), one BLAS thread per process, random_state=0. Load "
        f"average at the start: {os.getloadavg()[0]:.1f}.",
        "",
        "| n | n_jobs | fit s | s per 1,000 rows |",
        "|---|---|---|---|",
    ]
    runs = [(n, 1) for n in sizes] + [(n, 2) for n in parallel_sizes]
    for n, n_jobs in runs:
        Xs, ys, Xt, yt = _regression_rows(n)
        with threadpool_limits(1):
            start = time.perf_counter()
            TwoStageTrAdaBoostRegressor(n_jobs=n_jobs, random_state=0).fit(
                Xs, ys, Xt, yt
            )
            seconds = time.perf_counter() - start
        lines.append(f"| {n} | {n_jobs} | {seconds:.1f} | {1000 * seconds / n:.1f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


#: (estimator, default before, default now, row before, row now, row family)
CHANGES = [
    (
        "SubspaceAlignment",
        "n_components: SDM choice",
        "min(50, n_features)",
        "SA d=sdm + 1NN",
        "SA default + 1NN",
    ),
    (
        "GFK",
        "n_components: SDM choice",
        "min(20, n_features)",
        "GFK d=sdm + 1NN",
        "GFK default + 1NN",
    ),
    (
        "TCA",
        "kernel='linear' (dense)",
        "kernel='primal'",
        "TCA kernel=linear + 1NN",
        "TCA default + 1NN",
    ),
    ("KMM", "B=1000", "B=2", "KMM B=1000 + LR", "KMM default + LR"),
    ("KMM", "B=1000", "B=2", "KMM B=1000 + OLS", "KMM default + OLS"),
]


def _summary(collected):
    """Before/after: mean score and worst difference to no adaptation."""
    lines = [
        "### Before / after (mean over the group's tasks; worst per-task "
        "difference to no adaptation in brackets)",
        "",
        "| Estimator | before | now | group | no adaptation | before | now |",
        "|---|---|---|---|---|---|---|",
    ]
    for estimator, old, new, row_old, row_new in CHANGES:
        for group, (results, rows) in collected.items():
            baselines = {name: base for name, base, _ in rows}
            if row_old not in baselines:
                continue
            base = np.array([task[baselines[row_old]][0] for task in results])
            cells = []
            for row in (row_old, row_new):
                scores = np.array([task[row][0] for task in results])
                digits = 3 if "OLS" in row else 1
                cells.append(
                    f"{scores.mean():.{digits}f} ({np.min(scores - base):+.{digits}f})"
                )
            digits = 3 if "OLS" in row_old else 1
            lines.append(
                f"| {estimator} | {old} | {new} | {group} | {base.mean():.{digits}f} "
                f"| {cells[0]} | {cells[1]} |"
            )
    return "\n".join(lines)


def bda_cost(data_home=None):
    """BDA(balance='auto') with the logistic (before) and LDA (now) distances."""
    import functools

    import transferkit.feature._bda as bda_module
    from transferkit.feature import BDA, JDA

    surf = {d: load_office_caltech(d, data_home=data_home) for d in "AC"}
    tasks = {
        "digits blur": load_digits_shift("blur"),
        "Office-Caltech C→A": (*surf["C"], *surf["A"]),
        "Office-Caltech A→C": (*surf["A"], *surf["C"]),
    }
    lines = [
        "### BDA(balance='auto'), defaults: proxy A-distances by logistic "
        "regression (before) and shrinkage LDA (now)",
        "",
        "| task | JDA acc, s | BDA before: acc, s | BDA now: acc, s "
        "| balances before | balances now |",
        "|---|---|---|---|---|---|",
    ]
    original = bda_module.estimate_balance
    try:
        for name, (Xs, ys, Xt, yt) in tasks.items():
            cells, balances = [], []
            for model, classifier in (
                (JDA(), None),
                (BDA(random_state=0), "logistic"),
                (BDA(random_state=0), "lda"),
            ):
                if classifier is not None:
                    bda_module.estimate_balance = functools.partial(
                        original, classifier=classifier
                    )
                with threadpool_limits(1):
                    start = time.perf_counter()
                    pipe = _pipe(model).fit(Xs, ys, Xt=Xt)
                    seconds = time.perf_counter() - start
                accuracy = 100.0 * float(np.mean(pipe.predict(Xt) == yt))
                cells.append(f"{accuracy:.1f}, {seconds:.1f}")
                if classifier is not None:
                    history = pipe.steps[0][1].balance_history_
                    balances.append(" ".join(f"{b:.3f}" for b in history))
            lines.append(f"| {name} | " + " | ".join(cells + balances) + " |")
            print(lines[-1], flush=True)
    finally:
        bda_module.estimate_balance = original
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--only", choices=("feature", "kmm", "two-stage", "bda"), default=None
    )
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    parallel = Parallel(n_jobs=args.n_jobs)
    sections = []
    families = [("feature", feature_rows()), ("kmm", kmm_rows())]
    collected = {}
    if args.only in (None, "bda"):
        sections.append(bda_cost())
    if args.only in (None, "two-stage"):
        sections.append(two_stage_cost())
    for family, rows in families:
        if args.only not in (None, family):
            continue
        for title, names, tasks in groups():
            results = parallel(delayed(_task)(rows, *task) for task in tasks)
            collected[f"{title}, {family}"] = (results, rows)
            sections.append(_table(f"{title}, {family}", names, results, rows))
            print(sections[-1] + "\n", flush=True)
        if family == "feature":
            synthetic = [
                make_domain_shift("affine", n_features=10, random_state=s)
                for s in range(5)
            ]
            names = [f"affine s{s}" for s in range(5)]
        else:
            synthetic = [
                make_domain_shift("covariate", random_state=s) for s in range(5)
            ]
            names = [f"covariate s{s}" for s in range(5)]
        results = parallel(delayed(_task)(rows, *task) for task in synthetic)
        collected[f"synthetic, {family}"] = (results, rows)
        sections.append(_table(f"synthetic, {family}", names, results, rows))
        print(sections[-1] + "\n", flush=True)
        if family == "kmm":
            reg_rows = kmm_rows(regression=True)
            toy = [_shimodaira(s) for s in range(10)]
            results = parallel(delayed(_task)(reg_rows, *t, True) for t in toy)
            collected["Shimodaira toy, kmm"] = (results, reg_rows)
            sections.append(
                _table(
                    "Shimodaira toy (n=100+100), KMM + OLS",
                    [f"s{s}" for s in range(10)],
                    results,
                    reg_rows,
                    regression=True,
                )
            )
            print(sections[-1] + "\n", flush=True)
    if collected:
        sections.insert(0, _summary(collected))
        print(sections[0], flush=True)
    header = (
        "<!-- generated by: TRANSFERKIT_DATA=../shared/data python "
        "benchmarks/defaults_study.py -->\n\n" + __doc__.split("\n\n", 1)[1]
    )
    Path(args.output).write_text(header + "\n" + "\n\n".join(sections) + "\n")


if __name__ == "__main__":
    main()
