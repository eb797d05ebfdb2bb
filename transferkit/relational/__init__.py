"""Relational mapping: transfer relational models across vocabularies.

Pan & Yang's fourth family moves relations, not features: a model of a
target predicate learnt in one world (IMDB ``workedunder``) is translated
through a mapping of predicates and types into another (UW-CSE
``advisedby``) and revised there. Nothing here imports ``ot`` (POT) at import
time; the Gromov-Wasserstein parts load it when they run.
"""

from ._dataset import Queries, RelationalDataError, RelationalDataset
from ._fgw_transfer import FGWStructureTransfer
from ._map_and_revise import MapAndRevise
from ._mapping import PredicateMappingSearch
from ._metrics import auc_pr, auc_roc, conditional_log_likelihood
from ._path_classifier import RelationalPathClassifier

__all__ = [
    "FGWStructureTransfer",
    "MapAndRevise",
    "PredicateMappingSearch",
    "Queries",
    "RelationalDataError",
    "RelationalDataset",
    "RelationalPathClassifier",
    "auc_pr",
    "auc_roc",
    "conditional_log_likelihood",
]
