"""Office-Caltech10 loaders (SURF and DeCAF6 features)."""

from __future__ import annotations

import numpy as np

from ._home import data_file

__all__ = ["load_office_caltech", "OFFICE_CALTECH_DOMAINS"]

OFFICE_CALTECH_DOMAINS = ("amazon", "caltech", "dslr", "webcam")
_ALIASES = {d[0].upper(): d for d in OFFICE_CALTECH_DOMAINS}
_FILES = {
    "surf": ("office_caltech10_surf/{}_SURF_L10.mat", "fts"),
    "decaf": ("office_caltech10_decaf/{}_decaf.mat", "feas"),
}


def _domain_name(domain):
    name = _ALIASES.get(domain, domain)
    if isinstance(name, str):
        name = name.lower()
    if name not in OFFICE_CALTECH_DOMAINS:
        raise ValueError(
            f"domain must be one of {OFFICE_CALTECH_DOMAINS} (or A/C/D/W), "
            f"got {domain!r}."
        )
    return name


def standardise_office_caltech(X):
    """The literature's preprocessing: sum-normalise rows, then z-score columns.

    Each sample is divided by its sum (rows summing to 0 are left as they
    are), then each feature is centred and divided by its population standard
    deviation (ddof=0) within the domain; constant features are left at 0.
    """
    X = np.asarray(X, dtype=np.float64)
    sums = X.sum(axis=1, keepdims=True)
    X = X / np.where(sums == 0, 1.0, sums)
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std == 0, 1.0, std)


def load_office_caltech(
    domain,
    features="surf",
    data_home=None,
    preprocess="standard",
    download_if_missing=True,
):
    """Load one domain of Office-Caltech10.

    Parameters
    ----------
    domain : {"amazon", "caltech", "dslr", "webcam"} or {"A", "C", "D", "W"}
        The domain.
    features : {"surf", "decaf"}, default="surf"
        800-bin SURF bag of words (Gong et al., CVPR 2012) or 4096-d DeCAF6
        activations (only dslr and webcam ship in the data folder).
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
    preprocess : {"standard", None}, default="standard"
        ``"standard"``: each sample divided by its sum, then each feature
        z-scored within the domain (ddof=0), the protocol behind the
        published tables. ``None``: the raw features as float64.
    download_if_missing : bool, default=True
        If a file is missing from the data folder, download it from the
        address in the download registry (or from the mirror named by
        ``TRANSFERKIT_DOWNLOAD_BASE``), check its SHA-256 and keep it there;
        ``False`` raises :class:`~transferkit.datasets.DataFileError` instead.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Class labels 1..10.

    Examples
    --------
    >>> from transferkit.datasets import load_office_caltech
    >>> X, y = load_office_caltech("dslr")  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (157, 800)
    """
    from scipy.io import loadmat

    if features not in _FILES:
        raise ValueError(f"features must be 'surf' or 'decaf', got {features!r}.")
    if preprocess not in ("standard", None):
        raise ValueError(f"preprocess must be 'standard' or None, got {preprocess!r}.")
    name = _domain_name(domain)
    pattern, key = _FILES[features]
    if features == "decaf" and name not in ("dslr", "webcam"):
        raise ValueError(
            "DeCAF6 features are available for 'dslr' and 'webcam' only, "
            f"got {domain!r}."
        )
    mat = loadmat(data_file(pattern.format(name), data_home, download_if_missing))
    X = np.asarray(mat[key], dtype=np.float64)
    y = np.asarray(mat["labels"]).ravel().astype(np.int64)
    if preprocess == "standard":
        X = standardise_office_caltech(X)
    return X, y
