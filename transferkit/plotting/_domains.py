"""Source and target samples in two dimensions, before and after a mapping."""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.manifold import TSNE
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._common import (
    CLASS_MARKERS,
    SOURCE_COLOR,
    TARGET_COLOR,
    get_axes,
    panels,
)

__all__ = ["plot_domains"]

_METHODS = ("pca", "tsne", None)


def _check_inputs(Xs, Xt, ys, yt):
    Xs = check_array(Xs, input_name="Xs", accept_sparse=False)
    Xt = check_array(Xt, input_name="Xt", accept_sparse=False)
    if Xs.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"Xt has shape {Xt.shape} but Xs has shape {Xs.shape}: the source "
            "and the target must have the same number of features."
        )
    labels = []
    for name, y, X in (("ys", ys, Xs), ("yt", yt, Xt)):
        if y is not None:
            y = column_or_1d(y)
            if y.shape[0] != X.shape[0]:
                xname = "Xs" if name == "ys" else "Xt"
                raise ValueError(
                    f"{name} has {y.shape[0]} labels but {xname} has {X.shape[0]} rows."
                )
        labels.append(y)
    return Xs, Xt, labels[0], labels[1]


def _map(mapper, Xs, ys, Xt):
    """The mapped source and target: the mapper's own maps, or a fitted clone's."""
    if not hasattr(mapper, "transform"):
        raise TypeError(
            "mapper must be a scikit-learn style transformer (fitted or not) with "
            f"a transform method, such as transferkit.feature.CORAL(); got "
            f"{type(mapper).__name__}, which has no transform."
        )
    try:
        check_is_fitted(mapper)
    except NotFittedError:
        fitted = clone(mapper)
        Zs = fitted.fit_transform(Xs, ys, Xt=Xt)
        return np.asarray(Zs), np.asarray(fitted.transform(Xt))
    except TypeError as exc:
        raise TypeError(
            "mapper must be a scikit-learn style transformer (fitted or not), "
            f"got {type(mapper).__name__}."
        ) from exc
    if hasattr(mapper, "transform_source"):
        Zs = mapper.transform_source(Xs)
    elif "domain" in inspect.signature(mapper.transform).parameters:
        Zs = mapper.transform(Xs, domain="source")
    else:
        Zs = mapper.transform(Xs)
    return np.asarray(Zs), np.asarray(mapper.transform(Xt))


def _embed(Zs, Zt, method, random_state):
    """Both domains in (at most) two dimensions, with one shared projection."""
    Z = np.concatenate([Zs, Zt], axis=0).astype(np.float64, copy=False)
    n_components = min(2, Z.shape[1])
    if method is None or Z.shape[1] <= 2 and method == "pca":
        E = Z[:, :n_components]
        names = ("feature 0", "feature 1")
    elif method == "pca":
        E = PCA(n_components=2, random_state=random_state).fit_transform(Z)
        names = ("PC 1", "PC 2")
    else:
        if Z.shape[1] < 2:
            raise ValueError(
                "method='tsne' needs at least 2 features to embed, got "
                f"{Z.shape[1]}; use method=None or 'pca' to draw them as they are."
            )
        perplexity = min(30.0, max(1.0, (Z.shape[0] - 1) / 3.0))
        E = TSNE(
            n_components=2,
            perplexity=perplexity,
            init="pca",
            random_state=random_state,
        ).fit_transform(Z)
        names = ("t-SNE 1", "t-SNE 2")
    if E.shape[1] == 1:
        E = np.column_stack([E[:, 0], np.zeros(E.shape[0])])
    return E[: Zs.shape[0]], E[Zs.shape[0] :], names


def _scatter(ax, E, y, domain, color, classes):
    if y is None:
        marker = "." if classes is not None else "o"
        suffix = " (unlabelled)" if classes is not None else ""
        ax.scatter(
            E[:, 0],
            E[:, 1],
            c=color,
            marker=marker,
            s=18,
            alpha=0.7,
            label=f"{domain}{suffix}",
        )
        return
    for k, label in enumerate(classes):
        mask = y == label
        if not mask.any():
            continue
        ax.scatter(
            E[mask, 0],
            E[mask, 1],
            c=color,
            marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
            s=18,
            alpha=0.7,
            label=f"{domain}, class {label}",
        )


def _draw(ax, Es, Et, ys, yt, names, title):
    known = [y for y in (ys, yt) if y is not None]
    classes = np.unique(np.concatenate(known)) if known else None
    _scatter(ax, Es, ys, "source", SOURCE_COLOR, classes)
    _scatter(ax, Et, yt, "target", TARGET_COLOR, classes)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title)
    ax.legend(fontsize="small", markerscale=1.5)


def plot_domains(
    Xs, Xt, ys=None, yt=None, mapper=None, method="pca", ax=None, random_state=0
):
    """Scatter the source and the target, before and after a feature mapping.

    Both domains are projected together (one projection fitted on the
    stacked samples, so that the two clouds share axes) onto two dimensions:
    by PCA, by t-SNE, or not at all. Points are coloured by domain (source
    ``C0``, target ``C1``) and marked by class (circle, square, triangle, ...).
    With a ``mapper`` a second panel shows the mapped samples, projected the
    same way: what a classifier trained after the mapping sees.

    Parameters
    ----------
    Xs : array-like of shape (n_source, n_features)
        Source samples.
    Xt : array-like of shape (n_target, n_features)
        Target samples.
    ys : array-like of shape (n_source,), default=None
        Source labels (markers); ``None`` draws one marker per domain.
    yt : array-like of shape (n_target,), default=None
        Target labels, used for the markers only (never passed to
        ``mapper``). Unlabelled target points are drawn as dots when the
        source is labelled.
    mapper : transformer, default=None
        A feature-mapping transformer (``transferkit.feature``, or a pipeline
        of transformers). When fitted, the source is mapped with its
        ``transform_source`` where it has one (``SubspaceAlignment``, ``GFK``),
        with ``transform(X, domain="source")`` where ``transform`` takes a
        ``domain`` (``FeatureAugmentation``), else with ``transform``; the
        target with ``transform``. When not fitted, a clone is fitted here
        with ``fit_transform(Xs, ys, Xt=Xt)``, whose output is the mapped
        source (the representation a pipeline's next step trains on), and
        the target is mapped with the clone's ``transform``. Pass ``CORAL``
        unfitted: it recolours the source inside ``fit_transform`` only
        (its ``transform`` returns its input).
    method : {"pca", "tsne"} or None, default="pca"
        The 2-D projection: ``PCA(n_components=2)``, scikit-learn's ``TSNE``
        (``init="pca"``, perplexity ``min(30, (n - 1) / 3)``; slow beyond a
        few thousand points), or ``None`` for the first two columns. Data
        with two columns or fewer is drawn as it is under ``"pca"``.
    ax : matplotlib Axes, or sequence of 2 Axes, default=None
        Where to draw: one Axes without ``mapper``, two (before, after)
        with it. ``None`` creates a figure.
    random_state : int, default=0
        Seed of the projection (PCA's randomised solver, t-SNE).

    Returns
    -------
    ax : matplotlib Axes, or ndarray of 2 Axes
        The "before" Axes alone without ``mapper``; ``[before, after]`` with
        it. In each, the scatter collections come in the order source
        (class by class), then target.

    References
    ----------
    L. van der Maaten and G. Hinton. "Visualizing Data using t-SNE". JMLR 9,
    2008 (the ``method="tsne"`` projection).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from transferkit.datasets import make_domain_shift
    >>> from transferkit.feature import CORAL
    >>> from transferkit.plotting import plot_domains
    >>> Xs, ys, Xt, yt = make_domain_shift("affine", n_features=5, random_state=0)
    >>> before, after = plot_domains(Xs, Xt, ys, yt, mapper=CORAL())
    >>> after.get_title()
    'after CORAL'
    """
    if method not in _METHODS:
        raise ValueError(f"method must be 'pca', 'tsne' or None, got {method!r}.")
    Xs, Xt, ys, yt = _check_inputs(Xs, Xt, ys, yt)
    axes = get_axes(ax, 1 if mapper is None else 2, "plot_domains")
    Es, Et, names = _embed(Xs, Xt, method, random_state)
    first = "source and target" if mapper is None else "before"
    _draw(axes[0], Es, Et, ys, yt, names, first)
    if mapper is not None:
        Zs, Zt = _map(mapper, Xs, ys, Xt)
        Es, Et, names = _embed(Zs, Zt, method, random_state)
        _draw(axes[1], Es, Et, ys, yt, names, f"after {type(mapper).__name__}")
    return panels(axes)
