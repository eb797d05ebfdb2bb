"""Model selection without target labels.

Choosing a transfer method, or deciding not to transfer at all, is the
practical question when the target domain has no labels: the usual
cross-validation scores the source, which says little about the target.
The tools here estimate target accuracy from the source labels and the
unlabelled target alone.
"""

from ._reverse_validation import ReverseValidationSelector, reverse_validation_score

__all__ = ["ReverseValidationSelector", "reverse_validation_score"]
