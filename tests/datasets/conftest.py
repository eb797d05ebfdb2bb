"""The dataset tests never reach the network: only 127.0.0.1 may be opened."""

import urllib.parse

import pytest

from transferkit.datasets import _download


@pytest.fixture(autouse=True)
def _local_downloads_only(monkeypatch):
    """Refuse any download address that is not on 127.0.0.1, and no mirror leaks in."""
    monkeypatch.delenv(_download.DOWNLOAD_BASE_ENV, raising=False)
    real = _download._urlopen

    def guarded(url, timeout):
        host = urllib.parse.urlsplit(url).hostname
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to download {url}")
        return real(url, timeout)

    monkeypatch.setattr(_download, "_urlopen", guarded)
