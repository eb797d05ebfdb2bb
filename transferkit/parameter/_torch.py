"""Lazy torch import and the guards that keep torch's global state untouched.

torch is an optional dependency of transferkit: nothing outside
:mod:`transferkit.parameter` imports it, and inside it only the fine-tuners
do, when they are fitted or used. :func:`import_torch` gives a clear error
naming the ``pip install`` to run when it is missing.
"""

from __future__ import annotations

import contextlib

__all__ = [
    "import_torch",
    "resolve_device",
    "isolated_torch_state",
    "seed_from",
    "torch_threads",
]

_INSTALL_HINT = (
    'pip install "transferkit[torch]" (on a CPU-only machine, install the CPU '
    "build of torch first)"
)


def import_torch():
    """Return ``torch``, or raise an ``ImportError`` saying what to install."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is installed in CI
        raise ImportError(
            "transferkit's fine-tuners need PyTorch, which is not installed. "
            f"Install it with: {_INSTALL_HINT}."
        ) from exc
    return torch


def resolve_device(device):
    """The ``torch.device`` for ``device`` ("auto": CUDA when available, else CPU)."""
    torch = import_torch()
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, "
            f"got {device!r}."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    return resolved


def seed_from(random_state):
    """A 63-bit integer seed drawn from ``random_state`` (scikit-learn's rules)."""
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(0, 2**31 - 1))


@contextlib.contextmanager
def isolated_torch_state(seed, device):
    """Run a block with torch's RNG seeded by ``seed``, restoring global state after.

    The CPU (and, on a CUDA ``device``, that device's) random generator is
    forked and restored on exit, so module initialisation and dropout inside
    the block are reproducible and the caller's global seed is unchanged.
    Gradient mode is switched on inside the block (out of a caller's
    ``torch.inference_mode()`` too) and restored after. The networks built
    inside the block are float32 whatever the caller's default dtype (the
    inputs are float32): the default dtype is set for the block and restored
    after. The thread count is never changed.
    """
    torch = import_torch()
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else 0]
    dtype_before = torch.get_default_dtype()
    try:
        with (
            torch.random.fork_rng(devices=devices),
            torch.inference_mode(False),
            torch.enable_grad(),
        ):
            torch.manual_seed(seed)
            torch.set_default_dtype(torch.float32)
            yield
    finally:
        torch.set_default_dtype(dtype_before)


@contextlib.contextmanager
def torch_threads(n):
    """Set torch's intra-op threads to ``n`` for the block, then restore them.

    ``n=None`` leaves them as they are.
    """
    if n is None:
        yield
        return
    torch = import_torch()
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)
