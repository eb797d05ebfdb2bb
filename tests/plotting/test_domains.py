import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.base import clone

from transferkit.datasets import make_domain_shift
from transferkit.feature import CORAL, FeatureAugmentation, SubspaceAlignment
from transferkit.plotting import plot_domains


@pytest.fixture
def shift2d():
    Xs, ys, Xt, yt = make_domain_shift(
        "affine", n_source=60, n_target=40, n_features=2, random_state=0
    )
    return Xs, ys, Xt, yt


@pytest.fixture
def shift5d():
    return make_domain_shift(
        "affine", n_source=50, n_target=30, n_features=5, random_state=1
    )


def _offsets(ax):
    return [np.asarray(c.get_offsets()) for c in ax.collections]


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_two_features_are_drawn_as_they_are(shift2d):
    Xs, ys, Xt, yt = shift2d
    ax = plot_domains(Xs, Xt, ys, yt)
    offsets = _offsets(ax)
    assert len(offsets) == 4  # source class 0, 1, target class 0, 1
    np.testing.assert_array_equal(offsets[0], Xs[ys == 0])
    np.testing.assert_array_equal(offsets[1], Xs[ys == 1])
    np.testing.assert_array_equal(offsets[2], Xt[yt == 0])
    np.testing.assert_array_equal(offsets[3], Xt[yt == 1])
    assert _legend(ax) == [
        "source, class 0",
        "source, class 1",
        "target, class 0",
        "target, class 1",
    ]
    # colour by domain, marker by class
    colors = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert colors[0] == colors[1] != colors[2] == colors[3]
    paths = [c.get_paths()[0].vertices.tobytes() for c in ax.collections]
    assert paths[0] == paths[2] != paths[1] == paths[3]


def test_pca_projection_matches_an_svd_of_both_domains(shift5d):
    Xs, ys, Xt, yt = shift5d
    ax = plot_domains(Xs, Xt)
    src, tgt = _offsets(ax)
    Z = np.vstack([Xs, Xt])
    Zc = Z - Z.mean(axis=0)
    _, _, Vt = np.linalg.svd(Zc, full_matrices=False)
    expected = Zc @ Vt[:2].T
    drawn = np.vstack([src, tgt])
    signs = np.sign(np.sum(drawn * expected, axis=0))  # PCA's sign is arbitrary
    np.testing.assert_allclose(drawn, expected * signs, atol=1e-10)
    assert ax.get_xlabel() == "PC 1" and ax.get_ylabel() == "PC 2"
    assert _legend(ax) == ["source", "target"]


def test_fitted_mapper_uses_its_source_map(shift2d):
    Xs, ys, Xt, yt = shift2d
    sa = SubspaceAlignment(n_components=2).fit(Xs, ys, Xt=Xt)
    before, after = plot_domains(Xs, Xt, ys, yt, mapper=sa)
    assert before.get_title() == "before"
    assert after.get_title() == "after SubspaceAlignment"
    offsets = _offsets(after)
    Zs, Zt = sa.transform_source(Xs), sa.transform(Xt)
    np.testing.assert_allclose(offsets[0], Zs[ys == 0])
    np.testing.assert_allclose(offsets[3], Zt[yt == 1])


def test_unfitted_mapper_is_fitted_on_a_clone(shift2d):
    Xs, ys, Xt, yt = shift2d
    Xs_copy, Xt_copy = Xs.copy(), Xt.copy()
    coral = CORAL(reg=0.5)
    _, after = plot_domains(Xs, Xt, ys, None, mapper=coral)
    assert not hasattr(coral, "transformation_")  # the caller's object untouched
    np.testing.assert_array_equal(Xs, Xs_copy)
    np.testing.assert_array_equal(Xt, Xt_copy)
    expected = clone(coral).fit_transform(Xs, ys, Xt=Xt)
    offsets = _offsets(after)
    np.testing.assert_allclose(offsets[0], expected[ys == 0])
    np.testing.assert_allclose(offsets[1], expected[ys == 1])
    np.testing.assert_allclose(offsets[2], Xt)  # CORAL leaves the target
    assert _legend(after)[-1] == "target (unlabelled)"


def test_transform_with_a_domain_argument(shift2d):
    Xs, ys, Xt, yt = shift2d
    fa = FeatureAugmentation().fit(Xs, ys, Xt=Xt, yt=yt)
    _, after = plot_domains(Xs, Xt, mapper=fa, method=None)
    src, tgt = _offsets(after)
    np.testing.assert_array_equal(src, fa.transform(Xs, domain="source")[:, :2])
    np.testing.assert_array_equal(tgt, fa.transform(Xt)[:, :2])


def test_tsne_is_seeded():
    Xs, ys, Xt, yt = make_domain_shift(
        "affine", n_source=25, n_target=15, n_features=4, random_state=2
    )
    a = _offsets(plot_domains(Xs, Xt, ys, yt, method="tsne", random_state=3))
    ax = plot_domains(Xs, Xt, ys, yt, method="tsne", random_state=3)
    b = _offsets(ax)
    assert ax.get_xlabel() == "t-SNE 1"
    assert sum(len(o) for o in b) == 40
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_draws_on_the_given_axes(shift2d):
    Xs, ys, Xt, yt = shift2d
    fig, axes = plt.subplots(1, 2)
    out = plot_domains(Xs, Xt, mapper=CORAL(), ax=axes)
    assert out[0] is axes[0] and out[1] is axes[1]
    fig, ax = plt.subplots()
    assert plot_domains(Xs, Xt, ax=ax) is ax
    with pytest.raises(TypeError, match="sequence of 2 matplotlib Axes"):
        plot_domains(Xs, Xt, mapper=CORAL(), ax=ax)


def test_bad_input_names_the_argument(shift2d):
    Xs, ys, Xt, yt = shift2d
    with pytest.raises(ValueError, match=r"Xt has shape \(40, 3\) but Xs"):
        plot_domains(Xs, np.ones((40, 3)))
    with pytest.raises(ValueError, match="yt has 3 labels but Xt has 40 rows"):
        plot_domains(Xs, Xt, ys, yt[:3])
    with pytest.raises(ValueError, match="method must be"):
        plot_domains(Xs, Xt, method="umap")
    with pytest.raises(ValueError, match="Xs"):
        plot_domains(np.full((5, 2), np.nan), Xt)


def test_a_fitted_transfer_pipeline_maps_both_domains(shift5d):
    from sklearn.preprocessing import StandardScaler

    from transferkit.feature import TCA
    from transferkit.pipeline import make_transfer_pipeline

    Xs, ys, Xt, yt = shift5d
    pipe = make_transfer_pipeline(StandardScaler(), TCA(n_components=2))
    pipe.fit(Xs, ys, Xt=Xt)
    _, after = plot_domains(Xs, Xt, mapper=pipe)
    src, tgt = _offsets(after)
    np.testing.assert_allclose(src, pipe.transform(Xs))  # 2 components: as they are
    np.testing.assert_allclose(tgt, pipe.transform(Xt))
    assert after.get_title() == "after TransferPipeline"
