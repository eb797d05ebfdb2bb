"""Constructor arguments used when the feature family runs sklearn's checks.

Maps a class name to the keyword arguments of the instance passed to
``parametrize_with_checks`` in ``tests/test_common.py``. Classes not listed
are built with their defaults.
"""

COMMON_CHECK_PARAMS = {}
