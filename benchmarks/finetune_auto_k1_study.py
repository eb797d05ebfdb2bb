"""FineTuner(strategy="auto") with one label per class, on every digits shift.

With one labelled target row per class ``auto`` cannot cross-validate; it
averages the class probabilities of LP-FT and of a logistic regression on
the target inputs (``C = 1``). This script compares that ensemble with its
two members alone on the five shifts of ``load_digits_shift`` (the
benchmark ``digits-finetune`` reports contrast and pixel; blur, noise and
rotation are the others). Protocol of the benchmark: seeds 0-4, one
labelled row per class drawn with ``draw_per_class``, scored on the other
target rows, FineTuner defaults; BLAS and torch on one thread.

Run from the repository root: ``python benchmarks/finetune_auto_k1_study.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from transferkit.benchmarks.digits_finetune import draw_per_class
from transferkit.datasets import DIGIT_SHIFTS, load_digits_shift
from transferkit.parameter import FineTuner


def main(seeds=range(5)):
    torch.set_num_threads(1)
    print("| shift | auto (lp_ft+target_linear) | lp_ft | LogisticRegression(C=1) |")
    print("|---|---|---|---|")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for shift in DIGIT_SHIFTS:
            scores = {"auto": [], "lp_ft": [], "lr": []}
            for seed in seeds:
                Xs, ys, Xt, yt = load_digits_shift(shift, random_state=seed)
                lab = draw_per_class(yt, 1, seed)
                rest = np.setdiff1d(np.arange(len(yt)), lab)
                Xl, yl, Xr, yr = Xt[lab], yt[lab], Xt[rest], yt[rest]
                for name, model in (
                    ("auto", FineTuner(strategy="auto", random_state=seed)),
                    ("lp_ft", FineTuner(strategy="lp_ft", random_state=seed)),
                ):
                    scores[name].append(model.fit(Xs, ys, Xl, yl).score(Xr, yr))
                lr = LogisticRegression(C=1.0, max_iter=1000).fit(Xl, yl)
                scores["lr"].append(lr.score(Xr, yr))
            cells = " | ".join(
                f"{100 * np.mean(scores[n]):.1f}" for n in ("auto", "lp_ft", "lr")
            )
            print(f"| {shift} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
