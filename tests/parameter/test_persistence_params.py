"""save/load keeps a torch.device and a RandomState, so the loaded model refits."""

import numpy as np
import torch

from transferkit.parameter import FineTuner


def _data():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, size=40)
    return np.eye(2, 3)[y] * 3.0 + rng.normal(size=(40, 3)), y


def test_device_object_round_trips_and_the_loaded_model_refits(tmp_path):
    X, y = _data()
    model = FineTuner(hidden_layer_sizes=(4,), epochs=2, device=torch.device("cpu"))
    model.fit(X, y).save(tmp_path / "m.pt")
    loaded = FineTuner.load(tmp_path / "m.pt")
    assert loaded.device == "cpu"
    loaded.fit(X, y)  # device=None used to fail here
    assert loaded.predict(X).shape == (40,)


def test_random_state_object_round_trips_its_state(tmp_path):
    X, y = _data()
    rs = np.random.RandomState(7)
    rs.randint(10)  # a state that is not the one of a fresh seed
    model = FineTuner(hidden_layer_sizes=(4,), epochs=2, random_state=rs)
    model.fit(X, y).save(tmp_path / "m.pt")
    loaded = FineTuner.load(tmp_path / "m.pt")
    assert isinstance(loaded.random_state, np.random.RandomState)
    saved = model.random_state.get_state()
    state = loaded.random_state.get_state()
    assert state[0] == saved[0] and np.array_equal(state[1], saved[1])
    assert state[2:] == saved[2:]
    loaded.fit(X, y)
