"""Feature augmentation ("frustratingly easy domain adaptation")."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.utils import TransformerTags, get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import LabelledTargetMixin

__all__ = ["FeatureAugmentation", "augment_features"]

_DOMAINS = ("source", "target", "general")


def augment_features(X, domain):
    """Daumé's augmented representation of ``X`` for one domain.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Samples, already validated.
    domain : {"source", "target", "general"}
        ``"source"`` gives ``[x, x, 0]``, ``"target"`` gives ``[x, 0, x]``,
        ``"general"`` gives ``[x, 0, 0]`` (the shared block only).

    Returns
    -------
    X_aug : {ndarray, sparse matrix} of shape (n_samples, 3 * n_features)
        Sparse (CSR) when ``X`` is sparse.
    """
    if domain not in _DOMAINS:
        raise ValueError(f"domain must be one of {_DOMAINS}, got {domain!r}.")
    blocks = [X, X if domain == "source" else None, X if domain == "target" else None]
    if sp.issparse(X):
        empty = sp.csr_matrix(X.shape, dtype=X.dtype)
        return sp.hstack([b if b is not None else empty for b in blocks], format="csr")
    zeros = np.zeros_like(X)
    return np.hstack([b if b is not None else zeros for b in blocks])


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._base_estimator(), attr)

    return check


class FeatureAugmentation(LabelledTargetMixin, MetaEstimatorMixin, BaseEstimator):
    """Feature augmentation: one model on shared, source-only and target-only copies.

    Each feature is copied three times: a *general* copy shared by both
    domains and one copy per domain, so source samples become ``[x, x, 0]``
    and target samples ``[x, 0, x]``. A single ``estimator`` trained on the
    augmented labelled source *and* labelled target rows learns which
    weights to share (general block) and which to specialise (domain
    blocks); the usual regulariser decides the trade-off. Predictions are
    made for target-domain samples, ``[x, 0, x]``.

    This is a meta-estimator (a classifier or regressor, as its
    ``estimator`` is): put it *last* in a pipeline, e.g.
    ``make_transfer_pipeline(StandardScaler(), FeatureAugmentation(LinearSVC()))``,
    and fit with ``fit(Xs, ys, Xt=Xt, yt=yt)`` (see Notes for why it cannot
    be a step *before* the classifier).

    Parameters
    ----------
    estimator : estimator object, default=None
        The model trained on the augmented rows; ``None`` means
        ``LogisticRegression()``. Any classifier or regressor works, including
        ones that take sparse input (the augmentation keeps sparsity).

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``, which expects ``3 * n_features_in_``
        features.
    classes_ : ndarray of shape (n_classes,)
        Class labels, when the estimator is a classifier.
    n_features_in_ : int
        Number of features seen in fit (before augmentation).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when ``X`` has string column names.

    Notes
    -----
    *Why a meta-estimator and not a transformer step.* The classifier must be
    trained on the augmented source rows *and* the labelled target rows
    together, but a pipeline step's ``fit_transform`` can only return rows
    for ``X`` (the source), and the final step always receives the source
    labels ``y`` alone. A transformer followed by, say, ``LinearSVC`` would
    train on source rows only, so the target block would never receive a
    weight and the model would reduce to a source-only one. Hence:

    - ``make_transfer_pipeline(..., FeatureAugmentation(LinearSVC()))`` is the
      supported form. The pipeline routes ``Xt`` (transformed by the earlier
      steps) and ``yt`` to it.
    - ``transform(X, domain="target")`` gives the augmented features for use
      outside a pipeline (``domain="source"`` for source rows), e.g. to train
      a model by hand on ``vstack([transform(Xs, "source"), transform(Xt)])``.
    - ``fit_transform`` with target data raises a ``TypeError`` that says
      this, so ``make_transfer_pipeline(FeatureAugmentation(), LinearSVC())``
      fails loudly instead of silently ignoring ``yt``.

    *Without target data* (``Xt=None``: the target is the source), the
    estimator is trained on the target-augmented rows ``[x, 0, x]`` of ``X``
    alone. Several target domains given as a tuple are stacked into one
    target domain (one target block, not one block per domain).

    References
    ----------
    .. [1] H. Daumé III. "Frustratingly Easy Domain Adaptation". ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import LinearSVC
    >>> from transferkit.feature import FeatureAugmentation
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(200, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.normal(size=(20, 2)); yt = (Xt[:, 1] > 0).astype(int)
    >>> fa = FeatureAugmentation(LinearSVC()).fit(Xs, ys, Xt=Xt, yt=yt)
    >>> fa.transform(Xt[:1]).shape
    (1, 6)
    >>> fa.predict(Xt).shape
    (20,)
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict"])],
    }

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def fit(self, X, y, Xt=None, yt=None):
        """Fit the estimator on augmented source and labelled target rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_source, n_features)
            Source features.
        y : array-like of shape (n_source,)
            Source labels.
        Xt : {array-like, sparse matrix} of shape (n_target, n_features), \
or tuple of arrays, default=None
            Labelled target features. ``None``: the target is the source.
        yt : array-like of shape (n_target,), default=None
            Target labels; required when ``Xt`` is given.

        Returns
        -------
        self : FeatureAugmentation
            The fitted estimator.
        """
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        data = self._check_source_target(
            X,
            y,
            Xt,
            yt,
            require_y=True,
            require_yt=True,
            accept_sparse=["csr", "csc"],
        )
        if data.no_shift:
            X_train, y_train = augment_features(data.X, "target"), data.y
        else:
            source = augment_features(data.X, "source")
            target = augment_features(data.Xt, "target")
            if sp.issparse(source) or sp.issparse(target):
                X_train = sp.vstack([source, target], format="csr")
            else:
                X_train = np.vstack([source, target])
            y_train = np.concatenate([np.asarray(data.y), np.asarray(data.yt)])
        if is_classifier(self._base_estimator()):
            check_classification_targets(y_train)
            classes = np.unique(y_train)
            if classes.size < 2:
                raise ValueError(
                    f"y and yt together contain 1 class ({classes.tolist()}); "
                    "FeatureAugmentation's classifier needs at least 2 classes."
                )
        self.estimator_ = clone(self._base_estimator()).fit(X_train, y_train)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def fit_transform(self, X, y=None, Xt=None, yt=None):
        """Fit on ``X`` alone and return its target-domain augmentation.

        Only meaningful without target data: a transformer step can hand only
        the source rows to the next step, which would then never learn the
        target block. With ``Xt`` this raises a ``TypeError``; put
        ``FeatureAugmentation(estimator)`` last in the pipeline instead.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            Labels.
        Xt, yt : None
            Must be None.

        Returns
        -------
        X_aug : {ndarray, sparse matrix} of shape (n_samples, 3 * n_features)
            ``transform(X)`` after ``fit(X, y)``.
        """
        if Xt is not None or yt is not None:
            raise TypeError(
                "FeatureAugmentation cannot be an intermediate pipeline step: "
                "its classifier must train on the augmented source AND the "
                "labelled target rows, but a step passes only source rows on. "
                "Use it as the last step, wrapping the classifier: "
                "make_transfer_pipeline(..., FeatureAugmentation(LinearSVC()))"
                ".fit(Xs, ys, Xt=Xt, yt=yt); or call "
                "transform(X, domain='source'|'target') yourself."
            )
        return self.fit(X, y).transform(X)

    def transform(self, X, domain="target"):
        """Augmented features of samples from ``domain``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        domain : {"target", "source", "general"}, default="target"
            ``"target"``: ``[x, 0, x]``; ``"source"``: ``[x, x, 0]``;
            ``"general"``: ``[x, 0, 0]`` (shared weights only).

        Returns
        -------
        X_aug : {ndarray, sparse matrix} of shape (n_samples, 3 * n_features)
            Augmented samples, in the dtype of ``X``.
        """
        check_is_fitted(self)
        if domain not in _DOMAINS:
            raise ValueError(f"domain must be one of {_DOMAINS}, got {domain!r}.")
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        return augment_features(X, domain)

    def predict(self, X):
        """Predict for target-domain samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The estimator's predictions on ``[x, 0, x]``.
        """
        X_aug = self.transform(X)
        return self.estimator_.predict(X_aug)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities for target-domain samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The estimator's ``predict_proba`` on ``[x, 0, x]``.
        """
        X_aug = self.transform(X)
        return self.estimator_.predict_proba(X_aug)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function for target-domain samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's ``decision_function`` on ``[x, 0, x]``.
        """
        X_aug = self.transform(X)
        return self.estimator_.decision_function(X_aug)

    def score(self, X, y, sample_weight=None):
        """The estimator's score on target-domain samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Target-domain samples.
        y : array-like of shape (n_samples,)
            True labels or values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy for a classifier, R² for a regressor (whatever the
            estimator's ``score`` returns).
        """
        X_aug = self.transform(X)
        return self.estimator_.score(X_aug, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = True
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64", "float32"])
        return tags
