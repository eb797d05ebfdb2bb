"""DiscriminativeReweighting: the Bayes-rule ratio, clipping, normalisation."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from threadpoolctl import threadpool_limits

from transferkit.instance import DiscriminativeReweighting


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def _gaussians(seed=0, n_s=300, n_t=150):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_s, 1)), rng.normal(loc=1.0, size=(n_t, 1))


def test_ratio_matches_the_true_ratio_up_to_a_constant():
    # N(0,1) vs N(1,1): log w(x) = x - 1/2, linear in x, so a logistic domain
    # classifier is well specified.
    Xs, Xt = _gaussians()
    model = DiscriminativeReweighting(clip=None, calibration=None, random_state=0)
    w = model.fit_weights(Xs, Xt)
    slope = np.polyfit(Xs.ravel(), np.log(w), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.3)
    assert w.mean() == pytest.approx(1.0)


def test_prior_ratio_is_accounted_for():
    """Same distribution, unequal sizes: weights stay near 1."""
    rng = np.random.default_rng(1)
    Xs, Xt = rng.normal(size=(400, 2)), rng.normal(size=(100, 2))
    w = DiscriminativeReweighting(random_state=0).fit_weights(Xs, Xt)
    assert np.abs(w - 1.0).max() < 0.5


def test_clip_bounds_the_weights():
    Xs, Xt = _gaussians(seed=2)
    model = DiscriminativeReweighting(clip=2.0, random_state=0)
    w = model.fit_weights(Xs, Xt)
    assert (w * model.normalizer_).max() <= 2.0 + 1e-12
    unclipped = DiscriminativeReweighting(clip=None, random_state=0).fit_weights(Xs, Xt)
    assert unclipped.max() / unclipped.mean() > w.max() / w.mean()


def test_calibration_options_and_custom_domain_classifier():
    Xs, Xt = _gaussians(seed=3)
    for calibration in ("sigmoid", "isotonic", None):
        model = DiscriminativeReweighting(calibration=calibration, random_state=0)
        w = model.fit_weights(Xs, Xt)
        assert np.all(np.isfinite(w)) and w.mean() == pytest.approx(1.0)
    quad = make_pipeline(PolynomialFeatures(2), LogisticRegression())
    model = DiscriminativeReweighting(domain_estimator=quad, random_state=0)
    model.fit_weights(Xs, Xt)
    assert model.domain_estimator is quad  # the given one is cloned, not fitted
    assert not hasattr(quad, "classes_")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"clip": 0.0}, "clip"),
        ({"calibration": "platt"}, "calibration"),
        ({"cv": 1}, "cv"),
    ],
)
def test_invalid_parameters(params, match):
    Xs, Xt = _gaussians()
    with pytest.raises(ValueError, match=match):
        DiscriminativeReweighting(**params).fit_weights(Xs, Xt)
