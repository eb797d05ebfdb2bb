"""joblib's Dask backend: a user's cluster runs transferkit's parallel work.

A ``dask.distributed.LocalCluster`` on 127.0.0.1 (two single-threaded
workers, in this process) runs, under ``joblib.parallel_config(backend=
"dask")``, the relational mapping search, a benchmark, and the transfer
selector, each with ``n_jobs=2``; every result must equal the ``n_jobs=1``
one, and the cluster's task stream must show that the work went through it.
Needs the ``distributed`` extra (``pip install transferkit[distributed]``);
without it the module fails to import, loudly, rather than skipping.
"""

import json

import distributed  # the ``distributed`` extra; CI installs it (``all``)
import joblib
import numpy as np
import pytest


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,  # threads of this process, but TCP comms: tasks
            protocol="tcp",  # and results are serialised as on a real cluster
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _on_dask(client, func):
    """Run ``func()`` under the Dask backend; return its result and the
    number of tasks the cluster ran meanwhile."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            result = func()
    return result, len(stream.data)


def test_mapping_search_on_dask_equals_one_job(client):
    from transferkit.relational import PredicateMappingSearch

    from .relational.test_mapping import renamed_pair, true_mapping_str

    Xs, Xt, y = renamed_pair(swap_movie=False)

    def search(n_jobs):
        return PredicateMappingSearch(
            scoring="structure", max_path_length=2, n_jobs=n_jobs
        ).fit(Xs, y, Xt)

    one = search(1)
    two, n_tasks = _on_dask(client, lambda: search(2))
    assert n_tasks > 0
    assert two.mapping_str_ == one.mapping_str_ == true_mapping_str(swap_movie=False)
    assert two.mapping_ == one.mapping_
    assert two.candidate_scores_ == one.candidate_scores_
    assert len(one.candidate_scores_) > 1


def test_benchmark_on_dask_equals_one_job(client, monkeypatch, capsys):
    from transferkit._cli import main
    from transferkit.benchmarks import _registry

    from .benchmarks.test_parallel import tiny_benchmark

    monkeypatch.setitem(_registry._REGISTRY, "tiny-dask", (tiny_benchmark, "tiny"))

    def table(*argv):
        assert main(["benchmark", "tiny-dask", "--json", *argv]) == 0
        return json.loads(capsys.readouterr().out)

    one = table("--n-jobs", "1")
    two, n_tasks = _on_dask(client, lambda: table("--n-jobs", "2"))
    assert n_tasks > 0
    assert two == one


@pytest.mark.realdata
def test_office_caltech_rows_on_dask_equal_one_job(client, data_home):
    from transferkit.benchmarks import office_caltech as oc

    methods = [("1NN", oc._knn), ("SVM, linear", oc._svm)]

    def run(n_jobs):
        return oc.office_caltech_accuracies(
            methods, "decaf", data_home=data_home, n_jobs=n_jobs
        )

    one = run(1)
    two, n_tasks = _on_dask(client, lambda: run(2))
    assert n_tasks > 0
    assert two == one


def test_selector_on_dask_equals_one_job(client):
    from sklearn.linear_model import LogisticRegression

    from transferkit.datasets import make_domain_shift
    from transferkit.feature import CORAL
    from transferkit.model_selection import TransferSelector
    from transferkit.pipeline import make_transfer_pipeline

    Xs, ys, Xt, yt = make_domain_shift(
        "affine", n_source=100, n_target=100, n_features=4, random_state=0
    )
    candidates = [
        ("source only", LogisticRegression()),
        ("CORAL", make_transfer_pipeline(CORAL(), LogisticRegression())),
    ]

    def fit(n_jobs):
        return TransferSelector(candidates, cv=3, n_jobs=n_jobs, random_state=0).fit(
            Xs, ys, Xt
        )

    one = fit(1)
    two, n_tasks = _on_dask(client, lambda: fit(2))
    assert n_tasks > 0
    assert two.selected_ == one.selected_
    assert two.scores_ == one.scores_
    assert two.selection_report_ == one.selection_report_
    np.testing.assert_array_equal(two.predict(Xt), one.predict(Xt))
    np.testing.assert_array_equal(two.predict_proba(Xt), one.predict_proba(Xt))
