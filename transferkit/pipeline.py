"""Pipelines that carry the target data ``Xt`` through their steps.

A :class:`TransferPipeline` is a scikit-learn :class:`~sklearn.pipeline.Pipeline`
with ``transform_input=["Xt"]``: a step placed before a transfer estimator
(a ``StandardScaler``, say) is fitted on the source and also transforms
``Xt`` before the transfer estimator sees it. Its ``fit``, ``fit_transform``
and ``fit_predict`` enable scikit-learn's metadata routing for their own
duration only, so ``make_transfer_pipeline(...).fit(Xs, ys, Xt=Xt)`` works
without touching the global configuration.

The plain scikit-learn recipe works as well::

    with sklearn.config_context(enable_metadata_routing=True):
        Pipeline(steps, transform_input=["Xt"]).fit(Xs, ys, Xt=Xt)
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

from sklearn import config_context
from sklearn.pipeline import Pipeline

from .base import TransferMixin, quiet_no_target, warn_no_target

__all__ = ["TransferPipeline", "make_transfer_pipeline"]


class TransferPipeline(Pipeline):
    """A pipeline that routes target data ``Xt`` (and ``yt``) to its steps.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        The steps, as for :class:`sklearn.pipeline.Pipeline`.
    transform_input : tuple or list of str, default=("Xt",)
        Metadata transformed by the preceding steps before reaching the step
        that consumes it. The default transforms ``Xt``.
    memory : str or object with the joblib.Memory interface, default=None
        Caching of fitted transformers, as in scikit-learn.
    verbose : bool, default=False
        Print the time taken by each step.

    Notes
    -----
    ``fit``, ``fit_transform`` and ``fit_predict`` run inside
    ``sklearn.config_context(enable_metadata_routing=True)``; the global
    configuration is the same before and after. Prediction and
    transformation take no metadata and need no routing.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.feature import CORAL
    >>> from transferkit.pipeline import make_transfer_pipeline
    >>> Xs, ys, Xt, yt = make_domain_shift(random_state=0)
    >>> pipe = make_transfer_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    >>> pipe.fit(Xs, ys, Xt).score(Xt, yt) > 0.5
    True
    """

    _parameter_constraints: dict = {
        **Pipeline._parameter_constraints,
        "transform_input": [list, tuple, None],
    }

    def __init__(self, steps, *, transform_input=("Xt",), memory=None, verbose=False):
        super().__init__(
            steps, transform_input=transform_input, memory=memory, verbose=verbose
        )

    def _has_transfer_step(self):
        return any(
            isinstance(step, TransferMixin)
            or (isinstance(step, TransferPipeline) and step._has_transfer_step())
            for _, step in self.steps
            if step is not None and step != "passthrough"
        )

    def _prepare_fit(self, Xt, params):
        """``params`` with ``Xt``; warn once (here) when a transfer step lacks it."""
        if Xt is not None:
            params["Xt"] = Xt
        no_target = params.get("Xt") is None and self._has_transfer_step()
        if no_target:
            params.pop("Xt", None)
            warn_no_target(self)
        return params, no_target

    @contextmanager
    def _fitting(self, no_target):
        """Routing on; the steps stay quiet about a missing ``Xt`` (said once)."""
        with config_context(enable_metadata_routing=True), quiet_no_target(no_target):
            yield

    def fit(self, X, y=None, Xt=None, **params):
        """Fit every step, routing ``Xt``/``yt`` to the steps that request them.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Target features, positional as in the estimators'
            ``fit(X, y, Xt)``. Without it, a pipeline that holds a transfer
            step runs without adaptation and says so once
            (:class:`~transferkit.exceptions.NoTargetDataWarning`).
        **params : dict
            Other metadata, such as ``yt``.

        Returns
        -------
        self : TransferPipeline
            The fitted pipeline.
        """
        params, no_target = self._prepare_fit(Xt, params)
        with self._fitting(no_target):
            return super().fit(X, y, **params)

    def fit_transform(self, X, y=None, Xt=None, **params):
        """Fit every step and return the transformed source data.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Target features (see :meth:`fit`).
        **params : dict
            Other metadata, such as ``yt``.

        Returns
        -------
        X_new : ndarray
            The source samples as output by the last step.
        """
        params, no_target = self._prepare_fit(Xt, params)
        with self._fitting(no_target):
            return super().fit_transform(X, y, **params)

    def fit_predict(self, X, y=None, Xt=None, **params):
        """Fit every step and predict on ``X`` with the last one.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        Xt : array-like of shape (n_target, n_features) or tuple of arrays, \
default=None
            Target features (see :meth:`fit`).
        **params : dict
            Other metadata, such as ``yt``.

        Returns
        -------
        y_pred : ndarray
            The last step's ``fit_predict`` output.
        """
        params, no_target = self._prepare_fit(Xt, params)
        with self._fitting(no_target):
            return super().fit_predict(X, y, **params)


def make_transfer_pipeline(*steps, memory=None, verbose=False):
    """Build a :class:`TransferPipeline` from estimators, naming the steps.

    Parameters
    ----------
    *steps : estimators
        The steps, in order.
    memory : str or object with the joblib.Memory interface, default=None
        Caching of fitted transformers.
    verbose : bool, default=False
        Print the time taken by each step.

    Returns
    -------
    pipeline : TransferPipeline
        A pipeline with ``transform_input=("Xt",)``.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from sklearn.preprocessing import StandardScaler
    >>> from transferkit.feature import TCA
    >>> from transferkit.pipeline import make_transfer_pipeline
    >>> pipe = make_transfer_pipeline(StandardScaler(), TCA(), SVC())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'tca', 'svc']
    """
    return TransferPipeline(_named_steps(steps), memory=memory, verbose=verbose)


def _named_steps(estimators):
    """Name steps by their lower-cased class name, numbering repeats."""
    names = [
        est if isinstance(est, str) else type(est).__name__.lower()
        for est in estimators
    ]
    counts = Counter(names)
    seen = Counter()
    named = []
    for name, est in zip(names, estimators):
        if counts[name] > 1:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        named.append((name, est))
    return named
