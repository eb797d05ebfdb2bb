"""Label-free scorers against hand-computed values on small data."""

import pickle

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier

from transferkit.datasets import make_domain_shift
from transferkit.feature import CORAL, SubspaceAlignment
from transferkit.instance import KMM, DiscriminativeReweighting
from transferkit.metrics import mmd2, proxy_a_distance
from transferkit.model_selection import (
    DEVScorer,
    DiscrepancyScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SNDScorer,
    dev_risk,
)
from transferkit.pipeline import make_transfer_pipeline


@pytest.fixture(scope="module")
def shift():
    Xs, ys, Xt, yt = make_domain_shift(
        kind="affine", n_source=120, n_target=100, n_features=3, random_state=0
    )
    model = LogisticRegression().fit(Xs[:80], ys[:80])
    return Xs, ys, Xt, yt, model


class _FixedWeights:
    """A reweighter stub returning given weights."""

    def __init__(self, weights):
        self.weights = weights

    def get_params(self, deep=True):
        return {"weights": self.weights}

    def set_params(self, **params):
        self.weights = params["weights"]
        return self

    def fit_weights(self, X, Xt=None):
        return np.asarray(self.weights, dtype=float)


class _FixedProba(ClassifierMixin, BaseEstimator):
    """Predicts given probabilities, whatever the input."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.arange(np.asarray(self.proba).shape[1])
        return self

    def predict_proba(self, X):
        return np.asarray(self.proba, dtype=float)

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=1)


class _FixedLabels(ClassifierMixin, BaseEstimator):
    """Predicts given labels (no probabilities)."""

    def __init__(self, labels=None):
        self.labels = labels

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.asarray(self.labels)


def test_iwcv_by_hand():
    X = np.zeros((4, 2))
    y = np.array([0, 1, 1, 0])
    model = _FixedLabels(labels=[0, 1, 0, 1]).fit(X, y)  # correct: 1, 1, 0, 0
    scorer = ImportanceWeightedScorer(_FixedWeights([3.0, 1.0, 1.0, 1.0]))
    # (3 * 1 + 1 * 1 + 0 + 0) / 6
    assert scorer(model, X, y, Xt=X) == pytest.approx(4 / 6)


@pytest.mark.parametrize(
    "reweighter", [None, KMM(LogisticRegression(), random_state=0)], ids=str
)
def test_iwcv_equals_the_reweighters_weights(shift, reweighter):
    Xs, ys, Xt, _, model = shift
    used = (
        DiscriminativeReweighting(random_state=0) if reweighter is None else reweighter
    )
    w = clone(used).fit_weights(Xs[80:], Xt)
    correct = model.predict(Xs[80:]) == ys[80:]
    expected = np.sum(w * correct) / np.sum(w)
    score = ImportanceWeightedScorer(reweighter)(model, Xs[80:], ys[80:], Xt=Xt)
    assert score == pytest.approx(expected, abs=1e-12)
    assert score != pytest.approx(np.mean(correct), abs=1e-6)


def test_iwcv_needs_a_reweighter(shift):
    Xs, ys, Xt, _, model = shift
    with pytest.raises(ValueError, match="fit_weights"):
        ImportanceWeightedScorer(LogisticRegression())(model, Xs, ys, Xt=Xt)


def test_reverse_validation_scorer_is_the_loop(shift):
    Xs, ys, Xt, _, model = shift
    pseudo = model.predict(Xt)
    reverse = LogisticRegression().fit(Xt, pseudo)
    expected = np.mean(reverse.predict(Xs[80:]) == ys[80:])
    assert ReverseValidationScorer()(model, Xs[80:], ys[80:], Xt=Xt) == expected


def test_reverse_validation_scorer_gives_the_pipeline_its_target(shift):
    Xs, ys, Xt, _, _ = shift
    pipe = make_transfer_pipeline(CORAL(), LogisticRegression())
    model = clone(pipe).fit(Xs[:80], ys[:80], Xt=Xt)
    reverse = clone(pipe).fit(Xt, model.predict(Xt), Xt=Xs[80:])
    expected = np.mean(reverse.predict(Xs[80:]) == ys[80:])
    assert ReverseValidationScorer()(model, Xs[80:], ys[80:], Xt=Xt) == expected


def test_entropy_by_hand():
    proba = [[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]
    model = _FixedProba(proba).fit(np.zeros((3, 1)), [0, 1, 1])
    h = [np.log(2), 0.0, -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))]
    score = PredictionEntropyScorer()(model, np.zeros((3, 1)), [0, 1, 1], Xt=[[0]] * 3)
    assert score == pytest.approx(-np.mean(h))


def test_entropy_uses_decision_function_without_proba(shift):
    from sklearn.svm import LinearSVC

    Xs, ys, Xt, _, _ = shift
    svm = LinearSVC().fit(Xs, ys)
    # two classes: the probability of the positive class is sigmoid(d)
    p = 1 / (1 + np.exp(-svm.decision_function(Xt)))
    expected = np.mean(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert PredictionEntropyScorer()(svm, Xs, ys, Xt=Xt) == pytest.approx(expected)


def _snd_by_loops(P, tau):
    n = len(P)
    P = [np.asarray(p) / np.linalg.norm(p) for p in P]
    total = 0.0
    for i in range(n):
        others = [j for j in range(n) if j != i]
        sims = np.array([P[i] @ P[j] / tau for j in others])
        q = np.exp(sims) / np.exp(sims).sum()
        total += -np.sum(q * np.log(q))
    return total / n


def test_snd_by_hand():
    proba = [[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.5, 0.5]]
    model = _FixedProba(proba).fit(np.zeros((4, 1)), [0, 1, 1, 0])
    for tau in (0.05, 1.0):
        score = SNDScorer(temperature=tau)(model, None, None, Xt=np.zeros((4, 1)))
        assert score == pytest.approx(_snd_by_loops(proba, tau), rel=1e-12)
    # two samples: each has one neighbour, entropy 0
    two = _FixedProba([[1.0, 0.0], [0.0, 1.0]]).fit(np.zeros((2, 1)), [0, 1])
    assert SNDScorer()(two, None, None, Xt=np.zeros((2, 1))) == 0.0


def test_snd_bad_temperature(shift):
    Xs, ys, Xt, _, model = shift
    with pytest.raises(ValueError, match="temperature"):
        SNDScorer(temperature=0)(model, Xs, ys, Xt=Xt)


def test_dev_risk_by_hand():
    # L = [3, 0, 1, 0], mean 1; w mean 1.5, var 1; cov(L, w) = 4/3
    # eta = -4/3; risk = 1 + eta * 1.5 - eta = 1/3
    assert dev_risk([1, 0, 1, 0], [3, 1, 1, 1]) == pytest.approx(1 / 3)
    # constant weights: no control variate
    assert dev_risk([1, 0, 1, 1], [2, 2, 2, 2]) == pytest.approx(1.5)


def test_dev_scorer_is_its_parts(shift):
    Xs, ys, Xt, _, model = shift
    scorer = DEVScorer(random_state=3)
    w = scorer.density_ratios(Xs[80:], Xt)
    losses = (model.predict(Xs[80:]) != ys[80:]).astype(float)
    assert scorer(model, Xs[80:], ys[80:], Xt=Xt) == pytest.approx(
        1 - dev_risk(losses, w)
    )
    # the ratios: cross-fitted domain probabilities, n_s / n_t times the odds
    assert w.shape == (40,) and np.all(w > 0) and np.all(w <= 20.0)


def test_dev_scorer_uses_the_mapped_source(shift):
    Xs, ys, Xt, _, _ = shift
    pipe = make_transfer_pipeline(
        SubspaceAlignment(n_components=2), LogisticRegression()
    )
    model = pipe.fit(Xs[:80], ys[:80], Xt=Xt)
    sa = model[0]
    scorer = DEVScorer()
    w = scorer.density_ratios(sa.transform_source(Xs[80:]), sa.transform(Xt))
    predicted = model[-1].predict(sa.transform_source(Xs[80:]))
    losses = (predicted != ys[80:]).astype(float)
    assert scorer(model, Xs[80:], ys[80:], Xt=Xt) == pytest.approx(
        1 - dev_risk(losses, w)
    )


def test_discrepancy_by_metric(shift):
    Xs, ys, Xt, _, model = shift
    assert DiscrepancyScorer()(model, Xs[80:], ys[80:], Xt=Xt) == pytest.approx(
        -mmd2(Xs[80:], Xt)
    )
    pad = DiscrepancyScorer(metric="pad", random_state=1)(model, Xs, ys, Xt=Xt)
    assert pad == pytest.approx(-proxy_a_distance(Xs, Xt, random_state=1))
    coral = make_transfer_pipeline(CORAL(), KNeighborsClassifier(1)).fit(
        Xs[:80], ys[:80], Xt=Xt
    )
    recoloured = Xs[80:] @ coral[0].transformation_
    assert DiscrepancyScorer()(coral, Xs[80:], ys[80:], Xt=Xt) == pytest.approx(
        -mmd2(recoloured, Xt)
    )
    with pytest.raises(ValueError, match="metric"):
        DiscrepancyScorer(metric="kl")(model, Xs, ys, Xt=Xt)


ALL = [
    ImportanceWeightedScorer(),
    ReverseValidationScorer(),
    PredictionEntropyScorer(),
    SNDScorer(),
    DEVScorer(),
    DiscrepancyScorer(),
]


@pytest.mark.parametrize("scorer", ALL, ids=repr)
def test_missing_Xt_says_how_to_route_it(shift, scorer):
    Xs, ys, _, _, model = shift
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        scorer(model, Xs, ys)


@pytest.mark.parametrize("scorer", ALL, ids=repr)
def test_tuple_Xt_and_pickle(shift, scorer):
    Xs, ys, Xt, _, model = shift
    direct = scorer(model, Xs[80:], ys[80:], Xt=Xt)
    assert scorer(model, Xs[80:], ys[80:], Xt=(Xt[:50], Xt[50:])) == direct
    assert pickle.loads(pickle.dumps(scorer))(model, Xs[80:], ys[80:], Xt=Xt) == direct


def test_cross_validate_routes_Xt(shift):
    Xs, ys, Xt, _, _ = shift
    pipe = make_transfer_pipeline(CORAL(), LogisticRegression())
    cv = KFold(3, shuffle=True, random_state=0)
    scoring = {"dev": DEVScorer(), "rv": ReverseValidationScorer()}
    with config_context(enable_metadata_routing=True):
        result = cross_validate(
            pipe, Xs, ys, cv=cv, scoring=scoring, params={"Xt": (Xt,)}
        )
    for k, (train, test) in enumerate(cv.split(Xs)):
        model = clone(pipe).fit(Xs[train], ys[train], Xt=Xt)
        assert result["test_dev"][k] == pytest.approx(
            DEVScorer()(model, Xs[test], ys[test], Xt=Xt)
        )
        assert result["test_rv"][k] == ReverseValidationScorer()(
            model, Xs[test], ys[test], Xt=Xt
        )


def test_grid_search_with_a_label_free_scorer(shift):
    Xs, ys, Xt, _, _ = shift
    pipe = make_transfer_pipeline(CORAL(), LogisticRegression())
    grid = {"coral__reg": [0.1, 10.0]}
    cv = KFold(2, shuffle=True, random_state=0)
    scorer = ImportanceWeightedScorer()
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, grid, scoring=scorer, cv=cv).fit(Xs, ys, Xt=(Xt,))
    expected = []
    for reg in grid["coral__reg"]:
        folds = []
        for train, test in cv.split(Xs):
            model = (
                clone(pipe).set_params(coral__reg=reg).fit(Xs[train], ys[train], Xt=Xt)
            )
            folds.append(scorer(model, Xs[test], ys[test], Xt=Xt))
        expected.append(np.mean(folds))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], expected)


def test_score_request_alias(shift):
    scorer = DEVScorer().set_score_request(Xt="target")
    assert scorer.get_metadata_routing().score.requests == {"Xt": "target"}
    assert DEVScorer().get_metadata_routing().score.requests == {"Xt": True}


class _OwnSourceMap(ClassifierMixin, BaseEstimator):
    """Predicts 0 for target rows and 1 for source rows (``predict_source``)."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        return np.zeros(np.asarray(X).shape[0], dtype=int)

    def predict_source(self, X):
        return np.ones(np.asarray(X).shape[0], dtype=int)


def test_an_estimator_with_its_own_source_map_is_scored_through_it():
    # MEDA maps source and target rows differently and says so with
    # predict_source; source-side criteria must use it
    X = np.zeros((4, 2))
    y = np.ones(4, dtype=int)
    model = _OwnSourceMap().fit(X, y)
    weights = _FixedWeights([1.0, 1.0, 1.0, 1.0])
    assert ImportanceWeightedScorer(weights)(model, X, y, Xt=X) == 1.0
    from transferkit.model_selection._common import predict_source

    np.testing.assert_array_equal(predict_source(model, X), y)
