"""Typed relation paths between the two arguments of a target atom.

A *relation edge* is ``(predicate, i, j)``: follow a fact of ``predicate`` from
its argument ``i`` to its argument ``j`` (``i != j``); it goes from the type of
slot ``i`` to the type of slot ``j``. A *path type* is a sequence of edges whose
types chain, starting at the type of the target's first argument and ending at
the type of its second. Its count for an atom ``t(a, b)`` is the number of
fact sequences that walk from ``a`` to ``b`` along it: the ``(a, b)`` entry of
the product of the edges' sparse adjacency matrices. Only the rows of the
query heads are ever multiplied (``A1[heads] @ A2 @ ...``), with shared
prefixes computed once, so no dense entity x entity matrix is formed.

Feature keys (tuples, so that a mapping can translate them):

- ``("path", edges)``: ``log1p`` of the path count;
- ``("attr", k, predicate, i)``: ``log1p`` of the number of facts of
  ``predicate`` whose argument ``i`` is the atom's argument ``k`` (for a unary
  predicate: the attribute itself; for a binary one: a degree);
- ``("type", k)``: 1 when argument ``k`` is an entity of the slot's type (the
  published folds hold negatives whose argument has another type);
- ``("same",)``: 1 when both arguments are the same entity;
- ``("const", k, name)``: 1 when argument ``k`` is the constant ``name``; only
  for the smaller of two different argument types, when it has at most
  ``max_constants`` entities (a prior per value: which account type, which
  protein class). Constants are matched by name, so they carry over between
  worlds of one domain, never through a mapping;
- ``("assoc", k, predicate, i, "sum" | "max")``: the label associations of
  :mod:`transferkit.relational._associations`, learnt from labelled atoms
  (this module leaves them at 0).
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger("transferkit")

__all__ = ["relation_edges", "enumerate_feature_keys", "compute_features"]


def relation_edges(dataset, target):
    """All edges ``(predicate, i, j)`` of ``dataset``, the target excluded."""
    edges = []
    for pred in dataset.predicates:
        if pred == target:
            continue
        n = dataset.arity(pred)
        for i in range(n):
            for j in range(n):
                if i != j:
                    edges.append((pred, i, j))
    return edges


def _edge_types(dataset, edge):
    sig = dataset.signature(edge[0])
    return sig[edge[1]], sig[edge[2]]


def enumerate_paths(dataset, target, max_path_length):
    """Path types from the target's first-argument type to its second's.

    Returns
    -------
    paths : list of tuple of edges, sorted by length then name.
    """
    sig = dataset.signature(target)
    if len(sig) != 2:
        return []
    start, end = sig
    edges = relation_edges(dataset, target)
    by_head = {}
    for e in edges:
        by_head.setdefault(_edge_types(dataset, e)[0], []).append(e)
    out = []
    frontier = [((), start)]
    for _ in range(max_path_length):
        nxt = []
        for path, t in frontier:
            for e in by_head.get(t, ()):
                tail = _edge_types(dataset, e)[1]
                new = path + (e,)
                nxt.append((new, tail))
                if tail == end:
                    out.append(new)
        frontier = nxt
    return sorted(out, key=lambda p: (len(p), p))


def _sample_rows(y, n, size):
    """Evenly spaced rows, per class when ``y`` is given (deterministic)."""
    if n <= size:
        return np.arange(n)
    if y is None:
        return np.unique(np.linspace(0, n - 1, size).round().astype(np.int64))
    out = []
    classes = np.unique(y)
    for c in classes:
        rows = np.flatnonzero(y == c)
        k = min(rows.size, max(size // classes.size, 1))
        out.append(rows[np.linspace(0, rows.size - 1, k).round().astype(np.int64)])
    return np.unique(np.concatenate(out))


def select_path_types(
    dataset, target, paths, budget, ids=None, y=None, sample_size=2000
):
    """The ``budget`` most informative of ``paths``, and how they were chosen.

    Each path type is counted on a sample of at most ``sample_size`` atoms
    (evenly spaced within each class, so the choice is deterministic). With
    labels ``y`` (0/1, one per row of ``ids``) a path type scores the
    absolute correlation of its ``log1p`` count with the label (a path that
    separates true from false atoms); ties, and the scores without labels,
    go to the support (the fraction of sampled atoms the path reaches), then
    to the shorter path. Without atoms (``ids=None``) the shortest path types
    are kept, in the order of :func:`enumerate_paths`.

    Returns
    -------
    kept : list of path types, in the order of ``paths``
    report : dict
        ``"n_path_types"``, ``"max_path_types"``, ``"criterion"``,
        ``"n_sampled_atoms"`` and ``"kept"`` (the readable names).
    """
    paths = list(paths)
    report = {
        "n_path_types": len(paths),
        "max_path_types": budget,
        "n_sampled_atoms": 0,
    }
    if ids is None or len(ids) == 0:
        chosen = list(range(budget))
        report["criterion"] = "shortest (no atoms to count on)"
    else:
        ids = np.asarray(ids, dtype=np.int64)
        y = None if y is None else np.asarray(y).astype(float)
        if y is not None and np.unique(y).size < 2:
            y = None
        rows = _sample_rows(None if y is None else y, ids.shape[0], sample_size)
        keys = [("path", p) for p in paths]
        F, _ = compute_features(dataset, target, ids[rows], keys)
        support = (F > 0).mean(axis=0)
        if y is None:
            score = np.zeros(len(paths))
            report["criterion"] = "support on the atoms (no labels)"
        else:
            yy = y[rows] - y[rows].mean()
            Fc = F - F.mean(axis=0)
            den = np.sqrt((Fc**2).sum(axis=0) * (yy**2).sum())
            with np.errstate(invalid="ignore", divide="ignore"):
                score = np.where(den > 0, np.abs(Fc.T @ yy) / den, 0.0)
            report["criterion"] = "absolute correlation with the labels, then support"
        length = np.array([len(p) for p in paths])
        order = np.lexsort((length, -support, -np.round(score, 12)))
        chosen = sorted(order[:budget].tolist())
        report["n_sampled_atoms"] = int(rows.size)
    kept = [paths[c] for c in chosen]
    report["kept"] = [key_name(("path", p)) for p in kept]
    return kept, report


def enumerate_feature_keys(
    dataset,
    target,
    max_path_length=3,
    max_path_types=2000,
    max_constants=0,
    ids=None,
    y=None,
    report=None,
):
    """Feature keys for ``target`` atoms over ``dataset`` (see module notes).

    When more than ``max_path_types`` path types link the target's
    arguments, the ``max_path_types`` most informative ones on the atoms
    ``ids`` (labels ``y``) are kept, see :func:`select_path_types`;
    ``max_path_types=None`` keeps them all. ``report``, a dict, receives the
    selection (empty when nothing was dropped).
    """
    sig = dataset.signature(target)
    keys = []
    for k, t in enumerate(sig):
        keys.append(("type", k))
        for pred in dataset.predicates:
            if pred == target:
                continue
            for i, ti in enumerate(dataset.signature(pred)):
                if ti == t:
                    keys.append(("attr", k, pred, i))
    if len(sig) == 2 and sig[0] == sig[1]:
        keys.append(("same",))
    if len(sig) == 2 and sig[0] != sig[1]:
        # the smaller argument type, when it is a handful of constants
        # (Twitter's account types, Yeast's protein classes): one indicator
        # per constant, a per-value prior that no mapping translates
        k = int(dataset.n_entities(sig[1]) < dataset.n_entities(sig[0]))
        if 0 < dataset.n_entities(sig[k]) <= max_constants:
            names = sorted(dataset.entities[sig[k]])
            keys += [("const", k, name) for name in names]
    paths = enumerate_paths(dataset, target, max_path_length)
    if max_path_types is not None and len(paths) > max_path_types:
        paths, chosen = select_path_types(
            dataset, target, paths, max_path_types, ids, y
        )
        logger.info(
            "%d relation path types of length <= %d link the arguments of %r, "
            "above max_path_types=%d: kept the %d chosen by %s on %d atoms",
            chosen["n_path_types"],
            max_path_length,
            target,
            max_path_types,
            len(paths),
            chosen["criterion"],
            chosen["n_sampled_atoms"],
        )
        if report is not None:
            report.update(chosen)
    keys += [("path", p) for p in paths]
    return keys


def compute_features(dataset, target, ids, keys, max_nnz=50_000_000, progress=None):
    """The feature matrix of atoms ``ids`` for ``keys``.

    Parameters
    ----------
    dataset : RelationalDataset
    target : str
    ids : ndarray of shape (n_atoms, arity)
        Per-type entity ids (``-1``: not an entity of the slot's type).
    keys : list of tuple
        Feature keys; keys naming predicates absent from ``dataset`` give 0.
    max_nnz : int
        Memory budget: the nonzeros of one prefix product. A product above
        it is recomputed for half of the query heads at a time (the same
        counts); only a single head above it raises ``ValueError``.
    progress : callable, optional
        Called once per path type (a tqdm ``update``).

    Returns
    -------
    F : ndarray of shape (n_atoms, len(keys))
    stats : dict
        ``"n_path_types"``, ``"nnz"`` (total nonzeros of the products) and
        ``"n_blocks"`` (how many groups of query heads ``max_nnz`` needed).
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = ids.shape[0]
    F = np.zeros((n, len(keys)))
    stats = {"n_path_types": 0, "nnz": 0, "n_blocks": 0}
    known = set(dataset.signatures)
    valid = ids >= 0
    path_cols = {}
    for c, key in enumerate(keys):
        kind = key[0]
        if kind == "type":
            F[:, c] = valid[:, key[1]]
        elif kind == "same":
            F[:, c] = valid[:, 0] & valid[:, 1] & (ids[:, 0] == ids[:, 1])
        elif kind == "attr":
            _, k, pred, i = key
            if pred not in known or pred not in dataset.facts:
                continue
            if dataset.signature(pred)[i] != dataset.signature(target)[k]:
                continue
            counts = dataset.attribute(pred, i)
            rows = valid[:, k]
            F[rows, c] = np.log1p(counts[ids[rows, k]])
        elif kind == "path":
            path_cols[key[1]] = c
        elif kind == "const":
            _, k, name = key
            e = dataset.entity_id(dataset.signature(target)[k], name)
            if e >= 0:
                F[:, c] = valid[:, k] & (ids[:, k] == e)
    if not path_cols:
        return F, stats
    rows = np.flatnonzero(valid[:, 0] & valid[:, 1])
    order = sorted(path_cols, key=lambda p: (len(p), p))
    blocks = [rows]
    while blocks:
        block = blocks.pop()
        try:
            values = _path_block(
                dataset, target, ids[block], order, max_nnz, stats, progress
            )
        except _TooDense as exc:
            heads = np.unique(ids[block, 0])
            if heads.size < 2:
                raise ValueError(
                    f"the relation path {exc.path} has {exc.nnz} nonzeros for "
                    f"one query head, above max_nnz={max_nnz}: lower "
                    "max_path_length or raise max_nnz."
                ) from None
            # fewer heads at a time: the same counts, less memory
            half = np.isin(ids[block, 0], heads[: heads.size // 2])
            blocks += [block[~half], block[half]]
            progress = None  # the bar counted the first attempt only
            continue
        stats["n_blocks"] += 1
        for c, path in enumerate(order):
            F[block, path_cols[path]] = values[:, c]
    return F, stats


class _TooDense(Exception):
    def __init__(self, path, nnz):
        super().__init__(path, nnz)
        self.path, self.nnz = path, nnz


def _path_block(dataset, target, ids, order, max_nnz, stats, progress):
    """``log1p`` path counts of the atoms ``ids`` (both arguments valid)."""
    known = set(dataset.signatures)
    out = np.zeros((ids.shape[0], len(order)))
    heads, head_row = np.unique(ids[:, 0], return_inverse=True)
    tails = ids[:, 1]
    sig = dataset.signature(target)
    start = sp.csr_matrix(
        (np.ones(len(heads)), (np.arange(len(heads)), heads)),
        shape=(len(heads), dataset.n_entities(sig[0])),
    )
    cache = {(): start}

    def product(path):
        if path in cache:
            return cache[path]
        prev = product(path[:-1])
        if prev is None:
            cache[path] = None
            return None
        pred, i, j = path[-1]
        if pred not in known or pred not in dataset.facts:
            cache[path] = None
            return None
        A = dataset.adjacency(pred, i, j)
        if prev.shape[1] != A.shape[0]:
            cache[path] = None
            return None
        prod = (prev @ A).tocsr()
        if prod.nnz > max_nnz:
            raise _TooDense(path, int(prod.nnz))
        nnz[0] += int(prod.nnz)
        cache[path] = prod
        return prod

    nnz = [0]
    for c, path in enumerate(order):
        M = product(path)
        if progress is not None:
            progress(1)
        if M is None or M.shape[1] != dataset.n_entities(sig[1]) or not len(heads):
            continue
        out[:, c] = np.log1p(np.asarray(M[head_row, tails]).ravel())
    stats["n_path_types"] = len(order)
    stats["nnz"] += nnz[0]
    return out


def translate_key(key, mapping):
    """Translate a feature key through ``mapping`` (None when unmapped).

    ``mapping`` is ``{"predicates": {src: (tgt, perm)}, "target_perm": perm}``;
    ``perm[i]`` is the target argument that source argument ``i`` becomes.
    """
    if not mapping:  # no mapping exists: nothing translates
        return None
    preds = mapping["predicates"]
    tperm = mapping.get("target_perm", (0, 1))
    kind = key[0]
    if kind in ("type",):
        return ("type", tperm[key[1]]) if key[1] < len(tperm) else key
    if kind == "same":
        return key
    if kind == "attr":
        _, k, pred, i = key
        if pred not in preds:
            return None
        tgt, perm = preds[pred]
        return ("attr", tperm[k], tgt, perm[i])
    if kind == "path":
        new = []
        for pred, i, j in key[1]:
            if pred not in preds:
                return None
            tgt, perm = preds[pred]
            new.append((tgt, perm[i], perm[j]))
        if tuple(tperm) != (0, 1):
            new = [(p, j, i) for p, i, j in reversed(new)]
        return ("path", tuple(new))
    if kind == "assoc":
        _, k, pred, i, agg = key
        if pred not in preds:
            return None
        tgt, perm = preds[pred]
        return ("assoc", tperm[k], tgt, perm[i], agg)
    return None


def key_name(key):
    """A readable name of a feature key."""
    kind = key[0]
    if kind == "path":
        return "path:" + "/".join(f"{p}[{i}>{j}]" for p, i, j in key[1])
    if kind == "attr":
        return f"attr{key[1]}:{key[2]}[{key[3]}]"
    if kind == "type":
        return f"type{key[1]}"
    if kind == "x":
        return f"x{key[1]}"
    if kind == "const":
        return f"arg{key[1]}={key[2]}"
    if kind == "assoc":
        return f"assoc{key[1]}:{key[2]}[{key[3]}]:{key[4]}"
    return "same"
