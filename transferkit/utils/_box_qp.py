"""A fast solver for convex QPs over a box intersected with a slab.

The problems solved here have the form

.. math::

    \\min_x \\; \\tfrac12 x^\\top Q x - c^\\top x
    \\quad \\text{s.t.} \\quad 0 \\le x_i \\le u, \\quad
    \\ell \\le \\textstyle\\sum_i x_i \\le h,

with ``Q`` positive semi-definite and given only through a matrix-vector
product. This is Kernel Mean Matching's problem (Huang et al., 2006). The
solver alternates projected gradient steps, which find the face of the
feasible set that holds the solution, with conjugate gradients on that face
(GPCG, Moré & Toraldo, 1991), on a working set of coordinates that grows
until the full problem is solved (KMM's solutions are sparse). The
projection onto the box-slab intersection is exact: it is ``clip(v - mu, 0,
u)`` with the scalar multiplier ``mu`` found by a safeguarded Newton search
on a piecewise-linear monotone function. Convergence is certified by the
Frank-Wolfe duality gap, an upper bound on the distance to the optimal
objective, computed with an exact linear minimisation oracle over the same
set (a fractional knapsack).

With a dense ``Q`` a primal-dual active-set method (block principal
pivoting: exact Cholesky solves on the free block, the guess of the active
bounds corrected from the signs of the solution and of the multipliers)
runs first; it usually reaches the KKT point in about ten factorisations.
When it stalls (it cycles on rank-deficient ``Q``), a primal-dual
interior-point method (Mehrotra's predictor-corrector, whose Newton matrix
``Q + D`` stays positive definite) takes over up to
``INTERIOR_POINT_MAX_SIZE`` coordinates, and GPCG above that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve

__all__ = [
    "BoxSlabQPResult",
    "DenseQuadratic",
    "FactorQuadratic",
    "box_slab_linear_minimizer",
    "project_box_slab",
    "solve_box_slab_qp",
]


def _clipped_sum(v, mu, upper):
    shifted = v - mu
    free = (shifted > 0.0) & (shifted < upper)
    total = np.clip(shifted, 0.0, upper).sum()
    return total, int(np.count_nonzero(free))


def project_box_slab(v, upper, lower_sum, upper_sum):
    """Euclidean projection of ``v`` onto the box-slab set.

    The set is ``{0 <= x <= upper, lower_sum <= sum(x) <= upper_sum}``.

    Parameters
    ----------
    v : ndarray of shape (n,)
        The point to project.
    upper : float
        Upper bound of every coordinate (positive).
    lower_sum, upper_sum : float
        Bounds on the sum; the set must be non-empty
        (``max(lower_sum, 0) <= min(upper_sum, n * upper)``).

    Returns
    -------
    x : ndarray of shape (n,)
        The projection, ``clip(v - mu, 0, upper)`` for the optimal multiplier
        ``mu`` of the sum constraint.
    """
    v = np.asarray(v, dtype=np.float64)
    n = v.shape[0]
    lower_sum = max(float(lower_sum), 0.0)
    upper_sum = min(float(upper_sum), n * float(upper))
    total, _ = _clipped_sum(v, 0.0, upper)
    if lower_sum <= total <= upper_sum:
        return np.clip(v, 0.0, upper)
    target = upper_sum if total > upper_sum else lower_sum
    # s(mu) = sum(clip(v - mu, 0, upper)) decreases from n*upper (at
    # mu <= min(v) - upper) to 0 (at mu >= max(v)).
    if total > upper_sum:
        lo, hi = 0.0, float(v.max())
    else:
        lo, hi = float(v.min()) - upper, 0.0
    scale = max(1.0, abs(target))
    mu = 0.5 * (lo + hi)
    for _ in range(200):
        s, n_free = _clipped_sum(v, mu, upper)
        if abs(s - target) <= 1e-13 * scale:
            break
        if s > target:
            lo = mu
        else:
            hi = mu
        if hi - lo <= 1e-15 * max(1.0, abs(lo), abs(hi)):
            break
        # On the current linear piece s has slope -n_free: a Newton step
        # lands on the root when it lies on this piece.
        candidate = mu + (s - target) / n_free if n_free > 0 else None
        if candidate is not None and lo < candidate < hi:
            mu = candidate
        else:
            mu = 0.5 * (lo + hi)
    return np.clip(v - mu, 0.0, upper)


def box_slab_linear_minimizer(g, upper, lower_sum, upper_sum):
    """Exact minimiser of ``g @ s`` over the box-slab set (a fractional knapsack).

    Sorting ``g`` increasingly, the optimum fills coordinates in that order up
    to ``upper`` each; the total is the mass of the negative coordinates
    (``upper`` times their number), clipped into ``[lower_sum, upper_sum]``.
    """
    n = g.shape[0]
    lower_sum = max(float(lower_sum), 0.0)
    upper_sum = min(float(upper_sum), n * float(upper))
    n_negative = int(np.count_nonzero(g < 0))
    total = min(max(upper * n_negative, lower_sum), upper_sum)
    order = np.argsort(g, kind="stable")
    s = np.zeros(n)
    n_full = min(int(total // upper), n)
    s[order[:n_full]] = upper
    rest = total - upper * n_full
    if n_full < n and rest > 0:
        s[order[n_full]] = rest
    return s


@dataclass
class BoxSlabQPResult:
    """Outcome of :func:`solve_box_slab_qp`.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The solution.
    objective : float
        ``0.5 x'Qx - c'x`` at ``x``.
    gap : float
        Frank-Wolfe duality gap at ``x``: ``objective - optimum <= gap``.
    n_iter : int
        Number of iterations run.
    converged : bool
        Whether ``gap <= tol * max(1, |objective|)`` was reached.
    """

    x: np.ndarray
    objective: float
    gap: float
    n_iter: int
    converged: bool


class DenseQuadratic:
    """``Q`` given as a dense symmetric matrix; products exploit sparse ``x``."""

    def __init__(self, Q):
        self.Q = Q
        self.n_matvec = 0

    def matvec(self, x):
        self.n_matvec += 1
        support = np.flatnonzero(x)
        if support.size > 0.5 * x.shape[0]:
            return self.Q @ x
        return x[support] @ self.Q[support]

    def restrict(self, index):
        return DenseQuadratic(self.Q[np.ix_(index, index)])

    def columns_matvec(self, index, x_index):
        """``Q[:, index] @ x_index``."""
        self.n_matvec += 1
        return x_index @ self.Q[index]

    def face_operator(self, free):
        index = np.flatnonzero(free)
        Q_face = self.Q[np.ix_(index, index)]

        def face_matvec(p):
            self.n_matvec += 1
            return Q_face @ p

        return face_matvec

    @property
    def shape(self):
        return self.Q.shape


class FactorQuadratic:
    """``Q = F F'`` given by a tall factor ``F`` (Nyström / low rank)."""

    def __init__(self, factor):
        self.factor = factor
        self.n_matvec = 0

    def matvec(self, x):
        self.n_matvec += 1
        support = np.flatnonzero(x)
        if support.size > 0.5 * x.shape[0]:
            return self.factor @ (x @ self.factor)
        return self.factor @ (x[support] @ self.factor[support])

    def restrict(self, index):
        return FactorQuadratic(self.factor[index])

    def columns_matvec(self, index, x_index):
        """``Q[:, index] @ x_index``."""
        self.n_matvec += 1
        return self.factor @ (x_index @ self.factor[index])

    def face_operator(self, free):
        F_face = self.factor[free]

        def face_matvec(p):
            self.n_matvec += 1
            return F_face @ (p @ F_face)

        return face_matvec

    @property
    def shape(self):
        n = self.factor.shape[0]
        return (n, n)


def _armijo_projected_search(
    x, Qx, grad, objective, direction, alpha, bounds, matvec, c
):
    """Backtrack ``P(x + alpha * direction)`` until sufficient decrease."""
    upper, lower_sum, upper_sum = bounds
    for _ in range(40):
        x_new = project_box_slab(x + alpha * direction, upper, lower_sum, upper_sum)
        step = x_new - x
        Qx_new = matvec(x_new)
        objective_new = 0.5 * x_new @ Qx_new - c @ x_new
        if objective_new <= objective + 1e-2 * (grad @ step):
            return x_new, Qx_new, objective_new, True
        alpha *= 0.5
    return x, Qx, objective, False


def _face(x, upper, lower_sum, upper_sum, scale):
    free = (x > 0.0) & (x < upper)
    total = x.sum()
    slab_active = (
        abs(total - upper_sum) <= 1e-10 * scale
        or abs(total - lower_sum) <= 1e-10 * scale
    )
    return free, slab_active


def _gpcg(
    quadratic,
    c,
    upper,
    lower_sum,
    upper_sum,
    *,
    x0=None,
    max_iter=200,
    tol=1e-6,
    max_cg=50,
    n_projected_steps=3,
):
    """Minimise ``0.5 x'Qx - c'x`` over the box-slab set.

    A gradient-projection / conjugate-gradient method in the spirit of
    GPCG (Moré & Toraldo, 1991): each outer iteration takes a few projected
    gradient steps (exact projection, Armijo backtracking), which identify
    the face of the feasible set holding the solution, then runs conjugate
    gradients on that face (the free coordinates, with the sum held fixed
    when the sum constraint is active) followed by a projected line search.

    Parameters
    ----------
    quadratic : DenseQuadratic or FactorQuadratic
        The PSD matrix ``Q``.
    c : ndarray of shape (n,)
        Linear term.
    upper : float
        Coordinate upper bound.
    lower_sum, upper_sum : float
        Bounds on ``sum(x)``.
    x0 : ndarray of shape (n,), default=None
        Starting point (projected first); the all-ones vector by default.
    max_iter : int, default=200
        Maximum number of outer iterations.
    tol : float, default=1e-6
        Stop when the Frank-Wolfe gap is at most ``tol * max(1, |objective|)``;
        the gap bounds ``objective - optimum`` from above.
    max_cg : int, default=50
        Maximum conjugate-gradient steps per outer iteration.
    n_projected_steps : int, default=3
        Projected gradient steps per outer iteration.

    Returns
    -------
    result : BoxSlabQPResult
    """
    c = np.asarray(c, dtype=np.float64)
    n = c.shape[0]
    matvec = quadratic.matvec
    bounds = (float(upper), float(lower_sum), float(upper_sum))
    scale = max(1.0, float(upper_sum))
    x = project_box_slab(
        np.ones(n) if x0 is None else np.asarray(x0, dtype=np.float64),
        upper,
        lower_sum,
        upper_sum,
    )
    Qx = matvec(x)
    objective = 0.5 * x @ Qx - c @ x
    n_iter = 0
    gap = np.inf
    while True:
        grad = Qx - c
        s = box_slab_linear_minimizer(grad, upper, lower_sum, upper_sum)
        gap = max(float(grad @ (x - s)), 0.0)
        if gap <= tol * max(1.0, abs(objective)) or n_iter >= max_iter:
            break
        n_iter += 1
        # 1. Projected gradient steps with the Cauchy step length,
        # backtracked to sufficient decrease.
        for _ in range(n_projected_steps):
            Qg = matvec(grad)
            curvature = grad @ Qg
            alpha = (grad @ grad) / curvature if curvature > 0 else 1.0
            previous_free, _ = _face(x, upper, lower_sum, upper_sum, scale)
            x, Qx, objective, moved = _armijo_projected_search(
                x, Qx, grad, objective, -grad, alpha, bounds, matvec, c
            )
            grad = Qx - c
            free, _ = _face(x, upper, lower_sum, upper_sum, scale)
            if not moved or np.array_equal(free, previous_free):
                break
        # 2. Conjugate gradients on the current face.
        free, slab_active = _face(x, upper, lower_sum, upper_sum, scale)
        if not free.any():
            continue

        def reduce(v, slab_active=slab_active):
            return v - v.mean() if slab_active else v

        face_matvec = quadratic.face_operator(free)
        d = np.zeros(n)
        r = reduce(grad[free])
        p = -r
        rr = r @ r
        rr0 = rr
        for _ in range(max_cg):
            if rr <= 1e-12 * rr0 or rr == 0.0:
                break
            Qp = face_matvec(p)
            curvature = p @ Qp
            if curvature <= 1e-14 * (p @ p) * max(1.0, abs(objective) / scale):
                if not d.any():
                    d[free] = p
                break
            step = rr / curvature
            d[free] += step * p
            r = r + step * reduce(Qp)
            rr_new = r @ r
            p = -r + (rr_new / rr) * p
            rr = rr_new
        if d.any():
            x, Qx, objective, _ = _armijo_projected_search(
                x, Qx, grad, objective, d, 1.0, bounds, matvec, c
            )
    return BoxSlabQPResult(
        x=x,
        objective=float(objective),
        gap=float(gap),
        n_iter=n_iter,
        converged=bool(gap <= tol * max(1.0, abs(objective))),
    )


# Ridge (relative to the largest diagonal entry of Q) added to the free block
# before its Cholesky factorisation, so nearly singular blocks factor; the
# duality gap of the unperturbed problem still certifies the result.
RIDGE = 1e-10

# The same in the single-precision search of the active-set method (its
# rounding error is about 1e-7 of the largest entry).
RIDGE_SINGLE = 1e-6

# Largest ridge the double-precision stage grows to when it stalls. On a
# numerically rank-deficient ``Q`` (a 1-D RBF kernel: its eigenvalues fall
# below 1e-10 of the largest after about ten) the block solutions with a
# ridge of 1e-10 are ill-conditioned, and the sets cycle on coordinates whose
# sign is decided by rounding; a larger ridge makes the face solution stable
# (the minimum-norm-like one). The duality gap of the *unperturbed* problem
# still certifies the result: a ridge ``r`` moves the objective by at most
# ``r / 2 * ||x||^2``.
RIDGE_MAX = 1e-6

# Relative tolerance (to max |c|) on the multipliers of the bound coordinates
# in the active-set method (see ``_active_set_dense``).
ENTER_TOL = 1e-8


def _regularised_cholesky(block, ridge):
    """Cholesky factor of ``block + ridge * I``, the ridge grown if needed."""
    diagonal = np.einsum("ii->i", block)
    for _ in range(4):
        diagonal += ridge
        try:
            return cho_factor(block, overwrite_a=True, check_finite=False)
        except LinAlgError:
            ridge *= 99.0
    return None


def _active_set_dense(
    quadratic, c, upper, lower_sum, upper_sum, free0, *, max_iter, min_enter=100
):
    """Exact solve by primal-dual active sets (block pivoting) on a dense ``Q``.

    Each coordinate is held at 0, held at ``upper`` or free. The free block
    is solved exactly (Cholesky of ``Q[F, F]``), with the sum constraint as
    an equality when the unconstrained block solution violates it; then the
    free coordinates that left the box go to the bound they crossed and the
    bound coordinates whose multiplier has the wrong sign (at most
    ``max(min_enter, |F| / 4)`` at a time, the most violating first) become
    free (Hintermüller, Ito & Kunisch, 2002; Kim & Park, 2011). When no
    coordinate changes, the KKT conditions hold to rounding error.

    The search for the active sets runs in single precision (the block
    factorisation, the costliest step, is about 2.5x faster), with a larger
    ridge; when it settles, stalls or a block fails to factor, the method
    goes on in double precision from the sets reached, and only a double
    precision iteration with no violation ends it. The result is therefore
    the double-precision solution of the final face, as before.

    When the double-precision stage stalls (more than three iterations
    without fewer violations, the cycling of near-singular blocks) it
    switches to Kim & Park's backup rule, one exchange per iteration; after
    fifteen the ridge grows a hundredfold, up to ``RIDGE_MAX``, before the
    method gives up.

    Returns ``(x, Q @ x, n_iter)``, or ``(None, None, n_iter)`` when it
    stops without convergence (a singular block, no progress, ``max_iter``
    reached); the caller then uses the gradient-projection solver.
    """
    Q = quadratic.Q
    n = c.shape[0]
    scale = max(float(np.max(np.diagonal(Q), initial=0.0)), 1e-300)
    state = np.zeros(n, dtype=np.int8)  # 0: at 0, 1: free, 2: at upper
    state[free0] = 1
    dtype = np.float32  # the set search; np.float64 once it settles
    Q_single = Q.astype(np.float32)
    best_violations = np.inf
    stalled = 0
    ridge = RIDGE
    # A bound coordinate enters only when its multiplier has the wrong sign
    # by more than rounding can explain: on a rank-deficient Q, hundreds of
    # coordinates have multipliers of 1e-12 relative, and letting them in
    # makes the sets cycle. Leaving them out costs at most
    # ENTER_TOL * max|c| * upper each in the duality gap, which certifies
    # the result.
    enter_tol = ENTER_TOL * max(float(np.max(np.abs(c), initial=0.0)), 1e-300)
    for n_iter in range(1, max_iter + 1):
        single = dtype == np.float32
        M = Q_single if single else Q
        free = np.flatnonzero(state == 1)
        at_upper = np.flatnonzero(state == 2)
        x = np.zeros(n)
        x[at_upper] = upper
        fixed_sum = upper * at_upper.size
        if free.size == 0:
            if not lower_sum <= fixed_sum <= upper_sum:
                return None, None, n_iter
            z = np.zeros(0)
            mu = 0.0
        else:
            rhs = c[free]
            if at_upper.size:
                rhs = rhs - upper * M[np.ix_(free, at_upper)].sum(axis=1)
            factor = _regularised_cholesky(
                M[np.ix_(free, free)], (RIDGE_SINGLE if single else ridge) * scale
            )
            if factor is None:
                if single:
                    dtype = np.float64
                    continue
                return None, None, n_iter
            z = cho_solve(factor, rhs.astype(dtype), check_finite=False)
            z = z.astype(np.float64)
            total = fixed_sum + z.sum()
            mu = 0.0
            if total > upper_sum or total < lower_sum:
                # The sum constraint is active on this face: its multiplier
                # mu makes Q_FF z = rhs - mu 1 sum to the bound.
                target = (upper_sum if total > upper_sum else lower_sum) - fixed_sum
                w = cho_solve(factor, np.ones(free.size, dtype), check_finite=False)
                w = w.astype(np.float64)
                mu = (z.sum() - target) / w.sum()
                z = z - mu * w
            if not np.all(np.isfinite(z)):
                if single:
                    dtype = np.float64
                    continue
                return None, None, n_iter
            x[free] = z
        Qx = (M @ x.astype(dtype)).astype(np.float64)
        reduced = Qx - c + mu
        below = free[z < 0.0]
        above = free[z > upper]
        enter_low = np.flatnonzero((state == 0) & (reduced < -enter_tol))
        enter_high = np.flatnonzero((state == 2) & (reduced > enter_tol))
        n_violations = below.size + above.size + enter_low.size + enter_high.size
        if n_violations == 0:
            if dtype == np.float32:
                dtype = np.float64  # confirm (or go on from) these sets
                continue
            return x, Qx, n_iter
        if dtype == np.float32 and (
            n_violations >= best_violations or n_violations <= n // 100
        ):
            # near the end single precision can flip a marginal coordinate
            # back and forth: finish in double precision
            dtype, best_violations = np.float64, np.inf
        if n_violations < best_violations:
            best_violations = n_violations
            stalled = 0
        else:
            stalled += 1
        if stalled > 3 and dtype == np.float64:
            # Kim & Park's backup rule: when full exchanges no longer reduce
            # the violations, exchange only the violating coordinate of
            # largest index (finite termination for a positive definite
            # block, which the ridge ensures); after a long stall the ridge
            # grows too.
            if stalled >= 15:
                if ridge * 100.0 > RIDGE_MAX * (1 + 1e-9):
                    return None, None, n_iter
                ridge *= 100.0
                stalled, best_violations = 0, np.inf
            last = max(
                int(v[-1]) for v in (below, above, enter_low, enter_high) if v.size
            )
            state[last] = 1 if state[last] != 1 else (0 if last in below else 2)
            continue
        max_enter = max(min_enter, free.size // 4)
        if enter_low.size > max_enter:
            order = np.argsort(reduced[enter_low], kind="stable")
            enter_low = enter_low[order[:max_enter]]
        state[below] = 0
        state[above] = 2
        state[enter_low] = 1
        state[enter_high] = 1
    return None, None, max_iter


#: Largest dimension for which the dense interior-point method is tried when
#: the active-set method fails (one Cholesky factorisation of an ``n x n``
#: matrix per iteration, about 20-40 iterations).
INTERIOR_POINT_MAX_SIZE = 3000

#: Once an interior-point iterate is certified to ``tol``, the method goes on
#: until the gap is below this fraction of it (or it stops making progress).
INTERIOR_POINT_EXTRA_ACCURACY = 1e-3


def _interior_point_dense(Q, c, upper, lower_sum, upper_sum, *, max_iter=80, tol):
    """Primal-dual interior-point method (Mehrotra's predictor-corrector).

    The fallback of the active-set method on a dense ``Q``: rank-deficient
    kernels (a 1-D RBF kernel is numerically of rank ~15) make the free
    blocks of the active-set method singular and its sets cycle, while the
    interior-point Newton matrix ``Q + D`` (``D`` the positive diagonal of
    the barrier terms of the bounds) stays positive definite. The slab is
    two inequalities on ``1'x``, whose Newton term is the rank-one
    ``rho 11'`` (Sherman-Morrison).

    Stops when the Frank-Wolfe gap of the iterate (which is strictly feasible)
    is below ``INTERIOR_POINT_EXTRA_ACCURACY * tol`` (relative); returns
    ``(x, Q @ x, n_iter)`` with the last iterate certified to ``tol``, or
    ``(None, None, n_iter)`` when none was (the slab has no interior, a
    factorisation failed, ``max_iter`` was reached first).
    """
    n = c.shape[0]
    scale_sum = max(1.0, upper_sum)
    if upper_sum - lower_sum <= 1e-12 * scale_sum or lower_sum >= n * upper:
        return None, None, 0
    # strictly feasible start: the same value in every coordinate
    low, high = max(lower_sum / n, 0.0), min(upper_sum / n, upper)
    x = np.full(n, 0.5 * (low + high))
    grad = Q @ x - c
    dual_scale = max(1.0, float(np.max(np.abs(grad))))
    lam = np.full(n, dual_scale)  # multiplier of x >= 0
    nu = np.full(n, dual_scale)  # of upper - x >= 0
    alpha = beta = dual_scale  # of 1'x - lower_sum >= 0, upper_sum - 1'x >= 0
    ones = np.ones(n)
    n_constraints = 2 * n + 2
    diagonal = np.einsum("ii->i", Q)
    ridge = 1e-14 * max(float(np.max(diagonal, initial=0.0)), 1e-300)
    certified = (None, None)
    for n_iter in range(1, max_iter + 1):
        Qx = Q @ x
        objective, gap = _certify(Qx, c, x, upper, lower_sum, upper_sum)
        if gap <= tol * max(1.0, abs(objective)):
            certified = (x, Qx)
            # Newton's convergence is quadratic by now: a few more steps
            # buy an objective far inside the tolerance
            if gap <= INTERIOR_POINT_EXTRA_ACCURACY * tol * max(1.0, abs(objective)):
                return x, Qx, n_iter
        total = x.sum()
        g = (x, upper - x, total - lower_sum, upper_sum - total)
        duals = (lam, nu, alpha, beta)
        mu = (lam @ g[0] + nu @ g[1] + alpha * g[2] + beta * g[3]) / n_constraints
        residual = Qx - c - lam + nu - alpha + beta
        D = lam / g[0] + nu / g[1]
        rho = alpha / g[2] + beta / g[3]
        try:
            factor = cho_factor(Q + np.diag(D + ridge), check_finite=False)
        except LinAlgError:
            return *certified, n_iter
        w = cho_solve(factor, ones, check_finite=False)

        def newton(targets, factor=factor, w=w, rho=rho, g=g, duals=duals, r=residual):
            # targets: the wanted products (dual * slack) after the step
            t_l, t_u, t_a, t_b = targets
            rhs = (
                -r
                + (t_l / g[0] - duals[0])
                - (t_u / g[1] - duals[1])
                + (t_a / g[2] - duals[2])
                - (t_b / g[3] - duals[3])
            )
            v = cho_solve(factor, rhs, check_finite=False)
            dx = v - w * (rho * v.sum() / (1.0 + rho * w.sum()))
            ds = dx.sum()
            d_lam = (t_l - duals[0] * g[0] - duals[0] * dx) / g[0]
            d_nu = (t_u - duals[1] * g[1] + duals[1] * dx) / g[1]
            d_alpha = (t_a - duals[2] * g[2] - duals[2] * ds) / g[2]
            d_beta = (t_b - duals[3] * g[3] + duals[3] * ds) / g[3]
            return dx, ds, d_lam, d_nu, d_alpha, d_beta

        def step_length(step, fraction, g=g, duals=duals):
            dx, ds, d_lam, d_nu, d_alpha, d_beta = step
            pairs = (
                (g[0], dx),
                (g[1], -dx),
                (np.array([g[2]]), np.array([ds])),
                (np.array([g[3]]), np.array([-ds])),
                (duals[0], d_lam),
                (duals[1], d_nu),
                (np.array([duals[2]]), np.array([d_alpha])),
                (np.array([duals[3]]), np.array([d_beta])),
            )
            length = 1.0
            for value, change in pairs:
                shrinking = change < 0
                if shrinking.any():
                    ratio = float(np.min(-value[shrinking] / change[shrinking]))
                    length = min(length, fraction * ratio)
            return length

        # predictor (affine scaling), then the centring-corrector
        zero = (np.zeros(n), np.zeros(n), 0.0, 0.0)
        affine = newton(zero)
        a = step_length(affine, 1.0)
        dx, ds = affine[0], affine[1]
        g_aff = (g[0] + a * dx, g[1] - a * dx, g[2] + a * ds, g[3] - a * ds)
        d_aff = tuple(d + a * s for d, s in zip(duals, affine[2:]))
        mu_aff = sum(float(np.sum(d * s)) for d, s in zip(d_aff, g_aff))
        sigma = (mu_aff / n_constraints / mu) ** 3
        corrector = (
            sigma * mu - affine[2] * dx,
            sigma * mu + affine[3] * dx,
            sigma * mu - affine[4] * ds,
            sigma * mu + affine[5] * ds,
        )
        step = newton(corrector)
        a = step_length(step, 0.995)
        dx, ds, d_lam, d_nu, d_alpha, d_beta = step
        x = x + a * dx
        lam = lam + a * d_lam
        nu = nu + a * d_nu
        alpha = alpha + a * d_alpha
        beta = beta + a * d_beta
        if not np.all(np.isfinite(x)):
            return *certified, n_iter
    return *certified, max_iter


def _certify(Qx, c, x, upper, lower_sum, upper_sum):
    grad = Qx - c
    objective = float(0.5 * x @ Qx - c @ x)
    s = box_slab_linear_minimizer(grad, upper, lower_sum, upper_sum)
    return objective, max(float(grad @ (x - s)), 0.0)


def solve_box_slab_qp(
    quadratic,
    c,
    upper,
    lower_sum,
    upper_sum,
    *,
    max_iter=200,
    tol=1e-6,
    working_set_size=300,
    max_cg=50,
    n_projected_steps=1,
    max_active_set_iter=100,
):
    """Minimise ``0.5 x'Qx - c'x`` over the box-slab set.

    The set is ``{0 <= x <= upper, lower_sum <= sum(x) <= upper_sum}``.

    With a dense ``Q`` (:class:`DenseQuadratic`), a primal-dual active-set
    method runs first: it guesses which coordinates sit at 0, at ``upper``
    or strictly between, solves the free block exactly by a Cholesky
    factorisation, and corrects the guess from the signs of the solution and
    of the multipliers until the KKT conditions hold (about ten
    factorisations of a block the size of the support on KMM problems). Its
    result is accepted only when the Frank-Wolfe gap certifies it; when the
    method stalls (it can cycle on nearly singular or bound-dominated
    problems) the gradient-projection solver below takes over.

    The solutions of Kernel Mean Matching are sparse (far-from-target
    source points get weight 0), so the gradient-projection solver works on
    a working set of coordinates, the others held at 0: an inner
    gradient-projection /
    conjugate-gradient solver (in the spirit of GPCG, Moré & Toraldo 1991)
    works on the working-set block of ``Q`` only; then one product with the
    full matrix checks optimality on all coordinates and adds the ones whose
    reduced cost says they want to leave 0. The loop ends when the
    Frank-Wolfe gap of the *full* problem, an upper bound on
    ``objective - optimum``, is at most ``tol * max(1, |objective|)``.

    Parameters
    ----------
    quadratic : DenseQuadratic or FactorQuadratic
        The PSD matrix ``Q``.
    c : ndarray of shape (n,)
        Linear term.
    upper : float
        Coordinate upper bound.
    lower_sum, upper_sum : float
        Bounds on ``sum(x)``; the set must be non-empty.
    max_iter : int, default=200
        Maximum number of inner (outer-loop of the face solver) iterations,
        summed over the working-set rounds.
    tol : float, default=1e-6
        Relative tolerance on the duality gap.
    working_set_size : int, default=300
        Size of the first working set, and the most coordinates added per
        round.
    max_cg, n_projected_steps : int
        Passed to the inner solver.
    max_active_set_iter : int, default=100
        Most iterations of the active-set method (dense ``Q`` only); they
        count toward ``max_iter``.

    Returns
    -------
    result : BoxSlabQPResult
    """
    c = np.asarray(c, dtype=np.float64)
    n = c.shape[0]
    lower_sum = max(float(lower_sum), 0.0)
    upper_sum = min(float(upper_sum), n * float(upper))
    upper = float(upper)
    if isinstance(quadratic, DenseQuadratic):
        # Exact active-set solve first, from the coordinates with the largest
        # kernel-density ratio c_i / (Q 1)_i (for KMM, the ratio of the
        # target and source kernel sums) free; certified by the duality gap.
        ones_product = quadratic.matvec(np.ones(n))
        ratio = c / np.maximum(ones_product, np.finfo(np.float64).tiny)
        free0 = np.argsort(-ratio, kind="stable")[:working_set_size]
        x, Qx, n_active_set = _active_set_dense(
            quadratic,
            c,
            upper,
            lower_sum,
            upper_sum,
            free0,
            max_iter=min(max_iter, max_active_set_iter),
        )
        if x is not None:
            objective, gap = _certify(Qx, c, x, upper, lower_sum, upper_sum)
            if gap <= tol * max(1.0, abs(objective)):
                return BoxSlabQPResult(
                    x=x,
                    objective=objective,
                    gap=gap,
                    n_iter=n_active_set,
                    converged=True,
                )
        if n <= INTERIOR_POINT_MAX_SIZE:
            x, Qx, n_interior = _interior_point_dense(
                quadratic.Q,
                c,
                upper,
                lower_sum,
                upper_sum,
                max_iter=max(1, min(80, max_iter - n_active_set)),
                tol=tol,
            )
            n_active_set += n_interior
            if x is not None:
                objective, gap = _certify(Qx, c, x, upper, lower_sum, upper_sum)
                return BoxSlabQPResult(
                    x=x,
                    objective=objective,
                    gap=gap,
                    n_iter=n_active_set,
                    converged=True,
                )
        result = _solve_working_set(
            quadratic,
            c,
            upper,
            lower_sum,
            upper_sum,
            max_iter=max(1, max_iter - n_active_set),
            tol=tol,
            working_set_size=working_set_size,
            max_cg=max_cg,
            n_projected_steps=n_projected_steps,
        )
        result.n_iter += n_active_set
        return result
    return _solve_working_set(
        quadratic,
        c,
        upper,
        lower_sum,
        upper_sum,
        max_iter=max_iter,
        tol=tol,
        working_set_size=working_set_size,
        max_cg=max_cg,
        n_projected_steps=n_projected_steps,
    )


def _solve_working_set(
    quadratic,
    c,
    upper,
    lower_sum,
    upper_sum,
    *,
    max_iter,
    tol,
    working_set_size,
    max_cg,
    n_projected_steps,
):
    """The gradient-projection solver on a growing working set."""
    n = c.shape[0]
    if working_set_size >= n:
        return _gpcg(
            quadratic,
            c,
            upper,
            lower_sum,
            upper_sum,
            max_iter=max_iter,
            tol=tol,
            max_cg=max_cg,
            n_projected_steps=n_projected_steps,
        )
    # First working set: the coordinates whose gradient at x = 1 is most
    # negative (the source points the linear term pulls hardest).
    grad_at_ones = quadratic.matvec(np.ones(n)) - c
    in_set = np.zeros(n, dtype=bool)
    in_set[np.argsort(grad_at_ones, kind="stable")[:working_set_size]] = True
    # Start from the kernel-density ratio c_i / (Q 1)_i (for KMM, the ratio
    # of the target and source kernel sums), a cheap guess of the weights.
    density_ratio = c / np.maximum(grad_at_ones + c, np.finfo(np.float64).tiny)
    # Full-length start; coordinates added to the working set start at 0.
    x_start = np.where(in_set, density_ratio, 0.0)
    total_iter = 0
    while True:
        index = np.flatnonzero(in_set)
        sub_lower = lower_sum
        sub_upper = min(upper_sum, index.size * float(upper))
        if sub_lower > sub_upper:
            # The working set is too small to hold the required mass.
            extra = np.flatnonzero(~in_set)[: int(np.ceil(sub_lower / upper))]
            in_set[extra] = True
            continue
        inner = _gpcg(
            quadratic.restrict(index),
            c[index],
            upper,
            sub_lower,
            sub_upper,
            x0=x_start[index],
            max_iter=max(1, max_iter - total_iter),
            tol=tol,
            max_cg=max_cg,
            n_projected_steps=n_projected_steps,
        )
        total_iter += inner.n_iter
        x = np.zeros(n)
        x[index] = inner.x
        support = index[inner.x > 0]
        Qx = quadratic.columns_matvec(support, x[support])
        grad = Qx - c
        objective = 0.5 * x @ Qx - c @ x
        s = box_slab_linear_minimizer(grad, upper, lower_sum, upper_sum)
        gap = max(float(grad @ (x - s)), 0.0)
        converged = gap <= tol * max(1.0, abs(objective))
        outside = np.flatnonzero(~in_set)
        if converged or total_iter >= max_iter or outside.size == 0:
            break
        # Reduced costs with the multiplier of the sum constraint estimated
        # on the free coordinates; a coordinate at 0 with a negative reduced
        # cost would enter the support.
        free = (x > 0) & (x < upper)
        multiplier = -float(np.median(grad[free])) if free.any() else 0.0
        reduced = grad[outside] + multiplier
        violators = outside[reduced < 0]
        if violators.size == 0:
            # Gap not yet closed inside the set: take the most attractive
            # outside coordinates anyway.
            violators = outside
        order = np.argsort(grad[violators], kind="stable")
        in_set[violators[order[:working_set_size]]] = True
        x_start = x
    return BoxSlabQPResult(
        x=x,
        objective=float(objective),
        gap=float(gap),
        n_iter=total_iter,
        converged=bool(converged),
    )
