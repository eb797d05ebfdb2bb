"""Tests of TwoStageTrAdaBoostRegressor (Pardoe & Stone 2010, Algorithm 3)."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.tree import DecisionTreeRegressor

from transferkit.instance import TwoStageTrAdaBoostRegressor
from transferkit.instance._two_stage_tradaboost import (
    _lower_source_weight,
    adaboost_r2_frozen_source,
)
from transferkit.utils._boosting import weighted_median


def sine_domains(seed, related=True, n_source=200, n_target=150):
    rng = np.random.RandomState(seed)
    Xs = rng.uniform(-3, 3, size=(n_source, 2))
    Xt = rng.uniform(-3, 3, size=(n_target, 2))
    if related:
        ys = np.sin(Xs[:, 0]) + 0.1 * rng.normal(size=n_source)
    else:
        ys = 2 * rng.normal(size=n_source)  # a source that says nothing
    yt = np.sin(Xt[:, 0]) + 0.8 * (Xt[:, 0] > 1) + 0.1 * rng.normal(size=n_target)
    return Xs, ys, Xt, yt


class WeightRecorder(RegressorMixin, BaseEstimator):
    """A shallow tree that remembers the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None):
        self.seen_weight_ = np.array(sample_weight, dtype=float)
        self.tree_ = DecisionTreeRegressor(max_depth=2, random_state=0)
        self.tree_.fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        return self.tree_.predict(X)


def test_adaboost_r2_prime_keeps_source_weights_frozen():
    Xs, ys, Xt, yt = sine_domains(0)
    X = np.vstack([Xs, Xt[:20]])
    y = np.concatenate([ys, yt[:20]])
    n = len(ys)
    start = np.random.RandomState(1).uniform(0.5, 1.5, size=len(y))
    start /= start.sum()
    learners, votes = adaboost_r2_frozen_source(
        WeightRecorder(), X, y, start, n, 6, "linear", np.random.RandomState(0)
    )
    assert len(learners) > 1 and np.all(votes > 0)
    for h in learners:
        distribution = h.seen_weight_ / h.seen_weight_.sum()
        np.testing.assert_allclose(distribution[:n], start[:n], rtol=1e-10)
    # the target part did move
    last = learners[-1].seen_weight_ / learners[-1].seen_weight_.sum()
    assert not np.allclose(last[n:], start[n:])


def test_lower_source_weight_hits_the_goal():
    rng = np.random.RandomState(2)
    source = rng.uniform(size=30)
    errors = rng.uniform(size=30)
    for goal in (0.3, 0.6, 0.95):
        new = _lower_source_weight(source, errors, target_total=0.2, goal=goal)
        assert 0.2 / (0.2 + new.sum()) == pytest.approx(goal)
        # the form source * beta ** e: ratios follow the errors
        beta_e = new / source
        order = np.argsort(errors)
        assert np.all(np.diff(beta_e[order]) <= 1e-12)
    # samples with zero error cannot fade through beta: uniform scaling instead
    errors[:] = 0
    new = _lower_source_weight(source, errors, target_total=0.2, goal=0.9)
    assert 0.2 / (0.2 + new.sum()) == pytest.approx(0.9)
    np.testing.assert_array_equal(_lower_source_weight(source, errors, 0.2, 1.0), 0)


def test_target_share_goes_from_m_over_n_plus_m_to_one():
    Xs, ys, Xt, yt = sine_domains(3)
    reg = TwoStageTrAdaBoostRegressor(n_steps=5, n_estimators=5, cv=3, random_state=0)
    reg.fit(Xs, ys, Xt[:20], yt[:20])
    n, m = len(ys), 20
    np.testing.assert_allclose(reg.target_shares_, np.linspace(m / (n + m), 1, 5))
    assert reg.cv_errors_.shape == (5,)
    assert np.isfinite(reg.cv_errors_).all()
    assert reg.best_step_ == int(np.argmin(reg.cv_errors_))
    total = reg.source_weights_.sum() + reg.target_weights_.sum()
    assert total == pytest.approx(1)
    assert reg.target_weights_.sum() == pytest.approx(
        reg.target_shares_[reg.best_step_]
    )
    predictions = np.column_stack([h.predict(Xt) for h in reg.estimators_])
    np.testing.assert_allclose(
        reg.predict(Xt), weighted_median(predictions, reg.estimator_weights_)
    )


def test_useless_source_is_dropped_and_useful_source_is_kept():
    shares = {}
    for related in (True, False):
        chosen = []
        for seed in range(3):
            Xs, ys, Xt, yt = sine_domains(seed, related=related)
            reg = TwoStageTrAdaBoostRegressor(
                n_steps=6, n_estimators=8, cv=5, random_state=seed
            )
            reg.fit(Xs, ys, Xt[:25], yt[:25])
            chosen.append(reg.target_shares_[reg.best_step_])
        shares[related] = np.mean(chosen)
    # noise as a source: CV picks (nearly) all weight on the target
    assert shares[False] > 0.7
    assert shares[True] < shares[False]


def test_needs_two_target_rows_and_yt():
    Xs, ys, Xt, yt = sine_domains(4)
    with pytest.raises(ValueError, match="at least 2"):
        TwoStageTrAdaBoostRegressor().fit(Xs, ys, Xt[:1], yt[:1])
    with pytest.raises(ValueError, match="yt"):
        TwoStageTrAdaBoostRegressor().fit(Xs, ys, Xt[:5])


def test_random_state_determinism():
    Xs, ys, Xt, yt = sine_domains(5)
    learner = DecisionTreeRegressor(max_depth=3, max_features=1)
    fits = [
        TwoStageTrAdaBoostRegressor(
            learner, n_steps=3, n_estimators=4, cv=3, random_state=s
        ).fit(Xs, ys, Xt[:15], yt[:15])
        for s in (0, 0)
    ]
    np.testing.assert_array_equal(fits[0].cv_errors_, fits[1].cv_errors_)
    np.testing.assert_array_equal(fits[0].predict(Xt), fits[1].predict(Xt))


def test_no_shift_is_adaboost_r2_without_cv():
    Xs, ys, _, _ = sine_domains(6)
    reg = TwoStageTrAdaBoostRegressor(n_steps=3, n_estimators=5, random_state=0)
    reg.fit(Xs, ys)
    assert reg.best_step_ == 0
    assert np.isnan(reg.cv_errors_).all()
    assert reg.source_weights_.shape == (0,)
    assert reg.score(Xs, ys) > 0.5


def test_same_result_for_any_n_jobs():
    rng = np.random.RandomState(0)
    Xs = rng.uniform(-3, 3, size=(120, 2))
    ys = np.sin(Xs[:, 0]) + 0.1 * rng.normal(size=120)
    Xt = rng.uniform(-3, 3, size=(20, 2))
    yt = np.sin(Xt[:, 0]) + 0.4 + 0.1 * rng.normal(size=20)
    params = dict(n_steps=4, n_estimators=6, cv=3, random_state=0)
    serial = TwoStageTrAdaBoostRegressor(**params).fit(Xs, ys, Xt, yt)
    parallel = TwoStageTrAdaBoostRegressor(n_jobs=2, **params).fit(Xs, ys, Xt, yt)
    np.testing.assert_array_equal(serial.cv_errors_, parallel.cv_errors_)
    assert serial.best_step_ == parallel.best_step_
    np.testing.assert_array_equal(serial.predict(Xt), parallel.predict(Xt))
    # the CV errors really vary over the steps (a meaningful comparison)
    assert np.ptp(serial.cv_errors_) > 0
