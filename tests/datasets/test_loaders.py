import hashlib

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from transferkit.datasets import (
    DataFileError,
    get_data_home,
    load_concrete_domains,
    load_mushroom_domains,
    load_office_caltech,
)
from transferkit.datasets._home import CHECKSUMS, data_file

# Published 1-NN accuracies on Office-Caltech10 SURF (docs/references.md).
PUBLISHED_1NN = {
    "CA": 23.7, "CW": 25.8, "CD": 25.5, "AC": 26.0, "AW": 29.8, "AD": 25.5,
    "WC": 19.9, "WA": 23.0, "WD": 59.2, "DC": 26.3, "DA": 28.5, "DW": 63.4,
}  # fmt: skip


def test_data_home_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSFERKIT_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("TRANSFERKIT_DATA")
    assert get_data_home().name == "transferkit_data"


def test_missing_file_names_file_and_folder(tmp_path):
    with pytest.raises(DataFileError, match="agaricus-lepiota.data.*not found") as info:
        load_mushroom_domains(data_home=tmp_path, download_if_missing=False)
    assert str(tmp_path) in str(info.value)
    assert "TRANSFERKIT_DATA" in str(info.value)


def test_corrupted_file_detected(tmp_path):
    target = tmp_path / "mushroom_uci"
    target.mkdir()
    (target / "agaricus-lepiota.data").write_text("p,x\n")
    with pytest.raises(DataFileError, match="SHA-256"):
        load_mushroom_domains(data_home=tmp_path)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="domain must be one of"):
        load_office_caltech("office", data_home=tmp_path)
    with pytest.raises(ValueError, match="dslr' and 'webcam' only"):
        load_office_caltech("amazon", features="decaf", data_home=tmp_path)
    with pytest.raises(ValueError, match="split must be one of"):
        load_concrete_domains("colour", data_home=tmp_path)


@pytest.mark.realdata
def test_checksums_of_shared_data(data_home):
    for relative, expected in CHECKSUMS.items():
        path = data_file(relative, data_home)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected


@pytest.mark.realdata
def test_office_caltech_reproduces_published_1nn(data_home):
    domains = {d: load_office_caltech(d, data_home=data_home) for d in "ACDW"}
    accuracies = {}
    for task, published in PUBLISHED_1NN.items():
        (Xs, ys), (Xt, yt) = domains[task[0]], domains[task[1]]
        acc = 100 * KNeighborsClassifier(1).fit(Xs, ys).score(Xt, yt)
        accuracies[task] = acc
        assert abs(acc - published) <= 0.1, (task, acc, published)
    assert np.mean(list(accuracies.values())) == pytest.approx(31.4, abs=0.1)


@pytest.mark.realdata
def test_office_caltech_shapes_and_preprocessing(data_home):
    sizes = {"amazon": 958, "caltech": 1123, "dslr": 157, "webcam": 295}
    for domain, n in sizes.items():
        X, y = load_office_caltech(domain, data_home=data_home)
        assert X.shape == (n, 800)
        assert set(np.unique(y)) == set(range(1, 11))
        np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-10)
        std = X.std(axis=0)
        assert np.all((np.abs(std - 1) < 1e-8) | (std == 0))
    raw, _ = load_office_caltech("D", preprocess=None, data_home=data_home)
    assert raw.min() >= 0 and raw.max() > 1
    Xd, yd = load_office_caltech("webcam", features="decaf", data_home=data_home)
    assert Xd.shape == (295, 4096) and yd.shape == (295,)


@pytest.mark.realdata
def test_mushroom_domains(data_home):
    Xs, ys, Xt, yt = load_mushroom_domains(data_home=data_home)
    assert Xs.shape[0] == 4608 and Xt.shape[0] == 3516
    assert Xs.shape[1] == Xt.shape[1] == 115
    assert set(np.unique(Xs)) == {0.0, 1.0}
    # each of the 21 one-hot attributes has exactly one active category
    np.testing.assert_array_equal(Xs.sum(axis=1), 21)
    assert set(np.unique(ys)) == {0, 1}


@pytest.mark.realdata
def test_concrete_domains(data_home):
    Xs, ys, Xt, yt = load_concrete_domains("cement", data_home=data_home)
    assert Xs.shape[1] == 8 and len(Xs) + len(Xt) == 1030
    assert Xs[:, 0].max() < Xt[:, 0].min() + 1e-12
    assert ys.mean() < yt.mean()
