"""TransferSelector refuses a NaN or infinite n_std_errors."""

import numpy as np
import pytest

from transferkit.feature import CORAL
from transferkit.model_selection import TransferSelector


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_n_std_errors_must_be_finite_and_non_negative(value):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    selector = TransferSelector([CORAL()], n_std_errors=value)
    with pytest.raises(ValueError, match="n_std_errors must be a finite"):
        selector.fit(X, y, X + 1.0)
