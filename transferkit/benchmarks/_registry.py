"""Registry of named benchmarks and the table they return."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field

__all__ = ["BenchmarkTable", "available_benchmarks", "get_benchmark", "register"]

# Modules that register benchmarks when imported. A family adds its module here.
_MODULES = (
    "transferkit.benchmarks.office_caltech",
    "transferkit.benchmarks.mushroom",
    "transferkit.benchmarks.concrete",
    "transferkit.benchmarks.digits_finetune",
    "transferkit.benchmarks.text_finetune",
    "transferkit.benchmarks.images",
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
