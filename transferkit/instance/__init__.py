"""Instance reweighting: weight source samples so they look like the target.

Meta-estimators around a user's ``estimator``: the density-ratio methods
(:class:`KMM`, :class:`KLIEP`, :class:`ULSIF`, :class:`RULSIF`,
:class:`DiscriminativeReweighting`) learn one weight per source sample from
unlabelled target data and fit the estimator with ``sample_weight``; the
boosting methods (:class:`TrAdaBoostClassifier`, :class:`TrAdaBoostRegressor`,
:class:`TwoStageTrAdaBoostRegressor`) also use a few labelled target samples.
"""

from ._base import LOW_ESS_FRACTION, effective_sample_size
from ._discriminative import DiscriminativeReweighting
from ._kliep import KLIEP
from ._kmm import KMM
from ._tradaboost import TrAdaBoostClassifier
from ._tradaboost_r2 import TrAdaBoostRegressor
from ._two_stage_tradaboost import TwoStageTrAdaBoostRegressor
from ._ulsif import RULSIF, ULSIF

__all__ = [
    "KMM",
    "KLIEP",
    "ULSIF",
    "RULSIF",
    "DiscriminativeReweighting",
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
    "effective_sample_size",
    "LOW_ESS_FRACTION",
]
