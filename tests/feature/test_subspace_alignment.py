import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import ortho_group
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from transferkit.feature import SubspaceAlignment
from transferkit.pipeline import make_transfer_pipeline
from transferkit.utils.subspace import select_subspace_dimension


@pytest.fixture
def domains():
    rng = np.random.RandomState(0)
    scales = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5])
    Xs = rng.normal(size=(120, 6)) * scales
    Xt = rng.normal(size=(90, 6)) * scales @ ortho_group.rvs(6, random_state=1) + 2.0
    return Xs, Xt


def test_full_dimension_is_a_rotation(domains):
    Xs, Xt = domains
    sa = SubspaceAlignment(n_components=6)
    Xs_new = sa.fit_transform(Xs, Xt=Xt)
    source_map = sa.source_components_.T @ sa.alignment_
    np.testing.assert_allclose(source_map.T @ source_map, np.eye(6), atol=1e-10)
    np.testing.assert_allclose(source_map @ source_map.T, np.eye(6), atol=1e-10)
    # with d = D, Ps M = Ps Ps^T Pt = Pt
    np.testing.assert_allclose(source_map, sa.target_components_.T, atol=1e-10)
    # distances inside the source are unchanged
    centred = Xs - Xs.mean(axis=0)
    np.testing.assert_allclose(
        np.linalg.norm(Xs_new[:10, None] - Xs_new[None, :10], axis=-1),
        np.linalg.norm(centred[:10, None] - centred[None, :10], axis=-1),
        atol=1e-10,
    )


def test_alignment_is_least_squares_solution(domains):
    Xs, Xt = domains
    sa = SubspaceAlignment(n_components=3).fit(Xs, Xt=Xt)
    Ps, Pt = sa.source_components_.T, sa.target_components_.T
    M_lstsq = np.linalg.lstsq(Ps, Pt, rcond=None)[0]
    np.testing.assert_allclose(sa.alignment_, M_lstsq, atol=1e-12)
    np.testing.assert_allclose(Ps.T @ Ps, np.eye(3), atol=1e-12)
    # the bases are the leading principal directions of each domain
    _, _, vt = np.linalg.svd(Xt - Xt.mean(axis=0), full_matrices=False)
    np.testing.assert_allclose(np.abs(vt[:3] @ Pt), np.eye(3), atol=1e-8)


def test_target_sharing_the_source_subspace_is_aligned_exactly(domains):
    """Target = source projected on its top-3 principal subspace, translated."""
    Xs, _ = domains
    centred = Xs - Xs.mean(axis=0)
    Ps = np.linalg.svd(centred, full_matrices=False)[2][:3].T
    Xt = centred @ Ps @ Ps.T + 5.0
    sa = SubspaceAlignment(n_components=3)
    Xs_new = sa.fit_transform(Xs, Xt=Xt)
    # same subspace: M is a sign matrix and both domains land on the same points
    np.testing.assert_allclose(np.abs(sa.alignment_), np.eye(3), atol=1e-8)
    np.testing.assert_allclose(Xs_new, sa.transform(Xt), atol=1e-8)


def test_sa_helps_nearest_neighbour_on_shifted_noisy_target():
    rng = np.random.RandomState(0)
    n = 300
    y = rng.randint(0, 3, size=2 * n)
    X = rng.normal(size=(2 * n, 5)) * np.array([1.0, 1.0, 0.3, 0.2, 0.1])
    X[:, 0] += 3.0 * (y - 1)
    X[:, 1] += 2.0 * (y == 1)
    Xs, ys, yt = X[:n], y[:n], y[n:]
    Xt = X[n:] * np.array([1.0, 1.0, 3.0, 4.0, 5.0]) + 3.0
    plain = KNeighborsClassifier(1).fit(Xs, ys).score(Xt, yt)
    pipe = make_transfer_pipeline(
        SubspaceAlignment(n_components=2), KNeighborsClassifier(1)
    )
    adapted = pipe.fit(Xs, ys, Xt=Xt).score(Xt, yt)
    assert adapted > 0.85
    assert adapted - plain > 0.2


def test_default_dimension_follows_sdm_rule(domains):
    Xs, Xt = domains
    sa = SubspaceAlignment(n_components="sdm").fit(Xs, Xt=Xt)
    assert sa.n_components_ == select_subspace_dimension(Xs, Xt)
    assert 1 <= sa.n_components_ <= 6
    assert sa.transform(Xt).shape == (Xt.shape[0], sa.n_components_)


def test_no_shift_fit_transform_equals_transform(domains):
    Xs, _ = domains
    sa = SubspaceAlignment(n_components=3)
    np.testing.assert_allclose(sa.fit_transform(Xs), sa.transform(Xs), atol=1e-12)
    np.testing.assert_allclose(sa.transform_source(Xs), sa.transform(Xs), atol=1e-12)


def test_transform_source_matches_fit_transform(domains):
    Xs, Xt = domains
    sa = SubspaceAlignment(n_components=4)
    np.testing.assert_allclose(
        sa.fit_transform(Xs, Xt=Xt), sa.transform_source(Xs), atol=1e-12
    )


def test_float32_and_no_mutation(domains):
    Xs, Xt = domains
    Xs32, Xt32 = Xs.astype(np.float32), Xt.astype(np.float32)
    before = Xs32.copy(), Xt32.copy()
    sa = SubspaceAlignment(n_components=3)
    out = sa.fit_transform(Xs32, Xt=Xt32)
    assert out.dtype == np.float32
    assert sa.transform(Xt32).dtype == np.float32
    np.testing.assert_array_equal(Xs32, before[0])
    np.testing.assert_array_equal(Xt32, before[1])


def test_bad_inputs(domains):
    Xs, Xt = domains
    with pytest.raises(ValueError, match="same number of features"):
        SubspaceAlignment().fit(Xs, Xt=Xt[:, :4])
    bad = Xt.copy()
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SubspaceAlignment().fit(Xs, Xt=bad)
    with pytest.raises(ValueError, match="empty"):
        SubspaceAlignment().fit(Xs, Xt=Xt[:0])
    with pytest.raises(ValueError, match="n_components"):
        SubspaceAlignment(n_components=7).fit(Xs, Xt=Xt)
    with pytest.raises(ValueError, match="n_components"):
        SubspaceAlignment(n_components=0).fit(Xs, Xt=Xt)
    with pytest.raises(TypeError, match="[Ss]parse"):
        SubspaceAlignment().fit(sp.csr_matrix(Xs), Xt=Xt)


def test_in_pipeline_with_scaler_and_svc(domains):
    Xs, Xt = domains
    ys = (Xs[:, 0] > 0).astype(int)
    pipe = make_transfer_pipeline(StandardScaler(), SubspaceAlignment(3), SVC())
    pipe.fit(Xs, ys, Xt=Xt)
    sa = pipe.named_steps["subspacealignment"]
    scaled_target = pipe.named_steps["standardscaler"].transform(Xt)
    np.testing.assert_allclose(sa.target_mean_, scaled_target.mean(axis=0), atol=1e-12)
    assert pipe.predict(Xt).shape == (Xt.shape[0],)


def test_default_dimension_is_fifty_clamped_to_the_features(domains):
    Xs, Xt = domains
    sa = SubspaceAlignment().fit(Xs, Xt=Xt)
    assert sa.n_components_ == min(50, Xs.shape[1])
    rng = np.random.RandomState(0)
    wide_s, wide_t = rng.normal(size=(80, 70)), rng.normal(size=(90, 70)) + 0.5
    sa = SubspaceAlignment().fit(wide_s, Xt=wide_t)
    assert sa.n_components_ == 50
    np.testing.assert_allclose(
        sa.fit_transform(wide_s, Xt=wide_t),
        SubspaceAlignment(n_components=50).fit_transform(wide_s, Xt=wide_t),
    )
