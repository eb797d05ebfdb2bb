"""finetune-images / predict-images: user mistakes end in one line, exit 2."""

import os
import sys

import numpy as np
import pytest
from PIL import Image

import transferkit.parameter.backbones as backbones
from transferkit._cli import main
from transferkit.parameter import FineTuner


def _photos(root, n=3):
    for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (16, 16), colour).save(root / name / f"{i}.png")
    return root


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the command starts encoding photos."""

    def refuse(*args, **kwargs):
        raise AssertionError("the command did work before checking --out")

    monkeypatch.setattr(backbones, "get_backbone", refuse)


def _one_error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("python -m transferkit: error: ")
    return lines[0]


def _finetune(folder, out):
    return main(["finetune-images", str(folder), "--out", str(out), "--cv", "2"])


def test_out_in_a_missing_folder(tmp_path, capsys, no_work):
    folder = _photos(tmp_path / "photos")
    assert _finetune(folder, tmp_path / "nowhere" / "m.pt") == 2
    assert "does not exist" in _one_error_line(capsys)


def test_out_is_a_directory(tmp_path, capsys, no_work):
    folder = _photos(tmp_path / "photos")
    assert _finetune(folder, tmp_path) == 2
    assert "is a directory" in _one_error_line(capsys)


def test_out_in_an_unwritable_folder(tmp_path, capsys, no_work, monkeypatch):
    folder = _photos(tmp_path / "photos")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        # as root os.access is always true; simulate a read-only folder
        if os.path.abspath(path) == str(locked) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    assert _finetune(folder, locked / "m.pt") == 2
    assert "cannot write" in _one_error_line(capsys)


def test_missing_vision_extra(tmp_path, capsys, monkeypatch):
    folder = _photos(tmp_path / "photos")
    monkeypatch.setitem(sys.modules, "efficientnet_lite_pytorch", None)
    assert _finetune(folder, tmp_path / "m.pt") == 2
    assert "pip install" in _one_error_line(capsys)
    assert not (tmp_path / "m.pt").exists()


@pytest.fixture
def model_files(tmp_path):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    tabular = tmp_path / "tabular.pt"
    FineTuner(hidden_layer_sizes=(4,), epochs=1).fit(X, y).save(tabular)
    files = {"tabular": tabular}
    files["text"] = tmp_path / "notes.txt"
    files["text"].write_text("a,b\n1,2\n")
    files["empty"] = tmp_path / "empty.pt"
    files["empty"].write_bytes(b"")
    files["truncated"] = tmp_path / "truncated.pt"
    files["truncated"].write_bytes(tabular.read_bytes()[:300])
    files["photo"] = tmp_path / "photo.png"
    Image.new("RGB", (8, 8)).save(files["photo"])
    return files


@pytest.mark.parametrize(
    "model, expected",
    [
        ("text", "is not a file written by FineTuner.save"),
        ("empty", "is not a file written by FineTuner.save"),
        ("truncated", "is not a file written by FineTuner.save"),
        ("photo", "the model first"),  # arguments swapped
        ("tabular", "is not a model of photos"),
    ],
)
def test_predict_images_with_a_bad_model_file(model_files, capsys, model, expected):
    code = main(["predict-images", str(model_files[model]), str(model_files["photo"])])
    assert code == 2
    assert expected in _one_error_line(capsys)


def test_predict_images_with_a_missing_model(tmp_path, capsys):
    assert main(["predict-images", str(tmp_path / "no.pt"), str(tmp_path)]) == 2
    assert "no.pt" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "option, value, expected",
    [("--cv", "1", "--cv must be at least 2"), ("--epochs", "0", "--epochs must")],
)
def test_finetune_counts_are_checked_first(
    tmp_path, capsys, no_work, option, value, expected
):
    folder = _photos(tmp_path / "photos")
    argv = ["finetune-images", str(folder), "--out", str(tmp_path / "m.pt")]
    assert main(argv + [option, value]) == 2
    assert expected in _one_error_line(capsys)


def test_predict_images_shows_progress(tmp_path, capsys):
    from transferkit.parameter.backbones import efficientnet_lite0

    folder = _photos(tmp_path / "photos", n=2)
    paths = sorted(str(p) for p in folder.rglob("*.png"))
    labels = [os.path.basename(os.path.dirname(p)) for p in paths]
    model = FineTuner(
        module=efficientnet_lite0(pretrained=False),
        strategy="linear_probe",
        pretrain=False,
        random_state=0,
    ).fit(None, None, Xt=paths, yt=labels)
    model.save(tmp_path / "m.pt")
    capsys.readouterr()
    assert main(["predict-images", str(tmp_path / "m.pt"), str(folder)]) == 0
    captured = capsys.readouterr()
    assert "predicting 4 photo(s)" in captured.err
    assert len(captured.out.strip().splitlines()) == 4
