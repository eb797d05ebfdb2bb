import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier

from tests._shift_data import sheared_domains
from transferkit.datasets import make_domain_shift
from transferkit.feature import CORAL, SubspaceAlignment
from transferkit.model_selection import (
    ReverseValidationSelector,
    reverse_validation_score,
)
from transferkit.pipeline import make_transfer_pipeline


@pytest.fixture
def affine():
    return make_domain_shift(
        kind="affine", n_source=300, n_target=300, n_features=5, random_state=0
    )


def test_score_equals_a_hand_written_loop(affine):
    Xs, ys, Xt, _ = affine
    model = make_transfer_pipeline(CORAL(), LogisticRegression())
    expected = []
    for train, held in KFold(3, shuffle=True, random_state=4).split(Xs):
        forward = clone(model).fit(Xs[train], ys[train], Xt=Xt)
        pseudo = forward.predict(Xt)
        reverse = clone(model).fit(Xt, pseudo, Xt=Xs[train])
        expected.append(np.mean(reverse.predict(Xs[held]) == ys[held]))
    score = reverse_validation_score(model, Xs, ys, Xt, cv=3, random_state=4)
    assert score == pytest.approx(np.mean(expected), abs=1e-15)


def test_plain_classifier_is_fitted_without_Xt(affine):
    Xs, ys, Xt, _ = affine
    expected = []
    for train, held in KFold(2, shuffle=True, random_state=0).split(Xs):
        pseudo = LogisticRegression().fit(Xs[train], ys[train]).predict(Xt)
        reverse = LogisticRegression().fit(Xt, pseudo)
        expected.append(np.mean(reverse.predict(Xs[held]) == ys[held]))
    score = reverse_validation_score(LogisticRegression(), Xs, ys, Xt, cv=2)
    assert score == pytest.approx(np.mean(expected), abs=1e-15)


class _Constant(ClassifierMixin, BaseEstimator):
    """Predicts the first source label everywhere."""

    def fit(self, X, y):
        self.label_ = y[0]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


def test_single_pseudo_label_scores_its_frequency():
    X = np.arange(40.0).reshape(20, 2)
    y = np.array([0, 1] * 10)
    score = reverse_validation_score(_Constant(), X, y, X + 1, cv=2)
    # every fold's reverse model predicts one label; its accuracy on the
    # held-out fold is that label's frequency there
    expected = []
    for train, held in KFold(2, shuffle=True, random_state=0).split(X):
        expected.append(np.mean(y[held] == y[train][0]))
    assert score == pytest.approx(np.mean(expected))


def test_selector_prefers_adaptation_where_it_helps():
    Xs, ys, Xt, yt = sheared_domains()
    selector = ReverseValidationSelector(
        [
            ("source only", LogisticRegression()),
            ("CORAL", make_transfer_pipeline(CORAL(reg=0.1), LogisticRegression())),
        ]
    ).fit(Xs, ys, Xt)
    source_only = LogisticRegression().fit(Xs, ys).score(Xt, yt)
    assert selector.best_name_ == "CORAL"
    assert selector.scores_["CORAL"] > selector.scores_["source only"]
    assert selector.score(Xt, yt) > source_only + 0.1


def test_selector_guards_against_a_harmful_adaptation():
    # no shift; an adaptation that keeps one of five directions loses the
    # class information, and the selector keeps the source-only model
    Xs, ys, Xt, yt = make_domain_shift(
        kind="covariate",
        n_source=300,
        n_target=300,
        n_features=5,
        shift=0.0,
        random_state=1,
    )
    harmful = make_transfer_pipeline(
        SubspaceAlignment(n_components=1), KNeighborsClassifier(1)
    )
    selector = ReverseValidationSelector(
        [("source only", LogisticRegression()), ("harmful", harmful)]
    ).fit(Xs, ys, Xt)
    assert selector.best_name_ == "source only"
    assert harmful.fit(Xs, ys, Xt=Xt).score(Xt, yt) < selector.score(Xt, yt)


def test_ties_go_to_the_first_candidate(affine):
    Xs, ys, Xt, _ = affine
    selector = ReverseValidationSelector(
        [("a", DummyClassifier()), ("b", DummyClassifier())]
    ).fit(Xs, ys, Xt)
    assert selector.scores_["a"] == selector.scores_["b"]
    assert selector.best_name_ == "a"


def test_fold_scores_and_refit(affine):
    Xs, ys, Xt, _ = affine
    selector = ReverseValidationSelector(cv=4).fit(Xs, ys, Xt)
    assert set(selector.scores_) == {"source only", "CORAL"}
    for name, folds in selector.fold_scores_.items():
        assert folds.shape == (4,)
        assert selector.scores_[name] == pytest.approx(folds.mean())
    assert selector.best_estimator_ is not None
    np.testing.assert_array_equal(
        selector.predict(Xt), selector.best_estimator_.predict(Xt)
    )
    assert selector.predict_proba(Xt).shape == (len(Xt), 2)


@pytest.mark.parametrize(
    "candidates, match",
    [
        ([], "non-empty list"),
        ([LogisticRegression()], "tuples"),
        ([("a", LogisticRegression()), ("a", LogisticRegression())], "unique"),
        ([("a", "not an estimator")], "tuples"),
    ],
)
def test_bad_candidates(affine, candidates, match):
    Xs, ys, Xt, _ = affine
    with pytest.raises(ValueError, match=match):
        ReverseValidationSelector(candidates).fit(Xs, ys, Xt)


@pytest.mark.parametrize("cv", [1, 0, 2.5, True, "3"])
def test_bad_cv(affine, cv):
    Xs, ys, Xt, _ = affine
    with pytest.raises(ValueError, match="cv must be an integer >= 2"):
        ReverseValidationSelector(cv=cv).fit(Xs, ys, Xt)
    with pytest.raises(ValueError, match="cv must be an integer >= 2"):
        reverse_validation_score(LogisticRegression(), Xs, ys, Xt, cv=cv)


def test_input_errors_name_the_argument(affine):
    Xs, ys, Xt, _ = affine
    with pytest.raises(ValueError, match="shape"):
        reverse_validation_score(LogisticRegression(), Xs, ys, Xt[:, :2])
    with pytest.raises(ValueError, match="requires y"):
        ReverseValidationSelector().fit(Xs, None, Xt)
    bad = Xt.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        reverse_validation_score(LogisticRegression(), Xs, ys, bad)


def test_inputs_are_not_modified(affine):
    Xs, ys, Xt, _ = affine
    copies = [a.copy() for a in (Xs, ys, Xt)]
    ReverseValidationSelector().fit(Xs, ys, Xt)
    for original, copy in zip((Xs, ys, Xt), copies):
        np.testing.assert_array_equal(original, copy)


def test_a_generator_seed_gives_every_candidate_the_same_folds(affine):
    Xs, ys, Xt, _ = affine
    selector = ReverseValidationSelector(
        [("a", LogisticRegression()), ("b", LogisticRegression())],
        random_state=np.random.RandomState(3),
    ).fit(Xs, ys, Xt)
    np.testing.assert_array_equal(
        selector.fold_scores_["a"], selector.fold_scores_["b"]
    )
