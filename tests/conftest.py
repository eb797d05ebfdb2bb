"""Test configuration.

Tests marked ``realdata`` read the benchmark data through the environment
variable ``TRANSFERKIT_DATA`` (CI sets ``TRANSFERKIT_DATA=../shared/data``).
They are never skipped: without the data they fail, loudly.
"""

import os

# scikit-learn's estimator checks include an array-API check that skips
# itself unless SciPy's array API support is on; turn it on before SciPy is
# imported so that the check runs instead of being skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import urllib.parse  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _local_downloads_only(monkeypatch):
    """No test reaches the network: downloads may only open 127.0.0.1.

    A mirror set in the environment does not leak in either; a test that
    needs one sets ``TRANSFERKIT_DOWNLOAD_BASE`` itself.
    """
    from transferkit.datasets import _download

    monkeypatch.delenv(_download.DOWNLOAD_BASE_ENV, raising=False)
    real = _download._urlopen

    def guarded(url, timeout):
        host = urllib.parse.urlsplit(url).hostname
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to download {url}")
        return real(url, timeout)

    monkeypatch.setattr(_download, "_urlopen", guarded)


@pytest.fixture(scope="session")
def data_home():
    home = os.environ.get("TRANSFERKIT_DATA")
    if not home or not os.path.isdir(home):
        pytest.fail(
            "realdata tests need the benchmark data: set TRANSFERKIT_DATA to the "
            "data folder (../shared/data from the repository root); "
            f"got TRANSFERKIT_DATA={home!r}.",
            pytrace=False,
        )
    return home


# CI runs with TRANSFERKIT_FAIL_ON_SKIP=1: a skipped test fails the run, so a
# test cannot silently stop running (missing data, a missing extra, ...).
_SKIPPED = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("TRANSFERKIT_FAIL_ON_SKIP") == "1" and _SKIPPED:
        listed = "\n  ".join(_SKIPPED[:20])
        print(
            f"\nTRANSFERKIT_FAIL_ON_SKIP: {len(_SKIPPED)} test(s) skipped:\n  {listed}"
        )
        session.exitstatus = 1
