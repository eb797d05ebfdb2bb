"""20 Newsgroups (bydate split, Cachopo's "all-terms" preprocessing)."""

from __future__ import annotations

import numpy as np

from ._home import DataFileError, data_file

__all__ = ["NEWSGROUPS", "load_newsgroups"]

#: The twenty newsgroups, in alphabetical order.
NEWSGROUPS = (
    "alt.atheism",
    "comp.graphics",
    "comp.os.ms-windows.misc",
    "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware",
    "comp.windows.x",
    "misc.forsale",
    "rec.autos",
    "rec.motorcycles",
    "rec.sport.baseball",
    "rec.sport.hockey",
    "sci.crypt",
    "sci.electronics",
    "sci.med",
    "sci.space",
    "soc.religion.christian",
    "talk.politics.guns",
    "talk.politics.mideast",
    "talk.politics.misc",
    "talk.religion.misc",
)

_FILES = {
    "train": "newsgroups20/20newsgroups-train.tab",
    "test": "newsgroups20/20newsgroups-test.tab",
}
_HEADER = ("Category\tText", "d\tstring", "class\t")


def _read_tab(subset, data_home, download_if_missing):
    relative = _FILES[subset]
    path = data_file(relative, data_home, download_if_missing)
    with open(path, encoding="utf-8", newline="\n") as fh:
        lines = fh.read().split("\n")
    if tuple(lines[:3]) != _HEADER:
        raise DataFileError(
            f"{relative!r} does not start with the expected 3 header lines {_HEADER!r}."
        )
    groups, texts = [], []
    for number, line in enumerate(lines[3:], start=4):
        if not line:
            continue
        group, sep, text = line.partition("\t")
        if not sep:
            raise DataFileError(f"{relative!r}, line {number}: no tab separator.")
        groups.append(group)
        texts.append(text)
    return texts, groups


def load_newsgroups(
    subset="train", groups=None, data_home=None, download_if_missing=True
):
    """The 20 Newsgroups documents and their newsgroup.

    The "bydate" split (11,293 training and 7,528 test documents, after
    duplicates and empty documents were removed) with Ana Cardoso Cachopo's
    "all-terms" preprocessing: letters only, lower case, the subject line
    prepended to the text, no headers. The files are read from
    ``newsgroups20/`` in the data folder and checked against their SHA-256.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which part; ``"all"`` is the training documents then the test ones.
    groups : iterable of str, default=None
        Keep only these newsgroups (full names, see ``NEWSGROUPS``); ``None``
        keeps all twenty. Documents stay in file order.
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
    download_if_missing : bool, default=True
        If a file is missing from the data folder, download it from the
        address in the download registry (or from the mirror named by
        ``TRANSFERKIT_DOWNLOAD_BASE``), check its SHA-256 and keep it there;
        ``False`` raises :class:`~transferkit.datasets.DataFileError` instead.

    Returns
    -------
    texts : list of str
        The documents.
    labels : ndarray of str, shape (n_documents,)
        The newsgroup of each document, e.g. ``"rec.autos"``.

    References
    ----------
    K. Lang. "NewsWeeder: Learning to Filter Netnews". ICML 1995.
    A. Cardoso-Cachopo. "Improving Methods for Single-label Text
    Categorization". PhD thesis, Instituto Superior Técnico, 2007.

    Examples
    --------
    >>> from transferkit.datasets import load_newsgroups
    >>> texts, labels = load_newsgroups("test", groups=["sci.space"])
    ... # doctest: +SKIP
    >>> len(texts), set(labels)  # doctest: +SKIP
    (394, {'sci.space'})
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    if groups is not None:
        if isinstance(groups, str):
            raise TypeError(
                f"groups must be a list of newsgroup names, not a string: "
                f"use groups=[{groups!r}]."
            )
        groups = list(groups)
        unknown = sorted(set(groups) - set(NEWSGROUPS))
        if unknown:
            raise ValueError(
                f"Unknown newsgroup(s) {unknown} in groups; the 20 Newsgroups "
                f"are {list(NEWSGROUPS)}."
            )
    parts = ("train", "test") if subset == "all" else (subset,)
    texts, labels = [], []
    for part in parts:
        part_texts, part_labels = _read_tab(part, data_home, download_if_missing)
        texts.extend(part_texts)
        labels.extend(part_labels)
    labels = np.asarray(labels, dtype=str)
    if groups is not None:
        keep = np.isin(labels, groups)
        texts = [t for t, k in zip(texts, keep) if k]
        labels = labels[keep]
    return texts, labels
