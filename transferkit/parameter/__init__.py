"""Parameter sharing: reuse a trained model's parameters on a new task.

- :class:`FineTuner` / :class:`FineTunerRegressor`: fine-tune a PyTorch
  module (pretrained on the source here, or a published backbone) on a few
  labelled target samples, or align the two domains' features when the
  target has no labels (Deep CORAL, DAN, DANN).
- :class:`RegularTransferClassifier` / :class:`RegularTransferRegressor`:
  linear models fitted on the target with a Gaussian prior centred on the
  source model's coefficients (no torch).
- :class:`ProbeEnsemble`: linear probes on several frozen pretrained image
  backbones, their class probabilities averaged (``finetune-images``'s
  default).
- :mod:`transferkit.parameter.backbones`: offline pretrained bodies
  (EfficientNet-Lite0/1/2 for images, MiniLM for sentences).

torch is an optional dependency (``pip install "transferkit[torch]"``).
Importing this subpackage never imports torch; the fine-tuners import it when
they are fitted.
"""

from . import backbones as backbones
from ._finetuner import FineTuner, FineTunerRegressor
from ._image_folder import ImageFolder, list_images

# ProbeEnsemble takes image files, not arrays: importable here, but not in
# __all__, which lists the array estimators that pass scikit-learn's checks
from ._probe_ensemble import ProbeEnsemble  # noqa: F401
from ._regular_transfer import RegularTransferClassifier, RegularTransferRegressor

__all__ = [
    "FineTuner",
    "FineTunerRegressor",
    "ImageFolder",
    "list_images",
    "RegularTransferClassifier",
    "RegularTransferRegressor",
]
