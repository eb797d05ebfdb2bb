"""Draw the pictures of the plotting guide into docs/img/.

Run from the repository root, after any change to transferkit.plotting or to
the saved benchmark tables::

    python docs/make_figures.py

Every picture comes from a real fit (fixed seeds) or, for the benchmark
picture, from a table that ``python -m transferkit benchmark`` saved in
``benchmarks/results/``. The PNGs are written at 80 dpi, each well under
80 kB.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from transferkit.benchmarks import BenchmarkTable  # noqa: E402
from transferkit.datasets import load_digits_shift, make_domain_shift  # noqa: E402
from transferkit.feature import CORAL, SubspaceAlignment  # noqa: E402
from transferkit.instance import KMM, TrAdaBoostClassifier  # noqa: E402
from transferkit.model_selection import ReverseValidationSelector  # noqa: E402
from transferkit.pipeline import make_transfer_pipeline  # noqa: E402
from transferkit.plotting import (  # noqa: E402
    plot_benchmark,
    plot_domains,
    plot_history,
    plot_selection,
    plot_weights,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
DPI = 80


def _figure(n_panels, width=4.6, height=3.8):
    figure = Figure(figsize=(width * n_panels, height), layout="constrained")
    return figure, figure.subplots(1, n_panels, squeeze=False)[0]


def _save(figure, name):
    path = OUT / name
    figure.savefig(path, dpi=DPI)
    size = path.stat().st_size
    if size >= 80_000:
        raise RuntimeError(f"{path.name} is {size} bytes; keep pictures < 80 kB")
    print(f"{path.relative_to(ROOT)}: {size / 1000:.0f} kB")


def domains():
    """Digits, source vs contrast-shifted target, before and after SA."""
    Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=0)
    keep_s, keep_t = np.isin(ys, [0, 1, 7]), np.isin(yt, [0, 1, 7])
    Xs, ys, Xt, yt = Xs[keep_s], ys[keep_s], Xt[keep_t], yt[keep_t]
    figure, axes = _figure(2)
    sa = SubspaceAlignment(n_components=10).fit(Xs, ys, Xt=Xt)
    plot_domains(Xs, Xt, ys, yt, mapper=sa, ax=axes)
    _save(figure, "plot_domains.png")


def weights():
    """KMM on a 1-D covariate shift: the weights follow p_t / p_s."""
    rng = np.random.RandomState(0)
    Xs = rng.normal(0.0, 1.0, size=(300, 1))
    Xt = rng.normal(1.0, 0.5, size=(300, 1))
    ys = (Xs[:, 0] > 0.5).astype(int)
    kmm = KMM(random_state=0).fit(Xs, ys, Xt)
    figure, axes = _figure(2)
    plot_weights(kmm, Xs, Xt=Xt, ax=axes)
    _save(figure, "plot_weights.png")


def selection():
    """Reverse validation of three candidates on an affine shift."""
    Xs, ys, Xt, _ = make_domain_shift(
        "affine", n_source=300, n_target=300, n_features=5, random_state=0
    )
    selector = ReverseValidationSelector(
        [
            ("source only", LogisticRegression()),
            ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
            (
                "SA",
                make_transfer_pipeline(
                    SubspaceAlignment(n_components=3), LogisticRegression()
                ),
            ),
        ],
        cv=5,
    ).fit(Xs, ys, Xt)
    figure, axes = _figure(1, width=5.2)
    plot_selection(selector, ax=axes[0])
    _save(figure, "plot_selection.png")


def history():
    """TrAdaBoost on a concept shift, 40 labelled target samples."""
    Xs, ys, Xt, yt = make_domain_shift(
        "concept", n_source=400, n_target=300, shift=0.8, random_state=0
    )
    model = TrAdaBoostClassifier(n_estimators=30, random_state=0)
    model.fit(Xs, ys, Xt[:40], yt[:40])
    figure, axes = _figure(2)
    plot_history(model, ax=axes, X=Xt[40:], y=yt[40:])
    _save(figure, "plot_history.png")


def _read_markdown_table(path, title_starts):
    """The first saved table whose title starts with ``title_starts``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title_starts))
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))

    def cells(line):
        return [c.strip() for c in line.strip().strip("|").split("|")]

    table = BenchmarkTable(lines[start].lstrip("# "), cells(lines[header])[1:])
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        method, *values = cells(line)
        table.add_row(method, [None if v == "—" else v for v in values])
    return table


def benchmark():
    """The saved Office-Caltech SURF table: four methods beside the papers."""
    table = _read_markdown_table(
        ROOT / "benchmarks" / "results" / "office_caltech_surf.md",
        "### Office-Caltech10 SURF",
    )
    methods = [
        m
        for m, _ in table.rows
        if re.fullmatch(
            r"(1NN|TCA \+ 1NN|JDA \+ 1NN|GFK \+ 1NN) \((published|transferkit)\)", m
        )
    ]
    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    axis = figure.subplots()
    plot_benchmark(
        table, ax=axis, methods=methods, columns=["C→A", "A→W", "W→D", "D→W", "Avg"]
    )
    axis.set_ylabel("target accuracy (%)")
    _save(figure, "plot_benchmark.png")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for draw in (domains, weights, selection, history, benchmark):
        draw()
