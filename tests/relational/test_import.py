import subprocess
import sys


def test_import_loads_no_heavy_optional_dependency():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, transferkit.relational\n"
            "mods = ('torch', 'ot', 'matplotlib')\n"
            "print(sorted(m for m in mods if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[]"
