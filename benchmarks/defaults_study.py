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


def _clamped(cls, d, **params):
    """A factory of ``cls(n_components=min(d, n_features))`` + 1-NN."""

    def factory(n_features):
        n = _sdm() if d == "sdm" else min(d, n_features)
        return make_transfer_pipeline(cls(n_components=n, **params), _knn())

    return factory


def feature_rows():
    """(row name, baseline name, factory(n_features)) of the feature-map rows."""
    rows = [("1NN", None, lambda n: _knn())]
    for d in ("sdm", 10, 20, 50, 100):
        rows.append((f"SA d={d} + 1NN", "1NN", _clamped(SubspaceAlignment, d)))
    for d in ("sdm", 10, 20, 50):
        rows.append((f"GFK d={d} + 1NN", "1NN", _clamped(GFK, d)))
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
    for B in (1000.0, 100.0, 10.0, 5.0, 2.0):
        rows.append(
            (
                f"KMM B={B:g} + {name}",
                name,
                lambda n, B=B: KMM(base(), B=B, random_state=0),
            )
        )
    return rows


def _sdm():
    """How the subspace-disagreement choice of ``d`` is spelled: ``"sdm"``
    once it is no longer the default, ``None`` before."""
    constraint = str(SubspaceAlignment._parameter_constraints["n_components"])
    return "sdm" if "sdm" in constraint else None


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--only", choices=("feature", "kmm"), default=None)
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    parallel = Parallel(n_jobs=args.n_jobs)
    sections = []
    families = [("feature", feature_rows()), ("kmm", kmm_rows())]
    for family, rows in families:
        if args.only not in (None, family):
            continue
        for title, names, tasks in groups():
            results = parallel(delayed(_task)(rows, *task) for task in tasks)
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
        sections.append(_table(f"synthetic, {family}", names, results, rows))
        print(sections[-1] + "\n", flush=True)
        if family == "kmm":
            reg_rows = kmm_rows(regression=True)
            toy = [_shimodaira(s) for s in range(10)]
            results = parallel(delayed(_task)(reg_rows, *t, True) for t in toy)
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
    header = (
        "<!-- generated by: TRANSFERKIT_DATA=../shared/data python "
        "benchmarks/defaults_study.py -->\n\n" + __doc__.split("\n\n", 1)[1]
    )
    Path(args.output).write_text(header + "\n" + "\n\n".join(sections) + "\n")


if __name__ == "__main__":
    main()
