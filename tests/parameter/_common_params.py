"""Constructor arguments used when the parameter family runs sklearn's checks.

Classes not listed are built with their defaults.
"""

COMMON_CHECK_PARAMS = {}
# Fewer epochs keep the checks fast; the default MLP is kept.
COMMON_CHECK_PARAMS["FineTuner"] = {"epochs": 30}
COMMON_CHECK_PARAMS["FineTunerRegressor"] = {"epochs": 30}
# A two-point grid and 3 folds keep the checks fast; "auto" is still exercised.
COMMON_CHECK_PARAMS["RegularTransferClassifier"] = {"alphas": [10.0, 0.1], "cv": 3}
