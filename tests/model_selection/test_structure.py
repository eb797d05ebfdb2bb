"""cluster_structure_score: the gap statistic against a Gaussian reference."""

import doctest

import numpy as np
import pytest

from transferkit.model_selection import _structure, cluster_structure_score


def test_docstring_example_runs():
    failures, _ = doctest.testmod(_structure)
    assert failures == 0


def test_blob_scores_low_and_groups_high():
    rng = np.random.RandomState(1)
    blob = rng.normal(size=(400, 4))
    groups = np.vstack([blob[:200] + 5, blob[200:] - 5])
    assert cluster_structure_score(blob, 2, random_state=0) < 3
    assert cluster_structure_score(groups, 2, random_state=0) > 10


def test_reproducible_and_input_untouched():
    X = np.random.RandomState(0).normal(size=(120, 3))
    copy = X.copy()
    a = cluster_structure_score(X, 3, random_state=5)
    assert a == cluster_structure_score(X, 3, random_state=5)
    np.testing.assert_array_equal(X, copy)


@pytest.mark.parametrize(
    "X, k, match",
    [
        (np.full((10, 2), np.nan), 2, "NaN"),
        (np.ones((10, 2)), 2, "no variance"),
        (np.random.RandomState(0).normal(size=(3, 2)), 3, "n_clusters"),
        (np.random.RandomState(0).normal(size=(30, 2)), 1, "n_clusters"),
    ],
)
def test_bad_input(X, k, match):
    with pytest.raises(ValueError, match=match):
        cluster_structure_score(X, k)
