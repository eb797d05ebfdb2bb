"""Every ```python block of README.md and docs/**/*.md runs on its own.

Each block is run alone, in a fresh interpreter (``python -c``), with
``TRANSFERKIT_DATA`` set, so a block that relies on an import or a variable
from an earlier block fails here as it would for a reader who pastes it.
A block preceded by ``<!-- docs-test: skip REASON -->`` (for blocks too slow
for the test run) is only compiled, never run; the reason is required.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s+(?P<reason>[^>]*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*$")


# Blocks on pages this test's owner may not edit, known to fail alone, with
# the fix their owner needs to make. Strict: once fixed, the entry must go.
KNOWN_BROKEN = {}


def _pages():
    pages = [ROOT / "README.md"]
    pages += sorted((ROOT / "docs").rglob("*.md"))
    return [p for p in pages if p.is_file()]


def extract_blocks(text):
    """``(first_line, code, skip_reason)`` of each ```python block of ``text``."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent = len(match.group("indent"))
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        code = "\n".join(line[indent:] for line in lines[start:j]) + "\n"
        previous = next(
            (lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), ""
        )
        skip = SKIP.search(previous)
        blocks.append((start + 1, code, skip.group("reason") if skip else None))
        i = j + 1
    return blocks


def _cases():
    cases = []
    for page in _pages():
        for line, code, reason in extract_blocks(page.read_text(encoding="utf-8")):
            name = f"{page.relative_to(ROOT).as_posix()}:{line}"
            marks = ()
            if name in KNOWN_BROKEN:
                marks = pytest.mark.xfail(reason=KNOWN_BROKEN[name], strict=True)
            cases.append(pytest.param(page, line, code, reason, id=name, marks=marks))
    return cases


def test_extractor_reads_fences_and_skip_markers():
    text = (
        "intro\n```python\nx = 1\n```\n\n<!-- docs-test: skip needs a GPU -->\n"
        "```python\ny = 2\n```\n```bash\nls\n```\n"
    )
    blocks = extract_blocks(text)
    assert [(code, reason) for _, code, reason in blocks] == [
        ("x = 1\n", None),
        ("y = 2\n", "needs a GPU"),
    ]


def test_pages_hold_python_blocks():
    assert len(_cases()) >= 10


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("page, line, code, reason", _cases())
def test_docs_block_runs_alone(page, line, code, reason, data_home, tmp_path):
    compile(code, f"{page.name}:{line}", "exec")  # every block: valid Python
    if reason is not None:
        assert reason.strip(), "a docs-test skip marker needs a reason"
        return  # too slow to run here, by the page's own marker
    env = dict(
        os.environ, TRANSFERKIT_DATA=os.path.abspath(data_home), MPLBACKEND="Agg"
    )
    env.pop("SCIPY_ARRAY_API", None)  # set by conftest, not by a reader
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"{page.relative_to(ROOT)} line {line} fails when run alone:\n"
        f"{proc.stderr[-3000:]}"
    )
