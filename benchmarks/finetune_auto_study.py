"""FineTuner(strategy="auto") in the setting of project issue 23.

A user module (a 64-128-64-10 ReLU MLP with a head named ``head``) is
pretrained on the digits source (``pretrain=True``) and fitted with
``strategy="auto"`` on 10 labelled target images per class; scored on the
other target images. Targets: the one-pixel shift and inverted intensities
(``1 - x`` of the unshifted target images). The reference is
``LogisticRegression(C=10)`` on the same labelled rows (the issue's
baseline). Seeds 0, 1, 2; BLAS and torch on one thread.

Run from the repository root::

    python benchmarks/finetune_auto_study.py
"""

from __future__ import annotations

import time
import warnings
from collections import Counter

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits
from torch import nn

from transferkit.benchmarks.digits_finetune import draw_per_class
from transferkit.datasets import load_digits_shift
from transferkit.parameter import FineTuner


class MLP(nn.Module):
    """64-128-64-10: the body's two hidden layers and a linear head."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU()
        )
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.body(x))


def target_data(shift, seed):
    if shift == "invert":
        # the contrast target is 0.5 x + 0.25 of the same split: undo, invert
        Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=seed)
        return Xs, ys, 1.0 - (Xt - 0.25) / 0.5, yt
    return load_digits_shift(shift, random_state=seed)


def main(shifts=("pixel", "invert"), seeds=(0, 1, 2), k=10):
    torch.set_num_threads(1)
    start = time.perf_counter()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for shift in shifts:
            auto, lr, picks = [], [], Counter()
            for seed in seeds:
                Xs, ys, Xt, yt = target_data(shift, seed)
                labelled = draw_per_class(yt, k, seed)
                rest = np.setdiff1d(np.arange(len(yt)), labelled)
                model = FineTuner(
                    MLP(), strategy="auto", pretrain=True, random_state=seed
                )
                model.fit(Xs, ys, Xt[labelled], yt[labelled])
                auto.append(model.score(Xt[rest], yt[rest]))
                picks[model.selected_strategy_] += 1
                base = LogisticRegression(C=10, max_iter=1000)
                lr.append(
                    base.fit(Xt[labelled], yt[labelled]).score(Xt[rest], yt[rest])
                )
            print(
                f"{shift}: auto {100 * np.mean(auto):.1f} "
                f"(per seed {[round(100 * a, 1) for a in auto]}, picks {dict(picks)}); "
                f"LogisticRegression(C=10) {100 * np.mean(lr):.1f}",
                flush=True,
            )
    print(f"wall {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
