"""The base class every pretrained backbone derives from."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch

__all__ = ["Backbone"]


class Backbone(torch.nn.Module):
    """A pretrained body: inputs to pooled features, no classifier.

    Subclasses define ``forward(batch)`` (a batch from :meth:`prepare` to a
    float tensor of shape ``(B, feature_dim)``), :meth:`prepare`,
    :meth:`layer_groups` and ``_cache_key``, and set the attributes below in
    their constructor. :meth:`encode` (frozen, cached features) and
    :meth:`clear_cache` are shared.

    Attributes
    ----------
    name : str
        The factory's name, e.g. ``"efficientnet_lite0"``.
    feature_dim : int
        Width of the features ``forward`` returns.
    input_kind : str
        ``"image"`` or ``"text"``.
    transferkit_pretrained : bool
        True when the published weights were loaded.

    Notes
    -----
    The feature cache lives on the instance (a dict from an input's key to
    its feature row). It is not pickled nor deep-copied: a copy starts with
    an empty cache, since a copy is usually made to change the weights.
    Call :meth:`clear_cache` after changing the weights of this instance.
    """

    name = "backbone"
    feature_dim = 0
    input_kind = ""
    transferkit_pretrained = False

    def __init__(self):
        super().__init__()
        self._feature_cache = {}

    # -- to be defined by subclasses -------------------------------------
    def prepare(self, inputs, train=False, generator=None):  # pragma: no cover
        """Turn a list of inputs into the batch ``forward`` takes."""
        raise NotImplementedError

    def layer_groups(self):  # pragma: no cover
        """The body's modules in groups, from the input to the output."""
        raise NotImplementedError

    def _cache_key(self, item):  # pragma: no cover
        raise NotImplementedError

    # -- shared ----------------------------------------------------------
    def encode(self, inputs, batch_size=32, cache=True):
        """Features of frozen weights, in eval and inference mode.

        The train/eval mode of every submodule is restored after.

        Parameters
        ----------
        inputs : sequence
            Inputs accepted by :meth:`prepare` (image paths or PIL images;
            strings for text).
        batch_size : int, default=32
            Inputs per forward pass.
        cache : bool, default=True
            Look up and store each input's features in the instance's cache,
            so that the body runs once per input across calls (images are
            keyed by resolved path, file size and modification time, or by
            their pixels for PIL images; text by the string).

        Returns
        -------
        features : ndarray of shape (n_inputs, feature_dim), float32
        """
        if isinstance(inputs, (str, bytes)):
            raise TypeError(
                "inputs must be a list of inputs, not a single "
                f"{type(inputs).__name__}; wrap it in a list"
            )
        inputs = list(inputs)
        if (
            not isinstance(batch_size, Integral)
            or isinstance(batch_size, bool)
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        out = np.empty((len(inputs), self.feature_dim), dtype=np.float32)
        if not inputs:
            return out
        if cache:
            keys = [self._cache_key(item) for item in inputs]
            todo = {}
            for i, key in enumerate(keys):
                if key not in self._feature_cache and key not in todo:
                    todo[key] = i
            order = list(todo.values())
        else:
            order = list(range(len(inputs)))
        computed = self._run_frozen([inputs[i] for i in order], int(batch_size))
        if cache:
            for i, row in zip(order, computed):
                self._feature_cache[keys[i]] = row
            for i, key in enumerate(keys):
                out[i] = self._feature_cache[key]
        else:
            out[:] = computed
        return out

    def _run_frozen(self, items, batch_size):
        """Forward ``items`` in eval + inference mode; restore the modes after.

        Each submodule gets its own mode back (a body trained with frozen
        batch-norm layers keeps them in eval).
        """
        rows = np.empty((len(items), self.feature_dim), dtype=np.float32)
        modes = [(module, module.training) for module in self.modules()]
        self.eval()
        try:
            with torch.inference_mode():
                for start in range(0, len(items), batch_size):
                    chunk = items[start : start + batch_size]
                    features = self(self.prepare(chunk))
                    rows[start : start + len(chunk)] = (
                        features.detach().to(torch.float32).cpu().numpy()
                    )
        finally:
            for module, training in modes:
                module.training = training
        return rows

    def clear_cache(self):
        """Empty the feature cache (call it before changing the weights)."""
        self._feature_cache = {}

    @property
    def n_cached(self):
        """Number of inputs whose features are cached."""
        return len(self._feature_cache)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_feature_cache"] = {}
        return state

    def extra_repr(self):
        return (
            f"name={self.name!r}, feature_dim={self.feature_dim}, "
            f"pretrained={self.transferkit_pretrained}"
        )
