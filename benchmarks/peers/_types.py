"""The records every module of the house shares (no library imported here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

#: The library name of transferkit's own rows (ratios are taken against them).
OURS = "transferkit"


class Unavailable(Exception):
    """An implementation that cannot run here (library or estimator missing)."""


def pin_tensorflow_threads():
    """Import TensorFlow (if installed) and pin its thread pools to one thread.

    Must run before anything starts TensorFlow's runtime; ADAPT imports it.
    """
    try:
        import tensorflow as tf
    except ImportError:
        return False
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow's runtime already started
        pass
    return True


@dataclass
class Task:
    """Source and target data of one comparison."""

    name: str
    Xs: np.ndarray
    ys: np.ndarray
    Xt: np.ndarray
    yt: np.ndarray
    Xt_labelled: np.ndarray | None = None
    yt_labelled: np.ndarray | None = None
    Xt_test: np.ndarray | None = None
    yt_test: np.ndarray | None = None

    @property
    def shape_text(self):
        text = f"{len(self.Xs)} source × {len(self.Xt)} target, d = {self.Xs.shape[1]}"
        if self.Xt_labelled is not None:
            text += f", {len(self.Xt_labelled)} labelled target"
        return text


@dataclass
class Implementation:
    """One library's way to run a method: a timed ``fit`` and untimed ``outputs``.

    ``fit(task)`` returns whatever ``outputs(fitted, task)`` needs; ``outputs``
    returns the weights (reweighting), the pair of embeddings (feature
    mapping) or a fitted classifier (boosting).
    """

    library: str
    label: str
    fit: Callable[[Task], Any]
    outputs: Callable[[Any, Task], Any] = lambda fitted, task: fitted
    note: str = ""


@dataclass
class Comparison:
    """One method on one data set, run by every library that implements it."""

    key: str
    group: str
    method: str
    task: Callable[[], Task]
    hyperparameters: str
    implementations: list[Implementation]
    evaluate: Callable[[Any, Task], dict]
    repeats: int | None = None
    baseline_estimator: Callable[[], Any] = lambda: LogisticRegression(max_iter=1000)
    kernel_gamma: float | None = None


@dataclass
class DensityRatio:
    """A fitted density-ratio model, read out the same way for every library."""

    weights: np.ndarray  # w(x) on the source
    target_weights: np.ndarray  # w(x) on the target
    width: str  # the kernel width (and regulariser) that the library selected
