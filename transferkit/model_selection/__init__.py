"""Model selection without target labels.

Choosing a transfer method, or deciding not to transfer at all, is the
practical question when the target domain has no labels: the usual
cross-validation scores the source, which says little about the target.
The tools here estimate target accuracy from the source labels and the
unlabelled target alone:

- label-free scorers, usable as ``scoring=`` in scikit-learn's tools (they
  request ``Xt`` through metadata routing): :class:`ImportanceWeightedScorer`,
  :class:`ReverseValidationScorer`, :class:`PredictionEntropyScorer`,
  :class:`SNDScorer`, :class:`DEVScorer`, :class:`DiscrepancyScorer`,
  :class:`MixValScorer`;
- :func:`ensemble_agreement` (EnsV), which scores a pool of candidates
  against the pool's majority vote;
- :func:`cluster_structure_score`, a gap statistic that tells whether the
  unlabelled target has cluster structure for the target-side criteria to
  read;
- :class:`TransferSelector`, which scores named candidates with them and
  keeps a no-adaptation baseline unless a candidate clearly beats it;
- :class:`ReverseValidationSelector`, the reverse-validation special case.
"""

from ._ensemble import ensemble_agreement
from ._mixval import MixValScorer, mixed_probe_pairs
from ._reverse_validation import ReverseValidationSelector, reverse_validation_score
from ._scorers import (
    DEVScorer,
    DiscrepancyScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SNDScorer,
    dev_risk,
)
from ._selector import (
    AUTO_CRITERIA,
    AUTO_RULE,
    CONSENSUS_CRITERIA,
    CONSENSUS_VOTES,
    MEAN_CRITERIA,
    RANK_CRITERIA,
    TransferSelector,
    fold_mean_scores,
    fold_rank_scores,
    make_scorer_by_name,
)
from ._structure import MIN_TARGET_STRUCTURE, cluster_structure_score

__all__ = [
    "AUTO_CRITERIA",
    "AUTO_RULE",
    "CONSENSUS_CRITERIA",
    "CONSENSUS_VOTES",
    "DEVScorer",
    "DiscrepancyScorer",
    "ImportanceWeightedScorer",
    "MEAN_CRITERIA",
    "MIN_TARGET_STRUCTURE",
    "MixValScorer",
    "PredictionEntropyScorer",
    "RANK_CRITERIA",
    "ReverseValidationScorer",
    "ReverseValidationSelector",
    "SNDScorer",
    "TransferSelector",
    "cluster_structure_score",
    "dev_risk",
    "ensemble_agreement",
    "fold_mean_scores",
    "fold_rank_scores",
    "make_scorer_by_name",
    "mixed_probe_pairs",
    "reverse_validation_score",
]
