"""Tests of TCA: the paper's eigenproblem, mu's direction, landmarks, primal."""

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler, normalize
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from transferkit.feature import TCA
from transferkit.pipeline import make_transfer_pipeline

KERNEL_PARAMS = {
    "linear": {},
    "rbf": {"gamma": 0.3},
    "laplacian": {"gamma": 0.3},
    "poly": {"gamma": 0.3, "degree": 2, "coef0": 1.0},
}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Pin BLAS/OpenMP to one thread: on a busy 2-core machine two threads
    make these small solves 10-16x slower."""
    with threadpool_limits(1):
        yield


def _small_shift(seed=0, n_source=25, n_target=20, n_features=4):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_source, n_features))
    Xt = rng.normal(size=(n_target, n_features)) * 1.3 + 0.8
    return Xs, Xt


def _nuisance_shift(seed=0, n_per_class=60):
    """Two informative dimensions; a third whose offset is the domain shift.

    Source and target share the class structure in dims 0-1 (classes 3 apart,
    unit noise). Dim 2 is 3 N(-3, 1) in the source and 3 N(3, 1) in the
    target: it has the largest pooled variance, carries no class information
    and is where the two domains differ. Plain 1-NN on target points is
    dominated by dim 2; a projection that ignores it classifies well.
    """
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])

    def domain(offset):
        y = np.repeat(np.arange(3), n_per_class)
        informative = centres[y] + rng.normal(size=(y.size, 2))
        nuisance = rng.normal(offset, 1.0, size=(y.size, 1))
        return np.hstack([informative, 3.0 * nuisance]), y

    Xs, ys = domain(-3.0)
    Xt, yt = domain(3.0)
    return Xs, ys, Xt, yt


def _reference_tca(X_all, n_source, n_components, mu, kernel, params):
    """Dense reference straight from the paper: eigh(KHK, KLK + mu I)."""
    n = X_all.shape[0]
    K = pairwise_kernels(X_all, metric=kernel, **params)
    e = np.r_[
        np.full(n_source, 1.0 / n_source), np.full(n - n_source, -1.0 / (n - n_source))
    ]
    L = np.outer(e, e)
    H = np.eye(n) - np.ones((n, n)) / n
    values, vectors = scipy.linalg.eigh(K @ H @ K, K @ L @ K + mu * np.eye(n))
    W = vectors[:, ::-1][:, :n_components]
    return K, W


def _max_angle(A, B):
    return float(np.max(scipy.linalg.subspace_angles(A, B)))


def _embed_all(tca, Xs, Xt):
    return np.vstack([tca.fit_transform(Xs, None, Xt=Xt), tca.transform(Xt)])


# ---------------------------------------------------------------------------
# The paper's eigenproblem
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", sorted(KERNEL_PARAMS))
@pytest.mark.parametrize("mu", [0.1, 10.0])
def test_tca_matches_dense_generalised_eigenproblem(kernel, mu):
    Xs, Xt = _small_shift()
    params = KERNEL_PARAMS[kernel]
    tca = TCA(n_components=3, mu=mu, kernel=kernel, **params)
    Z = _embed_all(tca, Xs, Xt)
    K, W_ref = _reference_tca(np.vstack([Xs, Xt]), len(Xs), 3, mu, kernel, params)
    # Same transfer components and the same embedding of every sample: the
    # source rows from fit_transform, the target rows from transform.
    assert _max_angle(tca.components_, W_ref) < 1e-6
    assert _max_angle(Z, K @ W_ref) < 1e-6
    assert _max_angle(Z[len(Xs) :], K[len(Xs) :] @ W_ref) < 1e-6


def test_tca_is_not_the_nonsymmetric_product_shortcut():
    # A symmetric eigensolver applied to the non-symmetric (KLK + mu I)^-1 KHK
    # (the trap in ADAPT and skada) gives other directions; TCA must not.
    Xs, Xt = _small_shift(seed=3)
    K, W_ref = _reference_tca(np.vstack([Xs, Xt]), len(Xs), 2, 1.0, "linear", {})
    n = K.shape[0]
    e = np.r_[np.full(len(Xs), 1 / len(Xs)), np.full(len(Xt), -1 / len(Xt))]
    H = np.eye(n) - 1.0 / n
    product = np.linalg.solve(K @ np.outer(e, e) @ K + np.eye(n), K @ H @ K)
    _, wrong = np.linalg.eigh(product)
    tca = TCA(n_components=2, mu=1.0, kernel="linear").fit(Xs, None, Xt=Xt)
    assert _max_angle(tca.components_, W_ref) < 1e-6
    assert _max_angle(tca.components_, wrong[:, ::-1][:, :2]) > 1e-2


def test_components_have_unit_euclidean_norm_and_decreasing_eigenvalues():
    Xs, Xt = _small_shift()
    for kernel in ("linear", "rbf", "primal"):
        tca = TCA(n_components=3, kernel=kernel).fit(Xs, None, Xt=Xt)
        np.testing.assert_allclose(np.linalg.norm(tca.components_, axis=0), 1.0)
        assert np.all(np.diff(tca.eigenvalues_) <= 1e-12)


# ---------------------------------------------------------------------------
# mu acts as in the paper (not inverted as in ADAPT)
# ---------------------------------------------------------------------------


def test_large_mu_tends_to_kernel_pca_of_KHK():
    Xs, Xt = _small_shift(seed=1)
    X_all = np.vstack([Xs, Xt])
    params = KERNEL_PARAMS["rbf"]
    K = pairwise_kernels(X_all, metric="rbf", **params)
    Kc = K - K.mean(axis=0)
    _, vectors = np.linalg.eigh(Kc.T @ Kc)  # KHK
    top = vectors[:, ::-1][:, :3]
    angles = []
    for mu in (1e-2, 1.0, 1e2, 1e6):
        tca = TCA(n_components=3, mu=mu, kernel="rbf", **params).fit(Xs, None, Xt=Xt)
        angles.append(_max_angle(tca.components_, top))
    assert angles[-1] < 1e-4
    assert angles[0] > 1e-2
    assert angles[-1] < angles[1] < angles[0]


def _embedded_mmd(Zs, Zt):
    """Squared distance between embedded domain means, relative to spread."""
    Z = np.vstack([Zs, Zt])
    return np.sum((Zs.mean(0) - Zt.mean(0)) ** 2) / np.sum(Z.var(axis=0))


@pytest.mark.parametrize("kernel", ["linear", "rbf", "primal"])
def test_small_mu_reduces_embedded_mmd(kernel):
    Xs, ys, Xt, _ = _nuisance_shift()
    mmd = {}
    for mu in (1e-3, 1e6):
        tca = TCA(n_components=2, mu=mu, kernel=kernel, random_state=0)
        mmd[mu] = _embedded_mmd(tca.fit_transform(Xs, ys, Xt=Xt), tca.transform(Xt))
    assert mmd[1e-3] < 0.1 * mmd[1e6]


# ---------------------------------------------------------------------------
# Landmarks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
def test_landmarks_converge_to_exact(kernel):
    Xs, Xt = _small_shift(seed=2, n_source=40, n_target=30)
    params = KERNEL_PARAMS[kernel]
    exact = TCA(n_components=3, kernel=kernel, **params)
    Z_exact = _embed_all(exact, Xs, Xt)
    errors = {}
    for m in (4, 15, 70):
        approx = TCA(
            n_components=3, kernel=kernel, n_landmarks=m, random_state=0, **params
        )
        errors[m] = _max_angle(_embed_all(approx, Xs, Xt), Z_exact)
    # Every sample a landmark: the exact solution, up to rounding.
    assert errors[70] < 1e-6
    assert errors[15] < errors[4] or kernel != "rbf"
    if kernel == "rbf":
        assert errors[4] > 1e-3  # the comparison above is not vacuous


def test_low_rank_kernel_is_exact_with_few_landmarks():
    # A linear kernel in d=4 has rank <= 4: any 10 generic landmarks span it,
    # so the landmark path equals the exact one.
    Xs, Xt = _small_shift(seed=5, n_source=50, n_target=40)
    exact = _embed_all(TCA(n_components=3, kernel="linear"), Xs, Xt)
    approx = _embed_all(
        TCA(n_components=3, kernel="linear", n_landmarks=10, random_state=1), Xs, Xt
    )
    assert _max_angle(exact, approx) < 1e-6


def test_landmarks_are_reproducible_and_seeded():
    Xs, Xt = _small_shift(seed=4, n_source=60, n_target=60)
    a = TCA(kernel="rbf", n_components=2, n_landmarks=20, random_state=7)
    b = clone(a)
    c = TCA(kernel="rbf", n_components=2, n_landmarks=20, random_state=8)
    Za = a.fit_transform(Xs, None, Xt=Xt)
    np.testing.assert_array_equal(Za, b.fit_transform(Xs, None, Xt=Xt))
    assert not np.array_equal(
        a.landmark_indices_, c.fit(Xs, None, Xt=Xt).landmark_indices_
    )
    assert a.landmark_indices_.shape == (20,)


def test_dense_limit_names_n_landmarks():
    Xs, Xt = _small_shift(n_source=40, n_target=30)
    with pytest.raises(ValueError, match="n_landmarks"):
        TCA(kernel="rbf", max_dense_samples=50).fit(Xs, None, Xt=Xt)
    # The landmark path and the primal path are not limited.
    TCA(kernel="rbf", max_dense_samples=50, n_landmarks=20).fit(Xs, None, Xt=Xt)
    TCA(kernel="primal", max_dense_samples=50).fit(Xs, None, Xt=Xt)


@pytest.mark.parametrize("sparse", [False, True])
def test_primal_with_more_features_than_samples_matches_reference(sparse):
    # n < d: solved in the row space of the data, same components.
    rng = np.random.default_rng(1)
    Xs = rng.normal(size=(15, 40))
    Xt = rng.normal(size=(12, 40)) + 0.3
    Xs[Xs < 0.5], Xt[Xt < 0.5] = 0.0, 0.0
    _, _, A_ref = _reference_primal(Xs, Xt, 4, 1.0)
    fmt = sp.csr_matrix if sparse else np.asarray
    tca = TCA(n_components=4, mu=1.0, kernel="primal")
    Zs = tca.fit_transform(fmt(Xs), None, Xt=fmt(Xt))
    A_unit = A_ref / np.linalg.norm(A_ref, axis=0)
    np.testing.assert_allclose(np.abs(tca.components_), np.abs(A_unit), atol=1e-7)
    np.testing.assert_allclose(Zs, tca.transform(fmt(Xs)), atol=1e-10)
    assert tca.components_.shape == (40, 4)
    full = TCA(n_components=100, kernel="primal").fit(Xs, None, Xt=Xt)
    assert full.n_components_ == 27  # the rank of the 27 stacked samples


def test_primal_refuses_too_many_features():
    X = sp.random(300, 200, density=0.05, format="csr", random_state=0)
    with pytest.raises(ValueError, match="n_landmarks"):
        TCA(kernel="primal", max_dense_samples=100).fit(X, None, Xt=X[:10])
    tca = TCA(kernel="linear", n_landmarks=10, random_state=0, max_dense_samples=100)
    assert tca.fit(X, None, Xt=X[:10]).transform(X).shape == (300, 10)


def test_default_dense_limit_refuses_20000_samples_before_allocating():
    # The check runs before any kernel is built, so this is instant.
    X = np.zeros((10_001, 2))
    with pytest.raises(ValueError, match="n_landmarks"):
        TCA(kernel="rbf", gamma=1.0).fit(X, None, Xt=X)


# ---------------------------------------------------------------------------
# Primal (JDA-lineage) recipe
# ---------------------------------------------------------------------------


def _reference_primal(Xs, Xt, n_components, lam):
    X = normalize(np.vstack([Xs, Xt]))
    ns, nt = len(Xs), len(Xt)
    e = np.r_[np.full(ns, 1 / ns), np.full(nt, -1 / nt)]
    M = np.outer(e, e)
    M /= np.linalg.norm(M)
    H = np.eye(ns + nt) - 1.0 / (ns + nt)
    S = X.T @ H @ X
    values, vectors = scipy.linalg.eigh(S, X.T @ M @ X + lam * np.eye(X.shape[1]))
    return X, S, vectors[:, ::-1][:, :n_components]


def test_primal_matches_reference_and_has_unit_norm_vectors():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(60, 6))
    Xt = rng.normal(size=(50, 6)) + 0.5
    tca = TCA(n_components=3, mu=1.0, kernel="primal")
    Zs = tca.fit_transform(Xs, None, Xt=Xt)
    X, _, A_ref = _reference_primal(Xs, Xt, 3, 1.0)
    assert _max_angle(tca.components_, A_ref) < 1e-6
    np.testing.assert_allclose(np.linalg.norm(tca.components_, axis=0), 1.0)
    # Each column equals the unit-norm reference column up to sign.
    A_unit = A_ref / np.linalg.norm(A_ref, axis=0)
    np.testing.assert_allclose(np.abs(tca.components_), np.abs(A_unit), atol=1e-8)
    # Samples L2-normalised before and after the projection.
    np.testing.assert_allclose(np.linalg.norm(Zs, axis=1), 1.0)
    expected = normalize(X[:60] @ tca.components_)
    np.testing.assert_allclose(Zs, expected, atol=1e-10)


def test_constraint_normalised_eigenvectors_would_differ():
    # A direct port of eigs(XMX' + lambda I, XHX') to scipy returns vectors with
    # A' XHX' A = I: a whitened embedding. TCA rescales to unit norm instead;
    # the two embeddings differ, and so do their nearest neighbours.
    Xs, ys, Xt, _ = _nuisance_shift(seed=1)
    tca = TCA(n_components=3, mu=1.0, kernel="primal")
    Zs = tca.fit_transform(Xs, ys, Xt=Xt)
    X, S, A_ref = _reference_primal(Xs, Xt, 3, 1.0)
    A_white = A_ref / np.sqrt(np.einsum("ij,ij->j", A_ref, S @ A_ref))
    norms = np.linalg.norm(A_white, axis=0)
    assert norms.max() / norms.min() > 1.5
    Zs_white = normalize(X[: len(Xs)] @ A_white)
    assert np.max(np.abs(np.abs(Zs) - np.abs(Zs_white))) > 0.1
    np.testing.assert_allclose(np.linalg.norm(tca.components_, axis=0), 1.0)


def test_primal_scales_to_many_samples_with_few_features():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(30_000, 5))
    Xt = rng.normal(size=(30_000, 5)) + 1.0
    tca = TCA(n_components=2, kernel="primal").fit(Xs, None, Xt=Xt)
    assert tca.transform(Xt[:10]).shape == (10, 2)


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["primal", "linear", "rbf"])
def test_sparse_input_gives_dense_result(kernel):
    Xs, Xt = _small_shift()
    Xs[Xs < 0.3] = 0.0
    Xt[Xt < 0.3] = 0.0
    params = {"gamma": 0.3} if kernel == "rbf" else {}
    dense = TCA(n_components=2, kernel=kernel, **params)
    Z_dense = dense.fit_transform(Xs, None, Xt=Xt)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        tca = TCA(n_components=2, kernel=kernel, **params)
        Z = tca.fit_transform(fmt(Xs), None, Xt=fmt(Xt))
        np.testing.assert_allclose(Z, Z_dense, atol=1e-10)
        np.testing.assert_allclose(
            tca.transform(fmt(Xt)), dense.transform(Xt), atol=1e-10
        )


def test_no_shift_is_pca_of_the_source():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)) * np.array([5.0, 3.0, 1.0, 0.5, 0.1])
    tca = TCA(n_components=2, kernel="linear", mu=1.0)
    Z = tca.fit_transform(X)
    np.testing.assert_allclose(Z, tca.transform(X), atol=1e-10)
    # No target, no MMD term: the components are the leading eigenvectors
    # of KHK (kernel PCA in the paper's sense).
    K = X @ X.T
    Kc = K - K.mean(axis=0)
    _, vectors = np.linalg.eigh(Kc.T @ Kc)
    assert _max_angle(tca.components_, vectors[:, ::-1][:, :2]) < 1e-6


def test_n_components_is_clamped():
    Xs, Xt = _small_shift(n_source=8, n_target=6, n_features=4)
    assert TCA(n_components=30, kernel="primal").fit(Xs, None, Xt=Xt).n_components_ == 4
    tca = TCA(n_components=30, kernel="rbf").fit(Xs, None, Xt=Xt)
    assert tca.n_components_ == 14
    assert tca.transform(Xt).shape == (6, 14)
    tca = TCA(n_components=30, kernel="rbf", n_landmarks=5, random_state=0)
    assert tca.fit(Xs, None, Xt=Xt).transform(Xt).shape[1] <= 5


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kernel": "cosine"}, "kernel"),
        ({"mu": 0.0}, "mu"),
        ({"n_components": 0}, "n_components"),
        ({"n_landmarks": 0}, "n_landmarks"),
    ],
)
def test_bad_parameters_raise(params, match):
    Xs, Xt = _small_shift()
    with pytest.raises(ValueError, match=match):
        TCA(**params).fit(Xs, None, Xt=Xt)


def test_feature_mismatch_is_reported():
    Xs, Xt = _small_shift()
    with pytest.raises(ValueError, match="same number of features"):
        TCA().fit(Xs, None, Xt=Xt[:, :3])
    tca = TCA(n_components=2).fit(Xs, None, Xt=Xt)
    with pytest.raises(ValueError):
        tca.transform(Xt[:, :3])


def test_caller_arrays_are_not_modified_and_float32_is_kept():
    Xs, Xt = _small_shift()
    Xs32, Xt32 = Xs.astype(np.float32), Xt.astype(np.float32)
    copies = Xs32.copy(), Xt32.copy()
    tca = TCA(n_components=2, kernel="primal")
    Zs = tca.fit_transform(Xs32, None, Xt=Xt32)
    np.testing.assert_array_equal(Xs32, copies[0])
    np.testing.assert_array_equal(Xt32, copies[1])
    assert Zs.dtype == np.float32
    assert tca.transform(Xt32).dtype == np.float32


# ---------------------------------------------------------------------------
# Adaptation helps where it must; pipelines
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["primal", "linear", "rbf"])
def test_tca_beats_raw_nearest_neighbour_on_a_nuisance_shift(kernel):
    Xs, ys, Xt, yt = _nuisance_shift(seed=2)
    raw = KNeighborsClassifier(n_neighbors=1).fit(Xs, ys).score(Xt, yt)
    tca = TCA(n_components=2, mu=0.1, kernel=kernel)
    Zs = tca.fit_transform(Xs, ys, Xt=Xt)
    adapted = (
        KNeighborsClassifier(n_neighbors=1).fit(Zs, ys).score(tca.transform(Xt), yt)
    )
    assert adapted > raw + 0.1


def test_tca_in_a_transfer_pipeline():
    Xs, ys, Xt, yt = _nuisance_shift(seed=3)
    pipe = make_transfer_pipeline(StandardScaler(), TCA(n_components=2, mu=0.1), SVC())
    pipe.fit(Xs, ys, Xt=Xt)
    score = pipe.score(Xt, yt)
    baseline = make_transfer_pipeline(StandardScaler(), SVC()).fit(Xs, ys).score(Xt, yt)
    assert score > baseline
    assert pipe.named_steps["tca"].n_features_in_ == 3


def test_feature_names_out():
    Xs, Xt = _small_shift()
    tca = TCA(n_components=2).fit(Xs, None, Xt=Xt)
    assert list(tca.get_feature_names_out()) == ["tca0", "tca1"]


@parametrize_with_checks(
    [
        TCA(kernel="primal"),
        TCA(kernel="rbf", n_landmarks=10, random_state=0),
        TCA(kernel="poly", n_components=3),
    ]
)
def test_sklearn_checks_on_other_configurations(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# Office-Caltech10 SURF (real data, read through TRANSFERKIT_DATA)
# ---------------------------------------------------------------------------

OFFICE_TASKS = [
    ("C", "A"), ("C", "W"), ("C", "D"), ("A", "C"), ("A", "W"), ("A", "D"),
    ("W", "C"), ("W", "A"), ("W", "D"), ("D", "C"), ("D", "A"), ("D", "W"),
]  # fmt: skip
# docs/references.md, TCA row (JDA code lineage, primal projection + 1-NN).
PUBLISHED_TCA = [45.6, 39.3, 45.9, 42.0, 40.0, 35.7, 31.5, 30.5, 91.1, 33.0, 32.8, 87.5]


def office_caltech_domains():
    from transferkit.datasets import load_office_caltech

    # Fails (does not skip) when TRANSFERKIT_DATA does not hold the data.
    return {d: load_office_caltech(d) for d in "ACDW"}


def nearest_neighbour_accuracy(transformer, Xs, ys, Xt, yt):
    Zs = transformer.fit_transform(Xs, ys, Xt=Xt)
    knn = KNeighborsClassifier(n_neighbors=1).fit(Zs, ys)
    return 100.0 * knn.score(transformer.transform(Xt), yt)


@pytest.mark.realdata
def test_office_caltech_primal_tca_reaches_the_published_row():
    """TCA(kernel="primal") + 1-NN on the 12 SURF tasks.

    With the estimator's defaults (n_components=30, mu=1) the average is 46.6
    (published 46.2) and every task is within 3.2 points of the published
    cell. The JDA code uses dim=100 for this lineage; that setting gives
    43.6 here, while dim=20-30 reproduces the published cells (four of them
    exactly at dim=20), so the published row was evidently made with a small
    dimension.
    """
    domains = office_caltech_domains()
    accuracies = []
    for source, target in OFFICE_TASKS:
        tca = TCA(n_components=30, mu=1.0, kernel="primal")
        accuracies.append(
            nearest_neighbour_accuracy(tca, *domains[source], *domains[target])
        )
    accuracies = np.array(accuracies)
    assert accuracies.mean() >= 46.2
    assert np.max(np.abs(accuracies - PUBLISHED_TCA)) < 4.0


@pytest.mark.realdata
@pytest.mark.slow
def test_office_caltech_landmarks_within_one_point_of_exact():
    domains = office_caltech_domains()
    exact, approx = [], []
    for source, target in OFFICE_TASKS:
        data = (*domains[source], *domains[target])
        exact.append(nearest_neighbour_accuracy(TCA(kernel="linear"), *data))
        landmark_tca = TCA(kernel="linear", n_landmarks=500, random_state=0)
        approx.append(nearest_neighbour_accuracy(landmark_tca, *data))
    assert abs(np.mean(exact) - np.mean(approx)) <= 1.0


@pytest.mark.realdata
def test_office_caltech_decaf_dslr_webcam():
    """DeCAF6 (4096-d, fewer samples than features: the row-space path).

    Published TCA: D→W 99.7, W→D 100; measured 100 and 100.
    """
    from transferkit.datasets import load_office_caltech

    dslr = load_office_caltech("dslr", features="decaf")
    webcam = load_office_caltech("webcam", features="decaf")
    for source, target, published in ((dslr, webcam, 99.7), (webcam, dslr, 100.0)):
        accuracy = nearest_neighbour_accuracy(TCA(kernel="primal"), *source, *target)
        assert accuracy >= published - 0.5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("kernel", ["linear", "poly"])
def test_non_finite_kernel_gives_the_eigensolver_message(kernel):
    from transferkit.feature import JDA

    rng = np.random.RandomState(0)
    Xs = rng.randn(40, 3) * 1e110
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.randn(30, 3) * 1e110
    for est in (TCA(kernel=kernel), JDA(kernel=kernel)):
        with pytest.raises(ValueError, match="not finite.*increase mu"):
            est.fit(Xs, ys, Xt)


def test_default_is_the_primal_path_and_scales_past_the_dense_limit():
    # The dense kernel path refuses n_s + n_t > 5000; the default must not.
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(3000, 5))
    Xt = rng.normal(size=(3000, 5)) + 0.5
    tca = TCA(n_components=3).fit(Xs, None, Xt=Xt)
    assert tca.gamma_ is None and tca.components_.shape == (5, 3)
    np.testing.assert_array_equal(
        tca.transform(Xt),
        TCA(n_components=3, kernel="primal").fit(Xs, Xt=Xt).transform(Xt),
    )
    with pytest.raises(ValueError, match="n_landmarks"):
        TCA(n_components=3, kernel="linear").fit(Xs, None, Xt=Xt)
