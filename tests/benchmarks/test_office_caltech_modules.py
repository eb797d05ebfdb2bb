"""The Office-Caltech modules: no import cycle, one home for tasks and rows."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from transferkit.benchmarks import _office_caltech_instance as inst
from transferkit.benchmarks import _office_caltech_tasks as tasks
from transferkit.benchmarks import office_caltech as oc

MODULES = {
    "office_caltech": "transferkit.benchmarks.office_caltech",
    "instance": "transferkit.benchmarks._office_caltech_instance",
    "tasks": "transferkit.benchmarks._office_caltech_tasks",
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_alone(name):
    """In a fresh interpreter, each module imports first and on its own."""
    code = f"import importlib; importlib.import_module({MODULES[name]!r}); print('ok')"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def _imports(module, top_level_only):
    """Last components of the module names that ``module`` imports."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    names = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            names.add((node.module or "").rsplit(".", 1)[-1])
        elif isinstance(node, ast.Import):
            names.update(alias.name.rsplit(".", 1)[-1] for alias in node.names)
    return names


def test_no_import_cycle_between_the_two_benchmark_modules():
    """The instance tables import nothing from office_caltech, not even
    lazily (they used to, for the tasks and the published row); office_caltech
    imports the instance module only inside the function that delegates."""
    assert "office_caltech" not in _imports(inst, top_level_only=False)
    assert "_office_caltech_instance" not in _imports(oc, top_level_only=True)
    assert "_office_caltech_tasks" in _imports(oc, top_level_only=True)
    assert "_office_caltech_tasks" in _imports(inst, top_level_only=True)
    assert not {"office_caltech", "_office_caltech_instance"} & _imports(
        tasks, top_level_only=False
    )


def test_tasks_and_published_rows_have_one_home():
    for name in ("SURF_TASKS", "DECAF_TASKS", "PUBLISHED_SURF", "PUBLISHED_DECAF"):
        assert getattr(oc, name) is getattr(tasks, name), name
        assert name in oc.__all__
    assert inst.SURF_TASKS is tasks.SURF_TASKS
    assert inst.PUBLISHED_SURF is tasks.PUBLISHED_SURF
    # what another module imports from office_caltech stays importable there
    from transferkit.benchmarks.office_caltech import (  # noqa: F401
        SETTINGS,
        SURF_TASKS,
        office_caltech_accuracies,
    )


def test_instance_tables_reject_unknown_tasks():
    with pytest.raises(ValueError, match="SURF_TASKS"):
        inst.instance_tables(tasks=[("A", "X")])
    with pytest.raises(ValueError, match="features='surf'"):
        inst.instance_tables(features="decaf")
