"""Shared helpers: input validation, kernels and solvers."""

from .kernels import (
    check_dense_kernel_size,
    kernel_diagonal,
    kernel_matmul,
    kernel_matrix,
    kernel_sums,
    median_heuristic_gamma,
    resolve_gamma,
)
from .validation import (
    SourceTarget,
    check_sample_weight_support,
    check_source_target,
    is_multi_domain,
)

__all__ = [
    "SourceTarget",
    "check_dense_kernel_size",
    "check_sample_weight_support",
    "check_source_target",
    "is_multi_domain",
    "kernel_diagonal",
    "kernel_matmul",
    "kernel_matrix",
    "kernel_sums",
    "median_heuristic_gamma",
    "resolve_gamma",
]
