"""The hymenoptera photos (ants vs bees) of PyTorch's transfer-learning tutorial."""

from __future__ import annotations

from ._home import DataFileError, get_data_home

__all__ = ["fetch_hymenoptera"]

_CLASS_FOLDERS = ("train/ants", "train/bees", "val/ants", "val/bees")


def fetch_hymenoptera(data_home=None, download_if_missing=True):
    """The folder of the hymenoptera photos, downloaded if missing.

    245 training and 153 validation photos of ants and bees, a small subset of
    ImageNet, in ``train/{ants,bees}`` and ``val/{ants,bees}`` under
    ``images/hymenoptera/`` in the data folder (the layout
    :class:`~transferkit.parameter.ImageFolder` reads). When the folder is
    missing, PyTorch's ``hymenoptera_data.zip`` is downloaded and extracted
    there; its checksum is not known offline, so the four class folders and
    their file counts (124, 121, 70, 83) are checked instead, and nothing is
    kept unless they match.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
    download_if_missing : bool, default=True
        Download the archive when the folder is missing; ``False`` raises
        :class:`~transferkit.datasets.DataFileError` instead.

    Returns
    -------
    root : pathlib.Path
        ``<data folder>/images/hymenoptera``.

    References
    ----------
    S. Chilamkurthy. "Transfer Learning for Computer Vision Tutorial", PyTorch
    tutorials (data: https://download.pytorch.org/tutorial/hymenoptera_data.zip).

    Examples
    --------
    >>> from transferkit.datasets import fetch_hymenoptera
    >>> root = fetch_hymenoptera()  # doctest: +SKIP
    >>> sorted(p.name for p in (root / "train").iterdir())  # doctest: +SKIP
    ['ants', 'bees']
    """
    home = get_data_home(data_home)
    root = home / "images" / "hymenoptera"
    if not root.exists() and download_if_missing:
        from ._download import fetch_archive

        fetch_archive("hymenoptera", home)
    missing = [f for f in _CLASS_FOLDERS if not (root / f).is_dir()]
    if missing:
        raise DataFileError(
            f"The hymenoptera photos are not in the data folder {str(home)!r}: "
            f"{str(root)!r} lacks {missing}. Unzip "
            "https://download.pytorch.org/tutorial/hymenoptera_data.zip so that "
            f"its hymenoptera_data/ folder becomes {str(root)!r}, pass "
            "data_home=..., or set TRANSFERKIT_DATA to the folder that holds it."
        )
    return root
