"""KLIEP: the exact solver against cvxpy, constraints, width selection."""

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from transferkit.instance import KLIEP
from transferkit.instance._kliep import kliep_coefficients
from transferkit.utils.kernels import kernel_matrix


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize("gamma", [0.1, 1.0, 10.0])
def test_solver_reaches_cvxpy_optimum(gamma):
    import cvxpy as cp

    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(80, 2))
    Xt = rng.normal(loc=0.7, scale=0.8, size=(70, 2))
    centers = Xt[:30]
    Phi_t = kernel_matrix(Xt, centers, gamma=gamma)
    b = kernel_matrix(Xs, centers, gamma=gamma).mean(axis=0)
    coef, _, converged = kliep_coefficients(Phi_t, b)
    assert converged
    assert np.all(coef >= 0)
    assert b @ coef == pytest.approx(1.0)
    x = cp.Variable(30)
    problem = cp.Problem(cp.Maximize(cp.sum(cp.log(Phi_t @ x))), [b @ x == 1, x >= 0])
    with warnings.catch_warnings():
        # SCS may flag its own answer as inaccurate; ours must still be as good.
        warnings.simplefilter("ignore")
        problem.solve(solver="SCS")
    ours = np.log(Phi_t @ coef).sum()
    assert ours >= problem.value - 1e-4 * abs(problem.value)


def test_source_mean_of_weights_is_one():
    rng = np.random.default_rng(1)
    Xs = rng.normal(size=(150, 3))
    Xt = rng.normal(loc=0.5, size=(100, 3))
    model = KLIEP(random_state=0)
    w = model.fit_weights(Xs, Xt)
    assert w.mean() == pytest.approx(1.0, rel=1e-9)
    assert np.all(w >= 0)


def test_likelihood_cv_picks_the_best_scored_width():
    rng = np.random.default_rng(2)
    Xs = rng.normal(size=(150, 2))
    Xt = rng.normal(loc=1.0, scale=0.5, size=(150, 2))
    model = KLIEP(random_state=0)
    model.fit_weights(Xs, Xt)
    assert model.cv_scores_.shape == (9,)
    assert np.isfinite(model.cv_scores_).all()
    grid = KLIEP(gamma=[0.01, model.gamma_, 100.0], random_state=0)
    grid.fit_weights(Xs, Xt)
    assert grid.gamma_ == pytest.approx(model.gamma_)
    # An absurdly narrow kernel scores far worse held-out.
    assert grid.cv_scores_[2] < grid.cv_scores_[1]


def test_fixed_gamma_skips_cv():
    rng = np.random.default_rng(3)
    model = KLIEP(gamma=0.3, random_state=0)
    model.fit_weights(rng.normal(size=(50, 2)), rng.normal(size=(40, 2)))
    assert model.cv_scores_ is None and model.gamma_ == 0.3


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kernel": "linear"}, "kernel"),
        ({"cv": 1}, "cv"),
        ({"n_centers": 0}, "n_centers"),
        ({"gamma": "wide"}, "gamma"),
    ],
)
def test_invalid_parameters(params, match):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=match):
        KLIEP(**params).fit_weights(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)))


def test_far_target_row_does_not_crash():
    # Reported: 300 + 300 rows in 3-D, one target row at (15, 15, 15) whose
    # kernel to every centre underflows; numpy's "array must not contain infs
    # or NaNs" came out of the Newton step.
    rng = np.random.RandomState(0)
    Xs = rng.randn(300, 3)
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.randn(300, 3) + 0.5
    Xt[0] = 15.0
    model = KLIEP(random_state=0).fit(Xs, ys, Xt)
    assert np.isfinite(model.weights_).all()
    assert model.weights_.mean() == pytest.approx(1.0, rel=1e-9)
    # The far row changes the likelihood by a constant only where it is not a
    # centre; the weights of the other rows stay close to those without it.
    near = KLIEP(gamma=model.gamma_, random_state=0).fit_weights(Xs, Xt[1:])
    assert np.corrcoef(model.weights_, near)[0, 1] > 0.9


def test_solver_skips_a_target_row_that_is_zero_everywhere():
    rng = np.random.default_rng(4)
    Xs = rng.normal(size=(60, 2))
    Xt = rng.normal(loc=0.5, size=(50, 2))
    centers = Xt[:20]
    Phi_t = kernel_matrix(Xt, centers, gamma=1.0)
    b = kernel_matrix(Xs, centers, gamma=1.0).mean(axis=0)
    ref, _, _ = kliep_coefficients(Phi_t, b)
    with_zero_row = np.vstack([Phi_t, np.zeros((1, 20))])
    coef, _, converged = kliep_coefficients(with_zero_row, b)
    assert converged and np.isfinite(coef).all()
    np.testing.assert_allclose(Phi_t @ coef, Phi_t @ ref, rtol=1e-4, atol=1e-8)
    # scaling a row moves the objective by a constant only
    scaled = Phi_t * np.geomspace(1e-200, 1.0, 50)[:, None]
    coef_scaled, _, _ = kliep_coefficients(scaled, b)
    np.testing.assert_allclose(Phi_t @ coef_scaled, Phi_t @ ref, rtol=1e-4, atol=1e-8)
