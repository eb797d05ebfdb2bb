"""Which target-only candidate is auto's guarded baseline: two rules, LOFO.

``strategy="auto"`` has two target-only candidates, the MLP from scratch
(``target_only``) and a logistic regression (``target_linear``). Rule
"max": the baseline is the one with the higher cross-validated mean. Rule
"linear first": the simpler linear model is the baseline unless the MLP
beats it by more than one standard error of the paired difference (the
guard's own rule). Each is then the baseline that the transfer candidates
must beat by one standard error. Digits, every shift, 10 labels per class,
seeds 0-4; the per-sample scores of one auto fit give both rules' choices;
the chosen candidates are refitted on the labelled rows and scored on the
rest. Rule choice by leave-one-shift-out: for each shift, the rule with the
higher mean over the other shifts.

Run from the repository root: ``python benchmarks/finetune_auto_baseline_study.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from transferkit.benchmarks.digits_finetune import draw_per_class
from transferkit.datasets import DIGIT_SHIFTS, load_digits_shift
from transferkit.model_selection import _guard
from transferkit.parameter import FineTuner


def _rules(scores):
    base = {}
    means = {k: np.mean(v) for k, v in scores.items()}
    base["max"] = max(("target_only", "target_linear"), key=lambda n: means[n])
    inner, _ = _guard.guarded_choice(
        {n: scores[n] for n in ("target_linear", "target_only")}, "target_linear"
    )
    base["linear first"] = inner
    return {rule: _guard.guarded_choice(scores, b)[0] for rule, b in base.items()}


def main(k=10, seeds=range(5)):
    torch.set_num_threads(1)
    original = _guard.guarded_choice
    captured = {}

    def capture(scores, baseline, **kw):
        captured["scores"] = {n: np.asarray(v, float) for n, v in scores.items()}
        return original(scores, baseline, **kw)

    results = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for shift in DIGIT_SHIFTS:
            for seed in seeds:
                Xs, ys, Xt, yt = load_digits_shift(shift, random_state=seed)
                lab = draw_per_class(yt, k, seed)
                rest = np.setdiff1d(np.arange(len(yt)), lab)
                _guard.guarded_choice = capture
                try:
                    auto = FineTuner(strategy="auto", random_state=seed)
                    auto.fit(Xs, ys, Xt[lab], yt[lab])
                finally:
                    _guard.guarded_choice = original
                choice = _rules(captured["scores"])
                accuracy = {auto.selected_strategy_: auto.score(Xt[rest], yt[rest])}
                for name in set(choice.values()) - set(accuracy):
                    refit = FineTuner(
                        strategy="auto", candidates=(name,), random_state=seed
                    ).fit(Xs, ys, Xt[lab], yt[lab])
                    accuracy[name] = refit.score(Xt[rest], yt[rest])
                for rule, name in choice.items():
                    results.setdefault((shift, rule), []).append(accuracy[name])
                print(
                    shift,
                    seed,
                    choice,
                    {n: round(a, 3) for n, a in accuracy.items()},
                    flush=True,
                )
    rules = ("max", "linear first")
    mean = {key: 100 * np.mean(v) for key, v in results.items()}
    print("| shift | max | linear first | LOFO choice (by the other shifts) |")
    print("|---|---|---|---|")
    for shift in DIGIT_SHIFTS:
        others = {
            r: np.mean([mean[s, r] for s in DIGIT_SHIFTS if s != shift]) for r in rules
        }
        pick = max(rules, key=lambda r: others[r])
        print(
            f"| {shift} | {mean[shift, 'max']:.1f} | {mean[shift, 'linear first']:.1f}"
            f" | {pick} |"
        )


if __name__ == "__main__":
    main()
