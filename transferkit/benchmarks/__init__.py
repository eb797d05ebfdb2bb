"""Named benchmarks, run with ``python -m transferkit benchmark NAME``.

Each benchmark is a function registered under a name with :func:`register`.
It returns a list of :class:`BenchmarkTable` (our numbers beside the
published ones), which the command line prints as Markdown or JSON. The
speed suites live in the repository's ``benchmarks/`` folder and run under
pytest-benchmark; the accuracy reproductions live here so that the installed
package can run them.
"""

from ._registry import (
    BenchmarkTable,
    available_benchmarks,
    get_benchmark,
    register,
    repeat_seeds,
    run_parallel,
)

__all__ = [
    "BenchmarkTable",
    "available_benchmarks",
    "get_benchmark",
    "register",
    "repeat_seeds",
    "run_parallel",
]
from . import selection as _selection  # noqa: E402, F401  (registers "selection")
