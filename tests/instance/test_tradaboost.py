"""Tests of TrAdaBoostClassifier (Dai et al., ICML 2007).

The two-round example is worked out by hand in the test; the known traps
(ADAPT's and a popular script's deviations) are each pinned by
a case where the wrong formula gives a different number.
"""

import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from transferkit.datasets import make_domain_shift
from transferkit.instance import TrAdaBoostClassifier
from transferkit.instance._tradaboost import ERROR_FLOOR
from transferkit.utils._boosting import vote_start


class BestColumnClassifier(ClassifierMixin, BaseEstimator):
    """Deterministic stub: predicts the 0/1 column of X with the least weighted error.

    Ties go to the first column. ``predict_proba`` is deliberately soft (0.7 for
    the predicted class) so that a soft-error implementation would differ.
    """

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X)
        w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        errors = [(w * (X[:, j] != y)).sum() for j in range(X.shape[1])]
        self.column_ = int(np.argmin(errors))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.asarray(X)[:, self.column_].astype(int)

    def predict_proba(self, X):
        hard = self.predict(X)
        return np.where(hard[:, None] == 1, [0.3, 0.7], [0.7, 0.3])


# Hand example. Column 0 ("A") is right on the whole source and wrong on the
# third target sample; column 1 ("B") is wrong on the first source sample and
# on the first target sample.
Y_SOURCE = np.array([0, 1, 0, 1])
Y_TARGET = np.array([0, 1, 1, 0])
A_SOURCE = Y_SOURCE.copy()
B_SOURCE = np.array([1, 1, 0, 1])
A_TARGET = np.array([0, 1, 0, 0])
B_TARGET = np.array([1, 1, 1, 0])
X_SOURCE = np.column_stack([A_SOURCE, B_SOURCE]).astype(float)
X_TARGET = np.column_stack([A_TARGET, B_TARGET]).astype(float)


def fit_hand_example(**params):
    clf = TrAdaBoostClassifier(BestColumnClassifier(), n_estimators=2, **params)
    return clf.fit(X_SOURCE, Y_SOURCE, X_TARGET, Y_TARGET)


def test_two_rounds_by_hand():
    clf = fit_hand_example()
    n, N = 4, 2
    beta = 1 / (1 + math.sqrt(2 * math.log(n) / N))
    assert clf.beta_ == pytest.approx(beta)

    # Round 1: uniform weights 1/8. A errs once (1/8), B twice (2/8): A wins.
    assert clf.estimators_[0].column_ == 0
    eps1 = (1 / 8) / (4 / 8)  # one of four equally weighted targets
    beta1 = eps1 / (1 - eps1)  # 1/3
    # A is right on the source: source weights unchanged; target #3 x 1/beta1.
    w = np.array([1, 1, 1, 1, 1, 1, 1 / beta1, 1]) / 8
    w = w / w.sum()  # [1,1,1,1, 1,1,3,1] / 10

    # Round 2: A errs on target #3 (3/10), B on source #1 and target #1 (2/10).
    assert w[6] == pytest.approx(3 / 10)
    assert clf.estimators_[1].column_ == 1
    eps2 = w[4] / w[4:].sum()  # (1/10) / (6/10) = 1/6
    beta2 = eps2 / (1 - eps2)  # 1/5
    w = w * np.array([beta, 1, 1, 1, 1 / beta2, 1, 1, 1])
    w = w / w.sum()

    np.testing.assert_allclose(clf.estimator_errors_, [eps1, eps2])
    np.testing.assert_allclose(clf.estimator_weights_, [math.log(3), math.log(5)])
    np.testing.assert_allclose(clf.source_weights_, w[:4])
    np.testing.assert_allclose(clf.target_weights_, w[4:])
    # The mis-classified source sample faded, by exactly beta relative to the others.
    assert clf.source_weights_[0] == pytest.approx(beta * clf.source_weights_[1])

    # Vote of learners t = ceil(N/2) .. N = 1 .. 2, weights ln 3 and ln 5:
    # class 1 iff ln3 * A + ln5 * B >= (ln3 + ln5) / 2.
    X_new = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=float)
    half = (math.log(3) + math.log(5)) / 2
    expected = [int(math.log(3) * a + math.log(5) * b >= half) for a, b in X_new]
    assert expected == [0, 1, 1, 0]
    np.testing.assert_array_equal(clf.predict(X_new), expected)
    share_a = math.log(3) / math.log(15)
    np.testing.assert_allclose(
        clf.predict_proba(X_new)[:, 1], [share_a, 1 - share_a, 1, 0]
    )
    np.testing.assert_allclose(
        clf.decision_function(X_new), clf.predict_proba(X_new)[:, 1] - 0.5
    )


def test_beta_uses_log_n_over_N_not_log_of_ratio():
    # A popular script computes sqrt(2 ln(n / N)); the paper has 2 ln(n) / N.
    X, y, Xt, yt = X_SOURCE, Y_SOURCE, X_TARGET, Y_TARGET
    for n_rep, N in [(1, 4), (250, 50), (3, 40)]:
        Xs, ys = np.tile(X, (n_rep, 1)), np.tile(y, n_rep)
        clf = TrAdaBoostClassifier(BestColumnClassifier(), n_estimators=N)
        clf.fit(Xs, ys, Xt, yt)
        n = Xs.shape[0]
        ours = 1 / (1 + math.sqrt(2 * math.log(n) / N))
        assert clf.beta_ == pytest.approx(ours)
        ratio_term = 2 * math.log(n / N)
        if ratio_term >= 0:
            assert clf.beta_ != pytest.approx(1 / (1 + math.sqrt(ratio_term)))
        else:
            # ln(n/N) < 0 when n < N: the wrong formula is not even real.
            assert 0 < clf.beta_ < 1


def test_beta_t_is_eps_over_one_minus_eps_not_adapt_formula():
    # ADAPT uses beta_t = eps / (2 - eps); the paper eps / (1 - eps).
    clf = fit_hand_example()
    eps = clf.estimator_errors_[0]
    assert eps == pytest.approx(0.25)
    assert clf.estimator_weights_[0] == pytest.approx(math.log((1 - eps) / eps))
    assert clf.estimator_weights_[0] != pytest.approx(math.log((2 - eps) / eps))


def test_error_is_hard_zero_one_not_soft_probability():
    # The stub's predict_proba is soft (0.7/0.3). A soft error
    # mean(1 - p(true class)) on the target gives (3*0.3 + 0.7)/4 = 0.4, not 1/4.
    clf = fit_hand_example()
    soft = (3 * 0.3 + 0.7) / 4
    assert clf.estimator_errors_[0] == pytest.approx(0.25)
    assert clf.estimator_errors_[0] != pytest.approx(soft)


def test_predict_proba_exists_and_matches_predict():
    # ADAPT's TrAdaBoost has no predict_proba (its issue #111).
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=200, random_state=0)
    clf = TrAdaBoostClassifier(n_estimators=10, random_state=0)
    clf.fit(Xs, ys, Xt[:30], yt[:30])
    proba = clf.predict_proba(Xt[30:])
    assert proba.shape == (Xt.shape[0] - 30, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert np.all((proba >= 0) & (proba <= 1))
    pred = clf.predict(Xt[30:])
    decided = np.abs(proba[:, 1] - 0.5) > 1e-12
    np.testing.assert_array_equal(
        clf.classes_[np.argmax(proba, axis=1)][decided], pred[decided]
    )


class NoWeightClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_estimator_without_sample_weight_raises_type_error():
    # ADAPT falls back to a bootstrap that can drop a class (its issue #96).
    clf = TrAdaBoostClassifier(NoWeightClassifier())
    with pytest.raises(TypeError, match="sample_weight"):
        clf.fit(X_SOURCE, Y_SOURCE, X_TARGET, Y_TARGET)


class HeaviestRowsClassifier(ClassifierMixin, BaseEstimator):
    """Fits a tree on the five heaviest rows only.

    It usually sees fewer classes than the data has, as a bootstrap would.
    """

    def fit(self, X, y, sample_weight=None):
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        keep = np.argsort(-w, kind="stable")[:5]
        self.tree_ = DecisionTreeClassifier(max_depth=2, random_state=0)
        self.tree_.fit(np.asarray(X)[keep], np.asarray(y)[keep])
        self.classes_ = self.tree_.classes_
        return self

    def predict(self, X):
        return self.tree_.predict(X)


def test_learner_that_loses_a_class_does_not_crash():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(60, 2))
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.normal(size=(12, 2))
    yt = np.where(Xt[:, 1] > 0, 1, 0)
    yt[:3] = 2  # a class the source never shows
    clf = TrAdaBoostClassifier(HeaviestRowsClassifier(), n_estimators=12)
    clf.fit(Xs, ys, Xt, yt)
    seen = {len(h.classes_) for h in clf.estimators_}
    assert min(seen) < 3  # some learner indeed lost a class
    proba = clf.predict_proba(Xt)
    assert proba.shape == (len(Xt), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(Xt)) <= {0, 1, 2}


def test_xt_without_yt_names_yt():
    clf = TrAdaBoostClassifier()
    with pytest.raises(ValueError, match="yt"):
        clf.fit(X_SOURCE, Y_SOURCE, X_TARGET)


def test_no_shift_is_boosting_of_the_source():
    Xs, ys, _, _ = make_domain_shift("covariate", n_source=150, random_state=1)
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=8)
    clf.fit(Xs, ys)
    assert clf.source_weights_.shape == (0,)
    assert clf.target_weights_.shape == (150,)
    np.testing.assert_allclose(clf.target_weights_.sum(), 1)
    assert clf.score(Xs, ys) > 0.6


@pytest.mark.parametrize("labels", [np.array(["no", "yes"]), np.array([-1, 7])])
def test_arbitrary_label_values(labels):
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=200, random_state=2)
    clf = TrAdaBoostClassifier(n_estimators=6, random_state=0)
    clf.fit(Xs, labels[ys], Xt[:40], labels[yt[:40]])
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    reference = TrAdaBoostClassifier(n_estimators=6, random_state=0)
    reference.fit(Xs, ys, Xt[:40], yt[:40])
    np.testing.assert_array_equal(clf.predict(Xt), labels[reference.predict(Xt)])


def test_multiclass_extension_uses_samme_beta():
    Xs, ys, Xt, yt = make_domain_shift(
        "concept", n_source=300, n_classes=3, n_features=4, random_state=3
    )
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=10)
    clf.fit(Xs, ys, Xt[:60], yt[:60])
    K = 3
    for eps, vote in zip(clf.estimator_errors_, clf.estimator_weights_):
        if eps >= 1 - 1 / K:
            assert vote == 0
        else:
            e = max(eps, ERROR_FLOOR)
            assert vote == pytest.approx(math.log((1 - e) / e) + math.log(K - 1))
    proba = clf.predict_proba(Xt[60:])
    assert proba.shape == (Xt.shape[0] - 60, 3)
    np.testing.assert_array_equal(
        clf.predict(Xt[60:]), clf.classes_[np.argmax(proba, axis=1)]
    )


class AlwaysWrongOnOne(ClassifierMixin, BaseEstimator):
    """Predicts the label 1 everywhere."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.ones(len(X), dtype=int)


def test_error_at_least_half_gives_zero_vote_and_keeps_target_weights():
    # Target labels are mostly 0, so "always 1" has target error 3/4 >= 1/2.
    yt = np.array([0, 0, 0, 1])
    clf = TrAdaBoostClassifier(AlwaysWrongOnOne(), n_estimators=3)
    clf.fit(X_SOURCE, Y_SOURCE, X_TARGET, yt)
    np.testing.assert_allclose(clf.estimator_errors_, 0.75)
    np.testing.assert_array_equal(clf.estimator_weights_, 0)
    # target weights keep their ratios; mis-classified source weights faded
    t = clf.target_weights_
    np.testing.assert_allclose(t / t[0], 1)
    s = clf.source_weights_
    beta = clf.beta_
    np.testing.assert_allclose(s[[0, 2]] / s[1], beta**3)
    # all voters have vote 0: equal-weight vote, no division by zero
    np.testing.assert_array_equal(clf.predict(X_TARGET), 1)


def test_zero_error_is_clamped_to_a_finite_vote():
    clf = TrAdaBoostClassifier(BestColumnClassifier(), n_estimators=2)
    clf.fit(X_SOURCE, Y_SOURCE, X_SOURCE, Y_SOURCE)  # column A is perfect
    np.testing.assert_array_equal(clf.estimator_errors_, 0)
    expected = math.log((1 - ERROR_FLOOR) / ERROR_FLOOR)
    np.testing.assert_allclose(clf.estimator_weights_, expected)
    assert np.isfinite(clf.predict_proba(X_TARGET)).all()


def test_vote_uses_learners_from_ceil_half():
    assert [vote_start(N) for N in (1, 2, 3, 4, 5, 100)] == [0, 0, 1, 1, 2, 49]
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=200, random_state=4)
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=7)
    clf.fit(Xs, ys, Xt[:30], yt[:30])
    assert clf.vote_start_ == 3  # learners 4..7 (1-based) vote
    X_new = Xt[30:]
    votes = np.zeros(len(X_new))
    total = 0.0
    for h, a in zip(clf.estimators_[3:], clf.estimator_weights_[3:]):
        votes += a * (h.predict(X_new) == 1)
        total += a
    np.testing.assert_allclose(clf.predict_proba(X_new)[:, 1], votes / total)
    np.testing.assert_array_equal(clf.predict(X_new), (votes >= total / 2).astype(int))


def test_staged_predict_ends_with_predict():
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=200, random_state=5)
    clf = TrAdaBoostClassifier(n_estimators=5, random_state=0)
    clf.fit(Xs, ys, Xt[:30], yt[:30])
    stages = list(clf.staged_predict(Xt[30:]))
    assert len(stages) == 5
    np.testing.assert_array_equal(stages[-1], clf.predict(Xt[30:]))
    probas = list(clf.staged_predict_proba(Xt[30:]))
    np.testing.assert_allclose(probas[-1], clf.predict_proba(Xt[30:]))
    # after one round the single learner decides
    np.testing.assert_array_equal(stages[0], clf.estimators_[0].predict(Xt[30:]))


def test_random_state_determinism():
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=200, random_state=6)
    learner = DecisionTreeClassifier(max_features=1, max_depth=3)
    fits = [
        TrAdaBoostClassifier(learner, n_estimators=6, random_state=seed).fit(
            Xs, ys, Xt[:30], yt[:30]
        )
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(fits[0].source_weights_, fits[1].source_weights_)
    np.testing.assert_array_equal(fits[0].predict_proba(Xt), fits[1].predict_proba(Xt))
    seeds = [[h.random_state for h in f.estimators_] for f in fits]
    assert seeds[0] == seeds[1] != seeds[2]


def test_inputs_not_modified_and_no_printing(capsys):
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=100, random_state=7)
    copies = [a.copy() for a in (Xs, ys, Xt, yt)]
    TrAdaBoostClassifier(n_estimators=3, verbose=True).fit(Xs, ys, Xt[:20], yt[:20])
    for a, b in zip((Xs, ys, Xt, yt), copies):
        np.testing.assert_array_equal(a, b)
    assert capsys.readouterr().out == ""


def test_sparse_input():
    sp = pytest.importorskip("scipy.sparse")
    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=100, random_state=8)
    dense = TrAdaBoostClassifier(n_estimators=3, random_state=0)
    dense.fit(Xs, ys, Xt[:20], yt[:20])
    sparse = clone(dense).fit(sp.csr_matrix(Xs), ys, sp.csr_matrix(Xt[:20]), yt[:20])
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(Xt)), dense.predict_proba(Xt)
    )


def test_transfer_beats_target_only_on_related_source():
    # A weak concept shift: the source is mostly right about the target.
    Xs, ys, Xt, yt = make_domain_shift(
        "concept", n_source=400, n_target=600, shift=0.3, noise=0.05, random_state=9
    )
    learner = KNeighborsClassifier  # no sample_weight: checked just below
    with pytest.raises(TypeError):
        TrAdaBoostClassifier(learner()).fit(Xs, ys, Xt[:10], yt[:10])
    base = LogisticRegression()
    errors_transfer, errors_target = [], []
    for seed in range(3):
        idx = np.random.RandomState(seed).permutation(len(yt))
        lab, test = idx[:10], idx[10:]
        if len(np.unique(yt[lab])) < 2:
            continue
        clf = TrAdaBoostClassifier(base, n_estimators=20).fit(Xs, ys, Xt[lab], yt[lab])
        errors_transfer.append(1 - clf.score(Xt[test], yt[test]))
        target_only = clone(base).fit(Xt[lab], yt[lab])
        errors_target.append(1 - target_only.score(Xt[test], yt[test]))
    assert np.mean(errors_transfer) < np.mean(errors_target)


def test_pipeline_gridsearch_and_pickle():
    import pickle

    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import StandardScaler

    from transferkit.pipeline import make_transfer_pipeline

    Xs, ys, Xt, yt = make_domain_shift("concept", n_source=150, random_state=10)
    pipe = make_transfer_pipeline(
        StandardScaler(), TrAdaBoostClassifier(n_estimators=3)
    )
    pipe.fit(Xs, ys, Xt=Xt[:20], yt=yt[:20])
    assert pipe.score(Xt, yt) > 0.5
    grid = GridSearchCV(
        TrAdaBoostClassifier(LogisticRegression(), n_estimators=3),
        {"estimator__C": [0.1, 1.0]},
        cv=3,
    )
    grid.fit(Xs, ys, Xt=Xt[:20], yt=yt[:20])
    best = grid.best_estimator_
    assert best.target_weights_.shape == (20,)  # yt reached the estimator
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict(Xt), best.predict(Xt))
