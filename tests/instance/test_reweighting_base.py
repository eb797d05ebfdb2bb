"""Behaviour shared by every reweighting meta-estimator."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from transferkit.datasets import make_domain_shift
from transferkit.exceptions import LowEffectiveSampleSizeWarning, NoTargetDataWarning
from transferkit.instance import (
    KLIEP,
    KMM,
    LOW_ESS_FRACTION,
    RULSIF,
    ULSIF,
    DiscriminativeReweighting,
    effective_sample_size,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


REWEIGHTING = [KMM, KLIEP, ULSIF, RULSIF, DiscriminativeReweighting]
DENSITY_RATIO = [KLIEP, ULSIF, RULSIF, DiscriminativeReweighting]
# Fixed widths where a test is about the meta-estimator, not the selection.
FIXED_WIDTH = {KLIEP: {"gamma": 0.5}, ULSIF: {"gamma": 0.5}, RULSIF: {"gamma": 0.5}}


def _data(seed=0, n=120):
    Xs, ys, Xt, yt = make_domain_shift(
        "covariate", n_source=n, n_target=n, noise=0.0, random_state=seed
    )
    return Xs, ys, Xt, yt


class RecordingLogisticRegression(LogisticRegression):
    """Remembers the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None):
        self.received_sample_weight_ = (
            None if sample_weight is None else np.array(sample_weight)
        )
        self.received_X_ = np.array(X)
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_estimator_receives_weights_as_sample_weight(Method):
    """Weights weight the loss; the features reach the estimator unscaled."""
    Xs, ys, Xt, _ = _data()
    model = Method(
        RecordingLogisticRegression(), random_state=0, **FIXED_WIDTH.get(Method, {})
    ).fit(Xs, ys, Xt)
    np.testing.assert_array_equal(
        model.estimator_.received_sample_weight_, model.weights_
    )
    np.testing.assert_array_equal(model.estimator_.received_X_, Xs)
    assert model.weights_.shape == (Xs.shape[0],)
    assert np.all(model.weights_ >= 0)
    assert not np.allclose(model.weights_, 1.0)


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_point_at_target_outweighs_point_far_away(Method):
    rng = np.random.default_rng(1)
    Xt = rng.normal(loc=2.0, scale=0.5, size=(80, 2))
    Xs = np.vstack([rng.normal(size=(80, 2)), [[2.0, 2.0]], [[-2.5, -2.5]]])
    kwargs = {}
    if Method is DiscriminativeReweighting:
        kwargs["domain_estimator"] = make_pipeline(
            PolynomialFeatures(2), LogisticRegression()
        )
    w = Method(random_state=0, **kwargs).fit_weights(Xs, Xt)
    assert w[-2] > w[-1]
    assert w[-2] > np.median(w[:-2])


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_no_shift_means_unit_weights(Method):
    Xs, ys, _, _ = _data()
    model = Method(random_state=0).fit(Xs, ys)
    np.testing.assert_array_equal(model.weights_, np.ones(Xs.shape[0]))
    plain = LogisticRegression().fit(Xs, ys)
    np.testing.assert_allclose(model.predict_proba(Xs), plain.predict_proba(Xs))
    if hasattr(model, "predict_weights"):
        np.testing.assert_array_equal(model.predict_weights(Xs[:5]), np.ones(5))


@pytest.mark.parametrize("Method", DENSITY_RATIO)
def test_predict_weights_reproduces_training_weights(Method):
    Xs, ys, Xt, _ = _data(seed=2)
    model = Method(random_state=0).fit(Xs, ys, Xt)
    np.testing.assert_allclose(model.predict_weights(Xs), model.weights_, rtol=1e-10)
    new = model.predict_weights(Xt[:7])
    assert new.shape == (7,) and np.all(new >= 0)


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_fit_weights_equals_fit(Method):
    Xs, ys, Xt, _ = _data(seed=3)
    w = Method(random_state=0).fit_weights(Xs, Xt)
    model = Method(random_state=0).fit(Xs, ys, Xt)
    np.testing.assert_array_equal(w, model.weights_)
    assert not hasattr(Method(random_state=0).fit_weights(Xs, Xt), "estimator_")


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_deterministic_and_no_global_state(Method):
    Xs, ys, Xt, _ = _data(seed=4)
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    config = sklearn.get_config()
    a = Method(random_state=7).fit_weights(Xs, Xt)
    b = Method(random_state=7).fit_weights(Xs, Xt)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    assert sklearn.get_config() == config


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_estimator_without_sample_weight_is_a_type_error(Method):
    Xs, ys, Xt, _ = _data()
    with pytest.raises(TypeError, match="sample_weight"):
        Method(KNeighborsClassifier()).fit(Xs, ys, Xt)


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_clone_pickle_gridsearch(Method):
    Xs, ys, Xt, _ = _data(seed=5, n=90)
    model = Method(LogisticRegression(), random_state=0, **FIXED_WIDTH.get(Method, {}))
    assert is_classifier(model) and is_classifier(Method())
    search = GridSearchCV(model, {"estimator__C": [0.1, 10.0]}, cv=3)
    search.fit(Xs, ys, Xt=(Xt,))
    assert search.best_params_["estimator__C"] in (0.1, 10.0)
    fitted = clone(model).set_params(estimator__C=0.5).fit(Xs, ys, Xt)
    assert fitted.estimator_.C == 0.5
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(Xt), fitted.predict(Xt))


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_regressor_follows_the_wrapped_estimator(Method):
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(100, 2))
    Xt = rng.normal(loc=0.7, size=(80, 2))
    ys = np.sin(Xs[:, 0]) + Xs[:, 1]
    model = Method(Ridge(alpha=0.1), random_state=0, **FIXED_WIDTH.get(Method, {}))
    assert is_regressor(model) and not is_classifier(model)
    model.fit(Xs, ys, Xt)
    assert not hasattr(model, "predict_proba")
    assert model.predict(Xt).shape == (80,)
    assert model.score(Xs, ys) > 0.5


@pytest.mark.parametrize("Method", REWEIGHTING)
def test_reweighting_helps_under_covariate_shift(Method):
    """A misspecified linear model gains from weights under covariate shift."""
    kwargs = {}
    if Method is DiscriminativeReweighting:
        # The log density ratio of two Gaussians is quadratic.
        kwargs["domain_estimator"] = make_pipeline(
            PolynomialFeatures(2), LogisticRegression()
        )
    gains = []
    for seed in range(3):
        Xs, ys, Xt, yt = make_domain_shift(
            "covariate", n_source=300, n_target=300, noise=0.0, random_state=seed
        )
        plain = LogisticRegression().fit(Xs, ys).score(Xt, yt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weighted = Method(random_state=0, **kwargs).fit(Xs, ys, Xt).score(Xt, yt)
        gains.append(weighted - plain)
    assert np.mean(gains) > 0.02


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10.0)
    assert effective_sample_size([0.0, 0.0, 3.0]) == pytest.approx(1.0)
    assert effective_sample_size(np.zeros(3)) == 0.0
    Xs, _, Xt, _ = _data()
    w = KMM().fit_weights(Xs, Xt)
    assert 1.0 <= effective_sample_size(w) < Xs.shape[0]


@parametrize_with_checks([KMM(Ridge())])
def test_regressor_variant_passes_sklearn_checks(estimator, check):
    check(estimator)


# --- effective sample size and its warning ---------------------------------

_REWEIGHTERS = ["KMM", "KLIEP", "ULSIF", "RULSIF", "DiscriminativeReweighting"]


def _reweighter(name, **params):
    import transferkit.instance as instance

    return getattr(instance, name)(random_state=0, **params)


@pytest.mark.parametrize("name", _REWEIGHTERS)
def test_effective_sample_size_is_exposed(name):
    rng = np.random.RandomState(0)
    Xs = rng.randn(200, 2)
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.randn(150, 2) + 0.1  # a mild shift
    with warnings.catch_warnings():
        warnings.simplefilter("error", LowEffectiveSampleSizeWarning)
        model = _reweighter(name).fit(Xs, ys, Xt)
    assert model.effective_sample_size_ == pytest.approx(
        effective_sample_size(model.weights_)
    )
    assert LOW_ESS_FRACTION * 200 <= model.effective_sample_size_ <= 200
    with pytest.warns(NoTargetDataWarning):
        assert _reweighter(name).fit(Xs, ys).effective_sample_size_ == 200


@pytest.mark.parametrize("name", _REWEIGHTERS)
def test_weights_on_few_samples_warn(name):
    # a narrow target at the edge of the source: few source points matter
    rng = np.random.RandomState(0)
    Xs = rng.randn(400, 2)
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.randn(200, 2) * 0.2 + 2.0
    # KMM's default bound B=2 prevents the collapse (below); the paper's
    # B=1000 lets the weights concentrate on about 2 of 400 points
    params = {"B": 1000.0} if name == "KMM" else {}
    with pytest.warns(LowEffectiveSampleSizeWarning, match="effective sample size"):
        model = _reweighter(name, **params).fit(Xs, ys, Xt)
    assert model.effective_sample_size_ < LOW_ESS_FRACTION * 400


def test_kmm_default_bound_keeps_the_effective_sample_size():
    rng = np.random.RandomState(0)
    Xs = rng.randn(400, 2)
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.randn(200, 2) * 0.2 + 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", LowEffectiveSampleSizeWarning)
        model = _reweighter("KMM").fit(Xs, ys, Xt)
    assert model.weights_.max() <= 2.0
    assert model.effective_sample_size_ >= 0.25 * 400
