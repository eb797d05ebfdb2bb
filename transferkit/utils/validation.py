"""Input validation shared by every transferkit estimator.

The single entry point is :func:`check_source_target`. It turns the four
arguments of the transfer contract ``fit(X, y=None, Xt=None, yt=None)`` into
validated arrays, applies the ``Xt=None`` "no shift" rule, accepts several
target domains given as a tuple or list of arrays, and raises errors that name
the offending argument.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import FLOAT_DTYPES, has_fit_parameter, validate_data

__all__ = [
    "SourceTarget",
    "check_source_target",
    "check_sample_weight_support",
    "check_two_domains",
    "is_multi_domain",
]


@dataclass(frozen=True)
class SourceTarget:
    """Validated source and target data.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_source, n_features)
        Source features.
    y : ndarray of shape (n_source,) or None
        Source labels.
    Xt : ndarray or sparse matrix of shape (n_target, n_features)
        Target features, all target domains stacked. Equal to ``X`` when the
        caller passed ``Xt=None`` (no shift).
    yt : ndarray of shape (n_target,) or None
        Target labels, stacked like ``Xt``. Equal to ``y`` under no shift.
    target_sizes : tuple of int
        Number of rows of each target domain, in the order given.
    no_shift : bool
        True when the caller passed ``Xt=None``.
    """

    X: object
    y: object
    Xt: object
    yt: object
    target_sizes: tuple
    no_shift: bool

    @property
    def n_source(self):
        return self.X.shape[0]

    @property
    def n_target(self):
        return self.Xt.shape[0]


def is_multi_domain(Xt):
    """Return True when ``Xt`` is a tuple or list of 2-D arrays (several domains).

    A list of rows (a list of lists of numbers) is one 2-D array, not several
    domains: the elements of a multi-domain ``Xt`` must themselves be 2-D.
    """
    if not isinstance(Xt, (tuple, list)) or len(Xt) == 0:
        return False
    return all(sp.issparse(part) or np.ndim(part) == 2 for part in Xt)


def _name(estimator):
    return type(estimator).__name__ if estimator is not None else "this estimator"


def _check_n_samples(array, arg, estimator, min_samples):
    n = array.shape[0]
    if n == 0:
        raise ValueError(
            f"{arg} is empty (shape={array.shape}); {_name(estimator)} needs at "
            "least one sample."
        )
    if n < min_samples:
        raise ValueError(
            f"{arg} has {n} sample(s) (shape={array.shape}) but "
            f"{_name(estimator)} needs at least {min_samples}: n_samples = {n}."
        )


def _check_feature_names(estimator, part, arg):
    names_in = getattr(estimator, "feature_names_in_", None)
    columns = getattr(part, "columns", None)
    if names_in is None or columns is None:
        return
    columns = np.asarray([str(c) for c in columns], dtype=object)
    if len(columns) != len(names_in) or np.any(columns != names_in):
        raise ValueError(
            f"The feature names of {arg} differ from those of X seen in fit: "
            f"expected {list(names_in)}, got {list(columns)}."
        )


def _classification_labels(y, arg, estimator, min_classes):
    check_classification_targets(y)
    classes = np.unique(y)
    if classes.shape[0] < min_classes:
        raise ValueError(
            f"{arg} contains {classes.shape[0]} "
            f"class{'' if classes.shape[0] == 1 else 'es'} ({classes.tolist()}); "
            f"{_name(estimator)} needs at least {min_classes} classes."
        )
    return classes


def check_source_target(
    estimator,
    X,
    y=None,
    Xt=None,
    yt=None,
    *,
    reset=True,
    task=None,
    require_y=False,
    require_yt=False,
    yt_labels_in_y=False,
    min_classes=2,
    min_samples=1,
    accept_sparse=False,
    dtype=FLOAT_DTYPES,
    ensure_all_finite=True,
):
    """Validate the arguments of ``fit(X, y=None, Xt=None, yt=None)``.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted. With ``reset=True`` its
        ``n_features_in_`` (and ``feature_names_in_``) are set from ``X``.
    X : array-like or sparse matrix of shape (n_source, n_features)
        Source features.
    y : array-like of shape (n_source,), default=None
        Source labels.
    Xt : array-like, or tuple/list of array-likes, default=None
        Target features. A tuple or list of 2-D arrays is several target
        domains; they are validated one by one and stacked. ``None`` means
        "no shift": the target is the source.
    yt : array-like, or tuple/list of array-likes, default=None
        Labels of the target rows, aligned with ``Xt``.
    reset : bool, default=True
        Whether to (re)set ``n_features_in_`` and ``feature_names_in_``.
    task : {"classification", "regression"} or None, default=None
        How to validate ``y`` and ``yt``. ``None`` leaves labels unchecked
        beyond their length.
    require_y : bool, default=False
        Raise when ``y`` is None.
    require_yt : bool, default=False
        Raise when ``Xt`` is given without ``yt``. Under no shift (``Xt=None``)
        the source labels serve as target labels.
    yt_labels_in_y : bool, default=False
        For classification, raise when ``yt`` holds labels absent from ``y``.
    min_classes : int, default=2
        Minimum number of distinct classes in ``y`` for classification.
    min_samples : int, default=1
        Minimum number of source samples (and of samples per target domain).
    accept_sparse : bool or str or list of str, default=False
        Sparse formats accepted. When False, sparse input raises a
        ``TypeError`` that says to densify.
    dtype : dtype or list of dtypes, default=(float64, float32, float16)
        Accepted dtypes for ``X``; ``Xt`` is cast to the dtype of ``X``.
    ensure_all_finite : bool or "allow-nan", default=True
        Whether NaN and inf raise.

    Returns
    -------
    data : SourceTarget
        The validated arrays. Nothing passed in is modified.

    Raises
    ------
    ValueError
        Mismatched feature counts (naming both shapes), NaN/inf, empty
        arrays, too few classes, missing ``y``/``yt``, unseen target labels,
        mismatched lengths.
    TypeError
        Sparse input where dense is required.
    """
    name = _name(estimator)
    if require_y and y is None:
        raise ValueError(
            f"{name} requires y to be passed, but the target y is None. "
            "Pass the source labels as the second argument of fit."
        )
    check_params = dict(
        accept_sparse=accept_sparse,
        dtype=dtype,
        ensure_all_finite=ensure_all_finite,
        ensure_min_samples=0,
    )
    if y is None:
        X = validate_data(estimator, X, reset=reset, **check_params)
    else:
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            y_numeric=task == "regression",
            **check_params,
        )
    _check_n_samples(X, "X", estimator, min_samples)
    if y is not None and task == "classification":
        _classification_labels(y, "y", estimator, min_classes)

    if Xt is None:
        if yt is not None:
            raise ValueError(
                f"{name} got yt but no Xt: pass the target features Xt "
                "together with their labels yt."
            )
        return SourceTarget(
            X=X, y=y, Xt=X, yt=y, target_sizes=(X.shape[0],), no_shift=True
        )

    parts = list(Xt) if is_multi_domain(Xt) else [Xt]
    target_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else dtype
    checked = []
    for k, part in enumerate(parts):
        arg = "Xt" if len(parts) == 1 else f"Xt[{k}]"
        _check_feature_names(estimator, part, arg)
        arr = check_array(
            part,
            accept_sparse=accept_sparse,
            dtype=target_dtype,
            ensure_all_finite=ensure_all_finite,
            ensure_min_samples=0,
            input_name=arg,
        )
        if arr.shape[1] != X.shape[1]:
            raise ValueError(
                f"{arg} has shape {arr.shape} but X has shape {X.shape}: the "
                "source and the target must have the same number of features "
                f"({X.shape[1]} expected, got {arr.shape[1]})."
            )
        _check_n_samples(arr, arg, estimator, 1)
        checked.append(arr)
    sizes = tuple(a.shape[0] for a in checked)
    if len(checked) == 1:
        Xt_all = checked[0]
    elif any(sp.issparse(a) for a in checked):
        Xt_all = sp.vstack(checked, format="csr")
    else:
        Xt_all = np.concatenate(checked, axis=0)

    if yt is None:
        if require_yt:
            raise ValueError(
                f"{name} needs labelled target data: Xt was given but yt is "
                "None. Pass yt, the labels of the rows of Xt."
            )
        yt_all = None
    else:
        yt_parts = list(yt) if is_multi_domain(Xt) else [yt]
        if len(yt_parts) != len(checked):
            raise ValueError(
                f"yt has {len(yt_parts)} part(s) but Xt has {len(checked)} "
                "target domain(s); give one label array per domain."
            )
        yt_arrays = []
        for k, (labels, arr) in enumerate(zip(yt_parts, checked)):
            arg = "yt" if len(checked) == 1 else f"yt[{k}]"
            labels = column_or_1d(labels, warn=True)
            if labels.shape[0] != arr.shape[0]:
                xarg = "Xt" if len(checked) == 1 else f"Xt[{k}]"
                raise ValueError(
                    f"{arg} has {labels.shape[0]} labels but {xarg} has "
                    f"{arr.shape[0]} rows."
                )
            yt_arrays.append(labels)
        yt_all = np.concatenate(yt_arrays)
        if task == "classification":
            check_classification_targets(yt_all)
            if yt_labels_in_y and y is not None:
                unseen = np.setdiff1d(np.unique(yt_all), np.unique(y))
                if unseen.size:
                    raise ValueError(
                        f"yt contains labels {unseen.tolist()} that never occur "
                        f"in y; {name} can only predict the source classes "
                        f"{np.unique(y).tolist()}."
                    )
        elif task == "regression":
            yt_all = check_array(
                yt_all, ensure_2d=False, dtype=FLOAT_DTYPES, input_name="yt"
            )
    return SourceTarget(
        X=X, y=y, Xt=Xt_all, yt=yt_all, target_sizes=sizes, no_shift=False
    )


def check_sample_weight_support(estimator, owner):
    """Raise a ``TypeError`` when ``estimator.fit`` takes no ``sample_weight``.

    Instance-family methods weight the loss through ``sample_weight``; they
    never fall back to a bootstrap that could drop classes silently.
    """
    if not has_fit_parameter(estimator, "sample_weight"):
        raise TypeError(
            f"{owner} fits its estimator with sample_weight, but "
            f"{type(estimator).__name__}.fit accepts no sample_weight argument. "
            "Choose an estimator that supports sample weights."
        )


def check_two_domains(Xs, Xt, *, accept_sparse=False, dtype=FLOAT_DTYPES):
    """Validate a source and a target sample for estimator-free functions.

    Used by the discrepancy metrics: both must be non-empty, finite, 2-D and
    have the same number of features (the error names both shapes).

    Returns
    -------
    Xs, Xt : validated arrays (never copies of the caller's data unless a
        conversion was needed; they are not modified).
    """
    Xs = check_array(
        Xs,
        accept_sparse=accept_sparse,
        dtype=dtype,
        ensure_min_samples=0,
        input_name="Xs",
    )
    Xt = check_array(
        Xt,
        accept_sparse=accept_sparse,
        dtype=dtype,
        ensure_min_samples=0,
        input_name="Xt",
    )
    for arg, arr in (("Xs", Xs), ("Xt", Xt)):
        _check_n_samples(arr, arg, None, 1)
    if Xs.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"Xt has shape {Xt.shape} but Xs has shape {Xs.shape}: the source and "
            "the target must have the same number of features."
        )
    return Xs, Xt
