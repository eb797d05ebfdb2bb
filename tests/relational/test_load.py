import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import LeaveOneGroupOut

from transferkit.datasets import DataFileError, load_relational
from transferkit.datasets._relational import RELATIONAL_CHECKSUMS


@pytest.mark.realdata
def test_uwcse_whole_domain_and_fold(data_home):
    data = load_relational("uwcse", data_home=data_home)
    assert data.target == "advisedby" and data.folds == [1, 2, 3, 4, 5]
    assert len(data.X) == len(data.y) == len(data.groups)
    assert int(data.y.sum()) == 113  # 35 + 20 + 9 + 33 + 16 positives
    assert not any(p.startswith("recursion_") for p in data.dataset.signatures)
    assert data.dataset.dropped["recursion_advisedby"] == 113
    assert sum(1 for _ in LeaveOneGroupOut().split(data.X, data.y, data.groups)) == 5
    fold = load_relational("uwcse", fold=3, data_home=data_home)
    assert int(fold.y_train.sum()) == 9 and int(fold.y_test.sum()) == 104
    assert fold.X_train.dataset is not fold.X_test.dataset


@pytest.mark.realdata
def test_user_folder_and_checksums(data_home, tmp_path):
    src = Path(data_home) / "relational" / "uwcse"
    home = tmp_path / "home"
    shutil.copytree(src, home / "relational" / "uwcse")
    # a user's own folder: no checksum, target read from train_pos.txt
    own = load_relational(str(home / "relational" / "uwcse"), fold=2)
    assert own.target == "advisedby"
    rel = next(
        k for k in RELATIONAL_CHECKSUMS if "uwcse" in k and "fold_2/train_pos" in k
    )
    with open(home / rel, "a") as fh:
        fh.write("advisedby(person1,person2).\n")
    with pytest.raises(DataFileError, match="SHA-256"):
        load_relational("uwcse", data_home=home)
    with pytest.raises(DataFileError, match="not found in the data folder"):
        load_relational("uwcse", data_home=tmp_path / "empty")
    with pytest.raises(ValueError, match="unknown relational domain 'nope'"):
        load_relational("nope", data_home=home)
    with pytest.raises(ValueError, match="fold=9 is not a fold"):
        load_relational(str(home / "relational" / "uwcse"), fold=9)


def test_manifest_covers_every_domain():
    domains = {k.split("/")[1] for k in RELATIONAL_CHECKSUMS}
    assert domains == {"imdb", "uwcse", "cora", "yeast", "twitter"}
    assert all(len(v) == 64 for v in RELATIONAL_CHECKSUMS.values())
    assert np.unique(list(RELATIONAL_CHECKSUMS)).size == 126


def test_fold_without_label_files_names_the_missing_file(tmp_path):
    fold = tmp_path / "fold_1"
    fold.mkdir()
    (fold / "train_facts.txt").write_text("movie(m1,ann).\nmovie(m1,bob).\n")
    with pytest.raises(FileNotFoundError, match=r"train_pos.txt"):
        load_relational(str(tmp_path), fold=1)
