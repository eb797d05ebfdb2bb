"""TransferSelector on a real task: Office-Caltech10 SURF, dslr → webcam."""

import numpy as np
import pytest

from transferkit.benchmarks.office_caltech import _feature_methods
from transferkit.datasets import load_office_caltech
from transferkit.model_selection import TransferSelector


@pytest.mark.realdata
@pytest.mark.slow
def test_auto_pick_on_dslr_to_webcam(data_home):
    Xs, ys = load_office_caltech("dslr", data_home=data_home)
    Xt, yt = load_office_caltech("webcam", data_home=data_home)
    wanted = ("SVM, linear", "TCA + 1NN", "JDA + 1NN")
    candidates = [(n, f()) for n, f in _feature_methods() if n in wanted]
    selector = TransferSelector(
        candidates, cv=3, random_state=0, baseline="SVM, linear"
    ).fit(Xs, ys, Xt)
    report = selector.selection_report_
    assert report["criteria"] == [
        "mixval",
        "iwcv_mixval",
        "iwcv",
        "reverse_validation",
        "dev",
        "rank",
        "ensv",
    ]
    assert report["baseline"] == "SVM, linear"
    baseline = dict(candidates)["SVM, linear"].fit(Xs, ys).score(Xt, yt)
    # the benchmark measured 73.6 for the baseline and 88.5 / 89.8 for the
    # adapted rows on this task; auto must see the gain past its noise
    assert selector.selected_ != "SVM, linear"
    assert "beat the baseline" in report["reason"]
    assert selector.score(Xt, yt) > baseline + 0.1
    np.testing.assert_array_equal(
        selector.predict(Xt), selector.best_estimator_.predict(Xt)
    )
