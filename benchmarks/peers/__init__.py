"""transferkit against the peer libraries ADAPT and skada: the benchmark house.

One small module per concern, so that adding a peer library is one file:

- ``lib_<name>.py``: one module per library (``lib_transferkit``,
  ``lib_adapt``, ``lib_skada``). It names the library (``LIBRARY``), the
  distributions whose versions the report lists (``DISTRIBUTIONS``), how to
  import it (``load()``), and one function per method it implements
  (``kmm``, ``kliep``, ``ulsif``, ``tradaboost``, ``tca``, ``coral``,
  ``sa``), each returning a list of :class:`Implementation`. A method the
  library lacks is simply not defined. Modules are found by their name; the
  rows of a comparison list transferkit first, then the peers by name.
- ``_tasks.py``: the data of the comparisons; ``_evaluate.py``: the untimed
  read-out (one fixed downstream classifier for every library);
  ``_comparisons.py``: the list of comparisons and their hyperparameters;
  ``_harness.py``: the timing harness; ``_tables.py``: the Markdown table and
  report; ``_traps.py``: the checks of the peers' TCA against the paper's.

``benchmarks/compare_peers.py`` is the command line and
``benchmarks/test_speed_peers.py`` the pytest-benchmark suite; both use the
names re-exported here.
"""

import os

# before anything can import TensorFlow (ADAPT does, and POT when present)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from ._comparisons import comparisons  # noqa: E402
from ._evaluate import (  # noqa: E402
    default_eps,
    embedding_accuracy,
    inverse_dimension,
    kliep_log_likelihood,
    kmm_objective,
    ulsif_squared_loss,
    weighted_accuracy,
)
from ._harness import Row, inner_loops, run_comparison, run_once  # noqa: E402
from ._libraries import (  # noqa: E402
    implementations,
    library_modules,
    peer,
    peer_versions,
)
from ._tables import format_table, write_report  # noqa: E402
from ._tasks import (  # noqa: E402
    digits_task,
    labelled_target_task,
    mushroom_task,
    synthetic_affine_task,
    synthetic_covariate_task,
)
from ._traps import check_peer_tca, check_peer_tca_on  # noqa: E402
from ._types import (  # noqa: E402
    OURS,
    Comparison,
    DensityRatio,
    Implementation,
    Task,
    Unavailable,
    pin_tensorflow_threads,
)
from .lib_skada import skada_domains  # noqa: E402
from .lib_transferkit import ours  # noqa: E402

__all__ = [
    "OURS",
    "Comparison",
    "DensityRatio",
    "Implementation",
    "Row",
    "Task",
    "Unavailable",
    "check_peer_tca",
    "check_peer_tca_on",
    "comparisons",
    "default_eps",
    "digits_task",
    "embedding_accuracy",
    "format_table",
    "implementations",
    "inner_loops",
    "inverse_dimension",
    "kliep_log_likelihood",
    "kmm_objective",
    "labelled_target_task",
    "library_modules",
    "mushroom_task",
    "ours",
    "peer",
    "peer_versions",
    "pin_tensorflow_threads",
    "run_comparison",
    "run_once",
    "skada_domains",
    "synthetic_affine_task",
    "synthetic_covariate_task",
    "ulsif_squared_loss",
    "weighted_accuracy",
    "write_report",
]
