"""Penalties that keep a fine-tuned network close to its source (torch).

Fine-tuning on a few labelled target samples forgets what the source model
knew; these terms, added to the target loss by
:class:`~transferkit.parameter.FineTuner`, hold it back:

- :func:`l2_sp_penalty`: L2-SP (Li, Grandvalet, Davoine, 2018), weight decay
  towards the starting point instead of towards zero;
- :func:`bss_penalty`: Batch Spectral Shrinkage (Chen et al., 2019), shrink
  the smallest singular values of the batch features;
- :func:`delta_penalty` with :func:`delta_channel_weights`: DELTA (Li et
  al., 2019), keep the feature maps close to a frozen source copy's, channel
  by channel, weighted by how much each channel matters to the target task;
- :func:`lwf_loss`: Learning without Forgetting (Li & Hoiem, 2016), keep the
  old task's outputs close to those the source network gave.

This module imports torch; the fine-tuners import it only when fitted.
"""

from __future__ import annotations

from numbers import Integral, Real

import torch

__all__ = [
    "bss_penalty",
    "delta_channel_weights",
    "delta_penalty",
    "l2_sp_penalty",
    "lwf_loss",
]


def _tensor_list(values, name):
    if isinstance(values, torch.Tensor):
        raise TypeError(f"{name} must be a list of tensors, not a single tensor.")
    values = list(values)
    for i, value in enumerate(values):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name}[{i}] must be a torch.Tensor, got {type(value).__name__}."
            )
    return values


def _check_weight(value, name):
    if not isinstance(value, Real) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}.")
    return float(value)


def _zero_like(tensors):
    for tensor in tensors:
        return tensor.new_zeros(())
    return torch.zeros(())


def l2_sp_penalty(parameters, start_parameters, head_parameters, alpha, beta):
    """L2-SP: ``alpha/2 sum ||w - w0||^2`` (body) ``+ beta/2 sum ||w||^2`` (head).

    The shared (body) parameters are pulled towards their values ``w0`` at
    the start of fine-tuning (the source model), the new head's parameters
    towards zero (plain weight decay: they have no source value).

    Parameters
    ----------
    parameters : list of torch.Tensor
        The body's current parameters.
    start_parameters : list of torch.Tensor
        Their starting values, same order and shapes (treated as constants:
        no gradient flows into them).
    head_parameters : list of torch.Tensor
        The new head's parameters (may be empty).
    alpha : float
        Weight of the pull towards the start.
    beta : float
        Weight of the head's decay. The paper chooses both by
        cross-validation; ``alpha=0.1, beta=0.01`` is its usual setting.

    Returns
    -------
    penalty : torch.Tensor
        Scalar, in the parameters' dtype.

    References
    ----------
    X. Li, Y. Grandvalet, F. Davoine. "Explicit Inductive Bias for Transfer
    Learning with Convolutional Networks". ICML 2018.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._regularizers import l2_sp_penalty
    >>> w = torch.tensor([1.0, 2.0])
    >>> w0 = torch.tensor([1.0, 0.0])
    >>> head = torch.tensor([3.0])
    >>> # 0.5/2 * (0 + 4) + 0.1/2 * 9 = 1 + 0.45
    >>> round(float(l2_sp_penalty([w], [w0], [head], alpha=0.5, beta=0.1)), 6)
    1.45
    """
    parameters = _tensor_list(parameters, "parameters")
    start_parameters = _tensor_list(start_parameters, "start_parameters")
    head_parameters = _tensor_list(head_parameters, "head_parameters")
    alpha = _check_weight(alpha, "alpha")
    beta = _check_weight(beta, "beta")
    if len(parameters) != len(start_parameters):
        raise ValueError(
            "parameters and start_parameters must have the same length, got "
            f"{len(parameters)} and {len(start_parameters)}."
        )
    for i, (w, w0) in enumerate(zip(parameters, start_parameters)):
        if w.shape != w0.shape:
            raise ValueError(
                f"parameters[{i}] has shape {tuple(w.shape)} but "
                f"start_parameters[{i}] has shape {tuple(w0.shape)}."
            )
    penalty = _zero_like(parameters + head_parameters)
    if parameters:
        body = sum(
            ((w - w0.detach().to(w)) ** 2).sum()
            for w, w0 in zip(parameters, start_parameters)
        )
        penalty = penalty + 0.5 * alpha * body
    if head_parameters:
        head = sum((w**2).sum() for w in head_parameters)
        penalty = penalty + 0.5 * beta * head
    return penalty


def _check_features(features, name, ndims=(2,)):
    if not isinstance(features, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(features).__name__}."
        )
    if features.ndim not in ndims:
        shapes = " or ".join({2: "(B, C)", 4: "(B, C, H, W)"}[n] for n in ndims)
        raise ValueError(
            f"{name} must have shape {shapes}, got {tuple(features.shape)}."
        )
    if not features.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got {features.dtype}.")


def bss_penalty(features, k=1):
    """Batch Spectral Shrinkage: the sum of the ``k`` smallest squared singular values.

    ``sum_{i=1..k} sigma_{-i}^2`` of the batch feature matrix ``F`` of shape
    (batch, features), whose ``min(batch, features)`` singular values are
    ``sigma_1 >= ... >= sigma_r``. Small singular directions of the features
    are those the source pre-training learnt and the target data cannot
    support (negative transfer); shrinking them suppresses them. The paper
    adds ``eta * bss_penalty(F, k)`` to the loss with ``eta = 0.001`` and
    ``k = 1``; the caller applies ``eta``.

    Parameters
    ----------
    features : torch.Tensor of shape (batch, n_features)
        The body's output on a batch (pooled features, one row per sample).
    k : int, default=1
        Number of smallest singular values, ``1 <= k <= min(batch, n_features)``.

    Returns
    -------
    penalty : torch.Tensor
        Scalar. Differentiable where the singular values involved are
        distinct and non-zero (torch's SVD gradient).

    References
    ----------
    X. Chen, S. Wang, B. Fu, M. Long, J. Wang. "Catastrophic Forgetting Meets
    Negative Transfer: Batch Spectral Shrinkage for Safe Transfer Learning".
    NeurIPS 2019.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._regularizers import bss_penalty
    >>> f = torch.tensor([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # sigma = 3, 2
    >>> float(bss_penalty(f)), float(bss_penalty(f, k=2))
    (4.0, 13.0)
    """
    _check_features(features, "features")
    rank = min(features.shape)
    if not isinstance(k, Integral) or isinstance(k, bool) or not 1 <= k <= rank:
        raise ValueError(
            f"k must be an int in [1, min(batch, n_features)] = [1, {rank}], got {k!r}."
        )
    singular_values = torch.linalg.svdvals(features)  # descending
    return (singular_values[rank - k :] ** 2).sum()


def _pool(features):
    return features.mean(dim=(2, 3)) if features.ndim == 4 else features


def delta_penalty(features, source_features, channel_weights):
    """DELTA's attentive feature-map distance to the source network.

    ``mean over the batch of sum_j W_j(x) ||FM_j(w, x) - FM_j(w0, x)||^2``,
    with ``FM_j(w, x)`` the ``j``-th channel of the feature map of the
    network being fine-tuned and ``FM_j(w0, x)`` that of a frozen copy of
    the source network, on the same input ``x``; the squared norm runs over
    the channel's spatial positions (one value for (B, C) features).
    The paper adds ``alpha * delta_penalty + beta * ||w_head||^2 / 2``
    (the caller applies the weights; the head's decay is
    :func:`l2_sp_penalty`'s ``beta`` term).

    Parameters
    ----------
    features : torch.Tensor of shape (B, C) or (B, C, H, W)
        Feature maps of the network being fine-tuned.
    source_features : torch.Tensor of the same shape
        Feature maps of the frozen source network (treated as constants).
    channel_weights : torch.Tensor of shape (B, C)
        Per-sample channel weights ``W_j(x)``, e.g. from
        :func:`delta_channel_weights` (treated as constants).

    Returns
    -------
    penalty : torch.Tensor
        Scalar.

    Notes
    -----
    The paper regularises the outer layers of the network (several feature
    maps). FineTuner applies it to one layer, the body's output (before
    global pooling when the body gives a map), a documented simplification.

    References
    ----------
    X. Li, H. Xiong, et al. "DELTA: Deep Learning
    Transfer using Feature Map with Attention for Convolutional Networks".
    ICLR 2019.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._regularizers import delta_penalty
    >>> fm = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    >>> fm0 = torch.tensor([[0.0, 0.0], [0.0, 1.0]])
    >>> w = torch.tensor([[0.5, 0.5], [0.9, 0.1]])
    >>> round(float(delta_penalty(fm, fm0, w)), 6)  # (0.5 + 2 + 0.1) / 2
    1.3
    """
    _check_features(features, "features", ndims=(2, 4))
    _check_features(source_features, "source_features", ndims=(2, 4))
    if source_features.shape != features.shape:
        raise ValueError(
            "source_features must have the shape of features, got "
            f"{tuple(source_features.shape)} and {tuple(features.shape)}."
        )
    expected = tuple(features.shape[:2])
    if not isinstance(channel_weights, torch.Tensor):
        raise TypeError(
            "channel_weights must be a torch.Tensor, got "
            f"{type(channel_weights).__name__}."
        )
    if tuple(channel_weights.shape) != expected:
        raise ValueError(
            f"channel_weights must have shape (B, C) = {expected}, got "
            f"{tuple(channel_weights.shape)}."
        )
    difference = features - source_features.detach()
    squared = difference**2
    if squared.ndim == 4:
        squared = squared.sum(dim=(2, 3))
    weighted = squared * channel_weights.detach().to(squared)
    return weighted.sum(dim=1).mean()


@torch.no_grad()
def delta_channel_weights(features, head, targets, chunk_size=None):
    """DELTA's supervised attention: how much the head needs each channel.

    For each sample ``x`` and channel ``j``, ``Delta_j(x)`` is the increase
    of the cross-entropy of ``head`` on the globally average-pooled features
    when channel ``j`` is set to zero; the weights are
    ``W(x) = softmax_j(Delta_j(x))`` (one softmax over channels per sample).
    In the paper ``features`` come from the source network and ``head`` is a
    classifier trained on them for the target labels; no gradient is taken.

    Parameters
    ----------
    features : torch.Tensor of shape (B, C) or (B, C, H, W)
        Feature maps of the source network. Zeroing a channel of a map zeroes
        the same entry of its average-pooled vector, so the head sees (B, C)
        pooled features either way.
    head : callable
        Maps (n, C) pooled features to (n, n_classes) logits.
    targets : torch.Tensor of shape (B,)
        Integer class labels.
    chunk_size : int, default=None
        Channels masked per call of ``head`` (memory ``chunk_size * B * C``
        values); ``None`` picks the largest that keeps a block under 2**24
        values (64 MiB in float32).

    Returns
    -------
    weights : torch.Tensor of shape (B, C)
        Non-negative, each row sums to one.

    References
    ----------
    Li et al., ICLR 2019, Sec. 3.2 (supervised attention).

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._regularizers import delta_channel_weights
    >>> weight = torch.tensor([[2.0, -2.0], [0.0, 0.0], [1.0, 1.0]])
    >>> head = lambda z: z @ weight  # channel 0 decides the class
    >>> features = torch.tensor([[1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]])
    >>> w = delta_channel_weights(features, head, torch.tensor([0, 1]))
    >>> bool(torch.allclose(w.sum(dim=1), torch.ones(2)))
    True
    >>> bool((w[:, 0] > w[:, 1]).all())  # zeroing channel 1 changes nothing
    True
    """
    _check_features(features, "features", ndims=(2, 4))
    if not isinstance(targets, torch.Tensor) or targets.ndim != 1:
        raise ValueError("targets must be a 1-D tensor of class labels.")
    if targets.shape[0] != features.shape[0]:
        raise ValueError(
            f"targets has {targets.shape[0]} labels for {features.shape[0]} samples."
        )
    if chunk_size is not None and (
        not isinstance(chunk_size, Integral) or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    pooled = _pool(features)
    batch, channels = pooled.shape
    if chunk_size is None:
        chunk_size = max(1, (1 << 24) // max(1, batch * channels))
    targets = targets.to(device=pooled.device, dtype=torch.long)
    cross_entropy = torch.nn.functional.cross_entropy
    base = cross_entropy(head(pooled), targets, reduction="none")
    increases = pooled.new_empty((batch, channels))
    for start in range(0, channels, chunk_size):
        stop = min(start + chunk_size, channels)
        block = stop - start
        masked = pooled.unsqueeze(0).repeat(block, 1, 1)  # (block, B, C)
        idx = torch.arange(start, stop, device=pooled.device)
        masked[torch.arange(block, device=pooled.device), :, idx] = 0.0
        logits = head(masked.reshape(block * batch, channels))
        losses = cross_entropy(logits, targets.repeat(block), reduction="none")
        increases[:, start:stop] = (losses.reshape(block, batch) - base).T
    return torch.softmax(increases, dim=1)


def lwf_loss(old_task_logits, recorded_logits, temperature=2.0):
    """Learning without Forgetting's distillation loss for the old task.

    ``-mean over samples of sum_i y'_o(i) log yhat'_o(i)``, where ``y_o`` are
    the responses of the original network's old-task head recorded on the
    new task's images before training, ``yhat_o`` the current responses, and
    the primes the temperature-softened probabilities
    ``y'(i) = y(i)^(1/T) / sum_j y(j)^(1/T)``, i.e. ``softmax(logits / T)``.
    The paper uses ``T = 2`` and weights this loss by ``lambda_o = 1``
    against the new task's loss (the caller applies ``lambda_o``). Unlike
    Hinton et al.'s distillation, the loss is not multiplied by ``T^2``.

    Parameters
    ----------
    old_task_logits : torch.Tensor of shape (B, n_old_classes)
        Current logits of the old task's head.
    recorded_logits : torch.Tensor of shape (B, n_old_classes)
        Logits recorded from the original network (constants).
    temperature : float, default=2.0
        Softening temperature ``T > 0``.

    Returns
    -------
    loss : torch.Tensor
        Scalar.

    References
    ----------
    Z. Li and D. Hoiem. "Learning without Forgetting". ECCV 2016; IEEE
    TPAMI 40(12), 2018.

    Examples
    --------
    >>> import torch
    >>> from transferkit.parameter._regularizers import lwf_loss
    >>> z = torch.zeros(1, 2)  # both uniform: the loss is log 2
    >>> round(float(lwf_loss(z, z)), 4)
    0.6931
    """
    for name, value in (
        ("old_task_logits", old_task_logits),
        ("recorded_logits", recorded_logits),
    ):
        _check_features(value, name)
    if old_task_logits.shape != recorded_logits.shape:
        raise ValueError(
            "old_task_logits and recorded_logits must have the same shape, got "
            f"{tuple(old_task_logits.shape)} and {tuple(recorded_logits.shape)}."
        )
    if not isinstance(temperature, Real) or not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}.")
    recorded = torch.softmax(recorded_logits.detach() / temperature, dim=1)
    log_current = torch.log_softmax(old_task_logits / temperature, dim=1)
    return -(recorded.to(log_current) * log_current).sum(dim=1).mean()
