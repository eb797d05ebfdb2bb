"""Frozen backbone features of photo files, cached on disk by file content.

The image benchmarks encode the same photos with the same backbones again
and again; with a CPU at 4-10 photos per second and per backbone that is
most of their time. :func:`cached_features` keeps the features of every
photo a backbone has encoded in one ``.npz`` file per backbone in a folder
the caller names, keyed by a hash of the file's bytes (so a moved or
renamed copy hits, an edited file misses) and of the backbone's
preprocessing (its name and input size).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = ["cached_features", "content_key"]


def content_key(path):
    """A hex digest of the bytes of the file at ``path``."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store(cache_dir, backbone):
    size = getattr(backbone, "image_size", "")
    return Path(cache_dir) / f"{backbone.name}_{size}.npz"


def _load(store, feature_dim):
    if not store.exists():
        return {}
    with np.load(store, allow_pickle=False) as saved:
        keys, rows = saved["keys"], saved["features"]
    if rows.ndim != 2 or rows.shape[1] != feature_dim:
        return {}
    return dict(zip(keys.tolist(), rows))


def _save(store, table):
    store.parent.mkdir(parents=True, exist_ok=True)
    keys = np.array(sorted(table), dtype="U32")
    rows = np.stack([table[k] for k in keys.tolist()]).astype(np.float32)
    partial = store.with_name(store.name + f".{os.getpid()}.tmp.npz")
    np.savez(partial, keys=keys, features=rows)
    os.replace(partial, store)


def cached_features(backbone, paths, cache_dir=None, batch_size=16, progress=None):
    """Frozen features of the photo files ``paths``, from a disk cache if any.

    Parameters
    ----------
    backbone : Backbone
        An image backbone (``encode`` and ``name``).
    paths : list of str or path-like
        Photo files.
    cache_dir : str or path-like, default=None
        Folder of the cache (created when missing); None encodes everything
        with ``backbone.encode`` (its in-memory cache still applies).
    batch_size : int, default=16
        Photos encoded between two saves of the cache.
    progress : callable, default=None
        Called as ``progress(n_done, n_todo)`` after each batch.

    Returns
    -------
    features : ndarray of shape (len(paths), backbone.feature_dim), float32

    Examples
    --------
    >>> import os, tempfile
    >>> from PIL import Image
    >>> from transferkit.parameter.backbones import efficientnet_lite0
    >>> folder = tempfile.mkdtemp()
    >>> photo = os.path.join(folder, "a.png")
    >>> Image.new("RGB", (64, 48), (90, 140, 30)).save(photo)
    >>> cached_features(efficientnet_lite0(), [photo], folder).shape
    (1, 1280)
    """
    paths = [os.fspath(p) for p in paths]
    if cache_dir is None:
        return backbone.encode(paths)
    store = _store(cache_dir, backbone)
    table = _load(store, backbone.feature_dim)
    keys = [content_key(p) for p in paths]
    first = {}
    for i, key in enumerate(keys):
        if key not in table and key not in first:
            first[key] = i
    todo = list(first)
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        rows = backbone.encode([paths[first[k]] for k in chunk], cache=False)
        table.update(zip(chunk, rows))
        _save(store, table)
        if progress is not None:
            progress(min(start + batch_size, len(todo)), len(todo))
    return np.stack([table[k] for k in keys]).astype(np.float32)
