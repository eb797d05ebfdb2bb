"""Linear probes on frozen backbone features: cross-validation and rules.

``finetune-images`` fits a logistic regression (a *linear probe*) on the
frozen features of each candidate backbone and decides, from a stratified
cross-validation on the training photos only, what to keep: one backbone
or the average of the probes' probabilities. The functions here work on
feature matrices (no torch), so that the command and the ``images-rules``
benchmark run the same code.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "PROBE_C_GRID",
    "ProbeCV",
    "cross_validate_probes",
    "fit_probe",
    "average_probabilities",
    "ensemble_accuracy",
    "SELECTION_RULES",
    "select_members",
]

#: Inverse regularisation strengths of the linear probe tried by the CV.
PROBE_C_GRID = (0.01, 0.1, 1.0)


def _check_features(features_by_backbone, labels):
    if not isinstance(features_by_backbone, dict) or not features_by_backbone:
        raise TypeError(
            "features_by_backbone must be a non-empty dict of backbone name to a "
            f"feature matrix, got {type(features_by_backbone).__name__}"
        )
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-d, got shape {labels.shape}")
    checked = {}
    for name, X in features_by_backbone.items():
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != labels.shape[0]:
            raise ValueError(
                f"features_by_backbone[{name!r}] must have shape (n_photos, d) "
                f"with n_photos = len(labels) = {labels.shape[0]}, got {X.shape}"
            )
        checked[name] = X
    return checked, labels


def fit_probe(X, y, C):
    """The probe: ``LogisticRegression(C=C)`` (L-BFGS) on the raw features."""
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return LogisticRegression(C=C, max_iter=2000).fit(X, y)


class ProbeCV:
    """Out-of-fold results of one backbone's probe for every ``C``.

    Attributes
    ----------
    name : str
        The backbone.
    classes : ndarray
        The sorted labels (the columns of the probabilities).
    proba : dict of float to ndarray of shape (n_photos, n_classes)
        Out-of-fold probabilities per ``C``.
    n_splits : int
        Folds used.
    """

    def __init__(self, name, classes, proba, labels, n_splits):
        self.name = name
        self.classes = classes
        self.proba = proba
        self.n_splits = n_splits
        self._index = np.searchsorted(classes, labels)

    def correct(self, C):
        """Per-photo out-of-fold correctness (0/1) of the probe with ``C``."""
        return (self.proba[C].argmax(1) == self._index).astype(float)

    def accuracy(self, C):
        return float(self.correct(C).mean())

    @property
    def best_C(self):
        """The ``C`` of highest out-of-fold accuracy, ties to the smaller."""
        return max(self.proba, key=lambda C: (self.accuracy(C), -C))


def cross_validate_probes(
    features_by_backbone, labels, C_grid=PROBE_C_GRID, cv=5, random_state=0
):
    """Out-of-fold probabilities of each backbone's probe for each ``C``.

    All backbones are cross-validated on the same stratified folds of the
    photos, so that their per-photo results can be paired and averaged.

    Parameters
    ----------
    features_by_backbone : dict of str to ndarray of shape (n_photos, d)
        Each backbone's frozen features of the same photos.
    labels : array-like of shape (n_photos,)
    C_grid : sequence of float, default=PROBE_C_GRID
    cv : int, default=5
        Stratified folds (at most the smallest class count).
    random_state : int, default=0
        Seed of the fold shuffle.

    Returns
    -------
    results : dict of str to ProbeCV
        In the order of ``features_by_backbone``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 10)
    >>> X = rng.normal(size=(20, 4)) + y[:, None]
    >>> res = cross_validate_probes({"a": X, "b": -X}, y, cv=2)
    >>> res["a"].proba[0.1].shape, res["a"].n_splits
    ((20, 2), 2)
    """
    from sklearn.model_selection import StratifiedKFold

    features, labels = _check_features(features_by_backbone, labels)
    classes, counts = np.unique(labels, return_counts=True)
    if classes.size < 2:
        raise ValueError("labels must hold at least 2 classes")
    n_splits = int(min(cv, counts.min()))
    if n_splits < 2:
        raise ValueError(
            "cross-validating the probe needs at least 2 photos per class; "
            f"the smallest class has {counts.min()}."
        )
    folds = list(
        StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(
            np.zeros(labels.shape[0]), labels
        )
    )
    results = {}
    for name, X in features.items():
        proba = {}
        for C in C_grid:
            out = np.zeros((labels.shape[0], classes.size))
            for train, test in folds:
                model = fit_probe(X[train], labels[train], C)
                columns = np.searchsorted(classes, model.classes_)
                out[np.ix_(test, columns)] = model.predict_proba(X[test])
            proba[C] = out
        results[name] = ProbeCV(name, classes, proba, labels, n_splits)
    return results


def average_probabilities(probas):
    """The mean of a list of probability matrices of the same shape."""
    return np.mean(np.stack([np.asarray(p, dtype=np.float64) for p in probas]), 0)


def _guarded(cv_results, baseline):
    from ..model_selection._guard import guarded_choice

    chosen, _ = guarded_choice(
        {name: r.correct(r.best_C) for name, r in cv_results.items()}, baseline
    )
    return [chosen]


def _best_cv(cv_results):
    return [max(cv_results, key=lambda n: cv_results[n].accuracy(cv_results[n].best_C))]


def _ensemble_correct(cv_results, names):
    r0 = cv_results[names[0]]
    mean = average_probabilities(
        [cv_results[n].proba[cv_results[n].best_C] for n in names]
    )
    return (mean.argmax(1) == r0._index).astype(float)


def ensemble_accuracy(cv_results, names=None):
    """Out-of-fold accuracy of the mean of the probes' probabilities.

    Each probe enters with its best ``C``; all were cross-validated on the
    same folds, so the average is that of out-of-fold predictions.

    Parameters
    ----------
    cv_results : dict of str to ProbeCV
    names : list of str, default=None
        The probes averaged; all when None.

    Returns
    -------
    accuracy : float
    """
    names = list(cv_results) if names is None else list(names)
    return float(_ensemble_correct(cv_results, names).mean())


def _cv_pick_with_ensemble(cv_results):
    names = list(cv_results)
    scores = {"ensemble": _ensemble_correct(cv_results, names).mean()}
    for n in names:
        scores[n] = cv_results[n].accuracy(cv_results[n].best_C)
    best = max(scores, key=scores.get)  # ties to the ensemble (listed first)
    return names if best == "ensemble" else [best]


def _top2(cv_results):
    order = sorted(
        cv_results,
        key=lambda n: -cv_results[n].accuracy(cv_results[n].best_C),
    )
    return order[:2]


def _paired_gain(a, b):
    """Mean of ``a - b`` and its standard error (paired, per photo)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return d.mean(), d.std(ddof=1) / np.sqrt(d.size)


def _ensemble_guard(cv_results):
    # the ensemble is the baseline; one backbone replaces it only when it
    # beats the ensemble's out-of-fold correctness by more than 1 SE
    names = list(cv_results)
    base = _ensemble_correct(cv_results, names)
    best = _best_cv(cv_results)[0]
    gain, se = _paired_gain(cv_results[best].correct(cv_results[best].best_C), base)
    return [best] if gain > se else names


def _pruned(cv_results):
    # drop a member that the best backbone beats by more than 1 SE
    best = _best_cv(cv_results)[0]
    top = cv_results[best].correct(cv_results[best].best_C)
    kept = []
    for n, r in cv_results.items():
        gain, se = _paired_gain(top, r.correct(r.best_C))
        if n == best or not gain > se:
            kept.append(n)
    return kept


#: How each rule maps the cross-validation results to the probes kept
#: (their probabilities are averaged; a single name is one backbone).
SELECTION_RULES = {
    "ensemble": lambda res: list(res),
    "guard_first": lambda res: _guarded(res, next(iter(res))),
    "best_cv": _best_cv,
    "cv_pick_with_ensemble": _cv_pick_with_ensemble,
    "top2_ensemble": _top2,
    "ensemble_guard": _ensemble_guard,
    "pruned_ensemble": _pruned,
}


def select_members(cv_results, rule="ensemble"):
    """The backbones whose probes a rule keeps, with their ``C``.

    Parameters
    ----------
    cv_results : dict of str to ProbeCV
        From :func:`cross_validate_probes`.
    rule : str, default="ensemble"
        A key of :data:`SELECTION_RULES`:

        - ``"ensemble"``: every backbone; the probabilities are averaged;
        - ``"guard_first"``: the first backbone unless another beats it by
          more than one standard error of the paired per-photo difference
          (the negative-transfer guard);
        - ``"best_cv"``: the backbone of highest CV accuracy;
        - ``"cv_pick_with_ensemble"``: the highest CV accuracy among the
          single backbones and the ensemble (out-of-fold probabilities
          averaged), ties to the ensemble;
        - ``"top2_ensemble"``: the two backbones of highest CV accuracy;
        - ``"ensemble_guard"``: the ensemble unless the best single backbone
          beats its out-of-fold correctness by more than one standard error;
        - ``"pruned_ensemble"``: every backbone except those the best one
          beats by more than one standard error.

    Returns
    -------
    members : list of (str, float)
        ``(backbone, C)``, each ``C`` the backbone's best by CV accuracy.
    """
    if rule not in SELECTION_RULES:
        raise ValueError(f"rule must be one of {sorted(SELECTION_RULES)}, got {rule!r}")
    names = SELECTION_RULES[rule](cv_results)
    return [(n, cv_results[n].best_C) for n in names]
