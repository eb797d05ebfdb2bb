"""The finetune-images and predict-images commands."""

import csv
import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from transferkit._cli import main
from transferkit._cli_images import run_finetune_images, run_predict_images
from transferkit.parameter import FineTuner


def _make_folder(root, n=4, size=40):
    """Two classes that differ in colour: red squares and blue squares."""
    rng = np.random.RandomState(0)
    for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(n):
            pixels = np.clip(
                np.array(colour) + rng.randint(-20, 20, size=(size, size, 3)), 0, 255
            ).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{name}{i}.png")
    (root / "red" / "notes.jpg").write_text("not an image")
    return root


def test_finetune_then_predict_from_a_generated_folder(tmp_path, capsys):
    folder = _make_folder(tmp_path / "photos")
    model_path = tmp_path / "model.pt"
    with pytest.warns(UserWarning, match="notes.jpg"):
        summary = run_finetune_images(
            folder, model_path, backbone="efficientnet_lite0", cv=2
        )
    out = capsys.readouterr().out
    assert "8 photos in 2 classes" in out
    assert "1 file(s) skipped" in out
    assert "efficientnet_lite0" in out and "CV accuracy" in out
    assert summary["backbone"] == "efficientnet_lite0"
    assert summary["strategy"] == "linear_probe"
    assert summary["cv_accuracy"] == 1.0
    assert model_path.is_file()

    loaded = FineTuner.load(model_path)
    assert loaded.classes_.tolist() == ["blue", "red"]
    buffer = io.StringIO()
    with pytest.warns(UserWarning, match="notes.jpg"):
        rows = run_predict_images(model_path, [str(folder)], as_csv=True, out=buffer)
    table = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert table[0] == ["path", "label", "probability"]
    assert len(table) == 9
    for path, label, probability in table[1:]:
        assert label == Path(path).parent.name
        assert 0.5 < float(probability) <= 1.0
    assert len(rows) == 8


def test_command_line_entry_points(tmp_path, capsys):
    folder = _make_folder(tmp_path / "photos", n=3)
    model_path = tmp_path / "m.pt"
    code = main(
        [
            "finetune-images",
            str(folder),
            "--out",
            str(model_path),
            "--backbone",
            "efficientnet_lite0",
            "--cv",
            "3",
        ]
    )
    assert code == 0
    # the skipped file is one plain line on stderr, not a warning's traceback
    err = capsys.readouterr().err
    skipped = [line for line in err.splitlines() if "notes.jpg" in line]
    assert skipped == [
        f"skipped {folder / 'red' / 'notes.jpg'}: not an image "
        "(Pillow cannot identify it)"
    ]
    image = folder / "blue" / "blue0.png"
    assert main(["predict-images", str(model_path), str(image)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.split("\t")[:2] == [str(image), "blue"]


def test_user_mistakes_exit_with_status_2(tmp_path, capsys):
    missing = tmp_path / "nothing"
    assert main(["finetune-images", str(missing), "--out", "x.pt"]) == 2
    assert "error" in capsys.readouterr().err
    one_class = tmp_path / "one"
    (one_class / "a").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(one_class / "a" / "x.png")
    assert main(["finetune-images", str(one_class), "--out", "x.pt"]) == 2


@pytest.mark.realdata
def test_hymenoptera_few_photos(data_home, tmp_path):
    root = Path(data_home) / "images" / "hymenoptera"
    folder = tmp_path / "few"
    for name in ("ants", "bees"):
        (folder / name).mkdir(parents=True)
        for source in sorted((root / "train" / name).iterdir())[:5]:
            os.symlink(source.resolve(), folder / name / source.name)
    model_path = tmp_path / "hym.pt"
    run_finetune_images(folder, model_path, backbone="efficientnet_lite0", cv=5)
    val = [sorted((root / "val" / name).iterdir())[:10] for name in ("ants", "bees")]
    files = [str(p) for group in val for p in group]
    rows = run_predict_images(model_path, files, out=io.StringIO())
    accuracy = np.mean([Path(f).parent.name == label for f, label, _ in rows])
    assert accuracy >= 0.8


@pytest.mark.realdata
def test_default_ensemble_on_ten_textures_per_class(data_home, tmp_path):
    # dtd5 (5 texture classes, not ImageNet classes), draw 0 of k = 10
    from transferkit.benchmarks.images import draw_shots
    from transferkit.parameter import ImageFolder, ProbeEnsemble

    root = Path(data_home) / "images" / "dtd5"
    train = ImageFolder(root / "train", decode=False)
    folder = tmp_path / "few"
    for i in draw_shots(train.targets, 10, 0):
        source = Path(train.paths[i])
        (folder / train.targets[i]).mkdir(parents=True, exist_ok=True)
        os.symlink(source.resolve(), folder / train.targets[i] / source.name)
    model_path = tmp_path / "dtd5.pt"
    summary = run_finetune_images(folder, model_path, out=io.StringIO())
    assert summary["backbone"] == "ensemble" and len(summary["members"]) == 3
    val = [sorted((root / "val" / c).iterdir())[:10] for c in train.classes]
    files = [str(p) for group in val for p in group]
    rows = run_predict_images(model_path, files, out=io.StringIO())
    accuracy = np.mean([Path(f).parent.name == label for f, label, _ in rows])
    # the five-draw benchmark mean is about 85 % on all 200 val photos
    assert accuracy >= 0.75
    assert isinstance(summary["model"], ProbeEnsemble)
