import numpy as np
from PIL import Image

from transferkit import _cli
from transferkit.benchmarks import BenchmarkTable, _registry


def _tiny_benchmark():
    table = BenchmarkTable("tiny: accuracy (%)", ["A→B", "B→A"])
    table.add_row("CORAL (published)", [50.0, 60.0])
    table.add_row("CORAL (transferkit)", [51.0, 58.5])
    return [table]


def test_benchmark_plot_writes_a_small_png(tmp_path, monkeypatch, capsys):
    _registry._load_all()
    monkeypatch.setitem(_registry._REGISTRY, "tiny-plot", (_tiny_benchmark, "tiny"))
    path = tmp_path / "tiny.png"
    assert _cli.main(["benchmark", "tiny-plot", "--plot", str(path)]) == 0
    assert "| CORAL (transferkit) | 51.0 | 58.5 |" in capsys.readouterr().out
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        pixels = np.asarray(image.convert("RGB"))
    assert (width, height) == (640, 336)  # 8 x 4.2 inches at 80 dpi
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10  # bars were drawn
    assert path.stat().st_size < 80_000
