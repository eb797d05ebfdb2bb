"""Instance reweighting: weight source samples so they look like the target.

Meta-estimators around a user's ``estimator``: they learn source weights and
fit the estimator with ``sample_weight``; the boosting methods also use a few
labelled target samples.
"""

from ._base import effective_sample_size
from ._discriminative import DiscriminativeReweighting
from ._kliep import KLIEP
from ._kmm import KMM
from ._tradaboost import TrAdaBoostClassifier
from ._tradaboost_r2 import TrAdaBoostRegressor
from ._two_stage_tradaboost import TwoStageTrAdaBoostRegressor
from ._ulsif import RULSIF, ULSIF

__all__ = []
__all__ += [
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
]
__all__ += [
    "KMM",
    "KLIEP",
    "ULSIF",
    "RULSIF",
    "DiscriminativeReweighting",
    "effective_sample_size",
]
