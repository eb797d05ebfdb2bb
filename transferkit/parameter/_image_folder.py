"""Reading a folder of photos, one sub-folder per class."""

from __future__ import annotations

import os
import warnings

import numpy as np

from .backbones._images import IMAGE_FORMATS, check_image_file

__all__ = ["ImageFolder", "list_images"]


def _walk_files(folder):
    """Every non-hidden file under ``folder``, sorted, recursively."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            os.path.join(dirpath, f) for f in sorted(filenames) if not f.startswith(".")
        )
    return found


def _sniff(files, decode):
    """Split ``files`` into readable images and ``(file, reason)`` pairs."""
    kept, skipped = [], []
    for f in files:
        reason = check_image_file(f, decode=decode)
        if reason is None:
            kept.append(f)
        else:
            skipped.append((f, reason))
    return kept, skipped


def _warn_skipped(skipped, warn=True):
    for f, reason in skipped:
        if callable(warn):
            warn(f, reason)
        elif warn:
            warnings.warn(f"skipped {f!r}: {reason}", UserWarning, stacklevel=3)


def list_images(paths, decode=True, warn=True):
    """The readable image files of a path, a folder or a list of them.

    For prediction: a file is kept when Pillow reads it as JPEG, PNG or
    GIF, whatever its name; folders are searched recursively (sorted, hidden
    entries left out). Other files are skipped with a ``UserWarning`` each.

    Parameters
    ----------
    paths : str, path-like or list of them
        Image files and/or folders.
    decode : bool, default=True
        Decode every image once to find truncated files.
    warn : bool or callable, default=True
        Warn once per skipped file; a callable is called as
        ``warn(path, reason)`` for each instead (the commands print a line).

    Returns
    -------
    images : list of str

    Examples
    --------
    >>> import tempfile, os
    >>> from PIL import Image
    >>> from transferkit.parameter import list_images
    >>> folder = tempfile.mkdtemp()
    >>> Image.new("RGB", (8, 8)).save(os.path.join(folder, "a.png"))
    >>> [os.path.basename(p) for p in list_images(folder)]
    ['a.png']
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise TypeError(
                f"paths must be str or path-like (or a list of them), "
                f"got {type(p).__name__}"
            )
        if os.path.isdir(p):
            files.extend(_walk_files(p))
        elif os.path.isfile(p):
            files.append(os.fspath(p))
        else:
            raise FileNotFoundError(f"no such file or folder: {os.fspath(p)!r}")
    kept, skipped = _sniff(files, decode)
    _warn_skipped(skipped, warn)
    return kept


class ImageFolder:
    """Photos in ``root/<class>/...``: paths, class labels, skipped files.

    Each sub-folder of ``root`` is a class (classes are the sorted folder
    names); its files, searched recursively, are kept when Pillow reads
    them as JPEG, PNG or GIF, *by content*: a ``.gif`` that holds JPEG data
    is read as JPEG, a text file named ``.jpg`` is skipped. Skipped files
    (not images, other formats, corrupt or truncated) are listed in
    ``skipped_`` and each is named in a ``UserWarning``; reading never
    stops on a bad file. At use, animated GIFs give their first frame and
    every mode (CMYK, grayscale, palette, alpha over white) becomes RGB.

    The folder is read when the object is made.

    Parameters
    ----------
    root : str or path-like
        The folder with one sub-folder per class.
    decode : bool, default=True
        Decode each image once while reading the folder, which finds files
        truncated after a valid header (``Image.verify`` alone does not).
        False only checks headers (faster, for trusted folders).
    warn : bool or callable, default=True
        Warn once per skipped file; a callable is called as
        ``warn(path, reason)`` for each instead (the commands print a line).

    Attributes
    ----------
    root : str
    classes : list of str
        Class names, sorted.
    paths : list of str
        The readable images, class by class, sorted within a class.
    targets : ndarray of shape (n_images,), str
        The class name of each path.
    skipped_ : list of (str, str)
        ``(file, reason)`` for each file left out.

    Raises
    ------
    ValueError
        When ``root`` has fewer than two class folders, or a class folder
        holds no readable image.

    Examples
    --------
    >>> import tempfile, os
    >>> from PIL import Image
    >>> from transferkit.parameter import ImageFolder
    >>> root = tempfile.mkdtemp()
    >>> for name, colour in [("ants", (200, 60, 0)), ("bees", (240, 200, 0))]:
    ...     os.makedirs(os.path.join(root, name))
    ...     Image.new("RGB", (40, 30), colour).save(os.path.join(root, name, "1.jpg"))
    >>> folder = ImageFolder(root)
    >>> folder.classes, folder.targets.tolist(), len(folder)
    (['ants', 'bees'], ['ants', 'bees'], 2)
    """

    def __init__(self, root, decode=True, warn=True):
        if not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"root must be a str or path-like, got {type(root)!r}")
        root = os.fspath(root)
        if not os.path.isdir(root):
            raise ValueError(f"root must be an existing folder, got {root!r}")
        self.root = root
        self.decode = decode
        classes = sorted(
            d
            for d in os.listdir(root)
            if not d.startswith(".") and os.path.isdir(os.path.join(root, d))
        )
        if len(classes) < 2:
            raise ValueError(
                f"ImageFolder needs at least two class sub-folders in {root!r} "
                f"(one per class), found {len(classes)}: {classes}"
            )
        paths, targets, skipped = [], [], []
        for name in classes:
            kept, bad = _sniff(_walk_files(os.path.join(root, name)), decode)
            if not kept:
                raise ValueError(
                    f"class folder {os.path.join(root, name)!r} holds no readable "
                    f"{'/'.join(IMAGE_FORMATS)} image"
                    + (f" ({len(bad)} file(s) skipped)" if bad else "")
                )
            paths.extend(kept)
            targets.extend([name] * len(kept))
            skipped.extend(bad)
        self.classes = classes
        self.paths = paths
        self.targets = np.asarray(targets, dtype=str)
        self.skipped_ = skipped
        _warn_skipped(skipped, warn)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        """``(path, class name)`` of image ``index``."""
        return self.paths[index], self.targets[index]

    def __repr__(self):
        return (
            f"ImageFolder({self.root!r}: {len(self)} images, "
            f"{len(self.classes)} classes, {len(self.skipped_)} skipped)"
        )

    def features(self, backbone, indices=None, batch_size=32, cache=True):
        """Frozen features of the images through ``backbone.encode``.

        The backbone applies its own resizing and normalisation and caches
        features per file, so a linear probe over several draws of the same
        folder runs the body once per image.

        Parameters
        ----------
        backbone : Backbone
            An image backbone from :mod:`transferkit.parameter.backbones`.
        indices : array-like of int, default=None
            A subset of the images; all when None.
        batch_size : int, default=32
        cache : bool, default=True

        Returns
        -------
        X : ndarray of shape (n, backbone.feature_dim), float32
        """
        return backbone.encode(
            self._subset(indices), batch_size=batch_size, cache=cache
        )

    def batches(
        self, backbone, batch_size=32, indices=None, train=False, generator=None
    ):
        """Yield ``(batch, class names)`` prepared by ``backbone.prepare``.

        With ``train=True`` the images are shuffled and lightly augmented
        (random resized crop and flip), every draw from ``generator`` (a
        ``torch.Generator``); without, they come in order, resized and
        centre-cropped.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
        order = np.arange(len(self)) if indices is None else np.asarray(indices)
        if train:
            import torch

            if generator is None:
                raise ValueError("train=True needs a torch.Generator as generator")
            perm = torch.randperm(len(order), generator=generator).numpy()
            order = order[perm]
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            paths = [self.paths[i] for i in chunk]
            yield (
                backbone.prepare(paths, train=train, generator=generator),
                self.targets[chunk],
            )

    def _subset(self, indices):
        if indices is None:
            return list(self.paths)
        return [self.paths[i] for i in np.asarray(indices, dtype=int)]

    @property
    def class_counts(self):
        """``{class name: number of images}``."""
        names, counts = np.unique(self.targets, return_counts=True)
        return {str(n): int(c) for n, c in zip(names, counts)}
