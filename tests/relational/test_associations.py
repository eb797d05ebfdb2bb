"""Label associations: hand-computed values, cross-fitting, carry-over by name."""

import numpy as np
import pytest

from transferkit.relational import Queries, RelationalDataset, RelationalPathClassifier
from transferkit.relational._associations import (
    AssociationTables,
    association_keys,
    cross_fitted_associations,
)
from transferkit.relational._paths import translate_key


def protein_world(functions, labels, prefix="p"):
    """Proteins with functions; ``labels``: {(protein, class): 0/1}."""
    facts = [
        ("function", (f"{prefix}{p}", f)) for p, fs in functions.items() for f in fs
    ]
    atoms = [(f"{prefix}{p}", c) for p, c in labels]
    y = np.array([labels[k] for k in labels])
    positives = [("cls", a) for a, t in zip(atoms, y) if t]
    ds = RelationalDataset.from_facts(facts, queries=positives)
    return Queries(ds, "cls", atoms), y


FUNCTIONS = {0: ["f1"], 1: ["f1", "f2"], 2: ["f2"], 3: ["f1", "f3"], 4: ["f2"]}
LABELS = {
    (0, "a"): 1,
    (0, "b"): 0,
    (1, "a"): 1,
    (1, "b"): 0,
    (2, "a"): 0,
    (2, "b"): 1,
    (3, "a"): 0,
    (3, "b"): 1,
    (4, "a"): 0,
    (4, "b"): 1,
}


def test_association_values_equal_the_smoothed_log_odds_by_hand():
    X, y = protein_world(FUNCTIONS, LABELS)
    keys = association_keys(X.dataset, "cls", max_constants=10)
    assert keys == [
        ("assoc", 0, "function", 0, "sum"),
        ("assoc", 0, "function", 0, "max"),
    ]
    tables = AssociationTables(keys).fit(X, y)
    table = tables.tables[("assoc", 0, "function", 0)]
    pi = y.mean()  # 0.5

    def by_hand(n_pos, n):
        return np.log((n_pos + 2 * pi) / (n - n_pos + 2 * (1 - pi))) - np.log(
            pi / (1 - pi)
        )

    # f1: proteins 0, 1, 3; class a positive for 0 and 1 -> 2 of 3
    assert table[("f1", "a")] == pytest.approx(by_hand(2, 3))
    assert table[("f1", "b")] == pytest.approx(by_hand(1, 3))
    # f2: proteins 1, 2, 4 -> class a positive for 1 only
    assert table[("f2", "a")] == pytest.approx(by_hand(1, 3))
    assert table[("f2", "b")] == pytest.approx(by_hand(2, 3))
    # features of protein 1 for class a: sum and max over f1, f2
    F = tables.transform(X)
    row = list(LABELS).index((1, "a"))
    assert F[row, 0] == pytest.approx(table[("f1", "a")] + table[("f2", "a")])
    assert F[row, 1] == pytest.approx(max(table[("f1", "a")], table[("f2", "a")]))


def test_an_atoms_own_label_never_feeds_its_feature():
    # every protein has a function of its own: only its own label could
    # associate that function with a class, so cross-fitted features are 0,
    # while features from tables fitted on all labels would separate perfectly
    functions = {p: [f"own{p}"] for p in range(10)}
    labels = {(p, c): int((p % 2 == 0) == (c == "a")) for p in range(10) for c in "ab"}
    X, y = protein_world(functions, labels)
    keys = association_keys(X.dataset, "cls", max_constants=10)
    F, tables = cross_fitted_associations(keys, X, y)
    assert np.all(F == 0)
    leaky = tables.transform(X)[:, 0]
    assert np.all(leaky[y == 1] > 0) and np.all(leaky[y == 0] < 0)


def test_associations_carry_over_to_another_world_by_name():
    X, y = protein_world(FUNCTIONS, LABELS)
    keys = association_keys(X.dataset, "cls", max_constants=10)
    tables = AssociationTables(keys).fit(X, y)
    # a new world: other proteins, the same function names and classes
    X2, _ = protein_world({7: ["f1"], 8: ["f2", "f9"]}, {(7, "a"): 1, (8, "b"): 1}, "q")
    F2 = tables.transform(X2)
    t = tables.tables[("assoc", 0, "function", 0)]
    assert F2[0, 0] == pytest.approx(t[("f1", "a")])
    assert F2[1, 0] == pytest.approx(t[("f2", "b")])  # f9 unseen: association 0


def test_association_keys_only_for_a_small_constant_argument():
    X, _ = protein_world(FUNCTIONS, LABELS)
    assert association_keys(X.dataset, "cls", max_constants=1) == []
    X, y = protein_world(FUNCTIONS, LABELS)
    clf = RelationalPathClassifier(label_associations=False).fit(X, y)
    assert not any(k[0] == "assoc" for k in clf.feature_keys_)


def test_the_classifier_uses_cross_fitted_associations_and_refits_the_same():
    X, y = protein_world(FUNCTIONS, LABELS)
    a = RelationalPathClassifier(max_path_length=2).fit(X, y)
    b = RelationalPathClassifier(max_path_length=2).fit(X, y)
    assert any(k[0] == "assoc" for k in a.feature_keys_)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))


def test_a_mapping_translates_association_keys():
    mapping = {"predicates": {"tweets": ("function", (1, 0))}, "target_perm": (0, 1)}
    key = ("assoc", 0, "tweets", 0, "sum")
    assert translate_key(key, mapping) == ("assoc", 0, "function", 1, "sum")
    assert translate_key(("assoc", 0, "follows", 0, "max"), mapping) is None
