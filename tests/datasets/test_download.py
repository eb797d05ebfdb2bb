"""Downloads into the data folder, against a local HTTP server on 127.0.0.1.

The server serves a copy of a few small files of the data folder (the
``data_home`` fixture), in the data folder's layout: it is the mirror that
``TRANSFERKIT_DOWNLOAD_BASE`` points at. It counts every request, and can
cut a transfer short (a Content-Length larger than what it sends).
"""

import dataclasses
import hashlib
import http.server
import io
import shutil
import socket
import threading
import urllib.parse
import zipfile
from pathlib import Path

import numpy as np
import pytest

from transferkit.datasets import (
    DataFileError,
    DownloadError,
    _download,
    fetch_hymenoptera,
    load_concrete_domains,
    load_mushroom_domains,
    load_office_caltech,
    load_relational,
)
from transferkit.datasets._home import CHECKSUMS
from transferkit.datasets._registry_urls import REMOTE_ARCHIVES, REMOTE_FILES
from transferkit.datasets._relational import RELATIONAL_CHECKSUMS

MUSHROOM = "mushroom_uci/agaricus-lepiota.data"
DSLR = "office_caltech10_surf/dslr_SURF_L10.mat"
WEBCAM = "office_caltech10_surf/webcam_SURF_L10.mat"
FOLD = "relational/uwcse/treeboostler_folds_transfer_experiment/fold_1/train_pos.txt"


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests = None  # a list, set per server
    truncate = frozenset()
    no_length = frozenset()

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        self.requests.append(urllib.parse.unquote(self.path))
        relative = urllib.parse.unquote(self.path).lstrip("/")
        if relative in self.truncate or relative in self.no_length:
            body = (Path(self.directory) / relative).read_bytes()
            self.send_response(200)
            if relative in self.truncate:
                self.send_header("Content-Length", str(len(body)))
                body = body[: len(body) // 2]
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path, data_home, monkeypatch):
    """``(served folder, requests, truncate set)``; the mirror is set in the env."""
    served = tmp_path / "served"
    for relative in (MUSHROOM, DSLR, WEBCAM, FOLD):
        (served / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(data_home) / relative, served / relative)
    requests, truncate = [], set()
    handler = type(
        "Handler",
        (_Handler,),
        {"requests": requests, "truncate": truncate, "no_length": {FOLD}},
    )

    def make(*args, **kwargs):
        return handler(*args, directory=str(served), **kwargs)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv(
        _download.DOWNLOAD_BASE_ENV, f"http://127.0.0.1:{httpd.server_address[1]}/"
    )
    yield served, requests, truncate
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _all_files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.realdata
def test_good_download_then_cached(server, data_home, tmp_path):
    _, requests, _ = server
    home = tmp_path / "home"
    Xs, ys, Xt, yt = load_mushroom_domains(data_home=home)
    assert requests == [f"/{MUSHROOM}"]
    expected = load_mushroom_domains(data_home=data_home)
    for got, want in zip((Xs, ys, Xt, yt), expected):
        np.testing.assert_array_equal(got, want)
    # the file is in place, verified, and no temporary file is left over
    assert _all_files(home) == ["mushroom_uci", MUSHROOM]
    digest = hashlib.sha256((home / MUSHROOM).read_bytes()).hexdigest()
    assert digest == CHECKSUMS[MUSHROOM]
    # a second call reads the cached file: no request at all
    load_mushroom_domains(data_home=home)
    assert requests == [f"/{MUSHROOM}"]


@pytest.mark.realdata
def test_office_caltech_download_matches_the_data_folder(server, data_home, tmp_path):
    _, requests, _ = server
    home = tmp_path / "home"
    X, y = load_office_caltech("D", data_home=home)
    X0, y0 = load_office_caltech("D", data_home=data_home)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert requests == [f"/{DSLR}"]


@pytest.mark.realdata
def test_http_404_leaves_nothing(server, tmp_path):
    served, requests, _ = server
    (served / DSLR).unlink()
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        load_office_caltech("dslr", data_home=home)
    message = str(info.value)
    assert DSLR in message and str(home) in message
    assert f"{_download.download_base()}/{DSLR}" in message
    assert requests == [f"/{DSLR}"]
    assert not home.exists()


@pytest.mark.realdata
def test_truncated_transfer_leaves_nothing(server, tmp_path):
    _, requests, truncate = server
    truncate.add(WEBCAM)
    home = tmp_path / "home"
    size = len((server[0] / WEBCAM).read_bytes())
    with pytest.raises(DownloadError, match="cut short") as info:
        load_office_caltech("webcam", data_home=home)
    message = str(info.value)
    assert f"{size // 2} of {size} bytes" in message
    assert WEBCAM in message and str(home) in message and "http://127.0.0.1:" in message
    assert not home.exists()
    # once the server is fixed, the next call downloads it properly
    truncate.clear()
    X, _ = load_office_caltech("webcam", data_home=home)
    assert X.shape == (295, 800)
    assert len(requests) == 2


@pytest.mark.realdata
def test_corrupted_file_fails_checksum_and_leaves_nothing(server, tmp_path):
    served, requests, _ = server
    body = bytearray((served / MUSHROOM).read_bytes())
    body[100] ^= 1
    (served / MUSHROOM).write_bytes(bytes(body))
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match="SHA-256") as info:
        load_mushroom_domains(data_home=home)
    message = str(info.value)
    assert CHECKSUMS[MUSHROOM] in message
    assert hashlib.sha256(bytes(body)).hexdigest() in message
    assert (
        MUSHROOM in message and str(home) in message and "http://127.0.0.1:" in message
    )
    assert not home.exists()
    assert requests == [f"/{MUSHROOM}"]


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_says_so_and_how_to_place_by_hand(monkeypatch, tmp_path):
    monkeypatch.setenv(
        _download.DOWNLOAD_BASE_ENV, f"http://127.0.0.1:{_closed_port()}"
    )
    with pytest.raises(DownloadError, match="offline") as info:
        load_mushroom_domains(data_home=tmp_path)
    message = str(info.value)
    assert "not found in the data folder" in message
    assert str(tmp_path) in message and MUSHROOM in message
    assert "place it by hand" in message and "TRANSFERKIT_DATA" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.realdata
def test_mirror_serves_files_with_no_public_address(server, data_home, tmp_path):
    served, requests, _ = server
    assert REMOTE_FILES[FOLD].url is None
    # (served without a Content-Length: read to the end of the connection)
    path = _download.fetch_file(FOLD, tmp_path / "home")
    assert path.read_bytes() == (Path(data_home) / FOLD).read_bytes()
    assert requests == [f"/{FOLD}"]
    # the manifest still decides: a changed file on the mirror is refused
    (served / FOLD).write_text("advisedby(person1,person2).\n")
    with pytest.raises(DownloadError, match="SHA-256"):
        _download.fetch_file(FOLD, tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_silent_server_times_out(monkeypatch, tmp_path):
    with socket.socket() as sock:  # accepts connections, never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        monkeypatch.setenv(_download.DOWNLOAD_BASE_ENV, base)
        with pytest.raises(DownloadError, match="cannot be reached.*timed out"):
            _download.fetch_file(MUSHROOM, tmp_path, timeout=0.2)
    assert list(tmp_path.iterdir()) == []


def test_public_addresses_without_a_mirror(monkeypatch, tmp_path):
    assert _download.download_base() is None
    assert _download.remote_url(MUSHROOM) == REMOTE_FILES[MUSHROOM].url
    assert _download.remote_url(MUSHROOM).startswith("https://raw.githubusercontent")
    # the offline path with the public address: the guard in conftest stands
    # in for a machine with no network, so nothing leaves this machine
    monkeypatch.setattr(
        _download,
        "_urlopen",
        lambda url, timeout: (_ for _ in ()).throw(
            _download.urllib.error.URLError(ConnectionRefusedError(111, "refused"))
        ),
    )
    with pytest.raises(DownloadError, match="seems to be offline") as info:
        load_mushroom_domains(data_home=tmp_path)
    assert REMOTE_FILES[MUSHROOM].url in str(info.value)
    monkeypatch.setenv(_download.DOWNLOAD_BASE_ENV, "http://127.0.0.1:8/mirror/")
    assert _download.remote_url("a b/c.txt") == "http://127.0.0.1:8/mirror/a%20b/c.txt"


def test_no_public_address_says_place_by_hand(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(_download, "_urlopen", lambda *a: calls.append(a))
    with pytest.raises(DownloadError, match="cannot be downloaded") as info:
        load_concrete_domains(data_home=tmp_path)
    assert "concrete_modeldata.csv" in str(info.value)
    assert "place it by hand" in str(info.value)
    # the relational folds: still the message the relational tests rely on
    with pytest.raises(DataFileError, match="not found in the data folder.*by hand"):
        load_relational("imdb", data_home=tmp_path)
    assert calls == []
    assert list(tmp_path.iterdir()) == []


def test_unregistered_file_is_refused(tmp_path):
    assert _download.remote_url("elsewhere/file.txt") is None
    with pytest.raises(DownloadError, match="no download registered"):
        _download.fetch_file("elsewhere/file.txt", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_if_missing_false_makes_no_request(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(_download, "_urlopen", lambda *a: calls.append(a))
    with pytest.raises(DataFileError, match="not found") as info:
        load_mushroom_domains(data_home=tmp_path, download_if_missing=False)
    assert not isinstance(info.value, DownloadError)
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_registry_covers_every_manifest_entry():
    manifest = {**CHECKSUMS, **RELATIONAL_CHECKSUMS}
    assert set(REMOTE_FILES) == set(manifest)
    for path, entry in REMOTE_FILES.items():
        assert entry.path == path and entry.sha256 == manifest[path]
        assert entry.origin
        if entry.url is None:
            assert "by hand" in entry.note or "mirror" in entry.note, path
        else:
            assert entry.url.startswith("https://"), path
    with_url = {p for p, e in REMOTE_FILES.items() if e.url}
    assert with_url == {
        *(f"office_caltech10_surf/{d}_SURF_L10.mat" for d in ("amazon", "caltech")),
        DSLR,
        WEBCAM,
        "office_caltech10_decaf/dslr_decaf.mat",
        "office_caltech10_decaf/webcam_decaf.mat",
        MUSHROOM,
        "newsgroups20/20newsgroups-train.tab",
        "newsgroups20/20newsgroups-test.tab",
    }
    archive = REMOTE_ARCHIVES["hymenoptera"]
    assert archive.url == "https://download.pytorch.org/tutorial/hymenoptera_data.zip"
    assert archive.sha256 is None


# ---- archives: the hymenoptera zip, built here in its published layout ----


_JPEG = b"\xff\xd8\xff\xe0"  # a JPEG's first bytes


def _hymenoptera_zip(counts=None, replace=None):
    counts = counts or REMOTE_ARCHIVES["hymenoptera"].expected_files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for folder, n in counts.items():
            inner = folder.replace("images/hymenoptera/", "hymenoptera_data/")
            zf.writestr(inner + "/", b"")
            for i in range(n):
                zf.writestr(f"{inner}/{i}.jpg", _JPEG + f"{folder} {i}".encode())
            zf.writestr(f"{inner}/.DS_Store", b"finder metadata")
        for name, data in (replace or {}).items():
            zf.writestr(name, data)
        zf.writestr("__MACOSX/hymenoptera_data/._x.jpg", b"resource fork")
    return buffer.getvalue()


def test_archive_download_and_extract(server, tmp_path):
    served, requests, _ = server
    (served / "hymenoptera_data.zip").write_bytes(_hymenoptera_zip())
    home = tmp_path / "home"
    root = fetch_hymenoptera(data_home=home)
    assert root == home / "images" / "hymenoptera"
    assert (root / "train" / "bees" / "120.jpg").read_bytes() == (
        _JPEG + b"images/hymenoptera/train/bees 120"
    )
    assert sum(1 for p in root.rglob("*") if p.is_file()) == 124 + 121 + 70 + 83
    assert not list(root.rglob(".DS_Store"))
    # nothing but the extracted folder: no archive, no temporary folder
    assert [p.name for p in home.iterdir()] == ["images"]
    assert fetch_hymenoptera(data_home=home) == root
    assert requests == ["/hymenoptera_data.zip"]


def test_archive_member_over_the_limit_is_refused_from_its_header(
    server, tmp_path, monkeypatch
):
    served, _, _ = server
    big = _JPEG + bytes(3 * 2**20)  # compresses to almost nothing
    member = "hymenoptera_data/train/ants/big.jpg"
    (served / "hymenoptera_data.zip").write_bytes(
        _hymenoptera_zip(replace={member: big})
    )
    entry = REMOTE_ARCHIVES["hymenoptera"]
    small = dataclasses.replace(entry, max_member_bytes=2**20)
    monkeypatch.setitem(REMOTE_ARCHIVES, "hymenoptera", small)
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match="big.jpg.*over the limit"):
        fetch_hymenoptera(data_home=home)
    assert member not in opened  # rejected before a byte was extracted
    assert not home.exists()


def test_photo_archive_without_images_is_refused(server, tmp_path):
    served, _, _ = server
    member = "hymenoptera_data/val/bees/page.jpg"
    (served / "hymenoptera_data.zip").write_bytes(
        _hymenoptera_zip(replace={member: b"<html>not found</html>"})
    )
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match="page.jpg.*not a JPEG or PNG"):
        fetch_hymenoptera(data_home=home)
    assert not home.exists()


def test_archive_with_wrong_content_leaves_nothing(server, tmp_path):
    served, _, _ = server
    counts = dict(REMOTE_ARCHIVES["hymenoptera"].expected_files)
    counts["images/hymenoptera/val/bees"] = 82
    (served / "hymenoptera_data.zip").write_bytes(_hymenoptera_zip(counts))
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match="holds 82 files.*expected 83"):
        fetch_hymenoptera(data_home=home)
    assert not home.exists()
    (served / "hymenoptera_data.zip").write_bytes(b"not a zip")
    with pytest.raises(DownloadError, match="not a zip archive"):
        fetch_hymenoptera(data_home=home)
    assert not home.exists()


@pytest.mark.realdata
def test_hymenoptera_present_needs_no_download(data_home, monkeypatch):
    calls = []
    monkeypatch.setattr(_download, "_urlopen", lambda *a: calls.append(a))
    root = fetch_hymenoptera(data_home=data_home)
    assert root == Path(data_home) / "images" / "hymenoptera"
    assert calls == []


def test_hymenoptera_incomplete_folder_is_not_overwritten(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(_download, "_urlopen", lambda *a: calls.append(a))
    (tmp_path / "images" / "hymenoptera" / "train" / "ants").mkdir(parents=True)
    with pytest.raises(
        DataFileError, match=r"lacks \[.train/bees., .val/ants., .val/bees.\]"
    ):
        fetch_hymenoptera(data_home=tmp_path)
    with pytest.raises(DataFileError, match="hymenoptera_data.zip"):
        fetch_hymenoptera(data_home=tmp_path / "none", download_if_missing=False)
    assert calls == []
