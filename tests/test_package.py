import subprocess
import sys

import transferkit


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def test_import_loads_no_heavy_optional_dependency():
    out = _run(
        "import sys, transferkit, transferkit.feature, transferkit.instance, "
        "transferkit.metrics, transferkit.pipeline, transferkit.datasets\n"
        "print(sorted(m for m in ('torch', 'ot', 'matplotlib', 'tensorflow') "
        "if m in sys.modules))"
    )
    assert out.strip() == "[]"


def test_import_does_not_touch_sklearn_config():
    out = _run(
        "import sklearn; before = sklearn.get_config()\n"
        "import transferkit, transferkit.feature, transferkit.instance\n"
        "import transferkit.pipeline, transferkit.metrics\n"
        "print(sklearn.get_config() == before)"
    )
    assert out.strip() == "True"


def test_version_and_show_versions(capsys):
    assert transferkit.__version__.count(".") == 2
    transferkit.show_versions()
    out = capsys.readouterr().out
    for word in ("transferkit", "numpy", "scikit-learn", "cvxpy", "torch", "ot"):
        assert word in out


def test_no_file_cites_private_notes():
    """Users never get the project's private notes: cite docs/references.md."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    names = ("BENCHMARKS" + ".md", "ALGORITHMS" + ".md")
    files = [root / "README.md", root / "mkdocs.yml"]
    for folder in ("transferkit", "docs", "benchmarks"):
        files += [p for p in (root / folder).rglob("*") if p.suffix in (".py", ".md")]
    cited = [
        f"{path.relative_to(root)}: {name}"
        for path in files
        for name in names
        if name in path.read_text(encoding="utf-8")
    ]
    assert cited == []
    assert (root / "docs" / "references.md").is_file()
    assert "references.md" in (root / "mkdocs.yml").read_text(encoding="utf-8")
