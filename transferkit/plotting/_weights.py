"""The learned source weights: their distribution and where they fall."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.stats import gaussian_kde
from sklearn.utils.validation import check_array, column_or_1d

from ._common import SOURCE_COLOR, TARGET_COLOR, get_axes, panels

__all__ = ["plot_weights"]

#: Points of the grid on which the densities are drawn.
N_GRID = 200


def _weights_of(reweighter):
    if hasattr(reweighter, "weights_"):
        weights = reweighter.weights_
    elif isinstance(reweighter, (list, tuple, np.ndarray)):
        weights = reweighter
    else:
        raise TypeError(
            "reweighter must be a fitted reweighter (with a weights_ attribute, "
            "e.g. transferkit.instance.KMM after fit) or an array of weights, "
            f"got {type(reweighter).__name__} without weights_."
        )
    weights = column_or_1d(check_array(weights, ensure_2d=False, input_name="weights"))
    if weights.size == 0:
        raise ValueError("the reweighter has no source weights (weights_ is empty).")
    if np.any(weights < 0):
        raise ValueError(
            "source weights must be non-negative; got weights with minimum "
            f"{weights.min():g}."
        )
    if not np.any(weights > 0):
        raise ValueError(
            "the source weights are all zero: there is no distribution to draw."
        )
    return weights.astype(np.float64, copy=False)


def _ess(reweighter, weights):
    ess = getattr(reweighter, "effective_sample_size_", None)
    if ess is None:
        from ..instance import effective_sample_size

        ess = effective_sample_size(weights)
    return float(ess)


def _column(reweighter, columns, n_features, feature):
    """Index and name of the feature to draw, checked against ``X``."""
    names = None if columns is None else [str(c) for c in columns]
    if names is None and hasattr(reweighter, "feature_names_in_"):
        names = [str(c) for c in reweighter.feature_names_in_]
    if feature is None:
        if n_features != 1:
            raise ValueError(
                f"X has {n_features} features: pass feature= (a column index or "
                "name) to choose the one to draw the weights against."
            )
        feature = 0
    if isinstance(feature, str):
        if names is None or feature not in names:
            raise ValueError(
                f"feature {feature!r} is not a column name of X "
                f"(names: {names}); pass a column index instead."
            )
        index = names.index(feature)
    elif isinstance(feature, Integral) and -n_features <= feature < n_features:
        index = int(feature) % n_features
    else:
        raise ValueError(
            f"feature must be a column index in [0, {n_features}) or a column "
            f"name, got {feature!r}."
        )
    label = names[index] if names is not None else f"feature {index}"
    return index, label


def _density(ax, values, grid, color, linestyle, label):
    if np.ptp(values) > 0:
        ax.plot(
            grid, gaussian_kde(values)(grid), color=color, ls=linestyle, label=label
        )
    else:  # one value: a point mass, drawn as a vertical line
        ax.axvline(values[0], color=color, ls=linestyle, label=f"{label} (constant)")


def plot_weights(reweighter, X=None, feature=None, Xt=None, ax=None):
    """Draw the learned source weights and their effective sample size.

    The first panel is the histogram of the source weights, with their mean
    and, in the title, Kish's effective sample size ``(sum w)^2 / sum w^2``
    (the reweighter's ``effective_sample_size_`` where it has one): a
    weighted fit is about as reliable as an unweighted fit on that many
    samples. Given the source samples ``X`` (one column, or the column
    ``feature``), a second panel draws each weight against its sample's
    feature value, beside the densities of that feature in the source and,
    with ``Xt``, in the target (Gaussian kernel density estimates, Scott's
    bandwidth, on a right-hand axis). A good covariate-shift reweighting puts
    large weights where the target density exceeds the source density.

    Parameters
    ----------
    reweighter : fitted reweighter or array-like of shape (n_source,)
        An estimator with ``weights_`` (``KMM``, ``KLIEP``, ``ULSIF``,
        ``DiscriminativeReweighting``, ...) or the weights themselves.
    X : array-like of shape (n_source, n_features), default=None
        The source samples the weights belong to, in the same order.
    feature : int or str, default=None
        The column of ``X`` to draw against (an index, or a name of a
        DataFrame column or of ``reweighter.feature_names_in_``). Needed when
        ``X`` has several columns.
    Xt : array-like of shape (n_target, n_features), default=None
        Target samples, for the target density of the same column.
    ax : matplotlib Axes, or sequence of 2 Axes, default=None
        One Axes without ``X``, two (histogram, weights against feature)
        with it. ``None`` creates a figure.

    Returns
    -------
    ax : matplotlib Axes, or ndarray of 2 Axes
        The histogram's Axes alone without ``X``; ``[histogram, scatter]``
        with it. The densities are on the scatter's twin Axes
        (``scatter.get_shared_x_axes().get_siblings(scatter)``).

    References
    ----------
    L. Kish. *Survey Sampling*. Wiley, 1965 (the effective sample size).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from transferkit.instance import KMM
    >>> from transferkit.plotting import plot_weights
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(100, 1))
    >>> Xt = rng.normal(0.5, 0.7, size=(100, 1))
    >>> kmm = KMM(random_state=0).fit(Xs, (Xs[:, 0] > 0).astype(int), Xt)
    >>> hist, scatter = plot_weights(kmm, Xs, Xt=Xt)
    >>> hist.get_title().startswith("source weights: ESS")
    True
    """
    weights = _weights_of(reweighter)
    n = weights.shape[0]
    if X is None and (Xt is not None or feature is not None):
        raise ValueError(
            "plot_weights got Xt or feature without X: pass the source samples X "
            "that the weights belong to."
        )
    if X is not None:
        columns = getattr(X, "columns", None)
        X = check_array(X, input_name="X")
        index, label = _column(reweighter, columns, X.shape[1], feature)
        if X.shape[0] != n:
            raise ValueError(
                f"X has {X.shape[0]} rows but the reweighter has {n} source "
                "weights: pass the source samples it was fitted on."
            )
        if Xt is not None:
            Xt = check_array(Xt, input_name="Xt")
            if Xt.shape[1] != X.shape[1]:
                raise ValueError(
                    f"Xt has shape {Xt.shape} but X has shape {X.shape}: the "
                    "source and the target must have the same number of features."
                )
    axes = get_axes(ax, 1 if X is None else 2, "plot_weights")

    ess = _ess(reweighter, weights)
    hist = axes[0]
    hist.hist(weights, bins=min(30, max(5, n // 5)), color=SOURCE_COLOR, alpha=0.8)
    mean = float(weights.mean())
    hist.axvline(mean, color="k", ls="--", label=f"mean weight {mean:.3g}")
    hist.set_xlabel("source weight")
    hist.set_ylabel("source samples")
    hist.set_title(f"source weights: ESS {ess:.1f} of {n} ({ess / n:.0%})")
    hist.legend(fontsize="small")
    if X is None:
        return panels(axes)

    x = X[:, index]
    scatter = axes[1]
    scatter.scatter(
        x, weights, s=10, color=SOURCE_COLOR, alpha=0.7, label="source weight"
    )
    scatter.set_xlabel(label)
    scatter.set_ylabel("source weight")
    density = scatter.twinx()
    values = x if Xt is None else np.concatenate([x, Xt[:, index]])
    low, high = float(values.min()), float(values.max())
    pad = 0.05 * (high - low) if high > low else 0.5
    grid = np.linspace(low - pad, high + pad, N_GRID)
    _density(density, x, grid, SOURCE_COLOR, "--", "source density")
    if Xt is not None:
        _density(density, Xt[:, index], grid, TARGET_COLOR, "-", "target density")
    density.set_ylabel("density")
    density.set_ylim(bottom=0)
    handles, labels = scatter.get_legend_handles_labels()
    more = density.get_legend_handles_labels()
    scatter.legend(handles + more[0], labels + more[1], fontsize="small")
    scatter.set_title(f"weight against {label}")
    return panels(axes)
