import pickle

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, cross_val_score

from transferkit.relational import (
    Queries,
    RelationalDataError,
    RelationalDataset,
    RelationalPathClassifier,
)
from transferkit.relational._dataset import parse_atom

from ._worlds import film_queries


def test_types_inferred_from_argument_positions():
    ds = RelationalDataset.from_facts(
        [
            ("movie", ("m1", "ann")),
            ("director", ("ann",)),
            ("genre", ("ann", "drama")),
            ("actor", ("bob",)),
        ],
        queries=[("workedunder", ("bob", "ann")), ("workedunder", ("ann", "ann"))],
    )
    person = ds.signatures["director"][0]
    # movie[1], director[0], genre[0] share "ann"; both workedunder slots hold
    # "ann", and actor[0] joins through workedunder(bob, ann).
    assert ds.signatures["movie"] == ("movie[0]", person)
    assert ds.signatures["genre"] == (person, "genre[1]")
    assert ds.signatures["actor"] == (person,)
    assert ds.signatures["workedunder"] == (person, person)
    assert sorted(ds.entities[person]) == ["ann", "bob"]


def test_declared_types_and_type_clash():
    types = {"movie": ("film", "person"), "genre": ("person", "genre")}
    ds = RelationalDataset.from_facts(
        [("movie", ("m1", "ann")), ("genre", ("ann", "drama"))], types=types
    )
    assert ds.signatures == types
    with pytest.raises(RelationalDataError, match=r"type clash: 'ann' is a film"):
        RelationalDataset.from_facts(
            [("genre", ("ann", "drama")), ("movie", ("ann", "bob"))], types=types
        )
    with pytest.raises(RelationalDataError, match="unknown predicate 'actor'"):
        RelationalDataset.from_facts([("actor", ("ann",))], types=types)


def test_errors_name_file_and_line(tmp_path):
    (tmp_path / "train_facts.txt").write_text("movie(m1,ann).\nmovie(m2).\n")
    (tmp_path / "train_pos.txt").write_text("workedunder(ann,ann).\n")
    with pytest.raises(RelationalDataError, match=r"train_facts.txt, line 2: movie/1"):
        RelationalDataset.from_folder(tmp_path)
    (tmp_path / "train_facts.txt").write_text("movie(m1,ann).\n")
    (tmp_path / "train_pos.txt").write_text("")
    (tmp_path / "train_neg.txt").write_text("workedunder(ann,ann).\n")
    with pytest.raises(RelationalDataError, match="has no positive atoms"):
        RelationalDataset.from_folder(tmp_path, target="workedunder")
    (tmp_path / "train_facts.txt").write_text("recursion_workedunder(ann,ann).\n")
    (tmp_path / "train_pos.txt").write_text("workedunder(ann,ann).\n")
    (tmp_path / "train_neg.txt").write_text("workedunder(ann,bob).\n")
    with pytest.raises(RelationalDataError, match="world is empty"):
        RelationalDataset.from_folder(tmp_path, target="workedunder")
    (tmp_path / "train_facts.txt").write_text("movie(m1,ann.\n")
    with pytest.raises(RelationalDataError, match="line 1: cannot read"):
        RelationalDataset.from_folder(tmp_path)
    with pytest.raises(KeyError, match="unknown predicate 'nope'"):
        ds = RelationalDataset.from_facts([("movie", ("m", "a"))])
        Queries(ds, "nope", [("a",)])


def test_fold_format_round_trip(tmp_path):
    facts = [
        ("movie", ("m1", "ann")),
        ("movie", ("m1", "bob")),
        ("director", ("bob",)),
        ("recursion_workedunder", ("ann", "bob")),
    ]
    ds = RelationalDataset.from_facts(facts)
    assert ds.dropped == {"recursion_workedunder": 1}
    ds.write_facts(tmp_path / "train_facts.txt")
    (tmp_path / "train_pos.txt").write_text("workedunder(ann,bob).\n")
    (tmp_path / "train_neg.txt").write_text("workedunder(bob,ann).\n")
    back, X, y = RelationalDataset.from_folder(tmp_path)
    assert sorted(back.to_facts()) == sorted(
        f for f in facts if not f[0].startswith("recursion_")
    )
    assert X.predicate == "workedunder"
    assert X.names == [("ann", "bob"), ("bob", "ann")]
    assert y.tolist() == [1, 0]


def test_prolog_reader_skips_comments_and_rules(tmp_path):
    path = tmp_path / "w.pl"
    path.write_text(
        "/* a header\n over lines */\n% comment\n:- dynamic movie/2.\n"
        "movie(m1,ann).\nboss(X,Y) :- movie(M,X), movie(M,Y).\n'director'(ann).\n"
    )
    ds = RelationalDataset.from_prolog(path)
    assert sorted(ds.to_facts()) == [("director", ("ann",)), ("movie", ("m1", "ann"))]


def test_from_triples():
    ds = RelationalDataset.from_triples(
        [("ann", "knows", "bob"), ("bob", "knows", "cy")]
    )
    assert ds.adjacency("knows", 0, 1).toarray().sum() == 2


def test_negative_of_another_type_is_kept():
    ds = RelationalDataset.from_facts(
        [("follows", ("a1", "a2")), ("tweets", ("a1", "w"))],
        queries=[
            ("accounttype", ("a1", "fan")),
            ("accounttype", ("a2", "a1"), 0, None, False),
        ],
    )
    X = Queries(ds, "accounttype", [("a1", "fan"), ("a2", "a1")])
    assert X.ids[1, 1] == -1  # a1 is an account, not an account type


def test_queries_index_and_group_cv():
    X, y = film_queries()
    assert len(X) == X.shape[0] == y.shape[0]
    sub = X[np.arange(5)]
    assert sub.names == X.names[:5] and isinstance(sub, Queries)
    assert len(X[y == 1]) == y.sum()
    clf = RelationalPathClassifier(max_path_length=2)
    for cv in (GroupKFold(n_splits=2), LeaveOneGroupOut()):
        scores = cross_val_score(clf, X, y, groups=X.groups, cv=cv, scoring="roc_auc")
        assert np.all(scores > 0.9)
    assert pickle.loads(pickle.dumps(X)).names == X.names


# ---------------------------------------------------------------- audit
def test_string_arguments_are_refused_not_split_into_characters():
    with pytest.raises(RelationalDataError, match=r"string 'bob'.*characters"):
        RelationalDataset.from_facts([("movie", ("m1", "ann")), ("director", "bob")])
    ds = RelationalDataset.from_facts(
        [("movie", ("m1", "ann")), ("movie", ("m1", "bob"))],
        queries=[("workedunder", ("ann", "bob"))],
    )
    with pytest.raises(RelationalDataError, match="queries"):
        RelationalDataset.from_facts(
            [("movie", ("m1", "ann"))], queries=[("workedunder", "an")]
        )
    with pytest.raises(RelationalDataError, match=r"atom 1: .*string 'an'"):
        Queries(ds, "workedunder", [("ann", "bob"), "an"])


def test_id_arrays_must_have_one_column_per_argument_and_valid_ids():
    ds = RelationalDataset.from_facts(
        [("movie", ("m1", "ann")), ("movie", ("m1", "bob"))],
        queries=[("workedunder", ("ann", "bob"))],
    )
    ok = Queries(ds, "workedunder", np.array([[0, 1], [1, -1]]))
    assert ok.names == [("ann", "bob"), ("bob", "?")]
    with pytest.raises(RelationalDataError, match=r"shape \(n_atoms, 2\).*\(2, 3\)"):
        Queries(ds, "workedunder", np.array([[0, 1, 0], [1, 0, 1]]))
    with pytest.raises(RelationalDataError, match=r"shape \(n_atoms, 2\)"):
        Queries(ds, "workedunder", np.array([0, 1]))
    with pytest.raises(RelationalDataError, match=r"id -2 of atom 1"):
        Queries(ds, "workedunder", np.array([[0, 1], [-2, 0]]))
    with pytest.raises(RelationalDataError, match=r"id 5 of atom 0"):
        Queries(ds, "workedunder", np.array([[5, 1]]))


def _fold(tmp_path, pos, neg, facts="movie(m1,ann).\nmovie(m1,bob).\n"):
    (tmp_path / "train_facts.txt").write_text(facts)
    (tmp_path / "train_pos.txt").write_text(pos)
    (tmp_path / "train_neg.txt").write_text(neg)
    return tmp_path


def test_atom_both_positive_and_negative_is_refused(tmp_path):
    folder = _fold(
        tmp_path,
        "workedunder(ann,bob).\n",
        "workedunder(bob,ann).\nworkedunder(ann,bob).\n",
    )
    with pytest.raises(
        RelationalDataError,
        match=r"train_neg.txt, line 2: the atom workedunder\(ann, bob\) is labelled "
        r"both negative here and positive at .*train_pos.txt, line 1",
    ):
        RelationalDataset.from_folder(folder)


def test_quoted_commas_stay_in_one_argument(tmp_path):
    assert parse_atom("name(p1,'Smith, John').") == ("name", ("p1", "Smith, John"))
    assert parse_atom('name(p1, "a,b" ).') == ("name", ("p1", "a,b"))
    assert parse_atom("q('it''s', b)") == ("q", ("it's", "b"))
    with pytest.raises(RelationalDataError, match="unterminated"):
        parse_atom("name(p1,'Smith, John).")
    facts = "movie(m1,ann).\nmovie(m1,bob).\nname(ann,'Smith, Ann').\n"
    folder = _fold(
        tmp_path, "workedunder(ann,bob).\n", "workedunder(bob,ann).\n", facts
    )
    ds, X, y = RelationalDataset.from_folder(folder)
    assert ds.arity("name") == 2
    # and the fact file written back reads the same
    ds.write_facts(tmp_path / "again.txt")
    again = RelationalDataset.from_prolog(tmp_path / "again.txt")
    assert sorted(again.to_facts()) == sorted(ds.to_facts())


def test_non_utf8_bytes_name_file_and_line(tmp_path):
    path = tmp_path / "train_facts.txt"
    path.write_bytes(b"movie(m1,ann).\nmovie(m1,b\xe9b).\n")
    with pytest.raises(
        RelationalDataError, match=r"train_facts.txt, line 2: not UTF-8"
    ):
        RelationalDataset.from_prolog(path)
