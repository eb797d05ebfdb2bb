import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from transferkit.relational import auc_pr, auc_roc, conditional_log_likelihood


def test_auc_pr_hand_values():
    # points (TP, FP): (1,0) (1,1) (2,1) (2,2); precision interpolated
    assert auc_pr([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(
        0.5 * 1 + 0.5 * (0.5 + 2 / 3) / 2
    )
    assert auc_pr([1, 1, 0, 0], [4, 3, 2, 1]) == pytest.approx(1.0)
    # first positive after two negatives: recall 0 starts at precision 1/3
    assert auc_pr([0, 0, 1, 1], [4, 3, 2, 1]) == pytest.approx(
        0.5 / 3 + 0.5 * (1 / 3 + 1 / 2) / 2
    )


def test_auc_pr_close_to_average_precision_and_roc():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = y + rng.normal(size=400)
    assert auc_pr(y, p) == pytest.approx(average_precision_score(y, p), abs=0.01)
    assert auc_roc(y, p) == roc_auc_score(y, p)


def test_cll():
    assert conditional_log_likelihood([1, 0], [0.5, 0.5]) == pytest.approx(np.log(0.5))
    assert conditional_log_likelihood([1], [0.0]) == pytest.approx(np.log(1e-5))
    with pytest.raises(ValueError, match="0/1 labels"):
        conditional_log_likelihood([2], [0.5])


def test_non_finite_scores_are_refused():
    y = [1, 0, 1, 0]
    for metric in (auc_pr, auc_roc, conditional_log_likelihood):
        with pytest.raises(ValueError, match="non-finite"):
            metric(y, [np.nan, 0.2, 0.3, 0.1])
    # auc_pr used to return 1.0 here
    with pytest.raises(ValueError, match="non-finite"):
        auc_pr([1, 0], [np.nan, np.nan])


def test_cll_is_finite_or_refused():
    assert np.isfinite(conditional_log_likelihood([1, 0], [1.0, 0.0]))
    with pytest.raises(ValueError, match="eps"):
        conditional_log_likelihood([1, 0], [1.0, 0.0], eps=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        conditional_log_likelihood([1, 0], [1.5, 0.0])


def test_fractional_labels_are_refused_not_truncated():
    with pytest.raises(ValueError, match="0/1 labels"):
        auc_pr([1, 0.5, 0], [0.9, 0.8, 0.1])
    with pytest.raises(ValueError, match="0/1 labels"):
        auc_roc([1, 0.7, 0], [0.9, 0.8, 0.1])
    assert auc_pr([1.0, 0.0], [0.9, 0.1]) == pytest.approx(1.0)
