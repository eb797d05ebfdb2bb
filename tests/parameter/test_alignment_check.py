"""The source-only veto on an alignment phase (``alignment_check``)."""

import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402

from transferkit.datasets import load_digits_shift  # noqa: E402
from transferkit.parameter import FineTuner, FineTunerRegressor  # noqa: E402
from transferkit.parameter._alignment_check import (  # noqa: E402
    compare_on_validation,
    reverse_scores,
)

# A DANN whose domain loss dominates (weight 10, lr 0.01) destroys the shared
# features on a small digits subset: without the check its source accuracy
# falls to about 0.6 and its target accuracy to about 0.3 (source-only: 0.84).
COLLAPSE = dict(
    hidden_layer_sizes=(32,),
    lr=1e-2,
    epochs=20,
    early_stopping=False,
    random_state=0,
)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small networks: one thread avoids oversubscribing a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits():
    Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=0)
    return Xs[:300], ys[:300], Xt[:300], yt[:300]


def test_collapsed_dann_is_vetoed_to_its_source_only_twin(digits):
    Xs, ys, Xt, yt = digits
    source_only = FineTuner(**COLLAPSE).fit(Xs, ys)
    model = FineTuner(alignment="dann", alignment_weight=10.0, **COLLAPSE)
    with pytest.warns(UserWarning, match="vetoed"):
        model.fit(Xs, ys, Xt)
    report = model.alignment_report_
    assert report["vetoed"] and report["checked"]
    assert report["phase"] == "source" and report["alignment"] == "dann"
    assert set(report["reverse_validation"]) >= {"aligned_score", "vetoed"}
    assert report["n_validation"] == 30
    assert report["difference"] < -2 * report["std_error"]
    assert "standard errors" in report["reason"]
    events = [r for r in model.history_ if r.get("event") == "alignment_check"]
    assert events == [
        {
            "phase": "source",
            "event": "alignment_check",
            "vetoed": True,
            "kept": "source_only",
        }
    ]
    assert any(r["phase"] == "source:source_only" for r in model.history_)
    # the kept model is the twin (trained on 90 % of the rows, as the check
    # holds 10 % out): within noise of the plain source-only model
    assert model.score(Xt, yt) >= source_only.score(Xt, yt) - 0.05
    assert model.score(Xs, ys) > 0.9

    unchecked = FineTuner(
        alignment="dann", alignment_weight=10.0, alignment_check=False, **COLLAPSE
    ).fit(Xs, ys, Xt)
    assert unchecked.alignment_report_ is None
    assert unchecked.score(Xt, yt) < source_only.score(Xt, yt) - 0.2


def test_a_working_alignment_is_kept(digits):
    Xs, ys, Xt, yt = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = FineTuner(alignment="coral", **COLLAPSE).fit(Xs, ys, Xt)
    report = model.alignment_report_
    assert report["checked"] and not report["vetoed"]
    assert report["reason"] is None
    assert report["difference"] >= -2 * report["std_error"]
    reverse = report["reverse_validation"]
    assert reverse["difference"] >= -reverse["n_std_errors"] * reverse["std_error"]
    assert model.history_[-1] == {
        "phase": "source",
        "event": "alignment_check",
        "vetoed": False,
        "kept": "aligned",
    }


def test_too_few_rows_is_reported_not_checked():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(12, 3))
    ys = np.arange(12) % 3
    model = FineTuner(
        alignment="coral", validation_fraction=0.1, hidden_layer_sizes=(8,), epochs=2
    ).fit(Xs, ys, Xs + 1.0)
    assert model.alignment_report_["checked"] is False
    assert "not checked" in model.alignment_report_["reason"]


def test_regressor_check_runs():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(80, 3))
    ys = Xs @ np.array([1.0, -2.0, 0.5])
    model = FineTunerRegressor(
        alignment="coral", hidden_layer_sizes=(8,), epochs=3, random_state=0
    ).fit(Xs, ys, Xs * 2.0)
    report = model.alignment_report_
    assert report["checked"] and report["n_validation"] == 8
    assert report["aligned_score"] <= 0.0  # minus the squared error
    assert report["reverse_validation"] is None  # classifiers only


def test_alignment_check_validation():
    Xs = np.zeros((10, 2))
    ys = np.arange(10) % 2
    with pytest.raises(ValueError, match="alignment_check"):
        FineTuner(alignment_check="yes").fit(Xs, ys)


def test_clone_and_pickle_keep_the_parameter(digits):
    Xs, ys, Xt, _ = digits
    model = FineTuner(alignment="coral", alignment_check=False, epochs=1)
    assert clone(model).get_params()["alignment_check"] is False
    assert FineTuner().get_params()["alignment_check"] is True
    model = FineTuner(alignment="coral", hidden_layer_sizes=(8,), epochs=1)
    model.fit(Xs[:60], ys[:60], Xt[:60])
    restored = pickle.loads(pickle.dumps(model))
    assert restored.alignment_report_ == model.alignment_report_
    np.testing.assert_array_equal(restored.predict(Xt[:60]), model.predict(Xt[:60]))


def test_compare_on_validation():
    out = compare_on_validation([1, 1, 0, 0], [1, 1, 1, 1])
    assert out["difference"] == -0.5
    assert out["std_error"] == pytest.approx(np.std([0, 0, -1, -1], ddof=1) / 2)
    assert out["vetoed"] is False  # -0.5 > -2 * 0.289
    assert compare_on_validation([0] * 20, [1] * 20)["vetoed"] is True
    with pytest.raises(ValueError, match="same length"):
        compare_on_validation([1, 0], [1, 0, 1])


def test_reverse_scores_see_mixed_up_pseudo_labels():
    rng = np.random.RandomState(0)
    centres = rng.normal(scale=4.0, size=(3, 2))
    labels = np.repeat(np.arange(3), 40)
    source = centres[labels] + rng.normal(size=(120, 2))
    target = centres[labels] + rng.normal(size=(120, 2)) + 0.5
    right = reverse_scores(target, labels, source, labels)
    mixed = reverse_scores(target, (labels + 1) % 3, source, labels)
    assert right.mean() > 0.9 and mixed.mean() < 0.1
    one_class = reverse_scores(target, np.zeros(120, dtype=int), source, labels)
    np.testing.assert_array_equal(one_class, labels == 0)
