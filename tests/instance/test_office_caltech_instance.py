"""The Office-Caltech instance-reweighting benchmark on its smallest task."""

import numpy as np
import pytest
from sklearn.svm import SVC

from transferkit.benchmarks._office_caltech_instance import (
    _accuracies,
    instance_methods,
)
from transferkit.datasets import load_office_caltech


@pytest.mark.realdata
def test_rows_on_dslr_to_webcam():
    methods = instance_methods(random_state=0)
    names = [name for name, _ in methods]
    assert names[0] == "SVM (no adaptation)" and len(names) == 6
    # The no-adaptation row and KMM only (the others are slower, same code path).
    results = _accuracies(methods[:2], [("D", "W")], data_home=None)
    Xs, ys = load_office_caltech("D")
    Xt, yt = load_office_caltech("W")
    plain = 100.0 * np.mean(SVC(kernel="linear", C=1.0).fit(Xs, ys).predict(Xt) == yt)
    assert results["SVM (no adaptation)"] == [pytest.approx(plain)]
    assert 0.0 <= results["KMM + SVM"][0] <= 100.0
