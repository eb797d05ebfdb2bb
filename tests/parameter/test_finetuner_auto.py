"""FineTuner(strategy="auto"): the target-only linear candidate and the guard."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

from transferkit.benchmarks.digits_finetune import (
    TargetLogisticRegression,
    draw_per_class,
)
from transferkit.datasets import load_digits_shift
from transferkit.parameter import FineTuner, FineTunerRegressor
from transferkit.parameter._finetuner import AUTO_CANDIDATES, _target_linear_features
from transferkit.parameter._inputs import InputSet

FAST = dict(hidden_layer_sizes=(64,), epochs=20, random_state=0)


@pytest.fixture(scope="module")
def pixel_auto():
    """Pixel shift, 10 labels per class: transfer hurts, a linear model wins."""
    Xs, ys, Xt, yt = load_digits_shift("pixel", random_state=0)
    labelled = draw_per_class(yt, 10, 0)
    rest = np.setdiff1d(np.arange(len(yt)), labelled)
    model = FineTuner(strategy="auto", **FAST).fit(Xs, ys, Xt[labelled], yt[labelled])
    return model, (Xt[labelled], yt[labelled]), (Xt[rest], yt[rest])


def test_auto_selects_the_target_linear_model_when_it_wins(pixel_auto):
    model, (Xl, yl), (Xr, yr) = pixel_auto
    assert model.selected_strategy_ == "target_linear"
    report = model.selection_report_
    assert report["baseline"] == "target_linear"
    assert report["target_only_candidates"] == ["target_only", "target_linear"]
    assert set(report["candidates"]) == set(AUTO_CANDIDATES)
    assert report["target_linear"]["features"] == "inputs"
    assert report["target_linear"]["C"] in (0.01, 0.1, 1.0, 10.0, 100.0)
    # the refitted linear model is as good as a tuned logistic regression
    baseline = TargetLogisticRegression(random_state=0).fit(Xl, yl).score(Xr, yr)
    assert model.score(Xr, yr) >= baseline - 0.01
    # and better than the network trained from scratch on the same labels
    scratch = FineTuner(strategy="full", **FAST).fit(None, None, Xl, yl)
    assert model.score(Xr, yr) > scratch.score(Xr, yr)


def test_target_linear_predicts_like_a_linear_model(pixel_auto):
    model, _, (Xr, _) = pixel_auto
    proba = model.predict_proba(Xr[:20])
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert model.predict(Xr[:20]).tolist() == model.classes_[proba.argmax(1)].tolist()
    # the body is the inputs: transform gives them back
    np.testing.assert_allclose(model.transform(Xr[:5]), Xr[:5])


def test_target_linear_pickle_clone_and_save(pixel_auto, tmp_path):
    model, _, (Xr, _) = pixel_auto
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(Xr), model.predict_proba(Xr))
    assert not hasattr(clone(model), "network_")
    path = tmp_path / "linear.pt"
    model.save(path)
    assert torch.load(path, weights_only=True)["body"] == "inputs"
    loaded = FineTuner.load(path)
    assert loaded.selected_strategy_ == "target_linear"
    np.testing.assert_allclose(loaded.predict_proba(Xr), model.predict_proba(Xr))


def test_baseline_is_the_better_target_only_candidate(pixel_auto):
    model, _, _ = pixel_auto
    report = model.selection_report_
    scores = report["candidates"]
    # the linear model is the baseline unless the MLP from scratch beats it
    # by more than one standard error of the paired difference
    if report["baseline"] == "target_linear":
        mlp = scores["target_only"]
        assert not mlp["gain"] > mlp["std_error"]
    else:
        assert report["baseline"] == "target_only"
        linear = scores["target_linear"]
        assert -linear["gain"] > linear["std_error"]
    assert "target_linear" in report["baseline_reason"]
    # a transfer candidate is chosen only when it beats that baseline
    for name in ("linear_probe", "lp_ft", "source"):
        entry = scores[name]
        assert entry["beats_baseline"] == (entry["gain"] > entry["std_error"])


def test_auto_transfers_on_the_contrast_shift_despite_the_linear_baseline():
    Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=0)
    labelled = draw_per_class(yt, 5, 0)
    model = FineTuner(strategy="auto", **FAST).fit(Xs, ys, Xt[labelled], yt[labelled])
    assert model.selected_strategy_ in ("linear_probe", "lp_ft", "source")
    assert model.selection_report_["baseline"] in ("target_only", "target_linear")


def test_one_label_per_class_averages_lp_ft_and_target_linear(tmp_path):
    Xs, ys, Xt, yt = load_digits_shift("pixel", random_state=0)
    labelled = draw_per_class(yt, 1, 0)
    with pytest.warns(UserWarning, match="at least 2 labelled target rows"):
        model = FineTuner(strategy="auto", **FAST).fit(
            Xs, ys, Xt[labelled], yt[labelled]
        )
    assert model.selected_strategy_ == "lp_ft+target_linear"
    assert model.selection_report_["target_linear"]["C"] == 1.0
    members = model.network_.members
    proba = model.predict_proba(Xt[:10])
    expected = np.mean(
        [
            torch.softmax(m(torch.as_tensor(Xt[:10])), 1).detach().numpy()
            for m in members
        ],
        axis=0,
    )
    np.testing.assert_allclose(proba, expected, rtol=1e-6, atol=1e-9)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(Xt), model.predict(Xt))
    with pytest.raises(ValueError, match="ensemble"):
        model.save(tmp_path / "ensemble.pt")
    with pytest.warns(UserWarning):
        plain = FineTuner(
            strategy="auto", candidates=("target_only", "lp_ft"), **FAST
        ).fit(Xs, ys, Xt[labelled], yt[labelled])
    assert plain.selected_strategy_ == "lp_ft"


def test_candidates_validation():
    Xs, ys, Xt, yt = load_digits_shift("pixel", random_state=0)
    labelled = draw_per_class(yt, 3, 0)
    Xl, yl = Xt[labelled], yt[labelled]
    for bad in (("bogus",), (), ["target_linear", "nope"]):
        with pytest.raises(ValueError, match="candidates must be a non-empty subset"):
            FineTuner(strategy="auto", candidates=bad, **FAST).fit(Xs, ys, Xl, yl)
    # only the linear candidate: it is chosen (the baseline by definition)
    only = FineTuner(strategy="auto", candidates=("target_linear",), **FAST)
    only.fit(Xs, ys, Xl, yl)
    assert only.selected_strategy_ == "target_linear"
    # the source cannot predict labels it has never seen: nothing usable left
    with pytest.raises(ValueError, match="no usable candidate"):
        FineTuner(strategy="auto", candidates=("source",), **FAST).fit(
            Xs, ys, Xl, (yl + 10)
        )


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 32), nn.ReLU())
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.body(x))


def test_linear_candidate_on_a_supplied_pretrained_body():
    Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=0)
    net = _Net()
    net.transferkit_pretrained = True
    labelled = draw_per_class(yt, 3, 0)
    model = FineTuner(net, strategy="auto", candidates=("target_linear",), **FAST)
    model.fit(None, None, Xt[labelled], yt[labelled])
    assert model.selection_report_["target_linear"]["features"] == "body"
    assert model.transform(Xt[:4]).shape == (4, 32)
    # a module pretrained here: the linear model is on the inputs
    here = FineTuner(_Net(), strategy="auto", pretrain=True, **FAST)
    here.set_params(candidates=("target_linear",))
    here.fit(Xs, ys, Xt[labelled], yt[labelled])
    assert here.selection_report_["target_linear"]["features"] == "inputs"


def test_target_linear_features_rule():
    tensor = InputSet("tensor", torch.zeros(2, 3))
    prepared = InputSet("prepared", ["a", "b"])
    assert _target_linear_features(True, False, tensor) == "body"
    assert _target_linear_features(True, False, prepared) == "body"
    assert _target_linear_features(False, True, tensor) == "inputs"
    assert _target_linear_features(True, True, tensor) == "inputs"
    assert _target_linear_features(False, False, prepared) is None


def test_regressor_auto_has_a_ridge_candidate(tmp_path):
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(200, 5))
    ys = Xs @ np.array([3.0, -1.0, 0.0, 2.0, 1.0])
    Xt = rng.normal(size=(60, 5))
    yt = Xt @ np.array([-2.0, 1.0, 1.0, 0.0, -1.0]) + 0.05 * rng.normal(size=60)
    model = FineTunerRegressor(strategy="auto", epochs=30, random_state=0)
    model.fit(Xs, ys, Xt, yt)
    assert model.selected_strategy_ == "target_linear"
    assert model.selection_report_["target_linear"]["alpha"] in (
        0.01,
        0.1,
        1.0,
        10.0,
        100.0,
    )
    assert model.score(Xt, yt) > 0.99
    path = tmp_path / "ridge.pt"
    model.save(path)
    np.testing.assert_allclose(
        FineTunerRegressor.load(path).predict(Xt), model.predict(Xt), rtol=1e-6
    )
