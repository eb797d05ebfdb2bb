"""Map-and-revise relational transfer."""

from __future__ import annotations

import logging
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import LabelledTargetMixin
from ..model_selection._guard import guarded_choice
from ._dataset import Queries
from ._mapping import PredicateMappingSearch, format_mapping, search_mappings
from ._model import FeatureTable, LinearRelationalModel, model_from_classifier
from ._path_classifier import (
    RelationalPathClassifier,
    feature_keys_for,
    labelled_features,
)
from ._paths import compute_features, key_name

__all__ = ["MapAndRevise", "revise_logistic"]

logger = logging.getLogger("transferkit")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def revise_logistic(
    Z, y, w0, n_prior, prior_strength=1.0, alpha=0.0, n_iter=1000, tol=1e-5
):
    """Logistic regression pulled toward ``w0`` on the first ``n_prior`` columns.

    Minimises ``sum_i logloss(y_i, b + z_i . w) + prior_strength / 2 *
    ||w[:n_prior] - w0||^2 + prior_strength / 2 * ||w[n_prior:]||^2 +
    alpha * ||w[n_prior:]||_1`` by accelerated proximal gradient (FISTA,
    Beck & Teboulle 2009, with the adaptive restart of O'Donoghue & Candès
    2015); the intercept ``b`` is free.

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float
    """
    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = Z.shape
    target = np.zeros(d)
    target[:n_prior] = w0
    L = 0.25 * _spectral_norm_sq(np.c_[Z, np.ones(n)]) + prior_strength
    step = 1.0 / L
    x = np.concatenate([target, [np.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3))]])
    v, t = x.copy(), 1.0
    l1 = np.zeros(d + 1)
    l1[n_prior:d] = alpha

    def grad(u):
        r = _sigmoid(Z @ u[:d] + u[d]) - y
        g = np.empty(d + 1)
        g[:d] = Z.T @ r + prior_strength * (u[:d] - target)
        g[d] = r.sum()
        return g

    for _ in range(n_iter):
        u = v - step * grad(v)
        x_new = np.sign(u) * np.maximum(np.abs(u) - step * l1, 0.0)
        if np.max(np.abs(x_new - x)) < tol:
            x = x_new
            break
        if np.dot(v - x_new, x_new - x) > 0:  # adaptive restart
            t = 1.0
        t_new = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        v = x_new + ((t - 1) / t_new) * (x_new - x)
        x, t = x_new, t_new
    return x[:d], float(x[d])


def _log_likelihood(y, z):
    """Per-atom log-likelihood of labels ``y`` under logits ``z``."""
    z = np.asarray(z, dtype=float)
    return -np.logaddexp(0.0, np.where(y == 1, -z, z))


def _spectral_norm_sq(A, n_iter=100):
    """Largest eigenvalue of ``A.T @ A`` by power iteration (an upper bound)."""
    v = np.ones(A.shape[1]) / np.sqrt(A.shape[1])
    lam = 0.0
    for _ in range(n_iter):
        u = A.T @ (A @ v)
        new = float(np.linalg.norm(u))
        if new == 0.0:
            return 1.0
        v = u / new
        if abs(new - lam) <= 1e-6 * new:
            lam = new
            break
        lam = new
    return 1.01 * lam  # margin for the iteration's underestimate


#: Fractions of the L1 entry value tried by ``alpha="auto"``.
_ALPHA_FACTORS = (0.01, 0.1, 0.5)


class MapAndRevise(LabelledTargetMixin, ClassifierMixin, BaseEstimator):
    """Learn a relational model in the source, map it, revise it in the target.

    1. The source model: a :class:`RelationalPathClassifier` on ``Xs, ys``.
    2. The mapping of source predicates and types onto the target vocabulary:
       :class:`PredicateMappingSearch` (``mapping="auto"``) or given.
    3. Translation: every feature (relation path, attribute) is renamed
       through the mapping and keeps its weight, on target features
       standardised on the target atoms (label-free). Without ``yt`` this is
       the zero-shot model.
    4. Revision (with ``yt``): logistic regression on the translated features
       pulled toward the translated weights, plus the target's own relation
       paths under an L1 penalty (:func:`revise_logistic`), the weight-space
       analogue of theory revision (TAMAR, Mihalkova et al. AAAI 2007;
       TreeBoostler, Azevedo Santos et al. Machine Learning 2020).
    5. Guard (``transfer="auto"``, with ``yt``): the revised transfer model and
       a target-only model are compared on held-out target atoms (two
       grouped folds when ``Xt`` has groups, else two stratified folds) with
       the library's negative-transfer rule
       (:func:`transferkit.model_selection._guard.guarded_choice`, as in
       ``FineTuner(strategy="auto")``): the transfer model is kept only when
       its mean held-out log-likelihood per atom beats target-only's by more
       than one standard error of the paired per-atom difference; the winner
       is refitted on all of ``yt``.

    Parameters
    ----------
    source_estimator : RelationalPathClassifier, default=None
        Source learner (fitted here; a fitted one is used as is).
    mapping : "auto", PredicateMappingSearch or dict, default="auto"
        How to find the mapping, or the mapping itself (see
        :attr:`PredicateMappingSearch.mapping_`).
    revise : bool, default=True
        Whether to revise on ``yt``.
    alpha : "auto" or float, default="auto"
        L1 strength on the target-only paths; ``"auto"`` chooses 0.01, 0.1 or
        0.5 times the smallest value at which none would enter, by the
        guard's held-out AUC-ROC (0.1 when there are too few labels).
    prior_strength : float, default=1.0
        Pull toward the translated weights (an L2 penalty around them).
    transfer : {"auto", "always"}, default="auto"
        ``"auto"`` falls back to target-only when it beats the transferred
        model on held-out target data.
    random_state : int, RandomState or None, default=None
        Seeds the held-out split of the guard when ``Xt`` has no groups.
    verbose : bool, default=False
        tqdm bars for path counting and the mapping search.

    Attributes
    ----------
    source_model_ : RelationalPathClassifier
    mapping_ : dict
        The mapping used; ``mapping_str_`` is its readable form.
    keys_ : list of tuple
        Features of the final model, in the target vocabulary.
    feature_names_ : list of str
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    translated_coef_ : ndarray
        The translated weights (the zero-shot model's).
    transfer_report_ : dict
        Held-out AUC of the transferred and target-only models and which was
        chosen, with the reason. When no type-consistent mapping exists
        (``mapping_ == {}``, see :class:`PredicateMappingSearch`), the model
        is learnt on the target alone (``"chosen": "target_only"``; without
        target labels, ``"base rate"``) and ``"reason"`` says why.
    alpha_factor_ : float
        With ``alpha="auto"`` and target labels: the fraction of the L1
        entry value used.
    mapping_seconds_, learning_seconds_ : float
        Time of the mapping search, and of everything else in ``fit``.
    classes_ : ndarray of shape (2,)

    Examples
    --------
    >>> from transferkit.relational import MapAndRevise, Queries, RelationalDataset
    >>> src = [("movie", (f"m{i // 3}", f"p{i}")) for i in range(9)]
    >>> src += [("boss", (f"p{i}",)) for i in range(0, 9, 3)]
    >>> tgt = [(("paper" if p == "movie" else "prof"), a) for p, a in src]
    >>> pairs = [(f"p{i}", f"p{j}") for i in range(9) for j in range(9)]
    >>> y = [int(j % 3 == 0 and i // 3 == j // 3 and i != j) for i in range(9)
    ...      for j in range(9)]
    >>> q = [("wu", a) for a, t in zip(pairs, y) if t]
    >>> Xs = Queries(RelationalDataset.from_facts(src, queries=q), "wu", pairs)
    >>> Xt = Queries(RelationalDataset.from_facts(tgt, queries=q), "wu", pairs)
    >>> model = MapAndRevise(mapping=PredicateMappingSearch(scoring="structure"))
    >>> float(model.fit(Xs, y, Xt).score(Xt, y))  # zero-shot AUC-ROC
    1.0
    """

    _parameter_constraints = {
        "source_estimator": [None, RelationalPathClassifier],
        "mapping": [StrOptions({"auto"}), PredicateMappingSearch, dict],
        "revise": ["boolean"],
        "alpha": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "prior_strength": [Interval(Real, 0, None, closed="neither")],
        "transfer": [StrOptions({"auto", "always"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        source_estimator=None,
        mapping="auto",
        revise=True,
        alpha="auto",
        prior_strength=1.0,
        transfer="auto",
        random_state=None,
        verbose=False,
    ):
        self.source_estimator = source_estimator
        self.mapping = mapping
        self.revise = revise
        self.alpha = alpha
        self.prior_strength = prior_strength
        self.transfer = transfer
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, Xt=None, yt=None):
        """Learn, map, translate and (with ``yt``) revise.

        Parameters
        ----------
        X : Queries or array-like of shape (n_source, n_features)
            Source atoms (or precomputed features: the mapping is then the
            identity on columns).
        y : array-like of shape (n_source,)
            Source labels (two classes).
        Xt : Queries or array-like, default=None
            Target atoms over the target world; ``None``: the target is the
            source.
        yt : array-like of shape (len(Xt),), default=None
            Target labels; ``None`` gives the zero-shot model.

        Returns
        -------
        self : object
        """
        import time

        self._validate_params()
        start = time.perf_counter()
        numeric = not isinstance(X, Queries)
        if numeric:
            X, y = validate_data(self, X, y, reset=True)
            if Xt is not None:
                Xt = validate_data(self, Xt, reset=False)
        else:
            y = np.asarray(y)
            if y.shape[0] != len(X):
                raise ValueError(f"X has {len(X)} atoms but y has {y.shape[0]}")
            self.n_features_in_ = X.shape[1]
        if Xt is None:
            Xt, yt = X, (y if yt is None else yt)
        elif numeric != (not isinstance(Xt, Queries)):
            raise TypeError("X and Xt must both be Queries or both numeric arrays")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.shape[0] != 2:
            raise ValueError(
                "Only binary classification is supported. MapAndRevise got y with "
                f"{self.classes_.shape[0]} classes ({self.classes_.tolist()})"
            )
        y01 = (y == self.classes_[1]).astype(int)
        yt01 = None
        if yt is not None:
            yt = np.asarray(yt)
            if yt.shape[0] != len(Xt):
                raise ValueError(
                    f"yt has {yt.shape[0]} labels for {len(Xt)} target atoms"
                )
            unseen = set(np.unique(yt).tolist()) - set(self.classes_.tolist())
            if unseen:
                raise ValueError(f"yt has labels {sorted(unseen)} absent from y")
            yt01 = (yt == self.classes_[1]).astype(int)

        if numeric:
            src = _NumericSource(X, y01)
            model = src.model
            self.mapping_ = {"target": ("y", "y", (0,)), "predicates": {}}
            self.mapping_str_ = "identity (precomputed features)"
            table_t = FeatureTable(model.keys, np.asarray(Xt, dtype=float))
            keys_target = list(model.keys)
            self.source_model_ = None
            self.associations_ = None
            self.mapping_seconds_ = 0.0
        else:
            src = self.source_estimator
            if src is None or not hasattr(src, "estimator_"):
                src = clone(src or RelationalPathClassifier()).fit(X, y01)
            self.source_model_ = src
            model = model_from_classifier(src)
            keys_target = feature_keys_for(src, Xt.dataset, Xt.predicate, Xt, yt01)
            Ft, self.associations_, _ = labelled_features(
                Xt, keys_target, yt01, self.verbose, src.max_nnz
            )
            table_t = FeatureTable(keys_target, Ft)
            t0 = time.perf_counter()
            self.mapping_ = self._find_mapping(X, y01, Xt, yt01, src, table_t)
            self.mapping_seconds_ = time.perf_counter() - t0
            self.mapping_str_ = format_mapping(self.mapping_)

        translated = model if numeric else model.translate(self.mapping_)
        self.translated_coef_ = translated.coef.copy()
        trans_keys = list(translated.keys)
        new_keys = [k for k in keys_target if k not in set(trans_keys)]

        report = {"chosen": "transfer", "reason": "no target labels: zero-shot"}
        if not numeric and not self.mapping_:
            # no type-consistent mapping: nothing of the source translates
            search = getattr(self, "mapping_search_", None) or {}
            why = search.get("mapping_report_", {}).get("reason")
            why = why or "the mapping is empty (no type-consistent mapping)"
            if yt01 is None:
                report = {
                    "chosen": "base rate",
                    "reason": f"{why}; no target labels: the model is the "
                    "source's intercept only",
                }
                keys, coef, b = [], np.zeros(0), translated.intercept
            else:
                Z = table_t.standardized(keys_target)
                keys = list(keys_target)
                coef, b = self._target_only(Z, yt01)
                report = {"chosen": "target_only", "reason": why}
        elif yt01 is None or not self.revise:
            keys, coef, b = trans_keys, translated.coef, translated.intercept
            if yt01 is not None:
                report["reason"] = "revise=False"
        else:
            Z = table_t.standardized(trans_keys + new_keys)
            groups = getattr(Xt, "groups", None)
            report = self._guard(Z, yt01, translated, len(trans_keys), groups)
            keys = trans_keys + new_keys
            if report["chosen"] == "transfer":
                coef, b = self._revise(Z, yt01, translated, len(trans_keys))
            else:
                coef, b = self._target_only(Z, yt01)
            if self.alpha == "auto":
                report["alpha_factor"] = self.alpha_factor_
        keep = np.abs(np.asarray(coef)) > 0
        self.keys_ = [k for k, m in zip(keys, keep) if m]
        self.coef_ = np.asarray(coef, dtype=float)[keep]
        self.intercept_ = float(b)
        idx = [table_t.index.get(k, -1) for k in self.keys_]
        self.mean_ = np.array([table_t.mean[j] if j >= 0 else 0.0 for j in idx])
        self.scale_ = np.array([table_t.scale[j] if j >= 0 else 1.0 for j in idx])
        self.feature_names_ = [key_name(k) for k in self.keys_]
        self.transfer_report_ = report
        self.target_ = None if numeric else Xt.predicate
        self._numeric = numeric
        self.learning_seconds_ = time.perf_counter() - start - self.mapping_seconds_
        return self

    def _find_mapping(self, X, y, Xt, yt, src, table_t):
        if isinstance(self.mapping, dict):
            self.mapping_search_ = None
            return self.mapping
        search = (
            PredicateMappingSearch(verbose=self.verbose)
            if self.mapping == "auto"
            else self.mapping
        )
        Fs, _, _ = labelled_features(X, src.feature_keys_, y, self.verbose, src.max_nnz)
        result = search_mappings(
            X,
            y,
            Xt,
            yt,
            scoring=search._scorers(),
            max_candidates=search.max_candidates,
            source_estimator=src,
            fgw_alpha=search.fgw_alpha,
            n_jobs=search.n_jobs,
            verbose=self.verbose,
            tables=(FeatureTable(src.feature_keys_, Fs), table_t),
        )
        self.mapping_search_ = result
        return result["mapping_"]

    def _lambda_max(self, Z, y, translated, n_prior):
        """Smallest L1 strength at which no target-only path enters."""
        if Z.shape[1] == n_prior:
            return 0.0
        z0 = translated.intercept + Z[:, :n_prior] @ translated.coef
        base = np.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3))
        if z0.std() < 1e-12:
            p = np.full(len(y), y.mean())
        else:
            p = _sigmoid(z0 - z0.mean() + base)
        return float(np.max(np.abs(Z[:, n_prior:].T @ (y - p))))

    def _revise(self, Z, y, translated, n_prior, factor=None):
        if self.alpha == "auto":
            factor = self.alpha_factor_ if factor is None else factor
            alpha = factor * self._lambda_max(Z, y, translated, n_prior)
        else:
            alpha = float(self.alpha)
        return revise_logistic(
            Z, y, translated.coef, n_prior, self.prior_strength, alpha
        )

    def _target_only(self, Z, y):
        return revise_logistic(Z, y, np.zeros(0), 0, self.prior_strength, 0.0)

    def _guard(self, Z, y, translated, n_prior, groups):
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import GroupKFold, StratifiedKFold

        self.alpha_factor_ = _ALPHA_FACTORS[1]
        if groups is not None and np.unique(groups).size >= 2:
            splits = list(GroupKFold(n_splits=2).split(Z, y, groups))
        elif np.bincount(y, minlength=2).min() >= 2:
            splits = list(
                StratifiedKFold(
                    n_splits=2, shuffle=True, random_state=self._seed()
                ).split(Z, y)
            )
        else:
            splits = []
        splits = [
            (tr, te)
            for tr, te in splits
            if np.unique(y[tr]).size == 2 and np.unique(y[te]).size == 2
        ]
        if not splits:
            return {
                "chosen": "transfer",
                "reason": "too few labelled target atoms to compare on held-out data",
            }
        factors = _ALPHA_FACTORS if self.alpha == "auto" else (None,)
        # out-of-fold logits of every held-out atom, per candidate
        held = np.concatenate([te for _, te in splits])
        z_t = {f: np.zeros(len(y)) for f in factors}
        z_o = np.zeros(len(y))
        for tr, te in splits:
            for f in factors:
                w, b = self._revise(Z[tr], y[tr], translated, n_prior, f)
                z_t[f][te] = Z[te] @ w + b
            w, b = self._target_only(Z[tr], y[tr])
            z_o[te] = Z[te] @ w + b

        def auc(z):
            return float(np.mean([roc_auc_score(y[te], z[te]) for _, te in splits]))

        best = max(factors, key=lambda f: (auc(z_t[f]), f is not None and -f))
        if best is not None:
            self.alpha_factor_ = best
        t, o = auc(z_t[best]), auc(z_o)
        per_atom = {
            "target_only": _log_likelihood(y[held], z_o[held]),
            "transfer": _log_likelihood(y[held], z_t[best][held]),
        }
        chosen, guard = guarded_choice(per_atom, "target_only")
        if self.transfer == "always":
            chosen, why = "transfer", "transfer='always'; "
        else:
            why = guard["reason"] + "; "
        gain = guard["candidates"]["transfer"]
        return {
            "chosen": chosen,
            "transfer_auc": t,
            "target_only_auc": o,
            "transfer_cll": float(per_atom["transfer"].mean()),
            "target_only_cll": float(per_atom["target_only"].mean()),
            "reason": (
                f"{why}held-out ({len(splits)} split(s), {held.size} atoms) "
                f"log-likelihood gain of transfer {gain['gain']:.4f} "
                f"(standard error {gain['std_error']:.4f}); AUC-ROC transfer "
                f"{t:.3f}, target-only {o:.3f}"
            ),
        }

    def _seed(self):
        from sklearn.utils import check_random_state

        if self.random_state is None or isinstance(self.random_state, Integral):
            return self.random_state
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    # -------------------------------------------------------------- predict
    def _Z(self, X):
        check_is_fitted(self, "coef_")
        if self._numeric:
            if isinstance(X, Queries):
                raise TypeError("fitted on numeric arrays; X must be numeric too")
            X = validate_data(self, X, reset=False)
            F = np.asarray(X, dtype=float)[:, [k[1] for k in self.keys_]]
        else:
            if not isinstance(X, Queries):
                raise TypeError(
                    f"X must be Queries over the target world, got {type(X).__name__}"
                )
            F, _ = compute_features(X.dataset, X.predicate, X.ids, self.keys_)
            tables = self.associations_
            cols = [c for c, k in enumerate(self.keys_) if k[0] == "assoc"]
            if cols and tables is not None:
                A = tables.transform(X)
                where = {k: c for c, k in enumerate(tables.keys)}
                for c in cols:
                    if self.keys_[c] in where:
                        F[:, c] = A[:, where[self.keys_[c]]]
        return (F - self.mean_) / self.scale_

    def decision_function(self, X):
        """Logit of the positive class."""
        Z = self._Z(X)
        return self.intercept_ + Z @ self.coef_

    def predict_proba(self, X):
        """Probabilities of the two classes."""
        p = _sigmoid(self.decision_function(X))
        return np.c_[1 - p, p]

    def predict(self, X):
        """Predicted labels."""
        check_is_fitted(self, "coef_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def score(self, X, y, sample_weight=None):
        """AUC-ROC of the predicted probabilities."""
        from sklearn.metrics import roc_auc_score

        y = np.asarray(y)
        return float(
            roc_auc_score(
                y == self.classes_[1],
                self.decision_function(X),
                sample_weight=sample_weight,
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


class _NumericSource:
    """A standardised logistic regression on numeric columns (the checks' path)."""

    def __init__(self, X, y):
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=float)
        keys = [("x", j) for j in range(X.shape[1])]
        table = FeatureTable(keys, X)
        lr = LogisticRegression(max_iter=1000).fit(table.standardized(keys), y)
        self.model = LinearRelationalModel(keys, lr.coef_[0], lr.intercept_[0])
