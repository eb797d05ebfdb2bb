import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import pdist

from transferkit.utils import (
    check_dense_kernel_size,
    kernel_diagonal,
    kernel_matmul,
    kernel_matrix,
    kernel_sums,
    median_heuristic_gamma,
    resolve_gamma,
)

KERNELS = ["linear", "rbf", "poly", "laplacian"]


@pytest.fixture
def xy():
    rng = np.random.default_rng(1)
    return rng.normal(size=(37, 5)), rng.normal(size=(23, 5))


@pytest.mark.parametrize("kernel", KERNELS)
def test_blocked_matmul_equals_dense(xy, kernel):
    X, Y = xy
    gamma = resolve_gamma(kernel, None, X, Y)
    V = np.random.default_rng(2).normal(size=(23, 3))
    dense = kernel_matrix(X, Y, kernel=kernel, gamma=gamma) @ V
    for block in (1, 5, 100, None):
        blocked = kernel_matmul(X, Y, V, kernel=kernel, gamma=gamma, block_size=block)
        np.testing.assert_allclose(blocked, dense, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel", KERNELS)
def test_row_sums_and_diagonal(xy, kernel):
    X, Y = xy
    gamma = 0.3
    K = kernel_matrix(X, Y, kernel=kernel, gamma=gamma)
    np.testing.assert_allclose(
        kernel_sums(X, Y, kernel=kernel, gamma=gamma, block_size=4), K.sum(1)
    )
    KXX = kernel_matrix(X, kernel=kernel, gamma=gamma)
    np.testing.assert_allclose(
        kernel_diagonal(X, kernel=kernel, gamma=gamma), np.diag(KXX)
    )


def test_rbf_definition(xy):
    X, Y = xy
    K = kernel_matrix(X[:2], Y[:1], kernel="rbf", gamma=0.5)
    assert K[1, 0] == pytest.approx(np.exp(-0.5 * np.sum((X[1] - Y[0]) ** 2)))


def test_median_heuristic_matches_brute_force(xy):
    X, Y = xy
    Z = np.vstack([X, Y])
    sigma = np.median(pdist(Z))
    assert median_heuristic_gamma(X, Y) == pytest.approx(1 / (2 * sigma**2), rel=1e-9)


def test_median_heuristic_subsample_is_deterministic_and_local():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 3))
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    a = median_heuristic_gamma(X, max_samples=500, random_state=0)
    b = median_heuristic_gamma(X, max_samples=500, random_state=0)
    assert a == b
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    full = median_heuristic_gamma(X, max_samples=3000)
    assert a == pytest.approx(full, rel=0.1)


def test_median_heuristic_sparse(xy):
    X, Y = xy
    assert median_heuristic_gamma(sp.csr_matrix(X), sp.csr_matrix(Y)) == pytest.approx(
        median_heuristic_gamma(X, Y)
    )


def test_resolve_gamma_rules(xy):
    X, _ = xy
    assert resolve_gamma("linear", None, X) is None
    assert resolve_gamma("poly", None, X) == pytest.approx(1 / 5)
    assert resolve_gamma("rbf", 2.0, X) == 2.0
    with pytest.raises(ValueError, match="gamma must be a positive number"):
        resolve_gamma("rbf", -1.0, X)
    with pytest.raises(ValueError, match="kernel must be one of"):
        resolve_gamma("sigmoid", None, X)


def test_dense_size_guard_names_alternative():
    check_dense_kernel_size(
        100, max_samples=1000, owner="TCA", alternative="n_landmarks"
    )
    with pytest.raises(ValueError, match="n_landmarks"):
        check_dense_kernel_size(
            2000, max_samples=1000, owner="TCA", alternative="n_landmarks"
        )


def test_psd_inverse_sqrt_gives_pseudo_inverse():
    from transferkit.utils.kernels import psd_inverse_sqrt

    rng = np.random.default_rng(4)
    A = rng.normal(size=(6, 3))
    W = A @ A.T  # rank 3
    R = psd_inverse_sqrt(W)
    assert R.shape == (6, 3)
    np.testing.assert_allclose(R @ R.T, np.linalg.pinv(W), atol=1e-8)
    assert psd_inverse_sqrt(np.zeros((4, 4))).shape == (4, 0)


def test_select_landmarks_deterministic_sorted():
    from transferkit.utils.kernels import select_landmarks

    X = np.zeros((50, 2))
    a = select_landmarks(X, 10, 0)
    np.testing.assert_array_equal(a, select_landmarks(X, 10, 0))
    assert len(np.unique(a)) == 10 and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(select_landmarks(X, 80, 0), np.arange(50))


@pytest.mark.parametrize("n_features", [1, 10, 64, 65])
@pytest.mark.parametrize("same", [True, False])
def test_rbf_fast_path_equals_exact_distances(n_features, same):
    # the fused path (up to 64 features) and scikit-learn's (above) agree
    # with exp(-gamma * d^2) from exactly computed distances; the offset
    # makes the norms-and-dot-product expansion cancel heavily
    from scipy.spatial.distance import cdist
    from sklearn.metrics.pairwise import rbf_kernel

    rng = np.random.default_rng(n_features)
    X = rng.normal(size=(150, n_features)) + 20.0
    Y = None if same else rng.normal(size=(90, n_features)) + 20.0
    gamma = 0.5 / n_features
    K = kernel_matrix(X, Y, kernel="rbf", gamma=gamma)
    exact = np.exp(-gamma * cdist(X, X if same else Y, "sqeuclidean"))
    np.testing.assert_allclose(K, exact, rtol=0, atol=1e-11)
    np.testing.assert_allclose(K, rbf_kernel(X, Y, gamma=gamma), rtol=0, atol=1e-11)
    assert K.max() <= 1.0
    if same:
        assert np.array_equal(np.diag(K), np.ones(150))
        assert np.array_equal(K, K.T)


def test_rbf_float32_and_views_keep_scikit_learn_behaviour():
    from sklearn.metrics.pairwise import rbf_kernel

    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    K = kernel_matrix(X, kernel="rbf", gamma=0.2)
    assert K.dtype == rbf_kernel(X, gamma=0.2).dtype
    Xf = np.asfortranarray(X.astype(np.float64))
    np.testing.assert_allclose(
        kernel_matrix(Xf[::2], Xf[1::2], kernel="rbf", gamma=0.2),
        rbf_kernel(Xf[::2], Xf[1::2], gamma=0.2),
        atol=1e-14,
    )


@pytest.mark.parametrize("scale", [1e155, 1e160, 1e300])
def test_median_heuristic_refuses_on_overflow_instead_of_gamma_zero(scale):
    X = np.random.default_rng(0).normal(size=(30, 3)) * scale
    with pytest.raises(ValueError, match="Scale the input"):
        median_heuristic_gamma(X)


def test_median_heuristic_still_works_on_large_but_representable_data():
    X = np.random.default_rng(0).normal(size=(30, 3)) * 1e100
    gamma = median_heuristic_gamma(X)
    assert np.isfinite(gamma) and gamma > 0
