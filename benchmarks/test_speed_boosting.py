"""Speed of TrAdaBoost at growing source size (pytest-benchmark).

``pytest benchmarks/test_speed_boosting.py --benchmark-only
--benchmark-group-by=group --benchmark-columns=median,min,max,rounds``

Each group (one source size n) holds, measured in the same run with BLAS
pinned to one thread:

- ``transferkit``: ``TrAdaBoostClassifier`` with 20 rounds of
  ``LogisticRegression`` on n source + 50 labelled target rows;
- ``weighted-fit floor``: 20 plain ``LogisticRegression`` fits with random
  sample weights on the same pooled rows, each followed by a prediction on
  all rows: the cost that any 20-round boosting must pay. (scikit-learn's
  ``AdaBoostClassifier`` is no reference here: it stops after 5-10 rounds on
  this data, when a learner's weighted error reaches 1/2.)
- ``adapt``: ADAPT's ``TrAdaBoost`` with the same learner and rounds, when
  ADAPT is installed (skipped otherwise).

The ratio transferkit / floor is the overhead of TrAdaBoost's bookkeeping.
The 1-minute load average is stored in each ``extra_info``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from transferkit.datasets import make_domain_shift
from transferkit.instance import TrAdaBoostClassifier

N_ROUNDS = 20
N_LABELLED = 50
SIZES = [1_000, 4_000, pytest.param(16_000, marks=pytest.mark.slow)]


def _data(n):
    Xs, ys, Xt, yt = make_domain_shift(
        "concept", n_source=n, n_target=N_LABELLED, n_features=20, random_state=0
    )
    return Xs, ys, Xt, yt


def _record_load(benchmark):
    benchmark.extra_info["loadavg_1min"] = os.getloadavg()[0]


@pytest.mark.parametrize("n", SIZES)
def test_tradaboost_transferkit(benchmark, n):
    benchmark.group = f"tradaboost n={n}"
    Xs, ys, Xt, yt = _data(n)

    def fit():
        return TrAdaBoostClassifier(
            LogisticRegression(), n_estimators=N_ROUNDS, random_state=0
        ).fit(Xs, ys, Xt, yt)

    _record_load(benchmark)
    with threadpool_limits(1):
        model = benchmark.pedantic(fit, rounds=3, iterations=1)
    assert len(model.estimators_) == N_ROUNDS


@pytest.mark.parametrize("n", SIZES)
def test_tradaboost_weighted_fit_floor(benchmark, n):
    benchmark.group = f"tradaboost n={n}"
    Xs, ys, Xt, yt = _data(n)
    X, y = np.concatenate([Xs, Xt]), np.concatenate([ys, yt])
    weights = np.random.default_rng(0).uniform(0.5, 1.5, size=(N_ROUNDS, len(y)))

    def fit():
        for w in weights:
            LogisticRegression().fit(X, y, sample_weight=w).predict(X)

    _record_load(benchmark)
    with threadpool_limits(1):
        benchmark.pedantic(fit, rounds=3, iterations=1)


@pytest.mark.parametrize("n", SIZES)
def test_tradaboost_adapt(benchmark, n):
    adapt_instance = pytest.importorskip("adapt.instance_based")
    benchmark.group = f"tradaboost n={n}"
    Xs, ys, Xt, yt = _data(n)

    def fit():
        return adapt_instance.TrAdaBoost(
            LogisticRegression(),
            Xt=Xt,
            yt=yt,
            n_estimators=N_ROUNDS,
            verbose=0,
            random_state=0,
        ).fit(Xs, ys)

    _record_load(benchmark)
    with threadpool_limits(1):
        benchmark.pedantic(fit, rounds=3, iterations=1)
