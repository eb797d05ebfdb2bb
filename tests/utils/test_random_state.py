"""``random_state`` and numpy's global generator (the contract's Randomness rule).

scikit-learn's convention, which transferkit follows: an int or a
``RandomState`` seeds a local generator and the global one is left alone;
``random_state=None`` draws from numpy's global generator (so
``np.random.seed`` makes such a fit reproducible). No estimator ever seeds or
resets the global generator.
"""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import is_regressor
from threadpoolctl import threadpool_limits

import transferkit.feature as feature
import transferkit.instance as instance
from tests.feature._common_params import COMMON_CHECK_PARAMS as FEATURE_PARAMS
from tests.instance._common_params import COMMON_CHECK_PARAMS as INSTANCE_PARAMS

PARAMS = {**FEATURE_PARAMS, **INSTANCE_PARAMS}

SEEDED = [
    getattr(module, name)
    for module in (instance, feature)
    for name in module.__all__
    if inspect.isclass(getattr(module, name))
    and "random_state" in inspect.signature(getattr(module, name)).parameters
]


def _data(regression):
    rng = np.random.RandomState(7)
    Xs = rng.normal(size=(200, 3))
    Xt = rng.normal(loc=0.4, size=(120, 3))
    if regression:
        return Xs, Xs[:, 0] + 0.1 * rng.normal(size=200), Xt, Xt[:, 0]
    return Xs, (Xs[:, 0] > 0).astype(int), Xt, (Xt[:, 0] > 0.4).astype(int)


def _fit_output(cls, random_state):
    est = cls(**{**PARAMS.get(cls.__name__, {}), "random_state": random_state})
    if cls.__name__ in ("KMM", "TCA", "JDA", "BDA"):
        est.set_params(n_landmarks=30)  # a seeded landmark draw
        if cls.__name__ != "KMM":
            est.set_params(kernel="rbf")
        if cls.__name__ == "BDA":
            est.set_params(n_iter=2)  # balance="auto" is slow (see BDA)
    if cls.__name__ in ("KLIEP", "ULSIF", "RULSIF"):
        est.set_params(gamma=[0.3, 1.0], n_centers=40)  # seeded centres, folds
    Xs, ys, Xt, yt = _data(is_regressor(est))
    uses_yt = est.get_metadata_routing().fit.requests.get("yt")
    labelled = slice(0, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if uses_yt:
            est.fit(Xs, ys, Xt=Xt[labelled], yt=yt[labelled])
        else:
            est.fit(Xs, ys, Xt=Xt)
    if hasattr(est, "predict"):
        return est.predict(Xt)
    return est.transform(Xt)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def _state():
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return keys.copy(), pos, has_gauss, cached


def _same(a, b):
    return np.array_equal(a[0], b[0]) and a[1:] == b[1:]


def test_every_seeded_estimator_is_listed():
    names = {cls.__name__ for cls in SEEDED}
    assert {"KMM", "KLIEP", "ULSIF", "TCA", "JDA", "BDA"} <= names


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
def test_a_seed_leaves_the_global_generator_alone(cls):
    np.random.seed(123)
    before = _state()
    first = _fit_output(cls, 0)
    assert _same(_state(), before)
    np.testing.assert_array_equal(first, _fit_output(cls, 0))


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
def test_none_draws_from_the_global_generator(cls):
    np.random.seed(5)
    seeded = _state()
    first = _fit_output(cls, None)
    after_first = _state()
    # the global stream was used (and only read: never re-seeded)
    assert not _same(after_first, seeded)
    np.random.seed(5)
    again = _fit_output(cls, None)
    np.testing.assert_array_equal(first, again)
    assert _same(_state(), after_first)
