"""The office-caltech benchmark: its dispatch, and its rows on the real data.

The ``realdata`` tests read the data folder named by ``TRANSFERKIT_DATA``; a
missing file makes them fail (the loader raises), never skip.
"""

import sys
import types

import numpy as np
import pytest

from transferkit.benchmarks import BenchmarkTable, get_benchmark
from transferkit.benchmarks import office_caltech as oc


def test_registered_under_its_name():
    assert get_benchmark("office-caltech") is oc.office_caltech


def test_bad_options_raise():
    with pytest.raises(ValueError, match="family"):
        oc.office_caltech(family="relational")
    with pytest.raises(ValueError, match="features"):
        oc.office_caltech(features="sift")


def test_instance_family_is_delegated(monkeypatch):
    calls = []

    def fake_tables(data_home=None, **kw):
        calls.append((data_home, kw))
        return [BenchmarkTable(title="instance", columns=["x"])]

    fake = types.ModuleType("transferkit.benchmarks._office_caltech_instance")
    fake.instance_tables = fake_tables
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    tables = oc.office_caltech(family="instance", data_home="somewhere")
    assert [t.title for t in tables] == ["instance"]
    assert calls == [("somewhere", {"n_jobs": -1})]  # n_jobs is passed on
    oc.office_caltech(family="instance", features="surf", n_jobs=2)
    assert calls[-1] == (None, {"n_jobs": 2, "features": "surf"})


def test_published_rows_are_consistent():
    for name, values in oc.PUBLISHED_SURF.items():
        assert len(values) == len(oc.SURF_TASKS), name
    # the averages quoted in docs/references.md
    assert np.mean(oc.PUBLISHED_SURF["1NN"]) == pytest.approx(31.4, abs=0.05)
    assert np.mean(oc.PUBLISHED_SURF["CORAL + SVM"]) == pytest.approx(48.8, abs=0.05)
    assert np.mean(oc.PUBLISHED_SURF["SVM"]) == pytest.approx(41.1, abs=0.05)


@pytest.mark.realdata
def test_surf_nearest_neighbour_row_reproduces_published():
    ours = oc.office_caltech_accuracies([("1NN", oc._knn)], features="surf")
    np.testing.assert_allclose(ours["1NN"], oc.PUBLISHED_SURF["1NN"], atol=0.5)


@pytest.mark.realdata
def test_surf_svm_row_reproduces_published():
    """The published SURF SVM row is libsvm's default RBF kernel (gamma =
    1/n_features) with C by 2-fold CV on the source, not a linear SVM."""
    ours = oc.office_caltech_accuracies([("SVM", oc._svm_baseline)], features="surf")
    np.testing.assert_allclose(ours["SVM"], oc.PUBLISHED_SURF["SVM"], atol=0.5)


@pytest.mark.realdata
def test_decaf_baseline_rows_reproduce_published():
    ours = oc.office_caltech_accuracies(
        [("1NN", oc._knn), ("SVM", oc._svm)], features="decaf"
    )
    np.testing.assert_allclose(ours["1NN"], oc.PUBLISHED_DECAF["1NN"], atol=0.5)
    np.testing.assert_allclose(ours["SVM"], oc.PUBLISHED_DECAF["SVM"], atol=0.5)


@pytest.mark.realdata
def test_published_coral_row_is_the_authors_kernel_svm():
    """Every published CORAL cell is what the authors' CORAL_SVM.m protocol gives
    for one C of its grid (their C came from a random 2-fold CV on the source)."""
    from sklearn.svm import SVC

    from transferkit.datasets import load_office_caltech
    from transferkit.feature import CORAL

    data = {d: load_office_caltech(d) for d in "ACDW"}
    for (source, target), published in zip(
        oc.SURF_TASKS, oc.PUBLISHED_SURF["CORAL + SVM"]
    ):
        Xs, ys = data[source]
        Xt, yt = data[target]
        A = CORAL(reg=1.0).fit(Xs, Xt=Xt).transformation_
        gram, similarity = Xs @ A @ Xs.T, Xt @ A.T @ Xs.T
        cells = [
            100 * SVC(kernel="precomputed", C=C).fit(gram, ys).score(similarity, yt)
            for C in (0.001, 1.0)
        ]
        assert min(abs(c - published) for c in cells) <= 0.5, (source, target, cells)


def test_reverse_validation_picks():
    rv = {"a": [0.5, 0.2, 0.3], "b": [0.4, 0.6, 0.3], "c": [0.1, 0.1, 0.1]}
    accuracies = {name: [0.0] * 3 for name in rv}
    per_task, one = oc.reverse_validation_picks(accuracies, rv)
    # ties go to the first listed row
    assert per_task == ["a", "b", "a"]
    assert one == "b"


@pytest.mark.realdata
@pytest.mark.slow
def test_reverse_validation_picks_an_adaptation_on_a_real_task():
    """D→A: the label-free score ranks JDA + SVM above both no-adaptation rows,
    and that choice is also the most accurate on the target labels."""
    names = ("1NN", "SVM, linear", "JDA + SVM")
    methods = [row for row in oc._feature_methods() if row[0] in names]
    accuracies, rv = oc.office_caltech_accuracies(
        methods, tasks=[("D", "A")], reverse_validation=True
    )
    per_task, one = oc.reverse_validation_picks(accuracies, rv)
    assert per_task == ["JDA + SVM"] and one == "JDA + SVM"
    assert accuracies["JDA + SVM"][0] > max(
        accuracies["1NN"][0], accuracies["SVM, linear"][0]
    )
    assert all(0.0 <= v[0] <= 1.0 for v in rv.values())


@pytest.mark.realdata
@pytest.mark.slow
def test_adapted_rows_reach_the_issue_thresholds():
    names = (
        "TCA + 1NN",
        "JDA + 1NN",
        "GFK + 1NN",
        "CORAL + SVM",
        "CORAL + SVM, authors' kernel, 5-fold CV",
        "JDA + SVM",
    )
    methods = [row for row in oc._feature_methods() if row[0] in names]
    methods.append(("SVM", oc._svm))
    ours = {k: np.mean(v) for k, v in oc.office_caltech_accuracies(methods).items()}
    # the published averages of the JDA code lineage's rows
    assert ours["TCA + 1NN"] >= 46.2
    assert ours["JDA + 1NN"] >= 46.8
    assert ours["GFK + 1NN"] >= 43.1
    # CORAL helps the linear SVM on average (the paper's claim; the published
    # 48.8 needs the authors' kernel and their CV draw, see the other test)
    assert ours["CORAL + SVM"] > ours["SVM"]
    # the authors' CORAL protocol with C by 5-fold source CV reaches the
    # published 48.8 (their 2-fold CV lands at 48.2 with our seed)
    assert ours["CORAL + SVM, authors' kernel, 5-fold CV"] >= 48.8
    # the most accurate row passes 50 %; the label-free choice among all rows
    # (per task, by reverse validation: 50.9) is measured by the benchmark
    # command, and checked on one task by the test above
    assert ours["JDA + SVM"] >= 50.0


def test_transfer_models_receive_the_target():
    """Regression: the authors'-kernel row was once fitted without Xt."""
    from sklearn.neighbors import KNeighborsClassifier

    from transferkit.feature import CORAL
    from transferkit.pipeline import make_transfer_pipeline
    from transferkit.utils._fitting import consumes_target

    assert consumes_target(oc.CoralSimilaritySVM())
    assert consumes_target(make_transfer_pipeline(CORAL(), KNeighborsClassifier()))
    assert not consumes_target(KNeighborsClassifier())


@pytest.mark.realdata
def test_meda_row_reproduces_the_published_cells():
    """MEDA with its defaults on the two small SURF tasks: the paper's cells
    (W→D 88.5, D→W 87.5) to 0.5 points; the 12-task table is in the guide."""
    methods = [row for row in oc._feature_methods() if row[0] == "MEDA"]
    tasks = [("W", "D"), ("D", "W")]
    accuracies = oc.office_caltech_accuracies(methods, tasks=tasks)
    published = [oc.PUBLISHED_SURF["MEDA"][oc.SURF_TASKS.index(t)] for t in tasks]
    np.testing.assert_allclose(accuracies["MEDA"], published, atol=0.5)
