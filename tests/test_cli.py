import io
import json
import subprocess
import sys

import pytest

import transferkit
from transferkit._cli import main, run_benchmark, run_demo
from transferkit.benchmarks import BenchmarkTable, available_benchmarks, register


def test_version_flag():
    out = subprocess.run(
        [sys.executable, "-m", "transferkit", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert transferkit.__version__ in out


@pytest.mark.slow
def test_demo_runs_every_available_estimator():
    out = io.StringIO()
    rows = run_demo(out=out)
    labels = [r[0] for r in rows]
    assert labels[:2] == [
        "source only",
        "target only (oracle, 5-fold CV on all target labels)",
    ]
    from transferkit._cli import _available_estimators

    for name, cls in _available_estimators():
        from sklearn.base import is_regressor

        if not is_regressor(cls()):
            assert name in labels
    failures = [r for r in rows if r[1] is None]
    assert not failures, failures
    assert "| source only |" in out.getvalue()


def test_benchmark_registry_and_json(capsys):
    @register("unit-test-bench", "a benchmark for the CLI test")
    def bench(repeats=1):
        table = BenchmarkTable("t", ["a", "b"])
        table.add_row("ours", [float(repeats), None])
        return [table]

    assert "unit-test-bench" in available_benchmarks()
    run_benchmark("unit-test-bench", as_json=True, repeats=3)
    data = json.loads(capsys.readouterr().out)
    assert data[0]["rows"][0] == {"method": "ours", "values": [3.0, None]}
    assert main(["benchmark", "unit-test-bench", "--repeats", "2"]) == 0
    assert "| ours | 2.0 | — |" in capsys.readouterr().out
    with pytest.raises(ValueError, match="takes no option"):
        run_benchmark("unit-test-bench", family="feature")
    with pytest.raises(KeyError, match="unknown benchmark"):
        run_benchmark("no-such-benchmark")


def test_benchmark_list(capsys):
    assert main(["benchmark", "--list"]) == 0
