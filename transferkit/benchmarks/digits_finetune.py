"""Fine-tuning strategies and regularisers on the shifted digits.

Run with ``python -m transferkit benchmark digits-finetune``. The protocol is
that of the earlier measurements on the references page of the
documentation: for each seed ``r`` the digits are
split by ``load_digits_shift(shift, random_state=r)`` (900 source images,
897 shifted target images), ``k`` labelled target images per class are drawn
with ``numpy.random.default_rng(r)``, every method is trained on them (and
the source) and scored on the other target images.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from ._registry import BenchmarkTable, register

__all__ = [
    "SUPERVISED_ROWS",
    "UNSUPERVISED_ROWS",
    "PROJECT_REFERENCE",
    "TargetLogisticRegression",
    "digits_finetune_scores",
    "digits_unsupervised_scores",
    "digits_finetune_benchmark",
    "draw_per_class",
]

#: Accuracy (%) measured earlier for this project (docs/references.md, contrast
#: shift, 5 seeds), by row and k; the pixel shift's target-only reference.
PROJECT_REFERENCE = {
    "contrast": {
        "source only": {1: 48.3, 10: 48.4},
        "target only: MLP from scratch": {1: 60.8, 10: 86.6},
        "full": {1: 92.1, 10: 95.7},
        "full + L2-SP": {1: 89.9, 10: 95.5},
        "RegularTransferClassifier": {1: 95.0, 10: 95.9},
    },
    "pixel": {"target only: MLP from scratch": {1: 63.8, 10: 89.4}},
}


def _finetuner(**params):
    from ..parameter import FineTuner

    def make(seed):
        return FineTuner(random_state=seed, **params)

    return make


class TargetLogisticRegression(ClassifierMixin, BaseEstimator):
    """The target-only linear baseline: a logistic regression, C by inner CV.

    ``C`` is chosen from ``Cs`` by ``GridSearchCV`` over stratified folds of
    the labelled rows (``min(3, smallest class count)`` folds); with one
    labelled row per class no fold can hold a class out, and ``C=fallback_C``
    (scikit-learn's default, 1) is used. The grid and the folds are generic
    choices (decades around the default), not fitted on the digits.

    Parameters
    ----------
    Cs : tuple of float, default=(0.01, 0.1, 1.0, 10.0, 100.0)
    fallback_C : float, default=1.0
    random_state : int, default=0
        Seed of the folds' shuffling.
    """

    def __init__(
        self, Cs=(0.01, 0.1, 1.0, 10.0, 100.0), fallback_C=1.0, random_state=0
    ):
        self.Cs = Cs
        self.fallback_C = fallback_C
        self.random_state = random_state

    def fit(self, X, y):
        """Choose C on ``X, y`` and refit on all of them."""
        _, counts = np.unique(y, return_counts=True)
        n_folds = int(min(3, counts.min()))
        if n_folds < 2:
            self.C_ = float(self.fallback_C)
        else:
            folds = StratifiedKFold(
                n_folds, shuffle=True, random_state=self.random_state
            )
            search = GridSearchCV(
                LogisticRegression(max_iter=1000), {"C": list(self.Cs)}, cv=folds
            )
            self.C_ = float(search.fit(X, y).best_params_["C"])
        self.model_ = LogisticRegression(C=self.C_, max_iter=1000).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        """Labels of the refitted logistic regression."""
        return self.model_.predict(X)


def _target_logistic(seed):
    return TargetLogisticRegression(random_state=seed)


def _regular_transfer(seed):
    from ..parameter import RegularTransferClassifier

    return RegularTransferClassifier(estimator=LogisticRegression(max_iter=1000))


#: ``(row name, how it is fitted, factory(seed) -> estimator)``. "source":
#: ``fit(Xs, ys)`` (does not depend on k); "target": ``fit(None, None, Xl,
#: yl)``; "target linear": ``fit(Xl, yl)`` (a scikit-learn model);
#: "transfer": ``fit(Xs, ys, Xl, yl)``; "reuse": the seed's source-only
#: network (body and source head, float32) is passed as ``module`` and
#: fine-tuned with ``fit(None, None, Xl, yl)``, the "reuse a published model"
#: path (its linear probe is a plain logistic regression, not one with the
#: source head as prior). A regulariser acts in the fine-tuning phases only
#: (on the "transfer" path too since transferkit f6f8abe). Every FineTuner
#: is the estimator's defaults (MLP with 100 hidden units, 50 epochs per phase
#: with early stopping, AdamW at 1e-3) except for what the row names.
SUPERVISED_ROWS = (
    ("source only", "source", _finetuner()),
    ("target only: MLP from scratch", "target", _finetuner(strategy="full")),
    ("target only: LogisticRegression (C by CV)", "target linear", _target_logistic),
    ("linear_probe", "transfer", _finetuner(strategy="linear_probe")),
    ("full", "transfer", _finetuner(strategy="full")),
    ("lp_ft (default)", "transfer", _finetuner(strategy="lp_ft")),
    ("gradual_unfreeze", "transfer", _finetuner(strategy="gradual_unfreeze")),
    ("surgical", "transfer", _finetuner(strategy="surgical")),
    ("full + L2-SP", "transfer", _finetuner(strategy="full", regularizer="l2_sp")),
    ("lp_ft + L2-SP", "transfer", _finetuner(regularizer="l2_sp")),
    ("lp_ft + DELTA", "transfer", _finetuner(regularizer="delta")),
    ("lp_ft + BSS", "transfer", _finetuner(regularizer="bss")),
    ("lp_ft + LwF", "transfer", _finetuner(regularizer="lwf")),
    ("reused source MLP: full", "reuse", _finetuner(strategy="full")),
    (
        "reused source MLP: full + L2-SP",
        "reuse",
        _finetuner(strategy="full", regularizer="l2_sp"),
    ),
    ("reused source MLP: lp_ft", "reuse", _finetuner()),
    ("reused source MLP: lp_ft + L2-SP", "reuse", _finetuner(regularizer="l2_sp")),
    ("reused source MLP: lp_ft + DELTA", "reuse", _finetuner(regularizer="delta")),
    ("reused source MLP: lp_ft + BSS", "reuse", _finetuner(regularizer="bss")),
    ("reused source MLP: lp_ft + LwF", "reuse", _finetuner(regularizer="lwf")),
    ("RegularTransferClassifier", "transfer", _regular_transfer),
    ("auto", "transfer", _finetuner(strategy="auto")),
)


def _source_module(source_model):
    """The fitted source-only network as a plain module: ``body`` and ``head``."""
    import copy

    import torch

    class SourceMLP(torch.nn.Module):
        def __init__(self, network):
            super().__init__()
            self.body = copy.deepcopy(network.body).float()
            self.head = copy.deepcopy(network.source_head).float()

        def forward(self, x):
            return self.head(self.body(x))

    return SourceMLP(source_model.network_)


#: Unsupervised rows: ``fit(Xs, ys, Xt)`` without target labels.
UNSUPERVISED_ROWS = (
    ("source only", _finetuner()),
    ("alignment='coral'", _finetuner(alignment="coral")),
    ("alignment='mmd'", _finetuner(alignment="mmd")),
    ("alignment='dann'", _finetuner(alignment="dann")),
)


def draw_per_class(labels, k, seed):
    """Sorted indices of ``k`` rows per class, drawn with ``default_rng(seed)``.

    Parameters
    ----------
    labels : array-like of shape (n,)
    k : int
    seed : int

    Returns
    -------
    indices : ndarray of int
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
        for c in np.unique(labels)
    ]
    return np.sort(np.concatenate(chosen))


class _Timer:
    def __init__(self):
        self.seconds = {}
        self.counts = Counter()

    def add(self, name, seconds):
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.counts[name] += 1

    def mean(self, name):
        return self.seconds[name] / self.counts[name]


def _single_thread():
    """A context pinning BLAS and torch to one thread (torch's count restored)."""
    import contextlib

    import torch

    @contextlib.contextmanager
    def pinned():
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(1):
                yield
        finally:
            torch.set_num_threads(before)

    return pinned()


def digits_finetune_scores(
    shifts=("contrast", "pixel"), shots=(1, 10), repeats=5, rows=None, epochs=None
):
    """Accuracy of each supervised row, per shift, k and seed.

    Parameters
    ----------
    shifts : tuple of str, default=("contrast", "pixel")
        Digits shifts (see :func:`transferkit.datasets.load_digits_shift`).
    shots : tuple of int, default=(1, 10)
        Labelled target images per class.
    repeats : int, default=5
        Seeds ``0 .. repeats - 1``.
    rows : tuple of str, default=None
        Names from ``SUPERVISED_ROWS``; all when None.
    epochs : int, default=None
        Overrides the FineTuners' ``epochs`` (quick checks only); the
        estimators' default when None.

    Returns
    -------
    result : dict
        ``"scores"``: ``{(shift, row, k): [accuracy per seed]}``;
        ``"auto"``: ``{(shift, k): Counter of the strategies auto chose}``;
        ``"seconds"``: mean seconds per fit and score of each row.
    """
    from ..datasets import load_digits_shift

    specs = [s for s in SUPERVISED_ROWS if rows is None or s[0] in rows]
    scores, chosen, timer = {}, {}, _Timer()
    with _single_thread(), warnings.catch_warnings():
        # auto at k = 1 warns that it cannot cross-validate (and hedges)
        warnings.simplefilter("ignore", UserWarning)
        for shift in shifts:
            for seed in range(repeats):
                Xs, ys, Xt, yt = load_digits_shift(shift, random_state=seed)
                source_module = None
                for name, how, factory in specs:
                    model = factory(seed)
                    if epochs is not None and "epochs" in model.get_params():
                        model.set_params(epochs=epochs)
                    if how == "source":
                        start = time.perf_counter()
                        model.fit(Xs, ys)
                        timer.add(name, time.perf_counter() - start)
                        source_module = _source_module(model)
                    if how == "reuse":
                        if source_module is None:  # the source row was left out
                            source = SUPERVISED_ROWS[0][2](seed)
                            if epochs is not None:
                                source.set_params(epochs=epochs)
                            source_module = _source_module(source.fit(Xs, ys))
                        model.set_params(module=source_module)
                    for k in shots:
                        labelled = draw_per_class(yt, k, seed)
                        rest = np.setdiff1d(np.arange(len(yt)), labelled)
                        start = time.perf_counter()
                        if how in ("target", "reuse"):
                            model.fit(None, None, Xt[labelled], yt[labelled])
                        elif how == "target linear":
                            model.fit(Xt[labelled], yt[labelled])
                        elif how == "transfer":
                            model.fit(Xs, ys, Xt[labelled], yt[labelled])
                        accuracy = model.score(Xt[rest], yt[rest])
                        if how != "source":
                            timer.add(name, time.perf_counter() - start)
                        scores.setdefault((shift, name, k), []).append(accuracy)
                        if name == "auto":
                            chosen.setdefault((shift, k), Counter())[
                                model.selected_strategy_
                            ] += 1
    seconds = {name: timer.mean(name) for name, _, _ in specs}
    return {"scores": scores, "auto": chosen, "seconds": seconds}


def digits_unsupervised_scores(shifts=("contrast",), repeats=5, epochs=None):
    """Accuracy on the whole target of the unsupervised rows (no target labels).

    Parameters
    ----------
    shifts : tuple of str, default=("contrast",)
    repeats : int, default=5
    epochs : int, default=None
        Overrides ``epochs`` (quick checks only).

    Returns
    -------
    result : dict
        ``"scores"``: ``{(shift, row): [accuracy per seed]}``; ``"seconds"``.
    """
    from ..datasets import load_digits_shift

    scores, timer = {}, _Timer()
    with _single_thread():
        for shift in shifts:
            for seed in range(repeats):
                Xs, ys, Xt, yt = load_digits_shift(shift, random_state=seed)
                for name, factory in UNSUPERVISED_ROWS:
                    model = factory(seed)
                    if epochs is not None:
                        model.set_params(epochs=epochs)
                    start = time.perf_counter()
                    if name == "source only":
                        model.fit(Xs, ys)
                    else:
                        model.fit(Xs, ys, Xt)
                    scores.setdefault((shift, name), []).append(model.score(Xt, yt))
                    timer.add(name, time.perf_counter() - start)
    seconds = {name: timer.mean(name) for name, _ in UNSUPERVISED_ROWS}
    return {"scores": scores, "seconds": seconds}


def _cell(values):
    values = 100 * np.asarray(values)
    return f"{values.mean():.1f} ± {values.std():.1f}"


def _load():
    import os

    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on every platform
        return float("nan")


@register(
    "digits-finetune",
    "FineTuner strategies, regularisers, auto and alignment on shifted digits "
    "(accuracy %)",
)
def digits_finetune_benchmark(
    repeats=5,
    shifts=("contrast", "pixel"),
    unsupervised_shifts=("contrast",),
    shots=(1, 10),
    rows=None,
    epochs=None,
):
    """FineTuner on the contrast and one-pixel digits shifts, accuracy %.

    One table per shift (rows of ``SUPERVISED_ROWS``, mean ± std over the
    seeds, a column per k, the mean seconds of one fit and score, and
    the earlier numbers of the references page where there are some), a table of the
    strategies ``strategy="auto"`` chose, and a table of the unsupervised
    alignment losses (no target labels, scored on the whole target). BLAS
    and torch run on one thread.

    Parameters
    ----------
    repeats : int, default=5
        Seeds per k.
    shifts : tuple of str, default=("contrast", "pixel")
        Shifts of the supervised tables.
    unsupervised_shifts : tuple of str, default=("contrast",)
        Shifts of the alignment table.
    shots : tuple of int, default=(1, 10)
        Labelled target images per class.
    rows : tuple of str, default=None
        Names from ``SUPERVISED_ROWS``; all when None.
    epochs : int, default=None
        Overrides the FineTuners' ``epochs`` (quick checks only).

    Returns
    -------
    tables : list of BenchmarkTable
    """
    load_before = _load()
    start = time.perf_counter()
    result = digits_finetune_scores(
        shifts=shifts, shots=shots, repeats=repeats, rows=rows, epochs=epochs
    )
    names = [name for name, _, _ in SUPERVISED_ROWS if rows is None or name in rows]
    supervised_seconds = time.perf_counter() - start
    tables = []
    for shift in shifts:
        reference = PROJECT_REFERENCE.get(shift, {})
        columns = [f"k = {k}" for k in shots] + ["s / fit", "earlier (k = 1 / 10)"]
        table = BenchmarkTable(
            title=f"Digits, {shift} shift: accuracy (%) on the unlabelled target "
            f"rows, {repeats} seeds",
            columns=columns,
        )
        for name in names:
            earlier = reference.get(name)
            table.add_row(
                name,
                [_cell(result["scores"][shift, name, k]) for k in shots]
                + [
                    f"{result['seconds'][name]:.2f}",
                    f"{earlier[1]} / {earlier[10]}" if earlier else None,
                ],
            )
        table.notes = (
            "k labelled target images per class drawn per seed; scored on the "
            "other target images. FineTuner defaults (MLP 64-100-10, 50 epochs "
            "per phase, early stopping, AdamW lr 1e-3) unless the row names a "
            "strategy or regulariser (paper strengths). Target only, MLP: "
            "FineTuner(strategy='full') fitted on the labelled target rows "
            "alone (X=None), the same MLP from scratch. Target only, "
            "LogisticRegression: on the labelled target pixels, C in "
            "{0.01, 0.1, 1, 10, 100} by GridSearchCV over min(3, k) stratified "
            "folds, C = 1 at k = 1 (no fold can hold a class out). Source "
            "only: fitted on "
            "the source only (the same for every k). RegularTransferClassifier: "
            "source LogisticRegression(max_iter=1000), alpha by its own CV. "
            "'auto' at k = 1 cannot cross-validate (1 row per class) and averages "
            "the probabilities of lp_ft and its target-only logistic regression "
            "(C = 1); at k >= 2 its guard's baseline is the better of "
            "its two target-only candidates (a logistic regression on the "
            "pixels, C by inner CV, unless the MLP from scratch beats it by "
            "one standard error). 's / fit': "
            "mean seconds of one fit + score, one "
            "thread, averaged over both shifts."
        )
        tables.append(table)
    picks = BenchmarkTable(
        title="strategy='auto': the strategy chosen (seeds)",
        columns=[f"{shift}, k = {k}" for shift in shifts for k in shots],
    )
    picks.add_row(
        "chosen",
        [
            ", ".join(
                f"{name} × {n}" for name, n in sorted(result["auto"][shift, k].items())
            )
            for shift in shifts
            for k in shots
        ],
    )
    tables.append(picks)
    if unsupervised_shifts:
        start = time.perf_counter()
        unsup = digits_unsupervised_scores(
            unsupervised_shifts, repeats=repeats, epochs=epochs
        )
        unsupervised_seconds = time.perf_counter() - start
        table = BenchmarkTable(
            title=f"Digits without target labels: accuracy (%) on the whole "
            f"target, {repeats} seeds",
            columns=list(unsupervised_shifts) + ["s / fit"],
        )
        for name, _ in UNSUPERVISED_ROWS:
            table.add_row(
                name,
                [_cell(unsup["scores"][shift, name]) for shift in unsupervised_shifts]
                + [f"{unsup['seconds'][name]:.2f}"],
            )
        table.notes = (
            "FineTuner(alignment=...) fitted with Xs, ys and the unlabelled Xt "
            "(weight 1, FineTuner defaults otherwise); source only: fitted on "
            f"Xs, ys. Wall time {unsupervised_seconds:.0f} s."
        )
        tables.append(table)
    tables[0].notes += (
        f" Supervised tables: wall time {supervised_seconds:.0f} s, load average "
        f"{load_before:.1f} at the start (2-core machine shared with other jobs)."
    )
    return tables
