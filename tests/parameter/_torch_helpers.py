"""Helpers shared by the torch loss tests: dtypes, tolerances, a state guard."""

import pytest
import torch

DTYPES = [torch.float32, torch.float64]
ATOL = {torch.float32: 1e-5, torch.float64: 1e-12}


@pytest.fixture(autouse=True)
def torch_global_state_unchanged():
    """Every test leaves torch's seed, threads, grad mode and dtype alone."""
    rng = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    grad = torch.is_grad_enabled()
    dtype = torch.get_default_dtype()
    yield
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert torch.get_num_threads() == threads
    assert torch.is_grad_enabled() == grad
    assert torch.get_default_dtype() == dtype


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _t(values, dtype=torch.float64, grad=False):
    return torch.tensor(values, dtype=dtype, requires_grad=grad)
