"""Where benchmark data lives, and the checksums of the files we read."""

from __future__ import annotations

from ._manifest import CHECKSUMS, DataFileError, _sha256, get_data_home

__all__ = ["get_data_home", "data_file", "DataFileError"]

_VERIFIED: set = set()


def data_file(relative, data_home=None, download_if_missing=False):
    """Return the path of a benchmark file after checking it exists and its SHA-256.

    Parameters
    ----------
    relative : str
        Path inside the data folder, e.g. ``"mushroom_uci/agaricus-lepiota.data"``.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=False
        When the file is missing, download it from the address the registry
        holds for it (or from the mirror ``TRANSFERKIT_DOWNLOAD_BASE``) into
        the data folder; see :mod:`transferkit.datasets._download`.

    Raises
    ------
    DataFileError
        When the file is missing (the message names the file and the folder
        and how to point transferkit at the data) or its checksum differs;
        a ``DownloadError`` (a subclass) when downloading it failed.
    """
    home = get_data_home(data_home)
    path = home / relative
    if not path.is_file() and download_if_missing:
        from ._download import fetch_file

        fetch_file(relative, home)
    if not path.is_file():
        raise DataFileError(
            f"Benchmark file {relative!r} not found in the data folder {str(home)!r}. "
            "Put the data there, pass data_home=..., or set the environment "
            "variable TRANSFERKIT_DATA to the folder that holds it."
        )
    expected = CHECKSUMS.get(relative)
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    if expected is not None and key not in _VERIFIED:
        actual = _sha256(path)
        if actual != expected:
            raise DataFileError(
                f"Benchmark file {str(path)!r} has SHA-256 {actual}, expected "
                f"{expected}: the file is corrupted or a different version."
            )
        _VERIFIED.add(key)
    return path
