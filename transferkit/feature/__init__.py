"""Feature mapping: learn a representation in which source and target agree.

Transformers with ``fit(X, y=None, Xt=None)``; ``fit_transform`` returns the
mapped source, ``transform`` maps new target-domain samples. ``MEDA`` learns
its features and a classifier together: it is a classifier (``predict``).
"""

from ._bda import BDA
from ._coral import CORAL
from ._feature_augmentation import FeatureAugmentation
from ._gfk import GFK
from ._jda import JDA
from ._meda import MEDA
from ._subspace_alignment import SubspaceAlignment
from ._tca import TCA

__all__ = [
    "BDA",
    "CORAL",
    "FeatureAugmentation",
    "GFK",
    "SubspaceAlignment",
    "JDA",
    "MEDA",
    "TCA",
]
