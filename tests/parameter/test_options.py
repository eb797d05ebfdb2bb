"""Option values the fine-tuners refuse before training."""

import numpy as np
import pytest

from transferkit.parameter import FineTuner


@pytest.mark.parametrize("regularizer", ["l2_sp", "delta"])
@pytest.mark.parametrize(
    "strength", [(-1.0, 0.1), (0.1, -1.0), (float("nan"), 1.0), (1.0, float("inf"))]
)
def test_bad_alpha_beta_pairs_are_refused(regularizer, strength):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 3)), np.arange(30) % 2
    model = FineTuner(
        hidden_layer_sizes=(4,),
        epochs=1,
        strategy="lp_ft",
        regularizer=regularizer,
        reg_strength=strength,
    )
    with pytest.raises(ValueError, match="reg_strength's (alpha|beta) must be"):
        model.fit(X, y, X, y)
