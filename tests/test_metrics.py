import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import LinearSVC

from transferkit.metrics import (
    coral_distance,
    domain_classifier_auc,
    mmd2,
    proxy_a_distance,
)
from transferkit.utils import median_heuristic_gamma


@pytest.fixture
def samples():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3)), rng.normal(0.5, size=(30, 3))


def brute_mmd2(Xs, Xt, K, unbiased):
    Kss, Ktt, Kst = K(Xs, Xs), K(Xt, Xt), K(Xs, Xt)
    n, m = len(Xs), len(Xt)
    if unbiased:
        return (
            (Kss.sum() - np.trace(Kss)) / (n * (n - 1))
            + (Ktt.sum() - np.trace(Ktt)) / (m * (m - 1))
            - 2 * Kst.mean()
        )
    return Kss.mean() + Ktt.mean() - 2 * Kst.mean()


@pytest.mark.parametrize("unbiased", [True, False])
def test_mmd2_rbf_matches_brute_force(samples, unbiased):
    Xs, Xt = samples
    gamma = median_heuristic_gamma(Xs, Xt)
    expected = brute_mmd2(Xs, Xt, lambda a, b: rbf_kernel(a, b, gamma=gamma), unbiased)
    assert mmd2(Xs, Xt, unbiased=unbiased, block_size=7) == pytest.approx(
        expected, rel=1e-10
    )
    assert mmd2(Xs, Xt, unbiased=unbiased) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("kernel", ["linear", "poly"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_mmd2_other_kernels(samples, kernel, unbiased):
    Xs, Xt = samples
    if kernel == "linear":
        K = lambda a, b: a @ b.T  # noqa: E731
    else:
        K = lambda a, b: (0.5 * a @ b.T + 1.0) ** 3  # noqa: E731
    expected = brute_mmd2(Xs, Xt, K, unbiased)
    got = mmd2(Xs, Xt, kernel=kernel, gamma=0.5, unbiased=unbiased)
    assert got == pytest.approx(expected, rel=1e-10)
    assert mmd2(sp.csr_matrix(Xs), Xt, kernel=kernel, gamma=0.5, unbiased=unbiased) == (
        pytest.approx(expected, rel=1e-10)
    )


def test_mmd2_orders_shifts():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    near = mmd2(X, rng.normal(0.2, size=(300, 2)), gamma=0.5)
    far = mmd2(X, rng.normal(2.0, size=(300, 2)), gamma=0.5)
    assert far > near > -0.01


def test_mmd2_needs_two_samples_when_unbiased():
    with pytest.raises(ValueError, match="unbiased=False"):
        mmd2(np.ones((1, 2)), np.ones((3, 2)))


def test_coral_distance_brute_force(samples):
    Xs, Xt = samples
    expected = np.sum((np.cov(Xs.T) - np.cov(Xt.T)) ** 2) / (4 * 9)
    assert coral_distance(Xs, Xt) == pytest.approx(expected, rel=1e-12)
    assert coral_distance(sp.csr_matrix(Xs), Xt) == pytest.approx(expected, rel=1e-12)


def test_proxy_a_distance_and_auc():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    same = rng.normal(size=(200, 2))
    far = rng.normal(4.0, size=(200, 2))
    assert proxy_a_distance(X, far, random_state=0) > 1.8
    assert proxy_a_distance(X, same, random_state=0) < 0.5
    assert domain_classifier_auc(X, far, random_state=0) > 0.99
    assert 0.3 < domain_classifier_auc(X, same, random_state=0) < 0.7
    # an estimator without predict_proba goes through decision_function
    assert domain_classifier_auc(X, far, estimator=LinearSVC(), random_state=0) > 0.99
    a = proxy_a_distance(X, same, random_state=3)
    assert a == proxy_a_distance(X, same, random_state=3)


def test_metrics_reject_bad_input(samples):
    Xs, Xt = samples
    for func in (mmd2, coral_distance, proxy_a_distance):
        with pytest.raises(ValueError, match="same number of features"):
            func(Xs, Xt[:, :2])
    with pytest.raises(ValueError, match="cv=5 folds"):
        proxy_a_distance(Xs, Xt[:3])


def test_mmd2_never_holds_the_full_kernel():
    import tracemalloc

    rng = np.random.default_rng(0)
    n = 3000
    Xs, Xt = rng.normal(size=(n, 20)), rng.normal(size=(n, 20))
    full_kernel_bytes = 8 * n * n  # 72 MB
    tracemalloc.start()
    try:
        mmd2(Xs, Xt, gamma=0.05, block_size=256)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < full_kernel_bytes / 4
