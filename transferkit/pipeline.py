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

from sklearn import config_context
from sklearn.pipeline import Pipeline

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
    >>> pipe.fit(Xs, ys, Xt=Xt).score(Xt, yt) > 0.5
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

    def fit(self, X, y=None, **params):
        """Fit every step, routing ``Xt``/``yt`` to the steps that request them.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        **params : dict
            Metadata such as ``Xt`` and ``yt``.

        Returns
        -------
        self : TransferPipeline
            The fitted pipeline.
        """
        with config_context(enable_metadata_routing=True):
            return super().fit(X, y, **params)

    def fit_transform(self, X, y=None, **params):
        """Fit every step and return the transformed source data.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        **params : dict
            Metadata such as ``Xt`` and ``yt``.

        Returns
        -------
        X_new : ndarray
            The source samples as output by the last step.
        """
        with config_context(enable_metadata_routing=True):
            return super().fit_transform(X, y, **params)

    def fit_predict(self, X, y=None, **params):
        """Fit every step and predict on ``X`` with the last one.

        Parameters
        ----------
        X : array-like of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,), default=None
            Source labels.
        **params : dict
            Metadata such as ``Xt`` and ``yt``.

        Returns
        -------
        y_pred : ndarray
            The last step's ``fit_predict`` output.
        """
        with config_context(enable_metadata_routing=True):
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
