"""Type-consistent predicate mappings: enumeration, scorers, search."""

from __future__ import annotations

import logging
from itertools import permutations
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import LabelledTargetMixin
from ._dataset import Queries
from ._model import FeatureTable, LinearRelationalModel, model_from_classifier
from ._path_classifier import (
    RelationalPathClassifier,
    feature_keys_for,
    labelled_features,
)
from ._paths import translate_key

__all__ = ["PredicateMappingSearch", "enumerate_mappings", "format_mapping"]

logger = logging.getLogger("transferkit")

_SCORERS = ("likelihood", "structure", "fgw", "rate")


# --------------------------------------------------------------------- stats
def predicate_stats(dataset):
    """Per predicate and argument: ``(log1p mean degree, coverage of its type)``."""
    out = {}
    for pred in dataset.predicates:
        f = dataset.facts[pred]
        sig = dataset.signature(pred)
        rows = []
        for i, t in enumerate(sig):
            distinct = np.unique(f[:, i]).size if f.shape[0] else 0
            deg = f.shape[0] / max(distinct, 1)
            cover = distinct / max(dataset.n_entities(t), 1)
            rows.append((np.log1p(deg), cover))
        out[pred] = np.asarray(rows)
    return out


def _pred_distance(s_stats, t_stats, perm):
    return float(np.abs(s_stats - t_stats[list(perm)]).sum())


# --------------------------------------------------------------- enumeration
def _target_options(Ds, ts, Dt, tt):
    ss, st = Ds.signature(ts), Dt.signature(tt)
    if len(ss) != len(st):
        raise ValueError(
            f"the source target {ts}/{len(ss)} and the target {tt}/{len(st)} "
            "have different arities: no mapping can translate the model"
        )
    out = []
    for perm in permutations(range(len(ss))):
        types = {}
        ok = True
        for i, s in enumerate(ss):
            t = st[perm[i]]
            if s not in types and t in types.values():
                ok = False
            if types.setdefault(s, t) != t:
                ok = False
        if ok:
            out.append((perm, types))
    return out


def _consistent_perms(sig, tsig, types):
    """Argument permutations of ``sig`` onto ``tsig`` that keep ``types`` a
    function and injective, in lexicographic order, with the extended types.

    A backtracking search: a prefix that breaks the type map is never
    extended, so a high-arity predicate over distinct types costs little
    (enumerating all ``k!`` permutations first would not).
    """
    k = len(sig)
    out = []

    def grow(prefix, used, current):
        i = len(prefix)
        if i == k:
            out.append((tuple(prefix), current))
            return
        s = sig[i]
        for j in range(k):
            if j in used:
                continue
            t = tsig[j]
            if s in current:
                if current[s] != t:
                    continue
                grow(prefix + [j], used | {j}, current)
            elif t in current.values():
                continue  # two source types onto one target type
            else:
                grow(prefix + [j], used | {j}, {**current, s: t})

    grow([], frozenset(), dict(types))
    return out


def enumerate_mappings(
    Ds, ts, Dt, tt, order=None, max_candidates=300, prior=None, allow_swap=True
):
    """Type-consistent mappings of ``Ds``'s vocabulary onto ``Dt``'s.

    A mapping sends the source target ``ts`` to ``tt`` (arguments possibly
    swapped), each source predicate to a target predicate of the same arity
    with an argument permutation, or to nothing, injectively, such that the
    induced map of types is a function (each source type has one image) and
    is injective (two source types never share an image: merging them would
    create relation paths that the source model never saw, e.g. IMDB's
    ``movie(movie, person)`` onto UW-CSE's ``sameperson(person, person)``).

    The search is a beam over the source predicates in ``order``: every
    partial mapping is extended by every consistent option; when more than
    ``max_candidates`` partial mappings exist, those with the lowest
    ``prior`` cost are kept. Hence at most ``max_candidates`` mappings are
    returned, and the enumeration is exhaustive whenever the number of
    type-consistent mappings is at most ``max_candidates``.

    Returns
    -------
    mappings : list of dict
        ``{"target": (ts, tt, perm), "target_perm": perm, "predicates":
        {p: (q, perm)}, "types": {source type: target type}}``.
    exhaustive : bool
    """
    order = list(Ds.predicates if order is None else order)
    prior = prior or (lambda p, q, perm: 0.0)
    beam = []
    for perm, types in _target_options(Ds, ts, Dt, tt):
        if not allow_swap and tuple(perm) != tuple(range(len(perm))):
            continue
        beam.append((0.0, {}, dict(types), frozenset(), tuple(perm)))
    exhaustive = True
    targets = [q for q in Dt.predicates if q != tt]
    for p in order:
        sig = Ds.signature(p)
        grown = []
        for cost, preds, types, used, tperm in beam:
            grown.append((cost + prior(p, None, None), preds, types, used, tperm))
            for q in targets:
                if q in used or Dt.arity(q) != len(sig):
                    continue
                tsig = Dt.signature(q)
                for perm, new_types in _consistent_perms(sig, tsig, types):
                    new = dict(preds)
                    new[p] = (q, perm)
                    grown.append(
                        (cost + prior(p, q, perm), new, new_types, used | {q}, tperm)
                    )
        if len(grown) > max_candidates:
            exhaustive = False
            grown.sort(key=lambda c: c[0])
            grown = grown[:max_candidates]
        beam = grown
    out = []
    for _, preds, types, _, tperm in beam:
        out.append(
            {
                "target": (ts, tt, tperm),
                "target_perm": tperm,
                "predicates": preds,
                "types": types,
            }
        )
    return out, exhaustive


def is_type_consistent(mapping, Ds, Dt):
    """Whether ``mapping`` respects arities, injectivity, one image per type
    and distinct images of distinct types."""
    types = {}
    ts, tt, perm = mapping["target"]
    items = [(ts, tt, perm)] + [
        (p, q, pm) for p, (q, pm) in mapping["predicates"].items()
    ]
    used = set()
    for p, q, pm in items:
        ss, st = Ds.signature(p), Dt.signature(q)
        if len(ss) != len(st) or sorted(pm) != list(range(len(ss))):
            return False
        if q in used:
            return False
        used.add(q)
        for i, s in enumerate(ss):
            if s not in types and st[pm[i]] in types.values():
                return False
            if types.setdefault(s, st[pm[i]]) != st[pm[i]]:
                return False
    return True


def _no_mapping_reason(Ds, ts, Dt, tt):
    """Why no type-consistent mapping sends ``ts`` onto ``tt``."""
    ss, st = Ds.signature(ts), Dt.signature(tt)
    return (
        f"no type-consistent mapping: the source target {ts}{ss} and the "
        f"target {tt}{st} have different type structures (a source type would "
        "need two images, or two source types one image), so nothing of the "
        "source model can be translated"
    )


def format_mapping(mapping):
    """``"movie->publication, director->professor, ..."``.

    The empty mapping (no type-consistent candidate) reads ``"none"``.
    """
    if not mapping:
        return "none (no type-consistent mapping)"
    parts = []
    ts, tt, perm = mapping["target"]
    parts.append(f"{ts}->{tt}" + ("" if tuple(perm) == (0, 1) else "(swapped)"))
    for p, (q, pm) in sorted(mapping["predicates"].items()):
        swapped = len(pm) > 1 and tuple(pm) != tuple(range(len(pm)))
        parts.append(f"{p}->{q}" + ("(swapped)" if swapped else ""))
    return ", ".join(parts)


# ------------------------------------------------------------------- scorers
def _platt(z, y, n_iter=25):
    """Intercept and nonnegative slope of ``P(y=1) = sigmoid(a + b z)`` (Newton)."""
    a = np.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3))
    b = 0.0
    for _ in range(n_iter):
        p = 1 / (1 + np.exp(-np.clip(a + b * z, -35, 35)))
        w = p * (1 - p) + 1e-9
        g = np.array([np.sum(p - y), np.sum((p - y) * z)])
        H = np.array([[w.sum(), (w * z).sum()], [(w * z).sum(), (w * z * z).sum()]])
        H += 1e-6 * np.eye(2)
        step = np.linalg.solve(H, g)
        a, b = a - step[0], b - step[1]
        if np.max(np.abs(step)) < 1e-8:
            break
        if b < 0:  # a model that ranks backwards is no better than the base rate
            b = 0.0
            a = np.log((y.mean() + 1e-9) / (1 - y.mean() + 1e-9))
            break
    return a, b


def likelihood_score(model, table_t, yt_rows, yt):
    """Mean log-likelihood of ``yt`` under the translated model.

    The translated logits are recalibrated on the labelled atoms (intercept
    and a nonnegative slope, since base rates differ between worlds), so the
    score measures how well the mapping ranks the labelled atoms; a model
    that ranks them backwards scores as the base rate.
    """
    z = model.decision(table_t, yt_rows)
    sd = z.std()
    z = (z - z.mean()) / sd if sd > 1e-12 else np.zeros_like(z)
    a, b = _platt(z, yt.astype(float))
    p = np.clip(1 / (1 + np.exp(-np.clip(a + b * z, -35, 35))), 1e-12, 1 - 1e-12)
    return float(np.mean(yt * np.log(p) + (1 - yt) * np.log(1 - p)))


def structure_score(model, translated_pairs, table_s, table_t, pred_cost):
    """Label-free structural agreement (higher is better, 0 at best).

    Minus the weighted disagreement between source and target of (i) each
    model feature's firing rate on the queries (the fraction of atoms where
    it is nonzero) and (ii) the degree / coverage statistics of each
    mapped predicate's arguments; a feature or predicate left unmapped
    counts as a full disagreement.
    """
    total = 0.0
    for key_s, key_t, w in translated_pairs:
        qs = table_s.nonzero[table_s.index[key_s]] if key_s in table_s.index else 0.0
        if key_t is None:
            total += abs(w) * (1.0 + qs)
            continue
        j = table_t.index.get(key_t)
        qt = table_t.nonzero[j] if j is not None else 0.0
        total += abs(w) * abs(qs - qt)
    return -(total + pred_cost)


def _rates(z):
    p = 1 / (1 + np.exp(-np.clip(z, -35, 35)))
    return np.array([p.mean(), (p > 0.5).mean()])


def rate_score(translated, table_t, source_rates):
    """Label-free agreement of predicted positive rates (higher is better, 0 at best).

    Minus the absolute differences between the translated model's mean
    probability and fraction of predicted positives on the target atoms and
    the source model's on the source atoms. It assumes the two query sets
    have similar shares of true atoms (as in the transfer protocol, where the
    negatives are the other argument pairs of each world): a mapping under
    which the source's regularities fire on many more, or many fewer, target
    atoms than they did in the source is unlikely to be the intended one.
    """
    return -float(np.abs(_rates(translated.decision(table_t)) - source_rates).sum())


def slot_graph(dataset, target):
    """Argument-slot graph of a vocabulary: nodes, structure, node features.

    Nodes are the argument slots ``(predicate, i)`` (the target's included).
    Structure: 1 between two slots of one predicate; between two slots
    ``a``, ``b`` of one type, the fraction of ``a``'s entities that also fill
    ``b`` (so ``movie[1]`` is tied to both ``actor[0]`` and ``director[0]``
    in IMDB, as ``publication[1]`` is to ``student[0]`` and
    ``professor[0]`` in UW-CSE, while ``inphase[0]`` holds students only);
    0 otherwise. Node features: ``log1p`` mean degree, coverage of the
    type, arity, ``log1p`` number of facts, and a target-slot flag.
    """
    nodes, types, feats, members = [], [], [], []
    stats = predicate_stats(dataset)
    for pred in sorted(dataset.signatures):
        sig = dataset.signature(pred)
        f = dataset.facts.get(pred)
        n_facts = 0 if f is None else f.shape[0]
        for i, t in enumerate(sig):
            nodes.append((pred, i))
            types.append(t)
            if pred == target or f is None:
                members.append(np.zeros(0, dtype=np.int64))
            else:
                members.append(np.unique(f[:, i]))
            if pred == target:
                feats.append([0.0, 0.0, len(sig), 0.0, 1.0])
            else:
                deg, cover = stats[pred][i]
                feats.append([deg, cover, len(sig), np.log1p(n_facts), 0.0])
    n = len(nodes)
    C = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            if nodes[a][0] == nodes[b][0]:
                C[a, b] = 1.0
            elif types[a] == types[b] and members[a].size:
                shared = np.intersect1d(members[a], members[b], assume_unique=True)
                C[a, b] = shared.size / members[a].size
    return nodes, C, np.asarray(feats)


def fgw_prior(Ds, ts, Dt, tt, alpha=0.5):
    """Semi-relaxed fused Gromov-Wasserstein coupling of the slot graphs.

    Returns ``(source nodes, target nodes, coupling)``; the coupling's rows
    (source slots) have uniform mass and its columns are free (semi-relaxed:
    several source slots may land on one target slot). Uses POT.
    """
    import ot

    ns, Cs, Fs = slot_graph(Ds, ts)
    nt, Ct, Ft = slot_graph(Dt, tt)
    scale = np.maximum(np.vstack([Fs, Ft]).std(axis=0), 1e-9)
    M = ot.dist(Fs / scale, Ft / scale, metric="euclidean")
    M /= max(M.max(), 1e-12)
    p = np.full(len(ns), 1.0 / len(ns))
    # source target slots are tied to target target slots in the cost
    for a, (pa, _) in enumerate(ns):
        for b, (pb, _) in enumerate(nt):
            if (pa == ts) != (pb == tt):
                M[a, b] += 1.0
    T = ot.gromov.semirelaxed_fused_gromov_wasserstein(
        M, Cs, Ct, p, loss_fun="square_loss", alpha=alpha, G0=None
    )
    return ns, nt, np.asarray(T)


def fgw_score(mapping, ns, nt, T):
    """Coupling mass (relative to each row's) on the mapping's slot pairs."""
    row = {n: k for k, n in enumerate(ns)}
    col = {n: k for k, n in enumerate(nt)}
    rel = T / np.maximum(T.sum(axis=1, keepdims=True), 1e-300)
    items = [mapping["target"]] + [
        (p, q, pm) for p, (q, pm) in mapping["predicates"].items()
    ]
    total = 0.0
    for p, q, pm in items:
        for i, j in enumerate(pm):
            total += rel[row[(p, i)], col[(q, j)]]
    return float(total / len(ns))


# -------------------------------------------------------------------- search
class PredicateMappingSearch(LabelledTargetMixin, BaseEstimator):
    """Search the type-consistent mappings of a source vocabulary onto a target's.

    A source model of the source target predicate (a fitted
    :class:`RelationalPathClassifier`, learnt here when not given) is
    translated through every candidate mapping, and each candidate is scored:

    - ``"likelihood"``: the translated model's (recalibrated) mean
      log-likelihood on the labelled target atoms ``yt`` (TAMAR's criterion,
      Mihalkova, Huynh & Mooney, AAAI 2007); skipped without ``yt``;
    - ``"structure"``: label-free agreement between the source and target
      firing rates of the model's features and the degree statistics of the
      mapped predicates (in the spirit of TreeBoostler's label-free
      structural scoring, Azevedo Santos et al., Machine Learning 2020);
    - ``"fgw"``: label-free, the mass that a semi-relaxed fused
      Gromov-Wasserstein coupling of the two vocabularies' argument-slot
      graphs (Vincent-Cuaz et al., ICLR 2022; POT) puts on the mapping's slot
      pairs;
    - ``"rate"``: label-free, the translated model should predict about as
      many true atoms among the target queries as the source model does among
      the source's (mean probability and fraction above 0.5), see
      :func:`rate_score` for the assumption this makes.

    The candidates are ranked by each scorer; the chosen mapping has the best
    mean rank over the scorers used (ties: the first scorer listed decides).

    Parameters
    ----------
    scoring : str or tuple of str, default=("structure", "fgw", "rate")
        Scorers to use. The default is label-free. Measured on the six
        benchmark pairs (the first target fold), it finds workedunder->advisedby,
        actor->student, director->professor, movie->publication on IMDB ->
        UW-CSE, professor->director, student->actor on UW-CSE -> IMDB, and
        interaction->follows on Yeast -> Twitter. Adding ``"likelihood"`` (on
        one labelled mega-example) turned IMDB -> UW-CSE into the
        argument-swapped actor->professor, movie->yearsinprogram; each of
        ``"structure"`` and ``"fgw"`` alone sent movie to inphase, the
        structurally closest predicate by degree statistics.
    max_candidates : int, default=1000
        Beam width of the enumeration: at most this many candidates are
        scored (exhaustive when the type-consistent mappings are fewer).
    source_estimator : RelationalPathClassifier, default=None
        The source model; fitted on ``X, y`` unless already fitted.
    max_path_length : int, default=3
        For the source model learnt here.
    fgw_alpha : float, default=0.5
        Trade-off between the structure (1) and node-feature (0) terms.
    n_jobs : int, default=None
        Candidates scored in parallel by joblib.
    verbose : bool, default=False
        tqdm bar over the candidates.

    Attributes
    ----------
    mapping_ : dict
        The chosen mapping: ``"target"`` ``(source target, target, argument
        permutation)``, ``"predicates"`` ``{source: (target, permutation)}``,
        ``"types"`` ``{source type: target type}``.
    mapping_str_ : str
        The mapping, readable.
    candidate_scores_ : list of dict
        Per candidate: ``"mapping"`` and one entry per scorer used.
    mapping_report_ : dict
        ``"n_candidates"`` (how many mappings were scored) and ``"reason"``:
        ``None``, or why no mapping exists. When no type-consistent mapping
        sends the source target onto the target (their argument types have
        different structures, e.g. ``workedunder(person, person)`` onto
        ``passed(student, course)``), ``mapping_`` is ``{}``, which
        translates no feature: a :class:`MapAndRevise` then learns the target
        alone.
    exhaustive_ : bool
        Whether every type-consistent mapping was scored.
    source_model_ : RelationalPathClassifier
        The fitted source model.

    Examples
    --------
    >>> from transferkit.relational import (
    ...     PredicateMappingSearch, Queries, RelationalDataset)
    >>> src = [("movie", (f"m{i // 3}", f"p{i}")) for i in range(9)]
    >>> src += [("boss", (f"p{i}",)) for i in range(0, 9, 3)]
    >>> tgt = [(("paper" if p == "movie" else "prof"), a) for p, a in src]
    >>> pairs = [(f"p{i}", f"p{j}") for i in range(9) for j in range(9)]
    >>> y = [int(j % 3 == 0 and i // 3 == j // 3 and i != j) for i in range(9)
    ...      for j in range(9)]
    >>> q = [("wu", a) for a, t in zip(pairs, y) if t]
    >>> Xs = Queries(RelationalDataset.from_facts(src, queries=q), "wu", pairs)
    >>> Xt = Queries(RelationalDataset.from_facts(tgt, queries=q), "wu", pairs)
    >>> search = PredicateMappingSearch(scoring="structure").fit(Xs, y, Xt)
    >>> search.mapping_str_
    'wu->wu, boss->prof, movie->paper'
    """

    _parameter_constraints = {
        "scoring": [str, tuple, list],
        "max_candidates": [Interval(Integral, 1, None, closed="left")],
        "source_estimator": [None, RelationalPathClassifier],
        "max_path_length": [Interval(Integral, 1, None, closed="left")],
        "fgw_alpha": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        scoring=("structure", "fgw", "rate"),
        max_candidates=1000,
        source_estimator=None,
        max_path_length=3,
        fgw_alpha=0.5,
        n_jobs=None,
        verbose=False,
    ):
        self.scoring = scoring
        self.max_candidates = max_candidates
        self.source_estimator = source_estimator
        self.max_path_length = max_path_length
        self.fgw_alpha = fgw_alpha
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _scorers(self):
        scoring = (
            (self.scoring,) if isinstance(self.scoring, str) else tuple(self.scoring)
        )
        bad = [s for s in scoring if s not in _SCORERS]
        if bad or not scoring:
            raise ValueError(
                f"scoring must be a subset of {_SCORERS}, got {self.scoring!r}"
            )
        return scoring

    def fit(self, X, y=None, Xt=None, yt=None):
        """Learn the source model (if needed) and search the mappings.

        Parameters
        ----------
        X : Queries
            Source atoms of the source target predicate (or a numeric array of
            precomputed features, whose mapping is the identity).
        y : array-like of shape (n_source,)
            Source labels.
        Xt : Queries, default=None
            Target atoms (labelled and unlabelled) over the target world;
            ``None``: the target is the source.
        yt : array-like, default=None
            Labels of the first ``len(yt)`` atoms of ``Xt`` (the rest are
            unlabelled), used by the likelihood scorer only.

        Returns
        -------
        self : object
        """
        self._validate_params()
        scoring = self._scorers()
        if not isinstance(X, Queries):
            Xv = validate_data(self, X, reset=True)
            cols = [f"x{j}" for j in range(Xv.shape[1])]
            self.mapping_ = {
                "target": ("y", "y", (0,)),
                "target_perm": (0,),
                "predicates": {c: (c, (0,)) for c in cols},
                "types": {},
            }
            self.mapping_str_ = "identity (precomputed features)"
            self.candidate_scores_ = [{"mapping": self.mapping_}]
            self.mapping_report_ = {"n_candidates": 1, "reason": None}
            self.exhaustive_ = True
            self.source_model_ = None
            return self
        if y is None:
            raise ValueError("PredicateMappingSearch needs the source labels y")
        result = search_mappings(
            X,
            y,
            X if Xt is None else Xt,
            y if Xt is None else yt,
            scoring=scoring,
            max_candidates=self.max_candidates,
            source_estimator=self.source_estimator,
            max_path_length=self.max_path_length,
            fgw_alpha=self.fgw_alpha,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        for k, v in result.items():
            setattr(self, k, v)
        self.n_features_in_ = X.shape[1]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags

    def _check(self):
        check_is_fitted(self, "mapping_")


def search_mappings(
    Xs,
    ys,
    Xt,
    yt,
    scoring=("structure", "fgw", "rate"),
    max_candidates=1000,
    source_estimator=None,
    max_path_length=3,
    fgw_alpha=0.5,
    n_jobs=None,
    verbose=False,
    tables=None,
):
    """The work of :class:`PredicateMappingSearch`, as a function (see there)."""
    from sklearn.base import clone

    ys = np.asarray(ys)
    if source_estimator is not None and hasattr(source_estimator, "estimator_"):
        src = source_estimator
    else:
        src = clone(source_estimator or RelationalPathClassifier(max_path_length))
        src.fit(Xs, ys)
    model = model_from_classifier(src)
    Ds, ts, Dt, tt = Xs.dataset, Xs.predicate, Xt.dataset, Xt.predicate
    if tables is None:
        keys_s = src.feature_keys_
        pos = src.classes_[-1]
        Fs, _, _ = labelled_features(
            Xs, keys_s, (ys == pos).astype(int), verbose, src.max_nnz
        )
        yt01 = None if yt is None else (np.asarray(yt) == pos).astype(int)
        keys_t = feature_keys_for(src, Dt, tt, Xt, yt01)
        Ft, _, _ = labelled_features(Xt, keys_t, yt01, verbose, src.max_nnz)
        table_s, table_t = FeatureTable(keys_s, Fs), FeatureTable(keys_t, Ft)
    else:
        table_s, table_t = tables
    importance = model.importance()
    stats_s, stats_t = predicate_stats(Ds), predicate_stats(Dt)

    def prior(p, q, perm):
        w = importance.get(p, 0.0)
        if q is None:
            return w * 2.0
        return w * _pred_distance(stats_s[p], stats_t[q], perm)

    order = sorted(Ds.predicates, key=lambda p: (-importance.get(p, 0.0), p))
    order = [p for p in order if p != ts]
    candidates, exhaustive = enumerate_mappings(
        Ds, ts, Dt, tt, order, max_candidates, prior
    )
    logger.info("relational mapping search: %d candidates", len(candidates))
    if not candidates:
        reason = _no_mapping_reason(Ds, ts, Dt, tt)
        logger.warning("relational mapping search: %s", reason)
        return {
            "mapping_": {},
            "mapping_str_": format_mapping({}),
            "mapping_report_": {"n_candidates": 0, "reason": reason},
            "candidate_scores_": [],
            "exhaustive_": exhaustive,
            "source_model_": src,
            "scorers_": (),
            "feature_tables_": (table_s, table_t),
        }
    use_lik = "likelihood" in scoring and yt is not None
    yt = None if yt is None else np.asarray(yt)
    rows = None if yt is None else np.arange(len(yt))
    fgw = fgw_prior(Ds, ts, Dt, tt, fgw_alpha) if "fgw" in scoring else None
    source_rates = _rates(model.decision(table_s))

    def score_one(mapping):
        out = {"mapping": mapping}
        new_keys = [translate_key(k, mapping) for k in model.keys]
        kept = [c for c, k in enumerate(new_keys) if k is not None]
        translated = LinearRelationalModel(
            [new_keys[c] for c in kept], model.coef[kept], model.intercept
        )
        if use_lik:
            out["likelihood"] = likelihood_score(translated, table_t, rows, yt)
        if True:  # the structure score also breaks ties of the others
            pairs = list(zip(model.keys, new_keys, model.coef))
            cost = sum(
                prior(p, *(mapping["predicates"].get(p) or (None, None))) for p in order
            )
            out["structure"] = structure_score(model, pairs, table_s, table_t, cost)
        if fgw is not None:
            out["fgw"] = fgw_score(mapping, *fgw)
        if "rate" in scoring:
            out["rate"] = rate_score(translated, table_t, source_rates)
        return out

    iterator = candidates
    if verbose:
        from tqdm.auto import tqdm

        iterator = tqdm(candidates, desc="mapping candidates", leave=False)
    if n_jobs not in (None, 1) and len(candidates) > 1:
        from joblib import Parallel, delayed

        scored = Parallel(n_jobs=n_jobs)(delayed(score_one)(m) for m in iterator)
    else:
        scored = [score_one(m) for m in iterator]
    used = [s for s in scoring if s != "likelihood" or use_lik]
    if "structure" not in scoring:
        for c in scored:
            c["tiebreak_structure"] = c.pop("structure")
    if not used:
        raise ValueError(
            "scoring=('likelihood',) needs labelled target atoms yt; add a "
            "label-free scorer ('structure', 'fgw') or pass yt"
        )
    ranks = np.zeros(len(scored))
    for s in used:
        # scores equal to 1e-3 are ties (likelihoods are in nats per atom)
        vals = np.round(np.array([c[s] for c in scored]), 3)
        order_desc = np.argsort(-vals, kind="stable")
        r = np.empty(len(vals))
        r[order_desc] = np.arange(len(vals))
        # equal scores share the best rank
        for v in np.unique(vals):
            tie = vals == v
            r[tie] = r[tie].min()
        ranks += r
    first = np.array([-round(c[used[0]], 3) for c in scored])
    tiebreak = np.array(
        [-c.get("structure", c.get("tiebreak_structure")) for c in scored]
    )
    best = int(np.lexsort((tiebreak, first, ranks))[0])
    mapping = scored[best]["mapping"]
    return {
        "mapping_": mapping,
        "mapping_str_": format_mapping(mapping),
        "mapping_report_": {"n_candidates": len(scored), "reason": None},
        "candidate_scores_": scored,
        "exhaustive_": exhaustive,
        "source_model_": src,
        "scorers_": tuple(used),
        "feature_tables_": (table_s, table_t),
    }
