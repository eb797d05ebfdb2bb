"""Tests of TrAdaBoostRegressor (TrAdaBoost.R2, Pardoe & Stone 2010) and the
weighted median it outputs."""

import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.tree import DecisionTreeRegressor

from transferkit.instance import TrAdaBoostRegressor
from transferkit.utils._boosting import adjusted_errors, weighted_median


class BestColumnRegressor(RegressorMixin, BaseEstimator):
    """Deterministic stub: predicts the column of X with the least weighted
    absolute error (ties to the first column)."""

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X)
        w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        errors = [(w * np.abs(X[:, j] - y)).sum() for j in range(X.shape[1])]
        self.column_ = int(np.argmin(errors))
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, self.column_]


Y_SOURCE = np.array([0.0, 1.0, 2.0])
Y_TARGET = np.array([0.0, 1.0, 3.0])
# column A: exact on the source, off by 2 on the last target sample;
# column B: off by 2 on the last source sample, off by 1 on the first target.
X_SOURCE = np.array([[0, 0], [1, 1], [2, 4]], dtype=float)
X_TARGET = np.array([[0, 1], [1, 1], [1, 3]], dtype=float)


def test_two_rounds_by_hand():
    reg = TrAdaBoostRegressor(BestColumnRegressor(), n_estimators=2)
    reg.fit(X_SOURCE, Y_SOURCE, X_TARGET, Y_TARGET)
    beta = 1 / (1 + math.sqrt(2 * math.log(3) / 2))
    assert reg.beta_ == pytest.approx(beta)

    # Round 1, weights 1/6: |err| of A sums to 2, of B to 3 -> A.
    assert reg.estimators_[0].column_ == 0
    # D = 2, adjusted errors e = [0, 0, 0 | 0, 0, 1]
    eps1 = (1 / 6) / (3 / 6)
    beta1 = eps1 / (1 - eps1)  # 1/2
    w = np.array([1, 1, 1, 1, 1, 1 / beta1]) / 6
    w /= w.sum()  # [1, 1, 1, 1, 1, 2] / 7
    # Round 2: A's weighted |err| = 4/7, B's = 3/7 -> B.
    assert reg.estimators_[1].column_ == 1
    # D = 2, e = [0, 0, 1 | 1/2, 0, 0]
    eps2 = (w[3] * 0.5) / w[3:].sum()  # 1/8
    beta2 = eps2 / (1 - eps2)  # 1/7
    w = w * np.array([1, 1, beta, beta2**-0.5, 1, 1])
    w /= w.sum()

    np.testing.assert_allclose(reg.estimator_errors_, [1 / 3, 1 / 8])
    np.testing.assert_allclose(reg.estimator_weights_, [math.log(2), math.log(7)])
    np.testing.assert_allclose(reg.source_weights_, w[:3])
    np.testing.assert_allclose(reg.target_weights_, w[3:])
    # weighted median of (A, B) with weights (ln 2, ln 7): B holds more than half
    X_new = np.array([[5.0, -1.0], [-2.0, 4.0]])
    np.testing.assert_allclose(reg.predict(X_new), [-1.0, 4.0])


def brute_force_lower_median(values, weights):
    costs = np.array([(weights * np.abs(v - values)).sum() for v in values])
    best = costs.min()
    return values[costs <= best + 1e-9 * max(1.0, abs(best))].min()


def test_weighted_median_matches_brute_force():
    rng = np.random.RandomState(0)
    for _trial in range(300):
        k = rng.randint(1, 9)
        values = rng.randint(-3, 4, size=k).astype(float)  # ties happen
        weights = rng.choice([0.0, 0.5, 1.0, 2.0, 3.7], size=k)
        if weights.sum() == 0:
            weights[0] = 1.0
        assert weighted_median(values, weights) == brute_force_lower_median(
            values, weights
        ), (values, weights)
    # row-wise on a 2-D array
    values = rng.normal(size=(50, 7))
    weights = rng.uniform(size=7)
    expected = [brute_force_lower_median(row, weights) for row in values]
    np.testing.assert_allclose(weighted_median(values, weights), expected)


def test_weighted_median_exact_half_takes_lower_value():
    assert weighted_median([1.0, 5.0], [1.0, 1.0]) == 1.0
    assert weighted_median([5.0, 1.0, 3.0], [1.0, 1.0, 2.0]) == 3.0
    with pytest.raises(ValueError, match="positive sum"):
        weighted_median([1.0, 2.0], [0.0, 0.0])


@pytest.mark.parametrize(
    "loss, transform",
    [
        ("linear", lambda u: u),
        ("square", lambda u: u**2),
        ("exponential", lambda u: 1 - np.exp(-u)),
    ],
)
def test_adjusted_errors(loss, transform):
    abs_err = np.array([0.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(adjusted_errors(abs_err, loss), transform(abs_err / 4))
    np.testing.assert_array_equal(adjusted_errors(np.zeros(3), loss), 0)


def test_loss_changes_the_fit():
    rng = np.random.RandomState(1)
    Xs = rng.uniform(-3, 3, size=(120, 1))
    Xt = rng.uniform(-3, 3, size=(15, 1))
    ys, yt = np.sin(Xs[:, 0]), np.sin(Xt[:, 0]) + 0.5
    fits = {
        loss: TrAdaBoostRegressor(n_estimators=5, loss=loss, random_state=0).fit(
            Xs, ys, Xt, yt
        )
        for loss in ("linear", "square", "exponential")
    }
    errors = {loss: f.estimator_errors_[0] for loss, f in fits.items()}
    # the first learner is the same; only the loss transform differs
    assert errors["square"] < errors["linear"]
    assert errors["exponential"] < errors["linear"]


class ConstantRegressor(RegressorMixin, BaseEstimator):
    def fit(self, X, y, sample_weight=None):
        return self

    def predict(self, X):
        return np.zeros(len(X))


def test_error_at_least_half_gives_zero_vote():
    # predicting 0 everywhere: the three target samples at distance 1 have
    # adjusted error 1 (D = 1), so epsilon = 1 >= 1/2.
    reg = TrAdaBoostRegressor(ConstantRegressor(), n_estimators=3)
    reg.fit(X_SOURCE[:, :1], np.zeros(3), X_TARGET[:, :1], np.ones(3))
    np.testing.assert_allclose(reg.estimator_errors_, 1.0)
    np.testing.assert_array_equal(reg.estimator_weights_, 0)
    np.testing.assert_array_equal(reg.predict(X_TARGET[:, :1]), 0)


def test_xt_without_yt_names_yt():
    with pytest.raises(ValueError, match="yt"):
        TrAdaBoostRegressor().fit(X_SOURCE, Y_SOURCE, X_TARGET)


def test_estimator_without_sample_weight_raises():
    class NoWeight(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(TypeError, match="sample_weight"):
        TrAdaBoostRegressor(NoWeight()).fit(X_SOURCE, Y_SOURCE, X_TARGET, Y_TARGET)


def shifted_sine(seed, n_source=300, n_target=200):
    rng = np.random.RandomState(seed)
    Xs = rng.uniform(-3, 3, size=(n_source, 2))
    Xt = rng.uniform(-3, 3, size=(n_target, 2))
    ys = np.sin(Xs[:, 0]) + 0.1 * rng.normal(size=n_source)
    # the target is the source relation plus a bump on one half of the space
    yt = np.sin(Xt[:, 0]) + 0.8 * (Xt[:, 0] > 1) + 0.1 * rng.normal(size=n_target)
    return Xs, ys, Xt, yt


def test_vote_is_weighted_median_of_second_half():
    Xs, ys, Xt, yt = shifted_sine(2)
    reg = TrAdaBoostRegressor(n_estimators=7, random_state=0)
    reg.fit(Xs, ys, Xt[:20], yt[:20])
    assert reg.vote_start_ == 3
    predictions = np.column_stack([h.predict(Xt) for h in reg.estimators_[3:]])
    weights = reg.estimator_weights_[3:]
    np.testing.assert_allclose(reg.predict(Xt), weighted_median(predictions, weights))
    stages = list(reg.staged_predict(Xt))
    assert len(stages) == 7
    np.testing.assert_allclose(stages[-1], reg.predict(Xt))
    np.testing.assert_allclose(stages[0], reg.estimators_[0].predict(Xt))


def test_random_state_determinism():
    Xs, ys, Xt, yt = shifted_sine(3)
    learner = DecisionTreeRegressor(max_depth=3, max_features=1)
    fits = [
        TrAdaBoostRegressor(learner, n_estimators=5, random_state=s).fit(
            Xs, ys, Xt[:20], yt[:20]
        )
        for s in (0, 0, 1)
    ]
    np.testing.assert_array_equal(fits[0].predict(Xt), fits[1].predict(Xt))
    np.testing.assert_array_equal(fits[0].source_weights_, fits[1].source_weights_)
    assert not np.array_equal(fits[0].source_weights_, fits[2].source_weights_)


def test_beats_source_only_on_a_shifted_target():
    errors_boost, errors_source = [], []
    for seed in range(3):
        Xs, ys, Xt, yt = shifted_sine(seed)
        lab, test = slice(0, 25), slice(25, None)
        reg = TrAdaBoostRegressor(n_estimators=20, random_state=0)
        reg.fit(Xs, ys, Xt[lab], yt[lab])
        source = DecisionTreeRegressor(max_depth=3, random_state=0).fit(Xs, ys)
        errors_boost.append(np.mean((reg.predict(Xt[test]) - yt[test]) ** 2))
        errors_source.append(np.mean((source.predict(Xt[test]) - yt[test]) ** 2))
    assert np.mean(errors_boost) < np.mean(errors_source)
    # misfit source samples lost weight relative to the target
    assert reg.target_weights_.mean() > reg.source_weights_.mean()


def test_no_shift_boosts_the_source():
    Xs, ys, _, _ = shifted_sine(4)
    reg = TrAdaBoostRegressor(n_estimators=5, random_state=0).fit(Xs, ys)
    assert reg.source_weights_.shape == (0,)
    assert reg.score(Xs, ys) > 0.5
