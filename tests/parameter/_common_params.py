"""Constructor arguments used when the parameter family runs sklearn's checks.

Classes not listed are built with their defaults.
"""

COMMON_CHECK_PARAMS = {}
