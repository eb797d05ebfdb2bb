"""A one-class ``y`` is refused before any weight is learnt (reported edge)."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from transferkit.instance import KLIEP, KMM, RULSIF, ULSIF, DiscriminativeReweighting

REWEIGHTERS = [KMM, KLIEP, ULSIF, RULSIF, DiscriminativeReweighting]


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 3)), rng.normal(loc=0.5, size=(50, 3))


@pytest.mark.parametrize("cls", REWEIGHTERS)
def test_one_class_y_is_refused_before_the_weights(cls, monkeypatch):
    Xs, Xt = _data()

    def forbidden(self, X, Xt):
        raise AssertionError("weights learnt before y was checked")

    monkeypatch.setattr(cls, "_learn_weights", forbidden)
    with pytest.raises(ValueError, match="1 class.*at least 2 classes"):
        cls().fit(Xs, np.zeros(60, dtype=int), Xt)


@pytest.mark.parametrize("cls", REWEIGHTERS)
def test_regression_target_with_one_value_is_allowed(cls):
    Xs, Xt = _data()
    model = cls(estimator=Ridge(), random_state=0).fit(Xs, np.ones(60), Xt)
    np.testing.assert_allclose(model.predict(Xt), 1.0)
