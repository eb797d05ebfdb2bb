"""The relational domains (IMDB, UW-CSE, Cora, Yeast, Twitter) in the fold layout.

Files live under
``<data folder>/relational/<name>/treeboostler_folds_transfer_experiment/`` as
``fold_K/{train,test}_{facts,pos,neg}.txt`` (the TreeBoostler transfer
protocol: train = one mega-example, test = all the others). Every fold file is
checked against the SHA-256 manifest :data:`RELATIONAL_CHECKSUMS` (126 files,
kept apart from ``CHECKSUMS``; both live in ``_manifest``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._home import data_file
from ._manifest import (
    _FOLDS,
    RELATIONAL_CHECKSUMS,
    DataFileError,
    _sha256,
    get_data_home,
)

__all__ = ["load_relational", "RELATIONAL_DOMAINS", "RELATIONAL_CHECKSUMS"]

#: Target predicate of each domain.
RELATIONAL_DOMAINS = {
    "imdb": "workedunder",
    "uwcse": "advisedby",
    "cora": "samevenue",
    "yeast": "proteinclass",
    "twitter": "accounttype",
}

_VERIFIED = set()


def _checked(relative, data_home, download_if_missing=False):
    path = data_file(relative, data_home, download_if_missing)
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    if key not in _VERIFIED:
        actual = _sha256(path)
        expected = RELATIONAL_CHECKSUMS[relative]
        if actual != expected:
            raise DataFileError(
                f"Benchmark file {str(path)!r} has SHA-256 {actual}, expected "
                f"{expected}: the file is corrupted or a different version."
            )
        _VERIFIED.add(key)
    return path


def _fold_folders(name, data_home, download_if_missing=False):
    """``(folders by fold number, checked)`` of a named domain or a folder."""
    if name in RELATIONAL_DOMAINS:
        root = get_data_home(data_home) / "relational" / name / _FOLDS
        numbers = sorted(
            {
                int(k.split("/")[3].split("_")[1])
                for k in RELATIONAL_CHECKSUMS
                if k.split("/")[1] == name
            }
        )
        folders = {}
        for k in numbers:
            for split in ("train", "test"):
                for kind in ("facts", "pos", "neg"):
                    rel = f"relational/{name}/{_FOLDS}/fold_{k}/{split}_{kind}.txt"
                    _checked(rel, data_home, download_if_missing)
            folders[k] = root / f"fold_{k}"
        return folders
    root = Path(name).expanduser()
    if not root.is_dir():
        raise ValueError(
            f"unknown relational domain {name!r}: expected one of "
            f"{sorted(RELATIONAL_DOMAINS)} or the path of a folder in the fold "
            "layout (fold_K/train_facts.txt, ... or train_facts.txt, ...)"
        )
    if (root / _FOLDS).is_dir():
        root = root / _FOLDS
    folds = sorted(root.glob("fold_*"), key=lambda p: p.name)
    if folds:
        out = {}
        for f in folds:
            try:
                out[int(f.name.split("_", 1)[1])] = f
            except ValueError:
                continue
        return out
    if (root / "train_facts.txt").is_file():
        return {1: root}
    raise FileNotFoundError(
        f"{str(root)!r} holds neither fold_K/ folders nor train_facts.txt"
    )


def load_relational(
    name, fold=None, data_home=None, types=None, download_if_missing=True
):
    """Load a relational domain: its world, the target atoms and their labels.

    Parameters
    ----------
    name : {"imdb", "uwcse", "cora", "yeast", "twitter"} or path
        A domain of the data folder, or the path of any folder in the same
        fold layout (``fold_K/{train,test}_{facts,pos,neg}.txt``, or the six
        files directly): a user's own data, not checksummed, whose target
        predicate is read from the ``*_pos.txt`` files.
    fold : int, default=None
        ``None``: the whole domain as one world, every mega-example's atoms
        with their mega-example number in ``groups`` (for ``GroupKFold`` /
        ``LeaveOneGroupOut``). ``K``: the transfer protocol's fold ``K``:
        train = mega-example ``K``, test = all the others, each its own world.
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
    types : dict, default=None
        Declared argument types; ``None`` infers them (see
        :class:`~transferkit.relational.RelationalDataset`).
    download_if_missing : bool, default=True
        Accepted for symmetry with the other loaders: no public file matches
        the fold files' manifest, so a missing fold file raises
        :class:`~transferkit.datasets.DataFileError` saying how to place the
        folds by hand, unless ``TRANSFERKIT_DOWNLOAD_BASE`` names a mirror of
        the data folder. Ignored for a folder path.

    Returns
    -------
    data : Bunch
        With ``fold=None``: ``dataset``, ``X`` (a ``Queries`` with ``groups``),
        ``y``, ``groups``, ``target``, ``folds``. With a fold: ``X_train``,
        ``y_train``, ``X_test``, ``y_test``, ``target``. ``recursion_<target>``
        copies of the labels are always dropped from the facts.

    Examples
    --------
    >>> from transferkit.datasets import load_relational
    >>> data = load_relational("imdb", fold=1)  # doctest: +SKIP
    >>> data.X_train.predicate  # doctest: +SKIP
    'workedunder'
    """
    from ..relational import Queries, RelationalDataset
    from ..relational._dataset import _check_label_conflicts, read_atoms

    folders = _fold_folders(name, data_home, download_if_missing)
    if fold is not None:
        if fold not in folders:
            raise ValueError(
                f"fold={fold!r} is not a fold of {name!r}; it has {sorted(folders)}"
            )
        ds_tr, X_tr, y_tr = RelationalDataset.from_folder(
            folders[fold], "train", types=types
        )
        if X_tr is None:
            raise FileNotFoundError(
                f"fold {fold} of {name!r} has no labels: "
                f"{str(folders[fold] / 'train_pos.txt')!r} and "
                f"{str(folders[fold] / 'train_neg.txt')!r} are missing (a fold "
                "folder holds {train,test}_{facts,pos,neg}.txt)"
            )
        target = X_tr.predicate
        if (folders[fold] / "test_facts.txt").is_file():
            ds_te, X_te, y_te = RelationalDataset.from_folder(
                folders[fold], "test", target=target, types=types
            )
        else:
            X_te = y_te = None
        return Bunch(
            X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te, target=target
        )
    facts, labelled, groups = [], [], []
    for k, folder in folders.items():
        f = folder / "train_facts.txt"
        facts += read_atoms(f)
        for kind, positive in (("pos", True), ("neg", False)):
            path = folder / f"train_{kind}.txt"
            if path.is_file():
                atoms = read_atoms(path)
                labelled += [(p, a, n, str(path), positive) for p, a, n in atoms]
                groups += [k] * len(atoms)
    _check_label_conflicts(labelled, groups)
    preds = sorted({p for p, _, _, _, pos in labelled if pos})
    if len(preds) != 1:
        raise ValueError(
            f"{name!r}: expected positives of one target predicate, found {preds}"
        )
    target = preds[0]
    dataset = RelationalDataset._build(
        facts, types, target, labelled, "recursion_*", f"{name} train_facts.txt"
    )
    X = Queries(dataset, target, [a for _, a, _, _, _ in labelled], groups=groups)
    y = np.asarray([int(pos) for *_, pos in labelled])
    return Bunch(
        dataset=dataset,
        X=X,
        y=y,
        groups=np.asarray(groups),
        target=target,
        folds=sorted(folders),
    )
