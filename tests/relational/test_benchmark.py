import json
from pathlib import Path

import pytest

from transferkit.benchmarks import get_benchmark
from transferkit.benchmarks.relational import _parse_pairs


@pytest.mark.realdata
def test_relational_benchmark_one_fold_and_json(data_home):
    run = get_benchmark("relational")
    folder = str(Path(data_home) / "relational" / "imdb")  # a folder path works too
    tables = run(pair=f"{folder}:uwcse", data_home=data_home, folds=[3])
    record = json.loads(json.dumps(tables[0].to_dict()))["pairs"][0]
    assert record["source"] == "imdb" and record["target"] == "uwcse"
    for row in ("transfer", "target_only"):
        assert {"auc_roc", "auc_pr", "cll", "mapping", "seconds"} <= set(record[row])
        assert 0.5 < record[row]["auc_roc"] <= 1.0
    assert record["transfer"]["mapping"].startswith("workedunder->advisedby")
    md = tables[0].to_markdown()
    assert "imdb→uwcse MapAndRevise" in md and "TreeBoostler (published)" in md


def test_pair_parsing():
    assert len(_parse_pairs("all")) == 6
    assert _parse_pairs("a:b,c:d") == [("a", "b"), ("c", "d")]
    with pytest.raises(ValueError, match="SRC:TGT"):
        _parse_pairs("imdb")


def _write_fold_domain(root, facts, pos, neg, n_folds=2):
    """A domain in the fold layout: mega-example k has the entities suffixed k;
    fold k trains on mega-example k and tests on the others."""

    def atoms(items, k):
        return "".join(
            f"{p}({','.join(a + str(k) for a in args)}).\n" for p, args in items
        )

    for k in range(1, n_folds + 1):
        fold = root / "treeboostler_folds_transfer_experiment" / f"fold_{k}"
        fold.mkdir(parents=True)
        others = [j for j in range(1, n_folds + 1) if j != k]
        for split, megas in (("train", [k]), ("test", others)):
            (fold / f"{split}_facts.txt").write_text(
                "".join(atoms(facts, j) for j in megas)
            )
            (fold / f"{split}_pos.txt").write_text(
                "".join(atoms(pos, j) for j in megas)
            )
            (fold / f"{split}_neg.txt").write_text(
                "".join(atoms(neg, j) for j in megas)
            )


def test_benchmark_on_folders_without_a_type_consistent_mapping(tmp_path):
    # source target person x person, target target student x course: this
    # pair raised IndexError in the mapping search
    people = [f"p{i}" for i in range(8)]
    sfacts = [("movie", (f"m{i // 2}", p)) for i, p in enumerate(people)]
    sfacts += [("director", (p,)) for p in people[::2]]
    spos = [("workedunder", (people[i + 1], people[i])) for i in range(0, 8, 2)]
    sneg = [("workedunder", (people[i], people[i + 1])) for i in range(0, 8, 2)]
    sneg += [("workedunder", (people[i], people[(i + 2) % 8])) for i in range(8)]
    students, courses = [f"s{i}" for i in range(8)], [f"c{i}" for i in range(4)]
    tfacts = [("takes", (s, courses[i % 4])) for i, s in enumerate(students)]
    tfacts += [("takes", (s, courses[(i + 1) % 4])) for i, s in enumerate(students)]
    tfacts += [("good", (s,)) for s in students[::2]]
    tpos = [
        ("passed", (s, courses[i % 4])) for i, s in enumerate(students) if i % 2 == 0
    ]
    tneg = [("passed", (s, courses[i % 4])) for i, s in enumerate(students) if i % 2]
    tneg += [("passed", (s, courses[(i + 2) % 4])) for i, s in enumerate(students)]
    _write_fold_domain(tmp_path / "films", sfacts, spos, sneg)
    _write_fold_domain(tmp_path / "school", tfacts, tpos, tneg)
    run = get_benchmark("relational")
    pair = f"{tmp_path / 'films'}:{tmp_path / 'school'}"
    record = run(pair=pair)[0].to_dict()["pairs"][0]
    assert record["source"] == "films" and record["target"] == "school"
    assert record["transfer"]["mapping"].startswith("none")
    assert {r["chosen"] for r in record["transfer"]["per_fold"]} == {"target_only"}
    assert 0.0 <= record["transfer"]["auc_roc"] <= 1.0
