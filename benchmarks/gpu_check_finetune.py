"""Fine-tune EfficientNet-Lite0 on hymenoptera (ants vs bees): GPU beside CPU.

Usage (from the repository root)::

    TRANSFERKIT_DATA=../shared/data python benchmarks/gpu_check_finetune.py
    python benchmarks/gpu_check_finetune.py --device cpu --limit 4 --epochs 1

``--device auto`` runs on CUDA when it is available and then the same fit on
the CPU, and prints both; ``--device cuda`` or ``--device cpu`` runs one.
``FineTuner(efficientnet_lite0(), strategy="lp_ft", pretrain=False)``
is fitted on the ``train/`` photos (at most ``--limit`` per class) for
``--epochs`` epochs (AdamW, lr 1e-4, batch 16, no early stopping, the
backbone's light augmentation) and scored on ``val/`` (at most ``--limit``
per class). The CPU run uses ``--cpu-threads`` torch threads.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def _photos(root, limit):
    from transferkit.parameter import ImageFolder

    folder = ImageFolder(root, decode=False)
    index = np.arange(len(folder))
    if limit is not None:
        index = np.concatenate(
            [np.flatnonzero(folder.targets == c)[:limit] for c in folder.classes]
        )
    return [folder.paths[i] for i in index], folder.targets[index]


def fit_and_score(device, train, val, epochs, seed=0):
    """(seconds to fit, seconds to predict, accuracy) on ``device``."""
    from transferkit.parameter import FineTuner
    from transferkit.parameter.backbones import efficientnet_lite0

    model = FineTuner(
        efficientnet_lite0(),
        strategy="lp_ft",
        pretrain=False,
        epochs=epochs,
        lr=1e-4,
        batch_size=16,
        early_stopping=False,
        augment=True,
        device=device,
        random_state=seed,
    )
    start = time.perf_counter()
    model.fit(None, None, Xt=train[0], yt=train[1])
    _sync(device)
    fitted = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(val[0])
    _sync(device)
    return fitted, time.perf_counter() - start, float(np.mean(predicted == val[1]))


def _sync(device):
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def main(argv=None):
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cuda or cpu")
    parser.add_argument("--limit", type=int, help="photos per class and split")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cpu-threads", type=int, default=1)
    parser.add_argument("--data-home", default=os.environ.get("TRANSFERKIT_DATA"))
    args = parser.parse_args(argv)
    if not args.data_home:
        parser.error("set TRANSFERKIT_DATA or pass --data-home")
    root = Path(args.data_home) / "images" / "hymenoptera"
    train = _photos(root / "train", args.limit)
    val = _photos(root / "val", args.limit)
    if args.device == "auto":
        devices = (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]
    else:
        devices = [args.device]
    print(
        f"hymenoptera: {len(train[0])} training photos, {len(val[0])} validation "
        f"photos, {args.epochs} epochs of LP-FT on EfficientNet-Lite0"
    )
    if "cuda" in devices:
        print(f"CUDA device: {torch.cuda.get_device_name(0)}")
    elif args.device == "auto":
        print("CUDA is not available: CPU only")
    before = torch.get_num_threads()
    for device in devices:
        if device == "cpu":
            torch.set_num_threads(args.cpu_threads)
        fitted, predicted, accuracy = fit_and_score(device, train, val, args.epochs)
        torch.set_num_threads(before)
        label = device if device != "cpu" else f"cpu ({args.cpu_threads} thread(s))"
        rate = len(train[0]) * args.epochs / fitted
        print(
            f"{label:>18}: fit {fitted:7.1f} s ({rate:6.1f} photos/s), predict "
            f"{predicted:6.1f} s, accuracy {100 * accuracy:5.1f} %"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
