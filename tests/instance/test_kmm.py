"""Kernel Mean Matching: the fast solver against cvxpy, constraints, traps."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from transferkit.instance import KMM
from transferkit.utils._box_qp import (
    DenseQuadratic,
    _active_set_dense,
    box_slab_linear_minimizer,
    project_box_slab,
    solve_box_slab_qp,
)
from transferkit.utils.kernels import kernel_matrix, kernel_sums


def _shifted(n_source, n_target, n_features=2, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_source, n_features))
    Xt = 0.7 * rng.normal(size=(n_target, n_features)) + 0.8
    return Xs, Xt


def _objective(beta, Xs, Xt, gamma):
    K = kernel_matrix(Xs, gamma=gamma)
    kappa = Xs.shape[0] / Xt.shape[0] * kernel_sums(Xs, Xt, gamma=gamma)
    return 0.5 * beta @ K @ beta - kappa @ beta, K


@pytest.mark.parametrize("n", [30, 300])
def test_fast_solver_reaches_cvxpy_objective(n):
    Xs, Xt = _shifted(n, n + 7, seed=n)
    fast = KMM(random_state=0).fit_weights(Xs, Xt)
    kmm_cvx = KMM(solver="cvxpy", random_state=0)
    exact = kmm_cvx.fit_weights(Xs, Xt)
    assert kmm_cvx.solver_status_ == "optimal"
    f_fast, K = _objective(fast, Xs, Xt, kmm_cvx.gamma_)
    f_exact, _ = _objective(exact, Xs, Xt, kmm_cvx.gamma_)
    assert f_fast - f_exact <= 1e-4 * abs(f_exact)
    # K @ beta is the same for every optimal beta of a convex QP.
    Kdiff = K @ (fast - exact)
    assert np.linalg.norm(Kdiff) <= 1e-2 * np.linalg.norm(K @ exact)
    if n == 30:
        np.testing.assert_allclose(fast, exact, atol=2e-2 * exact.max())


def test_fast_solver_reaches_cvxpy_objective_in_ten_dimensions():
    """n = 1000, d = 10: the case the active-set path is built for."""
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(1000, 10))
    Xt = rng.normal(0.5, size=(1000, 10))
    fast = KMM(gamma=0.1)
    w_fast = fast.fit_weights(Xs, Xt)
    ref = KMM(gamma=0.1, solver="cvxpy")
    w_ref = ref.fit_weights(Xs, Xt)
    assert fast.solver_status_ == "converged"
    assert fast.objective_ - ref.objective_ <= 1e-4 * abs(ref.objective_)
    assert w_fast.min() >= 0.0 and w_fast.max() <= fast.B
    assert abs(w_fast.sum() - 1000) <= 1000 * fast.eps_ + 1e-8 * 1000
    f_fast, K = _objective(w_fast, Xs, Xt, 0.1)
    assert f_fast == pytest.approx(fast.objective_, rel=1e-10)
    Kdiff = K @ (w_fast - w_ref)
    assert np.linalg.norm(Kdiff) <= 1e-2 * np.linalg.norm(K @ w_ref)
    # Deterministic: the same weights, bit for bit.
    np.testing.assert_array_equal(KMM(gamma=0.1).fit_weights(Xs, Xt), w_fast)


def _kmm_problem(n, n_features, seed, gamma=0.1):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, n_features))
    Xt = 0.7 * rng.normal(size=(n, n_features)) + 0.8
    K = kernel_matrix(Xs, gamma=gamma)
    kappa = kernel_sums(Xs, Xt, gamma=gamma)
    return K, kappa


@pytest.mark.parametrize(
    "upper, lower_sum, upper_sum",
    [(2.0, 76.0, 84.0), (1e3, 20.0, 140.0), (1.5, 56.0, 104.0)],
)
def test_active_set_reaches_a_kkt_point(upper, lower_sum, upper_sum):
    K, c = _kmm_problem(80, 10, seed=3)
    quadratic = DenseQuadratic(K)
    x, _, _ = _active_set_dense(
        quadratic, c, upper, lower_sum, upper_sum, np.arange(80), max_iter=50
    )
    assert x is not None
    assert x.min() >= 0.0 and x.max() <= upper
    assert lower_sum - 1e-9 <= x.sum() <= upper_sum + 1e-9
    # KKT: one multiplier mu of the sum constraint with grad + mu >= 0 at 0,
    # = 0 between the bounds and <= 0 at the upper bound.
    grad = K @ x - c
    free = (x > 0) & (x < upper)
    assert free.any()
    mu = -np.median(grad[free])
    scale = np.abs(c).max()
    np.testing.assert_allclose(grad[free] + mu, 0.0, atol=1e-6 * scale)
    assert np.all(grad[x == 0] + mu >= -1e-6 * scale)
    assert np.all(grad[x == upper] + mu <= 1e-6 * scale)
    # The fallback (gradient projection only) finds the same optimum.
    both = solve_box_slab_qp(quadratic, c, upper, lower_sum, upper_sum, tol=1e-6)
    fallback = solve_box_slab_qp(
        quadratic, c, upper, lower_sum, upper_sum, tol=1e-6, max_active_set_iter=1
    )
    assert both.converged and fallback.converged
    f_x = 0.5 * x @ K @ x - c @ x
    assert both.objective == pytest.approx(f_x, rel=1e-9)
    assert abs(fallback.objective - f_x) <= 1e-6 * abs(f_x)


def test_constraints_hold_with_active_bounds():
    Xs, Xt = _shifted(80, 60, seed=3)
    n = Xs.shape[0]
    for B, eps in [(2.0, 0.05), (1000.0, 0.0), (1.5, 0.3)]:
        kmm = KMM(B=B, eps=eps, random_state=0)
        w = kmm.fit_weights(Xs, Xt)
        assert w.min() >= 0.0
        assert w.max() <= B + 1e-12
        assert abs(w.sum() - n) <= n * eps + 1e-8 * n
        assert kmm.duality_gap_ <= kmm.tol * abs(kmm.objective_)
    # B small enough to bind: some weights sit on it.
    w = KMM(B=2.0, eps=0.05).fit_weights(Xs, Xt)
    assert np.isclose(w.max(), 2.0)


def test_point_at_target_outweighs_point_far_away():
    """The libTLDA sign trap: +kappa would push weight away from the target."""
    rng = np.random.default_rng(1)
    Xt = rng.normal(loc=3.0, scale=0.5, size=(60, 2))
    Xs = np.vstack([rng.normal(size=(60, 2)), [[3.0, 3.0]], [[-3.0, -3.0]]])
    for solver in ("fast", "cvxpy"):
        w = KMM(solver=solver, random_state=0).fit_weights(Xs, Xt)
        assert w[-2] > w[-1]
        assert w[-2] > np.median(w[:-2])


def test_no_shift_gives_unit_weights_which_are_optimal():
    Xs, _ = _shifted(40, 40)
    kmm = KMM().fit(Xs, (Xs[:, 0] > 0).astype(int))
    np.testing.assert_array_equal(kmm.weights_, np.ones(40))
    assert kmm.no_shift_
    # With the source passed as an explicit target, the solver finds an
    # optimum whose objective equals that of the all-ones weights.
    w = KMM(gamma=0.5).fit_weights(Xs, Xs.copy())
    f_w, _ = _objective(w, Xs, Xs, 0.5)
    f_ones, _ = _objective(np.ones(40), Xs, Xs, 0.5)
    assert abs(f_w - f_ones) <= 1e-4 * abs(f_ones)


def test_landmarks_close_to_exact_objective():
    Xs, Xt = _shifted(400, 300, n_features=3, seed=5)
    exact = KMM(random_state=0)
    w_exact = exact.fit_weights(Xs, Xt)
    approx = KMM(n_landmarks=150, random_state=0)
    w_approx = approx.fit_weights(Xs, Xt)
    assert approx.landmark_indices_.shape == (150,)
    f_exact, _ = _objective(w_exact, Xs, Xt, exact.gamma_)
    f_approx, _ = _objective(w_approx, Xs, Xt, exact.gamma_)
    assert f_approx >= f_exact - 1e-6 * abs(f_exact)
    assert f_approx - f_exact <= 2e-2 * abs(f_exact)


def test_landmarks_with_cvxpy_solve_the_same_approximate_problem():
    Xs, Xt = _shifted(120, 100, seed=6)
    fast = KMM(n_landmarks=40, random_state=0).fit(Xs, Xs[:, 0] > 0, Xt)
    ref = KMM(n_landmarks=40, solver="cvxpy", random_state=0).fit(Xs, Xs[:, 0] > 0, Xt)
    np.testing.assert_array_equal(fast.landmark_indices_, ref.landmark_indices_)
    assert fast.objective_ - ref.objective_ <= 1e-4 * abs(ref.objective_)


def test_dense_kernel_guard_names_landmarks():
    Xs, Xt = _shifted(60, 20)
    with pytest.raises(ValueError, match="n_landmarks"):
        KMM(max_dense_samples=50).fit_weights(Xs, Xt)
    KMM(max_dense_samples=50, n_landmarks=20).fit_weights(Xs, Xt)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"B": 0.001, "eps": 0.0}, "infeasible"),
        ({"B": -1.0}, "B must be"),
        ({"solver": "newton"}, "solver must be"),
        ({"kernel": "cosine"}, "kernel must be"),
        ({"n_landmarks": 0}, "n_landmarks"),
    ],
)
def test_invalid_parameters(params, match):
    Xs, Xt = _shifted(20, 20)
    with pytest.raises(ValueError, match=match):
        KMM(**params).fit_weights(Xs, Xt)


def test_max_iter_reached_warns():
    Xs, Xt = _shifted(200, 200, seed=2)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        kmm = KMM(max_iter=1, tol=1e-12).fit_weights(Xs, Xt)
    assert kmm.shape == (200,)


def test_projection_is_exact():
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.normal(scale=3.0, size=50)
        upper, lo, hi = 2.0, 10.0, 20.0
        x = project_box_slab(v, upper, lo, hi)
        assert x.min() >= 0 and x.max() <= upper
        assert lo - 1e-9 <= x.sum() <= hi + 1e-9
        # Optimality: no feasible random point is closer to v.
        for _ in range(30):
            z = project_box_slab(x + 0.3 * rng.normal(size=50), upper, lo, hi)
            assert np.linalg.norm(z - v) >= np.linalg.norm(x - v) - 1e-9


def test_linear_minimizer_beats_random_feasible_points():
    rng = np.random.default_rng(1)
    g = rng.normal(size=30)
    s = box_slab_linear_minimizer(g, 1.5, 5.0, 12.0)
    assert 5.0 - 1e-12 <= s.sum() <= 12.0 + 1e-12
    for _ in range(200):
        z = project_box_slab(rng.normal(scale=2.0, size=30), 1.5, 5.0, 12.0)
        assert g @ s <= g @ z + 1e-12


def test_cvxpy_not_imported_by_the_family_or_the_fast_path():
    code = (
        "import sys, numpy as np\n"
        "import transferkit.instance as ti\n"
        "assert 'cvxpy' not in sys.modules\n"
        "rng = np.random.default_rng(0)\n"
        "ti.KMM().fit_weights(rng.normal(size=(30, 2)), rng.normal(size=(20, 2)))\n"
        "assert 'cvxpy' not in sys.modules\n"
        "for mod in ('torch', 'ot', 'matplotlib'):\n"
        "    assert mod not in sys.modules, mod\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cvxpy_global_settings_untouched():
    import cvxpy as cp

    def snapshot():
        return {
            k: repr(v)
            for k, v in vars(cp.settings).items()
            if not k.startswith("__") and not callable(v)
        }

    before = snapshot()
    Xs, Xt = _shifted(25, 25)
    KMM(solver="cvxpy").fit_weights(Xs, Xt)
    assert snapshot() == before


@pytest.mark.parametrize(
    "params, scale",
    [({"kernel": "poly"}, 1e110), ({"gamma": 1.0}, 1e160)],
)
def test_non_finite_kernel_fails_at_once(params, scale):
    # Reported: the NaN duality gap never passed the stopping test, so the
    # solver ran to max_iter for minutes, then advised raising max_iter.
    Xs, Xt = _shifted(200, 150, n_features=3, seed=3)
    with pytest.raises(ValueError, match="not finite"):
        KMM(**params, max_iter=10**9).fit_weights(Xs * scale, Xt * scale)
    with pytest.raises(ValueError, match="not finite"):
        KMM(**params, n_landmarks=20).fit_weights(Xs * scale, Xt * scale)


def test_median_heuristic_overflow_refuses():
    Xs, Xt = _shifted(50, 40, seed=4)
    with pytest.raises(ValueError, match="median heuristic"):
        KMM().fit_weights(Xs * 1e160, Xt * 1e160)


def test_dense_limit_is_checked_before_any_kernel_work(monkeypatch):
    # Reported: 25k + 25k took 44 s to refuse (median heuristic and the
    # source x target kernel sums came first).
    import transferkit.instance._kmm as kmm_module

    def forbidden(*args, **kwargs):
        raise AssertionError("kernel work before the size check")

    for name in ("kernel_sums", "kernel_matrix", "resolve_gamma"):
        monkeypatch.setattr(kmm_module, name, forbidden)
    rng = np.random.default_rng(5)
    Xs, Xt = rng.normal(size=(25_000, 5)), rng.normal(size=(25_000, 5))
    with pytest.raises(ValueError, match="dense 25000 x 25000"):
        KMM().fit_weights(Xs, Xt)


def _shimodaira_toy(n, seed):
    # Shimodaira (2000): source x ~ N(0.5, 0.5^2), target x ~ N(0, 0.3^2),
    # y = -x + x^3 + noise, in 1-D.
    rng = np.random.RandomState(seed)
    xs = rng.normal(0.5, 0.5, size=(n, 1))
    xt = rng.normal(0.0, 0.3, size=(n, 1))
    ys = -xs[:, 0] + xs[:, 0] ** 3 + rng.normal(0.0, 0.3, n)
    return xs, ys, xt


@pytest.mark.slow
def test_shimodaira_toy_converges_to_the_cvxpy_objective():
    # Reported: "ConvergenceWarning: KMM's solver stopped after 1000
    # iterations with a duality gap of 3.5e4": the 1-D RBF kernel is
    # numerically of rank ~15, the active-set method cycled on coordinates
    # whose multipliers were rounding noise, and the fallback did not close
    # the gap.
    import warnings

    from sklearn.linear_model import LinearRegression
    from threadpoolctl import threadpool_limits

    xs, ys, xt = _shimodaira_toy(1000, 0)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fast = KMM(LinearRegression(), random_state=0).fit(xs, ys, xt)
        ref = KMM(LinearRegression(), solver="cvxpy", random_state=0).fit(xs, ys, xt)
    assert fast.solver_status_ == "converged"
    assert fast.n_iter_ < 100
    assert fast.objective_ == pytest.approx(ref.objective_, rel=1e-6)


@pytest.mark.parametrize("seed", range(10))
def test_shimodaira_toy_small_converges_on_every_seed(seed):
    # Reported: on the 100 + 100 toy, seeds 5 and 6 stopped at max_iter
    # (duality gaps 1.4 and 2.1): the active-set method cycles on the
    # rank-deficient 1-D kernel and the gradient-projection fallback crawls.
    # The interior-point fallback closes the gap.
    import warnings

    rng = np.random.RandomState(seed)
    xs = rng.normal(0.5, 0.5, size=(100, 1))
    xt = rng.normal(0.0, 0.3, size=(100, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # low ESS is expected here
        fast = KMM(random_state=seed)
        w = fast.fit_weights(xs, xt)
        ref = KMM(solver="cvxpy", random_state=seed)
        ref.fit_weights(xs, xt)
    assert fast.solver_status_ == "converged"
    assert fast.duality_gap_ <= fast.tol * abs(fast.objective_)
    assert fast.objective_ == pytest.approx(ref.objective_, rel=1e-4)
    assert fast.objective_ >= ref.objective_ - 1e-6 * abs(ref.objective_)
    assert w.min() >= 0.0 and w.max() <= fast.B
    assert abs(w.sum() - 100) <= 100 * fast.eps_ * (1 + 1e-9)


@pytest.mark.parametrize("upper", [1000.0, 3.0])
def test_interior_point_fallback_matches_cvxpy(upper):
    """The interior-point method alone, with the upper bound active or not."""
    from transferkit.instance._kmm import solve_kmm_cvxpy
    from transferkit.utils._box_qp import _certify, _interior_point_dense

    rng = np.random.RandomState(5)
    xs = rng.normal(0.5, 0.5, size=(80, 1))
    xt = rng.normal(0.0, 0.3, size=(60, 1))
    K = kernel_matrix(xs, gamma=2.0)
    kappa = 80 / 60 * kernel_sums(xs, xt, gamma=2.0)
    lower, high = 80 * 0.5, 80 * 1.5
    x, Qx, n_iter = _interior_point_dense(K, kappa, upper, lower, high, tol=1e-6)
    assert x is not None and n_iter < 80
    objective, gap = _certify(Qx, kappa, x, upper, lower, high)
    assert gap <= 1e-6 * abs(objective)
    assert x.min() > 0.0 and x.max() < upper
    ref, _, _ = solve_kmm_cvxpy(DenseQuadratic(K), kappa, upper, lower, high)
    f_ref = 0.5 * ref @ K @ ref - kappa @ ref
    assert objective == pytest.approx(f_ref, rel=1e-6)
    if upper == 3.0:
        assert np.sum(x > 0.99 * upper) >= 1  # the bound binds


def test_interior_point_refuses_a_slab_without_interior():
    from transferkit.utils._box_qp import _interior_point_dense

    K = np.eye(4)
    x, _, _ = _interior_point_dense(K, np.ones(4), 10.0, 4.0, 4.0, tol=1e-6)
    assert x is None
