"""Constructor arguments used when the instance family runs sklearn's checks.

Maps a class name to the keyword arguments of the instance passed to
``parametrize_with_checks`` in ``tests/test_common.py``. Classes not listed
are built with their defaults.
"""

COMMON_CHECK_PARAMS = {}
# Fewer rounds keep the checks fast; the default estimator is kept.
COMMON_CHECK_PARAMS["TrAdaBoostClassifier"] = {"n_estimators": 10}
COMMON_CHECK_PARAMS["TrAdaBoostRegressor"] = {"n_estimators": 10}
COMMON_CHECK_PARAMS["TwoStageTrAdaBoostRegressor"] = {"n_steps": 3, "n_estimators": 5}
