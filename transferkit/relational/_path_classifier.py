"""Relation-path counts under a logistic regression: the fast relational learner."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import TransferMixin
from ._associations import association_keys, cross_fitted_associations
from ._dataset import Queries
from ._paths import compute_features, enumerate_feature_keys, key_name

__all__ = ["RelationalPathClassifier"]


def _progress(verbose, total, desc):
    if not verbose:
        return None, None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, leave=False)
    return bar, bar.update


def featurize(X, keys, verbose=False, max_nnz=50_000_000):
    """Feature matrix of the ``Queries`` ``X`` for ``keys``, with cost stats."""
    n_paths = sum(1 for k in keys if k[0] == "path")
    bar, update = _progress(verbose, n_paths, "relation paths")
    try:
        return compute_features(
            X.dataset, X.predicate, X.ids, keys, max_nnz=max_nnz, progress=update
        )
    finally:
        if bar is not None:
            bar.close()


def labelled_features(X, keys, y=None, verbose=False, max_nnz=50_000_000):
    """Features of ``X`` for ``keys``, the label associations included.

    The association columns (keys ``("assoc", ...)``) are learnt from the
    labels ``y`` of the first ``len(y)`` atoms of ``X``, cross-fitted on those
    atoms (:mod:`transferkit.relational._associations`); without ``y`` they
    are 0.

    Returns
    -------
    F : ndarray of shape (len(X), len(keys))
    tables : AssociationTables or None
        The associations learnt on all labelled atoms.
    stats : dict
        Cost of the path products.
    """
    F, stats = featurize(X, keys, verbose, max_nnz)
    cols = [c for c, k in enumerate(keys) if k[0] == "assoc"]
    if not cols or y is None:
        return F, None, stats
    A, tables = cross_fitted_associations([keys[c] for c in cols], X, y)
    F[:, cols] = A
    return F, tables, stats


def feature_keys_for(clf, dataset, target, X=None, y=None):
    """The feature keys that ``clf``'s settings give ``target`` atoms in ``dataset``.

    The path types are capped at 50 times ``clf.max_path_types`` (a
    translated model needs only its own), chosen on the atoms ``X`` (labels
    ``y`` of its first atoms) when there are more.
    """
    budget = None if clf.max_path_types is None else clf.max_path_types * 50
    ids = None if X is None else X.ids
    if ids is not None and y is not None:
        ids = ids[: len(y)]
    keys = enumerate_feature_keys(
        dataset,
        target,
        clf.max_path_length,
        budget,
        clf.max_constants,
        ids=ids,
        y=y,
    )
    if clf.label_associations:
        keys += association_keys(dataset, target, clf.max_constants)
    return keys


class RelationalPathClassifier(TransferMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression on typed relation-path counts.

    For a target atom ``t(a, b)`` the features are (see
    :mod:`transferkit.relational._paths`): ``log1p`` counts of every typed
    relation path of length ``<= max_path_length`` from ``a`` to ``b``
    (sparse products of the per-predicate adjacency matrices, restricted to
    the query heads' rows), ``log1p`` attribute/degree counts of each
    argument, whether each argument has the slot's type, and whether the two
    arguments coincide. They are standardised and fed to ``estimator``. This
    is the path-ranking view of relational learning (Lao & Cohen, Machine
    Learning 2010), used here as the fast source learner of relational
    transfer (Pan & Yang, TKDE 2010, section 6).

    Parameters
    ----------
    max_path_length : int, default=3
        Longest relation path counted.
    estimator : classifier, default=None
        Fitted on the standardised features; ``None`` means
        ``LogisticRegression(max_iter=1000)``.
    max_path_types : int or None, default=2000
        Budget of path types. When more path types link the target's
        arguments, ``fit`` keeps the ``max_path_types`` most informative on
        a deterministic sample of the labelled atoms (absolute correlation of
        the path count with the label, then support; see
        :func:`~transferkit.relational._paths.select_path_types`), records
        them in ``path_selection_`` and logs it. ``None``: every path type
        (the cost grows with their number times the nonzeros of their
        products).
    max_nnz : int, default=50_000_000
        Memory budget: the nonzeros of one sparse path product. Above it the
        query heads are processed in smaller groups (the same features); only
        one head above it raises a ``ValueError``.
    max_constants : int, default=200
        When the target's two arguments have different types, the smaller
        type, if it has at most this many entities, gets one indicator
        feature per constant (0 turns them off).
    label_associations : bool, default=True
        When the smaller argument type is such a set of constants (Yeast's
        protein classes, Twitter's account types), add the *label
        association* features of :mod:`transferkit.relational._associations`:
        for each binary predicate on the entity argument, the sum and the
        maximum over the entity's values of each value's learnt log-odds
        association with the atom's constant ("proteins with this function
        are in this class"), cross-fitted on the training atoms. Measured on
        the transfer folds (train on one mega-example, test on the other),
        target-only: Yeast AUC-ROC / AUC-PR 0.841 / 0.025 without, 0.864 /
        0.112 with (fold 1), Twitter 0.999 / 0.925 without, 1.000 / 0.943
        with (fold 1).
    verbose : bool, default=False
        Show a tqdm bar over path types.

    Attributes
    ----------
    feature_keys_ : list of tuple
        The features (``None`` when fitted on a numeric array).
    feature_names_ : list of str
        Readable names of the features.
    scaler_ : StandardScaler
        The standardisation (fitted on ``Xt`` when given, else on ``X``).
    estimator_ : classifier
        The fitted classifier.
    classes_ : ndarray
        Class labels.
    path_selection_ : dict
        Empty when every path type was kept; else ``"n_path_types"`` (how
        many there were), ``"max_path_types"``, ``"criterion"``,
        ``"n_sampled_atoms"`` and ``"kept"`` (the names of those kept).
    n_path_types_, path_nnz_ : int
        Cost of the last featurisation: path types multiplied and the total
        nonzeros of their products.
    n_features_in_ : int
        Number of features (columns of a numeric ``X``, or of the path
        features of a ``Queries`` ``X``).

    Notes
    -----
    ``X`` is a :class:`Queries` (target atoms over a world), or a numeric 2-D
    array of precomputed features. The cost is one sparse product per path
    type over ``n_heads`` rows; the number of path types grows as the number
    of relation edges per type to the power ``max_path_length``.

    ``Xt`` (unlabelled target queries over a world with the same vocabulary)
    only sets the standardisation, a label-free adaptation; ``yt`` is not
    used.

    Examples
    --------
    >>> from transferkit.relational import (
    ...     Queries, RelationalDataset, RelationalPathClassifier)
    >>> facts = [("movie", (f"m{i // 2}", f"p{i}")) for i in range(8)]
    >>> pairs = [(f"p{i}", f"p{j}") for i in range(8) for j in range(8) if i != j]
    >>> ds = RelationalDataset.from_facts(facts, queries=[("costar", pairs[0])])
    >>> X = Queries(ds, "costar", pairs)
    >>> y = [int(int(a[1:]) // 2 == int(b[1:]) // 2) for a, b in pairs]
    >>> clf = RelationalPathClassifier(max_path_length=2).fit(X, y)
    >>> float(clf.score(X, y))
    1.0
    """

    _parameter_constraints = {
        "max_path_length": [Interval(Integral, 1, None, closed="left")],
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "max_path_types": [None, Interval(Integral, 1, None, closed="left")],
        "max_nnz": [Interval(Integral, 1, None, closed="left")],
        "max_constants": [Interval(Integral, 0, None, closed="left")],
        "label_associations": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        max_path_length=3,
        estimator=None,
        max_path_types=2000,
        max_nnz=50_000_000,
        max_constants=200,
        label_associations=True,
        verbose=False,
    ):
        self.max_path_length = max_path_length
        self.estimator = estimator
        self.max_path_types = max_path_types
        self.max_nnz = max_nnz
        self.max_constants = max_constants
        self.label_associations = label_associations
        self.verbose = verbose

    def _features(self, X, reset, y=None):
        if isinstance(X, Queries):
            if reset:
                self.path_selection_ = {}
                keys = enumerate_feature_keys(
                    X.dataset,
                    X.predicate,
                    self.max_path_length,
                    self.max_path_types,
                    self.max_constants,
                    ids=X.ids,
                    y=y,
                    report=self.path_selection_,
                )
                if self.label_associations:
                    keys += association_keys(X.dataset, X.predicate, self.max_constants)
                self.feature_keys_ = keys
                self.feature_names_ = [key_name(k) for k in self.feature_keys_]
                self.target_ = X.predicate
            elif self.feature_keys_ is None:
                raise TypeError(
                    "this RelationalPathClassifier was fitted on a numeric array; "
                    "X must be a numeric array too, not Queries"
                )
            if reset:
                F, self.associations_, stats = labelled_features(
                    X, self.feature_keys_, y, self.verbose, self.max_nnz
                )
                self.n_features_in_ = F.shape[1]
            else:
                F, stats = featurize(X, self.feature_keys_, self.verbose, self.max_nnz)
                if self.associations_ is not None:
                    cols = [
                        c for c, k in enumerate(self.feature_keys_) if k[0] == "assoc"
                    ]
                    F[:, cols] = self.associations_.transform(X)
            self.n_path_types_, self.path_nnz_ = stats["n_path_types"], stats["nnz"]
            return F
        if reset:
            self.feature_keys_ = None
            self.target_ = None
            self.associations_ = None
            self.path_selection_ = {}
        elif self.feature_keys_ is not None:
            raise TypeError(
                "this RelationalPathClassifier was fitted on Queries; X must be "
                f"a Queries object, got {type(X).__name__}"
            )
        return validate_data(self, X, reset=reset)

    def fit(self, X, y, Xt=None, yt=None):
        """Fit on labelled atoms ``X, y``.

        Parameters
        ----------
        X : Queries or array-like of shape (n_atoms, n_features)
            Target atoms over a world, or precomputed features.
        y : array-like of shape (n_atoms,)
            Labels (1 = the atom is true).
        Xt : Queries or array-like, default=None
            Unlabelled atoms whose features set the standardisation.
        yt : ignored

        Returns
        -------
        self : object
        """
        self._validate_params()
        if isinstance(X, Queries):
            y = np.asarray(y)
            if y.shape[0] != len(X):
                raise ValueError(f"X has {len(X)} atoms but y has {y.shape[0]}")
            check_classification_targets(y)
            classes = np.unique(y)
            binary = (y == classes[-1]).astype(int) if classes.size == 2 else None
            F = self._features(X, reset=True, y=binary)
        else:
            F, y = validate_data(self, X, y, reset=True)
            self.feature_keys_ = None
            self.target_ = None
            self.associations_ = None
            self.path_selection_ = {}
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if Xt is not None:
            Ft = self._features(Xt, reset=False)
        else:
            Ft = F
        self.scaler_ = StandardScaler().fit(Ft)
        est = (
            LogisticRegression(max_iter=1000)
            if self.estimator is None
            else self.estimator
        )
        self.estimator_ = clone(est).fit(self.scaler_.transform(F), y)
        return self

    def features(self, X):
        """Standardised features of ``X`` (the columns of ``feature_names_``)."""
        check_is_fitted(self, "estimator_")
        return self.scaler_.transform(self._features(X, reset=False))

    def decision_function(self, X):
        """Decision values of ``estimator_`` on ``X``'s features."""
        F = self.features(X)
        return self.estimator_.decision_function(F)

    def predict_proba(self, X):
        """Class probabilities of each atom."""
        F = self.features(X)
        return self.estimator_.predict_proba(F)

    def predict(self, X):
        """Predicted labels."""
        F = self.features(X)
        return self.estimator_.predict(F)
