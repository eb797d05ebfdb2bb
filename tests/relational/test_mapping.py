import numpy as np
import pytest

from transferkit.relational import (
    PredicateMappingSearch,
    Queries,
    RelationalDataset,
    RelationalPathClassifier,
)
from transferkit.relational._mapping import enumerate_mappings, is_type_consistent

from ._worlds import film_world

RENAME = {
    "movie": "publication",
    "director": "professor",
    "actor": "student",
    "female": "phd",
    "genre": "area",
    "workedunder": "advisedby",
}


def renamed_pair(seed=0, swap_movie=True):
    """The same world twice: films, and a university with renamed everything."""
    facts, atoms, y, groups = film_world(n_groups=4, seed=seed)
    src = RelationalDataset.from_facts(
        facts, queries=[("workedunder", a) for a, t in zip(atoms, y) if t]
    )

    def rn(name):
        return "u_" + name

    tfacts = []
    for p, args in facts:
        args = tuple(rn(a) for a in args)
        if p == "movie" and swap_movie:  # publication(person, paper): swapped
            args = args[::-1]
        tfacts.append((RENAME[p], args))
    tatoms = [(rn(a), rn(b)) for a, b in atoms]
    tgt = RelationalDataset.from_facts(
        tfacts, queries=[("advisedby", a) for a, t in zip(tatoms, y) if t]
    )
    Xs = Queries(src, "workedunder", atoms, groups=groups)
    Xt = Queries(tgt, "advisedby", tatoms, groups=groups)
    return Xs, Xt, y


def true_mapping_str(swap_movie=True):
    parts = ["workedunder->advisedby"]
    for p in sorted(k for k in RENAME if k != "workedunder"):
        suffix = "(swapped)" if (p == "movie" and swap_movie) else ""
        parts.append(f"{p}->{RENAME[p]}{suffix}")
    return ", ".join(parts)


@pytest.mark.parametrize(
    "scoring", ["likelihood", "structure", "fgw", "rate", ("structure", "fgw", "rate")]
)
def test_every_scorer_recovers_the_renamed_world(scoring):
    Xs, Xt, y = renamed_pair()
    search = PredicateMappingSearch(
        scoring=scoring, max_path_length=2, max_candidates=1000
    )
    search.fit(Xs, y, Xt, y if scoring == "likelihood" else None)
    assert search.mapping_str_ == true_mapping_str()
    assert search.exhaustive_


def test_candidates_are_type_consistent_and_bounded():
    Xs, Xt, y = renamed_pair()
    Ds, Dt = Xs.dataset, Xt.dataset
    full, exhaustive = enumerate_mappings(
        Ds, "workedunder", Dt, "advisedby", max_candidates=10**6
    )
    assert exhaustive and len(full) > 50
    assert all(is_type_consistent(m, Ds, Dt) for m in full)
    keys = {str((m["target"], sorted(m["predicates"].items()))) for m in full}
    assert len(keys) == len(full)  # no duplicates
    capped, exhaustive = enumerate_mappings(
        Ds, "workedunder", Dt, "advisedby", max_candidates=7
    )
    assert not exhaustive and len(capped) <= 7
    assert all(is_type_consistent(m, Ds, Dt) for m in capped)
    # brute force: every type-consistent injective assignment is enumerated
    import itertools

    opts = {}
    for p in Ds.predicates:
        o = [None]
        for q in Dt.predicates:
            if q != "advisedby" and Dt.arity(q) == Ds.arity(p):
                o += [(q, pm) for pm in itertools.permutations(range(Ds.arity(p)))]
        opts[p] = o
    count = 0
    for combo in itertools.product(*opts.values()):
        for tperm in ((0, 1), (1, 0)):  # both arguments are persons
            m = {
                "target": ("workedunder", "advisedby", tperm),
                "predicates": {p: c for p, c in zip(opts, combo) if c is not None},
            }
            count += is_type_consistent(m, Ds, Dt)
    assert count == len(full)


def test_search_takes_a_fitted_source_model_and_reports_scores():
    Xs, Xt, y = renamed_pair(swap_movie=False)
    src = RelationalPathClassifier(max_path_length=2).fit(Xs, y)
    search = PredicateMappingSearch(source_estimator=src, n_jobs=2).fit(Xs, y, Xt)
    assert search.source_model_ is src
    assert search.scorers_ == ("structure", "fgw", "rate")  # the label-free default
    assert {"structure", "fgw", "rate"} <= set(search.candidate_scores_[0])
    # with likelihood listed but no yt, only the label-free scorers are used
    both = PredicateMappingSearch(
        scoring=("likelihood", "structure"), source_estimator=src
    ).fit(Xs, y, Xt)
    assert both.scorers_ == ("structure",)
    assert search.mapping_str_ == true_mapping_str(swap_movie=False)
    with pytest.raises(ValueError, match="scoring must be a subset"):
        PredicateMappingSearch(scoring="nope").fit(Xs, y, Xt)
    with pytest.raises(ValueError, match="needs labelled target atoms"):
        PredicateMappingSearch(scoring="likelihood").fit(Xs, y, Xt)


def test_numeric_input_is_identity_mapping():
    X = np.random.default_rng(0).normal(size=(10, 3))
    search = PredicateMappingSearch().fit(X, np.arange(10) % 2)
    assert search.mapping_["predicates"] == {f"x{j}": (f"x{j}", (0,)) for j in range(3)}


def test_two_source_types_never_share_a_target_type():
    # IMDB-like movie(movie, person) must not land on a (person, person)
    # predicate: that would merge the movie and person types
    Xs, Xt, y = renamed_pair()
    Ds, Dt = Xs.dataset, Xt.dataset
    full, _ = enumerate_mappings(
        Ds, "workedunder", Dt, "advisedby", max_candidates=10**6
    )
    for m in full:
        images = list(m["types"].values())
        assert len(images) == len(set(images))


def test_no_type_consistent_mapping_is_reported_not_a_crash(caplog):
    # workedunder(person, person) cannot go onto passed(student, course):
    # this raised IndexError at np.lexsort(...)[0]
    from ._worlds import unmappable_pair

    Xs, ys, Xt, _ = unmappable_pair()
    with caplog.at_level("WARNING", logger="transferkit"):
        search = PredicateMappingSearch().fit(Xs, ys, Xt)
    assert search.mapping_ == {}
    assert search.candidate_scores_ == []
    assert search.mapping_report_["n_candidates"] == 0
    assert "no type-consistent mapping" in search.mapping_report_["reason"]
    assert "passed" in search.mapping_report_["reason"]
    assert search.mapping_str_.startswith("none")
    assert "no type-consistent mapping" in caplog.text


def test_found_mapping_has_an_empty_reason():
    Xs, Xt, y = renamed_pair()
    search = PredicateMappingSearch(scoring="structure").fit(Xs, y, Xt)
    assert search.mapping_report_["reason"] is None
    assert search.mapping_report_["n_candidates"] == len(search.candidate_scores_)


def test_consistent_permutations_match_brute_force():
    from itertools import permutations

    from transferkit.relational._mapping import _consistent_perms

    def brute(sig, tsig, types):
        out = []
        for perm in permutations(range(len(sig))):
            new, ok = dict(types), True
            for i, s in enumerate(sig):
                t = tsig[perm[i]]
                if (s not in new and t in new.values()) or new.setdefault(s, t) != t:
                    ok = False
                    break
            if ok:
                out.append((perm, new))
        return out

    rng = np.random.RandomState(0)
    for _ in range(500):
        k = rng.randint(1, 5)
        sig = tuple(rng.choice(list("abc"), k))
        tsig = tuple(rng.choice(list("xyz"), k))
        bound = rng.permutation(list("xyzw"))[: rng.randint(0, 3)]
        types = dict(zip("abc", bound))
        assert _consistent_perms(sig, tsig, types) == brute(sig, tsig, types)
    # distinct bound types: one permutation out of 8!, found without listing 8!
    sig = tuple("abcdefgh")
    got = _consistent_perms(sig, tuple("ABCDEFGH")[::-1], dict(zip(sig, "ABCDEFGH")))
    assert [p for p, _ in got] == [tuple(range(7, -1, -1))]
