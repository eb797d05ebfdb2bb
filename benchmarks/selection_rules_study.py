"""Can a rule over the label-free criteria meet every selection goal?

Run from the repository root (the data folder through ``TRANSFERKIT_DATA``)::

    TRANSFERKIT_DATA=../shared/data python benchmarks/selection_rules_study.py

Two stages. The first fits every candidate of ``benchmark selection`` (its
tasks, candidates, folds and seed) once per source fold and caches, per fold,
every criterion's score and the raw predictions: the held-out source fold,
the target, and MixVal's mixed probes (about 20 minutes on two cores, most of
it Office-Caltech), and the digits and synthetic settings again with the
folds of ``random_state`` 1 and 2 (about 4 minutes). The second scores 438
guarded rules on the cache, and five of them on the other fold seeds, and
writes ``benchmarks/results/selection_rules.md``. ``--scan-only`` reuses a
cache. The study chose nothing in the library: it was run while
``scoring="auto"`` was ``"iwcv_mixval"``, before the structure test (since
then, ``auto`` keeps the baseline on unstructured targets and selects with
MixVal elsewhere), and the guide quotes this file.

The goals (issue 11): on Office-Caltech SURF the pick averages at least 52.0
and is never more than 2 points below the baseline on a task; on the digits
and synthetic shifts it is never below the baseline on average.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from transferkit.benchmarks import selection as S
from transferkit.instance import DiscriminativeReweighting
from transferkit.model_selection import ensemble_agreement, mixed_probe_pairs
from transferkit.model_selection._common import predict_source
from transferkit.model_selection._guard import guarded_choice
from transferkit.model_selection._selector import make_scorer_by_name
from transferkit.utils._fitting import fit_with_target

SETTINGS = ("office", "digits", "synthetic")
SCORED = (
    "iwcv",
    "mixval",
    "reverse_validation",
    "dev",
    "entropy",
    "snd",
    "discrepancy",
)
MIX = 0.55
OUT = Path("benchmarks/results/selection_rules.md")
#: Source folds of the study: 5, the selector's default when it was run
#: (``TransferSelector`` and ``benchmark selection`` use 10 since); the saved
#: results are at 5 folds.
CV = 5
#: Other fold seeds (the selector's random_state), for the cheap settings only:
#: does a rule's average move with the folds, and do 15 pooled folds help?
REPEAT_SEEDS = (1, 2)
REPEAT_SETTINGS = ("digits", "synthetic")
REPEAT_RULES = (
    ("iwcv_mixval (= auto)", ("iwcv", "mixval")),
    ("iwcv", ("iwcv",)),
    ("mixval", ("mixval",)),
    ("reverse_validation", ("reverse_validation",)),
    ("ensv", ("ensv",)),
)


# -- stage 1: the cache ----------------------------------------------------------
def _folds(X, random_state=0):
    # the selector's split for this random_state (benchmark selection: 0)
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return list(KFold(CV, shuffle=True, random_state=seed).split(X))


def _tasks(setting):
    if setting == "office":
        return S._office_tasks(None)[0], S._office_candidates
    tasks = S._digits_tasks()[0] if setting == "digits" else S._synthetic_tasks()[0]
    return tasks, S._small_candidates


def _probes(model, Xt, labels):
    out = {}
    for kind in ("inter", "intra"):
        a, b = mixed_probe_pairs(labels, kind, 0)
        mixed = Xt[a] * MIX + Xt[b] * (1 - MIX)
        out[kind] = (a, b, np.asarray(model.predict(mixed)) if len(a) else np.zeros(0))
    return out


def _fit_candidate(k, name, est, Xs, ys, Xt, contexts, random_state):
    warnings.filterwarnings("ignore")
    scorers = {n: make_scorer_by_name(n) for n in SCORED}
    folds = []
    with threadpool_limits(1):
        for f, (train, held) in enumerate(_folds(Xs, random_state)):
            model = fit_with_target(clone(est), Xs[train], ys[train], Xt)
            scores = {
                n: float(s._score(model, Xs[held], ys[held], Xt, contexts[f][n]))
                for n, s in scorers.items()
            }
            labels = np.asarray(model.predict(Xt))
            folds.append(
                {
                    "scores": scores,
                    "val": np.asarray(predict_source(model, Xs[held])),
                    "t": labels,
                    "probes": _probes(model, Xt, labels),
                }
            )
        full = np.asarray(fit_with_target(clone(est), Xs, ys, Xt).predict(Xt))
    return k, name, folds, full


def build_cache(setting, path, random_state=0):
    tasks, make_candidates = _tasks(setting)
    scorers = {n: make_scorer_by_name(n) for n in SCORED}
    with threadpool_limits(1):
        contexts = [
            [
                {n: s._fold_context(t[0][h], t[1][h], t[2]) for n, s in scorers.items()}
                for _, h in _folds(t[0], random_state)
            ]
            for t in tasks
        ]
    results = Parallel(n_jobs=2)(
        delayed(_fit_candidate)(k, n, e, t[0], t[1], t[2], contexts[k], random_state)
        for k, t in enumerate(tasks)
        for n, e in make_candidates()
    )
    cache = {
        "ys": [t[1] for t in tasks],
        "yt": [t[3] for t in tasks],
        "folds": [_folds(t[0], random_state) for t in tasks],
        "weights": [[c["iwcv"] for c in contexts[k]] for k in range(len(tasks))],
        "res": results,
        "cands": [n for n, _ in make_candidates()],
    }
    with open(path, "wb") as fh:
        pickle.dump(cache, fh)


# -- stage 2: the rules ----------------------------------------------------------
class Setting:
    """The cached fits of one setting, and the target accuracy of each candidate."""

    def __init__(self, name, cache):
        self.name, self.cands = name, cache["cands"]
        self.base = S.OFFICE_BASELINE if name == "office" else "LR"
        self.ys, self.yt, self.folds = cache["ys"], cache["yt"], cache["folds"]
        self.weights = cache["weights"]
        self.n = len(self.yt)
        self.fits = [{} for _ in range(self.n)]
        self.full = [{} for _ in range(self.n)]
        for k, name_, folds, full in cache["res"]:
            self.fits[k][name_], self.full[k][name_] = folds, full
        self.acc = [
            {c: 100 * np.mean(self.full[k][c] == self.yt[k]) for c in self.cands}
            for k in range(self.n)
        ]

    def criterion(self, k, name):
        if name == "ensv":
            per_fold = [
                ensemble_agreement({c: self.fits[k][c][f]["t"] for c in self.cands})
                for f in range(len(self.folds[k]))
            ]
            return {c: np.array([p[c] for p in per_fold]) for c in self.cands}
        if name == "intra":
            return {
                c: np.array([_kept(o, "intra") for o in self.fits[k][c]])
                for c in self.cands
            }
        if name == "cv":
            return {
                c: np.array(
                    [
                        np.mean(o["val"] == self.ys[k][h])
                        for o, (_, h) in zip(self.fits[k][c], self.folds[k])
                    ]
                )
                for c in self.cands
            }
        return {
            c: np.array([o["scores"][name] for o in self.fits[k][c]])
            for c in self.cands
        }

    def iwcv_with(self, k, weights):
        return {
            c: np.array(
                [
                    w @ (o["val"] == self.ys[k][h]) / w.sum()
                    for w, o, (_, h) in zip(weights, self.fits[k][c], self.folds[k])
                ]
            )
            for c in self.cands
        }


def _kept(fold, kind):
    a, _, predicted = fold["probes"][kind]
    return float(np.mean(predicted == fold["t"][a])) if len(a) else 0.0


def mean_table(tables):
    return {c: np.mean([t[c] for t in tables], axis=0) for c in tables[0]}


def guarded(setting, table, margin, allowed=None):
    names = [c for c in setting.cands if allowed is None or c in allowed]
    folds = {c: [float(v) for v in np.nan_to_num(table[c], nan=-1e9)] for c in names}
    return guarded_choice(folds, setting.base, n_std_errors=margin)[0]


def _z(setting, table, c):
    d = table[c] - table[setting.base]
    return d.mean() / max(d.std(ddof=1) / np.sqrt(d.shape[0]), 1e-9)


def _sample_noise(setting, k, c):
    """Gain of c over the baseline on iwcv_mixval, and its noise over samples."""
    b = setting.base
    gains, errors = [], []
    # IWCV: every held-out source sample once, weights normalised per fold
    ns, nf = setting.ys[k].shape[0], len(setting.folds[k])
    u, diff = np.zeros(ns), np.zeros(ns)
    for f, (_, h) in enumerate(setting.folds[k]):
        w = np.asarray(setting.weights[k][f], float)
        u[h] = w / w.sum() / nf
        y = setting.ys[k][h]
        diff[h] = (setting.fits[k][c][f]["val"] == y) * 1.0 - (
            setting.fits[k][b][f]["val"] == y
        )
    g = u @ diff
    gains.append(g)
    errors.append(np.sqrt((u**2) @ (diff - g) ** 2 * ns / (ns - 1)))
    # MixVal: per target sample, its probe's kept fraction over the folds
    kept = []
    for name in (c, b):
        total, count = (
            np.zeros(setting.yt[k].shape[0]),
            np.zeros(setting.yt[k].shape[0]),
        )
        for fold in setting.fits[k][name]:
            a, _, predicted = fold["probes"]["inter"]
            total[a] += predicted == fold["t"][a]
            count[a] += 1
        kept.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    ok = ~np.isnan(kept[0]) & ~np.isnan(kept[1])
    d = kept[0][ok] - kept[1][ok]
    gains.append(d.mean())
    errors.append(d.std(ddof=1) / np.sqrt(ok.sum()))
    return np.mean(gains), np.sqrt(np.sum(np.square(errors))) / 2


def sample_guarded(setting, k, margin):
    table = mean_table([setting.criterion(k, "iwcv"), setting.criterion(k, "mixval")])
    best, best_mean = setting.base, table[setting.base].mean()
    for c in setting.cands:
        if c == setting.base:
            continue
        gain, noise = _sample_noise(setting, k, c)
        if gain > margin * noise and table[c].mean() > best_mean:
            best, best_mean = c, table[c].mean()
    return best


def evaluate(setting, chooser):
    picks = [chooser(k) for k in range(setting.n)]
    values = np.array([setting.acc[k][p] for k, p in enumerate(picks)])
    base = np.array([setting.acc[k][setting.base] for k in range(setting.n)])
    return float(values.mean()), float(np.min(values - base))


def rules(settings, tasks_by_setting):
    """(family, label, chooser per setting) for every rule of the study."""
    crit = ("iwcv", "mixval", "reverse_validation", "dev", "ensv")
    margins = (0.5, 1.0, 1.5, 2.0)
    for r in (1, 2, 3):
        for parts in itertools.combinations(crit, r):
            for m in margins:
                yield (
                    "means",
                    f"mean of {' + '.join(parts)}, margin {m:g}",
                    {
                        s.name: (
                            lambda k, s=s, p=parts, m=m: guarded(
                                s, mean_table([s.criterion(k, x) for x in p]), m
                            )
                        )
                        for s in settings
                    },
                )
    selections = (
        ("mixval",),
        ("iwcv", "mixval"),
        ("mixval", "reverse_validation"),
        ("mixval", "ensv"),
    )
    vetoes = [(v,) for v in ("iwcv", "reverse_validation", "ensv")] + list(
        itertools.combinations(("iwcv", "reverse_validation", "ensv"), 2)
    )
    grid = itertools.product(
        selections, vetoes, ("any", "all"), (1, 2, 3), (0.5, 1, 1.5)
    )
    for sel, veto, mode, z, m in grid:
        if mode == "all" and len(veto) == 1:
            continue
        label = (
            f"{' + '.join(sel)}, excluding candidates {z:g} SE below the "
            f"baseline on {mode} of {', '.join(veto)}; margin {m:g}"
        )
        yield "vetoes", label, _veto_rule(settings, sel, veto, mode, z, m)
    for m in margins:
        yield (
            "sample noise",
            f"iwcv_mixval, noise over samples, margin {m:g}",
            {s.name: (lambda k, s=s, m=m: sample_guarded(s, k, m)) for s in settings},
        )
    for m in (0.5, 1.0, 2.0):
        yield (
            "source accuracy",
            f"mean of source accuracy + mixval, margin {m:g}",
            {
                s.name: (
                    lambda k, s=s, m=m: guarded(
                        s,
                        mean_table([s.criterion(k, "cv"), s.criterion(k, "mixval")]),
                        m,
                    )
                )
                for s in settings
            },
        )
    for parts in (("intra",), ("mixval", "intra"), ("iwcv", "intra")):
        yield (
            "probes",
            f"mean of {' + '.join(parts)}, margin 1",
            {
                s.name: (
                    lambda k, s=s, p=parts: guarded(
                        s, mean_table([s.criterion(k, x) for x in p]), 1.0
                    )
                )
                for s in settings
            },
        )
    for label, domain in (
        ("C=1", None),
        (
            "C=0.01",
            make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=1000)),
        ),
    ):
        for clip in (20.0, 5.0):
            weights = _whole_source_weights(tasks_by_setting, settings, domain, clip)
            yield (
                "IWCV weights",
                f"iwcv (weights on the whole source, {label}, clip {clip:g}) + mixval",
                {
                    s.name: (
                        lambda k, s=s, w=weights[s.name]: guarded(
                            s,
                            mean_table(
                                [s.iwcv_with(k, w[k]), s.criterion(k, "mixval")]
                            ),
                            1.0,
                        )
                    )
                    for s in settings
                },
            )


def _veto_rule(settings, sel, veto, mode, z, margin):
    return {
        s.name: (lambda k, s=s: _vetoed(s, k, sel, veto, mode, z, margin))
        for s in settings
    }


def _vetoed(setting, k, sel, veto, mode, z, margin):
    tables = {v: setting.criterion(k, v) for v in veto}
    allowed = []
    for c in setting.cands:
        zs = [_z(setting, tables[v], c) for v in veto]
        below = [x < -z for x in zs]
        if c != setting.base and (any(below) if mode == "any" else all(below)):
            continue
        allowed.append(c)
    table = mean_table([setting.criterion(k, x) for x in sel])
    return guarded(setting, table, margin, allowed)


def _whole_source_weights(tasks_by_setting, settings, domain, clip):
    out = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in settings:
            per_task = []
            for k, task in enumerate(tasks_by_setting[s.name]):
                rw = DiscriminativeReweighting(
                    domain_estimator=domain, clip=clip, random_state=0
                )
                w = rw.fit_weights(task[0], task[2])
                per_task.append([w[h] for _, h in s.folds[k]])
            out[s.name] = per_task
    return out


def _repeated_folds(cache_dir, base):
    """Markdown rows: each rule's average per fold seed, and over 15 pooled folds."""
    lines = [
        "",
        "## Other fold seeds (digits and synthetic shifts)",
        "",
        "The same rules (margin 1) with the folds of `random_state` 0, 1 and 2, "
        "and with the 15 folds of the three seeds pooled (the guard's paired "
        "difference over 15 values).",
        "",
        "| setting | rule | seed 0 | seed 1 | seed 2 | 3 x 5 folds pooled |",
        "|---|---|---|---|---|---|",
    ]
    for setting in REPEAT_SETTINGS:
        paths = [cache_dir / f"c_{setting}.pkl"] + [
            cache_dir / f"c_{setting}_seed{seed}.pkl" for seed in REPEAT_SEEDS
        ]
        runs = []
        for path in paths:
            with open(path, "rb") as fh:
                runs.append(Setting(setting, pickle.load(fh)))
        lines.append(f"| {setting} | baseline | {base[setting]:.2f} | | | |")
        for label, parts in REPEAT_RULES:

            def table(run, k, parts=parts):
                return mean_table([run.criterion(k, p) for p in parts])

            per_seed = [
                evaluate(run, lambda k, run=run: guarded(run, table(run, k), 1.0))[0]
                for run in runs
            ]

            def pooled(k, runs=runs):
                tables = [table(run, k) for run in runs]
                merged = {c: np.concatenate([t[c] for t in tables]) for c in tables[0]}
                return guarded(runs[0], merged, 1.0)

            values = per_seed + [evaluate(runs[0], pooled)[0]]
            lines.append(
                f"| {setting} | {label} | "
                + " | ".join(f"{v:.2f}" for v in values)
                + " |"
            )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache-dir", default=str(Path(tempfile.gettempdir()) / "tk_selection_rules")
    )
    parser.add_argument("--scan-only", action="store_true")
    args = parser.parse_args()
    cache_dir = Path(args.cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    for setting in SETTINGS:
        path = cache_dir / f"c_{setting}.pkl"
        if not args.scan_only:
            start = time.perf_counter()
            build_cache(setting, path)
            print(f"cached {setting} in {time.perf_counter() - start:.0f} s")
    for setting, seed in itertools.product(REPEAT_SETTINGS, REPEAT_SEEDS):
        if not args.scan_only:
            start = time.perf_counter()
            build_cache(setting, cache_dir / f"c_{setting}_seed{seed}.pkl", seed)
            print(
                f"cached {setting}, fold seed {seed}, in "
                f"{time.perf_counter() - start:.0f} s"
            )
    settings = []
    for setting in SETTINGS:
        with open(cache_dir / f"c_{setting}.pkl", "rb") as fh:
            settings.append(Setting(setting, pickle.load(fh)))
    tasks = {s: _tasks(s)[0] for s in SETTINGS}
    start = time.perf_counter()
    rows = []
    for family, label, choosers in rules(settings, tasks):
        row = [family, label]
        for s in settings:
            row += list(evaluate(s, choosers[s.name]))
        rows.append(row)
    base = {s.name: np.mean([s.acc[k][s.base] for k in range(s.n)]) for s in settings}
    meets = [
        r
        for r in rows
        if r[2] >= 52.0
        and r[3] >= -2.0
        and r[4] >= base["digits"] - 1e-9
        and r[6] >= base["synthetic"] - 1e-9
    ]
    lines = [
        "<!-- generated by: python benchmarks/selection_rules_study.py -->",
        "",
        "# Guarded rules over the label-free criteria (offline study)",
        "",
        f"{len(rows)} rules scored on the cached per-fold fits of "
        f"`benchmark selection` (cv=5, seed 0) in {time.perf_counter() - start:.0f} s. "
        f"Baselines: Office {base['office']:.2f}, digits {base['digits']:.2f}, "
        f"synthetic {base['synthetic']:.2f}. Rules meeting every goal: {len(meets)}.",
        "",
        "| family | rule | Office avg | worst Office task | digits avg "
        "| worst digits | synthetic avg | worst synthetic |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r[0], -r[2])):
        lines.append(
            f"| {r[0]} | {r[1]} | " + " | ".join(f"{x:.2f}" for x in r[2:]) + " |"
        )
    lines += _repeated_folds(cache_dir, base)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:8]))
    for family in dict.fromkeys(r[0] for r in rows):
        fam = [r for r in rows if r[0] == family]
        best = max(fam, key=lambda r: r[2])
        ok = [r for r in fam if r[6] >= base["synthetic"] - 1e-9]
        print(
            f"{family}: {len(fam)} rules; best Office {best[2]:.2f} ({best[1]}); "
            f"not below the synthetic baseline: {len(ok)}, best Office among them "
            f"{max((r[2] for r in ok), default=float('nan')):.2f}"
        )


if __name__ == "__main__":
    main()
