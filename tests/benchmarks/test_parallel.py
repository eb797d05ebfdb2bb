"""Benchmarks scale out through joblib: same table whatever n_jobs or backend."""

import json
import threading

import joblib
import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from transferkit._cli import main, run_benchmark
from transferkit.benchmarks import BenchmarkTable, _registry
from transferkit.benchmarks._registry import repeat_seeds, run_parallel


def test_repeat_seeds():
    assert repeat_seeds(5, 3) == [5, 6, 7]
    a = repeat_seeds(np.random.RandomState(0), 4)
    assert a == repeat_seeds(np.random.RandomState(0), 4)
    assert len(set(a)) == 4 and all(isinstance(v, int) for v in a)
    b = repeat_seeds(np.random.default_rng(0), 4)
    assert b == repeat_seeds(np.random.default_rng(0), 4)
    state = np.random.get_state()[1].copy()
    repeat_seeds(None, 2)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG
    with pytest.raises(ValueError, match="random_state"):
        repeat_seeds("zero", 2)


def test_run_parallel_keeps_the_order():
    calls = [(i, 3) for i in range(7)]
    expected = [i**3 for i in range(7)]
    assert run_parallel(pow, calls, n_jobs=1) == expected
    with joblib.parallel_config(backend="threading"):
        assert run_parallel(pow, calls, n_jobs=2) == expected


def test_run_parallel_follows_parallel_config():
    """n_jobs=None takes the number of jobs from joblib.parallel_config: two
    calls that each wait for the other only finish when they run at once."""

    def meeting(timeout):
        barrier = threading.Barrier(2, timeout=timeout)

        def meet(i):
            barrier.wait()
            return i

        return meet

    with joblib.parallel_config(backend="threading", n_jobs=2):
        assert run_parallel(meeting(10), [(0,), (1,)]) == [0, 1]
    with pytest.raises(threading.BrokenBarrierError):  # one job: no partner
        run_parallel(meeting(0.5), [(0,), (1,)], n_jobs=1)


def _repeat_accuracy(seed):
    """One repeat: a random split and a randomised tree, seeded by ``seed``."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    tree = DecisionTreeClassifier(max_features=1, random_state=seed)
    tree.fit(X[:80], y[:80])
    return 100.0 * tree.score(X[80:], y[80:])


def tiny_benchmark(repeats=4, random_state=0, n_jobs=None):
    """A tiny benchmark shaped like the registered ones (seeds, then dispatch)."""
    seeds = repeat_seeds(random_state, repeats)
    accuracies = run_parallel(_repeat_accuracy, [(s,) for s in seeds], n_jobs)
    table = BenchmarkTable("tiny", [f"repeat {r}" for r in range(repeats)] + ["Avg"])
    table.add_row("tree", accuracies + [float(np.mean(accuracies))])
    return [table]


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(_registry._REGISTRY, "tiny-test", (tiny_benchmark, "tiny"))
    return "tiny-test"


def _table(capsys, *argv):
    assert main(["benchmark", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_same_table_for_one_and_two_jobs(tiny, capsys):
    one = _table(capsys, tiny, "--n-jobs", "1")
    two = _table(capsys, tiny, "--n-jobs", "2")
    assert one == two
    values = one[0]["rows"][0]["values"]
    assert len(set(values[:-1])) > 1  # the repeats differ: the seeds matter
    # another seed, another table: the equality above is not vacuous
    other = run_benchmark(tiny, as_json=True, random_state=1, n_jobs=2)
    capsys.readouterr()
    assert other[0].rows != [(r["method"], r["values"]) for r in one[0]["rows"]]
    with joblib.parallel_config(backend="threading", n_jobs=2):
        assert _table(capsys, tiny) == one


def test_n_jobs_is_refused_where_a_benchmark_takes_none(monkeypatch):
    def serial(repeats=1):
        return [BenchmarkTable("serial", ["a"])]

    monkeypatch.setitem(_registry._REGISTRY, "serial-test", (serial, "serial"))
    with pytest.raises(ValueError, match="n_jobs"):
        run_benchmark("serial-test", n_jobs=2)


@pytest.mark.realdata
def test_office_caltech_rows_do_not_depend_on_n_jobs(data_home):
    from transferkit.benchmarks import _office_caltech_instance as inst
    from transferkit.benchmarks import office_caltech as oc

    methods = [("1NN", oc._knn), ("SVM, linear", oc._svm)]
    one = oc.office_caltech_accuracies(methods, "decaf", data_home=data_home, n_jobs=1)
    two = oc.office_caltech_accuracies(methods, "decaf", data_home=data_home, n_jobs=2)
    assert one == two
    np.testing.assert_allclose(one["1NN"], oc.PUBLISHED_DECAF["1NN"], atol=0.5)

    rows = inst.instance_methods(random_state=0)[:2]  # no adaptation, KMM
    small = [("D", "W"), ("W", "D")]
    one = inst._accuracies(rows, small, data_home, n_jobs=1)
    two = inst._accuracies(rows, small, data_home, n_jobs=2)
    assert one == two and list(one) == ["SVM (no adaptation)", "KMM + SVM"]
    assert len(set(one["KMM + SVM"])) == 2  # two tasks, two different cells


def test_instance_tables_on_a_subset_of_tasks(monkeypatch):
    """The columns and the published cells follow the tasks given; n_jobs is
    passed to every table's run."""
    from transferkit.benchmarks import _office_caltech_instance as inst
    from transferkit.benchmarks import office_caltech as oc

    seen = []

    def fake_accuracies(methods, tasks, data_home, n_jobs=None):
        seen.append((list(tasks), n_jobs))
        return {name: [float(i) for i in range(len(tasks))] for name, _ in methods}

    monkeypatch.setattr(inst, "_accuracies", fake_accuracies)
    small = [("W", "D"), ("C", "A")]
    tables = inst.instance_tables(tasks=small, n_jobs=2)
    assert seen == [(small, 2)] * 3
    published = [oc.PUBLISHED_SURF["SVM"][i] for i in (8, 0)]
    for table in (tables[0], tables[2]):  # the two SVM tables show the row
        assert table.columns == ["W→D", "C→A", "Avg"]
        assert table.rows[0][1] == published + [float(np.mean(published))]
    assert tables[1].rows[0][0] == "LR (no adaptation)"
