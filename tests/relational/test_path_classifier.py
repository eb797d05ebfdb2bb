import pickle
from itertools import product

import numpy as np
import pytest
from sklearn.base import clone

from transferkit.relational import Queries, RelationalDataset, RelationalPathClassifier
from transferkit.relational._paths import compute_features, enumerate_feature_keys

from ._worlds import film_queries


def random_world(seed):
    rng = np.random.default_rng(seed)
    people = [f"p{i}" for i in range(7)]
    films = [f"f{i}" for i in range(4)]
    facts = set()
    for _ in range(14):
        facts.add(("movie", (str(rng.choice(films)), str(rng.choice(people)))))
    for _ in range(8):
        facts.add(("knows", (str(rng.choice(people)), str(rng.choice(people)))))
    for _ in range(5):
        facts.add(
            ("cast", tuple(str(v) for v in (rng.choice(films), *rng.choice(people, 2))))
        )
    facts.add(("director", ("p0",)))
    return sorted(facts), people


def brute_force_count(facts, path, a, b):
    """Walk every fact sequence along ``path`` from a, count arrivals at b."""
    frontier = {a: 1}
    for pred, i, j in path:
        nxt = {}
        for p, args in facts:
            if p == pred and args[i] in frontier:
                nxt[args[j]] = nxt.get(args[j], 0) + frontier[args[i]]
        frontier = nxt
    return frontier.get(b, 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_path_counts_match_brute_force(seed):
    facts, people = random_world(seed)
    pairs = list(product(people, people))
    ds = RelationalDataset.from_facts(facts, queries=[("boss", p) for p in pairs])
    X = Queries(ds, "boss", pairs)
    keys = enumerate_feature_keys(ds, "boss", max_path_length=3)
    paths = [k for k in keys if k[0] == "path"]
    # every chain of typed edges person -> ... -> person is enumerated
    assert len(paths) > 20
    F, stats = compute_features(ds, "boss", X.ids, keys)
    assert stats["n_path_types"] == len(paths)
    for c, key in enumerate(keys):
        if key[0] != "path":
            continue
        expected = [brute_force_count(facts, key[1], a, b) for a, b in pairs]
        np.testing.assert_allclose(np.expm1(F[:, c]), expected, atol=1e-9)


def test_attribute_and_type_features():
    facts, people = random_world(0)
    ds = RelationalDataset.from_facts(facts, queries=[("boss", ("p0", "p1"))])
    X = Queries(ds, "boss", [("p0", "p1"), ("p2", "p2")])
    keys = enumerate_feature_keys(ds, "boss", 1)
    F, _ = compute_features(ds, "boss", X.ids, keys)
    col = {k: F[:, c] for c, k in enumerate(keys)}
    assert col[("attr", 0, "director", 0)].tolist() == [np.log(2), 0.0]
    assert col[("same",)].tolist() == [0.0, 1.0]
    assert col[("type", 1)].tolist() == [1.0, 1.0]


def test_path_type_budget_and_nnz_cap():
    facts, _ = random_world(0)
    ds = RelationalDataset.from_facts(facts, queries=[("boss", ("p0", "p0"))])
    X = Queries(ds, "boss", [("p0", "p1")])
    # a budget, not a refusal (it raised "... above max_path_types=5")
    report = {}
    keys = enumerate_feature_keys(ds, "boss", 3, 5, ids=X.ids, report=report)
    assert sum(1 for k in keys if k[0] == "path") == 5
    assert report["n_path_types"] > 5 and len(report["kept"]) == 5
    with pytest.raises(ValueError, match="above max_nnz=1"):
        compute_features(ds, "boss", X.ids, enumerate_feature_keys(ds, "boss"), 1)


def test_learns_workedunder_and_generalises_to_new_world():
    X, y = film_queries(n_groups=4, seed=0)
    Xn, yn = film_queries(n_groups=3, seed=5)
    clf = RelationalPathClassifier(max_path_length=2).fit(X, y)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(yn, clf.predict_proba(Xn)[:, 1]) > 0.95
    names = dict(zip(clf.feature_names_, clf.estimator_.coef_[0]))
    assert names["attr1:director[0]"] > 0  # the boss is a director
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(Xn), clf.predict_proba(Xn))
    np.testing.assert_array_equal(
        clone(clf).fit(X, y).predict_proba(Xn), clf.predict_proba(Xn)
    )


def test_leak_guard_keeps_recursion_copies_out_of_features():
    X, y = film_queries(n_groups=2, seed=1)
    facts = X.dataset.to_facts()
    leaked = facts + [("recursion_workedunder", a) for a, t in zip(X.names, y) if t]
    atoms = [("workedunder", a) for a, t in zip(X.names, y) if t]
    guarded = RelationalDataset.from_facts(leaked, queries=atoms)
    assert "recursion_workedunder" not in guarded.signatures
    Xg = Queries(guarded, "workedunder", X.names)
    clf = RelationalPathClassifier(max_path_length=2).fit(Xg, y)
    assert not any("recursion" in n for n in clf.feature_names_)
    # without the guard the copies become a feature that gives the labels away
    open_ = RelationalDataset.from_facts(leaked, queries=atoms, drop_predicates=None)
    Xo = Queries(open_, "workedunder", X.names)
    leaky = RelationalPathClassifier(max_path_length=1).fit(Xo, y)
    col = leaky.feature_names_.index("path:recursion_workedunder[0>1]")
    np.testing.assert_array_equal(leaky.features(Xo)[:, col] > 0, y == 1)
    # the target predicate itself is never a feature, even when given as facts
    with_target = RelationalDataset.from_facts(
        facts + atoms, target="workedunder", queries=atoms
    )
    assert with_target.dropped["workedunder"] == len(atoms)


def test_numeric_array_input_is_precomputed_features():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(40, 3))
    y = (F[:, 0] > 0).astype(int)
    clf = RelationalPathClassifier().fit(F, y)
    assert clf.n_features_in_ == 3 and clf.score(F, y) > 0.9
    X, yq = film_queries(n_groups=1)
    with pytest.raises(TypeError, match="fitted on a numeric array"):
        clf.predict(X)


def test_verbose_shows_a_progress_bar(capsys):
    X, y = film_queries(n_groups=1)
    RelationalPathClassifier(max_path_length=2, verbose=True).fit(X, y)
    assert "relation paths" in capsys.readouterr().err


def test_constant_indicators_for_a_small_second_type():
    from transferkit.relational._paths import translate_key

    facts = [("follows", (f"a{i}", f"a{(i + 1) % 6}")) for i in range(6)]
    kinds = ["fan", "news"]
    pos = [(f"a{i}", kinds[i % 3 == 0]) for i in range(6)]
    neg = [(a, k) for a, _ in pos for k in kinds if (a, k) not in pos]
    ds = RelationalDataset.from_facts(facts, queries=[("accounttype", p) for p in pos])
    X = Queries(ds, "accounttype", pos + neg)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))].astype(int)
    clf = RelationalPathClassifier(max_path_length=2).fit(X, y)
    assert {"arg1=fan", "arg1=news"} <= set(clf.feature_names_)
    col = clf.feature_names_.index("arg1=fan")
    F, _ = compute_features(ds, "accounttype", X.ids, clf.feature_keys_)
    np.testing.assert_array_equal(F[:, col], [n[1] == "fan" for n in X.names])
    off = RelationalPathClassifier(max_path_length=2, max_constants=0).fit(X, y)
    assert not any(n.startswith("arg1=") for n in off.feature_names_)
    # constants never travel through a mapping
    mapping = {"predicates": {"follows": ("interaction", (0, 1))}}
    assert translate_key(("const", 1, "fan"), mapping) is None


def test_path_types_above_the_budget_are_selected_not_refused(caplog):
    # 4422 path types of length <= 2: this raised "... above
    # max_path_types=2000: lower max_path_length or raise max_path_types"
    from ._worlds import many_predicates_world

    X, y = many_predicates_world()
    with caplog.at_level("INFO", logger="transferkit"):
        clf = RelationalPathClassifier(max_path_length=2).fit(X, y)
    sel = clf.path_selection_
    assert sel["n_path_types"] == 4422
    assert sel["max_path_types"] == 2000
    assert len(sel["kept"]) == 2000
    n_paths = sum(1 for k in clf.feature_keys_ if k[0] == "path")
    assert n_paths == 2000
    # the path that explains the labels survives the selection
    assert ("path", (("boss", 1, 0),)) in clf.feature_keys_
    assert "correlation" in sel["criterion"]
    assert "kept the 2000" in caplog.text
    assert clf.score(X, y) > 0.95
    # deterministic
    again = RelationalPathClassifier(max_path_length=2).fit(X, y)
    assert again.feature_keys_ == clf.feature_keys_


def test_path_budget_none_keeps_every_path_type_and_small_budget_selects():
    from ._worlds import many_predicates_world

    X, y = many_predicates_world(n_noise=5, n_people=10)
    full = RelationalPathClassifier(max_path_length=2, max_path_types=None).fit(X, y)
    assert full.path_selection_ == {}
    assert sum(1 for k in full.feature_keys_ if k[0] == "path") == 12 + 144
    small = RelationalPathClassifier(max_path_length=2, max_path_types=5).fit(X, y)
    assert len(small.path_selection_["kept"]) == 5
    assert ("path", (("boss", 1, 0),)) in small.feature_keys_
    # without labels the support decides
    keys = enumerate_feature_keys(
        X.dataset, "advisedby", 2, 5, ids=X.ids, report=(rep := {})
    )
    assert sum(1 for k in keys if k[0] == "path") == 5
    assert rep["criterion"].startswith("support")


def test_nnz_budget_splits_the_heads_and_gives_the_same_counts():
    facts, people = random_world(1)
    pairs = list(product(people, people))
    ds = RelationalDataset.from_facts(facts, queries=[("boss", p) for p in pairs])
    X = Queries(ds, "boss", pairs)
    keys = enumerate_feature_keys(ds, "boss", 3, None)
    full, stats = compute_features(ds, "boss", X.ids, keys)
    assert stats["n_blocks"] == 1
    # a budget one head's products fit in but all heads' do not (it raised
    # "... above max_nnz"): the heads are split, the counts are the same
    small = 1
    while True:
        try:
            got, split = compute_features(ds, "boss", X.ids, keys, max_nnz=small)
            break
        except ValueError as exc:
            assert "one query head" in str(exc)
            small *= 2
    assert split["n_blocks"] > 1
    np.testing.assert_array_equal(got, full)
