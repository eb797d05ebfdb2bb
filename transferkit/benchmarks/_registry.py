"""Registry of named benchmarks and the table they return."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field

__all__ = [
    "BenchmarkTable",
    "available_benchmarks",
    "get_benchmark",
    "register",
    "repeat_seeds",
    "run_parallel",
]

# Modules that register benchmarks when imported. A family adds its module here.
_MODULES = (
    "transferkit.benchmarks.office_caltech",
    "transferkit.benchmarks.mushroom",
    "transferkit.benchmarks.concrete",
    "transferkit.benchmarks.digits_finetune",
    "transferkit.benchmarks.text_finetune",
    "transferkit.benchmarks.images",
    "transferkit.benchmarks.images_rules",
    "transferkit.benchmarks.relational",
)

_REGISTRY: dict = {}


@dataclass
class BenchmarkTable:
    """A result table: one row per method, one column per task.

    Parameters
    ----------
    title : str
        What the table measures (data, protocol, metric).
    columns : list of str
        Column headers after the first ("Method") column.
    rows : list of (str, list)
        ``(method name, values)``; a value is a number, a string or None.
    notes : str, default=""
        How the numbers were produced (hyperparameters, seeds, sources).
    """

    title: str
    columns: list
    rows: list = field(default_factory=list)
    notes: str = ""

    def add_row(self, method, values):
        """Append a row ``(method, values)``."""
        self.rows.append((method, list(values)))

    def to_markdown(self, digits=1):
        """Render as a Markdown table with ``digits`` decimals."""

        def fmt(v):
            if v is None:
                return "—"
            if isinstance(v, float):
                return f"{v:.{digits}f}"
            return str(v)

        lines = [f"### {self.title}", ""]
        lines.append("| Method | " + " | ".join(self.columns) + " |")
        lines.append("|---" * (len(self.columns) + 1) + "|")
        for method, values in self.rows:
            lines.append(f"| {method} | " + " | ".join(fmt(v) for v in values) + " |")
        if self.notes:
            lines += ["", self.notes]
        return "\n".join(lines)

    def to_dict(self):
        """A JSON-serialisable dict."""
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [{"method": m, "values": list(v)} for m, v in self.rows],
            "notes": self.notes,
        }


def register(name, description=""):
    """Decorator registering ``func`` as benchmark ``name``.

    ``func`` takes keyword arguments (e.g. ``family``, ``repeats``,
    ``data_home``) and returns a list of :class:`BenchmarkTable`.
    """

    def decorator(func):
        _REGISTRY[name] = (func, description or (func.__doc__ or "").split("\n")[0])
        return func

    return decorator


def repeat_seeds(random_state, n_repeats):
    """The seeds of ``n_repeats`` repeats, drawn once, before any dispatch.

    An integer ``random_state`` gives ``random_state, random_state + 1, ...``
    (the convention of the registered benchmarks: repeat ``r`` uses
    ``random_state + r``); a ``RandomState``/``Generator`` or ``None`` gives
    integers drawn from it (``None``: fresh entropy). Drawing them here, in
    the calling process, is what makes a table independent of ``n_jobs`` and
    of joblib's backend.

    Examples
    --------
    >>> from transferkit.benchmarks._registry import repeat_seeds
    >>> repeat_seeds(3, 4)
    [3, 4, 5, 6]
    """
    import numbers

    import numpy as np

    if isinstance(random_state, numbers.Integral):
        return [int(random_state) + r for r in range(n_repeats)]
    if isinstance(random_state, np.random.RandomState):
        drawn = random_state.randint(np.iinfo(np.int32).max, size=n_repeats)
        return [int(v) for v in drawn]
    if random_state is None:  # fresh entropy; numpy's global RNG is left alone
        random_state = np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        drawn = random_state.integers(np.iinfo(np.int32).max, size=n_repeats)
        return [int(v) for v in drawn]
    raise ValueError(
        "random_state must be None, an int, a numpy RandomState or Generator, "
        f"got {random_state!r}."
    )


def run_parallel(function, calls, n_jobs=None):
    """``[function(*args) for args in calls]``, through ``joblib.Parallel``.

    The independent pieces of a benchmark (its tasks, its repeats) run here,
    so that ``n_jobs`` and ``joblib.parallel_config`` decide where: ``n_jobs=
    None`` is joblib's default (one job, unless a ``parallel_config`` sets
    another number), ``-1`` all cores; ``with joblib.parallel_config(
    backend="dask"):`` sends them to a Dask cluster. Results come back in the
    order of ``calls``. Every piece must carry its own seed (see
    :func:`repeat_seeds`): a worker never draws one.

    Parameters
    ----------
    function : callable
        Called as ``function(*args)``; must be picklable for process and
        cluster backends (a module-level function).
    calls : iterable of tuple
        The arguments of each call.
    n_jobs : int, default=None
        Number of parallel jobs (joblib's meaning).

    Returns
    -------
    results : list
        One result per call, in order.

    Examples
    --------
    >>> from transferkit.benchmarks._registry import run_parallel
    >>> run_parallel(pow, [(2, 3), (3, 2)], n_jobs=1)
    [8, 9]
    """
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n_jobs)(delayed(function)(*args) for args in calls))


def _load_all():
    for module in _MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def available_benchmarks():
    """Return ``{name: description}`` of the registered benchmarks."""
    _load_all()
    return {name: desc for name, (_, desc) in sorted(_REGISTRY.items())}


def get_benchmark(name):
    """Return the function registered as ``name`` (``KeyError`` otherwise)."""
    _load_all()
    if name not in _REGISTRY:
        raise KeyError(f"unknown benchmark {name!r}; available: {sorted(_REGISTRY)}")
    return _REGISTRY[name][0]


def accepted_options(func):
    """Names of the keyword arguments ``func`` accepts."""
    return set(inspect.signature(func).parameters)
