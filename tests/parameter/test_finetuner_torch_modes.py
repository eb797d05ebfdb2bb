"""FineTuner fits under a float64 default dtype and inside inference_mode."""

import numpy as np
import torch

from transferkit.parameter import FineTuner


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_fit_under_float64_default_dtype_restores_it():
    X, y = _data()
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        model = FineTuner(hidden_layer_sizes=(4,), epochs=2, random_state=0)
        model.fit(X, y)
        assert torch.get_default_dtype() == torch.float64
        assert model.predict(X).shape == (40,)
    finally:
        torch.set_default_dtype(before)


def test_fit_inside_inference_mode():
    X, y = _data()
    with torch.inference_mode():
        model = FineTuner(hidden_layer_sizes=(4,), epochs=2, random_state=0)
        model.fit(X, y)
        assert torch.is_inference_mode_enabled()
    assert model.predict(X).shape == (40,)
