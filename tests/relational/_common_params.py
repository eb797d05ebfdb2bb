"""Constructor arguments used when the relational family runs sklearn's checks.

Classes not listed are built with their defaults.
"""

COMMON_CHECK_PARAMS = {}

# {class name: {check name: reason}} for checks that truly cannot apply.
EXPECTED_FAILED_CHECKS = {}
