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
    # the MixVal path of the earlier auto, every candidate against the
    # baseline (compare="baseline")
    selector = TransferSelector(
        candidates,
        scoring=["mixval", "iwcv_mixval", "iwcv"],
        compare="baseline",
        cv=3,
        random_state=0,
        baseline="SVM, linear",
    ).fit(Xs, ys, Xt)
    report = selector.selection_report_
    assert report["criteria"] == ["mixval", "iwcv_mixval", "iwcv"]
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


@pytest.mark.realdata
@pytest.mark.slow
def test_default_folds_see_meda_gain_on_dslr_to_caltech(data_home):
    # D→C has the 157-row DSLR source. benchmark selection measured MEDA at
    # 34.8 % against 31.4 % for the linear SVM there; with 5 folds MEDA's
    # MixVal gain (+0.66 points) stayed within one standard error (0.92)
    # and the guard kept the baseline, with the default 10 folds it passes
    from transferkit.benchmarks.selection import OFFICE_BASELINE, _office_candidates

    Xs, ys = load_office_caltech("dslr", data_home=data_home)
    Xt, yt = load_office_caltech("caltech", data_home=data_home)
    every = dict(_office_candidates())
    candidates = [(OFFICE_BASELINE, every[OFFICE_BASELINE]), ("MEDA", every["MEDA"])]
    assert TransferSelector().cv == 10

    def pick(**params):
        return TransferSelector(
            candidates,
            scoring="mixval",
            compare="baseline",
            random_state=0,
            baseline=OFFICE_BASELINE,
            **params,
        ).fit(Xs, ys, Xt)

    assert pick(cv=5, refit=False).selected_ == OFFICE_BASELINE
    selector = pick()
    assert selector.selected_ == "MEDA"
    assert "paired over 10 folds" in selector.selection_report_["reason"]
    baseline = every[OFFICE_BASELINE].fit(Xs, ys).score(Xt, yt)
    assert selector.score(Xt, yt) > baseline + 0.02


@pytest.mark.realdata
@pytest.mark.slow
def test_auto_never_below_the_users_classifier_on_dslr_to_webcam(data_home):
    # the default rule (like with like, the consensus) with a pool of two
    # classifiers: whatever it picks must not lose to the user's 1-NN
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    from transferkit.feature import CORAL, TCA
    from transferkit.pipeline import make_transfer_pipeline

    Xs, ys = load_office_caltech("dslr", data_home=data_home)
    Xt, yt = load_office_caltech("webcam", data_home=data_home)
    pool = [
        ("1NN", KNeighborsClassifier(1)),
        ("SVM linear", SVC(kernel="linear")),
        ("TCA + 1NN", make_transfer_pipeline(TCA(), KNeighborsClassifier(1))),
        ("CORAL + SVM linear", make_transfer_pipeline(CORAL(), SVC(kernel="linear"))),
    ]
    selector = TransferSelector(pool, cv=5, random_state=0).fit(Xs, ys, Xt)
    report = selector.selection_report_
    assert report["criteria"][0] == "consensus"
    assert report["baseline"] == "1NN"
    assert selector.selected_ in ("1NN", "TCA + 1NN")
    baseline = KNeighborsClassifier(1).fit(Xs, ys).score(Xt, yt)
    assert selector.score(Xt, yt) >= baseline - 0.02
