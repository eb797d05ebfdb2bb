"""Downloads that trickle, run too long, or were killed: no network needed.

A fake response stands in for the server and a fake clock for time, so the
deadline and the minimum rate are checked without waiting.
"""

import ast
import os
import time
import urllib.error
from pathlib import Path

import pytest

from transferkit.datasets import DownloadError, _download

MUSHROOM = "mushroom_uci/agaricus-lepiota.data"


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Trickle:
    """A response sending ``size`` bytes, ``block`` at a time, ``step`` s apart."""

    def __init__(self, clock, size, block=1, step=0.5):
        self.clock, self.left, self.block, self.step = clock, size, block, step
        self.headers = {"Content-Length": str(size)}
        self.reads = 0

    def read1(self, n):
        self.reads += 1
        self.clock.now += self.step
        out = b"x" * min(self.block, self.left, n)
        self.left -= len(out)
        return out

    read = read1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(_download, "_clock", clock, raising=False)
    monkeypatch.setenv(_download.DOWNLOAD_BASE_ENV, "http://mirror.invalid/tk")
    return clock


def _serve(monkeypatch, response):
    monkeypatch.setattr(_download, "_urlopen", lambda url, timeout: response)


def test_trickling_server_is_given_up(clock, monkeypatch, tmp_path):
    response = _Trickle(clock, size=100_000)  # one byte every 0.5 s
    _serve(monkeypatch, response)
    with pytest.raises(DownloadError, match="bytes/s"):
        _download.fetch_file(MUSHROOM, data_home=tmp_path, timeout=60)
    # given up after the first 60 s window (about 120 bytes), not after 100 kB
    assert response.reads <= 125
    assert list(tmp_path.rglob("*")) == []  # no .part, no folder left


def test_overall_deadline(clock, monkeypatch, tmp_path):
    _serve(monkeypatch, _Trickle(clock, size=100_000, block=4096, step=1.0))
    with pytest.raises(DownloadError, match="more than 10 s in all"):
        _download.fetch_file(
            MUSHROOM, data_home=tmp_path, timeout=60, deadline=10, min_rate=0
        )
    assert list(tmp_path.rglob("*")) == []


def test_steady_transfer_passes_the_pace(clock, monkeypatch, tmp_path):
    # 64 KiB per 0.1 s is fast: the only failure is the fake's checksum
    _serve(monkeypatch, _Trickle(clock, size=300_000, block=1 << 16, step=0.1))
    with pytest.raises(DownloadError, match="SHA-256"):
        _download.fetch_file(MUSHROOM, data_home=tmp_path, timeout=0.5)


def _offline(url, timeout):
    raise urllib.error.URLError("offline (test)")


def test_stale_part_files_are_cleaned_at_the_next_fetch(monkeypatch, tmp_path):
    folder = tmp_path / "mushroom_uci"
    folder.mkdir()
    stale = folder / ".agaricus-lepiota.data.k1ll3d.part"
    stale.write_bytes(b"half a file")
    old = time.time() - 2 * 86400  # two days: stale by any rule
    os.utime(stale, (old, old))
    live = folder / ".agaricus-lepiota.data.l1ve.part"  # another download's
    live.write_bytes(b"in progress")
    other = folder / ".other.file.k1ll3d.part"
    other.write_bytes(b"not ours")
    os.utime(other, (old, old))
    monkeypatch.setattr(_download, "_urlopen", _offline)
    monkeypatch.setenv(_download.DOWNLOAD_BASE_ENV, "http://mirror.invalid/tk")
    with pytest.raises(DownloadError, match="offline"):
        _download.fetch_file(MUSHROOM, data_home=tmp_path)
    assert not stale.exists()
    assert live.exists() and other.exists()


def test_stale_archive_folders_are_cleaned(monkeypatch, tmp_path):
    stale = tmp_path / ".hymenoptera.k1ll3d.part"
    (stale / "extracted").mkdir(parents=True)
    (stale / "extracted" / "a.jpg").write_bytes(b"x")
    old = time.time() - 2 * 86400  # two days: stale by any rule
    for path in (stale / "extracted" / "a.jpg", stale / "extracted", stale):
        os.utime(path, (old, old))
    monkeypatch.setattr(_download, "_urlopen", _offline)
    monkeypatch.setenv(_download.DOWNLOAD_BASE_ENV, "http://mirror.invalid/tk")
    with pytest.raises(DownloadError):
        _download.fetch_archive("hymenoptera", data_home=tmp_path)
    assert not stale.exists()


def _sibling_imports(folder):
    graph = {}
    for path in Path(folder).glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                deps.add(node.module.split(".")[0])
        graph[path.stem] = deps
    return graph


def test_datasets_modules_import_no_cycle():
    graph = _sibling_imports(Path(_download.__file__).parent)
    graph.pop("__init__")
    state = {}

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(graph.get(node, ())):
            assert state.get(dep) != "open", f"import cycle: {path + [dep]}"
            if dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
