"""MixVal: mixed target samples as probes, against hand-computed values."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from transferkit.datasets import make_domain_shift
from transferkit.feature import CORAL
from transferkit.model_selection import (
    MixValScorer,
    TransferSelector,
    make_scorer_by_name,
    mixed_probe_pairs,
)
from transferkit.pipeline import make_transfer_pipeline


class _Threshold(ClassifierMixin, BaseEstimator):
    """1-D rule: class 1 above ``threshold``; counts the rows it predicts."""

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.seen_ = []
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        self.seen_.append(X.copy())
        return (X[:, 0] > self.threshold).astype(int)


@pytest.mark.parametrize("probes", ["inter", "intra"])
def test_pairs_are_of_the_asked_kind_each_sample_once(probes):
    labels = np.array([2, 0, 0, 1, 2, 2, 1, 0, 5])
    first, second = mixed_probe_pairs(labels, probes, random_state=3)
    same = labels[first] == labels[second]
    assert np.all(~same) if probes == "inter" else np.all(same)
    assert np.all(first != second)
    # every sample that has an admissible partner is dominant exactly once;
    # the single "5" has no intra partner
    expected = np.arange(9) if probes == "inter" else np.arange(8)
    np.testing.assert_array_equal(first, expected)
    again = mixed_probe_pairs(labels, probes, random_state=3)
    np.testing.assert_array_equal(second, again[1])


def test_one_label_has_no_inter_pairs_and_scores_zero():
    first, second = mixed_probe_pairs(np.zeros(5), "inter")
    assert first.shape == second.shape == (0,)
    Xt = np.linspace(1, 2, 5)[:, None]  # all above the threshold: one label
    model = _Threshold().fit(Xt, None)
    assert MixValScorer()(model, Xt, None, Xt=Xt) == 0.0


def test_score_by_hand_on_a_threshold():
    # target at -10, -9, 9, 10 and a boundary at -9.5: only -10 is class 0,
    # so every inter pair of a class-1 sample mixes it with -10, and -10's
    # own partner is one of -9, 9, 10 (drawn).
    Xt = np.array([[-10.0], [-9.0], [9.0], [10.0]])
    model = _Threshold(threshold=-9.5).fit(Xt, None)
    first, second = mixed_probe_pairs(model.predict(Xt), "inter", random_state=0)
    partner_of_minus_10 = Xt[second[0], 0]
    # 0.55 * -10 + 0.45 * p stays at or below -9.5 only for p = -9 (-9.55)
    kept_minus_10 = 0.55 * -10 + 0.45 * partner_of_minus_10 <= -9.5
    # class-1 samples mixed with -10: -9 -> -9.45 (kept), 9 -> 0.45, 10 -> 1.0
    expected = (kept_minus_10 + 3) / 4
    assert MixValScorer(random_state=0)(model, Xt, None, Xt=Xt) == expected
    # the mixes were the rows predicted, with the paper's ratio
    mixed = model.seen_[-1][:, 0]
    np.testing.assert_allclose(mixed, 0.55 * Xt[first, 0] + 0.45 * Xt[second, 0])


def test_intra_score_by_hand():
    # two samples per class; the class-0 pair straddles a gap that the
    # boundary at -1 sits in, so mixing them crosses it one way only
    Xt = np.array([[-3.0], [-1.5], [2.0], [3.0]])
    model = _Threshold(threshold=0.0).fit(Xt, None)
    score = MixValScorer(probes="intra")(model, Xt, None, Xt=Xt)
    assert score == 1.0  # same-label mixes stay inside their convex class
    model = _Threshold(threshold=-2.0).fit(Xt, None)  # -1.5 is now class 1
    # class 0 = {-3}: no intra partner; class 1 = {-1.5, 2, 3} mixes stay > -2
    assert MixValScorer(probes="intra")(model, Xt, None, Xt=Xt) == 1.0


def test_a_boundary_through_the_target_cluster_scores_lower():
    rng = np.random.default_rng(0)
    Xt = np.vstack([rng.normal(-3, 0.5, (50, 1)), rng.normal(3, 0.5, (50, 1))])
    good = _Threshold(threshold=0.0).fit(Xt, None)
    bad = _Threshold(threshold=-3.0).fit(Xt, None)  # cuts the left cluster
    scorer = MixValScorer()
    # the mixes sit near the boundary by design (lam = 0.55), so even the
    # midpoint boundary loses some; the one inside a cluster loses more
    assert scorer(good, Xt, None, Xt=Xt) > scorer(bad, Xt, None, Xt=Xt) + 0.1


def test_pipelines_mix_inputs_and_map_them_as_target():
    Xs, ys, Xt, yt = make_domain_shift(
        kind="affine", n_source=150, n_target=120, n_features=3, random_state=1
    )
    pipe = make_transfer_pipeline(CORAL(), LogisticRegression()).fit(Xs, ys, Xt=Xt)
    labels = pipe.predict(Xt)
    first, second = mixed_probe_pairs(labels, "inter", random_state=0)
    mixed = 0.55 * Xt[first] + 0.45 * Xt[second]
    expected = np.mean(pipe.predict(mixed) == labels[first])
    assert MixValScorer()(pipe, Xs, ys, Xt=Xt) == pytest.approx(expected)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"probes": "both"}, "probes"),
        ({"mix_ratio": 0.5}, "mix_ratio"),
        ({"mix_ratio": 1.0}, "mix_ratio"),
        ({"mix_ratio": True}, "mix_ratio"),
        ({"random_state": np.random.RandomState(0)}, "random_state"),
    ],
)
def test_bad_parameters_name_themselves(params, match):
    Xt = np.array([[-1.0], [1.0]])
    model = _Threshold().fit(Xt, None)
    with pytest.raises(ValueError, match=match):
        MixValScorer(**params)(model, Xt, None, Xt=Xt)


def test_named_in_the_selector_and_pickles():
    assert isinstance(make_scorer_by_name("mixval"), MixValScorer)
    scorer = pickle.loads(pickle.dumps(MixValScorer(probes="intra")))
    assert repr(scorer) == (
        "MixValScorer(probes='intra', mix_ratio=0.55, random_state=0)"
    )
    Xs, ys, Xt, yt = make_domain_shift(
        kind="affine", n_source=200, n_target=200, random_state=0
    )
    selector = TransferSelector(
        [
            ("source only", LogisticRegression()),
            ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
        ],
        scoring="mixval",
        cv=3,
        random_state=0,
    ).fit(Xs, ys, Xt)
    report = selector.selection_report_
    assert report["criteria"] == ["mixval"]
    for entry in report["scores"]["mixval"].values():
        assert len(entry["folds"]) == 3
        assert 0.0 <= entry["mean"] <= 1.0
