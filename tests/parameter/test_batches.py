"""Batches of one row: batch_size=1 trains, a trailing one-row batch is merged."""

import numpy as np
import pytest
from torch import nn

from transferkit.parameter import FineTuner, FineTunerRegressor


def _blobs(n=60, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, size=n)
    return np.eye(3, 6)[y] * 4.0 + rng.normal(size=(n, 6)), y


@pytest.mark.parametrize(
    "n, batch_size, expected",
    [
        (10, 4, [(0, 4), (4, 8), (8, 10)]),
        (9, 4, [(0, 4), (4, 9)]),
        (3, 2, [(0, 3)]),
        (1, 4, [(0, 1)]),
        (3, 1, [(0, 1), (1, 2), (2, 3)]),
        (5, 32, [(0, 5)]),
    ],
)
def test_batch_bounds(n, batch_size, expected):
    from transferkit.parameter._training import batch_bounds

    assert batch_bounds(n, batch_size) == expected


def test_batch_size_one_trains_a_classifier():
    X, y = _blobs()
    common = dict(
        hidden_layer_sizes=(16,), epochs=5, early_stopping=False, random_state=0
    )
    model = FineTuner(batch_size=1, **common).fit(X, y)
    losses = [r["train_loss"] for r in model.history_]
    assert all(loss > 0 for loss in losses)
    assert losses[-1] < losses[0]
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize("alignment", ["coral", "mmd", "dann"])
def test_trailing_one_row_batch_with_alignment(alignment):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(37, 4))
    Xt = rng.normal(size=(30, 4)) + 0.5
    model = FineTunerRegressor(
        hidden_layer_sizes=(8,),
        epochs=2,
        batch_size=4,
        alignment=alignment,
        validation_fraction=0.0,
        random_state=0,
    ).fit(X, X[:, 0], Xt)
    assert np.all(np.isfinite(model.predict(Xt)))


def test_batch_size_one_with_alignment_is_refused():
    X, y = _blobs()
    with pytest.raises(ValueError, match="batch_size >= 2"):
        FineTuner(alignment="coral", batch_size=1, epochs=1).fit(X, y, X + 1)


class _NormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU())
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.body(x))


def test_batch_size_one_with_batch_norm_is_refused():
    X, y = _blobs()
    model = FineTuner(_NormNet(), batch_size=1, epochs=1, random_state=0)
    with pytest.raises(ValueError, match="BatchNorm"):
        model.fit(X.astype(np.float32), y)
