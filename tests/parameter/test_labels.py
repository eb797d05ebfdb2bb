"""Target labels: any classifier label works; only NaN / None mark unlabelled."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from transferkit.parameter import FineTuner, FineTunerRegressor
from transferkit.utils import check_source_target

SMALL = dict(hidden_layer_sizes=(8,), epochs=10, random_state=0)


def _blobs(labels, n=60, seed=0):
    rng = np.random.RandomState(seed)
    index = rng.randint(0, len(labels), size=n)
    X = np.eye(len(labels), 4)[index] * 4.0 + rng.normal(size=(n, 4))
    return X, np.asarray(labels)[index]


@pytest.mark.parametrize("labels", [[-1, 1], [-1, 0, 1], [-3, -2, -1]])
def test_negative_labels_are_classes(labels):
    X, y = _blobs(labels)
    Xt = X + 0.2
    model = FineTuner(strategy="lp_ft", **SMALL).fit(X, y, Xt, y)
    assert model.classes_.tolist() == sorted(labels)
    assert model.score(Xt, y) > 0.9
    target_only = FineTuner(strategy="lp_ft", **SMALL).fit(None, None, Xt, y)
    assert target_only.classes_.tolist() == sorted(labels)


def test_nan_marks_unlabelled_rows():
    X, y = _blobs([-1, 0, 1])
    partial = y.astype(float)
    partial[30:] = np.nan
    model = FineTuner(strategy="lp_ft", **SMALL).fit(None, None, X, partial)
    assert model.classes_.tolist() == [-1, 0, 1]
    assert model.classes_.dtype.kind == "i"
    assert model.score(X, y) > 0.9


def test_none_marks_unlabelled_rows_of_string_labels():
    X, y = _blobs(["ant", "bee"])
    partial = y.astype(object)
    partial[30:] = None
    model = FineTuner(strategy="lp_ft", **SMALL).fit(None, None, X, partial)
    assert model.classes_.tolist() == ["ant", "bee"]
    assert model.score(X, y) > 0.9


def test_regressor_nan_marks_unlabelled_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    partial = y.copy()
    partial[40:] = np.nan
    model = FineTunerRegressor(strategy="lp_ft", **SMALL).fit(None, None, X, partial)
    assert model.score(X, y) > 0.5
    with pytest.raises(ValueError, match="infinity"):
        FineTunerRegressor(**SMALL).fit(None, None, X, np.full(80, np.inf))


def test_one_class_target_message_counts_its_own_classes():
    X, y = _blobs([0, 1, 2])
    with pytest.raises(ValueError, match=r"contains 1 class \(\[0\]\);"):
        FineTuner(**SMALL).fit(X, y, X, np.zeros(60, dtype=int))


def test_class_count_grammar():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"y contains 2 classes \(\[0, 1\]\); "):
        check_source_target(
            LogisticRegression(),
            X,
            np.array([0, 1, 0, 1]),
            task="classification",
            require_y=True,
            min_classes=3,
        )
