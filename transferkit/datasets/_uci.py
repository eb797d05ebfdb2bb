"""UCI loaders split into domains: Mushroom (TrAdaBoost) and concrete (regression)."""

from __future__ import annotations

import csv

import numpy as np

from ._home import data_file

__all__ = ["load_mushroom_domains", "load_concrete_domains"]

_MUSHROOM_FILE = "mushroom_uci/agaricus-lepiota.data"
_STALK_SHAPE = 10
_CONCRETE_FILE = "uci_regression/concrete_modeldata.csv"
CONCRETE_FEATURES = (
    "cement",
    "blast_furnace_slag",
    "fly_ash",
    "water",
    "superplasticizer",
    "coarse_aggregate",
    "fine_aggregate",
    "age",
)


def load_mushroom_domains(data_home=None, download_if_missing=True):
    """UCI Mushroom split into two domains by stalk shape (Dai et al., 2007).

    The source is the mushrooms with a tapering stalk (4608 rows), the target
    those with an enlarging stalk (3516 rows). The 21 other categorical
    attributes are one-hot encoded over the categories seen in either domain
    (115 binary features); the stalk-shape attribute, constant within a
    domain, is dropped.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
    download_if_missing : bool, default=True
        If a file is missing from the data folder, download it from the
        address in the download registry (or from the mirror named by
        ``TRANSFERKIT_DOWNLOAD_BASE``), check its SHA-256 and keep it there;
        ``False`` raises :class:`~transferkit.datasets.DataFileError` instead.

    Returns
    -------
    Xs : ndarray of shape (4608, n_features)
    ys : ndarray of shape (4608,)
        1 for poisonous, 0 for edible.
    Xt : ndarray of shape (3516, n_features)
    yt : ndarray of shape (3516,)

    References
    ----------
    W. Dai, Q. Yang, G.-R. Xue, Y. Yu. Boosting for transfer learning. ICML 2007.
    """
    path = data_file(_MUSHROOM_FILE, data_home, download_if_missing)
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r]
    table = np.array(rows, dtype=object)
    labels = (table[:, 0] == "p").astype(np.int64)
    shape = table[:, _STALK_SHAPE]
    columns = [c for c in range(1, table.shape[1]) if c != _STALK_SHAPE]
    blocks = []
    for c in columns:
        categories = np.unique(table[:, c].astype(str))
        blocks.append(table[:, c].astype(str)[:, None] == categories[None, :])
    X = np.hstack(blocks).astype(np.float64)
    source, target = shape == "t", shape == "e"
    return X[source], labels[source], X[target], labels[target]


def load_concrete_domains(split="cement", data_home=None, download_if_missing=True):
    """Concrete compressive strength (Yeh, 1998) split into two domains.

    Rows whose ``split`` feature is below its median form the source, the
    others the target: the protocol of transferkit's TrAdaBoost.R2 benchmark.

    Parameters
    ----------
    split : str, default="cement"
        The feature that splits the domains, one of ``CONCRETE_FEATURES``.
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
    download_if_missing : bool, default=True
        Accepted for symmetry with the other loaders: no public file matches
        the data folder's CSV, so a missing file raises :class:`DataFileError`
        saying how to place it by hand, unless ``TRANSFERKIT_DOWNLOAD_BASE``
        names a mirror of the data folder.

    Returns
    -------
    Xs : ndarray of shape (n_source, 8)
    ys : ndarray of shape (n_source,)
        Compressive strength (MPa).
    Xt : ndarray of shape (n_target, 8)
    yt : ndarray of shape (n_target,)
    """
    if split not in CONCRETE_FEATURES:
        raise ValueError(f"split must be one of {CONCRETE_FEATURES}, got {split!r}.")
    path = data_file(_CONCRETE_FILE, data_home, download_if_missing)
    with open(path, newline="") as fh:
        records = list(csv.DictReader(fh))
    X = np.array([[float(r[f]) for f in CONCRETE_FEATURES] for r in records])
    y = np.array([float(r["compressive_strength"]) for r in records])
    column = X[:, CONCRETE_FEATURES.index(split)]
    source = column < np.median(column)
    return X[source], y[source], X[~source], y[~source]
