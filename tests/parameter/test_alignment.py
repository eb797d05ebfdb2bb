"""Deep CORAL, DAN's multi-kernel MMD and DANN's pieces (torch)."""

import doctest
import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
cp = pytest.importorskip("cvxpy")

from tests.parameter._torch_helpers import (  # noqa: E402, F401
    ATOL,
    DTYPES,
    _gen,
    _t,
    torch_global_state_unchanged,
)
from transferkit.metrics import coral_distance, mmd2  # noqa: E402
from transferkit.parameter import _alignment  # noqa: E402
from transferkit.parameter._alignment import (  # noqa: E402
    DomainDiscriminator,
    MultiKernelMMD,
    coral_loss,
    dann_lambda,
    dann_learning_rate,
    domain_adversarial_loss,
    gaussian_gammas,
    gradient_reversal,
    mmd2_linear,
    mmd2_linear_terms,
    mmd2_unbiased,
    solve_kernel_weights,
)

# --------------------------------------------------------------------------
# Deep CORAL
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_coral_loss_hand_computed(dtype):
    # source: mean (1, 1), centred rows (-1,-1), (1,-1), (0,2):
    #   C_s = [[2, 0], [0, 6]] / (3 - 1) = [[1, 0], [0, 3]]
    # target: mean (1, 1), centred rows (-1,-1), (0,0), (1,1):
    #   C_t = [[2, 2], [2, 2]] / 2 = [[1, 1], [1, 1]]
    # C_s - C_t = [[0, -1], [-1, 2]]: ||.||_F^2 = 6; loss = 6 / (4 * 2^2) = 0.375
    xs = _t([[0.0, 0.0], [2.0, 0.0], [1.0, 3.0]], dtype)
    xt = _t([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], dtype)
    loss = coral_loss(xs, xt)
    assert loss.dtype == dtype and loss.ndim == 0
    assert float(loss) == pytest.approx(0.375, abs=ATOL[dtype])
    assert float(loss) == pytest.approx(coral_distance(xs.numpy(), xt.numpy()))


@pytest.mark.parametrize("dtype", DTYPES)
def test_coral_loss_zero_for_equal_covariance(dtype):
    xs = torch.randn(50, 4, generator=_gen(), dtype=dtype)
    # a translation and a sign flip of every row keep the covariance
    assert float(coral_loss(xs, -xs + 5.0)) == pytest.approx(0.0, abs=ATOL[dtype])
    assert float(coral_loss(xs, 2.0 * xs)) > 0.1


def test_coral_loss_gradient():
    xs = torch.randn(6, 3, generator=_gen(1), dtype=torch.float64, requires_grad=True)
    xt = torch.randn(5, 3, generator=_gen(2), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(coral_loss, (xs, xt))


def test_coral_loss_bad_input():
    x = torch.zeros(4, 3)
    with pytest.raises(ValueError, match="source_features needs at least 2 rows"):
        coral_loss(torch.zeros(1, 3), x)
    with pytest.raises(ValueError, match="same number of features"):
        coral_loss(x, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="target_features must be a 2-D"):
        coral_loss(x, torch.zeros(4))
    with pytest.raises(TypeError, match="same dtype"):
        coral_loss(x, x.double())
    with pytest.raises(TypeError, match="torch.Tensor"):
        coral_loss(np.zeros((4, 3)), x)


# --------------------------------------------------------------------------
# DAN: kernels, estimates
# --------------------------------------------------------------------------


def test_gaussian_gammas_ladder():
    # pooled rows 0, 1, 3: squared distances 1, 9, 4 -> median 4, mean 14/3
    s, t = _t([[0.0], [1.0]]), _t([[3.0]])
    median = gaussian_gammas(s, t, n_kernels=5, kernel_mul=2.0)
    np.testing.assert_allclose(median.numpy(), 1.0 / (4.0 * 2.0 ** np.arange(-2, 3)))
    mean = gaussian_gammas(s, t, n_kernels=3, kernel_mul=3.0, bandwidth="mean")
    np.testing.assert_allclose(
        mean.numpy(), 1.0 / (14.0 / 3.0 * 3.0 ** np.arange(-1, 2))
    )
    fixed = gaussian_gammas(s, t, n_kernels=1, bandwidth=0.5)
    np.testing.assert_allclose(fixed.numpy(), [2.0])
    # all rows equal: the base bandwidth falls back to 1
    same = gaussian_gammas(_t([[1.0], [1.0]]), _t([[1.0]]), n_kernels=1)
    np.testing.assert_allclose(same.numpy(), [1.0])
    assert not median.requires_grad
    with pytest.raises(ValueError, match="bandwidth must be"):
        gaussian_gammas(s, t, bandwidth="max")
    with pytest.raises(ValueError, match="n_kernels must be at least 1"):
        gaussian_gammas(s, t, n_kernels=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_terms_hand_computed(dtype):
    # the odd source row [5, 5] is dropped: one quad-tuple
    # (s1, s2, t1, t2) = ((0,0), (1,0), (0,1), (1,1)); squared distances:
    #   s1-s2: 1, t1-t2: 1, s1-t2: 2, s2-t1: 2
    # g(gamma) = 2 exp(-gamma) - 2 exp(-2 gamma)
    xs = _t([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]], dtype)
    xt = _t([[0.0, 1.0], [1.0, 1.0]], dtype)
    terms = mmd2_linear_terms(xs, xt, [1.0, 0.5])
    expected = [
        2 * math.exp(-1.0) - 2 * math.exp(-2.0),
        2 * math.exp(-0.5) - 2 * math.exp(-1.0),
    ]
    assert terms.shape == (1, 2) and terms.dtype == dtype
    np.testing.assert_allclose(terms[0].numpy(), expected, atol=ATOL[dtype])
    value = mmd2_linear(xs, xt, [1.0, 0.5], [0.25, 0.75])
    assert float(value) == pytest.approx(
        0.25 * expected[0] + 0.75 * expected[1], abs=ATOL[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_unbiased_estimate_hand_computed(dtype):
    # s = 0, 1; t = 2, 4; gamma = 1:
    #   within s: k(0,1) = e^-1 (over 2*1 ordered pairs, twice): e^-1
    #   within t: k(2,4) = e^-4
    #   cross mean: (e^-4 + e^-16 + e^-1 + e^-9) / 4
    s, t = _t([[0.0], [1.0]], dtype), _t([[2.0], [4.0]], dtype)
    e = math.exp
    expected = e(-1) + e(-4) - 2 * (e(-4) + e(-16) + e(-1) + e(-9)) / 4
    value = mmd2_unbiased(s, t, [1.0], [1.0])
    assert value.dtype == dtype
    assert float(value) == pytest.approx(expected, abs=ATOL[dtype])


@pytest.mark.parametrize("gamma", [0.1, 1.0])
def test_unbiased_estimate_matches_metrics_mmd2(gamma):
    rng = np.random.default_rng(0)
    xs, xt = rng.normal(size=(30, 3)), rng.normal(0.5, size=(25, 3))
    ours = mmd2_unbiased(torch.from_numpy(xs), torch.from_numpy(xt), [gamma], [1.0])
    assert float(ours) == pytest.approx(mmd2(xs, xt, gamma=gamma), rel=1e-10)
    # and a two-kernel combination is the same combination of single kernels
    both = mmd2_unbiased(
        torch.from_numpy(xs), torch.from_numpy(xt), [gamma, 2.0], [0.3, 0.7]
    )
    expected = 0.3 * mmd2(xs, xt, gamma=gamma) + 0.7 * mmd2(xs, xt, gamma=2.0)
    assert float(both) == pytest.approx(expected, rel=1e-10)


def test_linear_estimate_averaged_over_orders_is_the_unbiased_estimate():
    """Over every order of the rows, the linear estimate averages to the U-statistic.

    Each quad-tuple term has expectation ``mean_{a != b} Kss + mean_{a != b} Ktt
    - 2 mean Kst`` under a random order, exactly the quadratic estimate. Here
    5 source rows (one dropped each time) and 4 target rows: 120 * 24 orders.
    """
    g = _gen(3)
    xs = torch.randn(5, 2, generator=g, dtype=torch.float64)
    xt = torch.randn(4, 2, generator=g, dtype=torch.float64) + 0.7
    gammas, beta = [0.3, 1.2], [0.4, 0.6]
    source_orders = torch.tensor(list(itertools.permutations(range(5))))
    target_orders = torch.tensor(list(itertools.permutations(range(4))))
    total = 0.0
    for ps in source_orders:
        for pt in target_orders:
            total += float(mmd2_linear(xs[ps], xt[pt], gammas, beta))
    average = total / (len(source_orders) * len(target_orders))
    assert average == pytest.approx(
        float(mmd2_unbiased(xs, xt, gammas, beta)), rel=1e-10
    )


def test_linear_estimate_is_unbiased_on_random_draws():
    """Fresh draws: linear and quadratic estimates agree in mean (4 std errors)."""
    g = _gen(4)
    gammas, beta = [0.25, 1.0], [0.5, 0.5]
    differences, linear = [], []
    for _ in range(1500):
        xs = torch.randn(8, 2, generator=g, dtype=torch.float64)
        xt = torch.randn(8, 2, generator=g, dtype=torch.float64) + 0.8
        lin = float(mmd2_linear(xs, xt, gammas, beta))
        linear.append(lin)
        differences.append(lin - float(mmd2_unbiased(xs, xt, gammas, beta)))
    differences = np.asarray(differences)
    standard_error = differences.std(ddof=1) / math.sqrt(len(differences))
    assert abs(differences.mean()) < 4 * standard_error
    assert np.mean(linear) > 10 * standard_error  # the shift is detected


@pytest.mark.parametrize("dtype", DTYPES)
def test_mmd_zero_for_equal_and_positive_for_shifted(dtype):
    """Within 3 standard errors of 0 for one distribution, 10 away for a shift."""
    g = _gen(5)
    mmd = MultiKernelMMD()
    xs = torch.randn(1000, 3, generator=g, dtype=dtype)
    same = torch.randn(1000, 3, generator=g, dtype=dtype)
    moved = torch.randn(1000, 3, generator=g, dtype=dtype) + 1.0

    def standard_error(a, b):
        terms = mmd2_linear_terms(a, b, mmd.gammas(a, b)) @ torch.tensor(
            mmd.beta_, dtype=dtype
        )
        return float(terms.std() / math.sqrt(terms.shape[0]))

    equal, shifted = mmd(xs, same), mmd(xs, moved)
    assert equal.dtype == dtype and shifted.dtype == dtype
    assert abs(float(equal)) < 3 * standard_error(xs, same)
    assert float(shifted) > 10 * standard_error(xs, moved)
    assert float(shifted) > 0.1


def test_mmd_gradient_and_forward_uses_beta():
    g = _gen(6)
    xs = torch.randn(6, 2, generator=g, dtype=torch.float64, requires_grad=True)
    xt = torch.randn(7, 2, generator=g, dtype=torch.float64, requires_grad=True)
    mmd = MultiKernelMMD(n_kernels=3)
    mmd.beta_ = np.array([0.2, 0.5, 0.3])
    gammas = mmd.gammas(xs, xt)
    assert float(mmd(xs, xt).detach()) == pytest.approx(
        float(mmd2_linear(xs, xt, gammas, [0.2, 0.5, 0.3]).detach()), rel=1e-12
    )
    # bandwidths fixed (as the module detaches them): gradcheck the estimate
    assert torch.autograd.gradcheck(
        lambda a, b: mmd2_linear(a, b, gammas, mmd.beta_), (xs, xt)
    )
    assert torch.autograd.gradcheck(
        lambda a, b: mmd2_unbiased(a, b, gammas, mmd.beta_), (xs, xt)
    )


def test_mmd_needs_two_rows():
    mmd = MultiKernelMMD()
    with pytest.raises(ValueError, match="target_features needs at least 2 rows"):
        mmd(torch.zeros(4, 2), torch.zeros(1, 2))
    with pytest.raises(ValueError, match="beta must be a vector of length 2"):
        mmd2_linear(torch.zeros(4, 2), torch.zeros(4, 2), [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="n_kernels must be at least 1"):
        MultiKernelMMD(n_kernels=0)


# --------------------------------------------------------------------------
# DAN: the kernel-weight QP
# --------------------------------------------------------------------------


def _cvxpy_weights(d, Q, eps):
    beta = cp.Variable(len(d))
    M = 0.5 * (Q + Q.T) + eps * np.eye(len(d))
    problem = cp.Problem(
        cp.Minimize(cp.quad_form(beta, cp.psd_wrap(M))), [d @ beta == 1, beta >= 0]
    )
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == cp.OPTIMAL
    return np.asarray(beta.value)


def _random_qp(rng, k, negative=0):
    A = rng.normal(size=(k, 2 * k))
    Q = A @ A.T / (2 * k)
    d = rng.uniform(0.1, 1.0, size=k)
    d[:negative] *= -1.0
    return d, Q


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("negative", [0, 2])
def test_kernel_weights_match_cvxpy(seed, negative):
    rng = np.random.default_rng(seed)
    d, Q = _random_qp(rng, 5, negative)
    ours = solve_kernel_weights(d, Q, eps=1e-3)
    reference = _cvxpy_weights(d, Q, 1e-3)
    assert ours @ d == pytest.approx(1.0)
    assert np.all(ours >= 0)
    np.testing.assert_allclose(ours, reference, atol=1e-6)
    M = Q + 1e-3 * np.eye(5)
    assert ours @ M @ ours <= reference @ M @ reference + 1e-9


def test_kernel_weights_many_kernels_use_slsqp_and_match_cvxpy():
    rng = np.random.default_rng(10)
    d, Q = _random_qp(rng, 14, negative=3)
    assert 14 > _alignment._MAX_ENUMERATED_KERNELS
    ours = solve_kernel_weights(d, Q, eps=1e-4)
    np.testing.assert_allclose(ours, _cvxpy_weights(d, Q, 1e-4), atol=1e-5)


def test_kernel_weights_hand_computed():
    # Q = diag(1, 4), eps = 0, d = (1, 1): minimise b1^2 + 4 b2^2 on b1 + b2 = 1:
    # b = (4, 1) / 5. With d = (1, -1) only the first kernel can carry: b = (1, 0).
    np.testing.assert_allclose(
        solve_kernel_weights([1.0, 1.0], np.diag([1.0, 4.0]), eps=0.0), [0.8, 0.2]
    )
    np.testing.assert_allclose(
        solve_kernel_weights([1.0, -1.0], np.diag([1.0, 4.0]), eps=0.0), [1.0, 0.0]
    )
    with pytest.raises(ValueError, match="at least one positive"):
        solve_kernel_weights([-1.0, 0.0], np.eye(2))
    with pytest.raises(ValueError, match="Q must have shape"):
        solve_kernel_weights([1.0, 0.0], np.eye(3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_update_beta_solves_the_qp_on_the_batch(dtype):
    g = _gen(7)
    xs = torch.randn(200, 3, generator=g, dtype=dtype)
    xt = torch.randn(200, 3, generator=g, dtype=dtype) * 2.0 + 1.0
    mmd = MultiKernelMMD(eps=1e-3)
    mmd.update_beta(xs, xt)
    terms = mmd2_linear_terms(xs, xt, mmd.gammas(xs, xt)).double().numpy()
    assert np.all(terms.mean(axis=0) > 0)
    reference = _cvxpy_weights(terms.mean(axis=0), np.cov(terms.T), 1e-3)
    assert isinstance(mmd.beta_, np.ndarray) and mmd.beta_.dtype == np.float64
    assert mmd.beta_.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(mmd.beta_, reference / reference.sum(), atol=1e-5)
    assert not np.allclose(mmd.beta_, 0.2)
    assert mmd(xs, xt).dtype == dtype


def test_update_beta_keeps_weights_without_positive_estimate():
    x = torch.randn(8, 2, generator=_gen(8))
    mmd = MultiKernelMMD(n_kernels=3)
    mmd.update_beta(x, x)  # every quad-tuple term is exactly zero
    np.testing.assert_allclose(mmd.beta_, [1 / 3] * 3)
    with pytest.raises(ValueError, match="at least 4 rows"):
        mmd.update_beta(x[:3], x)


# --------------------------------------------------------------------------
# DANN
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0, 2.5])
def test_gradient_reversal_negates_and_scales(dtype, lam):
    x = torch.randn(3, 2, generator=_gen(9), dtype=dtype, requires_grad=True)
    weights = torch.randn(3, 2, generator=_gen(10), dtype=dtype)
    y = gradient_reversal(x, lam)
    assert torch.equal(y, x)
    (y * weights).sum().backward()
    assert torch.equal(x.grad, -lam * weights)


def test_gradient_reversal_leaves_other_paths_alone():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x.sum() + gradient_reversal(x, 2.0).sum()).backward()
    assert x.grad.tolist() == [-1.0, -1.0]  # 1 - 2
    with pytest.raises(ValueError, match="lambda_ must be a finite number"):
        gradient_reversal(x, float("nan"))


def test_dann_schedules():
    assert dann_lambda(0.0) == 0.0
    assert dann_lambda(1.0) == pytest.approx(0.9999, abs=5e-5)
    assert dann_lambda(1.0) == pytest.approx(2 / (1 + math.exp(-10)) - 1)
    assert dann_lambda(0.5, gamma=2.0) == pytest.approx(2 / (1 + math.exp(-1)) - 1)
    assert np.all(np.diff([dann_lambda(p) for p in np.linspace(0, 1, 11)]) > 0)
    assert dann_learning_rate(0.01, 0.0) == 0.01
    # 0.01 / (1 + 10 * 0.5) ** 0.75 = 0.01 / 6 ** 0.75
    assert dann_learning_rate(0.01, 0.5) == pytest.approx(0.01 / 6**0.75)
    assert dann_learning_rate(1.0, 1.0, alpha=1.0, beta=1.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="progress must be a number in"):
        dann_lambda(1.5)
    with pytest.raises(ValueError, match="progress must be a number in"):
        dann_learning_rate(0.01, -0.1)


def test_domain_discriminator_architecture_and_seeding():
    disc = DomainDiscriminator(8, generator=_gen(0))
    linear = [m for m in disc.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(8, 100), (100, 1)]
    assert not any(isinstance(m, torch.nn.Dropout) for m in disc.modules())
    same = DomainDiscriminator(8, generator=_gen(0))
    for a, b in zip(disc.parameters(), same.parameters()):
        assert torch.equal(a, b)
    bound = 1 / math.sqrt(8)  # torch's default nn.Linear ranges
    assert float(linear[0].weight.detach().abs().max()) <= bound
    assert float(linear[0].bias.detach().abs().max()) <= bound
    deep = DomainDiscriminator(16, hidden=(1024, 1024), dropout=0.5, generator=_gen(1))
    widths = [m.out_features for m in deep.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [1024, 1024, 1]
    assert sum(isinstance(m, torch.nn.Dropout) for m in deep.modules()) == 2
    assert deep.eval()(torch.zeros(5, 16)).shape == (5,)  # eval: no dropout draws
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        DomainDiscriminator(0)
    with pytest.raises(ValueError, match="dropout must be in"):
        DomainDiscriminator(3, dropout=1.0)


def test_domain_discriminator_default_generator_is_torch_global():
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(123)
        a = DomainDiscriminator(4)
        torch.manual_seed(123)
        b = DomainDiscriminator(4)
    finally:
        torch.random.set_rng_state(state)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("dtype", DTYPES)
def test_domain_adversarial_loss_hand_computed(dtype):
    # discriminator: logit = first feature. Source logits 0 and 1 (label 0):
    #   BCE = log(1 + e^z): log 2, log(1 + e); target logit 2 (label 1):
    #   BCE = log(1 + e^-2). Loss = (log 2 + log(1 + e)) / 2 + log(1 + e^-2).
    xs = _t([[0.0, 5.0], [1.0, -5.0]], dtype, grad=True)
    xt = _t([[2.0, 0.0]], dtype, grad=True)
    lam = 0.5
    loss = domain_adversarial_loss(lambda f: f[:, 0], xs, xt, lam)
    expected = (math.log(2) + math.log1p(math.e)) / 2 + math.log1p(math.exp(-2))
    assert loss.dtype == dtype
    assert float(loss.detach()) == pytest.approx(expected, abs=ATOL[dtype])
    loss.backward()
    # d loss / d logit: sigmoid(z) / 2 on the source, (sigmoid(z) - 1) / 1 on
    # the target; the features receive -lambda times that, on column 0 only
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    np.testing.assert_allclose(
        xs.grad.numpy(),
        [[-lam * sig(0) / 2, 0.0], [-lam * sig(1) / 2, 0.0]],
        atol=ATOL[dtype],
    )
    np.testing.assert_allclose(
        xt.grad.numpy(), [[-lam * (sig(2) - 1), 0.0]], atol=ATOL[dtype]
    )


def test_domain_adversarial_loss_discriminator_gets_plain_gradient():
    g = _gen(11)
    xs = torch.randn(6, 4, generator=g, dtype=torch.float64)
    xt = torch.randn(3, 4, generator=g, dtype=torch.float64) + 1.0
    disc = DomainDiscriminator(4, hidden=(5,), generator=_gen(12)).double()
    domain_adversarial_loss(disc, xs, xt, 0.7).backward()
    reversed_grads = [p.grad.clone() for p in disc.parameters()]
    disc.zero_grad()
    logits = disc(torch.cat([xs, xt]))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    plain = bce(logits[:6], torch.zeros(6, dtype=torch.float64)) + bce(
        logits[6:], torch.ones(3, dtype=torch.float64)
    )
    plain.backward()
    for a, p in zip(reversed_grads, disc.parameters()):
        torch.testing.assert_close(a, p.grad, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="one logit per sample"):
        domain_adversarial_loss(lambda f: f, xs, xt, 1.0)


def test_docstring_examples_run():
    state = torch.random.get_rng_state()
    result = doctest.testmod(_alignment, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10
    assert torch.equal(torch.random.get_rng_state(), state)
