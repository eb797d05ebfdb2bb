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
