"""Leave-one-family-out choice of the selection rule, and its report.

Run with ``python -m transferkit benchmark selection --protocol
leave-one-family-out``. Every family of
:mod:`~transferkit.benchmarks._selection_families` is fitted once with the
same user-style pool (:func:`~transferkit.benchmarks._selection_cache.family_records`:
per-fold scores of every criterion, target accuracy of every candidate).
Then, for each family, the rule that best meets the goals on the *other*
families is chosen from :data:`RULES` and reported on the left-out one, for
each of the four no-adaptation classifiers of the pool as the user's
baseline. A number measured on the families that chose the rule is a
training score, and the tables label it so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..model_selection._selector import CONSENSUS_CRITERIA
from ._registry import BenchmarkTable

__all__ = [
    "GOAL_WORST",
    "RULES",
    "Rule",
    "choose_rule",
    "family_summary",
    "lofo_tables",
    "rule_pick",
]

#: A pick may be at most this many points below the baseline on any task.
GOAL_WORST = -2.0
#: Where the adaptations of the user's classifier beat it by at least this
#: much on average (best fixed one), the pick must get half of that gain.
GOAL_GAIN = 2.0

#: Criteria a rule can select with (``rank`` and ``iwcv_mixval`` are derived).
SELECTING = CONSENSUS_CRITERIA + ("iwcv_mixval", "rank")
#: Second criteria that can veto (source-side or pool-level).
VETOES = ("iwcv", "reverse_validation", "dev", "ensv")


@dataclass(frozen=True)
class Rule:
    """One selection rule.

    ``design``: ``"free"`` (the guard against the baseline over every
    candidate, the selector's design until now), ``"free_veto"`` (the same,
    and the pick must also beat the baseline on ``veto``), ``"twin"``
    (like with like: only adaptations of the baseline's classifier, and
    methods without a twin, each against the baseline),
    ``"twin_veto"`` (``"twin"``, and twin-less methods must also beat the
    baseline on ``veto``), ``"twin_only"`` (``"twin"`` without twin-less
    methods). ``structure``: keep the baseline when the target shows no
    cluster structure (the selector's test, threshold 3).
    """

    design: str
    criterion: str
    veto: str | None = None
    structure: bool = True

    @property
    def label(self):
        text = f"{self.design}: {self.criterion}"
        if self.veto:
            text += f", veto {self.veto}"
        return text + (", structure test" if self.structure else "")


#: Criteria that vote in the consensus designs (the selector's own list).
VOTERS = CONSENSUS_CRITERIA


def _all_rules():
    rules = []
    for structure in (True, False):
        for m in (2, 3, 4, 5):
            rules.append(Rule("free", f"vote{m}", None, structure))
            rules.append(Rule("twin", f"vote{m}", None, structure))
        for c in SELECTING:
            rules.append(Rule("free", c, None, structure))
            rules.append(Rule("twin", c, None, structure))
            rules.append(Rule("twin_only", c, None, structure))
            for v in VETOES:
                if v != c:
                    rules.append(Rule("free_veto", c, v, structure))
                    rules.append(Rule("twin_veto", c, v, structure))
    return tuple(rules)


#: Every rule of the grid (176).
RULES = _all_rules()

#: The designs the study chooses among: the library's rule before this study
#: (MixVal under the guard after the structure test), and the mechanisms
#: with a reason to generalise that the issue names: like with like (each
#: adaptation against its own classifier), with and without a source-side
#: veto and the structure test, an ensemble criterion (EnsV, agreement with
#: the pool's majority vote) and a consensus of the six criteria (a strict
#: majority, 4 of 6, or 3), with and without like with like. Choosing among
#: all 176 rules of the grid instead is reported too: the choice then
#: changes from one left-out family to the next.
DECLARED_RULES = (
    Rule("free", "mixval", None, True),
    Rule("twin", "mixval", None, False),
    Rule("twin", "mixval", None, True),
    Rule("twin_veto", "mixval", "iwcv", False),
    Rule("twin_only", "mixval", None, False),
    Rule("twin", "ensv", None, False),
    Rule("twin", "vote4", None, False),
    Rule("twin", "vote3", None, False),
    Rule("free", "vote4", None, False),
)


def _criterion_folds(record, criterion):
    memo = record.setdefault("_folds", {})
    if criterion not in memo:
        memo[criterion] = _compute_criterion_folds(record, criterion)
    return memo[criterion]


def _compute_criterion_folds(record, criterion):
    from ..model_selection import fold_mean_scores, fold_rank_scores

    scores = {
        c: {n: {"folds": v} for n, v in t.items()} for c, t in record["scores"].items()
    }
    names = record["candidates"]
    if criterion == "rank":
        return fold_rank_scores(scores, names)
    if criterion == "iwcv_mixval":
        return fold_mean_scores(scores, names)
    return {n: scores[criterion][n]["folds"] for n in names}


def rule_pick(record, rule, baseline, n_std_errors=1.0):
    """The candidate a rule picks on one task's record.

    Parameters
    ----------
    record : dict
        A task record of :func:`~transferkit.benchmarks._selection_cache.task_record`.
    rule : Rule
    baseline : str
        The user's no-adaptation classifier.
    n_std_errors : float, default=1.0

    Returns
    -------
    name : str
    """
    from ..model_selection._guard import guarded_choice
    from ..model_selection._like_with_like import (
        beats_baseline,
        like_with_like_choice,
    )
    from ..model_selection._structure import MIN_TARGET_STRUCTURE

    if rule.structure and record["structure"] <= MIN_TARGET_STRUCTURE:
        return baseline
    if rule.criterion.startswith("vote"):
        return _vote_pick(record, rule, baseline, n_std_errors)
    folds = _criterion_folds(record, rule.criterion)
    veto = None if rule.veto is None else _criterion_folds(record, rule.veto)
    if rule.design in ("free", "free_veto"):
        if rule.design == "free_veto":
            folds = {
                n: f
                for n, f in folds.items()
                if n == baseline or beats_baseline(veto, n, baseline, n_std_errors)[0]
            }
        return guarded_choice(folds, baseline, n_std_errors=n_std_errors)[0]
    twinless = {"twin": "same", "twin_veto": "veto", "twin_only": "never"}[rule.design]
    return like_with_like_choice(
        folds,
        baseline,
        record["twins"],
        n_std_errors=n_std_errors,
        twinless=twinless,
        veto_folds=veto,
    )[0]


def _vote_pick(record, rule, baseline, n_std_errors):
    """Consensus: the guard's pass on ``m`` of the voting criteria."""
    from ..model_selection._like_with_like import consensus_choice

    return consensus_choice(
        {c: _criterion_folds(record, c) for c in VOTERS},
        baseline,
        record["twins"] if rule.design == "twin" else None,
        min_votes=int(rule.criterion[len("vote") :]),
        n_std_errors=n_std_errors,
    )[0]


def family_summary(records, rule, baseline):
    """How one rule does on one family, for one baseline (memoised).

    Returns
    -------
    summary : dict
        ``picks``, ``accuracy`` (per task), ``mean``, ``baseline_mean``,
        ``gain`` (mean of pick minus baseline), ``worst`` (smallest per-task
        difference), ``oracle_mean`` (best candidate per task),
        ``regret`` (oracle minus pick, mean), ``best_fixed`` (the adapted
        candidate of the baseline's classifier, or without a twin, with
        the highest mean), ``best_fixed_mean``, ``goals`` (bool).
    """
    memo = records.setdefault("_summaries", {})
    if (rule, baseline) not in memo:
        memo[rule, baseline] = _family_summary(records, rule, baseline)
    return memo[rule, baseline]


def _family_summary(records, rule, baseline):
    tasks = records["tasks"]
    picks = [rule_pick(t, rule, baseline) for t in tasks]
    acc = np.array([t["accuracy"][p] for t, p in zip(tasks, picks)])
    base = np.array([t["accuracy"][baseline] for t in tasks])
    oracle = np.array([max(t["accuracy"].values()) for t in tasks])
    twins = tasks[0]["twins"]
    own = [n for n, tw in twins.items() if n != baseline and tw in (baseline, None)]
    fixed = {n: float(np.mean([t["accuracy"][n] for t in tasks])) for n in own}
    best_fixed = max(fixed, key=fixed.get)
    any_fixed = {
        n: float(np.mean([t["accuracy"][n] for t in tasks]))
        for n in tasks[0]["candidates"]
        if twins[n] != n
    }
    diff = acc - base
    fixed_gain = fixed[best_fixed] - float(base.mean())
    gain = float(diff.mean())
    goals = (
        gain >= 0
        and float(diff.min()) >= GOAL_WORST
        and (fixed_gain < GOAL_GAIN or gain >= fixed_gain / 2)
    )
    return {
        "picks": picks,
        "accuracy": acc.tolist(),
        "mean": float(acc.mean()),
        "baseline_mean": float(base.mean()),
        "gain": gain,
        "worst": float(diff.min()),
        "oracle_mean": float(oracle.mean()),
        "regret": float((oracle - acc).mean()),
        "best_fixed": best_fixed,
        "best_fixed_mean": fixed[best_fixed],
        "best_any_fixed": max(any_fixed, key=any_fixed.get),
        "best_any_fixed_mean": max(any_fixed.values()),
        "goals": bool(goals),
    }


def _shortfall(s):
    """How far (points) a family summary is from meeting the goals."""
    fixed_gain = s["best_fixed_mean"] - s["baseline_mean"]
    short = max(0.0, -s["gain"]) + max(0.0, GOAL_WORST - s["worst"])
    if fixed_gain >= GOAL_GAIN:
        short += max(0.0, fixed_gain / 2 - s["gain"])
    return short


def _objective(all_records, families, rule, baselines):
    """(goals met, minus the summed shortfall, mean gain) over families x baselines."""
    met, gains, short = 0, [], 0.0
    for family in families:
        for b in baselines:
            s = family_summary(all_records[family], rule, b)
            met += s["goals"]
            gains.append(s["gain"])
            short += _shortfall(s)
    return met, -short, float(np.mean(gains))


def choose_rule(all_records, families, baselines, rules=RULES):
    """The rule that meets the goals most often on ``families``.

    Ties: the smaller summed shortfall from the goals (points below the
    baseline on average, below the worst-task limit, below half the best
    fixed gain), then the larger mean gain over the baseline, then the
    earlier rule.

    Returns
    -------
    rule : Rule
    objective : (int, float)
    """
    best, best_key = None, None
    for rule in rules:
        key = _objective(all_records, families, rule, baselines)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best, best_key


def _fmt(x):
    return f"{x:.1f}"


def lofo_tables(all_records, baselines, rules=DECLARED_RULES, fixed_rule=None):
    """The leave-one-family-out tables.

    Parameters
    ----------
    all_records : dict of str to dict
        Family -> its cached records.
    baselines : sequence of str
        The user baselines evaluated.
    rules : sequence of Rule, default=DECLARED_RULES
    fixed_rule : Rule, default=None
        Also report this rule (the library's default) on every family.

    Returns
    -------
    tables : list of BenchmarkTable
    chosen : dict of str to Rule
        The rule chosen without each family.
    """
    families = list(all_records)
    chosen = {}
    main = BenchmarkTable(
        title=(
            "Leave-one-family-out: each family scored with the rule chosen on the "
            "others (target accuracy %, mean over the family's tasks)"
        ),
        columns=[
            "rule chosen without it",
            "baseline",
            "baseline acc",
            "pick",
            "gain",
            "worst task",
            "best own adaptation (fixed)",
            "best fixed, any",
            "oracle",
            "regret",
            "goals",
        ],
    )
    for family in families:
        others = [f for f in families if f != family]
        rule, key = choose_rule(all_records, others, baselines, rules)
        chosen[family] = rule
        for b in baselines:
            s = family_summary(all_records[family], rule, b)
            main.add_row(
                f"{family} / {b}",
                [
                    rule.label,
                    b,
                    _fmt(s["baseline_mean"]),
                    _fmt(s["mean"]),
                    f"{s['gain']:+.1f}",
                    f"{s['worst']:+.1f}",
                    f"{s['best_fixed']} {_fmt(s['best_fixed_mean'])}",
                    f"{s['best_any_fixed']} {_fmt(s['best_any_fixed_mean'])}",
                    _fmt(s["oracle_mean"]),
                    _fmt(s["regret"]),
                    "met" if s["goals"] else "missed",
                ],
            )
    tables = [main]
    # every design's best rule and a few named ones, on every family (training
    # scores: the rules are compared on all families at once)
    shown = []
    for design in ("free", "free_veto", "twin", "twin_veto", "twin_only"):
        of_design = [r for r in rules if r.design == design]
        if of_design:
            shown.append(choose_rule(all_records, families, baselines, of_design)[0])
    for named in (
        Rule("free", "mixval", None, True),
        Rule("free", "dev", None, False),
        fixed_rule,
    ):
        if named is not None and named not in shown:
            shown.append(named)
    grid = BenchmarkTable(
        title=(
            "Designs compared on every family (mean gain over the baseline, points; "
            "worst task in brackets; averaged over the baselines "
            f"{', '.join(baselines)}). Training scores: the rules below are the "
            "best of their design on all families together"
        ),
        columns=families + ["goals met (of families x baselines)"],
    )
    for rule in shown:
        cells, met = [], 0
        for family in families:
            sums = [family_summary(all_records[family], rule, b) for b in baselines]
            met += sum(s["goals"] for s in sums)
            cells.append(
                f"{np.mean([s['gain'] for s in sums]):+.1f} "
                f"({min(s['worst'] for s in sums):+.1f})"
            )
        grid.add_row(rule.label, cells + [f"{met} of {len(families) * len(baselines)}"])
    tables.append(grid)
    # per-task picks of the rule chosen without each family, first baseline
    for family in families:
        names = all_records[family]["names"]
        per = BenchmarkTable(
            title=(
                f"{family}: target accuracy (%) per task, rule chosen without "
                f"{family} ({chosen[family].label})"
            ),
            columns=names + ["Avg"],
        )
        for b in baselines:
            s = family_summary(all_records[family], chosen[family], b)
            base = [t["accuracy"][b] for t in all_records[family]["tasks"]]
            per.add_row(f"{b} (baseline)", base + [float(np.mean(base))])
            per.add_row(f"pick, baseline {b}", s["accuracy"] + [s["mean"]])
        oracle = [max(t["accuracy"].values()) for t in all_records[family]["tasks"]]
        per.add_row("oracle", oracle + [float(np.mean(oracle))])
        per.notes = (
            "Picks, baseline "
            + baselines[0]
            + ": "
            + ", ".join(
                f"{n}: {p}"
                for n, p in zip(
                    names,
                    family_summary(all_records[family], chosen[family], baselines[0])[
                        "picks"
                    ],
                )
            )
        )
        tables.append(per)
    return tables, chosen


def defaults_table(all_records, baselines):
    """Each adaptation at its defaults against its own unadapted classifier.

    Parameters
    ----------
    all_records : dict of str to dict
    baselines : sequence of str
        The classifiers; a method without a twin (MEDA) is compared with
        each of them.

    Returns
    -------
    table : BenchmarkTable
        Per method, per family: mean target accuracy minus its twin's
        (points), and the worst task in brackets.
    """
    families = list(all_records)
    first = all_records[families[0]]["tasks"][0]
    twins = first["twins"]
    table = BenchmarkTable(
        title=(
            "Library defaults against no adaptation: mean gain of each adapted "
            "candidate over the same classifier unadapted, per family (points; "
            "worst task in brackets)"
        ),
        columns=families,
    )
    rows = []
    for name in first["candidates"]:
        twin = twins[name]
        if twin == name:
            continue
        for ref in [twin] if twin is not None else list(baselines):
            rows.append((f"{name} vs {ref}", name, ref))
    for label, name, ref in rows:
        cells = []
        for family in families:
            d = np.array(
                [
                    t["accuracy"][name] - t["accuracy"][ref]
                    for t in all_records[family]["tasks"]
                ]
            )
            cells.append(f"{d.mean():+.1f} ({d.min():+.1f})")
        table.add_row(label, cells)
    return table


def run_lofo(
    data_home=None, cache=None, families=None, n_jobs=None, cv=10, partial=False
):
    """Build (or read) every family's cache and return the LOFO tables.

    Parameters
    ----------
    data_home : str or path-like, default=None
    cache : str or path-like, default=None
        Folder of the per-family JSON caches; default
        ``$TRANSFERKIT_CACHE`` or ``benchmarks/results``.
    families : sequence of str, default=None
        Default: every family.
    n_jobs : int, default=None
    cv : int, default=10
    partial : bool, default=False
        Use only the tasks already cached (for a look before the build
        ends); the tables then say how many tasks each family holds.

    Returns
    -------
    tables : list of BenchmarkTable
    """
    from ..model_selection._selector import AUTO_RULE
    from ._selection_cache import family_records
    from ._selection_families import FAMILIES, FINAL_ESTIMATORS

    cache = cache or os.environ.get("TRANSFERKIT_CACHE", "benchmarks/results")
    records = {
        f: family_records(
            f, cache, data_home=data_home, cv=cv, n_jobs=n_jobs, partial=partial
        )
        for f in (families or FAMILIES)
    }
    records = {f: r for f, r in records.items() if r["tasks"]}
    from ..model_selection import CONSENSUS_VOTES

    criterion = AUTO_RULE["criterion"]
    library_rule = Rule(
        AUTO_RULE["design"],
        f"vote{CONSENSUS_VOTES}" if criterion == "consensus" else criterion,
        AUTO_RULE["veto"],
        AUTO_RULE["structure"],
    )
    tables, chosen = lofo_tables(records, FINAL_ESTIMATORS, fixed_rule=library_rule)
    tables.insert(1, _library_rule_table(records, FINAL_ESTIMATORS, library_rule))
    grid, grid_chosen = lofo_tables(records, FINAL_ESTIMATORS, rules=RULES)
    grid[0].title = (
        f"Rejected protocol: leave-one-family-out over all {len(RULES)} rules of "
        "the grid (each family scored with the rule chosen on the others)"
    )
    tables.append(grid[0])
    tables.append(defaults_table(records, FINAL_ESTIMATORS))
    seconds = ", ".join(
        f"{f} {len(r['tasks'])}/{r.get('n_tasks', len(r['tasks']))} tasks"
        + ("" if np.isnan(r["seconds"]) else f", {r['seconds']:.0f} s")
        for f, r in records.items()
    )
    tables[0].notes = (
        f"Families (tasks cached / tasks; cache build wall time, cv={cv}): "
        f"{seconds}. Rules compared: the {len(DECLARED_RULES)} declared designs "
        f"(DECLARED_RULES; the grid of {len(RULES)} in the last LOFO table). "
        "Goals per family and "
        "baseline: the pick averages at least the baseline, no task more than "
        f"{-GOAL_WORST:g} points below it, and where the best fixed adaptation "
        "of the baseline's classifier (or a method with its own classifier) "
        f"gains {GOAL_GAIN:g} points or more on average, at least half of that "
        "gain. Chosen rules: "
        + "; ".join(f"without {f}: {r.label}" for f, r in chosen.items())
    )
    return tables


def _library_rule_table(records, baselines, rule):
    """The library's ``scoring="auto"`` rule on every family and baseline."""
    table = BenchmarkTable(
        title=(
            f"The library's rule ({rule.label}) on every family: baseline, pick "
            "and gain (points), worst task"
        ),
        columns=[f"{b}" for b in baselines],
    )
    for family, r in records.items():
        cells = []
        for b in baselines:
            s = family_summary(r, rule, b)
            cells.append(
                f"{s['baseline_mean']:.1f} → {s['mean']:.1f} ({s['gain']:+.1f}; "
                f"worst {s['worst']:+.1f}){'' if s['goals'] else ' missed'}"
            )
        table.add_row(family, cells)
    return table


#: Where ``write_lofo`` writes its tables.
LOFO_RESULTS = "benchmarks/results/selection_lofo.md"


def write_lofo(
    data_home=None, cache=None, families=None, n_jobs=None, out=None, partial=False
):
    """Run the study and write its tables to ``out`` (Markdown).

    Parameters
    ----------
    data_home, cache, families, n_jobs, partial
        As for :func:`run_lofo`.
    out : str or path-like, default=None
        Default :data:`LOFO_RESULTS`.

    Returns
    -------
    tables : list of BenchmarkTable
    """
    import datetime
    from pathlib import Path

    tables = run_lofo(
        data_home=data_home,
        cache=cache,
        families=families,
        n_jobs=n_jobs,
        partial=partial,
    )
    head = (
        "<!-- generated by: python -m transferkit benchmark selection "
        "--protocol leave-one-family-out -->\n\n"
        "# Choosing the selection rule leave-one-family-out (transferkit)\n\n"
        f"Produced by `transferkit.benchmarks.selection_lofo`, "
        f"{datetime.date.today().isoformat()}, on the shared 2-core machine "
        "(BLAS on one thread per task). Pool, on every family: 1-NN, a linear "
        "SVM (libsvm), logistic regression and an RBF SVC, each alone and "
        "behind CORAL, SA and TCA; JDA and GFK before 1-NN; KMM before "
        "logistic regression; MEDA (20 candidates, library defaults, "
        "`TransferSelector(cv=10, random_state=0)` fits). Each family is "
        "reported with the rule chosen on the other families only; the "
        "library's rule and the designs table are measured on every family "
        "at once, so their numbers are training scores.\n\n"
    )
    path = Path(out or LOFO_RESULTS)
    path.write_text(head + "\n\n".join(t.to_markdown() for t in tables) + "\n")
    return tables
