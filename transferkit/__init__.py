"""transferkit: transfer learning with a scikit-learn contract.

Four families (Pan & Yang, TKDE 2010) behind one estimator contract,
``fit(X, y=None, Xt=None, yt=None)`` with ``X, y`` the labelled source data and
``Xt`` the target features:

- :mod:`transferkit.instance`: instance reweighting (KMM, KLIEP, uLSIF,
  TrAdaBoost, ...);
- :mod:`transferkit.feature`: feature mapping (TCA, CORAL, SA, GFK, JDA, ...);
- :mod:`transferkit.parameter`: parameter sharing (fine-tuning PyTorch modules,
  regularised linear transfer, offline backbones);
- :mod:`transferkit.relational`: relational mapping (path features, predicate
  mapping search, map-and-revise, Gromov-Wasserstein structure transfer).

Cross-cutting modules: :mod:`transferkit.pipeline`, :mod:`transferkit.metrics`,
:mod:`transferkit.datasets`. Importing transferkit never imports torch, POT or
matplotlib and never changes scikit-learn's global configuration.
"""

from ._show_versions import show_versions
from ._version import __version__

__all__ = ["__version__", "show_versions"]
