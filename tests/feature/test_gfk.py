import numpy as np
import pytest
import scipy.sparse as sp
from scipy import linalg
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from transferkit.feature import GFK
from transferkit.feature._gfk import geodesic_flow_kernel
from transferkit.pipeline import make_transfer_pipeline
from transferkit.utils.subspace import select_subspace_dimension


def _random_basis(rng, n_features, d):
    return linalg.qr(rng.normal(size=(n_features, d)), mode="economic")[0]


def _brute_force_flow_kernel(Ps, Pt, n_steps=2001):
    """∫_0^1 Φ(t)Φ(t)^T dt along the Grassmann geodesic, by quadrature.

    The geodesic comes from the Grassmann logarithm of Edelman, Arias and
    Smith (1998): (I - Ps Ps^T) Pt (Ps^T Pt)^{-1} = Q tan(Θ) R^T, and
    Y(t) = Ps R cos(tΘ) + Q sin(tΘ). Y(t) Y(t)^T is integrated with Simpson's
    rule; it is a projector, so the result does not depend on the bases.
    """
    tangent = (Pt - Ps @ (Ps.T @ Pt)) @ np.linalg.inv(Ps.T @ Pt)
    Q, tan_theta, Rt = np.linalg.svd(tangent, full_matrices=False)
    theta = np.arctan(tan_theta)
    ts = np.linspace(0.0, 1.0, n_steps)
    weights = np.ones(n_steps)
    weights[1:-1:2], weights[2:-1:2] = 4, 2
    weights /= 3 * (n_steps - 1)
    total = np.zeros((Ps.shape[0], Ps.shape[0]))
    for t, w in zip(ts, weights):
        Y = Ps @ Rt.T * np.cos(t * theta) + Q * np.sin(t * theta)
        total += w * (Y @ Y.T)
    end = Ps @ Rt.T * np.cos(theta) + Q * np.sin(theta)
    return total, end


@pytest.mark.parametrize(
    "n_features, d, seed", [(5, 1, 0), (6, 2, 1), (8, 3, 2), (7, 3, 3)]
)
def test_closed_form_matches_numerical_integration(n_features, d, seed):
    rng = np.random.RandomState(seed)
    Ps, Pt = _random_basis(rng, n_features, d), _random_basis(rng, n_features, d)
    G_ref, end = _brute_force_flow_kernel(Ps, Pt)
    # the reference geodesic does end on span(Pt)
    np.testing.assert_allclose(end @ end.T, Pt @ Pt.T, atol=1e-10)
    np.testing.assert_allclose(geodesic_flow_kernel(Ps, Pt), G_ref, atol=1e-9)


def test_kernel_of_identical_subspaces_is_their_projector():
    rng = np.random.RandomState(0)
    P = _random_basis(rng, 6, 3)
    rotated = P @ linalg.qr(rng.normal(size=(3, 3)))[0]
    np.testing.assert_allclose(geodesic_flow_kernel(P, rotated), P @ P.T, atol=1e-12)


def test_orthogonal_subspaces():
    """θ = π/2: each subspace gets weight 1/2 (the cross term depends on the
    pairing of the directions, which is not unique for orthogonal subspaces)."""
    eye = np.eye(6)
    Ps, Pt = eye[:, :2], eye[:, 2:4]
    G = geodesic_flow_kernel(Ps, Pt)
    np.testing.assert_allclose(Ps.T @ G @ Ps, np.eye(2) / 2, atol=1e-12)
    np.testing.assert_allclose(Pt.T @ G @ Pt, np.eye(2) / 2, atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(Ps.T @ G @ Pt)[1], [1 / np.pi] * 2)
    np.testing.assert_allclose(G[4:, :], 0.0, atol=1e-12)


@pytest.fixture
def domains():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(80, 7)) * np.arange(7, 0, -1)
    Xt = rng.normal(size=(60, 7)) @ rng.normal(size=(7, 7)) + 1.0
    return Xs, Xt


@pytest.mark.parametrize("d", [1, 2, 4, 7, None])
def test_kernel_is_symmetric_psd_and_root_squares_to_it(domains, d):
    Xs, Xt = domains
    gfk = GFK(n_components=d).fit(Xs, Xt=Xt)
    G = gfk.kernel_
    np.testing.assert_array_equal(G, G.T)
    assert np.linalg.eigvalsh(G).min() > -1e-12
    np.testing.assert_allclose(gfk.kernel_sqrt_ @ gfk.kernel_sqrt_, G, atol=1e-10)
    # same root as an eigendecomposition of the full matrix
    w, V = np.linalg.eigh(G)
    root = (V * np.sqrt(np.clip(w, 0, None))) @ V.T
    np.testing.assert_allclose(gfk.kernel_sqrt_, root, atol=1e-7)
    assert np.linalg.matrix_rank(G, tol=1e-10) <= 2 * gfk.n_components_


def test_transform_gives_kernel_inner_products(domains):
    Xs, Xt = domains
    gfk = GFK(n_components=3)
    Zs = gfk.fit_transform(Xs, Xt=Xt)
    Zt = gfk.transform(Xt)
    Xs_c, Xt_c = Xs - Xs.mean(axis=0), Xt - Xt.mean(axis=0)
    np.testing.assert_allclose(Zs @ Zt.T, Xs_c @ gfk.kernel_ @ Xt_c.T, atol=1e-8)
    np.testing.assert_allclose(gfk.transform_source(Xs), Zs, atol=1e-12)
    assert np.all(np.diff(gfk.principal_angles_) >= 0)
    assert gfk.principal_angles_.max() <= np.pi / 2 + 1e-12


def test_default_dimension_uses_subspace_disagreement(domains):
    Xs, Xt = domains
    gfk = GFK(n_components="sdm").fit(Xs, Xt=Xt)
    assert gfk.n_components_ == select_subspace_dimension(Xs, Xt)


def test_no_shift_gives_pca_projector(domains):
    Xs, _ = domains
    gfk = GFK(n_components=3)
    out = gfk.fit_transform(Xs)
    P = gfk.source_components_.T
    np.testing.assert_allclose(gfk.kernel_, P @ P.T, atol=1e-12)
    np.testing.assert_allclose(out, gfk.transform(Xs), atol=1e-12)


def test_float32_and_no_mutation(domains):
    Xs, Xt = (a.astype(np.float32) for a in domains)
    before = Xs.copy(), Xt.copy()
    gfk = GFK(n_components=2)
    assert gfk.fit_transform(Xs, Xt=Xt).dtype == np.float32
    assert gfk.transform(Xt).dtype == np.float32
    np.testing.assert_array_equal(Xs, before[0])
    np.testing.assert_array_equal(Xt, before[1])


def test_bad_inputs(domains):
    Xs, Xt = domains
    with pytest.raises(ValueError, match="same number of features"):
        GFK().fit(Xs, Xt=Xt[:, :3])
    bad = Xt.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GFK().fit(Xs, Xt=bad)
    with pytest.raises(ValueError, match="empty"):
        GFK().fit(Xs[:0], Xt=Xt)
    with pytest.raises(ValueError, match="n_components"):
        GFK(n_components=8).fit(Xs, Xt=Xt)
    with pytest.raises(TypeError, match="[Ss]parse"):
        GFK().fit(Xs, Xt=sp.csr_matrix(Xt))
    gfk = GFK(n_components=2).fit(Xs, Xt=Xt)
    with pytest.raises(ValueError, match="features"):
        gfk.transform(Xt[:, :2])


def test_in_pipeline_with_scaler_and_svc(domains):
    Xs, Xt = domains
    ys = (Xs[:, 0] > 0).astype(int)
    pipe = make_transfer_pipeline(StandardScaler(), GFK(n_components=3), SVC())
    pipe.fit(Xs, ys, Xt=Xt)
    assert pipe.predict(Xt).shape == (Xt.shape[0],)
    assert pipe.named_steps["gfk"].kernel_.shape == (7, 7)


def test_default_dimension_is_twenty_clamped_to_the_features(domains):
    Xs, Xt = domains
    gfk = GFK().fit(Xs, Xt=Xt)
    assert gfk.n_components_ == min(20, Xs.shape[1])
    rng = np.random.RandomState(0)
    wide_s, wide_t = rng.normal(size=(60, 30)), rng.normal(size=(50, 30)) + 0.5
    gfk = GFK().fit(wide_s, Xt=wide_t)
    assert gfk.n_components_ == 20
    np.testing.assert_allclose(
        gfk.kernel_, GFK(n_components=20).fit(wide_s, Xt=wide_t).kernel_
    )
