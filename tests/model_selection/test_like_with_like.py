"""Like-with-like selection: twins in a pool and the choice among them."""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from transferkit.feature import CORAL, MEDA, TCA
from transferkit.instance import KMM
from transferkit.model_selection._like_with_like import (
    consensus_choice,
    estimator_signature,
    like_with_like_choice,
    pool_twins,
)
from transferkit.pipeline import make_transfer_pipeline


def test_signature_tells_parameters_apart():
    assert estimator_signature(SVC()) == estimator_signature(SVC())
    assert estimator_signature(SVC(C=2.0)) != estimator_signature(SVC())
    assert estimator_signature(KNeighborsClassifier(1)) != estimator_signature(
        KNeighborsClassifier(3)
    )
    # a one-step pipeline is its step
    assert estimator_signature(make_pipeline(SVC())) == estimator_signature(SVC())


def test_pool_twins():
    pool = [
        ("1NN", KNeighborsClassifier(1)),
        ("LR", LogisticRegression()),
        ("scaled SVC", make_pipeline(StandardScaler(), SVC())),
        ("CORAL + 1NN", make_transfer_pipeline(CORAL(), KNeighborsClassifier(1))),
        ("TCA + 3NN", make_transfer_pipeline(TCA(), KNeighborsClassifier(3))),
        ("KMM + LR", KMM(LogisticRegression())),
        ("KMM + LR C=2", KMM(LogisticRegression(C=2.0))),
        (
            "scaled CORAL + SVC",
            make_transfer_pipeline(StandardScaler(), CORAL(), SVC()),
        ),
        ("MEDA", MEDA()),
    ]
    twins = pool_twins(pool)
    assert twins == {
        "1NN": "1NN",
        "LR": "LR",
        "scaled SVC": "scaled SVC",
        "CORAL + 1NN": "1NN",
        "TCA + 3NN": None,  # its classifier (3-NN) is not in the pool
        "KMM + LR": "LR",
        "KMM + LR C=2": None,
        "scaled CORAL + SVC": "scaled SVC",
        "MEDA": None,
    }


def _twins(folds):
    return {
        n: ("1NN" if "1NN" in n else "LinearSVC" if "SVC" in n else None) for n in folds
    }


def test_other_classifiers_are_never_chosen():
    # LinearSVC scores far higher, but it is another classifier than the
    # baseline's: only the adaptation of 1-NN may replace 1-NN
    folds = {
        "1NN": [0.5, 0.6, 0.5, 0.55],
        "CORAL + 1NN": [0.6, 0.7, 0.6, 0.65],
        "LinearSVC": [0.9, 0.95, 0.9, 0.92],
        "CORAL + LinearSVC": [0.95, 0.99, 0.97, 0.96],
    }
    chosen, report = like_with_like_choice(folds, "1NN", _twins(folds))
    assert chosen == "CORAL + 1NN"
    assert not report["candidates"]["LinearSVC"]["eligible"]
    assert (
        "not on the baseline's classifier"
        in (report["candidates"]["CORAL + LinearSVC"]["why"])
    )


def test_guard_keeps_the_baseline():
    folds = {"1NN": [0.5, 0.6, 0.5], "CORAL + 1NN": [0.51, 0.58, 0.52]}
    assert like_with_like_choice(folds, "1NN", _twins(folds))[0] == "1NN"


def test_twinless_veto_and_never():
    folds = {"1NN": [0.5, 0.6, 0.5, 0.5], "MEDA": [0.7, 0.8, 0.7, 0.75]}
    veto_yes = {"1NN": [0.5, 0.5, 0.5, 0.5], "MEDA": [0.6, 0.65, 0.6, 0.62]}
    veto_no = {"1NN": [0.5, 0.5, 0.5, 0.5], "MEDA": [0.4, 0.45, 0.4, 0.42]}
    twins = {"1NN": "1NN", "MEDA": None}
    assert like_with_like_choice(folds, "1NN", twins, twinless="same")[0] == "MEDA"
    chosen, _ = like_with_like_choice(
        folds, "1NN", twins, twinless="veto", veto_folds=veto_yes
    )
    assert chosen == "MEDA"
    chosen, report = like_with_like_choice(
        folds, "1NN", twins, twinless="veto", veto_folds=veto_no
    )
    assert chosen == "1NN"
    assert report["candidates"]["MEDA"]["why"].startswith("vetoed")
    assert like_with_like_choice(folds, "1NN", twins, twinless="never")[0] == "1NN"


def test_largest_gain_wins():
    folds = {
        "1NN": [0.5, 0.5, 0.5],
        "CORAL + 1NN": [0.6, 0.62, 0.61],
        "JDA + 1NN": [0.7, 0.71, 0.72],
    }
    assert like_with_like_choice(folds, "1NN", _twins(folds))[0] == "JDA + 1NN"


def test_errors_name_the_argument():
    folds = {"1NN": [0.5, 0.6], "MEDA": [0.7, 0.8]}
    with pytest.raises(ValueError, match="baseline 'LR'"):
        like_with_like_choice(folds, "LR", {})
    with pytest.raises(ValueError, match="twinless"):
        like_with_like_choice(folds, "1NN", {}, twinless="sometimes")
    with pytest.raises(ValueError, match="veto_folds"):
        like_with_like_choice(folds, "1NN", {"MEDA": None}, twinless="veto")
    with pytest.raises(ValueError, match="LinearSVC"):
        # unknown pipelines or classes are fine; a bad twin map is not silently
        # accepted either: its values must be candidates
        like_with_like_choice(folds, "1NN", {"MEDA": "LinearSVC"})


def test_consensus_counts_votes_and_keeps_like_with_like():
    base = [0.5, 0.5, 0.6, 0.5]
    up = [0.7, 0.8, 0.8, 0.75]
    down = [0.4, 0.4, 0.5, 0.4]
    tables = {
        "a": {"1NN": base, "CORAL + 1NN": up, "LR": up, "MEDA": up},
        "b": {"1NN": base, "CORAL + 1NN": up, "LR": up, "MEDA": down},
        "c": {"1NN": base, "CORAL + 1NN": down, "LR": up, "MEDA": down},
    }
    twins = {"1NN": "1NN", "CORAL + 1NN": "1NN", "LR": "LR", "MEDA": None}
    chosen, report = consensus_choice(tables, "1NN", twins, min_votes=2)
    # LR has three votes, but it is another classifier than the baseline's
    assert chosen == "CORAL + 1NN"
    assert report["candidates"]["CORAL + 1NN"]["votes"] == ["a", "b"]
    assert not report["candidates"]["LR"]["eligible"]
    assert not report["candidates"]["MEDA"]["eligible"]  # one vote of three
    # without like with like, the most votes win
    assert consensus_choice(tables, "1NN", None, min_votes=2)[0] == "LR"
    assert consensus_choice(tables, "1NN", twins, min_votes=3)[0] == "1NN"


def test_consensus_errors():
    tables = {"a": {"1NN": [0.5, 0.6], "MEDA": [0.7, 0.8]}}
    with pytest.raises(ValueError, match="baseline 'LR'"):
        consensus_choice(tables, "LR")
    with pytest.raises(ValueError, match="min_votes"):
        consensus_choice(tables, "1NN", min_votes=2)
    with pytest.raises(ValueError, match="at least one criterion"):
        consensus_choice({}, "1NN")
