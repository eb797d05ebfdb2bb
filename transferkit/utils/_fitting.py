"""Fitting any estimator under the transfer contract."""

from __future__ import annotations

__all__ = ["consumes_target", "fit_with_target"]


def consumes_target(estimator):
    """Whether ``estimator.fit`` takes the target features ``Xt``.

    True for transferkit estimators (:class:`~transferkit.base.TransferMixin`)
    and transfer pipelines; False for plain scikit-learn estimators.
    """
    from ..base import TransferMixin
    from ..pipeline import TransferPipeline

    return isinstance(estimator, (TransferPipeline, TransferMixin))


def fit_with_target(estimator, X, y, Xt):
    """``estimator.fit(X, y, Xt=Xt)``, or ``fit(X, y)`` when it takes no ``Xt``."""
    if consumes_target(estimator):
        return estimator.fit(X, y, Xt=Xt)
    return estimator.fit(X, y)
