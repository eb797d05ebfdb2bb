"""What the plotting functions share: the matplotlib import and the axes."""

from __future__ import annotations

import numpy as np

#: Markers for the classes, in order (cycled past the last one).
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")

#: Colours of the two domains (matplotlib's default cycle, by name).
SOURCE_COLOR = "C0"
TARGET_COLOR = "C1"


_MISSING = (
    "transferkit.plotting needs matplotlib: pip install 'transferkit[plot]' "
    "(or pip install matplotlib)."
)


def require_matplotlib():
    """Import matplotlib, or raise an ``ImportError`` that says how to get it."""
    try:
        import matplotlib
    except ModuleNotFoundError as exc:  # pragma: no cover - CI installs it
        raise ImportError(_MISSING) from exc
    return matplotlib


def import_pyplot():
    """``matplotlib.pyplot`` (imported on the first figure a call creates)."""
    require_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def _is_axes(obj):
    from matplotlib.axes import Axes

    return isinstance(obj, Axes)


def get_axes(ax, n_panels, caller, figsize=None):
    """``n_panels`` Axes to draw on: ``ax`` itself (checked), else a new figure.

    One panel takes an ``Axes``; several take a sequence of that many
    ``Axes`` (e.g. the array that ``plt.subplots(1, n)`` returns).
    """
    if ax is None:
        plt = import_pyplot()
        if figsize is None:
            figsize = (4.8 * n_panels, 4.0)
        _, axes = plt.subplots(1, n_panels, figsize=figsize, squeeze=False)
        return list(axes[0])
    if n_panels == 1:
        if _is_axes(ax):
            return [ax]
        if isinstance(ax, (list, tuple, np.ndarray)) and len(ax) == 1:
            ax = ax[0] if not isinstance(ax, np.ndarray) else ax.ravel()[0]
            if _is_axes(ax):
                return [ax]
        raise TypeError(
            f"{caller} draws one panel here: ax must be a matplotlib Axes, "
            f"got {type(ax).__name__}."
        )
    axes = list(np.ravel(np.asarray(ax, dtype=object))) if not _is_axes(ax) else [ax]
    if len(axes) != n_panels or not all(_is_axes(a) for a in axes):
        raise TypeError(
            f"{caller} draws {n_panels} panels here: ax must be a sequence of "
            f"{n_panels} matplotlib Axes, got {_describe(ax)}."
        )
    return axes


def _describe(ax):
    if _is_axes(ax):
        return "a single Axes"
    try:
        return f"{type(ax).__name__} of length {len(ax)}"
    except TypeError:
        return type(ax).__name__


def panels(axes):
    """One Axes as itself, several as an ndarray of Axes (what we return)."""
    if len(axes) == 1:
        return axes[0]
    out = np.empty(len(axes), dtype=object)
    out[:] = axes
    return out
