"""The Office-Caltech modules: no import cycle, one home for tasks and rows."""

import subprocess
import sys

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
def test_each_module_imports_alone_without_the_other(name):
    """In a fresh interpreter, each module imports on its own, and neither
    of the two benchmark modules pulls in the other at import time."""
    others = [m for key, m in MODULES.items() if key not in (name, "tasks")]
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({MODULES[name]!r})\n"
        f"loaded = [m for m in {others!r} if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


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
