"""Tests of BDA: the balanced MMD matrix, the A-distance estimate, W-BDA."""

import numpy as np
import pytest
import scipy.linalg
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from transferkit.feature import BDA, JDA, TCA
from transferkit.feature._bda import estimate_balance


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Pin BLAS/OpenMP to one thread: on a busy 2-core machine two threads
    make these small solves 10-16x slower."""
    with threadpool_limits(1):
        yield


def _shift(seed=0, sizes=(30, 30, 30), target_sizes=None, n_features=6):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(3, n_features))
    mix = np.eye(n_features) + 0.3 * rng.normal(size=(n_features, n_features))
    ys = np.repeat(np.arange(3), sizes)
    yt = np.repeat(np.arange(3), target_sizes or sizes)
    Xs = centres[ys] + rng.normal(size=(ys.size, n_features))
    Xt = (centres[yt] + rng.normal(size=(yt.size, n_features))) @ mix + 1.5
    return Xs, ys, Xt, yt


def _reference_round(Xs, ys, Xt, pseudo, n_components, balance, target_weights=None):
    X = normalize(np.vstack([Xs, Xt]))
    ns, nt = len(Xs), len(Xt)
    n = ns + nt
    classes = np.unique(ys)
    e0 = np.r_[np.full(ns, 1 / ns), np.full(nt, -1 / nt)]
    M = (1 - balance) * len(classes) * np.outer(e0, e0)
    for k, c in enumerate(classes):
        e = np.zeros(n)
        src, tgt = ys == c, pseudo == c
        if src.any() and tgt.any():
            w = 1.0 if target_weights is None else target_weights[k]
            e[:ns][src] = 1 / src.sum()
            e[ns:][tgt] = -w / tgt.sum()
            M += balance * np.outer(e, e)
    M /= np.linalg.norm(M)
    H = np.eye(n) - 1.0 / n
    _, vectors = scipy.linalg.eigh(X.T @ H @ X, X.T @ M @ X + np.eye(X.shape[1]))
    return vectors[:, ::-1][:, :n_components]


def _max_angle(A, B):
    return float(np.max(scipy.linalg.subspace_angles(A, B)))


def test_balance_zero_is_tca():
    Xs, ys, Xt, _ = _shift()
    bda = BDA(n_components=3, n_iter=3, balance=0.0).fit(Xs, ys, Xt=Xt)
    tca = TCA(n_components=3, kernel="primal").fit(Xs, ys, Xt=Xt)
    assert _max_angle(bda.components_, tca.components_) < 1e-6


def test_balance_half_is_jda():
    # (C M0 + sum M_c) / 2, normalised, is JDA's matrix.
    Xs, ys, Xt, _ = _shift(seed=1)
    bda = BDA(n_components=3, n_iter=3, balance=0.5).fit(Xs, ys, Xt=Xt)
    jda = JDA(n_components=3, n_iter=3).fit(Xs, ys, Xt=Xt)
    assert _max_angle(bda.components_, jda.components_) < 1e-6


@pytest.mark.parametrize("balance", [0.2, 0.9])
def test_fixed_balance_matches_dense_reference(balance):
    Xs, ys, Xt, _ = _shift(seed=2)
    previous = BDA(n_components=3, n_iter=2, balance=balance).fit(Xs, ys, Xt=Xt)
    bda = BDA(n_components=3, n_iter=3, balance=balance).fit(Xs, ys, Xt=Xt)
    ref = _reference_round(Xs, ys, Xt, previous.pseudo_labels_, 3, balance)
    assert _max_angle(bda.components_, ref) < 1e-6
    # The marginal term is rebuilt each round, not compounded.
    assert bda.balance_history_ == [balance, balance]


def test_weighted_uses_class_prior_ratio():
    Xs, ys, Xt, _ = _shift(seed=3, target_sizes=(50, 20, 10))
    previous = BDA(n_components=3, n_iter=1, balance=0.5, weighted=True).fit(
        Xs, ys, Xt=Xt
    )
    bda = BDA(n_components=3, n_iter=2, balance=0.5, weighted=True).fit(Xs, ys, Xt=Xt)
    pseudo = previous.pseudo_labels_
    priors_s = np.bincount(ys, minlength=3) / len(ys)
    priors_t = np.bincount(pseudo, minlength=3) / len(pseudo)
    weights = priors_t / priors_s
    assert not np.allclose(weights, 1.0)
    ref = _reference_round(Xs, ys, Xt, pseudo, 3, 0.5, weights)
    assert _max_angle(bda.components_, ref) < 1e-6
    unweighted = _reference_round(Xs, ys, Xt, pseudo, 3, 0.5)
    assert _max_angle(ref, unweighted) > 1e-4


def test_auto_balance_follows_the_a_distances():
    rng = np.random.default_rng(0)
    n = 120
    ys = np.repeat([0, 1], n // 2)
    Xs = np.where(ys[:, None] == 0, -2.0, 2.0) + rng.normal(size=(n, 2))
    # Same marginal, swapped classes: the marginal distance is about 0, the
    # class-conditional distances are large, so the balance goes to 1.
    Xt = np.where(ys[:, None] == 1, -2.0, 2.0) + rng.normal(size=(n, 2))
    balance, d_marginal, d_conditional = estimate_balance(
        Xs, ys, Xt, ys, np.array([0, 1]), random_state=0
    )
    assert d_marginal < 0.5 < d_conditional
    assert balance > 0.7
    # A pure translation with correct labels: both distances are large and
    # comparable, the balance sits in the middle.
    balance, d_marginal, d_conditional = estimate_balance(
        Xs, ys, Xs + 10.0, ys, np.array([0, 1]), random_state=0
    )
    assert d_marginal > 1.5 and d_conditional > 1.5
    assert 0.3 < balance < 0.7


def test_auto_balance_in_a_fit():
    Xs, ys, Xt, yt = _shift(seed=4)
    bda = BDA(n_components=3, n_iter=3, random_state=0).fit(Xs, ys, Xt=Xt)
    assert len(bda.balance_history_) == 2
    assert all(0.0 <= b <= 1.0 for b in bda.balance_history_)
    assert bda.balance_ == bda.balance_history_[-1]
    again = BDA(n_components=3, n_iter=3, random_state=0).fit(Xs, ys, Xt=Xt)
    np.testing.assert_array_equal(bda.components_, again.components_)


def test_bda_beats_raw_nearest_neighbour():
    Xs, ys, Xt, yt = _shift(seed=5)
    raw = KNeighborsClassifier(n_neighbors=1).fit(Xs, ys).score(Xt, yt)
    bda = BDA(n_components=5, n_iter=5, random_state=0).fit(Xs, ys, Xt=Xt)
    assert np.mean(bda.pseudo_labels_ == yt) >= raw


def test_bad_balance_raises():
    Xs, ys, Xt, _ = _shift()
    with pytest.raises(ValueError, match="balance"):
        BDA(balance=1.5).fit(Xs, ys, Xt=Xt)
    with pytest.raises(ValueError, match="balance"):
        BDA(balance="fixed").fit(Xs, ys, Xt=Xt)


# --- the fast balance estimate ----------------------------------------------


@pytest.mark.parametrize("shape", [(40, 5), (200, 30), (7, 12)])
def test_numpy_shrinkage_lda_predicts_as_scikit_learn(shape):
    import warnings

    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from transferkit.feature._bda import _lda_predict

    rng = np.random.RandomState(shape[0])
    X = rng.normal(size=shape) + np.linspace(0, 3, shape[1])
    y = (rng.rand(shape[0]) < 0.4).astype(int)
    y[:2] = [0, 1]
    X[:, 0] = 1.0  # a constant feature
    X[y == 1, 1] += 1.0
    X_test = rng.normal(size=(100, shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)
    np.testing.assert_array_equal(_lda_predict(X, y, X_test), lda.predict(X_test))


def test_fast_balance_matches_the_logistic_path():
    # The digits blur shift after two JDA rounds, as in BDA's round 2: the
    # shrinkage-LDA and the logistic proxy A-distances give one balance.
    from transferkit.datasets import load_digits_shift
    from transferkit.feature import JDA
    from transferkit.feature._bda import estimate_balance

    Xs, ys, Xt, _ = load_digits_shift("blur")
    jda = JDA(n_iter=2)
    Zs = jda.fit_transform(Xs, ys, Xt=Xt)
    Zt, pseudo = jda.transform(Xt), jda.pseudo_labels_
    classes = np.unique(ys)
    fast = estimate_balance(Zs, ys, Zt, pseudo, classes, 0, classifier="lda")
    old = estimate_balance(Zs, ys, Zt, pseudo, classes, 0, classifier="logistic")
    assert 0.3 < old[0] < 0.7
    assert fast[0] == pytest.approx(old[0], abs=0.02)
    assert fast[1] == pytest.approx(old[1], abs=0.05)
    assert fast[2] == pytest.approx(old[2], abs=0.05)
    with pytest.raises(ValueError, match="classifier"):
        estimate_balance(Zs, ys, Zt, pseudo, classes, 0, classifier="svm")


def test_fast_distances_match_the_logistic_ones_on_small_embeddings():
    from sklearn.neighbors import KNeighborsClassifier

    from transferkit.datasets import make_domain_shift
    from transferkit.feature import TCA
    from transferkit.feature._bda import estimate_balance

    for seed in range(3):
        Xs, ys, Xt, _ = make_domain_shift(
            "affine",
            n_source=150,
            n_target=120,
            n_features=5,
            n_classes=3,
            shift=2.0,
            random_state=seed,
        )
        tca = TCA(n_components=3)
        Zs = tca.fit_transform(Xs, ys, Xt=Xt)
        Zt = tca.transform(Xt)
        pseudo = KNeighborsClassifier(1).fit(Zs, ys).predict(Zt)
        classes = np.unique(ys)
        fast = estimate_balance(Zs, ys, Zt, pseudo, classes, 0, classifier="lda")
        old = estimate_balance(Zs, ys, Zt, pseudo, classes, 0, classifier="logistic")
        # proxy A-distances live in [0, 2]
        assert fast[1] == pytest.approx(old[1], abs=0.1)
        assert fast[2] == pytest.approx(old[2], abs=0.1)
