"""The Examples section of every plotting function runs and says what it shows."""

import doctest
import importlib

import pytest

MODULES = ["_benchmark", "_domains", "_history", "_selection", "_weights"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"transferkit.plotting.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
