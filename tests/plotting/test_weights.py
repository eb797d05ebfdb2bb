import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde

from transferkit.instance import KMM
from transferkit.plotting import plot_weights


@pytest.fixture(scope="module")
def kmm_1d():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(80, 1))
    Xt = rng.normal(0.8, 0.6, size=(60, 1))
    ys = (Xs[:, 0] > 0).astype(int)
    return KMM(random_state=0).fit(Xs, ys, Xt), Xs, Xt


def _twin(ax):
    return next(a for a in ax.get_shared_x_axes().get_siblings(ax) if a is not ax)


def test_histogram_and_effective_sample_size(kmm_1d):
    kmm, Xs, Xt = kmm_1d
    ax = plot_weights(kmm)
    heights = np.array([p.get_height() for p in ax.patches])
    expected, _ = np.histogram(kmm.weights_, bins=len(heights))
    np.testing.assert_array_equal(heights, expected)
    assert heights.sum() == 80
    ess = kmm.effective_sample_size_
    assert ax.get_title() == f"source weights: ESS {ess:.1f} of 80 ({ess / 80:.0%})"
    mean_line = ax.lines[0]
    assert mean_line.get_xdata()[0] == pytest.approx(kmm.weights_.mean())
    assert ax.get_legend().get_texts()[0].get_text().startswith("mean weight")


def test_an_array_of_weights_gets_kish_ess():
    ax = plot_weights(np.array([2.0, 0.0, 0.0, 2.0]))
    # (2 + 2)^2 / (4 + 4) = 2
    assert ax.get_title() == "source weights: ESS 2.0 of 4 (50%)"


def test_weight_against_feature_beside_the_densities(kmm_1d):
    kmm, Xs, Xt = kmm_1d
    hist, scatter = plot_weights(kmm, Xs, Xt=Xt)
    np.testing.assert_array_equal(
        scatter.collections[0].get_offsets(), np.column_stack([Xs[:, 0], kmm.weights_])
    )
    twin = _twin(scatter)
    source_line, target_line = twin.lines
    grid = source_line.get_xdata()
    assert grid.min() < min(Xs.min(), Xt.min()) and grid.max() > max(Xs.max(), Xt.max())
    np.testing.assert_allclose(source_line.get_ydata(), gaussian_kde(Xs[:, 0])(grid))
    np.testing.assert_allclose(target_line.get_ydata(), gaussian_kde(Xt[:, 0])(grid))
    labels = [t.get_text() for t in scatter.get_legend().get_texts()]
    assert labels == ["source weight", "source density", "target density"]
    assert scatter.get_xlabel() == "feature 0"


def test_chosen_feature_by_index_and_by_name():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 3))
    w = rng.uniform(size=30)
    _, scatter = plot_weights(w, X, feature=2)
    np.testing.assert_array_equal(scatter.collections[0].get_offsets()[:, 0], X[:, 2])
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    _, scatter = plot_weights(w, frame, feature="b", Xt=frame.iloc[:10])
    np.testing.assert_array_equal(scatter.collections[0].get_offsets()[:, 0], X[:, 1])
    assert scatter.get_xlabel() == "b"


def test_constant_feature_is_a_point_mass():
    X = np.ones((10, 1))
    _, scatter = plot_weights(np.ones(10), X)
    line = _twin(scatter).lines[0]
    assert list(line.get_xdata()) == [1.0, 1.0]


def test_errors_name_the_argument(kmm_1d):
    kmm, Xs, Xt = kmm_1d
    with pytest.raises(ValueError, match="X has 3 features: pass feature="):
        plot_weights(np.ones(5), np.ones((5, 3)))
    with pytest.raises(ValueError, match="X has 5 rows but the reweighter has 80"):
        plot_weights(kmm, Xs[:5])
    with pytest.raises(ValueError, match="without X"):
        plot_weights(kmm, Xt=Xt)
    with pytest.raises(ValueError, match="feature must be a column index"):
        plot_weights(np.ones(5), np.ones((5, 2)), feature=7)
    with pytest.raises(TypeError, match="weights_"):
        plot_weights(object())
    with pytest.raises(ValueError, match=r"Xt has shape \(4, 2\)"):
        plot_weights(kmm, Xs, Xt=np.ones((4, 2)))
