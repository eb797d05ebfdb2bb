"""Where benchmark data lives, and the checksums of the files we read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["get_data_home", "data_file", "DataFileError"]

#: SHA-256 of every file a loader reads, by path relative to the data folder.
CHECKSUMS = {
    "office_caltech10_surf/amazon_SURF_L10.mat": (
        "df32548b994e18d364c99e1f317e1fae100597259f0423a41b90f4f68187bb1f"
    ),
    "office_caltech10_surf/caltech_SURF_L10.mat": (
        "4f9334c8ced489d5054de97a5fd51a61f017f3bcd1f38c9a85c6d78cb9d7bda5"
    ),
    "office_caltech10_surf/dslr_SURF_L10.mat": (
        "44d673c68e1d07b837893aa74dba3b986e4a6cc3fd66f0dd357683bdef059216"
    ),
    "office_caltech10_surf/webcam_SURF_L10.mat": (
        "a6a9c78b4b7181dfbb58bcfd351d4ebd737f171c31247b8884948aa156d3f700"
    ),
    "office_caltech10_decaf/dslr_decaf.mat": (
        "42443f5e82e98cbe6304cacdba905e24c8430ed977b3d6b7b279f088b76e108f"
    ),
    "office_caltech10_decaf/webcam_decaf.mat": (
        "e42207580fb1fadd3adba2504e1d8cff9620f464fca7536f9d7093f84c1459a3"
    ),
    "mushroom_uci/agaricus-lepiota.data": (
        "5f337a91aba07bec5caaad73decfce48dcc34b265e8fe864652699ef39a5178e"
    ),
    "uci_regression/concrete_modeldata.csv": (
        "256b3c9f17fd7f7eb5a648a6ed8125cebc7c94e89ecb24fb1a7d302cd4bd5eb7"
    ),
    "uci_regression/boston_housing.csv": (
        "aaa149400179dfe97e046a3835d61686b5b2140fb3a3aee57f7549114805cfba"
    ),
    "newsgroups20/20newsgroups-train.tab": (
        "3287f997870c109a5ed8f58087afb95ae3f863c75092d47b07eebf1700d6ef9c"
    ),
    "newsgroups20/20newsgroups-test.tab": (
        "34a4c6261eda98d87f66d8e12a2cccba06918b7877442536ef6a13810a47ba39"
    ),
}

_VERIFIED: set = set()


class DataFileError(FileNotFoundError):
    """A benchmark file is missing from the data folder or is corrupted."""


def get_data_home(data_home=None):
    """Return the data folder.

    Resolution order: the ``data_home`` argument, else the environment
    variable ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder.

    Returns
    -------
    path : pathlib.Path
    """
    if data_home is None:
        data_home = (
            os.environ.get("TRANSFERKIT_DATA") or Path.home() / "transferkit_data"
        )
    return Path(data_home).expanduser()


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
