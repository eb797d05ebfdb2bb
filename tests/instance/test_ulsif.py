"""uLSIF and RuLSIF: the analytic leave-one-out against brute force, the model."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from transferkit.instance import RULSIF, ULSIF
from transferkit.instance._ulsif import lsif_loo_scores


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def _brute_force_loo(Ps, Pt, reg, alpha, pairs):
    scores = []
    for i_s, i_t in zip(*pairs):
        S = np.delete(Ps, i_s, axis=0)
        T = np.delete(Pt, i_t, axis=0)
        H = (1 - alpha) * S.T @ S / len(S) + alpha * T.T @ T / len(T)
        theta = np.linalg.solve(H + reg * np.eye(Ps.shape[1]), T.mean(axis=0))
        theta = np.maximum(theta, 0.0)
        r_t, r_s = Pt[i_t] @ theta, Ps[i_s] @ theta
        scores.append(0.5 * alpha * r_t**2 + 0.5 * (1 - alpha) * r_s**2 - r_t)
    return np.mean(scores)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5])
def test_analytic_loo_equals_brute_force(alpha):
    rng = np.random.default_rng(int(alpha * 10))
    Ps = rng.random((15, 6))
    Pt = rng.random((11, 6)) + 0.2
    regs = [1e-3, 0.05, 1.0]
    pairs = (rng.permutation(15)[:11], rng.permutation(11))
    fast = lsif_loo_scores(Ps, Pt, regs, alpha, pairs)
    slow = [_brute_force_loo(Ps, Pt, reg, alpha, pairs) for reg in regs]
    np.testing.assert_allclose(fast, slow, rtol=1e-8, atol=1e-10)


def test_selected_parameters_minimise_the_loo_score():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(150, 2))
    Xt = rng.normal(loc=0.8, scale=0.6, size=(120, 2))
    model = ULSIF(random_state=0).fit_weights(Xs, Xt)
    est = ULSIF(random_state=0)
    est.fit_weights(Xs, Xt)
    assert est.loo_scores_.shape == (9, 5)
    j, k = np.unravel_index(np.argmin(est.loo_scores_), est.loo_scores_.shape)
    assert est.reg_ == pytest.approx(10.0 ** np.arange(-3, 2)[k])
    assert model.shape == (150,)
    # Fixed values skip the selection.
    fixed = ULSIF(gamma=0.5, reg=0.1, random_state=0)
    fixed.fit_weights(Xs, Xt)
    assert fixed.loo_scores_ is None and fixed.gamma_ == 0.5 and fixed.reg_ == 0.1


def test_ratio_estimate_tracks_the_true_ratio():
    """Gaussians with a known ratio: the estimate correlates with it."""
    rng = np.random.default_rng(3)
    Xs = rng.normal(size=(400, 1))
    Xt = rng.normal(loc=0.5, scale=0.7, size=(400, 1))

    def true_ratio(x):
        pt = np.exp(-((x - 0.5) ** 2) / (2 * 0.49)) / 0.7
        ps = np.exp(-(x**2) / 2)
        return (pt / ps).ravel()

    grid = np.linspace(-1.5, 2.0, 50)[:, None]
    model = ULSIF(random_state=0)
    model.fit_weights(Xs, Xt)
    estimate = model.predict_weights(grid)
    assert np.corrcoef(estimate, true_ratio(grid))[0, 1] > 0.9
    assert abs(model.weights_.mean() - 1.0) < 0.2


def test_relative_ratio_is_bounded():
    rng = np.random.default_rng(4)
    Xs = rng.normal(size=(200, 2))
    Xt = rng.normal(loc=2.5, scale=0.5, size=(200, 2))
    for alpha in (0.2, 0.5):
        model = RULSIF(alpha=alpha, random_state=0)
        w = model.fit_weights(Xs, Xt)
        # w_alpha <= 1/alpha, up to the estimation error of the fit.
        assert w.max() <= 1.2 / alpha
    assert ULSIF(random_state=0).fit_weights(Xs, Xt).max() > 1.2 / 0.5


@pytest.mark.parametrize(
    "params, match",
    [
        ({"gamma": "median"}, "gamma"),
        ({"gamma": -1.0}, "gamma"),
        ({"reg": 0.0}, "reg"),
        ({"n_centers": 0}, "n_centers"),
    ],
)
def test_invalid_parameters(params, match):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=match):
        ULSIF(**params).fit_weights(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)))


def test_invalid_alpha():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="alpha"):
        RULSIF(alpha=1.0).fit_weights(
            rng.normal(size=(20, 2)), rng.normal(size=(20, 2))
        )


def test_tiny_domains_fall_back_to_the_grid_centre():
    rng = np.random.default_rng(0)
    model = ULSIF(random_state=0)
    w = model.fit_weights(rng.normal(size=(5, 2)), rng.normal(size=(1, 2)))
    assert model.loo_scores_ is None
    assert w.shape == (5,) and np.all(np.isfinite(w))


def _tiny_reg_data():
    rng = np.random.RandomState(0)
    Xs = rng.randn(300, 3)
    Xt = rng.randn(300, 3) * 0.7 + 0.5
    return Xs, Xt


@pytest.mark.parametrize("cls", [ULSIF, RULSIF])
def test_tiny_reg_is_raised_to_the_documented_floor(cls):
    # Reported: reg=1e-300 gave weights near 7e19.
    from transferkit.instance._ulsif import REG_FLOOR

    Xs, Xt = _tiny_reg_data()
    model = cls(gamma=1.0, reg=1e-300, random_state=0)
    w = model.fit_weights(Xs, Xt)
    assert np.isfinite(w).all()
    assert 1e-300 < model.reg_ <= REG_FLOOR
    at_floor = cls(gamma=1.0, reg=model.reg_, random_state=0).fit_weights(Xs, Xt)
    np.testing.assert_allclose(w, at_floor)
    assert w.max() < 1e6


@pytest.mark.parametrize("cls", [ULSIF, RULSIF])
def test_grid_of_tiny_regs_gives_no_bare_scipy_error(cls):
    # Reported: scipy's "leading minor not positive definite".
    Xs, Xt = _tiny_reg_data()
    model = cls(reg=[1e-300, 1e-200, 1e-100, 1e-30], random_state=0)
    w = model.fit_weights(Xs, Xt)
    assert np.isfinite(w).all()
    assert np.isfinite(model.loo_scores_).all()
