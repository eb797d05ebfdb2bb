"""Every public estimator through scikit-learn's estimator checks.

The list is built from the ``__all__`` of each family subpackage, so a new
public estimator is checked without anyone remembering to add it. Families
give non-default constructor arguments for the checks in
``tests/<family>/_common_params.py``.
"""

import importlib
import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

from tests.feature._common_params import COMMON_CHECK_PARAMS as FEATURE_PARAMS
from tests.instance._common_params import COMMON_CHECK_PARAMS as INSTANCE_PARAMS
from tests.model_selection._common_params import (
    COMMON_CHECK_PARAMS as SELECTION_PARAMS,
)
from tests.parameter._common_params import COMMON_CHECK_PARAMS as PARAMETER_PARAMS
from tests.relational._common_params import COMMON_CHECK_PARAMS as RELATIONAL_PARAMS
from tests.relational._common_params import EXPECTED_FAILED_CHECKS as RELATIONAL_XFAIL

FAMILIES = (
    "transferkit.feature",
    "transferkit.instance",
    "transferkit.model_selection",
    "transferkit.parameter",
    "transferkit.relational",
)
# The checks fit without Xt on purpose (no shift); the warning that says so is
# expected there.
pytestmark = pytest.mark.filterwarnings(
    "ignore::transferkit.exceptions.NoTargetDataWarning"
)

CHECK_PARAMS = {
    **FEATURE_PARAMS,
    **INSTANCE_PARAMS,
    **SELECTION_PARAMS,
    **PARAMETER_PARAMS,
    **RELATIONAL_PARAMS,
}


def public_estimator_classes():
    """All BaseEstimator subclasses exported by the family subpackages."""
    classes = []
    for family in FAMILIES:
        try:
            module = importlib.import_module(family)
        except ModuleNotFoundError:
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                classes.append(obj)
    return classes


ESTIMATORS = [
    cls(**CHECK_PARAMS.get(cls.__name__, {})) for cls in public_estimator_classes()
]


def test_every_family_exports_estimators():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert {"TCA", "CORAL", "KMM", "TrAdaBoostClassifier"} <= names


# Checks that cannot apply to a class, with the reason, by class name (only the
# relational family, whose X is a Queries object, may need any).
EXPECTED_FAILED_CHECKS = {**RELATIONAL_XFAIL}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_metadata_request_includes_Xt(estimator):
    request = estimator.get_metadata_routing()
    assert request.fit.requests.get("Xt") is True
