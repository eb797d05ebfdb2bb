"""Office-Caltech10: the tasks and the published rows, in one place.

Both the feature-mapping tables (:mod:`.office_caltech`) and the
instance-reweighting tables (:mod:`._office_caltech_instance`) import from
here, and neither imports the other at module level.
"""

from __future__ import annotations

__all__ = ["DECAF_TASKS", "PUBLISHED_DECAF", "PUBLISHED_SURF", "SURF_TASKS"]


def _row(text):
    return [float(v) for v in text.split()]


#: The 12 SURF tasks, (source, target), in the column order of the tables.
SURF_TASKS = [
    ("C", "A"),
    ("C", "W"),
    ("C", "D"),
    ("A", "C"),
    ("A", "W"),
    ("A", "D"),
    ("W", "C"),
    ("W", "A"),
    ("W", "D"),
    ("D", "C"),
    ("D", "A"),
    ("D", "W"),
]

#: The DeCAF6 tasks (only dslr and webcam ship with the data).
DECAF_TASKS = [("D", "W"), ("W", "D")]

#: Published accuracies (%) on SURF, per task in :data:`SURF_TASKS` order
#: (docs/references.md: jindongwang/transferlearning ``data/benchmark.md``, whose
#: SVM and CORAL rows are Table 3 of the CORAL paper; TCA, GFK, JDA from the
#: JDA code lineage, linear "primal" projection + 1-NN).
PUBLISHED_SURF = {
    "1NN": _row("23.7 25.8 25.5 26.0 29.8 25.5 19.9 23.0 59.2 26.3 28.5 63.4"),
    "SVM": _row("53.1 41.7 47.8 41.7 31.9 44.6 21.2 27.6 78.3 26.4 26.2 52.5"),
    "TCA + 1NN": _row("45.6 39.3 45.9 42.0 40.0 35.7 31.5 30.5 91.1 33.0 32.8 87.5"),
    "GFK + 1NN": _row("46.0 37.0 40.8 40.7 37.0 40.1 24.8 27.6 85.4 29.3 28.7 80.3"),
    "JDA + 1NN": _row("43.1 39.3 49.0 40.9 38.0 42.0 33.0 29.8 92.4 31.2 33.4 89.2"),
    "CORAL + SVM": _row("52.1 46.4 45.9 45.1 44.4 39.5 33.7 36.0 86.6 33.8 37.7 84.7"),
    # Wang et al., ACM MM 2018, Table 2 (the shallow state of the art)
    "MEDA": _row("56.5 53.9 50.3 43.9 53.2 45.9 34.0 42.7 88.5 34.9 41.2 87.5"),
}

#: Published accuracies (%) on DeCAF6, D→W and W→D (docs/references.md).
PUBLISHED_DECAF = {
    "1NN": [91.5, 98.1],
    "SVM": [98.3, 100.0],
    "TCA + 1NN": [99.7, 100.0],
    "JDA + 1NN": [99.7, 100.0],
    "CORAL + SVM": [99.3, 100.0],
}
