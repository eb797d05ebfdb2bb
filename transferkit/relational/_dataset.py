"""Typed ground facts (``RelationalDataset``) and target atoms (``Queries``).

A relational world is a set of ground atoms ``p(e1, ..., ek)``. Each argument
slot ``p[i]`` has a type; entities are indexed *per type* (the same name in
two types is two entities). One sparse adjacency matrix is kept per
(predicate, ordered argument pair), of shape ``(n_type_i, n_type_j)``, whose
entry counts the facts that link the two entities.

Type inference (when no types are declared): argument slots that share an
entity name are the same type (union-find over the slots, on the facts and on
the *positive* target atoms; negative atoms are not used, since the published
folds draw negatives without regard to types). Every entity therefore has one
type. Coincident constants merge types: in Twitter the account types
``fan``/``news`` are also tweeted words, so ``accounttype[1]`` and
``tweets[1]`` are one type. Declare ``types`` to keep such types apart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = ["RelationalDataset", "Queries", "RelationalDataError", "parse_atom"]

_ATOM = re.compile(r"^\s*'?([A-Za-z_][\w]*)'?\s*\((.*)\)\s*\.?\s*$")


class RelationalDataError(ValueError):
    """Bad relational input; the message names the file and line when known."""


def _where(source, line):
    if source is None:
        return f"atom {line}" if line is not None else "input"
    return f"{source}, line {line}" if line is not None else str(source)


def parse_atom(text, source=None, line=None):
    """Parse ``"pred(a,b)."`` into ``("pred", ("a", "b"))``.

    Parameters
    ----------
    text : str
        One Prolog-style ground atom; the final full stop is optional.
    source, line : str and int, optional
        Used in the error message.

    Returns
    -------
    predicate : str
    args : tuple of str
    """
    match = _ATOM.match(text)
    if match is None:
        raise RelationalDataError(
            f"{_where(source, line)}: cannot read {text.strip()!r} as a ground atom "
            "'predicate(arg1, ..., argk).'"
        )
    args = _split_args(match.group(2), text, source, line)
    if any(a == "" for a in args):
        raise RelationalDataError(
            f"{_where(source, line)}: empty argument in {text.strip()!r}"
        )
    return match.group(1), args


def _split_args(body, text, source, line):
    """Split an atom's argument list on the commas outside quotes and brackets.

    ``'Smith, John'`` is one argument (its quotes removed, a doubled quote
    inside read as one); ``g(b, c)`` is one argument too.
    """
    args, cur, quote, depth, quoted = [], [], None, 0, False
    k = 0
    while k < len(body):
        ch = body[k]
        if quote is not None:
            if ch == quote:
                if k + 1 < len(body) and body[k + 1] == quote:
                    cur.append(ch)
                    k += 2
                    continue
                quote = None
            else:
                cur.append(ch)
        elif ch in "'\"" and not quoted and not "".join(cur).strip():
            quote, quoted, cur = ch, True, []
        elif quoted and ch.isspace():
            pass  # blanks after a closing quote
        elif ch in "([":
            depth += 1
            cur.append(ch)
        elif ch in ")]":
            depth -= 1
            cur.append(ch)
        elif ch == "," and depth == 0:
            args.append("".join(cur) if quoted else "".join(cur).strip())
            cur, quoted = [], False
        else:
            cur.append(ch)
        k += 1
    if quote is not None:
        raise RelationalDataError(
            f"{_where(source, line)}: unterminated {quote} quote in {text.strip()!r}"
        )
    args.append("".join(cur) if quoted else "".join(cur).strip())
    return tuple(args)


def read_atoms(path):
    """Read the ground atoms of a Prolog-style file.

    Blank lines, ``%`` comments, ``/* ... */`` blocks and directives
    (``:- ...``) are skipped.

    Returns
    -------
    atoms : list of (str, tuple of str, int)
        ``(predicate, args, line number)``.
    """
    atoms = []
    in_comment = False
    with open(path, "rb") as fh:
        for number, data in enumerate(fh, start=1):
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise RelationalDataError(
                    f"{path}, line {number}: not UTF-8 text (byte "
                    f"{data[exc.start : exc.start + 1]!r} at column "
                    f"{exc.start + 1}); re-encode the file as UTF-8"
                ) from None
            if number == 1 and raw.startswith("\ufeff"):
                raw = raw[1:]
            text = raw.strip()
            if in_comment:
                if "*/" in text:
                    in_comment = False
                continue
            if text.startswith("/*"):
                in_comment = "*/" not in text
                continue
            if (
                not text
                or text.startswith("%")
                or text.startswith(":-")
                or text.startswith("?-")
            ):
                continue
            if ":-" in text:  # a rule, not a fact
                continue
            pred, args = parse_atom(text, source=str(path), line=number)
            atoms.append((pred, args, number))
    return atoms


def _atom_args(item, source, k, argument):
    """The argument tuple of a ``(predicate, args[, line])`` item, checked."""
    if isinstance(item, (str, bytes)) or not hasattr(item, "__len__") or len(item) < 2:
        raise RelationalDataError(
            f"{_where(source, k)}: each entry of {argument} must be "
            f"(predicate, args), got {item!r}"
        )
    args = item[1]
    line = item[2] if len(item) > 2 else k
    if isinstance(args, (str, bytes)):
        raise RelationalDataError(
            f"{_where(source, line)}: the arguments of {item[0]!r} in {argument} "
            f"must be a tuple of names, got the string {args!r} (it would be "
            f"split into characters); write ({item[0]!r}, ({args!r},))"
        )
    try:
        return tuple(args)
    except TypeError:
        raise RelationalDataError(
            f"{_where(source, line)}: the arguments of {item[0]!r} in {argument} "
            f"must be a tuple of names, got {type(args).__name__} {args!r}"
        ) from None


def _check_label_conflicts(labelled, groups=None):
    """Refuse an atom that is both a positive and a negative label.

    ``labelled`` holds ``(predicate, args, line, file, positive)``; with
    ``groups`` (one per item) only atoms of one group are compared.
    """
    seen = {}
    for k, (pred, args, line, where, positive) in enumerate(labelled):
        key = (None if groups is None else groups[k], pred, tuple(args))
        other = seen.setdefault(key, (positive, where, line))
        if other[0] != positive:
            first = f"{other[1]}, line {other[2]}"
            raise RelationalDataError(
                f"{where}, line {line}: the atom {pred}({', '.join(args)}) is "
                f"labelled both {'positive' if positive else 'negative'} here and "
                f"{'positive' if other[0] else 'negative'} at {first}; remove "
                "it from one of the label files"
            )


class _UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class RelationalDataset:
    """A relational world: typed ground facts, per-type entities, adjacencies.

    Build it with :meth:`from_facts`, :meth:`from_triples` or
    :meth:`from_folder`; the constructor is internal.

    Attributes
    ----------
    signatures : dict of str to tuple of str
        The type of each argument of each predicate (target included).
    types : list of str
        Type names. Inferred types are named after their first slot in sorted
        order, e.g. ``"actor[0]"``.
    entities : dict of str to list of str
        Entity names of each type; an entity's id is its position here.
    facts : dict of str to ndarray of shape (n_facts, arity)
        Facts of each predicate as per-type entity ids.
    dropped : dict of str to int
        How many atoms of each dropped predicate (the leak guard) were seen.

    Examples
    --------
    >>> from transferkit.relational import RelationalDataset
    >>> ds = RelationalDataset.from_facts(
    ...     [("movie", ("m1", "ann")), ("movie", ("m1", "bob")), ("director", ("bob",))]
    ... )
    >>> ds.n_entities(ds.signatures["movie"][1])
    2
    """

    def __init__(self, signatures, entities, facts, dropped=None, target=None):
        self.signatures = dict(signatures)
        self.entities = {t: list(v) for t, v in entities.items()}
        self.types = sorted(self.entities)
        self.facts = facts
        self.dropped = dict(dropped or {})
        self.target = target
        self._index = {t: {n: i for i, n in enumerate(v)} for t, v in entities.items()}
        self._adjacency = {}

    # ------------------------------------------------------------------ build
    @classmethod
    def from_facts(
        cls,
        facts,
        types=None,
        target=None,
        queries=None,
        drop_predicates="recursion_*",
        source=None,
    ):
        """Build a world from ``(predicate, args)`` pairs.

        Parameters
        ----------
        facts : iterable of (str, sequence of str)
            Ground facts; ``("advisedby", ("p1", "p2"))``. A third element, if
            present, is the line number used in error messages.
        types : dict of str to sequence of str, default=None
            Declared argument types, ``{"advisedby": ("person", "person")}``.
            Every predicate must then be declared. ``None`` infers them (see
            the module notes).
        target : str, default=None
            The target predicate. Its atoms among ``facts`` are labels, never
            features: they are dropped from the facts (and counted in
            ``dropped``).
        queries : iterable of (str, sequence of str), default=None
            Target atoms to be classified later, as ``(predicate, args)``.
            They are never facts. Their entities are registered (an unknown
            name becomes an entity of the slot's type) and, with inferred
            types, they give the target its signature.
        drop_predicates : str, sequence of str or None, default="recursion_*"
            Predicates dropped from the facts (the leak guard): the published
            folds hold ``recursion_<target>`` copies of the positive labels.
            A trailing ``*`` matches a prefix. ``None`` keeps everything.
        source : str, default=None
            Name used in error messages (a file name).

        Returns
        -------
        dataset : RelationalDataset
        """
        return cls._build(facts, types, target, queries or (), drop_predicates, source)

    @classmethod
    def from_triples(cls, triples, types=None, target=None, **kwargs):
        """Build a world from ``(head, relation, tail)`` triples.

        Each triple becomes the binary fact ``relation(head, tail)``.
        """
        facts = [(r, (h, t)) for h, r, t in triples]
        return cls.from_facts(facts, types=types, target=target, **kwargs)

    @classmethod
    def from_prolog(cls, path, types=None, target=None, **kwargs):
        """Build a world from a Prolog fact file (comments and rules skipped)."""
        atoms = read_atoms(path)
        return cls.from_facts(
            [(p, a, n) for p, a, n in atoms],
            types=types,
            target=target,
            source=str(path),
            **kwargs,
        )

    @classmethod
    def _build(cls, facts, types, target, queries, drop, source):
        drop = _drop_matcher(drop)
        kept = []
        dropped = defaultdict(int)
        arity = {}
        first_seen = {}
        for k, item in enumerate(facts, start=1):
            pred, args = item[0], _atom_args(item, source, k, "facts")
            line = item[2] if len(item) > 2 else k
            if not isinstance(pred, str) or not pred:
                raise RelationalDataError(
                    f"{_where(source, line)}: the predicate must be a non-empty "
                    f"string, got {pred!r}"
                )
            if drop(pred) or pred == target:
                dropped[pred] += 1
                continue
            args = tuple(str(a) for a in args)
            if not args:
                raise RelationalDataError(
                    f"{_where(source, line)}: {pred} has no arguments"
                )
            if pred in arity and arity[pred] != len(args):
                raise RelationalDataError(
                    f"{_where(source, line)}: {pred}/{len(args)} disagrees with "
                    f"{pred}/{arity[pred]} at {first_seen[pred]}"
                )
            arity.setdefault(pred, len(args))
            first_seen.setdefault(pred, _where(source, line))
            kept.append((pred, args, line))
        if not kept:
            raise RelationalDataError(
                f"{_where(source, None)}: the world is empty (no facts"
                + (f" besides the dropped {sorted(dropped)}" if dropped else "")
                + ")"
            )
        query_items = []
        for k, item in enumerate(queries, start=1):
            qsource = item[3] if len(item) > 3 else source
            pred = item[0]
            args = tuple(str(a) for a in _atom_args(item, qsource, k, "queries"))
            line = item[2] if len(item) > 2 else k
            if pred in arity and arity[pred] != len(args):
                raise RelationalDataError(
                    f"{_where(qsource, line)}: {pred}/{len(args)} disagrees with "
                    f"{pred}/{arity[pred]} at {first_seen[pred]}"
                )
            arity.setdefault(pred, len(args))
            first_seen.setdefault(pred, _where(qsource, line))
            positive = item[4] if len(item) > 4 else True
            query_items.append((pred, args, line, qsource, positive))

        if types is not None:
            signatures = {p: tuple(str(t) for t in s) for p, s in types.items()}
            for pred, n in arity.items():
                if pred not in signatures:
                    raise RelationalDataError(
                        f"{first_seen[pred]}: unknown predicate {pred!r}: it has "
                        f"no declared types (declared: {sorted(signatures)})"
                    )
                if len(signatures[pred]) != n:
                    raise RelationalDataError(
                        f"{first_seen[pred]}: {pred} has {n} arguments but its "
                        f"declared types are {signatures[pred]}"
                    )
            signatures = {p: signatures[p] for p in arity}
        else:
            uf = _UnionFind()
            owner = {}
            for pred, args, _ in kept:
                for i, a in enumerate(args):
                    slot = (pred, i)
                    uf.find(slot)
                    if a in owner:
                        uf.union(slot, owner[a])
                    else:
                        owner[a] = slot
            for pred, args, _, _, positive in query_items:
                for i, a in enumerate(args):
                    slot = (pred, i)
                    uf.find(slot)
                    if not positive:
                        continue
                    if a in owner:
                        uf.union(slot, owner[a])
                    else:
                        owner[a] = slot
            groups = defaultdict(list)
            for pred, n in arity.items():
                for i in range(n):
                    groups[uf.find((pred, i))].append((pred, i))
            names = {}
            for root, slots in groups.items():
                p, i = min(slots)
                names[root] = f"{p}[{i}]"
            signatures = {
                pred: tuple(names[uf.find((pred, i))] for i in range(n))
                for pred, n in arity.items()
            }

        entities = defaultdict(dict)
        where_type = {}
        for pred, args, line in kept:
            for i, a in enumerate(args):
                t = signatures[pred][i]
                if types is not None:
                    other = where_type.setdefault(a, (t, _where(source, line), pred, i))
                    if other[0] != t:
                        raise RelationalDataError(
                            f"{_where(source, line)}: type clash: {a!r} is a {t} "
                            f"in {pred}[{i}] but a {other[0]} in "
                            f"{other[2]}[{other[3]}] ({other[1]})"
                        )
                entities[t].setdefault(a, len(entities[t]))
        by_name = {}
        for t, names_t in entities.items():
            for a in names_t:
                by_name.setdefault(a, t)
        for pred, args, _, _, positive in query_items:
            for i, a in enumerate(args):
                t = signatures[pred][i]
                if a in entities[t]:
                    continue
                if positive or a not in by_name:
                    entities[t].setdefault(a, len(entities[t]))
        for t in set(s for sig in signatures.values() for s in sig):
            entities.setdefault(t, {})
        fact_arrays = {}
        per_pred = defaultdict(list)
        for pred, args, _ in kept:
            sig = signatures[pred]
            per_pred[pred].append([entities[sig[i]][a] for i, a in enumerate(args)])
        for pred, rows in per_pred.items():
            fact_arrays[pred] = np.asarray(rows, dtype=np.int64).reshape(
                len(rows), arity[pred]
            )
        ent_lists = {t: list(d) for t, d in entities.items()}
        return cls(signatures, ent_lists, fact_arrays, dropped, target)

    @classmethod
    def from_folder(cls, path, split="train", target=None, types=None, **kwargs):
        """Read a BoostSRL / TreeBoostler fold folder.

        Reads ``{split}_facts.txt``, ``{split}_pos.txt`` and
        ``{split}_neg.txt`` (the last two optional: without them there are no
        queries). Returns ``(dataset, queries, y)``; ``queries``/``y`` are None
        without label files.

        Parameters
        ----------
        path : str or path-like
            The folder.
        split : str, default="train"
            File prefix, ``"train"`` or ``"test"``.
        target : str, default=None
            Target predicate; by default the predicate of the ``*_pos.txt``
            atoms.
        types : dict, default=None
            Declared types; see :meth:`from_facts`.
        """
        path = Path(path)
        facts_file = path / f"{split}_facts.txt"
        if not facts_file.is_file():
            raise FileNotFoundError(
                f"no {facts_file.name} in {str(path)!r}: a fold folder holds "
                "{split}_facts.txt, {split}_pos.txt and {split}_neg.txt"
            )
        facts = read_atoms(facts_file)
        labelled = []
        for name, positive in (("pos", True), ("neg", False)):
            f = path / f"{split}_{name}.txt"
            if f.is_file():
                labelled += [(p, a, n, str(f), positive) for p, a, n in read_atoms(f)]
        _check_label_conflicts(labelled)
        preds = {p for p, _, _, _, pos in labelled if pos}
        if target is None and labelled:
            if len(preds) != 1:
                raise RelationalDataError(
                    f"{path / f'{split}_pos.txt'}: expected the atoms of one "
                    f"target predicate, found {sorted(preds) or 'none'}"
                )
            target = preds.pop()
        if labelled and not any(pos and p == target for p, _, _, _, pos in labelled):
            raise RelationalDataError(
                f"{path / f'{split}_pos.txt'}: the target predicate {target!r} "
                "has no positive atoms"
            )
        for p, _, n, f, _ in labelled:
            if p != target:
                raise RelationalDataError(
                    f"{f}, line {n}: atom of {p!r} among the labels of the target "
                    f"predicate {target!r}"
                )
        dataset = cls._build(
            facts,
            types,
            target,
            labelled,
            kwargs.pop("drop_predicates", "recursion_*"),
            str(facts_file),
        )
        if not labelled:
            return dataset, None, None
        atoms = [a for _, a, _, _, _ in labelled]
        y = np.asarray([int(pos) for *_, pos in labelled])
        return dataset, Queries(dataset, target, atoms), y

    # ------------------------------------------------------------------ access
    @property
    def predicates(self):
        """Predicates with facts (the target excluded), sorted."""
        return sorted(self.facts)

    def arity(self, predicate):
        """Number of arguments of ``predicate``."""
        return len(self.signature(predicate))

    def signature(self, predicate):
        """Argument types of ``predicate`` (``KeyError`` naming the known ones)."""
        try:
            return self.signatures[predicate]
        except KeyError:
            raise KeyError(
                f"unknown predicate {predicate!r}; this world has "
                f"{sorted(self.signatures)}"
            ) from None

    def n_entities(self, type_):
        """Number of entities of ``type_``."""
        return len(self.entities[type_])

    def entity_id(self, type_, name):
        """Id of entity ``name`` in ``type_`` (or -1 when unknown)."""
        return self._index[type_].get(name, -1)

    def type_of(self, name):
        """Types holding an entity called ``name``."""
        return [t for t in self.types if name in self._index[t]]

    @property
    def n_facts(self):
        """Total number of facts."""
        return int(sum(f.shape[0] for f in self.facts.values()))

    def adjacency(self, predicate, i, j):
        """Sparse counts of ``predicate`` facts linking argument ``i`` to ``j``.

        Returns a CSR matrix of shape ``(n_type_i, n_type_j)``.
        """
        key = (predicate, i, j)
        if key not in self._adjacency:
            sig = self.signature(predicate)
            f = self.facts.get(predicate, np.zeros((0, len(sig)), dtype=np.int64))
            shape = (self.n_entities(sig[i]), self.n_entities(sig[j]))
            mat = sp.csr_matrix((np.ones(f.shape[0]), (f[:, i], f[:, j])), shape=shape)
            mat.sum_duplicates()
            self._adjacency[key] = mat
        return self._adjacency[key]

    def attribute(self, predicate, i=0):
        """Counts of ``predicate`` facts per entity of argument ``i``'s type."""
        sig = self.signature(predicate)
        f = self.facts.get(predicate, np.zeros((0, len(sig)), dtype=np.int64))
        return np.bincount(f[:, i], minlength=self.n_entities(sig[i])).astype(float)

    def to_facts(self):
        """All facts as ``(predicate, args)`` with entity names."""
        out = []
        for pred in self.predicates:
            sig = self.signatures[pred]
            for row in self.facts[pred]:
                out.append(
                    (pred, tuple(self.entities[sig[i]][e] for i, e in enumerate(row)))
                )
        return out

    def write_facts(self, path):
        """Write the facts as one Prolog atom per line (the fold format)."""
        with open(path, "w", encoding="utf-8") as fh:
            for pred, args in self.to_facts():
                fh.write(f"{pred}({','.join(_quoted(a) for a in args)}).\n")

    def rename(self, predicates=None, types=None, entities=None):
        """A copy with predicates, types and entity names renamed (dicts)."""
        pmap = predicates or {}
        tmap = types or {}
        emap = entities or (lambda t, n: n)
        if isinstance(emap, dict):
            table = emap
            emap = lambda t, n: table.get(n, n)  # noqa: E731
        signatures = {
            pmap.get(p, p): tuple(tmap.get(t, t) for t in s)
            for p, s in self.signatures.items()
        }
        ents = {
            tmap.get(t, t): [emap(t, n) for n in v] for t, v in self.entities.items()
        }
        facts = {pmap.get(p, p): f.copy() for p, f in self.facts.items()}
        target = pmap.get(self.target, self.target)
        return RelationalDataset(signatures, ents, facts, self.dropped, target)

    def __repr__(self):
        return (
            f"RelationalDataset({len(self.facts)} predicates, {self.n_facts} facts, "
            f"types={ {t: self.n_entities(t) for t in self.types} })"
        )


def _quoted(name):
    """``name`` as a Prolog argument: quoted unless it is a plain word."""
    if re.fullmatch(r"[\w.+\-]+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _drop_matcher(drop):
    if drop is None:
        return lambda p: False
    patterns = [drop] if isinstance(drop, str) else list(drop)

    def match(pred):
        for pat in patterns:
            if pat.endswith("*") and pred.startswith(pat[:-1]):
                return True
            if pred == pat:
                return True
        return False

    return match


class Queries:
    """Ground atoms of the target predicate over a world: this family's ``X``.

    Behaves as a sequence of samples for scikit-learn: ``len``, ``shape`` and
    integer / boolean / slice indexing, so ``train_test_split``,
    ``GroupKFold`` and ``LeaveOneGroupOut`` work on it.

    Parameters
    ----------
    dataset : RelationalDataset
        The world the atoms live in.
    predicate : str
        The target predicate.
    atoms : sequence of sequence of str, or ndarray of int
        The argument names of each atom (or, internally, per-type ids with
        ``-1`` for an argument that is not an entity of the slot's type).
    groups : array-like of shape (n_atoms,), default=None
        The mega-example (sub-world) of each atom.

    Attributes
    ----------
    ids : ndarray of shape (n_atoms, arity)
        Per-type entity ids; ``-1`` marks an argument that is not an entity of
        the slot's declared type (the published folds hold such negatives).
    names : list of tuple of str
        The argument names.

    Examples
    --------
    >>> from transferkit.relational import RelationalDataset, Queries
    >>> ds = RelationalDataset.from_facts(
    ...     [("movie", ("m1", "ann")), ("movie", ("m1", "bob"))],
    ...     queries=[("workedunder", ("ann", "bob"))],
    ... )
    >>> Queries(ds, "workedunder", [("ann", "bob"), ("bob", "ann")]).shape
    (2, 2)
    """

    def __init__(self, dataset, predicate, atoms, groups=None):
        if not isinstance(dataset, RelationalDataset):
            raise TypeError(
                f"dataset must be a RelationalDataset, got {type(dataset).__name__}"
            )
        sig = dataset.signature(predicate)
        self.dataset = dataset
        self.predicate = predicate
        if isinstance(atoms, np.ndarray) and np.issubdtype(atoms.dtype, np.integer):
            if atoms.ndim != 2 or atoms.shape[1] != len(sig):
                raise RelationalDataError(
                    f"atoms: an id array of {predicate}/{len(sig)} atoms must "
                    f"have shape (n_atoms, {len(sig)}), got {atoms.shape}"
                )
            ids = np.asarray(atoms, dtype=np.int64)
            sizes = np.array([dataset.n_entities(t) for t in sig])
            bad = (ids < -1) | (ids >= sizes)
            if bad.any():
                k, i = map(int, np.argwhere(bad)[0])
                raise RelationalDataError(
                    f"atoms: id {int(ids[k, i])} of atom {k} in {predicate}[{i}] "
                    f"is not an entity id of type {sig[i]!r} (0 to "
                    f"{int(sizes[i]) - 1}, or -1 for an argument of another type)"
                )
            names = [
                tuple(
                    dataset.entities[sig[i]][e] if e >= 0 else "?"
                    for i, e in enumerate(row)
                )
                for row in ids
            ]
        else:
            names = []
            for k, atom in enumerate(atoms):
                if isinstance(atom, (str, bytes)):
                    raise RelationalDataError(
                        f"atom {k}: each atom of atoms must be a tuple of "
                        f"argument names, got the string {atom!r} (it would be "
                        "split into characters)"
                    )
                names.append(tuple(str(a) for a in atom))
            ids = np.empty((len(names), len(sig)), dtype=np.int64)
            for k, atom in enumerate(names):
                if len(atom) != len(sig):
                    raise RelationalDataError(
                        f"atom {k}: {predicate}{atom} has {len(atom)} arguments, "
                        f"{predicate} has {len(sig)}"
                    )
                for i, a in enumerate(atom):
                    e = dataset.entity_id(sig[i], a)
                    if e < 0 and not dataset.type_of(a):
                        raise RelationalDataError(
                            f"atom {k}: unknown entity {a!r} in {predicate}[{i}]: "
                            "register query entities when building the dataset "
                            "(queries=...)"
                        )
                    ids[k, i] = e
        self.ids = ids
        self.names = names
        self.groups = None if groups is None else np.asarray(groups)
        if self.groups is not None and self.groups.shape[0] != len(names):
            raise ValueError(
                f"groups has {self.groups.shape[0]} entries for {len(names)} atoms"
            )

    @property
    def shape(self):
        return self.ids.shape

    @property
    def ndim(self):
        return 2

    def __len__(self):
        return self.ids.shape[0]

    def __getitem__(self, key):
        if isinstance(key, tuple):
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise TypeError("Queries are indexed by atom only")
        if isinstance(key, (int, np.integer)):
            key = [int(key)]
        index = np.atleast_1d(np.arange(len(self))[key])
        new = object.__new__(Queries)
        new.dataset = self.dataset
        new.predicate = self.predicate
        new.ids = self.ids[index]
        new.names = [self.names[k] for k in index]
        new.groups = None if self.groups is None else self.groups[index]
        return new

    def take(self, indices, axis=0):
        """Atoms at ``indices`` (what scikit-learn's indexing calls)."""
        return self[np.asarray(indices)]

    def __repr__(self):
        return (
            f"Queries({self.predicate}, {len(self)} atoms"
            + ("" if self.groups is None else f", {len(np.unique(self.groups))} groups")
            + ")"
        )
