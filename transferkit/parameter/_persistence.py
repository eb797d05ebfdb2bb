"""Saving and loading fitted fine-tuners with safe (weights-only) files.

The file is a ``torch.save`` of a dict holding only tensors, numbers,
strings, booleans, lists and dicts, so that it is read back with
``torch.load(weights_only=True)``: loading never unpickles code. The network
is rebuilt from a description (the default MLP from its sizes, a transferkit
backbone from its factory name, a module of the user's from the ``module``
passed to ``load``) and its weights are loaded into it.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import torch
from torch import nn

from ..utils._files import atomic_path
from ._network import (
    InputFeatures,
    TransferNetwork,
    build_mlp,
    deep_copy,
    split_module,
)

__all__ = [
    "save_finetuner",
    "load_finetuner",
    "finetuner_payload",
    "finetuner_from_payload",
]

FORMAT = "transferkit.FineTuner/1"
#: The key under which a ``numpy.random.RandomState``'s state is stored.
_RANDOM_STATE = "numpy.random.RandomState"
#: Parameters that cannot be stored (objects); they are reset on load.
_UNSTORABLE = ("module", "augment")


def _plain(value):
    """A weights-only-safe copy of a parameter or fitted value."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return None


def _module_spec(estimator):
    module = estimator.module
    if module is None:
        return {"kind": "mlp", "hidden": list(estimator.hidden_layer_sizes)}
    name = getattr(module, "name", None)
    if hasattr(module, "feature_dim") and isinstance(name, str):
        return {"kind": "backbone", "name": name}
    return {"kind": "user", "class": type(module).__name__}


def save_finetuner(estimator, path):
    payload = finetuner_payload(estimator)
    if isinstance(path, (str, os.PathLike)):
        # a failed save leaves the previous file as it was
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)
    else:  # a file object of the caller's
        torch.save(payload, path)


def finetuner_payload(estimator):
    """The weights-only-safe dict that :func:`save_finetuner` writes."""
    network = estimator.network_
    if not isinstance(network, TransferNetwork):
        raise ValueError(
            f"{type(estimator).__name__}.save stores one body and one head; this "
            f"estimator's network is an ensemble (selected_strategy_="
            f"{estimator.selected_strategy_!r}). Pickle the estimator instead, or "
            "refit with more labelled rows per class or another strategy."
        )
    params = {}
    for key, value in estimator.get_params(deep=False).items():
        if key in _UNSTORABLE:
            continue
        if key == "random_state" and isinstance(value, np.random.RandomState):
            # its whole state, so the loaded estimator draws what this one would
            name, keys, pos, has_gauss, cached = value.get_state()
            value = {_RANDOM_STATE: [name, keys, pos, has_gauss, cached]}
        elif key == "random_state" and not isinstance(value, (int, type(None))):
            value = None
        elif key == "device" and isinstance(value, torch.device):
            value = str(value)
        params[key] = _plain(value)
    fitted = {}
    for key in (
        "classes_",
        "source_classes_",
        "n_features_in_",
        "feature_names_in_",
        "selected_strategy_",
        "pretrained_",
        "target_mean_",
        "target_scale_",
    ):
        if hasattr(estimator, key):
            fitted[key] = _plain(getattr(estimator, key))
            if isinstance(getattr(estimator, key), np.ndarray):
                fitted[key + "dtype"] = str(getattr(estimator, key).dtype)
    head = network.head
    state = {
        k: v.detach().cpu()
        for k, v in network.state_dict().items()
        if not k.startswith("source_head.")
    }
    return {
        "format": FORMAT,
        "class": type(estimator).__name__,
        "params": params,
        "module": _module_spec(estimator),
        "head": [int(head.in_features), int(head.out_features)],
        # auto's "target_linear" on the inputs: no body weights, a linear head
        "body": "inputs" if isinstance(network.body, InputFeatures) else "module",
        "dtype": str(next(network.parameters()).dtype).replace("torch.", ""),
        "fitted": fitted,
        "state_dict": state,
    }


def read_payload(path):
    """The dict in a file of ``save``; a clear error for any other file."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (
        pickle.UnpicklingError,
        EOFError,
        RuntimeError,
        LookupError,
        ValueError,
        TypeError,
        AttributeError,
    ) as exc:
        # torch's messages for a text file, an empty or truncated file, or a
        # pickle of code (with advice to unpickle it) say nothing useful here
        raise ValueError(
            f"{path!s} is not a file written by FineTuner.save (it is empty, "
            f"truncated or of another kind: {type(exc).__name__})"
        ) from exc
    return payload


def load_finetuner(cls, path, module=None, device="cpu"):
    payload = read_payload(path)
    return finetuner_from_payload(cls, payload, path, module=module, device=device)


def finetuner_from_payload(cls, payload, path, module=None, device="cpu"):
    """The estimator of a :func:`finetuner_payload` dict (``path`` for errors)."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(
            f"{path!s} is not a file written by FineTuner.save (format "
            f"{FORMAT!r} expected)."
        )
    if payload["class"] != cls.__name__:
        raise ValueError(
            f"{path!s} holds a {payload['class']}; load it with "
            f"{payload['class']}.load."
        )
    spec = payload["module"]
    params = dict(payload["params"])
    if spec["kind"] == "mlp":
        n_in = payload["fitted"]["n_features_in_"]
        body, _ = build_mlp(n_in, spec["hidden"])
        params["module"] = None
    elif spec["kind"] == "backbone":
        from . import backbones

        factory = getattr(backbones, spec["name"])
        template = factory(pretrained=False) if module is None else module
        body, _, _ = split_module(deep_copy(template), None)
        params["module"] = template
    else:
        if module is None:
            raise ValueError(
                f"{path!s} was fitted with a module of your own "
                f"({spec['class']}); pass that module: {cls.__name__}.load(path, "
                "module=...)."
            )
        body, _, _ = split_module(deep_copy(module), params.get("head", "auto"))
        params["module"] = module
    for key in ("hidden_layer_sizes", "blocks", "candidates", "reg_strength"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    state = params.get("random_state")
    if isinstance(state, dict) and _RANDOM_STATE in state:
        name, keys, pos, has_gauss, cached = state[_RANDOM_STATE]
        params["random_state"] = np.random.RandomState()
        params["random_state"].set_state(
            (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached)
        )
    if payload.get("body") == "inputs":
        body = InputFeatures()
    estimator = cls(**params)
    n_in, n_out = payload["head"]
    network = TransferNetwork(body, nn.Linear(n_in, n_out))
    if payload["dtype"] == "float64":
        network = network.double()
    network.load_state_dict(payload["state_dict"], strict=True)
    estimator.network_ = network.to(device).eval()
    fitted = payload["fitted"]
    for key, value in fitted.items():
        if key.endswith("_dtype"):
            continue
        dtype = fitted.get(key + "dtype")
        if isinstance(value, list) and dtype is not None:
            value = np.asarray(value, dtype=dtype)
        setattr(estimator, key, value)
    estimator.history_ = []
    estimator.selection_report_ = None
    estimator.alignment_report_ = None
    return estimator
