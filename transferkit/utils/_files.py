"""Writing output files safely: atomic replacement and early path checks."""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["atomic_path", "check_output_path"]


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it onto ``path`` on success.

    The caller writes the whole file to the yielded path. When the block ends
    without an exception the temporary file replaces ``path`` in one
    :func:`os.replace` (atomic on POSIX and Windows within one folder), so
    that a reader sees the old file or the new one, never half of one; on an
    exception the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or path-like
        The file to write.

    Examples
    --------
    >>> import os, tempfile
    >>> from transferkit.utils._files import atomic_path
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     with open(tmp, "w") as fh:
    ...         _ = fh.write("done")
    >>> open(target).read()
    'done'
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        if os.path.exists(path):
            with contextlib.suppress(OSError):
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        else:
            # mkstemp creates the file readable by its owner only; use the
            # permissions a plain open() would give a new file
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def check_output_path(path, option):
    """Raise a one-line error if a file cannot be written at ``path``.

    Run before any long work, so that a command fails at once on a missing
    folder, a directory given as the file, or a folder it may not write to.

    Parameters
    ----------
    path : str or path-like
    option : str
        The option that named the path (``"--out"``), for the message.

    Raises
    ------
    ValueError
        If ``path`` is a directory, its folder does not exist or is not a
        folder, or the folder (or an existing file) is not writable.
    """
    path = os.fspath(path)
    if path == "" or os.path.isdir(path):
        raise ValueError(f"{option} {path!r} is a directory; give a file name.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(folder):
        raise ValueError(f"{option} {path!r}: the folder {folder!r} does not exist.")
    if not os.path.isdir(folder):
        raise ValueError(f"{option} {path!r}: {folder!r} is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path!r}: cannot write to the folder {folder!r}.")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"{option} {path!r}: the file exists and is read-only.")
