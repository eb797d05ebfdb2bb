"""EnsV: agreement with the candidates' majority vote, alone and in the selector."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from transferkit.datasets import make_domain_shift
from transferkit.feature import CORAL
from transferkit.model_selection import TransferSelector, ensemble_agreement
from transferkit.pipeline import make_transfer_pipeline
from transferkit.utils._fitting import fit_with_target


def test_agreement_by_hand():
    # votes per sample: (0, 0, 1) -> 0; (0, 1, 1) -> 1; (1, 1, 1) -> 1;
    # (1, 1, 0) -> 1: the ensemble is [0, 1, 1, 1]
    scores = ensemble_agreement(
        {"a": [0, 0, 1, 1], "b": [0, 1, 1, 1], "c": [1, 1, 1, 0]}
    )
    assert scores == {"a": 0.75, "b": 1.0, "c": 0.5}
    assert list(scores) == ["a", "b", "c"]


def test_ties_go_to_the_label_that_sorts_first_and_labels_may_be_strings():
    assert ensemble_agreement({"x": ["dog"], "y": ["cat"]}) == {"x": 0.0, "y": 1.0}
    # three labels, one vote each on the first sample; "b" wins the second
    scores = ensemble_agreement({"p": ["c", "b"], "q": ["b", "b"], "r": ["a", "a"]})
    assert scores == {"p": 0.5, "q": 0.5, "r": 0.5}


@pytest.mark.parametrize(
    "labels, match",
    [
        ({}, "non-empty dict"),
        ([[0, 1]], "non-empty dict"),
        ({"a": [0, 1], "b": [0]}, "one label per target sample"),
        ({"a": [], "b": []}, "no target sample"),
    ],
)
def test_bad_input_is_named(labels, match):
    with pytest.raises(ValueError, match=match):
        ensemble_agreement(labels)


def test_input_is_not_modified():
    a = np.array([0, 1, 1])
    ensemble_agreement({"a": a, "b": a[::-1]})
    np.testing.assert_array_equal(a, [0, 1, 1])


@pytest.fixture(scope="module")
def affine():
    return make_domain_shift(kind="affine", n_source=150, n_target=150, random_state=0)


def test_selector_scores_each_fold_against_the_folds_vote(affine):
    Xs, ys, Xt, _ = affine
    candidates = [
        ("source only", LogisticRegression()),
        ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
        ("1NN", KNeighborsClassifier(1)),
    ]
    selector = TransferSelector(
        candidates, scoring=["ensv", "iwcv"], cv=3, random_state=0
    ).fit(Xs, ys, Xt)
    report = selector.selection_report_
    assert report["criteria"] == ["ensv", "iwcv"]
    # refit each candidate on each fold by hand: the same per-fold agreements
    from sklearn.model_selection import KFold
    from sklearn.utils import check_random_state

    seed = int(check_random_state(0).randint(np.iinfo(np.int32).max))
    for k, (train, _) in enumerate(KFold(3, shuffle=True, random_state=seed).split(Xs)):
        labels = {
            name: fit_with_target(clone(est), Xs[train], ys[train], Xt).predict(Xt)
            for name, est in candidates
        }
        expected = ensemble_agreement(labels)
        for name in expected:
            assert report["scores"]["ensv"][name]["folds"][k] == pytest.approx(
                expected[name]
            )


def test_a_majority_of_copies_agrees_with_itself(affine):
    # two copies of the baseline outvote the third candidate on every sample
    Xs, ys, Xt, _ = affine
    candidates = [
        ("source only", LogisticRegression()),
        ("copy", LogisticRegression()),
        ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
    ]
    selector = TransferSelector(candidates, scoring="ensv", cv=3, random_state=0)
    selector.fit(Xs, ys, Xt)
    table = selector.selection_report_["scores"]["ensv"]
    assert table["source only"]["folds"] == [1.0, 1.0, 1.0]
    assert table["copy"]["folds"] == [1.0, 1.0, 1.0]
    assert max(table["CORAL"]["folds"]) < 1.0
    assert selector.selected_ == "source only"


def test_auto_reports_ensv_and_no_labels_are_kept(affine):
    Xs, ys, Xt, _ = affine
    candidates = [
        ("source only", LogisticRegression()),
        ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
    ]
    selector = TransferSelector(candidates, cv=3, random_state=0).fit(Xs, ys, Xt)
    report = selector.selection_report_
    assert report["criteria"][-1] == "ensv"
    assert "_target_labels" not in str(report)


def test_docstring_example_runs():
    import doctest

    from transferkit.model_selection import _ensemble

    result = doctest.testmod(_ensemble)
    assert result.attempted > 0 and result.failed == 0
