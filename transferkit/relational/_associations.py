"""Label associations through named values: a learnt, per-constant relational feature.

When the target ``t(a, c)`` links an entity ``a`` (a protein, an account) to one
of a handful of constants ``c`` (a protein class, an account type), the
relation paths between ``a`` and ``c`` go through the target predicate itself:
``function(a, f), function(a', f), t(a', c)``, "proteins that share a function
with ``a`` are in class ``c``". Relational learners with constants learn such
clauses (BoostSRL's ``#`` modes); here they are a feature whose value is
learnt from the labelled atoms:

- for every other binary predicate ``r`` with a slot of ``a``'s type, the
  *association* of each value ``v`` (the entity in ``r``'s other slot) with
  each constant ``c`` is the smoothed log-odds ratio of ``t(a', c)`` among
  the labelled atoms whose entity ``a'`` has ``r(a', v)``, against the base
  rate (an m-estimate with ``m = 2``: a value seen on no labelled atom has
  association 0);
- the features of an atom ``t(a, c)`` are the sum and the maximum of the
  associations with ``c`` of the values of ``a``
  (key ``("assoc", k, r, i, "sum" | "max")``, ``k`` the entity argument, ``i``
  its slot in ``r``).

Values and constants are matched by *name*, so the learnt associations carry
over from the training world to another world of the same domain (the
function ids and protein classes of Yeast are shared between
mega-examples), never through a predicate mapping (a mapping moves the
feature's weight, the target's labels give its values).

Labels of an atom must not feed its own feature: on the labelled atoms the
features are cross-fitted (five folds grouped by the entity argument, the
values of each fold's atoms from the associations of the other folds).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import GroupKFold

__all__ = ["association_keys", "AssociationTables", "cross_fitted_associations"]

_SMOOTHING = 2.0
_N_FOLDS = 5


def association_layout(dataset, target, max_constants):
    """``(entity argument, constant argument)`` of ``target``, or None.

    The constant argument is the smaller of two different argument types when
    it has at most ``max_constants`` entities (as for the per-constant
    indicators of :mod:`transferkit.relational._paths`).
    """
    sig = dataset.signature(target)
    if len(sig) != 2 or sig[0] == sig[1]:
        return None
    k = int(dataset.n_entities(sig[1]) < dataset.n_entities(sig[0]))
    if not 0 < dataset.n_entities(sig[k]) <= max_constants:
        return None
    return 1 - k, k


def association_keys(dataset, target, max_constants):
    """Association feature keys of ``target`` atoms (empty when none apply)."""
    layout = association_layout(dataset, target, max_constants)
    if layout is None:
        return []
    e, _ = layout
    t_e = dataset.signature(target)[e]
    keys = []
    for pred in dataset.predicates:
        if pred == target or dataset.arity(pred) != 2:
            continue
        for i, ti in enumerate(dataset.signature(pred)):
            if ti == t_e:
                keys += [("assoc", e, pred, i, "sum"), ("assoc", e, pred, i, "max")]
    return keys


def _value_matrix(dataset, pred, i, entity_ids):
    """Binary (atoms x values of ``pred``'s other slot) incidence, and value names."""
    j = 1 - i
    names = dataset.entities[dataset.signature(pred)[j]]
    valid = entity_ids >= 0
    A = dataset.adjacency(pred, i, j)
    P = sp.diags(valid.astype(float)) @ A[np.where(valid, entity_ids, 0)]
    P = sp.csr_matrix(P)
    P.eliminate_zeros()
    P.data[:] = 1.0
    return P, names


def _row_max(M):
    """Per-row maximum over the stored entries (0 for an empty row)."""
    M = M.tocsr()
    out = np.zeros(M.shape[0])
    nonempty = np.diff(M.indptr) > 0
    if M.nnz:
        starts = M.indptr[:-1][nonempty]
        out[nonempty] = np.maximum.reduceat(M.data, starts)
    return out


class AssociationTables:
    """Associations of values with constants, learnt from labelled atoms.

    Parameters
    ----------
    keys : list of tuple
        Association keys (:func:`association_keys`).
    """

    def __init__(self, keys):
        self.keys = list(keys)
        self.tables = {}
        self.base_rate = 0.5

    def _inputs(self, X, key):
        _, e, pred, i, _ = key
        ds = X.dataset
        k = 1 - e
        if (
            pred not in ds.facts
            or ds.signature(pred)[i] != ds.signature(X.predicate)[e]
        ):
            return None
        P, names = _value_matrix(ds, pred, i, X.ids[:, e])
        const_names = ds.entities[ds.signature(X.predicate)[k]]
        consts = [const_names[c] if c >= 0 else None for c in X.ids[:, k]]
        return P, names, consts

    def fit(self, X, y, rows=None):
        """Learn the associations from atoms ``X[rows]`` with labels ``y``.

        Returns
        -------
        self : AssociationTables
        """
        y = np.asarray(y, dtype=float)
        rows = np.arange(len(y)) if rows is None else np.asarray(rows)
        pi = float(np.clip(y[rows].mean(), 1e-6, 1 - 1e-6)) if rows.size else 0.5
        self.base_rate = pi
        self.tables = {}
        for key in self.keys:
            if key[4] != "sum" or (key[:4] in self.tables):
                continue
            got = self._inputs(X, key)
            if got is None:
                continue
            P, names, consts = got
            P = P[rows]
            c_names = sorted({c for c in np.asarray(consts, dtype=object)[rows] if c})
            c_index = {c: m for m, c in enumerate(c_names)}
            cq = np.array([c_index.get(consts[r], -1) for r in rows])
            ok = cq >= 0
            C = sp.csr_matrix(
                (np.ones(ok.sum()), (np.flatnonzero(ok), cq[ok])),
                shape=(len(rows), len(c_names)),
            )
            n = np.asarray((P.T @ C).todense())
            n_pos = np.asarray((P.T @ C.multiply(y[rows][:, None])).todense())
            m = _SMOOTHING
            assoc = np.log((n_pos + m * pi) / (n - n_pos + m * (1 - pi))) - np.log(
                pi / (1 - pi)
            )
            assoc[n == 0] = 0.0
            vi, ci = np.nonzero(assoc)
            self.tables[key[:4]] = {
                (names[v], c_names[c]): float(assoc[v, c]) for v, c in zip(vi, ci)
            }
        return self

    def transform(self, X):
        """Association features of every atom of ``X`` (columns of ``keys``)."""
        F = np.zeros((len(X), len(self.keys)))
        for col, key in enumerate(self.keys):
            table = self.tables.get(key[:4])
            if not table:
                continue
            got = self._inputs(X, key)
            if got is None:
                continue
            P, names, consts = got
            P = P.tocoo()
            v_index = {v: m for m, v in enumerate(names)}
            c_names = sorted({c for c in consts if c is not None})
            c_index = {c: m for m, c in enumerate(c_names)}
            E = np.zeros((len(names), len(c_names) + 1))  # last column: unknown
            for (v, c), a in table.items():
                if v in v_index and c in c_index:
                    E[v_index[v], c_index[c]] = a
            cq = np.array([c_index.get(c, len(c_names)) for c in consts])
            values = E[P.col, cq[P.row]] if P.nnz else np.zeros(0)
            M = sp.csr_matrix((values, (P.row, P.col)), shape=P.shape)
            if key[4] == "sum":
                F[:, col] = np.asarray(M.sum(axis=1)).ravel()
            else:
                F[:, col] = _row_max(M)
        return F


def cross_fitted_associations(keys, X, y, n_labelled=None):
    """Association features of ``X`` with labels ``y`` of its first atoms.

    The first ``n_labelled`` atoms (all, by default) get cross-fitted values
    (folds grouped by the entity argument); the other atoms get the values of
    the associations learnt on all labelled atoms.

    Returns
    -------
    F : ndarray of shape (len(X), len(keys))
    tables : AssociationTables
        Learnt on all labelled atoms (for new atoms).
    """
    y = np.asarray(y)
    n_lab = len(y) if n_labelled is None else n_labelled
    tables = AssociationTables(keys)
    F = np.zeros((len(X), len(keys)))
    if not keys or n_lab == 0:
        return F, tables
    e = keys[0][1]
    groups = X.ids[:n_lab, e]
    n_groups = np.unique(groups).size
    if n_groups >= 2:
        folds = GroupKFold(n_splits=min(_N_FOLDS, n_groups))
        for tr, te in folds.split(np.zeros(n_lab), y, groups):
            part = AssociationTables(keys).fit(X, y, tr)
            F[te] = part.transform(X.take(te))
    tables.fit(X, y, np.arange(n_lab))
    if n_lab < len(X):
        rest = np.arange(n_lab, len(X))
        F[rest] = tables.transform(X.take(rest))
    return F, tables
