"""The network a fine-tuner trains: a body, a task head and the source head.

A user's module is split into a *body* (everything that is shared between
the source and the target task) and a *head* (the last linear layer, which
is task specific). :func:`split_module` finds the head by name; a backbone
from :mod:`transferkit.parameter.backbones` is all body.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = [
    "AveragedNetwork",
    "InputFeatures",
    "TransferNetwork",
    "build_mlp",
    "layer_groups",
    "make_network",
    "split_module",
]

#: Child names tried, in order, by ``head="auto"``.
HEAD_NAMES = ("head", "classifier", "fc", "output")


def build_mlp(n_features, hidden_layer_sizes):
    """A ReLU multi-layer perceptron body: ``n_features -> hidden... `` (no head).

    Returns the body (a ``torch.nn.Sequential`` of ``Linear``+``ReLU`` pairs)
    and its output width.
    """
    layers = []
    width = int(n_features)
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, int(size)), nn.ReLU()]
        width = int(size)
    if not layers:
        return nn.Identity(), width
    return nn.Sequential(*layers), width


def _get_child(module, dotted):
    target = module
    for part in dotted.split("."):
        if not hasattr(target, part) and not (
            part.isdigit() and isinstance(target, nn.Sequential)
        ):
            return None
        target = target[int(part)] if part.isdigit() else getattr(target, part)
    return target


def _set_child(module, dotted, value):
    parts = dotted.split(".")
    parent = module
    for part in parts[:-1]:
        parent = parent[int(part)] if part.isdigit() else getattr(parent, part)
    last = parts[-1]
    if last.isdigit():
        parent[int(last)] = value
    else:
        setattr(parent, last, value)


def _last_linear(module):
    if isinstance(module, nn.Linear):
        return module
    if isinstance(module, nn.Sequential) and len(module) > 0:
        return _last_linear(module[-1])
    return None


def is_backbone(module):
    """True for a body without a head (a transferkit backbone)."""
    return hasattr(module, "feature_dim") and hasattr(module, "prepare")


def split_module(module, head):
    """Split ``module`` into ``(body, source_head, head_name)``.

    Parameters
    ----------
    module : torch.nn.Module
        A copy of the user's module (it is modified: the head is replaced by
        an identity).
    head : "auto", None or str
        ``"auto"``: a backbone is all body; otherwise the first child named
        ``head``, ``classifier``, ``fc`` or ``output`` that is (or ends in) a
        ``Linear`` layer is the head; if there is none, the module is all
        body. ``None``: all body. A (dotted) name: that submodule, which must
        exist and be, or end in, a ``Linear`` layer.

    Returns
    -------
    body : torch.nn.Module
    source_head : torch.nn.Module or None
        The removed head (a module ending in ``Linear``), if any.
    head_name : str or None
    """
    if head is None or (head == "auto" and is_backbone(module)):
        return module, None, None
    if head == "auto":
        for name in HEAD_NAMES:
            child = getattr(module, name, None)
            if isinstance(child, nn.Module) and _last_linear(child) is not None:
                return _remove_head(module, name)
        return module, None, None
    if not isinstance(head, str):
        raise ValueError(
            f"head must be 'auto', None or the name of a submodule, got {head!r}."
        )
    child = _get_child(module, head)
    if child is None:
        names = [name for name, _ in module.named_modules() if name]
        raise ValueError(
            f"head={head!r} is not a submodule of {type(module).__name__}; "
            f"its submodules are {names[:20]}{' ...' if len(names) > 20 else ''}."
        )
    if _last_linear(child) is None:
        raise ValueError(
            f"head={head!r} names a {type(child).__name__}, which is not a "
            "torch.nn.Linear layer nor a Sequential ending in one."
        )
    return _remove_head(module, head)


def _remove_head(module, name):
    child = _get_child(module, name)
    _set_child(module, name, nn.Identity())
    return module, child, name


def head_out_features(head):
    """Number of outputs of a head module (its last Linear layer)."""
    return _last_linear(head).out_features


class TransferNetwork(nn.Module):
    """``head(body(x))``; ``source_head`` is kept for LwF and the source model."""

    def __init__(self, body, head, source_head=None):
        super().__init__()
        self.body = body
        self.head = head
        self.source_head = source_head

    def forward(self, x):
        return self.head(self.body(x))


class InputFeatures(nn.Module):
    """A parameter-free body whose features are the inputs, flattened.

    The body of ``strategy="auto"``'s ``"target_linear"`` candidate when it
    is a linear model on the inputs: ``head(InputFeatures()(x))`` is then a
    linear (logistic or ridge) model of ``x``.
    """

    def forward(self, x):
        return x.flatten(1)


class AveragedNetwork(nn.Module):
    """The log of the mean of its members' class probabilities.

    ``softmax(AveragedNetwork(members)(x))`` is the average of the members'
    ``softmax`` outputs, so the fine-tuner's ``predict_proba`` gives the
    ensemble's probabilities. ``body`` is the first member's (its features
    are what ``transform`` returns).
    """

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    @property
    def body(self):
        return self.members[0].body

    def forward(self, x):
        probs = torch.stack([torch.softmax(m(x), dim=1) for m in self.members])
        return torch.log(probs.mean(0).clamp_min(torch.finfo(probs.dtype).tiny))


def make_network(body, n_body_features, n_outputs, source_head=None):
    """A :class:`TransferNetwork` with a freshly initialised task head."""
    head = nn.Linear(n_body_features, n_outputs)
    return TransferNetwork(body, head, source_head)


def layer_groups(body):
    """The body's parameter groups from the input to the output.

    A backbone gives its own (``layer_groups()``). Otherwise each direct child
    that has parameters is a group; a ``Sequential`` of ``Linear``+activation
    pairs thus has one group per layer.
    """
    if hasattr(body, "layer_groups"):
        groups = [list(g) for g in body.layer_groups()]
    else:
        children = list(body.children())
        groups = [[c] for c in children if any(True for _ in c.parameters())]
        if not groups and any(True for _ in body.parameters()):
            groups = [[body]]
    params = []
    for group in groups:
        seen = []
        for module in group:
            seen += [p for p in module.parameters()]
        if seen:
            params.append(seen)
    return params


def output_width(body, example_batch):
    """Width of the body's output on ``example_batch`` (a dry forward pass)."""
    if hasattr(body, "feature_dim"):
        return int(body.feature_dim)
    was_training = body.training
    body.eval()
    with torch.no_grad():
        out = body(example_batch)
    body.train(was_training)
    if out.ndim != 2:
        raise ValueError(
            f"the module's body returns outputs of shape {tuple(out.shape)}; a "
            "fine-tuner needs (batch, features). Give a module that flattens "
            "its output, or name its head with head=..."
        )
    return int(out.shape[1])


def deep_copy(module):
    """A deep copy of a module (the caller's module is never modified)."""
    return copy.deepcopy(module)
