"""Datasets: synthetic shifts, an embedded digits shift, real benchmark loaders.

The real benchmarks are read from a data folder: the ``data_home`` argument,
else the environment variable ``TRANSFERKIT_DATA``, else ``~/transferkit_data``.
Each file is checked against a stored SHA-256. A missing file is downloaded
into the data folder from the address the download registry holds for it
(``download_if_missing=True``, scikit-learn's name and default), or from the
mirror named by the environment variable ``TRANSFERKIT_DOWNLOAD_BASE``; where
no public file matches, or offline, the error names the file and the folder
and says how to place the file by hand.
"""

from ._digits import DIGIT_SHIFTS, load_digits_shift
from ._download import DownloadError
from ._home import DataFileError, get_data_home
from ._hymenoptera import fetch_hymenoptera
from ._newsgroups import NEWSGROUPS, load_newsgroups
from ._office_caltech import OFFICE_CALTECH_DOMAINS, load_office_caltech
from ._registry_urls import REMOTE_ARCHIVES, REMOTE_FILES
from ._relational import RELATIONAL_DOMAINS, load_relational
from ._synthetic import make_domain_shift
from ._uci import load_concrete_domains, load_mushroom_domains

__all__ = [
    "DIGIT_SHIFTS",
    "NEWSGROUPS",
    "OFFICE_CALTECH_DOMAINS",
    "RELATIONAL_DOMAINS",
    "REMOTE_ARCHIVES",
    "REMOTE_FILES",
    "DataFileError",
    "DownloadError",
    "fetch_hymenoptera",
    "get_data_home",
    "load_concrete_domains",
    "load_digits_shift",
    "load_mushroom_domains",
    "load_newsgroups",
    "load_office_caltech",
    "load_relational",
    "make_domain_shift",
]
