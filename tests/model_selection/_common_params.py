"""Constructor arguments used when model_selection runs sklearn's checks.

Classes not listed are built with their defaults.
"""

COMMON_CHECK_PARAMS = {}
