"""Tests of RegularTransferRegressor and RegularTransferClassifier.

References: the normal equations (``np.linalg.solve``), GCV from the explicit
hat matrix, cvxpy for the multinomial problem, a direct logistic solve for two
classes, and the limits alpha -> inf (source) and alpha -> 0 (target only).
The defects known in ADAPT (squared damping, a debug print,
squared loss for classification, a prefitted model required) each have a test.
"""

import pickle
import warnings

import numpy as np
import pytest
from scipy.optimize import check_grad, minimize
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from transferkit.datasets import load_digits_shift
from transferkit.parameter import RegularTransferClassifier, RegularTransferRegressor
from transferkit.parameter._linear_prior import (
    fit_softmax_prior,
    softmax_prior_objective,
    softmax_prior_value_grad,
    stratified_fold_ids,
)

# ---------------------------------------------------------------- data


def regression_data(m=12, d=4, seed=0):
    rng = np.random.RandomState(seed)
    beta = rng.normal(size=d)
    Xs = rng.normal(size=(80, d))
    ys = Xs @ beta + 0.1 * rng.normal(size=80) + 0.5
    Xt = rng.normal(size=(m, d)) + 0.3
    yt = Xt @ (beta + 0.3 * rng.normal(size=d)) + 0.2 * rng.normal(size=m) - 1.0
    return Xs, ys, Xt, yt


def classification_data(n_classes=3, m=15, d=3, seed=0):
    rng = np.random.RandomState(seed)
    centres = 2.0 * rng.normal(size=(n_classes, d))
    ys = np.arange(90) % n_classes
    Xs = centres[ys] + rng.normal(size=(90, d))
    yt = np.arange(m) % n_classes
    Xt = centres[yt] + 0.5 + 1.5 * rng.normal(size=(m, d))
    return Xs, ys, Xt, yt


def normal_equations(Xt, yt, beta0, alpha):
    """Solve min ||y - b - X beta||^2 + alpha ||beta - beta0||^2 directly."""
    m, d = Xt.shape
    A = np.zeros((d + 1, d + 1))
    A[0, 0] = m
    A[0, 1:] = A[1:, 0] = Xt.sum(axis=0)
    A[1:, 1:] = Xt.T @ Xt + alpha * np.eye(d)
    rhs = np.concatenate([[yt.sum()], Xt.T @ yt + alpha * beta0])
    sol = np.linalg.solve(A, rhs)
    return sol[1:], sol[0]


# ---------------------------------------------------------------- regressor


@pytest.mark.parametrize("alpha", [0.3, 3.0, 40.0])
def test_regressor_matches_normal_equations(alpha):
    Xs, ys, Xt, yt = regression_data()
    reg = RegularTransferRegressor(alpha=alpha).fit(Xs, ys, Xt, yt)
    beta0 = Ridge().fit(Xs, ys).coef_
    coef, intercept = normal_equations(Xt, yt, beta0, alpha)
    np.testing.assert_allclose(reg.source_coef_, beta0)
    np.testing.assert_allclose(reg.coef_, coef, rtol=1e-10, atol=1e-12)
    assert reg.intercept_ == pytest.approx(intercept, rel=1e-10, abs=1e-12)
    assert reg.alpha_ == alpha and reg.prior_ == "source"


def test_regressor_penalty_is_linear_in_alpha():
    # ADAPT squares the damping. Stationarity with alpha, not alpha**2:
    # Xc^T (yc - Xc beta) = alpha (beta - beta0).
    Xs, ys, Xt, yt = regression_data(m=6, d=5)
    alpha = 3.0
    reg = RegularTransferRegressor(alpha=alpha).fit(Xs, ys, Xt, yt)
    Xc, yc = Xt - Xt.mean(axis=0), yt - yt.mean()
    lhs = Xc.T @ (yc - Xc @ reg.coef_)
    np.testing.assert_allclose(lhs, alpha * (reg.coef_ - reg.source_coef_), atol=1e-10)
    assert not np.allclose(lhs, alpha**2 * (reg.coef_ - reg.source_coef_), atol=1e-3)


def brute_gcv(Xt, yt, beta0, alpha):
    m, d = Xt.shape
    J = np.full((m, m), 1.0 / m)
    Xc = Xt - Xt.mean(axis=0)
    if np.isinf(alpha):
        coef, intercept = beta0, yt.mean() - Xt.mean(axis=0) @ beta0
        S = J
    else:
        coef, intercept = normal_equations(Xt, yt, beta0, alpha)
        S = J + Xc @ np.linalg.inv(Xc.T @ Xc + alpha * np.eye(d)) @ Xc.T
    resid = yt - Xt @ coef - intercept
    return m * resid @ resid / (m - np.trace(S)) ** 2


@pytest.mark.parametrize("shape", [(12, 4), (5, 8)])
def test_regressor_gcv_matches_hat_matrix(shape):
    m, d = shape
    Xs, ys, Xt, yt = regression_data(m=m, d=d)
    reg = RegularTransferRegressor().fit(Xs, ys, Xt, yt)
    scores = reg.gcv_scores_
    assert set(scores["prior"]) == {"source", "none"}
    assert np.isinf(scores["alpha"][0]) and scores["prior"][0] == "source"
    for prior, alpha, score in zip(scores["prior"], scores["alpha"], scores["score"]):
        beta0 = reg.source_coef_ if prior == "source" else np.zeros(d)
        assert score == pytest.approx(brute_gcv(Xt, yt, beta0, alpha), rel=1e-8)
    best = int(np.argmin(scores["score"]))
    assert reg.alpha_ == scores["alpha"][best] and reg.prior_ == scores["prior"][best]
    beta0 = reg.source_coef_ if reg.prior_ == "source" else np.zeros(d)
    if np.isinf(reg.alpha_):
        np.testing.assert_allclose(reg.coef_, beta0)
    else:
        coef, _ = normal_equations(Xt, yt, beta0, reg.alpha_)
        np.testing.assert_allclose(reg.coef_, coef, rtol=1e-8, atol=1e-10)


def test_regressor_limits():
    Xs, ys, Xt, yt = regression_data(m=30, d=4)
    source = RegularTransferRegressor(alpha=np.inf).fit(Xs, ys, Xt, yt)
    np.testing.assert_array_equal(source.coef_, source.source_coef_)
    # source only re-estimates the intercept on the target
    assert source.intercept_ == pytest.approx(
        yt.mean() - Xt.mean(axis=0) @ source.source_coef_
    )
    big = RegularTransferRegressor(alpha=1e12).fit(Xs, ys, Xt, yt)
    np.testing.assert_allclose(big.coef_, big.source_coef_, atol=1e-9)
    ols = LinearRegression().fit(Xt, yt)
    for alpha in (0.0, 1e-10):
        tiny = RegularTransferRegressor(alpha=alpha).fit(Xs, ys, Xt, yt)
        np.testing.assert_allclose(tiny.coef_, ols.coef_, rtol=1e-7)
        assert tiny.intercept_ == pytest.approx(ols.intercept_, rel=1e-7)


def test_regressor_auto_chooses_source_or_no_transfer():
    # Few target samples, same coefficients: the source prior wins.
    Xs, ys, Xt, yt = regression_data(m=8, d=6)
    reg = RegularTransferRegressor().fit(Xs, ys, Xt, yt)
    assert reg.prior_ == "source"
    # A source that is wrong (opposite coefficients), many target samples:
    # "no transfer" wins and predicts better than the source prior would.
    rng = np.random.RandomState(1)
    beta = rng.normal(size=4)
    Xs = rng.normal(size=(100, 4))
    ys = -Xs @ beta
    Xt = rng.normal(size=(60, 4))
    yt = Xt @ beta + 0.1 * rng.normal(size=60)
    reg = RegularTransferRegressor().fit(Xs, ys, Xt, yt)
    assert reg.prior_ == "none"
    assert reg.score(Xt, yt) > 0.99


def test_regressor_one_target_sample_is_source_only():
    Xs, ys, Xt, yt = regression_data(m=1)
    reg = RegularTransferRegressor().fit(Xs, ys, Xt, yt)
    assert np.all(np.isinf(reg.gcv_scores_["score"]))
    assert reg.prior_ == "source" and np.isinf(reg.alpha_)
    assert reg.predict(Xt)[0] == pytest.approx(yt[0])


# ---------------------------------------------------------------- classifier


def test_objective_is_log_loss_hand_computed():
    # Two samples, two classes, one feature: every term written out.
    W = np.array([[0.5], [-1.0]])
    b = np.array([0.2, 0.0])
    W0 = np.array([[0.0], [1.0]])
    X = np.array([[1.0], [2.0]])
    codes = np.array([0, 1])
    z0 = np.array([0.7, -1.0])  # sample 1: 0.5 + 0.2, -1
    z1 = np.array([1.2, -2.0])  # sample 2: 1.0 + 0.2, -2
    loss = -(z0[0] - np.log(np.exp(z0).sum())) - (z1[1] - np.log(np.exp(z1).sum()))
    penalty = 0.5 * 3.0 * (0.5**2 + 2.0**2)
    value = softmax_prior_objective(W, b, X, codes, W0, 3.0)
    assert value == pytest.approx(loss + penalty, rel=1e-12)
    # not a squared loss on the one-hot labels
    p0 = np.exp(z0) / np.exp(z0).sum()
    p1 = np.exp(z1) / np.exp(z1).sum()
    squared = ((p0 - [1, 0]) ** 2).sum() + ((p1 - [0, 1]) ** 2).sum()
    assert value != pytest.approx(squared + penalty, rel=1e-3)
    # the penalty scales linearly in alpha (ADAPT squares the damping)
    data_term = softmax_prior_objective(W, b, X, codes, W0, 0.0)
    doubled = softmax_prior_objective(W, b, X, codes, W0, 6.0)
    assert doubled - data_term == pytest.approx(2 * (value - data_term), rel=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.RandomState(0)
    K, d, m = 4, 3, 9
    X = rng.normal(size=(m, d))
    Y = np.eye(K)[rng.randint(K, size=m)]
    W0 = rng.normal(size=(K, d))

    def split(theta):
        return theta[: K * d].reshape(K, d), theta[K * d :]

    def f(theta):
        return softmax_prior_value_grad(*split(theta), X, Y, W0, 2.5)[0]

    def g(theta):
        _, gW, gb = softmax_prior_value_grad(*split(theta), X, Y, W0, 2.5)
        return np.concatenate([gW.ravel(), gb])

    for _ in range(3):
        theta = rng.normal(size=K * d + K)
        assert check_grad(f, g, theta) < 1e-5 * max(1.0, np.linalg.norm(g(theta)))


def test_classifier_optimum_satisfies_gradient_condition():
    Xs, ys, Xt, yt = classification_data()
    alpha = 3.0
    clf = RegularTransferClassifier(alpha=alpha, tol=1e-10).fit(Xs, ys, Xt, yt)
    W, b = clf.coef_, clf.intercept_
    Y = np.eye(3)[yt]
    _, gW, gb = softmax_prior_value_grad(W, b, Xt, Y, clf.source_coef_, alpha)
    assert np.abs(gW).max() < 1e-5 and np.abs(gb).max() < 1e-5
    # the same stationarity with alpha**2 fails
    _, gW2, _ = softmax_prior_value_grad(W, b, Xt, Y, clf.source_coef_, alpha**2)
    assert np.abs(gW2).max() > 1e-2


def test_classifier_matches_cvxpy():
    cp = pytest.importorskip("cvxpy")
    Xs, ys, Xt, yt = classification_data(m=12)
    alpha = 2.0
    clf = RegularTransferClassifier(alpha=alpha, tol=1e-10).fit(Xs, ys, Xt, yt)
    W0 = clf.source_coef_
    K, d = W0.shape
    W = cp.Variable((K, d))
    b = cp.Variable(K)
    Z = Xt @ W.T + np.ones((Xt.shape[0], 1)) @ cp.reshape(b, (1, K), order="C")
    Y = np.eye(K)[yt]
    loss = cp.sum(cp.log_sum_exp(Z, axis=1)) - cp.sum(cp.multiply(Y, Z))
    problem = cp.Problem(cp.Minimize(loss + alpha / 2 * cp.sum_squares(W - W0)))
    problem.solve(solver="CLARABEL")
    np.testing.assert_allclose(clf.coef_, W.value, atol=1e-4)
    b_ref = b.value - b.value.mean()
    np.testing.assert_allclose(clf.intercept_ - clf.intercept_.mean(), b_ref, atol=1e-4)
    value = softmax_prior_objective(clf.coef_, clf.intercept_, Xt, yt, W0, alpha)
    assert value == pytest.approx(problem.value, abs=1e-6)
    assert value <= problem.value + 1e-9


def test_binary_reduces_to_logistic_loss():
    Xs, ys, Xt, yt = classification_data(n_classes=2, m=14)
    alpha = 1.5
    clf = RegularTransferClassifier(alpha=alpha, tol=1e-10).fit(Xs, ys, Xt, yt)
    w = LogisticRegression().fit(Xs, ys).coef_[0]
    np.testing.assert_allclose(clf.source_coef_, [-w / 2, w / 2])
    s = 2.0 * yt - 1.0

    def f(theta):
        v, c = theta[:-1], theta[-1]
        margin = s * (Xt @ v + c)
        return np.logaddexp(0.0, -margin).sum() + alpha / 4 * np.sum((v - w) ** 2)

    ref = minimize(f, np.zeros(Xt.shape[1] + 1), method="BFGS", options={"gtol": 1e-10})
    assert clf.coef_.shape == (1, Xt.shape[1])
    np.testing.assert_allclose(clf.coef_[0], ref.x[:-1], atol=1e-5)
    np.testing.assert_allclose(clf.intercept_[0], ref.x[-1], atol=1e-5)
    proba = clf.predict_proba(Xt)
    np.testing.assert_allclose(
        proba[:, 1], 1 / (1 + np.exp(-(Xt @ ref.x[:-1] + ref.x[-1]))), atol=1e-5
    )
    assert clf.decision_function(Xt).shape == (Xt.shape[0],)


def test_classifier_limits():
    Xs, ys, Xt, yt = classification_data(m=30)
    inf = RegularTransferClassifier(alpha=np.inf).fit(Xs, ys, Xt, yt)
    np.testing.assert_array_equal(inf.coef_, inf.source_coef_)
    big = RegularTransferClassifier(alpha=1e9).fit(Xs, ys, Xt, yt)
    np.testing.assert_allclose(big.coef_, big.source_coef_, atol=1e-6)
    # alpha -> 0: the unpenalised multinomial fit on the target alone
    tiny = RegularTransferClassifier(alpha=1e-9, tol=1e-10).fit(Xs, ys, Xt, yt)
    target_only = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(Xt, yt)
    np.testing.assert_allclose(
        tiny.predict_proba(Xt), target_only.predict_proba(Xt), atol=1e-4
    )


def test_no_transfer_prior_is_logistic_regression():
    # Prior centred at 0 with alpha = 1 / C: scikit-learn's multinomial LR.
    Xs, ys, Xt, yt = classification_data(m=30)
    alpha = 0.7
    W, b, _ = fit_softmax_prior(Xt, yt, np.zeros((3, 3)), np.zeros(3), alpha, tol=1e-10)
    lr = LogisticRegression(C=1 / alpha, tol=1e-10, max_iter=10000).fit(Xt, yt)
    np.testing.assert_allclose(W, lr.coef_, atol=1e-5)
    np.testing.assert_allclose(
        b - b.mean(), lr.intercept_ - lr.intercept_.mean(), atol=1e-5
    )


def test_classes_absent_from_target_keep_the_prior():
    Xs, ys, Xt, yt = classification_data(m=12)
    keep = yt != 2
    clf = RegularTransferClassifier(alpha=1.0, tol=1e-10).fit(
        Xs, ys, Xt[keep], yt[keep]
    )
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(Xt).shape == (12, 3)
    # no target sample: its weights are still stationary (pushed down by the
    # other classes' samples, held by the prior); its intercept moves by the
    # mean move of the classes present
    Y = np.eye(3)[yt[keep]]
    _, gW, gb = softmax_prior_value_grad(
        clf.coef_, clf.intercept_, Xt[keep], Y, clf.source_coef_, 1.0
    )
    assert np.abs(gW).max() < 1e-5
    # stationary in the free shifts b = b0 + P delta: P^T grad_b = 0
    np.testing.assert_allclose(gb[:2] + gb[2] / 2, 0.0, atol=1e-5)
    moves = clf.intercept_ - clf.source_intercept_
    assert moves[2] == pytest.approx(moves[:2].mean(), abs=1e-8)
    assert np.all(np.isfinite(clf.intercept_))


def test_auto_cross_validation_with_one_label_per_class():
    Xs, ys, Xt, yt = classification_data(m=3)
    clf = RegularTransferClassifier().fit(Xs, ys, Xt, yt)
    scores = clf.cv_scores_
    assert len(scores["score"]) == 1 + 2 * 7
    assert np.all(np.isfinite(scores["score"]))
    best = int(np.argmin(scores["score"]))
    assert (clf.prior_, clf.alpha_) == (scores["prior"][best], scores["alpha"][best])
    # leave-one-out: three folds, one sample each
    np.testing.assert_array_equal(stratified_fold_ids(yt, 3), [0, 1, 2])


def test_stratified_folds_balance_small_classes():
    codes = np.array([0, 0, 0, 1, 1, 2])
    folds = stratified_fold_ids(codes, 2)
    np.testing.assert_array_equal(folds, [0, 1, 0, 1, 0, 1])


@pytest.mark.slow
def test_transfer_on_digits_contrast_one_label_per_class():
    """The references page's digits protocol, k = 1 label per class, seeds 0-4.

    A logistic-regression source already scores about 93.6 on this affine
    shift (only per-class offsets of the scores change), so the transfer has
    little room: it must not lose to the source on average nor by much on
    any seed, and must beat the target-only fit by far on every seed.
    """
    transfer, source_only = [], []
    for seed in range(5):
        Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=seed)
        rng = np.random.RandomState(seed)
        labelled = np.concatenate(
            [rng.choice(np.flatnonzero(yt == c), 1, replace=False) for c in range(10)]
        )
        test = np.setdiff1d(np.arange(yt.shape[0]), labelled)
        source = LogisticRegression(max_iter=1000).fit(Xs, ys)
        target_only = LogisticRegression(max_iter=1000).fit(Xt[labelled], yt[labelled])
        clf = RegularTransferClassifier(source).fit(
            None, None, Xt[labelled], yt[labelled]
        )
        transfer.append(clf.score(Xt[test], yt[test]))
        source_only.append(source.score(Xt[test], yt[test]))
        assert transfer[-1] > target_only.score(Xt[test], yt[test]) + 0.15
        assert transfer[-1] > source_only[-1] - 0.015
    assert np.mean(transfer) >= np.mean(source_only)


# ---------------------------------------------------------------- both


@pytest.fixture(params=["regressor", "classifier"])
def case(request):
    if request.param == "regressor":
        return RegularTransferRegressor, Ridge(alpha=0.5), regression_data()
    return RegularTransferClassifier, LogisticRegression(C=0.5), classification_data()


def test_prefitted_equals_fit_on_source_and_is_not_modified(case):
    cls, estimator, (Xs, ys, Xt, yt) = case
    fitted = clone(estimator).fit(Xs, ys)
    coef_before = fitted.coef_.copy()
    a = cls(estimator=fitted, alpha=2.0).fit(None, None, Xt, yt)
    b = cls(estimator=estimator, alpha=2.0).fit(Xs, ys, Xt, yt)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.predict(Xt), b.predict(Xt))
    np.testing.assert_array_equal(fitted.coef_, coef_before)
    assert a.estimator_ is not fitted
    assert not hasattr(estimator, "coef_")  # the unfitted one stays unfitted
    assert b.estimator_ is not estimator


def test_auto_prefitted_equals_fit_on_source(case):
    cls, estimator, (Xs, ys, Xt, yt) = case
    fitted = clone(estimator).fit(Xs, ys)
    a = cls(estimator=fitted).fit(None, None, Xt, yt)
    b = cls(estimator=estimator).fit(Xs, ys, Xt, yt)
    assert (a.prior_, a.alpha_) == (b.prior_, b.alpha_)
    np.testing.assert_allclose(a.predict(Xt), b.predict(Xt))


def test_no_print_and_pickle_and_clone(case, capsys):
    cls, estimator, (Xs, ys, Xt, yt) = case
    est = cls(estimator=estimator).fit(Xs, ys, Xt, yt)
    est.predict(Xt)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(Xt), est.predict(Xt))
    copy = clone(est)
    assert copy.get_params()["alpha"] == "auto" and not hasattr(copy, "coef_")


def test_no_shift_uses_the_source_as_target(case):
    cls, estimator, (Xs, ys, _, _) = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a no-target-data warning, if any
        a = cls(estimator=estimator, alpha=1.0).fit(Xs, ys)
    b = cls(estimator=estimator, alpha=1.0).fit(Xs, ys, Xs, ys)
    np.testing.assert_allclose(a.coef_, b.coef_)


def test_errors(case):
    cls, estimator, (Xs, ys, Xt, yt) = case
    with pytest.raises(ValueError, match="X=None and no estimator"):
        cls().fit(None, None, Xt, yt)
    with pytest.raises(ValueError, match="not fitted"):
        cls(estimator=clone(estimator)).fit(None, None, Xt, yt)
    with pytest.raises(ValueError, match="yt is None"):
        cls().fit(Xs, ys, Xt)
    fitted = clone(estimator).fit(Xs, ys)
    with pytest.raises(ValueError, match="yt is None"):
        cls(estimator=fitted).fit(None, None, Xt)
    with pytest.raises(ValueError, match="X=None and Xt=None"):
        cls(estimator=fitted).fit(None, None)
    with pytest.raises(ValueError, match=r"coef_ has shape .* but Xt has 2 features"):
        cls(estimator=fitted).fit(None, None, Xt[:, :2], yt)
    with pytest.raises(ValueError, match="same number of features"):
        cls().fit(Xs, ys, Xt[:, :2], yt)
    tree = (
        DecisionTreeRegressor()
        if cls is RegularTransferRegressor
        else DecisionTreeClassifier()
    )
    with pytest.raises(TypeError, match="coef_ and intercept_"):
        cls(estimator=tree).fit(Xs, ys, Xt, yt)


def test_classifier_new_target_class_is_an_error():
    Xs, ys, Xt, yt = classification_data()
    fitted = LogisticRegression().fit(Xs, ys)
    yt = yt.copy()
    yt[0] = 7
    with pytest.raises(ValueError, match=r"yt contains labels \[7\]"):
        RegularTransferClassifier(estimator=fitted).fit(None, None, Xt, yt)
    with pytest.raises(ValueError, match=r"yt contains labels \[7\]"):
        RegularTransferClassifier().fit(Xs, ys, Xt, yt)


def test_regressor_multi_output_source_is_an_error():
    Xs, ys, Xt, yt = regression_data()
    fitted = Ridge().fit(Xs, np.column_stack([ys, ys]))
    with pytest.raises(ValueError, match="one output"):
        RegularTransferRegressor(estimator=fitted).fit(None, None, Xt, yt)


def test_grid_search_over_alpha():
    from sklearn.model_selection import GridSearchCV

    Xs, ys, Xt, yt = regression_data(m=40)
    search = GridSearchCV(RegularTransferRegressor(), {"alpha": [0.1, 10.0, np.inf]})
    search.fit(Xt, yt)
    assert search.best_params_["alpha"] in (0.1, 10.0, np.inf)
    clf_search = GridSearchCV(
        RegularTransferClassifier(LogisticRegression()),
        {"alpha": [0.1, 10.0], "estimator__C": [0.1, 1]},
        cv=3,
    )
    clf_search.fit(*classification_data(m=30)[2:])
    assert set(clf_search.best_params_) == {"alpha", "estimator__C"}


def test_inputs_untouched_and_deterministic(case):
    cls, estimator, (Xs, ys, Xt, yt) = case
    arrays = [a.copy() for a in (Xs, ys, Xt, yt)]
    a = cls(estimator=estimator).fit(Xs, ys, Xt, yt)
    b = cls(estimator=estimator).fit(Xs, ys, Xt, yt)
    for before, after in zip(arrays, (Xs, ys, Xt, yt)):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
