"""Turn the inputs a fine-tuner accepts into batches for a torch module.

Accepted inputs:

- numeric arrays (numpy arrays, array-likes, torch tensors) of any shape
  ``(n_samples, ...)``; 2-D input is validated like every scikit-learn
  estimator's (finite values, ``n_features_in_``, feature names);
- a ``torch.utils.data.Dataset`` whose items are a tensor or a
  ``(tensor, label)`` pair (the labels are used when ``y`` is None);
- a list of image paths or of strings, when the module is an image or text
  backbone of :mod:`transferkit.parameter.backbones` (it prepares the batches
  with its own resizing, normalisation or tokenizer).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._torch import import_torch

__all__ = ["InputSet", "as_input_set"]


class InputSet:
    """``n`` samples that can be cut into batches for a module.

    Parameters
    ----------
    kind : {"tensor", "dataset", "prepared"}
        How batches are made: slicing a tensor, indexing a Dataset, or the
        module's ``prepare`` method on a list of raw inputs (paths, strings).
    data : object
        The tensor, Dataset or list.
    module : torch.nn.Module or None
        The backbone whose ``prepare`` makes the batches (kind "prepared").
    """

    def __init__(self, kind, data, module=None, sample_shape=None):
        self.kind = kind
        self.data = data
        self.module = module
        self.sample_shape = sample_shape

    def __len__(self):
        return len(self.data)

    def subset(self, indices):
        """The samples at ``indices``, as a new InputSet."""
        indices = np.asarray(indices, dtype=np.int64)
        if self.kind == "tensor":
            torch = import_torch()
            return InputSet(
                "tensor",
                self.data[torch.as_tensor(indices)],
                self.module,
                self.sample_shape,
            )
        if self.kind == "dataset":
            torch = import_torch()
            return InputSet(
                "dataset",
                torch.utils.data.Subset(self.data, indices.tolist()),
                self.module,
                self.sample_shape,
            )
        return InputSet(
            "prepared", [self.data[i] for i in indices], self.module, self.sample_shape
        )

    def concat(self, other):
        """These samples followed by ``other``'s (same kind)."""
        torch = import_torch()
        if self.kind != other.kind:
            raise ValueError(
                f"cannot combine {self.kind} inputs with {other.kind} inputs; give "
                "the source and the target in the same form."
            )
        if self.kind == "tensor":
            return InputSet(
                "tensor", torch.cat([self.data, other.data]), self.module, None
            )
        if self.kind == "dataset":
            return InputSet(
                "dataset",
                torch.utils.data.ConcatDataset([self.data, other.data]),
                self.module,
                None,
            )
        return InputSet("prepared", list(self.data) + list(other.data), self.module)

    def batch(self, indices, device, *, train=False, generator=None):
        """The inputs at ``indices`` as what the module's ``forward`` takes."""
        torch = import_torch()
        if self.kind == "tensor":
            if not torch.is_tensor(indices):
                indices = torch.as_tensor(np.asarray(indices, dtype=np.int64))
            return self.data[indices].to(device, non_blocking=True)
        if self.kind == "dataset":
            items = [_dataset_input(self.data[int(i)]) for i in indices]
            return torch.stack(
                [torch.as_tensor(x, dtype=torch.float32) for x in items]
            ).to(device)
        raw = [self.data[int(i)] for i in indices]
        prepared = self.module.prepare(raw, train=train, generator=generator)
        return _to_device(prepared, device)

    def raw(self):
        """The raw inputs (list) of a "prepared" set, for a backbone's ``encode``."""
        return list(self.data)


def _to_device(batch, device):
    if isinstance(batch, dict):
        return {k: v.to(device) for k, v in batch.items()}
    return batch.to(device)


def _dataset_input(item):
    if isinstance(item, (tuple, list)):
        return item[0]
    return item


def dataset_labels(dataset):
    """The labels of a Dataset whose items are ``(input, label)`` pairs, else None."""
    if len(dataset) == 0:
        return None
    first = dataset[0]
    if not isinstance(first, (tuple, list)) or len(first) < 2:
        return None
    labels = []
    for i in range(len(dataset)):
        label = dataset[i][1]
        if hasattr(label, "item"):
            label = label.item()
        labels.append(label)
    return np.asarray(labels)


def _is_raw_list(X):
    return isinstance(X, (list, tuple)) and (
        len(X) > 0 and all(isinstance(x, (str, Path)) for x in X)
    )


def _check_numeric(array, arg):
    if array.size and not np.all(np.isfinite(array)):
        raise ValueError(
            f"Input {arg} contains NaN or infinity; the fine-tuner needs finite values."
        )


def as_input_set(X, arg, module_kind, module, *, dtype=np.float32):
    """Wrap ``X`` into an :class:`InputSet`, with errors that name ``arg``.

    Parameters
    ----------
    X : array-like, torch tensor, Dataset or list of str / paths
        The inputs.
    arg : str
        The argument's name, for error messages ("X", "Xt").
    module_kind : {"tensor", "image", "text"}
        What the module takes: ``input_kind`` of a backbone, else "tensor".
    module : torch.nn.Module
        The module (its ``prepare`` is used for images and text).
    """
    torch = import_torch()
    if isinstance(X, torch.utils.data.Dataset) and not torch.is_tensor(X):
        if len(X) == 0:
            raise ValueError(f"{arg} is an empty Dataset; at least one sample needed.")
        return InputSet("dataset", X, module)
    if module_kind in ("image", "text"):
        if isinstance(X, np.ndarray) and X.dtype.kind in "UO" and X.ndim == 1:
            X = X.tolist()
        if not _is_raw_list(X):
            what = "image file paths" if module_kind == "image" else "strings"
            raise ValueError(
                f"{arg} must be a non-empty list of {what} for a {module_kind} "
                f"backbone, got {type(X).__name__}."
            )
        items = [str(x) for x in X] if module_kind == "image" else list(X)
        return InputSet("prepared", items, module)
    if _is_raw_list(X):
        raise ValueError(
            f"{arg} is a list of strings or paths, but the module takes tensors; "
            "use an image or text backbone from transferkit.parameter.backbones "
            "(or convert the inputs to arrays)."
        )
    if torch.is_tensor(X):
        torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
        tensor = X.detach().to("cpu", dtype=torch_dtype).clone()
        if tensor.ndim < 2:
            raise ValueError(
                f"{arg} must have shape (n_samples, ...) with at least 2 "
                f"dimensions, got shape {tuple(tensor.shape)}."
            )
        _check_numeric(tensor.numpy(), arg)
        return InputSet("tensor", tensor, module, tuple(tensor.shape[1:]))
    array = np.asarray(X)
    if array.dtype.kind not in "biuf" or array.ndim < 2:
        raise ValueError(
            f"{arg} must be a numeric array of shape (n_samples, ...) with at least "
            f"2 dimensions, got dtype {array.dtype} and shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{arg} is empty (shape={array.shape}).")
    _check_numeric(array, arg)
    tensor = torch.tensor(np.array(array, dtype=dtype, copy=True))
    return InputSet("tensor", tensor, module, tuple(tensor.shape[1:]))


def check_same_sample_shape(source, target, arg="Xt"):
    """Raise when two tensor inputs disagree in their per-sample shape."""
    if source is None or target is None:
        return
    if source.sample_shape is None or target.sample_shape is None:
        return
    if source.sample_shape != target.sample_shape:
        raise ValueError(
            f"{arg} has samples of shape {target.sample_shape} but X has samples of "
            f"shape {source.sample_shape}: the source and the target must have the "
            "same number of features."
        )
