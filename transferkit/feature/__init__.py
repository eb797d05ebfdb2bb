"""Feature mapping: learn a representation in which source and target agree.

Transformers with ``fit(X, y=None, Xt=None)``; ``fit_transform`` returns the
mapped source, ``transform`` maps new target-domain samples.
"""

from ._coral import CORAL

__all__ = ["CORAL"]
