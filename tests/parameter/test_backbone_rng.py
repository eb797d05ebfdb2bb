"""Building a backbone leaves torch's global random stream where it was."""

import pytest
import torch

from transferkit.parameter import backbones


@pytest.mark.parametrize("name", ["efficientnet_lite0", "minilm"])
@pytest.mark.parametrize("pretrained", [True, False])
def test_construction_does_not_advance_torch_rng(name, pretrained):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    getattr(backbones, name)(pretrained=pretrained)
    assert torch.equal(torch.rand(3), expected)
