"""Test configuration.

Tests marked ``realdata`` read the benchmark data through the environment
variable ``TRANSFERKIT_DATA`` (CI sets ``TRANSFERKIT_DATA=../shared/data``).
They are never skipped: without the data they fail, loudly.
"""

import os

import pytest


@pytest.fixture(scope="session")
def data_home():
    home = os.environ.get("TRANSFERKIT_DATA")
    if not home or not os.path.isdir(home):
        pytest.fail(
            "realdata tests need the benchmark data: set TRANSFERKIT_DATA to the "
            "data folder (../shared/data from the repository root); "
            f"got TRANSFERKIT_DATA={home!r}.",
            pytrace=False,
        )
    return home
