"""Warnings that transferkit emits, one class each, so they can be filtered.

Both are :class:`UserWarning` subclasses: they flag a fit that ran but may not
do what the user meant. Silence one with the standard ``warnings`` machinery::

    import warnings
    from transferkit.exceptions import NoTargetDataWarning

    warnings.simplefilter("ignore", NoTargetDataWarning)
"""

from __future__ import annotations

__all__ = ["NoTargetDataWarning", "LowEffectiveSampleSizeWarning"]


class NoTargetDataWarning(UserWarning):
    """A transfer estimator or pipeline was fitted without target data ``Xt``.

    ``Xt=None`` means "no shift": the target is taken to be the source, so the
    fit runs without any adaptation (a reweighter gives every sample a weight
    of 1, a feature mapping is fitted on the source alone). That is legitimate
    (scikit-learn's own estimator checks do it), but usually a forgotten
    ``Xt``. A :class:`~transferkit.pipeline.TransferPipeline` warns once for
    all its steps.
    """


class LowEffectiveSampleSizeWarning(UserWarning):
    """The source weights of a reweighter concentrate on few samples.

    Raised when Kish's effective sample size ``(sum w)^2 / sum w^2``
    (``effective_sample_size_``) falls below a fraction of the number of
    source samples: ``transferkit.instance.LOW_ESS_FRACTION``, 0.1 by
    default. A weighted fit on such weights is roughly as reliable as an
    unweighted fit on that few samples, and often transfers negatively.
    """
