"""The transfer estimator contract shared by every family.

Every transferkit estimator is fitted as ``fit(X, y=None, Xt=None, yt=None)``:
``X, y`` are the labelled source data, ``Xt`` the target features and ``yt``
the (optional) target labels. The mixins here declare, at class level, that
``fit`` consumes ``Xt`` (and ``yt``), so that scikit-learn's metadata routing
passes them through pipelines and model-selection tools without any call to
``set_fit_request``: scikit-learn's signature sniffing ignores arguments
named ``X, y, Xt, yt``, hence the explicit ``__metadata_request__fit``.

``Xt=None`` means "no shift": the target is the source. This keeps every
estimator usable where no target data exists (and inside scikit-learn's own
estimator checks). ``Xt`` may also be a tuple or list of arrays: several
target domains, which are stacked. The tuple form is also the safe way to pass
``Xt`` through cross-validation, where an ``Xt`` with as many rows as ``X``
would be sliced per fold.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from contextlib import contextmanager
from contextvars import ContextVar

from sklearn.base import TransformerMixin

from .exceptions import NoTargetDataWarning
from .utils.validation import check_source_target

__all__ = [
    "TransferMixin",
    "LabelledTargetMixin",
    "TransferTransformerMixin",
    "quiet_no_target",
    "warn_no_target",
]

logger = logging.getLogger("transferkit")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_stacklevel():
    """``stacklevel`` of the first frame outside transferkit (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame, level = frame.f_back, level + 1
    return level


_NO_TARGET_SAID = ContextVar("transferkit_no_target_said", default=False)


@contextmanager
def quiet_no_target(active=True):
    """Within the block, :func:`warn_no_target` neither logs nor warns.

    A :class:`~transferkit.pipeline.TransferPipeline` fitted without ``Xt``
    says so once itself, then fits its steps inside this block.
    """
    if not active:
        yield
        return
    token = _NO_TARGET_SAID.set(True)
    try:
        yield
    finally:
        _NO_TARGET_SAID.reset(token)


def warn_no_target(owner):
    """Log and warn (:class:`~transferkit.exceptions.NoTargetDataWarning`) that
    ``owner`` is fitted without ``Xt``, hence without adaptation.

    The warning points at the caller's line outside transferkit; Python's
    default filter shows it once per such line.
    """
    if _NO_TARGET_SAID.get():
        return
    name = owner if isinstance(owner, str) else type(owner).__name__
    message = (
        f"{name} was fitted without target data (Xt=None): it ran without "
        "adaptation, as if the target were the source. Pass the target "
        "features as fit(X, y, Xt)."
    )
    logger.info(message)
    warnings.warn(message, NoTargetDataWarning, stacklevel=_caller_stacklevel())


class TransferMixin:
    """Mixin for estimators whose ``fit`` takes target features ``Xt``.

    Sets ``__metadata_request__fit = {"Xt": True}`` so that ``Xt`` is routed
    to the estimator by default, and offers :meth:`_check_source_target`,
    which also warns (:class:`~transferkit.exceptions.NoTargetDataWarning`)
    when ``fit`` got no ``Xt``.
    """

    __metadata_request__fit = {"Xt": True}

    def _check_source_target(self, X, y=None, Xt=None, yt=None, **kwargs):
        """Validate fit arguments; see :func:`transferkit.utils.check_source_target`.

        Under no shift (``Xt=None``) it also calls :func:`warn_no_target`.
        """
        data = check_source_target(self, X, y, Xt, yt, **kwargs)
        if data.no_shift:
            warn_no_target(self)
        return data


class LabelledTargetMixin(TransferMixin):
    """Mixin for estimators that also use target labels ``yt``.

    Requests both ``Xt`` and ``yt`` from metadata routing.
    """

    __metadata_request__fit = {"Xt": True, "yt": True}


class TransferTransformerMixin(TransferMixin, TransformerMixin):
    """Mixin for feature-mapping transformers.

    Subclasses implement ``_fit(X, y, Xt, yt)``, which learns the mapping and
    returns the *source* representation. Then

    - ``fit`` calls ``_fit`` and returns ``self``;
    - ``fit_transform`` returns the source representation, the data the next
      pipeline step trains on (for CORAL, the recoloured source);
    - ``transform`` (written by the subclass) maps new target-domain samples.

    Under no shift (``Xt=None``) ``fit_transform(X)`` equals
    ``fit(X).transform(X)``.
    """

    def fit(self, X, y=None, Xt=None, yt=None):
        """Learn the mapping from source ``X`` (labels ``y``) and target ``Xt``.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels, used by methods that need them.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Target features; ``None`` means the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target labels, used only by methods that need them.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit(X, y, Xt, yt)
        return self

    def fit_transform(self, X, y=None, Xt=None, yt=None):
        """Fit, then return the source representation.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Target features; ``None`` means the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target labels.

        Returns
        -------
        X_new : ndarray of shape (n_source, n_components)
            The mapped source samples, ready to train a classifier on.
        """
        return self._fit(X, y, Xt, yt)
