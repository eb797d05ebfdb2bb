"""A benchmark table as grouped bars, our rows beside the published ones."""

from __future__ import annotations

import re
import textwrap
from numbers import Real

import numpy as np

from ._common import get_axes, panels

__all__ = ["plot_benchmark"]

#: "0.264 (0.001)", "93.1 ± 0.5", "41.7": a number and an optional spread.
_CELL = re.compile(
    r"^\s*(?P<mean>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)%?"
    r"\s*(?:(?:\(|±|\+/-)\s*(?P<spread>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)%?\)?)?\s*$"
)
_SUFFIX = re.compile(r"\s*\((?:published|transferkit)[^)]*\)\s*$", re.IGNORECASE)


def parse_cell(value):
    """``(mean, spread)`` of a table cell; ``nan`` where there is no number.

    Numbers are taken as they are; strings as ``"mean"``, ``"mean (std)"``
    or ``"mean ± std"``; anything else (``None``, ``"—"``, words) is missing.
    """
    if isinstance(value, bool) or value is None:
        return np.nan, np.nan
    if isinstance(value, Real):
        return float(value), np.nan
    match = _CELL.match(str(value))
    if match is None:
        return np.nan, np.nan
    spread = match.group("spread")
    return float(match.group("mean")), np.nan if spread is None else float(spread)


def _as_dict(table):
    if hasattr(table, "to_dict"):
        table = table.to_dict()
    if not isinstance(table, dict) or not {"columns", "rows"} <= set(table):
        raise TypeError(
            "table must be a BenchmarkTable, its to_dict() (the JSON of "
            "`python -m transferkit benchmark NAME --json`: title, columns, "
            f"rows) or a list of them; got {type(table).__name__}."
        )
    rows = []
    for row in table["rows"]:
        method, values = (
            (row["method"], row["values"]) if isinstance(row, dict) else row
        )
        if len(values) != len(table["columns"]):
            raise ValueError(
                f"the row {method!r} has {len(values)} values but the table has "
                f"{len(table['columns'])} columns."
            )
        rows.append((str(method), list(values)))
    title = table.get("title", "")
    if not table["columns"] or not rows:
        what = "no columns" if not table["columns"] else "no rows"
        raise ValueError(f"the table {title!r} has {what}: there is nothing to draw.")
    return {
        "title": str(table.get("title", "")),
        "columns": list(table["columns"]),
        "rows": rows,
    }


def _tables(table):
    if isinstance(table, (list, tuple)):
        if not table:
            raise ValueError("plot_benchmark got an empty list of tables.")
        return [_as_dict(t) for t in table]
    return [_as_dict(table)]


def _select(names, wanted, what):
    if wanted is None:
        return list(range(len(names)))
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; the table has {names}.")
    return [names.index(w) for w in wanted]


def _published(name):
    return "published" in name.lower()


def _draw_table(axis, table, methods, columns):
    names = [m for m, _ in table["rows"]]
    rows = _select(names, methods, "methods")
    cols = _select(table["columns"], columns, "columns")
    cells = [[parse_cell(table["rows"][r][1][c]) for c in cols] for r in rows]
    means = np.array([[m for m, _ in row] for row in cells], dtype=float)
    spreads = np.array([[s for _, s in row] for row in cells], dtype=float)
    headers = [str(table["columns"][c]) for c in cols]
    methods_ = [names[r] for r in rows]
    by_column = any(_published(h) for h in headers)
    if by_column:  # e.g. columns "transferkit", "published": groups are methods
        groups, series = methods_, headers
        means, spreads = means.T, spreads.T
        colors = [f"C{k % 10}" for k in range(len(series))]
    else:  # groups are tasks; a row and its published twin share a colour
        groups, series = headers, methods_
        bases = list(dict.fromkeys(_SUFFIX.sub("", s) for s in series))
        colors = [f"C{bases.index(_SUFFIX.sub('', s)) % 10}" for s in series]
    x = np.arange(len(groups), dtype=float)
    width = 0.8 / max(1, len(series))
    for k, name in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * width
        yerr = spreads[k] if np.isfinite(spreads[k]).any() else None
        if yerr is not None:
            yerr = np.nan_to_num(yerr, nan=0.0)
        published = _published(name)
        axis.bar(
            x + offset,
            means[k],
            width,
            yerr=yerr,
            capsize=2 if yerr is not None else 0,
            color=colors[k],
            alpha=0.55 if published else 0.95,
            hatch="//" if published else None,
            edgecolor="k" if published else colors[k],
            linewidth=0.5,
            label=name,
        )
    axis.set_xticks(x)
    axis.set_xticklabels(
        groups,
        rotation=30 if len(groups) > 6 else 0,
        ha="right" if len(groups) > 6 else "center",
    )
    axis.set_title(textwrap.fill(table["title"], 70), fontsize="small")
    axis.legend(fontsize="x-small", ncol=1 + len(series) // 8)


def plot_benchmark(table, ax=None, methods=None, columns=None):
    """Draw a benchmark table as grouped bars, published rows hatched beside ours.

    The table is what ``python -m transferkit benchmark NAME --json`` prints
    (a list of tables, each ``{"title", "columns", "rows": [{"method",
    "values"}], "notes"}``), a :class:`~transferkit.benchmarks.BenchmarkTable`,
    or a list of either. A cell is a number, a string ``"mean (std)"`` or
    ``"mean ± std"`` (the spread becomes an error bar), or missing
    (``None``, ``"—"``: no bar, its height is NaN).

    Two layouts, as the benchmarks write their tables:

    - rows ``"TCA + 1NN (published)"`` beside ``"TCA + 1NN (transferkit)"``
      (Office-Caltech): one group of bars per column (task), one bar per
      row; a published row is hatched and shares its twin's colour;
    - columns ``"transferkit"`` and ``"published"`` (Mushroom): one group per
      row (method), one bar per column, the published one hatched.

    Parameters
    ----------
    table : BenchmarkTable, dict, or list of them
        One table, or several (one panel each, stacked vertically).
    ax : matplotlib Axes, or sequence of Axes, default=None
        One Axes per table. ``None`` creates a figure.
    methods : list of str, default=None
        The rows to draw, by method name, in this order (all by default; a
        table of 25 methods and 13 tasks is a dense picture).
    columns : list of str, default=None
        The columns to draw, by header (all by default).

    Returns
    -------
    ax : matplotlib Axes, or ndarray of Axes
        One Axes per table. The ``BarContainer`` objects among its
        ``containers`` are the bar series in order, each labelled with its row
        (or column) name; a series with spreads adds an ``ErrorbarContainer``
        (its ``errorbar`` attribute).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from transferkit.benchmarks import BenchmarkTable
    >>> from transferkit.plotting import plot_benchmark
    >>> table = BenchmarkTable("accuracy (%)", ["A→W", "W→A"])
    >>> table.add_row("CORAL + SVM (published)", [44.4, 36.0])
    >>> table.add_row("CORAL + SVM (transferkit)", [44.4, 35.9])
    >>> ax = plot_benchmark(table)
    >>> [float(bar.get_height()) for bar in ax.containers[1]]  # no spreads here
    [44.4, 35.9]
    """
    tables = _tables(table)
    if ax is None:
        from ._common import import_pyplot

        plt = import_pyplot()
        _, grid = plt.subplots(
            len(tables), 1, squeeze=False, figsize=(8.0, 4.2 * len(tables))
        )
        axes = list(grid[:, 0])
    else:
        axes = get_axes(ax, len(tables), "plot_benchmark")
    for axis, one in zip(axes, tables):
        _draw_table(axis, one, methods, columns)
    return panels(axes)


def save_benchmark_plot(tables, path, dpi=80, methods=None, columns=None):
    """Write ``plot_benchmark(tables)`` to ``path`` (for ``benchmark --plot``).

    The figure is a bare :class:`matplotlib.figure.Figure`, not a pyplot
    one: no backend is selected and no window opens.
    """
    from matplotlib.figure import Figure

    tables = _tables(tables)
    figure = Figure(figsize=(8.0, 4.2 * len(tables)), layout="constrained")
    grid = figure.subplots(len(tables), 1, squeeze=False)
    plot_benchmark(tables, ax=list(grid[:, 0]), methods=methods, columns=columns)
    figure.savefig(path, dpi=dpi)
    return path
