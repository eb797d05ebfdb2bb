"""ProbeEnsemble: fit, average, save/load, and its use by the image commands."""

import io

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.base import clone

from transferkit._cli import main
from transferkit._cli_images import (
    load_image_model,
    run_finetune_images,
    run_predict_images,
)
from transferkit.parameter import FineTuner, ProbeEnsemble

TWO = ("efficientnet_lite0", "efficientnet_lite1")


def _photos(root, n=4, size=40, seed=0):
    """Photo files ``root/<colour>/<colour><i>.png`` of two colours."""
    rng = np.random.RandomState(seed)
    photos, labels = [], []
    for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = np.clip(
                np.array(colour) + rng.randint(-25, 25, size=(size, size, 3)), 0, 255
            ).astype(np.uint8)
            path = root / name / f"{name}{i}.png"
            Image.fromarray(pixels).save(path)
            photos.append(str(path))
            labels.append(name)
    return photos, np.array(labels)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    photos, labels = _photos(tmp_path_factory.mktemp("photos"))
    return ProbeEnsemble(backbones=TWO, cv=2).fit(photos, labels), photos, labels


def test_fit_predicts_the_mean_of_its_members(fitted):
    model, photos, labels = fitted
    assert [m.module.name for m in model.members_] == list(TWO)
    assert set(model.probe_C_) == set(TWO)
    assert model.classes_.tolist() == ["blue", "red"]
    proba = model.predict_proba(photos)
    members = [m.predict_proba(photos) for m in model.members_]
    np.testing.assert_allclose(proba, np.mean(members, axis=0))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert (model.predict(photos) == labels).all()
    for member in model.members_:
        assert member.probe_C == model.probe_C_[member.module.name]


def test_save_load_round_trip(fitted, tmp_path):
    model, photos, _ = fitted
    path = tmp_path / "ensemble.pt"
    model.save(path)
    loaded = ProbeEnsemble.load(path)
    assert loaded.get_params()["backbones"] == TWO
    assert loaded.probe_C_ == model.probe_C_
    np.testing.assert_allclose(
        loaded.predict_proba(photos), model.predict_proba(photos), atol=1e-6
    )
    assert isinstance(load_image_model(path), ProbeEnsemble)
    # a FineTuner file is not an ensemble, and the other way round
    single = tmp_path / "single.pt"
    model.members_[0].save(single)
    assert isinstance(load_image_model(single), FineTuner)
    with pytest.raises(ValueError, match="ProbeEnsemble.save"):
        ProbeEnsemble.load(single)
    with pytest.raises(ValueError, match="FineTuner.save"):
        FineTuner.load(path)


def test_params_clone_and_errors(tmp_path):
    model = ProbeEnsemble(backbones=TWO, cv=3, random_state=4)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ValueError, match="backbones"):
        ProbeEnsemble(backbones="efficientnet_lite0").fit([], [])
    with pytest.raises(ValueError, match="backbones"):
        ProbeEnsemble(backbones=("minilm",)).fit(*_photos(tmp_path, n=2))
    with pytest.raises(TypeError, match="list of images"):
        ProbeEnsemble(backbones=TWO[:1]).fit("photo.jpg", ["a"])
    photos, labels = _photos(tmp_path, n=2)
    with pytest.raises(ValueError, match="one label per image"):
        ProbeEnsemble(backbones=TWO[:1]).fit(photos, labels[:-1])


def test_torch_state_is_left_alone(fitted):
    model, photos, _ = fitted
    threads, grad = torch.get_num_threads(), torch.is_grad_enabled()
    state = torch.random.get_rng_state().clone()
    model.predict_proba(photos[:2])
    assert torch.get_num_threads() == threads and torch.is_grad_enabled() == grad
    assert torch.equal(torch.random.get_rng_state(), state)


def _folder(root, n=3):
    _photos(root, n=n)
    return root


def test_command_default_saves_the_three_probe_ensemble(tmp_path, capsys):
    folder = _folder(tmp_path / "photos")
    model_path = tmp_path / "model.pt"
    summary = run_finetune_images(folder, model_path, cv=3)
    out = capsys.readouterr().out
    assert summary["backbone"] == "ensemble" and summary["probe_C"] is None
    assert [n for n, _ in summary["members"]] == [
        "efficientnet_lite2",
        "efficientnet_lite1",
        "efficientnet_lite0",
    ]
    assert "mean of the three probes' probabilities" in out
    assert len(summary["candidates"]) == 9
    model = load_image_model(model_path)
    assert isinstance(model, ProbeEnsemble) and len(model.members_) == 3
    image = folder / "blue" / "blue2.png"
    assert main(["predict-images", str(model_path), str(image)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.split("\t")[:2] == [str(image), "blue"]


def test_command_single_backbone_option(tmp_path, capsys):
    folder = _folder(tmp_path / "photos")
    model_path = tmp_path / "model.pt"
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        summary = run_finetune_images(
            folder, model_path, backbone="single", cv=3, threads=1
        )
        assert torch.get_num_threads() == 2  # the command's threads are restored
    finally:
        torch.set_num_threads(before)
    assert summary["backbone"] in summary["model"].module.name
    assert len(summary["members"]) == 1 and summary["probe_C"] is not None
    rows = run_predict_images(model_path, [str(folder)], out=io.StringIO())
    assert all(label in ("red", "blue") for _, label, _ in rows)
    with pytest.raises(ValueError, match="backbone must be one of"):
        run_finetune_images(folder, model_path, backbone="lite9")
    with pytest.raises(ValueError, match="threads must be a positive int"):
        run_finetune_images(folder, model_path, threads=0)
