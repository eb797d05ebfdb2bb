"""FineTuner / FineTunerRegressor: the paths, strategies, guards and state."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

from transferkit.datasets import load_digits_shift
from transferkit.parameter import FineTuner, FineTunerRegressor
from transferkit.parameter._regularizers import l2_sp_penalty

SMALL = dict(hidden_layer_sizes=(32,), epochs=15, random_state=0)


def _blobs(n=120, d=6, shift=0.0, seed=0, permute=False):
    rng = np.random.RandomState(seed)
    centres = np.eye(3, d) * 4.0
    y = rng.randint(0, 3, size=n)
    X = centres[y] + rng.normal(size=(n, d)) + shift
    if permute:
        y = (y + 1) % 3
    return X, y


@pytest.fixture(scope="module")
def digits_k1():
    Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=0)
    rng = np.random.RandomState(0)
    labelled = np.concatenate(
        [rng.choice(np.flatnonzero(yt == c), 1, replace=False) for c in range(10)]
    )
    test = np.setdiff1d(np.arange(len(yt)), labelled)
    return Xs, ys, Xt[labelled], yt[labelled], Xt[test], yt[test]


class TinyNet(nn.Module):
    """A user module with a head named ``fc``."""

    def __init__(self, d=6, n_out=3):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(d, 16), nn.ReLU())
        self.fc = nn.Linear(16, n_out)

    def forward(self, x):
        return self.fc(self.features(x))


def test_import_does_not_load_torch():
    code = (
        "import sys, transferkit.parameter\n"
        "from transferkit.parameter import FineTuner, RegularTransferClassifier\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_source_only_fit_and_predict_shapes():
    X, y = _blobs()
    model = FineTuner(**SMALL).fit(X, y)
    assert model.selected_strategy_ == "source"
    assert model.pretrained_ is True
    assert list(model.classes_) == [0, 1, 2]
    proba = model.predict_proba(X)
    assert proba.shape == (120, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert model.score(X, y) > 0.9
    assert model.transform(X).shape == (120, 32)
    assert model.history_ and model.history_[0]["phase"] == "source"


def test_transfer_beats_source_and_target_only_on_digits_k1(digits_k1):
    Xs, ys, Xl, yl, Xtest, ytest = digits_k1
    params = dict(hidden_layer_sizes=(64,), epochs=30, random_state=0)
    source_only = FineTuner(**params).fit(Xs, ys).score(Xtest, ytest)
    target_only = FineTuner(**params).fit(Xl, yl).score(Xtest, ytest)
    lp_ft = FineTuner(strategy="lp_ft", **params).fit(Xs, ys, Xl, yl)
    score = lp_ft.score(Xtest, ytest)
    assert score > target_only + 0.1
    assert score > source_only
    assert lp_ft.source_classes_.tolist() == list(range(10))


@pytest.mark.parametrize(
    "strategy", ["linear_probe", "full", "lp_ft", "gradual_unfreeze", "surgical"]
)
def test_each_strategy_fits_and_predicts_target_classes(strategy):
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    model = FineTuner(strategy=strategy, **SMALL).fit(Xs, ys, Xt, yt)
    assert model.selected_strategy_ == strategy
    assert model.score(Xt, yt) > 0.8


def _body_params(model):
    return [p.detach().clone() for p in model.network_.body.parameters()]


def test_linear_probe_leaves_the_source_body_untouched():
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    source = FineTuner(**SMALL).fit(Xs, ys)
    probe = FineTuner(strategy="linear_probe", **SMALL).fit(Xs, ys, Xt, yt)
    for a, b in zip(_body_params(source), _body_params(probe)):
        assert torch.equal(a, b)
    full = FineTuner(strategy="full", **SMALL).fit(Xs, ys, Xt, yt)
    changed = [
        not torch.equal(a, b) for a, b in zip(_body_params(source), _body_params(full))
    ]
    assert all(changed)


def test_surgical_tunes_only_the_named_block():
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    params = dict(SMALL, hidden_layer_sizes=(16, 16))
    source = FineTuner(**params).fit(Xs, ys)
    surgical = FineTuner(strategy="surgical", blocks=["2"], **params).fit(
        Xs, ys, Xt, yt
    )
    names = [n for n, _ in source.network_.body.named_parameters()]
    before = dict(zip(names, _body_params(source)))
    after = dict(zip(names, _body_params(surgical)))
    assert torch.equal(before["0.weight"], after["0.weight"])
    assert not torch.equal(before["2.weight"], after["2.weight"])


def test_surgical_unknown_block_is_named():
    Xs, ys = _blobs()
    with pytest.raises(ValueError, match=r"blocks=\['nope'\]"):
        FineTuner(strategy="surgical", blocks="nope", **SMALL).fit(Xs, ys, Xs, ys)


class TwoLayerNet(nn.Module):
    """A pretrained-looking module: two body layers and a head."""

    transferkit_pretrained = True

    def __init__(self, d=6):
        super().__init__()
        self.l1 = nn.Linear(d, 8)
        self.l2 = nn.Linear(8, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(torch.relu(self.l2(torch.relu(self.l1(x)))))


@pytest.mark.parametrize("epochs, changed", [(1, []), (2, ["l2"]), (3, ["l1", "l2"])])
def test_gradual_unfreeze_unfreezes_one_group_per_epoch(epochs, changed):
    Xt, yt = _blobs(n=60, seed=1)
    net = TwoLayerNet()
    model = FineTuner(
        module=net,
        strategy="gradual_unfreeze",
        epochs=epochs,
        early_stopping=False,
        random_state=0,
    ).fit(None, None, Xt, yt)
    body = model.network_.body
    for name in ("l1", "l2"):
        same = torch.equal(getattr(body, name).weight, getattr(net, name).weight)
        assert same == (name not in changed)


def test_discriminative_learning_rates_decay_from_the_top():
    from transferkit.parameter._fit_context import FitContext
    from transferkit.parameter._network import make_network

    est = FineTuner(lr=1.0, lr_decay=2.0)
    body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
    context = FitContext(est, torch.device("cpu"), torch.Generator(), 0)
    groups = context.param_groups(make_network(body, 4, 2))
    assert [g["lr"] for g in groups] == [1.0, 0.5, 0.25]
    assert groups[1]["params"][0] is body[2].weight


def test_same_seed_same_result_and_global_torch_state_untouched():
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    torch.manual_seed(123)
    rng_before = torch.random.get_rng_state().clone()
    threads = torch.get_num_threads()
    dtype = torch.get_default_dtype()
    torch.set_grad_enabled(False)
    try:
        a = FineTuner(strategy="lp_ft", regularizer="l2_sp", **SMALL).fit(
            Xs, ys, Xt, yt
        )
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    b = FineTuner(strategy="lp_ft", regularizer="l2_sp", **SMALL).fit(Xs, ys, Xt, yt)
    assert torch.equal(torch.random.get_rng_state(), rng_before)
    assert torch.get_num_threads() == threads
    assert torch.get_default_dtype() == dtype
    np.testing.assert_array_equal(a.predict_proba(Xt), b.predict_proba(Xt))


def test_callers_module_and_arrays_are_not_modified():
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    net = TinyNet()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    Xs_copy, Xt_copy = Xs.copy(), Xt.copy()
    model = FineTuner(module=net, strategy="full", **SMALL).fit(Xs, ys, Xt, yt)
    for key, value in net.state_dict().items():
        assert torch.equal(value, state[key])
    np.testing.assert_array_equal(Xs, Xs_copy)
    np.testing.assert_array_equal(Xt, Xt_copy)
    assert isinstance(net.fc, nn.Linear)
    assert isinstance(model.network_.body.fc, nn.Identity)


def test_user_module_head_found_by_name_and_errors_name_head():
    Xs, ys = _blobs()
    model = FineTuner(module=TinyNet(), head="fc", **SMALL).fit(Xs, ys)
    assert model.network_.head.out_features == 3
    with pytest.raises(ValueError, match="head='nope'"):
        FineTuner(module=TinyNet(), head="nope", **SMALL).fit(Xs, ys)
    with pytest.raises(ValueError, match="not a torch.nn.Linear"):
        FineTuner(module=TinyNet(), head="features.1", **SMALL).fit(Xs, ys)


def test_a_new_head_is_sized_to_the_target_classes():
    Xs, ys = _blobs()
    Xt, yt = _blobs(n=60, seed=1)
    yt = np.where(yt == 2, 7, yt)  # a class the source never saw
    model = FineTuner(module=TinyNet(n_out=3), **SMALL).fit(Xs, ys, Xt, yt)
    assert model.classes_.tolist() == [0, 1, 7]
    assert set(model.predict(Xt)) <= {0, 1, 7}


def test_missing_or_inconsistent_inputs_raise_named_errors():
    Xs, ys = _blobs()
    Xt, yt = _blobs(n=30, seed=1)
    with pytest.raises(ValueError, match="yt but no Xt"):
        FineTuner(**SMALL).fit(Xs, ys, None, yt)
    with pytest.raises(ValueError, match="same number of features"):
        FineTuner(**SMALL).fit(Xs, ys, Xt[:, :4], yt)
    with pytest.raises(ValueError, match="needs data"):
        FineTuner(**SMALL).fit(None, None)
    with pytest.raises(ValueError, match="pretrain=True needs the source"):
        FineTuner(pretrain=True, **SMALL).fit(None, None, Xt, yt)
    with pytest.raises(ValueError, match="yt has 29 labels"):
        FineTuner(**SMALL).fit(Xs, ys, Xt, yt[:-1])
    pretrained = TinyNet()
    pretrained.transferkit_pretrained = True
    with pytest.raises(ValueError, match="no labelled data"):
        with pytest.warns(UserWarning, match="target is not used"):
            FineTuner(module=pretrained, **SMALL).fit(None, None, Xt)
    with pytest.raises(ValueError, match="NaN"):
        bad = Xt.copy()
        bad[0, 0] = np.nan
        FineTuner(module=TinyNet(), **SMALL).fit(Xs, ys, torch.tensor(bad), yt)


def test_published_model_path_uses_the_target_only():
    Xt, yt = _blobs(n=90, seed=1)
    pretrained = TinyNet()
    pretrained.transferkit_pretrained = True
    model = FineTuner(module=pretrained, strategy="linear_probe", **SMALL)
    model.fit(None, None, Xt=Xt, yt=yt)
    assert model.pretrained_ is False
    assert model.selected_strategy_ == "linear_probe"
    assert model.score(Xt, yt) > 0.8


def test_tensor_and_dataset_inputs_match_arrays():
    Xs, ys = _blobs()
    net = TinyNet()
    a = FineTuner(module=net, **SMALL).fit(Xs, ys)
    b = FineTuner(module=net, **SMALL).fit(torch.tensor(Xs, dtype=torch.float32), ys)
    dataset = torch.utils.data.TensorDataset(
        torch.tensor(Xs, dtype=torch.float32), torch.tensor(ys)
    )
    c = FineTuner(module=net, **SMALL).fit(dataset)
    np.testing.assert_allclose(a.predict_proba(Xs), b.predict_proba(Xs), atol=1e-6)
    np.testing.assert_allclose(a.predict_proba(Xs), c.predict_proba(Xs), atol=1e-6)


def test_l2_sp_keeps_the_body_near_the_source_weights():
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=2.0, seed=1)
    sgd = dict(SMALL, optimizer="sgd", lr=0.01, early_stopping=False)
    source = FineTuner(**sgd).fit(Xs, ys)
    start = _body_params(source)

    def distance(model):
        return float(
            sum(((a - b) ** 2).sum() for a, b in zip(_body_params(model), start))
        )

    free = FineTuner(strategy="full", **sgd).fit(Xs, ys, Xt, yt)
    tied = FineTuner(
        strategy="full", regularizer="l2_sp", reg_strength=(50.0, 0.0), **sgd
    )
    tied.fit(Xs, ys, Xt, yt)
    assert distance(tied) < 0.2 * distance(free)
    # the penalty the fine-tuner adds is alpha/2 * distance at the final weights
    body = list(tied.network_.body.parameters())
    value = l2_sp_penalty(body, start, [], 50.0, 0.0)
    assert float(value.detach()) == pytest.approx(25.0 * distance(tied), rel=1e-5)


@pytest.mark.parametrize("regularizer", ["delta", "bss", "lwf"])
def test_other_regularizers_fit(regularizer):
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    model = FineTuner(strategy="lp_ft", regularizer=regularizer, **SMALL)
    assert model.fit(Xs, ys, Xt, yt).score(Xt, yt) > 0.8


def test_lwf_needs_a_source_head():
    Xt, yt = _blobs(n=60, seed=1)
    pretrained = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
    pretrained.transferkit_pretrained = True
    with pytest.raises(ValueError, match="lwf.*source task's head"):
        FineTuner(module=pretrained, regularizer="lwf", strategy="full", **SMALL).fit(
            None, None, Xt, yt
        )


def _coral_gap(model, Xs, Xt):
    from transferkit.metrics import coral_distance

    return coral_distance(model.transform(Xs), model.transform(Xt))


@pytest.mark.parametrize(
    "alignment, weight, lr",
    [("coral", 5.0, 1e-3), ("mmd", 1.0, 1e-3), ("dann", 0.3, 1e-2)],
)
def test_alignment_uses_unlabelled_target(alignment, weight, lr):
    # DANN anneals its learning rate as 1 / (1 + 10 p)^0.75 (the paper's
    # schedule, made for a base rate of 0.01): a short run needs that rate.
    Xs, ys = _blobs(n=150, seed=0)
    Xt, _ = _blobs(n=150, seed=1)
    Xt = Xt @ np.diag([2.0, 0.5, 1.5, 1.0, 3.0, 1.0]) + 1.0
    plain = FineTuner(**SMALL).fit(Xs, ys)
    # the loss itself is under test, not the veto (tests/parameter/
    # test_alignment_check.py): the check would keep the source-only twin here
    aligned = FineTuner(
        alignment=alignment,
        alignment_weight=weight,
        lr=lr,
        alignment_check=False,
        **SMALL,
    )
    aligned.fit(Xs, ys, Xt)
    assert aligned.selected_strategy_ == "source"
    assert aligned.score(Xs, ys) > 0.7
    if alignment == "coral":
        assert _coral_gap(aligned, Xs, Xt) < _coral_gap(plain, Xs, Xt)


def test_unlabelled_target_without_alignment_warns():
    Xs, ys = _blobs()
    with pytest.warns(UserWarning, match="target is not used"):
        FineTuner(**SMALL).fit(Xs, ys, Xs + 1.0)


def test_semi_supervised_nan_marks_unlabelled_rows():
    Xs, ys = _blobs(seed=0)
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    partial = yt.astype(float)
    partial[20:] = np.nan
    model = FineTuner(alignment="coral", strategy="lp_ft", **SMALL)
    model.fit(Xs, ys, Xt, partial)
    assert model.classes_.tolist() == [0, 1, 2]
    assert model.score(Xt, yt) > 0.8


def test_auto_keeps_target_only_when_the_source_misleads():
    # the source's labels are a permutation of the target's: transfer hurts
    Xs, ys = _blobs(n=150, seed=0, permute=True)
    Xt, yt = _blobs(n=45, seed=1)
    model = FineTuner(strategy="auto", candidates=("target_only", "source"), **SMALL)
    model.fit(Xs, ys, Xt, yt)
    assert model.selected_strategy_ == "target_only"
    report = model.selection_report_
    assert report["chosen"] == "target_only"
    assert report["candidates"]["source"]["mean"] < 0.2
    assert "no candidate beat" in report["reason"]


def test_auto_transfers_when_it_helps(digits_k1):
    Xs, ys, _, _, Xtest, ytest = digits_k1
    rng = np.random.RandomState(1)
    Xt, yt = Xtest, ytest
    few = np.concatenate(
        [rng.choice(np.flatnonzero(yt == c), 3, replace=False) for c in range(10)]
    )
    params = dict(hidden_layer_sizes=(64,), epochs=20, random_state=0)
    model = FineTuner(
        strategy="auto", candidates=("target_only", "linear_probe"), **params
    )
    model.fit(Xs, ys, Xt[few], yt[few])
    assert model.selected_strategy_ == "linear_probe"
    gain = model.selection_report_["candidates"]["linear_probe"]["gain"]
    assert gain > 0.1


def test_auto_with_one_label_per_class_warns_and_hedges(digits_k1):
    Xs, ys, Xl, yl, _, _ = digits_k1
    with pytest.warns(UserWarning, match="at least 2 labelled target rows"):
        model = FineTuner(strategy="auto", **SMALL).fit(Xs, ys, Xl, yl)
    assert model.selected_strategy_ == "lp_ft+target_linear"


def test_save_load_round_trip(tmp_path):
    Xs, ys = _blobs()
    Xt, yt = _blobs(n=60, shift=0.5, seed=1)
    model = FineTuner(strategy="lp_ft", **SMALL).fit(Xs, ys, Xt, yt)
    path = tmp_path / "model.pt"
    model.save(path)
    payload = torch.load(path, weights_only=True)
    assert payload["format"].startswith("transferkit.FineTuner")
    loaded = FineTuner.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(Xt), model.predict_proba(Xt))
    assert loaded.get_params()["strategy"] == "lp_ft"
    user = FineTuner(module=TinyNet(), **SMALL).fit(Xs, ys)
    user.save(path)
    with pytest.raises(ValueError, match="module of your own"):
        FineTuner.load(path)
    again = FineTuner.load(path, module=TinyNet())
    np.testing.assert_allclose(again.predict_proba(Xs), user.predict_proba(Xs))
    with pytest.raises(ValueError, match="FineTuner"):
        FineTunerRegressor.load(path)


def test_pickle_and_clone():
    Xs, ys = _blobs()
    model = FineTuner(module=TinyNet(), **SMALL).fit(Xs, ys)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(Xs), model.predict(Xs))
    fresh = clone(model)
    assert not hasattr(fresh, "network_")


def test_verbose_logs_epochs(caplog):
    Xs, ys = _blobs()
    with caplog.at_level("INFO", logger="transferkit"):
        FineTuner(verbose=True, **dict(SMALL, epochs=3)).fit(Xs, ys)
    assert any("source epoch" in r.getMessage() for r in caplog.records)


def test_early_stopping_records_validation_and_stops():
    Xs, _ = _blobs(n=200)
    noise = np.random.RandomState(0).randint(0, 2, size=200)  # nothing to learn
    model = FineTuner(
        epochs=200, n_iter_no_change=3, hidden_layer_sizes=(32,), random_state=0
    ).fit(Xs, noise)
    records = [r for r in model.history_ if r["phase"] == "source"]
    assert "val_loss" in records[0]
    assert len(records) < 200


def test_regressor_paths():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(200, 4))
    ys = Xs @ np.array([1.0, -1.0, 0.5, 0.0]) * 10 + 50
    Xt = rng.normal(size=(40, 4)) + 0.5
    yt = Xt @ np.array([1.0, -1.0, 0.5, 0.2]) * 10 + 52
    model = FineTunerRegressor(strategy="lp_ft", epochs=60, random_state=0)
    model.fit(Xs, ys, Xt, yt)
    assert model.score(Xt, yt) > 0.9
    auto = FineTunerRegressor(strategy="auto", epochs=30, random_state=0)
    auto.fit(Xs, ys, Xt, yt)
    assert auto.selected_strategy_ in {
        "target_only",
        "target_linear",
        "linear_probe",
        "lp_ft",
        "source",
    }
    assert set(auto.selection_report_["candidates"]) >= {
        "target_only",
        "target_linear",
        "linear_probe",
    }
