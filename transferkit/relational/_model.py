"""A linear model over relational feature keys, and its translation by a mapping."""

from __future__ import annotations

import numpy as np

from ._paths import translate_key

__all__ = ["LinearRelationalModel", "FeatureTable"]


class FeatureTable:
    """Features of every key of one query set, computed once, looked up by key.

    Standardisation uses this query set's own statistics (a label-free,
    per-domain standardisation): a translated model is applied to target
    features standardised on the target queries.
    """

    def __init__(self, keys, F):
        self.keys = list(keys)
        self.index = {k: c for c, k in enumerate(self.keys)}
        self.F = F
        self.mean = F.mean(axis=0) if F.shape[0] else np.zeros(F.shape[1])
        scale = F.std(axis=0) if F.shape[0] else np.ones(F.shape[1])
        self.scale = np.where(scale > 1e-12, scale, 1.0)
        self.nonzero = (F != 0).mean(axis=0) if F.shape[0] else np.zeros(F.shape[1])

        self._Z = {}

    def _z(self, rows):
        key = None if rows is None else (len(rows), hash(np.asarray(rows).tobytes()))
        if key not in self._Z:
            F = self.F if rows is None else self.F[rows]
            self._Z = {key: (F - self.mean) / self.scale}
        return self._Z[key]

    def standardized(self, keys, rows=None):
        """Standardised columns for ``keys`` (zeros for keys not in the table)."""
        Z = self._z(rows)
        idx = np.array([self.index.get(k, -1) for k in keys], dtype=np.int64)
        out = np.zeros((Z.shape[0], len(keys)))
        present = idx >= 0
        out[:, present] = Z[:, idx[present]]
        return out

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_Z"] = {}
        return state


class LinearRelationalModel:
    """``logit = intercept + sum_f coef_f * z_f`` over feature keys ``f``."""

    def __init__(self, keys, coef, intercept):
        self.keys = list(keys)
        self.coef = np.asarray(coef, dtype=float)
        self.intercept = float(intercept)

    def importance(self):
        """``{predicate: sum of |coef| of the features that use it}``."""
        out = {}
        for k, w in zip(self.keys, self.coef):
            for pred in _predicates_of(k):
                out[pred] = out.get(pred, 0.0) + abs(w)
        return out

    def translate(self, mapping):
        """The model in the target vocabulary; unmapped features are dropped."""
        keys, coef = [], []
        for k, w in zip(self.keys, self.coef):
            t = translate_key(k, mapping)
            if t is not None:
                keys.append(t)
                coef.append(w)
        return LinearRelationalModel(keys, coef, self.intercept)

    def decision(self, table, rows=None):
        """Logits on the queries of ``table``."""
        return self.intercept + table.standardized(self.keys, rows) @ self.coef


def _predicates_of(key):
    if key[0] in ("attr", "assoc"):
        return [key[2]]
    if key[0] == "path":
        return sorted({e[0] for e in key[1]})
    return []


def model_from_classifier(clf):
    """A :class:`LinearRelationalModel` from a fitted RelationalPathClassifier.

    The classifier's standardisation is folded back into per-key weights on
    the per-domain standardised features (they coincide on the source).
    """
    est = clf.estimator_
    if not hasattr(est, "coef_") or est.coef_.shape[0] != 1:
        raise TypeError(
            "the source estimator must be a binary linear classifier with coef_ "
            f"(got {type(est).__name__}); translation moves linear weights"
        )
    return LinearRelationalModel(
        clf.feature_keys_, est.coef_[0], float(np.ravel(est.intercept_)[0])
    )
