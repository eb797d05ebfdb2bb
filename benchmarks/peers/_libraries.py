"""The library modules (``lib_*.py``): discovery, lazy import, versions."""

from __future__ import annotations

import importlib
import pkgutil
import platform
from pathlib import Path

from ._types import OURS, Unavailable

_CORE_DISTRIBUTIONS = ("numpy", "scipy", "scikit-learn")
_LOADED: dict = {}


def library_modules():
    """The ``lib_*`` modules: transferkit's first, then the peers by name."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("lib_")
    )
    modules = [importlib.import_module(f"{__package__}.{name}") for name in names]
    return sorted(modules, key=lambda m: (m.LIBRARY != OURS, m.LIBRARY))


def _module(library):
    for module in library_modules():
        if module.LIBRARY == library:
            return module
    raise ValueError(f"no benchmarks/peers/lib_*.py module for library {library!r}")


def peer(name):
    """Return the imported library ``name`` (e.g. ``"adapt"``), or raise Unavailable."""
    if name not in _LOADED:
        try:
            _LOADED[name] = _module(name).load()
        except ImportError as exc:
            _LOADED[name] = exc
    module = _LOADED[name]
    if isinstance(module, Exception):
        raise Unavailable(f"{name} is not installed ({module})")
    return module


def implementations(method, extra=None, **params):
    """Every library's implementations of ``method``, in table order.

    Parameters
    ----------
    method : str
        Name of the function each library module defines (``"kmm"``, ...);
        libraries without it are left out.
    extra : dict, default=None
        ``{library: {option: value}}``: options only that library takes
        (another solver, a chunk size), passed on top of ``params``.
    **params
        Hyperparameters shared by all libraries.
    """
    extra = extra or {}
    unknown = set(extra) - {m.LIBRARY for m in library_modules()}
    if unknown:
        raise ValueError(f"extra options for unknown libraries {sorted(unknown)}")
    out = []
    for module in library_modules():
        build = getattr(module, method, None)
        if build is not None:
            out.extend(build(**params, **extra.get(module.LIBRARY, {})))
    return out


def peer_versions():
    """Installed versions of everything that the table depends on."""
    from importlib.metadata import PackageNotFoundError, version

    modules = library_modules()
    dists = list(_CORE_DISTRIBUTIONS) + [m.LIBRARY for m in modules]
    for module in modules:
        dists += [d for d in module.DISTRIBUTIONS if d not in dists]
    versions = {"python": platform.python_version()}
    for dist in dists:
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    return versions
