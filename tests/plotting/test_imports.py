import subprocess
import sys

# Import transferkit, every subpackage and module but transferkit.plotting, and
# every registered benchmark module; then list what of matplotlib got loaded.
CODE = """
import importlib, pkgutil, sys
import transferkit
names, todo = [], [transferkit]
while todo:  # walk_packages would import transferkit.plotting to walk it
    package = todo.pop()
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name == "transferkit.plotting":
            continue
        module = importlib.import_module(info.name)
        names.append(info.name)
        if info.ispkg:
            todo.append(module)
from transferkit.benchmarks import available_benchmarks
available_benchmarks()
print(len(names))
print(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"))
"""


def test_nothing_but_transferkit_plotting_imports_matplotlib():
    proc = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True
    )
    count, loaded = proc.stdout.strip().splitlines()
    assert int(count) > 40  # the walk found the package's modules
    assert loaded == "[]"


def test_transferkit_plotting_does_import_it():
    code = "import sys, transferkit.plotting; print('matplotlib' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "True"
