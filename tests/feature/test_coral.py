import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from tests._shift_data import sheared_domains
from transferkit.feature import CORAL
from transferkit.pipeline import make_transfer_pipeline


def _correlated(rng, n, d, scale):
    mixing = rng.normal(size=(d, d)) * scale
    return rng.normal(size=(n, d)) @ mixing


@pytest.fixture
def domains():
    rng = np.random.RandomState(0)
    Xs = _correlated(rng, 150, 5, 1.0)
    Xt = _correlated(rng, 120, 5, 2.0) + 3.0
    return Xs, Xt


@pytest.mark.parametrize("reg", [0.0, 0.1, 1.0, 10.0])
def test_regularised_covariances_are_matched(domains, reg):
    """A.T (cov(Xs) + reg I) A == cov(Xt) + reg I, with ddof=1 throughout."""
    Xs, Xt = domains
    coral = CORAL(reg=reg)
    Xs_new = coral.fit_transform(Xs, Xt=Xt)
    A = coral.transformation_
    eye = np.eye(Xs.shape[1])
    target_cov = np.cov(Xt, rowvar=False) + reg * eye
    # covariance of the recoloured source, with the regulariser mapped by A
    recoloured_cov = np.cov(Xs_new, rowvar=False) + reg * A.T @ A
    np.testing.assert_allclose(recoloured_cov, target_cov, rtol=0, atol=1e-8)
    np.testing.assert_allclose(coral.target_covariance_, target_cov, atol=1e-12)
    np.testing.assert_allclose(
        coral.source_covariance_, np.cov(Xs, rowvar=False) + reg * eye, atol=1e-12
    )


def test_without_regularisation_source_covariance_becomes_target_covariance(domains):
    Xs, Xt = domains
    Xs_new = CORAL(reg=0.0).fit_transform(Xs, Xt=Xt)
    np.testing.assert_allclose(
        np.cov(Xs_new, rowvar=False), np.cov(Xt, rowvar=False), rtol=0, atol=1e-8
    )


def test_regularisation_changes_the_map(domains):
    Xs, Xt = domains
    small = CORAL(reg=0.0).fit(Xs, Xt=Xt).transformation_
    large = CORAL(reg=100.0).fit(Xs, Xt=Xt).transformation_
    assert not np.allclose(small, large, atol=1e-3)
    # a huge regulariser drowns both covariances: the map tends to identity
    huge = CORAL(reg=1e9).fit(Xs, Xt=Xt).transformation_
    np.testing.assert_allclose(huge, np.eye(Xs.shape[1]), atol=1e-6)


def test_map_matches_dense_reference(domains):
    """A = C_s^{-1/2} C_t^{1/2} computed independently with numpy's eigh."""
    Xs, Xt = domains

    def power(C, p):
        w, V = np.linalg.eigh(C)
        return (V * w**p) @ V.T

    eye = np.eye(Xs.shape[1])
    Cs = np.cov(Xs, rowvar=False) + eye
    Ct = np.cov(Xt, rowvar=False) + eye
    expected = Xs @ power(Cs, -0.5) @ power(Ct, 0.5)
    np.testing.assert_allclose(CORAL().fit_transform(Xs, Xt=Xt), expected, atol=1e-10)


def test_transform_returns_target_unchanged_copy(domains):
    Xs, Xt = domains
    coral = CORAL().fit(Xs, Xt=Xt)
    out = coral.transform(Xt)
    np.testing.assert_array_equal(out, Xt)
    assert out is not Xt
    out[0, 0] = 1e6
    assert Xt[0, 0] != 1e6


def test_no_shift_is_identity(domains):
    Xs, _ = domains
    coral = CORAL()
    np.testing.assert_array_equal(coral.fit_transform(Xs), Xs)
    np.testing.assert_array_equal(coral.transformation_, np.eye(Xs.shape[1]))


def test_inputs_not_mutated(domains):
    Xs, Xt = domains
    Xs0, Xt0 = Xs.copy(), Xt.copy()
    CORAL().fit_transform(Xs, Xt=Xt)
    np.testing.assert_array_equal(Xs, Xs0)
    np.testing.assert_array_equal(Xt, Xt0)


def test_sparse_input_matches_dense(domains):
    Xs, Xt = domains
    rng = np.random.RandomState(1)
    Xs = np.where(rng.rand(*Xs.shape) < 0.5, 0.0, Xs)
    Xt = np.where(rng.rand(*Xt.shape) < 0.5, 0.0, Xt)
    dense = CORAL().fit_transform(Xs, Xt=Xt)
    for fmt in (sp.csr_matrix, sp.csc_array):
        out = CORAL().fit_transform(fmt(Xs), Xt=fmt(Xt))
        assert isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, dense, atol=1e-10)
    assert sp.issparse(
        CORAL().fit(sp.csr_matrix(Xs), Xt=Xt).transform(sp.csr_matrix(Xt))
    )


def test_float32_preserved(domains):
    Xs, Xt = domains
    coral = CORAL()
    out = coral.fit_transform(Xs.astype(np.float32), Xt=Xt.astype(np.float32))
    assert out.dtype == np.float32
    assert coral.transform(Xt.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(
        out, CORAL().fit_transform(Xs, Xt=Xt), rtol=1e-4, atol=1e-4
    )


def test_bad_inputs_raise_clear_errors(domains):
    Xs, Xt = domains
    with pytest.raises(ValueError, match="same number of features"):
        CORAL().fit(Xs, Xt=Xt[:, :3])
    bad = Xt.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CORAL().fit(Xs, Xt=bad)
    with pytest.raises(ValueError, match="empty"):
        CORAL().fit(Xs, Xt=Xt[:0])
    with pytest.raises(ValueError, match="reg"):
        CORAL(reg=-1.0).fit(Xs, Xt=Xt)
    coral = CORAL().fit(Xs, Xt=Xt)
    with pytest.raises(ValueError, match="features"):
        coral.transform(Xt[:, :2])


def test_multiple_target_domains_are_stacked(domains):
    Xs, Xt = domains
    stacked = CORAL().fit_transform(Xs, Xt=Xt)
    split = CORAL().fit_transform(Xs, Xt=(Xt[:50], Xt[50:]))
    np.testing.assert_allclose(split, stacked, atol=1e-12)


def test_coral_helps_when_target_is_sheared():
    """Target = isotropic source through a symmetric shear M: CORAL's map is ~M."""
    Xs, ys, Xt, yt = sheared_domains()
    plain = LinearSVC().fit(Xs, ys).score(Xt, yt)
    adapted = make_transfer_pipeline(CORAL(reg=0.1), LinearSVC())
    score = adapted.fit(Xs, ys, Xt=Xt).score(Xt, yt)
    assert plain < 0.75
    assert score > 0.88
    assert score - plain > 0.15


def test_in_pipeline_with_scaler_and_svc(domains):
    Xs, Xt = domains
    ys = (Xs[:, 0] > 0).astype(int)
    pipe = make_transfer_pipeline(StandardScaler(), CORAL(), SVC())
    pipe.fit(Xs, ys, Xt=Xt)
    assert pipe.predict(Xt).shape == (Xt.shape[0],)
    coral = pipe.named_steps["coral"]
    scaler = pipe.named_steps["standardscaler"]
    # the scaler transformed Xt before CORAL saw it
    np.testing.assert_allclose(
        coral.target_covariance_,
        np.cov(scaler.transform(Xt), rowvar=False) + np.eye(Xs.shape[1]),
        atol=1e-10,
    )
