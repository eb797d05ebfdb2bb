"""The training loop shared by every fine-tuning strategy.

One loop trains a :class:`~transferkit.parameter._network.TransferNetwork`
on labelled inputs with a given set of trainable parameter groups. The
strategies differ only in which parameters they pass, in their per-epoch
hooks (gradual unfreezing, the MMD kernel weights, learning-rate schedules)
and in the extra loss terms they add (alignment, regularisers). The loop
stays lean (no DataLoader for tensors: batches are index slices of one
tensor already on the device), so its throughput is that of a hand-written
PyTorch loop.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass

import numpy as np
import torch

logger = logging.getLogger("transferkit")

__all__ = ["TrainSpec", "train_network", "encode", "predict_outputs"]


@dataclass
class TrainSpec:
    """Hyperparameters of one training phase."""

    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "adamw"
    weight_decay: float = 0.0
    early_stopping: bool = True
    n_iter_no_change: int = 10
    tol: float = 1e-4
    task: str = "classification"
    augment: object = None
    verbose: bool = False
    phase: str = "train"


def make_optimizer(name, param_groups, lr, weight_decay):
    """An optimizer by name: "adamw", "adam" or "sgd" (momentum 0.9)."""
    if name == "adamw":
        return torch.optim.AdamW(param_groups, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(param_groups, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return torch.optim.SGD(
            param_groups, lr=lr, momentum=0.9, weight_decay=weight_decay
        )
    raise ValueError(
        f"optimizer must be 'adamw', 'adam' or 'sgd', got {name!r}."
    )  # pragma: no cover - validated by the estimator


def task_loss(logits, targets, task):
    if task == "classification":
        return torch.nn.functional.cross_entropy(logits, targets)
    return torch.nn.functional.mse_loss(logits.squeeze(-1), targets)


def _augmented(inputs, batch_index, device, generator, augment):
    batch = inputs.batch(
        batch_index, device, train=augment is True, generator=generator
    )
    if callable(augment):
        batch = augment(batch, generator)
    return batch


def batch_bounds(n, batch_size):
    """``(start, stop)`` of each batch of an epoch over ``n`` shuffled rows.

    Batches have ``batch_size`` rows, except that a last batch of a single row
    is merged into the one before it (so an epoch never ends on a batch of one
    row, which has no batch statistics for BatchNorm, CORAL or MMD). With
    ``batch_size=1`` every batch has one row, as asked.
    """
    batch_size = max(1, min(int(batch_size), n))
    starts = list(range(0, n, batch_size))
    if batch_size > 1 and len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    stops = starts[1:] + [n]
    return list(zip(starts, stops))


def _check_single_row_batches(network, n, batch_size):
    """Refuse one-row batches through a ``BatchNorm1d`` (PyTorch's own rule)."""
    if n > 1 and batch_size > 1:
        return
    norms = [
        name
        for name, module in network.named_modules()
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.SyncBatchNorm))
    ]
    if norms:
        raise ValueError(
            f"batch_size={batch_size} gives batches of one row, but the network "
            f"has BatchNorm layers ({', '.join(norms[:3])}) that need at least 2 "
            "rows per batch in training; use batch_size >= 2."
        )


def train_network(
    network,
    param_groups,
    inputs,
    targets,
    spec,
    device,
    generator,
    *,
    validation=None,
    extra_losses=(),
    epoch_hooks=(),
    lr_schedule=None,
    history=None,
):
    """Train ``network`` in place; return the number of epochs run.

    Parameters
    ----------
    network : TransferNetwork
    param_groups : list of dict
        Optimizer parameter groups (``{"params": [...], "lr": ...}``); the
        parameters not listed are frozen for this phase.
    inputs : InputSet
    targets : torch.Tensor
        Class indices (long) or regression targets (float), on ``device``.
    spec : TrainSpec
    validation : (InputSet, torch.Tensor) or None
        Monitored for early stopping; without it the training loss is.
    extra_losses : sequence of callables
        ``f(network, batch, features, logits, batch_index, progress) ->
        tensor or None``, added to the task loss (alignment terms, regularisers).
    epoch_hooks : sequence of callables
        ``f(epoch, optimizer)`` called at the start of every epoch; a hook
        returning ``"hold"`` postpones early stopping for that epoch.
    lr_schedule : callable or None
        ``f(progress) -> factor`` multiplying every group's base rate at each
        step (``progress`` in [0, 1]).
    history : list or None
        Per-epoch records are appended here.
    """
    trainable = [p for g in param_groups for p in g["params"]]
    all_params = list(network.parameters())
    for extra in extra_losses:
        all_params += list(getattr(extra, "parameters", lambda: [])())
    flags = [p.requires_grad for p in all_params]
    trainable_ids = {id(p) for p in trainable}
    for p in network.parameters():
        p.requires_grad_(id(p) in trainable_ids)
    optimizer = make_optimizer(spec.optimizer, param_groups, spec.lr, spec.weight_decay)
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    n = len(inputs)
    bounds = batch_bounds(n, spec.batch_size)
    _check_single_row_batches(network, n, spec.batch_size)
    steps_per_epoch = max(1, len(bounds))
    total_steps = spec.epochs * steps_per_epoch
    best_score, best_state, stale = math.inf, None, 0
    epochs = range(spec.epochs)
    if spec.verbose:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc=spec.phase, leave=False)
    step = 0
    epochs_run = 0
    try:
        for epoch in epochs:
            hold = False
            for hook in epoch_hooks:
                hold = (hook(epoch, optimizer) == "hold") or hold
            network.train()
            order = torch.randperm(n, generator=generator)
            running, seen = 0.0, 0
            for start, stop in bounds:
                index = order[start:stop]
                progress = step / max(1, total_steps)
                if lr_schedule is not None:
                    factor = lr_schedule(progress)
                    for group, base in zip(optimizer.param_groups, base_lrs):
                        group["lr"] = base * factor
                batch = _augmented(inputs, index, device, generator, spec.augment)
                features = network.body(batch)
                logits = network.head(features)
                batch_targets = targets[index.to(targets.device)]
                loss = task_loss(logits, batch_targets, spec.task)
                for extra in extra_losses:
                    term = extra(network, batch, features, logits, index, progress)
                    if term is not None:
                        loss = loss + term
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                running += float(loss.detach()) * index.numel()
                seen += index.numel()
                step += 1
            epochs_run = epoch + 1
            train_loss = running / max(1, seen)
            record = {"phase": spec.phase, "epoch": epoch, "train_loss": train_loss}
            monitored = train_loss
            if validation is not None:
                val_loss, val_score = evaluate(network, *validation, device, spec.task)
                record.update(val_loss=val_loss, val_score=val_score)
                monitored = val_loss
            if history is not None:
                history.append(record)
            if spec.verbose:
                logger.info("%s epoch %d: %s", spec.phase, epoch, record)
            if not math.isfinite(train_loss):
                raise FloatingPointError(
                    f"the training loss became {train_loss} in phase {spec.phase!r} "
                    f"at epoch {epoch}; lower lr (now {spec.lr})."
                )
            if not spec.early_stopping or hold:
                continue
            if monitored < best_score - spec.tol:
                best_score, stale = monitored, 0
                best_state = copy.deepcopy(network.state_dict())
            else:
                stale += 1
                if stale >= spec.n_iter_no_change:
                    break
        if spec.early_stopping and best_state is not None:
            network.load_state_dict(best_state)
    finally:
        for p, flag in zip(all_params, flags):
            p.requires_grad_(flag)
    network.eval()
    return epochs_run


def evaluate(network, inputs, targets, device, task, batch_size=256):
    """(loss, score) of ``network`` on labelled inputs: accuracy or -MSE."""
    outputs = predict_outputs(network, inputs, device, batch_size=batch_size)
    targets = targets.to(outputs.device)
    loss = float(task_loss(outputs, targets, task))
    if task == "classification":
        score = float((outputs.argmax(1) == targets).float().mean())
    else:
        score = -loss
    return loss, score


def predict_outputs(network, inputs, device, batch_size=256):
    """The network's outputs on every input, in eval mode, without gradients."""
    was_training = network.training
    network.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(inputs), batch_size):
            index = np.arange(start, min(start + batch_size, len(inputs)))
            chunks.append(network(inputs.batch(index, device)))
    network.train(was_training)
    return torch.cat(chunks)


def encode(body, inputs, device, batch_size=256, use_cache=True):
    """The body's features of every input (numpy float32), computed once.

    A backbone with an ``encode`` method (and a feature cache) is used through
    it when ``use_cache``, so that a linear probe never runs the body twice on
    the same image; a fine-tuned body is run directly (``use_cache=False``).
    """
    if use_cache and inputs.kind == "prepared" and hasattr(body, "encode"):
        return np.asarray(body.encode(inputs.raw(), batch_size=batch_size, cache=True))
    was_training = body.training
    body.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(inputs), batch_size):
            index = np.arange(start, min(start + batch_size, len(inputs)))
            chunks.append(body(inputs.batch(index, device)).cpu())
    body.train(was_training)
    return torch.cat(chunks).numpy()
