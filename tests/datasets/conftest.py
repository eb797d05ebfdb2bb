"""The dataset tests never reach the network: see ``_local_downloads_only`` in
``tests/conftest.py``, which applies to every test."""
