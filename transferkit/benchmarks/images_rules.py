"""Which rule should ``finetune-images`` use? Four photo sets, chosen by LOFO.

Run with ``TRANSFERKIT_DATA=../shared/data python -m transferkit benchmark
images-rules --feature-cache DIR`` (``DIR`` keeps every photo's frozen
features between runs). Needs ``pip install "transferkit[vision]"``.

On each photo set of ``images/`` (hymenoptera, dtd5, rsscn7, trashnet5), k
photos per class are drawn from ``train/`` (5 draws, seed = draw index,
:func:`~transferkit.benchmarks.images.draw_shots`) and every method is scored
on all of ``val/``. The reference is the best single frozen backbone +
logistic regression (``C`` by CV), the best of the three on that set and k;
every rule of the command is reported as its gap to that reference, and the
rule for the default is chosen leave-one-family-out: for each photo set, the
rule with the best mean gap on the other three sets.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from ..datasets._home import get_data_home
from ._registry import BenchmarkTable, register
from .images import C_GRID, COMMAND_BACKBONES, _cell, _probe, draw_shots

__all__ = [
    "images_rules_benchmark",
    "PHOTO_SETS",
    "RULE_NAMES",
    "PRIMARY_RULES",
    "lofo_choice",
]

#: The photo sets of ``images/``, each a family for leave-one-family-out.
PHOTO_SETS = ("hymenoptera", "dtd5", "rsscn7", "trashnet5")

#: The rules compared, in the order of preference for ties.
RULE_NAMES = (
    "ensemble",
    "ensemble, C in the wide grid",
    "ensemble, C by CV log-loss",
    "ensemble, geometric mean",
    "ensemble, one shared C by the ensemble's CV accuracy",
    "ensemble, one shared C by the ensemble's CV log-loss",
    "top-2 ensemble by CV",
    "ensemble, clearly weaker members dropped",
    "ensemble unless one backbone is clearly better",
    "CV pick among the singles and the ensemble",
    "concatenated features + one LR",
    "best single by CV",
    "Lite2 unless another is clearly better (before)",
)


#: The candidates named before the first run (issue 23): the rule of before,
#: the best single backbone by CV, the probability average, one LR on the
#: concatenated features.
PRIMARY_RULES = (
    "ensemble",
    "concatenated features + one LR",
    "best single by CV",
    "Lite2 unless another is clearly better (before)",
)


def lofo_choice(gaps, rules=RULE_NAMES):
    """Leave-one-family-out choice of a rule from per-family gaps.

    Parameters
    ----------
    gaps : dict of (family, rule) to float
        A rule's mean gap to the reference on a family (higher is better).
    rules : sequence of str, default=RULE_NAMES
        The candidates, the preferred first (ties go to it); ``gaps`` must
        hold every (family, rule) pair of them.

    Returns
    -------
    chosen : dict of family to rule
        For each family, the rule of the best mean gap over the others.

    Examples
    --------
    >>> gaps = {("a", "x"): 0.0, ("a", "y"): 1.0, ("b", "x"): 0.0,
    ...         ("b", "y"): -3.0, ("c", "x"): 0.0, ("c", "y"): 1.0}
    >>> lofo_choice(gaps, rules=("x", "y"))
    {'a': 'x', 'b': 'y', 'c': 'x'}
    """
    families = sorted({f for f, _ in gaps}, key=[f for f, _ in gaps].index)
    chosen = {}
    for held in families:
        others = [f for f in families if f != held]
        means = {r: np.mean([gaps[f, r] for f in others]) for r in rules}
        chosen[held] = max(rules, key=lambda r: (means[r], -rules.index(r)))
    return chosen


def _load_set(root, name, backbones, cache_dir):
    from ..parameter._image_folder import ImageFolder
    from ..parameter.backbones import get_backbone
    from ._image_features import cached_features

    train = ImageFolder(root / name / "train", decode=False)
    val = ImageFolder(root / name / "val", decode=False)
    features = {}
    for b in backbones:
        body = get_backbone(b)
        features[b] = (
            cached_features(body, train.paths, cache_dir),
            cached_features(body, val.paths, cache_dir),
        )
    return train.targets, val.targets, features


def _rule_predictions(X_by, y, X_val_by):
    """Val predictions of every rule of :data:`RULE_NAMES` for one draw."""
    from ..parameter._image_probes import (
        PROBE_C_GRID,
        ProbeCV,
        average_probabilities,
        cross_validate_probes,
        fit_probe,
        select_members,
    )

    wide = sorted(set(C_GRID) | set(PROBE_C_GRID))
    cv_wide = cross_validate_probes(X_by, y, C_grid=wide, cv=5, random_state=0)
    cv_cmd = {
        n: ProbeCV(n, r.classes, {C: r.proba[C] for C in PROBE_C_GRID}, y, r.n_splits)
        for n, r in cv_wide.items()
    }
    classes = next(iter(cv_cmd.values())).classes
    val_proba = {}

    def proba(name, C):
        if (name, C) not in val_proba:
            val_proba[name, C] = fit_probe(X_by[name], y, C).predict_proba(
                X_val_by[name]
            )
        return val_proba[name, C]

    def mean_of(members, geometric=False):
        probas = [proba(n, C) for n, C in members]
        if geometric:
            return np.mean(np.log(np.clip(probas, 1e-12, None)), 0)
        return average_probabilities(probas)

    def logloss_C(r):
        index = r._index
        losses = {
            C: -np.mean(np.log(np.clip(r.proba[C][np.arange(len(y)), index], 1e-12, 1)))
            for C in r.proba
        }
        return min(losses, key=lambda C: (losses[C], -C))

    index = next(iter(cv_cmd.values()))._index

    def shared_C(score):
        values = {
            C: score(average_probabilities([r.proba[C] for r in cv_cmd.values()]))
            for C in PROBE_C_GRID
        }
        return max(values, key=lambda C: (values[C], -C))

    def accuracy_of(p):
        return float(np.mean(p.argmax(1) == index))

    def minus_logloss(p):
        picked = np.clip(p[np.arange(len(y)), index], 1e-12, 1)
        return float(np.mean(np.log(picked)))

    C_acc, C_ll = shared_C(accuracy_of), shared_C(minus_logloss)
    out = {
        "ensemble": mean_of(select_members(cv_cmd, "ensemble")),
        "ensemble, one shared C by the ensemble's CV accuracy": mean_of(
            [(n, C_acc) for n in cv_cmd]
        ),
        "ensemble, one shared C by the ensemble's CV log-loss": mean_of(
            [(n, C_ll) for n in cv_cmd]
        ),
        "ensemble, C in the wide grid": mean_of(select_members(cv_wide, "ensemble")),
        "ensemble, C by CV log-loss": mean_of(
            [(n, logloss_C(r)) for n, r in cv_cmd.items()]
        ),
        "ensemble, geometric mean": mean_of(
            select_members(cv_cmd, "ensemble"), geometric=True
        ),
        "top-2 ensemble by CV": mean_of(select_members(cv_cmd, "top2_ensemble")),
        "ensemble, clearly weaker members dropped": mean_of(
            select_members(cv_cmd, "pruned_ensemble")
        ),
        "ensemble unless one backbone is clearly better": mean_of(
            select_members(cv_cmd, "ensemble_guard")
        ),
        "CV pick among the singles and the ensemble": mean_of(
            select_members(cv_cmd, "cv_pick_with_ensemble")
        ),
        "best single by CV": mean_of(select_members(cv_cmd, "best_cv")),
        "Lite2 unless another is clearly better (before)": mean_of(
            select_members(cv_cmd, "guard_first")
        ),
    }
    names = list(X_by)
    concat = np.hstack([X_by[n] for n in names])
    cv_cat = cross_validate_probes({"concat": concat}, y, cv=5, random_state=0)
    C = cv_cat["concat"].best_C
    out["concatenated features + one LR"] = fit_probe(concat, y, C).predict_proba(
        np.hstack([X_val_by[n] for n in names])
    )
    return {rule: classes[p.argmax(1)] for rule, p in out.items()}


@register(
    "images-rules",
    "finetune-images rules on four photo sets, k photos per class, chosen "
    "leave-one-set-out (accuracy %)",
)
def images_rules_benchmark(
    data_home=None,
    repeats=5,
    shots=(10, 40),
    sets=PHOTO_SETS,
    feature_cache=None,
    torch_threads=1,
):
    """The rules of ``finetune-images`` on four photo sets, chosen by LOFO.

    For each photo set, k and draw ``r``: k photos per class from
    ``train/`` (:func:`~transferkit.benchmarks.images.draw_shots` with seed
    ``r``), scored on all of ``val/``.

    - *frozen <backbone> + LR*: a logistic regression on that backbone's
      frozen features, ``C`` in ``C_GRID`` by stratified 5-fold CV (fold
      seed ``r``), as in ``benchmark images``. *best single backbone*: the
      best of the three means on that set and k (chosen on ``val/``, so a
      ceiling for any choice of one backbone), the reference of the gaps.
    - The command's rules: the three probes cross-validated on the same 5
      stratified folds (seed 0) for ``C`` in ``PROBE_C_GRID`` (0.01, 0.1,
      1); each probe's ``C`` is its best by CV accuracy (ties to the
      smaller) unless the rule says otherwise; the rule keeps one probe or
      averages several probes' probabilities (see
      :func:`transferkit.parameter._image_probes.select_members`).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``.
    repeats : int, default=5
        Draws per k.
    shots : tuple of int, default=(10, 40)
        Photos per class.
    sets : tuple of str, default=PHOTO_SETS
        Photo sets under ``images/``. With fewer than 2, no LOFO table.
    feature_cache : str or path-like, default=None
        Folder of the on-disk feature cache
        (:func:`transferkit.benchmarks._image_features.cached_features`);
        None encodes every photo again (1,758 photos x 3 backbones).
    torch_threads : int or None, default=1
        torch's intra-op threads while encoding, restored after.

    Returns
    -------
    tables : list of BenchmarkTable
        One per set (accuracy mean ± std over the draws, and each rule's
        gap to the best single backbone), then the LOFO table.
    """
    from .images import _torch_threads

    if isinstance(sets, str):
        sets = tuple(s for s in sets.split(",") if s)
    root = get_data_home(data_home) / "images"
    shots = tuple(int(k) for k in shots)
    tables, gaps, all_scores = [], {}, {}
    start = time.perf_counter()
    for name in sets:
        t0 = time.perf_counter()
        with _torch_threads(torch_threads):
            y_train, y_val, features = _load_set(
                root, name, COMMAND_BACKBONES, feature_cache
            )
        encode_seconds = time.perf_counter() - t0
        scores, memo = {}, {}
        for k in shots:
            for r in range(repeats):
                idx = draw_shots(y_train, k, r)
                y = y_train[idx]
                X_by = {b: features[b][0][idx] for b in COMMAND_BACKBONES}
                X_val_by = {b: features[b][1] for b in COMMAND_BACKBONES}
                with threadpool_limits(1):
                    for b in COMMAND_BACKBONES:
                        predicted = _probe(X_by[b], y, r).predict(X_val_by[b])
                        scores.setdefault((f"frozen {b} + LR", k), []).append(
                            float(np.mean(predicted == y_val))
                        )
                    key = (k, idx.tobytes())
                    if key not in memo:
                        memo[key] = _rule_predictions(X_by, y, X_val_by)
                for rule, predicted in memo[key].items():
                    scores.setdefault((rule, k), []).append(
                        float(np.mean(predicted == y_val))
                    )
        all_scores[name] = scores
        singles = [f"frozen {b} + LR" for b in COMMAND_BACKBONES]
        best = {k: max(np.mean(scores[s, k]) for s in singles) for k in shots}
        rows = []
        for s in singles:
            rows.append((s, sum(([_cell(scores[s, k]), None] for k in shots), [])))
        rows.append(
            (
                "best single backbone (reference)",
                sum(([f"{100 * best[k]:.1f}", None] for k in shots), []),
            )
        )
        for rule in RULE_NAMES:
            values = []
            for k in shots:
                gap = 100 * (np.mean(scores[rule, k]) - best[k])
                values += [_cell(scores[rule, k]), f"{gap:+.1f}"]
                gaps.setdefault((name, rule), []).append(gap)
            rows.append((rule, values))
        n_classes = len(np.unique(y_train))
        tables.append(
            BenchmarkTable(
                title=(
                    f"{name}: {n_classes} classes, k photos per class from train/, "
                    f"accuracy (%) on the {len(y_val)} val/ photos, mean ± std "
                    f"over {repeats} draws; gap = rule − best single backbone"
                ),
                columns=sum(([f"k = {k}", f"gap k = {k}"] for k in shots), []),
                rows=rows,
                notes=(
                    f"Features of {len(y_train)} + {len(y_val)} photos x 3 "
                    f"backbones in {encode_seconds:.0f} s"
                    + (" (from the cache)" if feature_cache else "")
                    + ". "
                    + (
                        "Every class of train/ has 40 photos, so the 5 draws at "
                        "k = 40 hold the same photos (the reference's CV folds "
                        "still differ by seed; the command's folds do not)."
                        if 40 in shots
                        and np.unique(y_train, return_counts=True)[1].max() == 40
                        else ""
                    )
                ),
            )
        )
    if len(sets) > 1:
        mean_gap = {key: float(np.mean(v)) for key, v in gaps.items()}
        singles = [f"frozen {b} + LR" for b in COMMAND_BACKBONES]
        for candidates, what in (
            (PRIMARY_RULES, "the four rules declared before the run"),
            (RULE_NAMES, f"all {len(RULE_NAMES)} rules"),
        ):
            chosen = lofo_choice(
                {key: g for key, g in mean_gap.items() if key[1] in candidates},
                candidates,
            )
            rows = []
            for name in sets:
                rule = chosen[name]
                values = [rule]
                for k in shots:
                    best = max(np.mean(all_scores[name][s, k]) for s in singles)
                    acc = np.mean(all_scores[name][rule, k])
                    values += [f"{100 * acc:.1f}", f"{100 * (acc - best):+.1f}"]
                rows.append((name, values))
            overall = {
                rule: np.mean([mean_gap[name, rule] for name in sets])
                for rule in candidates
            }
            tables.append(
                BenchmarkTable(
                    title=(
                        f"Leave-one-set-out among {what}: for each photo set, the "
                        "rule with the best mean gap (over k) on the other sets, "
                        "scored on the held-out one"
                    ),
                    columns=["rule chosen on the other sets"]
                    + sum(([f"k = {k}", f"gap k = {k}"] for k in shots), []),
                    rows=rows,
                    notes=(
                        "Mean gap over all sets and k (a training score: these "
                        "sets also choose): "
                        + "; ".join(f"{r} {g:+.2f}" for r, g in overall.items())
                        + f". Whole run: {time.perf_counter() - start:.0f} s."
                    ),
                )
            )
    return tables
