"""Pictures of fitted transfer models (optional: ``pip install transferkit[plot]``).

Each function takes fitted objects (or plain arrays), draws on the given
``ax`` (or on a new figure) and returns the matplotlib ``Axes`` it drew on
(an ndarray of them for several panels); none calls ``plt.show()``.

- :func:`plot_domains`: source and target in 2-D, before and after a
  feature mapping;
- :func:`plot_weights`: learned source weights, their effective sample size,
  and weight against a feature beside both domains' densities;
- :func:`plot_selection`: a label-free model selection's scores per
  candidate, the pick and the baseline;
- :func:`plot_history`: boosting rounds and fine-tuning epochs;
- :func:`plot_benchmark`: a benchmark table beside the published rows.

matplotlib is imported here only: ``import transferkit`` and every other
subpackage never load it.
"""

from ._common import require_matplotlib

require_matplotlib()  # a clear ImportError now, rather than in the first call

from ._benchmark import plot_benchmark  # noqa: E402
from ._domains import plot_domains  # noqa: E402
from ._history import plot_history  # noqa: E402
from ._selection import plot_selection  # noqa: E402
from ._weights import plot_weights  # noqa: E402

__all__ = [
    "plot_benchmark",
    "plot_domains",
    "plot_history",
    "plot_selection",
    "plot_weights",
]
