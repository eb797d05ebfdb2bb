"""A save that fails half-way keeps the previous file."""

import os

import numpy as np
import pytest
import torch

from transferkit.parameter import FineTuner


def _fitted(seed):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, size=40)
    X = np.eye(2, 3)[y] * 3.0 + rng.normal(size=(40, 3))
    return FineTuner(hidden_layer_sizes=(4,), epochs=2, random_state=seed).fit(X, y), X


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    old, X = _fitted(0)
    old.save(path)
    expected = old.predict_proba(X)
    new, _ = _fitted(1)
    real_save = torch.save

    def broken_save(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        with open(f, "r+b") as fh:  # half a file, then a crash
            fh.truncate(os.path.getsize(f) // 2)
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        new.save(path)
    monkeypatch.undo()
    np.testing.assert_allclose(FineTuner.load(path).predict_proba(X), expected)
    assert os.listdir(tmp_path) == ["model.pt"]  # no temporary file left


def test_save_replaces_and_keeps_permissions(tmp_path):
    path = tmp_path / "model.pt"
    first, X = _fitted(0)
    first.save(path)
    os.chmod(path, 0o640)
    second, _ = _fitted(1)
    second.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    np.testing.assert_allclose(
        FineTuner.load(path).predict_proba(X), second.predict_proba(X)
    )
    assert os.listdir(tmp_path) == ["model.pt"]
