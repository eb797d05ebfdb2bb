"""The peer-comparison house (benchmarks/peers/): one module per library."""

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def house():
    """``benchmarks/compare_peers.py``, loaded by path as its test suite does."""
    name = "transferkit_benchmarks_compare_peers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "benchmarks" / "compare_peers.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_libraries_are_found_transferkit_first(house):
    names = [m.LIBRARY for m in house.library_modules()]
    assert names[0] == "transferkit"
    assert names[1:] == sorted(names[1:]) and {"adapt", "skada"} <= set(names)


def test_rows_are_those_of_the_single_file_version(house):
    """Labels and order of the rows, as the 1,300-line file defined them."""
    labels = {c.key: [i.label for i in c.implementations] for c in house.comparisons()}
    assert labels["kmm-synthetic"] == [
        "transferkit KMM (default solver)",
        "ADAPT KMM (default max_size=1000)",
        "ADAPT KMM (max_size=2000)",
        "skada KMMReweightAdapter",
    ]
    assert labels["kmm-digits"] == [
        "transferkit KMM (default solver)",
        "transferkit KMM (solver='cvxpy')",
        "ADAPT KMM (default max_size=1000)",
        "skada KMMReweightAdapter",
    ]
    assert labels["ulsif-digits"] == ["transferkit ULSIF", "ADAPT ULSIF"]
    assert labels["tradaboost-mushroom"] == [
        "transferkit TrAdaBoostClassifier",
        "ADAPT TrAdaBoost",
    ]
    assert labels["tca-1000"] == [
        "transferkit TCA (exact)",
        "transferkit TCA (n_landmarks=500)",
        "ADAPT TCA",
        "skada TransferComponentAnalysisAdapter",
    ]
    assert labels["sa-4000"] == [
        "transferkit SubspaceAlignment",
        "ADAPT SA",
        "skada SubspaceAlignmentAdapter",
    ]
    assert len(labels) == 15


def test_a_new_peer_is_one_module(house, monkeypatch):
    """A library module with a ``coral`` function joins the CORAL rows; when it
    cannot be imported its row says so and the others are measured."""
    libraries = sys.modules[house.library_modules.__module__]
    fake = types.ModuleType("lib_zpeer")
    fake.LIBRARY, fake.DISTRIBUTIONS = "zpeer", ()

    def load():
        raise ImportError("No module named 'zpeer'")

    def coral(reg):
        def fit(task):
            return house.peer("zpeer")

        return [house.Implementation("zpeer", f"zpeer CORAL (reg={reg})", fit)]

    fake.load, fake.coral = load, coral
    real = libraries.library_modules
    monkeypatch.setattr(libraries, "library_modules", lambda: [*real(), fake])
    monkeypatch.setattr(libraries, "_LOADED", {})
    impls = house.implementations("coral", reg=1.0)
    assert [i.label for i in impls] == [
        "transferkit CORAL",
        "ADAPT CORAL",
        "skada CORALAdapter (reg='auto')",
        "zpeer CORAL (reg=1.0)",
    ]
    assert house.implementations("sa", n_components=2)[-1].library == "skada"
    with pytest.raises(ValueError, match="unknown libraries"):
        house.implementations("coral", reg=1.0, extra={"nope": {}})

    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(40, 3)), rng.normal(1.0, 2.0, size=(40, 3))
    ys = yt = (np.arange(40) % 2).astype(int)
    task = house.Task("tiny", Xs, ys, Xt, yt)
    comp = house.Comparison(
        "coral-tiny",
        "coral-tiny",
        "CORAL",
        lambda: task,
        "λ = 1",
        [i for i in impls if i.library in ("transferkit", "zpeer")],
        lambda out, t: {"accuracy": house.embedding_accuracy(out, t)},
    )
    _, rows, _ = house.run_comparison(comp, repeats=1, log=lambda *a: None)
    assert rows[0].error is None and len(rows[0].times) == 1
    assert rows[1].error.startswith("zpeer is not installed")
    table = house.format_table([(comp, task, rows, None)])
    assert (
        "zpeer CORAL (reg=1.0)" in table and "not run: zpeer is not installed" in table
    )
