"""Download benchmark files into the data folder, safely.

A file is streamed into a temporary name in its destination folder, hashed
on the way, compared with the manifest's SHA-256, then renamed into place
with :func:`os.replace` (atomic on one file system). Whatever goes wrong (no
network, an HTTP error, a transfer cut short, a wrong checksum) the temporary
file is removed, nothing half-written stays behind, and a
:class:`DownloadError` names the file, the address and the folder.

Only the standard library is used (:mod:`urllib.request`, with a timeout per
read, an overall deadline and a minimum rate). A ``.part`` left by a download
that was killed is removed by the next fetch into its folder.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from glob import escape as glob_escape
from pathlib import Path

from ._manifest import DataFileError, get_data_home

__all__ = [
    "DownloadError",
    "download_base",
    "fetch_file",
    "fetch_archive",
    "remote_url",
    "DOWNLOAD_BASE_ENV",
    "DEADLINE",
    "MIN_RATE",
    "TIMEOUT",
]

logger = logging.getLogger("transferkit")

#: Environment variable naming a mirror of the data folder.
DOWNLOAD_BASE_ENV = "TRANSFERKIT_DOWNLOAD_BASE"

#: Seconds to wait for a connection or for the next block of data.
TIMEOUT = 60.0

#: Seconds a whole file may take, however steadily it arrives.
DEADLINE = 3600.0

#: Bytes per second a transfer must average over every :data:`TIMEOUT`
#: seconds: a server that trickles (one byte every half second never trips
#: the per-read timeout) is given up on.
MIN_RATE = 1024.0

#: A ``.part`` file or folder untouched for this many seconds belongs to a
#: download that was killed (a live one writes at least every TIMEOUT
#: seconds); the next fetch into its folder removes it.
STALE_PART_AGE = 900.0

_CHUNK = 1 << 16

#: The clock of the deadline and rate checks (one name, so tests can drive it).
_clock = time.monotonic


class DownloadError(DataFileError):
    """A benchmark file could not be downloaded, or arrived corrupted."""


def download_base():
    """The mirror set by ``TRANSFERKIT_DOWNLOAD_BASE``, or ``None``.

    When the variable is set (for instance to ``https://mirror.example.org/tk``),
    every file is fetched from ``<base>/<path inside the data folder>`` instead
    of its public address: a mirror is a web server that serves a copy of the
    data folder.
    """
    base = os.environ.get(DOWNLOAD_BASE_ENV, "").strip()
    return base.rstrip("/") if base else None


def remote_url(relative):
    """The address a data-folder file would be downloaded from, or ``None``.

    Parameters
    ----------
    relative : str
        Path inside the data folder.

    Returns
    -------
    url : str or None
        ``<mirror>/<relative>`` when ``TRANSFERKIT_DOWNLOAD_BASE`` is set, else
        the registry's public address (``None`` where there is none).
    """
    base = download_base()
    if base is not None:
        return f"{base}/{urllib.parse.quote(relative)}"
    from ._registry_urls import REMOTE_FILES

    entry = REMOTE_FILES.get(relative)
    return None if entry is None else entry.url


def _urlopen(url, timeout):
    """Open ``url`` (one function, so that tests can watch every request)."""
    request = urllib.request.Request(url, headers={"User-Agent": "transferkit"})
    return urllib.request.urlopen(request, timeout=timeout)


def _by_hand(relative, home, url):
    where = f"download {url} " if url else "get the file "
    return (
        f"To place it by hand: {where}on a machine with network access and "
        f"copy it to {str(home / relative)!r}; or pass data_home=... / set "
        "TRANSFERKIT_DATA to a folder that already holds the data; or set "
        f"{DOWNLOAD_BASE_ENV} to a mirror of the data folder."
    )


class _Pace:
    """Raise when a transfer passes its deadline or falls below the minimum rate.

    The rate is checked over consecutive windows of ``window`` seconds: each
    must bring at least ``min_rate * window`` bytes.
    """

    def __init__(self, deadline, min_rate, window):
        self.start = self.window_start = _clock()
        self.deadline, self.min_rate, self.window = deadline, min_rate, window
        self.window_bytes = 0

    def check(self, n_bytes):
        """Count ``n_bytes`` more; return a reason to give up, or None."""
        now = _clock()
        self.window_bytes += n_bytes
        if self.deadline is not None and now - self.start > self.deadline:
            return f"it took more than {self.deadline:g} s in all"
        elapsed = now - self.window_start
        if self.min_rate and elapsed >= self.window:
            rate = self.window_bytes / elapsed
            if rate < self.min_rate:
                return (
                    f"it arrived at {rate:.1f} bytes/s over {elapsed:.0f} s, "
                    f"below the minimum of {self.min_rate:g} bytes/s"
                )
            self.window_start, self.window_bytes = now, 0
        return None


def _stream(url, tmp, relative, home, timeout, deadline=None, min_rate=None):
    """Write ``url`` into the open binary file ``tmp``; return its SHA-256."""
    from tqdm.auto import tqdm

    failed = f"Downloading {relative!r} from {url} into the data folder {str(home)!r}"
    try:
        response = _urlopen(url, timeout)
    except urllib.error.HTTPError as exc:
        raise DownloadError(
            f"{failed} failed: HTTP {exc.code} {exc.reason}. "
            + _by_hand(relative, home, url)
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"Benchmark file {relative!r} not found in the data folder "
            f"{str(home)!r}, and {url} cannot be reached ({reason}): the "
            "machine seems to be offline or the server is down. "
            + _by_hand(relative, home, url)
        ) from exc
    digest = hashlib.sha256()
    received, cut = 0, False
    with response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        bar = tqdm(
            total=expected,
            unit="B",
            unit_scale=True,
            desc=Path(relative).name,
            disable=None,
            leave=False,
        )
        pace = _Pace(
            DEADLINE if deadline is None else deadline,
            MIN_RATE if min_rate is None else min_rate,
            timeout,
        )
        # read1 returns what has arrived (at most one socket read), so the
        # pace is checked however slowly the bytes come; read(n) would wait
        # for all n of them
        read = getattr(response, "read1", response.read)
        try:
            while True:
                try:
                    block = read(_CHUNK)
                except http.client.IncompleteRead as exc:
                    received += len(exc.partial)
                    if expected is None and exc.expected is not None:
                        expected = received + exc.expected
                    cut = True
                    break
                except (OSError, http.client.HTTPException) as exc:
                    raise DownloadError(
                        f"{failed} failed after {received} bytes: {exc!r}. "
                        + _by_hand(relative, home, url)
                    ) from exc
                if not block:
                    break
                tmp.write(block)
                digest.update(block)
                received += len(block)
                bar.update(len(block))
                slow = pace.check(len(block))
                if slow is not None:
                    raise DownloadError(
                        f"{failed} was given up after {received} bytes: {slow}. "
                        "Nothing was kept; try again later. "
                        + _by_hand(relative, home, url)
                    )
        finally:
            bar.close()
    if cut or (expected is not None and received != expected):
        of = "an unknown number of" if expected is None else f"{expected}"
        raise DownloadError(
            f"{failed} failed: the transfer was cut short ({received} of "
            f"{of} bytes). Nothing was kept; try again. "
            + _by_hand(relative, home, url)
        )
    return digest.hexdigest()


def _make_folder(folder):
    """Make ``folder`` and its missing parents; return those made, deepest first."""
    created = []
    probe = Path(folder)
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    return created


def _remove_empty(folders):
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


def _remove_stale_parts(folder, prefix):
    """Remove ``<prefix>*.part`` files and folders of killed downloads.

    A download killed by a signal (SIGKILL, a power cut) cannot remove its
    temporary ``.part``; one untouched for :data:`STALE_PART_AGE` seconds is
    removed here, while a live download's (written to at least every
    :data:`TIMEOUT` seconds) is left alone.
    """
    try:
        entries = list(Path(folder).glob(f"{glob_escape(prefix)}*.part"))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        try:
            if entry.is_dir():
                newest = max(
                    [entry.stat().st_mtime]
                    + [
                        os.stat(os.path.join(root, name)).st_mtime
                        for root, dirs, files in os.walk(entry)
                        for name in dirs + files
                    ]
                )
            else:
                newest = entry.stat().st_mtime
            if now - newest < STALE_PART_AGE:
                continue
            logger.info("Removing %s, left by a download that was killed", entry)
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            continue


def _download_to(
    url, dest, relative, home, sha256, timeout, deadline=None, min_rate=None
):
    """Download ``url`` to ``dest`` through a temporary name; check ``sha256``.

    On failure the temporary file, and the folders made for it, are removed.
    """
    _remove_stale_parts(dest.parent, f".{dest.name}.")
    try:
        created = _make_folder(dest.parent)
        handle, tmp_name = tempfile.mkstemp(
            prefix=f".{dest.name}.", suffix=".part", dir=dest.parent
        )
    except OSError as exc:
        raise DownloadError(
            f"Cannot download {relative!r}: the data folder {str(home)!r} is not "
            f"writable ({exc}). Pass data_home=... or set TRANSFERKIT_DATA to a "
            "folder you can write to."
        ) from exc
    tmp = Path(tmp_name)
    done = False
    try:
        with os.fdopen(handle, "wb") as fh:
            actual = _stream(url, fh, relative, home, timeout, deadline, min_rate)
        if sha256 is not None and actual != sha256:
            raise DownloadError(
                f"Downloading {relative!r} from {url} into the data folder "
                f"{str(home)!r} gave a file with SHA-256 {actual}, expected "
                f"{sha256}: the file is corrupted or a different version. "
                "Nothing was kept. " + _by_hand(relative, home, url)
            )
        os.replace(tmp, dest)
        done = True
    finally:
        tmp.unlink(missing_ok=True)
        if not done:
            _remove_empty(created)
    return dest


def fetch_file(relative, data_home=None, timeout=None, deadline=None, min_rate=None):
    """Download one registered file into the data folder.

    Parameters
    ----------
    relative : str
        Path inside the data folder (a key of the registry).
    data_home : str or path-like, default=None
        See :func:`~transferkit.datasets.get_data_home`.
    timeout : float, default=None
        Seconds to wait for the connection and for each read; ``None`` uses
        :data:`TIMEOUT`.
    deadline : float, default=None
        Seconds the whole transfer may take; ``None`` uses :data:`DEADLINE`.
    min_rate : float, default=None
        Bytes per second the transfer must average over every ``timeout``
        seconds; ``None`` uses :data:`MIN_RATE`, 0 turns the check off.

    Returns
    -------
    path : pathlib.Path
        The downloaded file, verified against its SHA-256.

    Raises
    ------
    DownloadError
        No address (the message says how to place the file by hand), no
        network, an HTTP error, a truncated transfer or a checksum mismatch.
    """
    from ._registry_urls import REMOTE_FILES

    home = get_data_home(data_home)
    entry = REMOTE_FILES.get(relative)
    if entry is None:
        raise DownloadError(
            f"Benchmark file {relative!r} not found in the data folder "
            f"{str(home)!r}, and transferkit has no download registered for it."
        )
    url = remote_url(relative)
    if url is None:
        raise DownloadError(
            f"Benchmark file {relative!r} not found in the data folder "
            f"{str(home)!r}, and it cannot be downloaded: {entry.note} "
            f"Origin: {entry.origin}. " + _by_hand(relative, home, None)
        )
    logger.info("Downloading %s from %s into %s", relative, url, home)
    return _download_to(
        url,
        home / relative,
        relative,
        home,
        entry.sha256,
        TIMEOUT if timeout is None else timeout,
        deadline,
        min_rate,
    )


#: The first bytes of the image formats an archive of photos may hold.
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def _extract_member(zf, info, out, entry, url, total):
    """Copy one member to ``out`` within the size limits; the new total."""
    where = f"{entry.name} from {url}: member {info.filename!r}"
    limit = entry.max_member_bytes
    if info.file_size > limit or total + info.file_size > entry.max_total_bytes:
        raise DownloadError(
            f"{where} is {info.file_size} bytes, over the limit of {limit} bytes "
            f"per member or {entry.max_total_bytes} in all; refusing to extract it."
        )
    size = 0
    with zf.open(info) as src, open(out, "wb") as dst:
        while chunk := src.read(2**20):
            if size == 0 and entry.images and not chunk.startswith(_IMAGE_MAGIC):
                raise DownloadError(
                    f"{where} is not a JPEG or PNG image; the archive is not the "
                    "registered photo set."
                )
            size += len(chunk)
            if size > limit or total + size > entry.max_total_bytes:
                raise DownloadError(
                    f"{where} is larger than its header says, over the limit of "
                    f"{limit} bytes per member; refusing to extract it."
                )
            dst.write(chunk)
    if size == 0 and entry.images:
        raise DownloadError(f"{where} is empty, not an image.")
    return total + size


def _count_files(folder):
    return sum(1 for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0


def fetch_archive(name, data_home=None, timeout=None, deadline=None, min_rate=None):
    """Download a registered archive and extract its members into the data folder.

    The archive goes to a temporary name in the data folder, its SHA-256 is
    checked when the registry knows it, its members are extracted into a
    temporary folder next to their destination (hidden files such as
    ``.DS_Store`` are skipped) and checked: each member's size against a
    per-member and a total limit, from its header before it is extracted and
    again while it is copied, the first bytes of each photo of a photo set,
    and the file counts;
    then each destination folder is moved into place with :func:`os.replace`.
    The archive itself is not kept.

    Parameters
    ----------
    name : str
        Key of the archive registry, e.g. ``"hymenoptera"``.
    data_home : str or path-like, default=None
        See :func:`~transferkit.datasets.get_data_home`.
    timeout, deadline, min_rate : float, default=None
        As in :func:`fetch_file`.

    Returns
    -------
    folders : list of pathlib.Path
        The destination folders.
    """
    from ._registry_urls import REMOTE_ARCHIVES

    entry = REMOTE_ARCHIVES[name]
    home = get_data_home(data_home)
    base = download_base()
    url = entry.url if base is None else f"{base}/{urllib.parse.quote(entry.name)}"
    logger.info("Downloading %s from %s into %s", entry.name, url, home)
    _remove_stale_parts(home, f".{name}.")
    created = _make_folder(home)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=home))
    done = False
    try:
        archive = _download_to(
            url,
            work / entry.name,
            entry.name,
            home,
            entry.sha256,
            TIMEOUT if timeout is None else timeout,
            deadline,
            min_rate,
        )
        extracted = work / "extracted"
        total = 0
        try:
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    for prefix, target in entry.members:
                        if info.is_dir() or not info.filename.startswith(prefix):
                            continue
                        rest = info.filename[len(prefix) :]
                        if any(part.startswith(".") for part in rest.split("/")):
                            continue  # .DS_Store and the like: not data
                        out = (extracted / target / rest).resolve()
                        if extracted.resolve() not in out.parents:
                            raise DownloadError(
                                f"{entry.name} from {url}: member "
                                f"{info.filename!r} would land outside the "
                                "data folder; refusing to extract it."
                            )
                        out.parent.mkdir(parents=True, exist_ok=True)
                        total = _extract_member(zf, info, out, entry, url, total)
        except zipfile.BadZipFile as exc:
            raise DownloadError(
                f"Downloading {entry.name!r} from {url} into the data folder "
                f"{str(home)!r} gave a file that is not a zip archive ({exc}). "
                "Nothing was kept."
            ) from exc
        for folder, count in entry.expected_files.items():
            found = _count_files(extracted / folder)
            if found != count:
                raise DownloadError(
                    f"{entry.name} from {url}: {folder!r} holds {found} files "
                    f"after extraction, expected {count}; the archive is not the "
                    "registered version. Nothing was kept in the data folder "
                    f"{str(home)!r}."
                )
        folders = []
        for _, target in entry.members:
            dest = home / target
            if dest.exists():
                raise DownloadError(
                    f"{str(dest)!r} already exists but is incomplete; remove it "
                    f"and call again to download {entry.name} from {url}."
                )
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(extracted / target, dest)
            folders.append(dest)
        done = True
        return folders
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not done:
            _remove_empty(created)
