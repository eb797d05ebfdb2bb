"""EfficientNet-Lite0 forward speed and the feature cache (pytest-benchmark).

``pytest benchmarks/test_speed_backbones.py --benchmark-only`` (``-m slow``
for the full-size cases). One torch thread: ``torch.set_num_threads(1)`` is
set around each case and restored. Compare within one run: the default
(NCHW) layout against ``channels_last`` (weights and batch), ``no_grad``
against ``inference_mode``, and ``encode`` of 16 photos with an empty cache
against a warm one (no forward pass at all).

Measured for this project (2-core shared machine, one thread, batch 16):
``channels_last`` about 1.35x the images/s of the default layout; the
inference-mode difference is within noise. ``Backbone.encode`` uses both.
"""

import copy

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit.parameter.backbones import efficientnet_lite0


@pytest.fixture(scope="module")
def bodies():
    fast = efficientnet_lite0()
    plain = copy.deepcopy(fast)
    plain.net = plain.net.to(memory_format=torch.contiguous_format)
    plain.channels_last = False
    return {"channels_last": fast.eval(), "nchw": plain.eval()}


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    paths = []
    for i in range(16):
        arr = np.random.default_rng(i).integers(0, 256, (180, 240, 3), np.uint8)
        paths.append(folder / f"{i}.jpg")
        Image.fromarray(arr).save(paths[-1])
    return paths


def _forward(benchmark, body, n, context, rounds):
    layout = torch.channels_last if body.channels_last else torch.contiguous_format
    x = torch.rand(n, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    x = (x * 2 - 1).contiguous(memory_format=layout)
    benchmark.extra_info["images"] = n

    def run():
        with context():
            return body(x)

    out = benchmark.pedantic(run, rounds=rounds, iterations=1, warmup_rounds=1)
    assert out.shape == (n, 1280)


@pytest.mark.benchmark(group="lite0-forward-batch2")
@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_forward_small_batch(benchmark, bodies, one_thread, layout):
    _forward(benchmark, bodies[layout], 2, torch.inference_mode, rounds=3)


@pytest.mark.slow
@pytest.mark.benchmark(group="lite0-forward-batch16")
@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_forward_batch16(benchmark, bodies, one_thread, layout, mode):
    context = torch.no_grad if mode == "no_grad" else torch.inference_mode
    _forward(benchmark, bodies[layout], 16, context, rounds=5)


@pytest.mark.slow
@pytest.mark.benchmark(group="lite0-encode16")
def test_encode_uncached(benchmark, bodies, one_thread, photos):
    body = bodies["channels_last"]
    out = benchmark.pedantic(
        lambda: body.encode(photos, batch_size=16, cache=False), rounds=3, iterations=1
    )
    assert out.shape == (16, 1280)


@pytest.mark.benchmark(group="lite0-encode16")
def test_encode_cached(benchmark, bodies, one_thread, photos):
    body = bodies["channels_last"]
    body.clear_cache()
    first = body.encode(photos, batch_size=16)
    out = benchmark.pedantic(
        lambda: body.encode(photos, batch_size=16), rounds=20, iterations=1
    )
    np.testing.assert_array_equal(out, first)
    body.clear_cache()
