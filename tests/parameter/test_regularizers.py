"""Penalties towards the source model: L2-SP, BSS, DELTA, LwF (torch)."""

import doctest
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.parameter._torch_helpers import (  # noqa: E402, F401
    ATOL,
    DTYPES,
    _gen,
    _t,
    torch_global_state_unchanged,
)
from transferkit.parameter import _regularizers  # noqa: E402
from transferkit.parameter._regularizers import (  # noqa: E402
    bss_penalty,
    delta_channel_weights,
    delta_penalty,
    l2_sp_penalty,
    lwf_loss,
)


def _value(tensor):
    return float(tensor.detach())


# --------------------------------------------------------------------------
# L2-SP
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_l2_sp_hand_computed(dtype):
    # body: w1 - w1_0 = (1, -2) -> 5; w2 - w2_0 = [[0.5]] -> 0.25; total 5.25
    # head: ||(1, 2)||^2 + ||3||^2 = 5 + 9 = 14
    # alpha/2 * 5.25 + beta/2 * 14 = 0.1 * 5.25 + 0.05 * 14 = 0.525 + 0.7 = 1.225
    w1, w1_0 = _t([1.0, 0.0], dtype, True), _t([0.0, 2.0], dtype)
    w2, w2_0 = _t([[1.5]], dtype, True), _t([[1.0]], dtype)
    head = [_t([1.0, 2.0], dtype, True), _t([3.0], dtype, True)]
    penalty = l2_sp_penalty([w1, w2], [w1_0, w2_0], head, alpha=0.2, beta=0.1)
    assert penalty.dtype == dtype and penalty.ndim == 0
    assert _value(penalty) == pytest.approx(1.225, abs=ATOL[dtype])
    penalty.backward()
    # gradients: alpha (w - w0) on the body, beta w on the head
    np.testing.assert_allclose(w1.grad.numpy(), [0.2, -0.4], atol=ATOL[dtype])
    np.testing.assert_allclose(w2.grad.numpy(), [[0.1]], atol=ATOL[dtype])
    np.testing.assert_allclose(head[0].grad.numpy(), [0.1, 0.2], atol=ATOL[dtype])
    np.testing.assert_allclose(head[1].grad.numpy(), [0.3], atol=ATOL[dtype])


def test_l2_sp_start_is_a_constant_and_empty_lists():
    w = _t([1.0], grad=True)
    w0 = _t([3.0], grad=True)  # even if it asks for a gradient
    l2_sp_penalty([w], [w0], [], alpha=1.0, beta=1.0).backward()
    assert w0.grad is None
    assert w.grad.tolist() == [-2.0]
    assert _value(l2_sp_penalty([], [], [], alpha=1.0, beta=1.0)) == 0.0
    # head only: plain weight decay
    assert _value(l2_sp_penalty([], [], [_t([2.0])], 1.0, 0.5)) == 1.0


def test_l2_sp_gradcheck():
    g = _gen(0)
    w = torch.randn(3, 2, generator=g, dtype=torch.float64, requires_grad=True)
    w0 = torch.randn(3, 2, generator=g, dtype=torch.float64)
    h = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, b: l2_sp_penalty([a], [w0], [b], alpha=0.3, beta=0.7), (w, h)
    )


def test_l2_sp_bad_input():
    w = _t([1.0])
    with pytest.raises(ValueError, match="same length"):
        l2_sp_penalty([w, w], [w], [], 1.0, 1.0)
    with pytest.raises(ValueError, match=r"parameters\[0\] has shape \(1,\)"):
        l2_sp_penalty([w], [_t([1.0, 2.0])], [], 1.0, 1.0)
    with pytest.raises(ValueError, match="alpha must be a non-negative number"):
        l2_sp_penalty([w], [w], [], -1.0, 1.0)
    with pytest.raises(TypeError, match="list of tensors"):
        l2_sp_penalty(w, [w], [], 1.0, 1.0)


# --------------------------------------------------------------------------
# BSS
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_bss_hand_computed(dtype):
    # F^T F = [[5, 4], [4, 5]]: eigenvalues 9 and 1, so sigma = 3 and 1
    features = _t([[2.0, 1.0], [1.0, 2.0], [0.0, 0.0]], dtype)
    assert _value(bss_penalty(features)) == pytest.approx(1.0, abs=ATOL[dtype])
    assert _value(bss_penalty(features, k=2)) == pytest.approx(10.0, abs=ATOL[dtype])
    assert bss_penalty(features).dtype == dtype
    # a wide batch (2 samples, 3 features): min(2, 3) = 2 singular values
    # F F^T = [[1, 0], [0, 4]] -> sigma = 2, 1
    wide = _t([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]], dtype)
    assert _value(bss_penalty(wide)) == pytest.approx(1.0, abs=ATOL[dtype])


def test_bss_gradient():
    features = torch.randn(6, 4, generator=_gen(1), dtype=torch.float64)
    features.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda f: bss_penalty(f, k=2), (features,))
    # the analytic gradient of sigma_min^2 is 2 sigma_min u v^T
    bss_penalty(features).backward()
    u, s, vh = torch.linalg.svd(features.detach(), full_matrices=False)
    expected = 2 * s[-1] * torch.outer(u[:, -1], vh[-1])
    torch.testing.assert_close(features.grad, expected, rtol=0, atol=1e-10)


def test_bss_bad_input():
    features = torch.zeros(3, 2)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, min"):
        bss_penalty(features, k=3)
    with pytest.raises(ValueError, match="features must have shape"):
        bss_penalty(torch.zeros(3, 2, 1, 1))


# --------------------------------------------------------------------------
# DELTA
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_delta_penalty_hand_computed_vectors(dtype):
    # sample 1: diff (1, 2) -> squares (1, 4), weights (0.5, 0.5) -> 2.5
    # sample 2: diff (0, -1) -> squares (0, 1), weights (0.9, 0.1) -> 0.1
    # mean over the batch: 1.3
    fm = _t([[1.0, 2.0], [0.0, 0.0]], dtype)
    fm0 = _t([[0.0, 0.0], [0.0, 1.0]], dtype)
    w = _t([[0.5, 0.5], [0.9, 0.1]], dtype)
    value = delta_penalty(fm, fm0, w)
    assert value.dtype == dtype
    assert _value(value) == pytest.approx(1.3, abs=ATOL[dtype])


def test_delta_penalty_hand_computed_maps():
    # one sample, 2 channels of 1 x 2 maps:
    #   channel 0: diff (1, -1) -> ||.||^2 = 2, weight 0.25 -> 0.5
    #   channel 1: diff (3, 0)  -> ||.||^2 = 9, weight 0.75 -> 6.75
    fm = _t([[[[1.0, 1.0]], [[3.0, 1.0]]]])
    fm0 = _t([[[[0.0, 2.0]], [[0.0, 1.0]]]])
    w = _t([[0.25, 0.75]])
    assert _value(delta_penalty(fm, fm0, w)) == pytest.approx(7.25)


def test_delta_penalty_gradient_and_constants():
    g = _gen(2)
    fm = torch.randn(3, 2, 2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    fm0 = torch.randn(3, 2, 2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.softmax(torch.randn(3, 2, generator=g, dtype=torch.float64), dim=1)
    assert torch.autograd.gradcheck(lambda a: delta_penalty(a, fm0, w), (fm,))
    delta_penalty(fm, fm0, w).backward()
    assert fm0.grad is None  # the source copy is a constant
    with pytest.raises(ValueError, match=r"channel_weights must have shape \(B, C\)"):
        delta_penalty(fm, fm0, w[:, :1])
    with pytest.raises(ValueError, match="source_features must have the shape"):
        delta_penalty(fm, fm0[:2], w)


@pytest.mark.parametrize("dtype", DTYPES)
def test_delta_channel_weights_hand_computed(dtype):
    # head = identity on 2 pooled channels (2 classes); pooled z = (2, 0),
    # class 0: CE(z) = log(1 + e^-2). Zeroing channel 0 gives z = (0, 0):
    # CE = log 2; zeroing channel 1 leaves z unchanged: increase 0.
    # W = softmax(log 2 - log(1 + e^-2), 0)
    head = lambda z: z  # noqa: E731
    delta0 = math.log(2) - math.log1p(math.exp(-2))
    expected = [math.exp(delta0) / (math.exp(delta0) + 1), 1 / (math.exp(delta0) + 1)]
    vectors = _t([[2.0, 0.0]], dtype)
    weights = delta_channel_weights(vectors, head, torch.tensor([0]))
    assert weights.dtype == dtype
    np.testing.assert_allclose(weights[0].numpy(), expected, atol=ATOL[dtype])
    # the same through maps: channel 0 = (1, 3) averages to 2, channel 1 to 0
    maps = _t([[[[1.0, 3.0]], [[-1.0, 1.0]]]], dtype)
    weights = delta_channel_weights(maps, head, torch.tensor([0]))
    np.testing.assert_allclose(weights[0].numpy(), expected, atol=ATOL[dtype])


def test_delta_channel_weights_match_a_loop_over_channels():
    g = _gen(3)
    features = torch.randn(5, 7, 2, 3, generator=g, dtype=torch.float64)
    targets = torch.tensor([0, 2, 1, 2, 0])
    weight = torch.randn(7, 3, generator=g, dtype=torch.float64)
    head = lambda z: torch.tanh(z) @ weight  # noqa: E731 (a non-linear head)
    pooled = features.mean(dim=(2, 3))
    ce = torch.nn.functional.cross_entropy
    base = ce(head(pooled), targets, reduction="none")
    increases = torch.empty(5, 7, dtype=torch.float64)
    for j in range(7):
        masked = pooled.clone()
        masked[:, j] = 0.0
        increases[:, j] = ce(head(masked), targets, reduction="none") - base
    expected = torch.softmax(increases, dim=1)
    for chunk in (None, 1, 3, 64):
        got = delta_channel_weights(features, head, targets, chunk_size=chunk)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    assert torch.is_grad_enabled()  # no_grad was local


def test_delta_channel_weights_bad_input():
    with pytest.raises(ValueError, match="targets has 1 labels for 2 samples"):
        delta_channel_weights(torch.zeros(2, 3), lambda z: z, torch.tensor([0]))
    with pytest.raises(ValueError, match="features must have shape"):
        delta_channel_weights(torch.zeros(2, 3, 4), lambda z: z, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        delta_channel_weights(
            torch.zeros(2, 3), lambda z: z, torch.tensor([0, 1]), chunk_size=0
        )


# --------------------------------------------------------------------------
# LwF
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_lwf_hand_computed(dtype):
    # T = 2. Row 1: recorded logits (0, 2 log 3) -> softmax(z / 2) = (1/4, 3/4);
    #   current (0, 0) -> (1/2, 1/2): loss = log 2.
    # Row 2: recorded (0, 2 log 3) again; current (2 log 3, 0) -> (3/4, 1/4):
    #   loss = -(1/4 log 3/4 + 3/4 log 1/4).
    recorded = _t([[0.0, 2 * math.log(3)], [0.0, 2 * math.log(3)]], dtype)
    current = _t([[0.0, 0.0], [2 * math.log(3), 0.0]], dtype)
    row2 = -(0.25 * math.log(0.75) + 0.75 * math.log(0.25))
    value = lwf_loss(current, recorded)
    assert value.dtype == dtype
    assert _value(value) == pytest.approx((math.log(2) + row2) / 2, abs=ATOL[dtype])
    # T = 1 is the plain cross-entropy with the recorded probabilities
    plain = lwf_loss(current, recorded, temperature=1.0)
    p = torch.softmax(recorded, dim=1)
    expected = -(p * torch.log_softmax(current, dim=1)).sum(dim=1).mean()
    assert _value(plain) == pytest.approx(float(expected), abs=ATOL[dtype])


def test_lwf_is_minimal_at_the_recorded_responses():
    recorded = torch.randn(4, 3, generator=_gen(4), dtype=torch.float64)
    at_record = _value(lwf_loss(recorded.clone(), recorded))
    probs = torch.softmax(recorded / 2.0, dim=1)
    entropy = float(-(probs * probs.log()).sum(dim=1).mean())
    assert at_record == pytest.approx(entropy, rel=1e-12)
    moved = recorded + torch.randn(4, 3, generator=_gen(5), dtype=torch.float64)
    assert _value(lwf_loss(moved, recorded)) > at_record


def test_lwf_gradient():
    g = _gen(6)
    current = torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    recorded = torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda c: lwf_loss(c, recorded), (current,))
    lwf_loss(current, recorded).backward()
    assert recorded.grad is None
    # d/dz of the loss is (softmax(z/T) - y') / (T B)
    expected = (
        torch.softmax(current.detach() / 2, 1) - torch.softmax(recorded.detach() / 2, 1)
    ) / (2 * 3)
    torch.testing.assert_close(current.grad, expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="temperature must be positive"):
        lwf_loss(current, recorded, temperature=0.0)
    with pytest.raises(ValueError, match="same shape"):
        lwf_loss(current, recorded[:, :2])


def test_docstring_examples_run():
    result = doctest.testmod(_regularizers)
    assert result.failed == 0 and result.attempted >= 5
