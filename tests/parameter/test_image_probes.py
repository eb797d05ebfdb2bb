"""Probe cross-validation, the selection rules and the feature cache (no backbone)."""

import shutil

import numpy as np
import pytest

from transferkit.benchmarks._image_features import cached_features, content_key
from transferkit.benchmarks.images_rules import lofo_choice
from transferkit.parameter._image_probes import (
    ProbeCV,
    average_probabilities,
    cross_validate_probes,
    ensemble_accuracy,
    select_members,
)


def _features(seed=0, n_per_class=12, d=6, signal=2.0):
    """Three 'backbones': informative, weakly informative, pure noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n_per_class)
    centres = rng.normal(size=(3, d))
    good = centres[y] * signal + rng.normal(size=(y.size, d))
    weak = centres[y] * 0.5 + rng.normal(size=(y.size, d))
    noise = rng.normal(size=(y.size, d))
    return {"good": good, "weak": weak, "noise": noise}, y


def test_out_of_fold_probabilities_on_shared_folds():
    X_by, y = _features()
    X_by["copy"] = X_by["good"].copy()
    res = cross_validate_probes(X_by, y, C_grid=(0.1, 1.0), cv=4, random_state=3)
    assert list(res) == ["good", "weak", "noise", "copy"]
    for r in res.values():
        assert r.n_splits == 4
        for C in (0.1, 1.0):
            assert r.proba[C].shape == (y.size, 3)
            np.testing.assert_allclose(r.proba[C].sum(1), 1.0)
    # the same folds for every backbone: identical features, identical results
    np.testing.assert_array_equal(res["good"].proba[1.0], res["copy"].proba[1.0])
    assert res["good"].accuracy(res["good"].best_C) > 0.8
    assert res["noise"].accuracy(res["noise"].best_C) < 0.7
    # the caller's arrays are left alone
    np.testing.assert_array_equal(X_by["good"], _features()[0]["good"])


def test_folds_are_capped_by_the_smallest_class():
    X_by, y = _features(n_per_class=3)
    res = cross_validate_probes(X_by, y, cv=10)
    assert res["good"].n_splits == 3


def test_best_C_ties_go_to_the_smaller_C():
    y = np.array([0, 0, 1, 1])
    right = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    r = ProbeCV("a", np.array([0, 1]), {1.0: right, 0.1: right.copy()}, y, 2)
    assert r.best_C == 0.1


def _probe_cv(name, proba, y):
    return ProbeCV(name, np.array([0, 1]), {1.0: np.asarray(proba, float)}, y, 2)


def test_the_average_corrects_errors_that_no_single_probe_avoids():
    y = np.array([0, 0, 1, 1])
    # each probe is confidently right where the other is narrowly wrong
    a = [[0.9, 0.1], [0.45, 0.55], [0.1, 0.9], [0.55, 0.45]]
    b = [[0.45, 0.55], [0.9, 0.1], [0.55, 0.45], [0.1, 0.9]]
    res = {"a": _probe_cv("a", a, y), "b": _probe_cv("b", b, y)}
    assert res["a"].accuracy(1.0) == 0.5 and res["b"].accuracy(1.0) == 0.5
    assert ensemble_accuracy(res) == 1.0
    np.testing.assert_allclose(average_probabilities([a, b])[0], [0.675, 0.325])
    assert select_members(res, "cv_pick_with_ensemble") == [("a", 1.0), ("b", 1.0)]


def test_rules_pick_the_members():
    X_by, y = _features(seed=1)
    res = cross_validate_probes(X_by, y, cv=4)
    assert [n for n, _ in select_members(res, "ensemble")] == ["good", "weak", "noise"]
    assert select_members(res, "best_cv")[0][0] == "good"
    assert [n for n, _ in select_members(res, "top2_ensemble")] == ["good", "weak"]
    for name, C in select_members(res, "ensemble"):
        assert C == res[name].best_C
    # the guard keeps the first one unless another is clearly better
    reordered = {n: res[n] for n in ("noise", "weak", "good")}
    assert select_members(reordered, "guard_first")[0][0] == "good"
    near = {n: res[n] for n in ("good", "weak")}
    assert select_members(near, "guard_first")[0][0] == "good"


def test_bad_inputs_name_the_argument():
    X_by, y = _features()
    with pytest.raises(TypeError, match="features_by_backbone"):
        cross_validate_probes([X_by["good"]], y)
    with pytest.raises(ValueError, match="features_by_backbone\\['good'\\]"):
        cross_validate_probes({"good": X_by["good"][:-1]}, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        cross_validate_probes({"good": X_by["good"]}, np.zeros(y.size))
    with pytest.raises(ValueError, match="2 photos per class"):
        cross_validate_probes({"good": X_by["good"][:25]}, y[:25])
    res = cross_validate_probes(X_by, y, cv=2)
    with pytest.raises(ValueError, match="rule must be one of"):
        select_members(res, "median")


def test_lofo_choice_never_uses_the_held_out_family():
    rules = ("steady", "lucky")
    gaps = {
        ("a", "steady"): -0.2,
        ("a", "lucky"): 5.0,
        ("b", "steady"): -0.1,
        ("b", "lucky"): -4.0,
        ("c", "steady"): 0.0,
        ("c", "lucky"): -4.0,
    }
    chosen = lofo_choice(gaps, rules)
    # held-out a: b and c choose (lucky -4.0 against steady -0.05)
    assert chosen == {"a": "steady", "b": "lucky", "c": "lucky"}
    for family in "abc":
        changed = dict(gaps)
        changed[family, "steady"], changed[family, "lucky"] = 9.0, -9.0
        assert lofo_choice(changed, rules)[family] == chosen[family]
    # ties go to the rule listed first
    flat = {key: 0.0 for key in gaps}
    assert set(lofo_choice(flat, rules).values()) == {"steady"}


class _CountingBackbone:
    """Stands for a backbone: features from the file's bytes; counts calls."""

    name = "counting"
    image_size = 8
    feature_dim = 3

    def __init__(self):
        self.encoded = 0

    def encode(self, paths, cache=True):
        self.encoded += len(paths)
        rows = []
        for p in paths:
            data = np.frombuffer(open(p, "rb").read(), np.uint8)
            rows.append([data.size, data.sum(), data[:1].sum()])
        return np.asarray(rows, np.float32)


def test_disk_cache_is_keyed_by_content(tmp_path):
    files = []
    for i in range(5):
        f = tmp_path / f"photo{i}.jpg"
        f.write_bytes(bytes([i + 1]) * (10 + i))
        files.append(f)
    cache = tmp_path / "cache"
    body = _CountingBackbone()
    first = cached_features(body, files, cache, batch_size=2)
    assert body.encoded == 5 and first.shape == (5, 3)
    np.testing.assert_array_equal(first, body.encode(files))
    body.encoded = 0
    moved = tmp_path / "elsewhere.jpg"
    shutil.copy(files[2], moved)
    again = cached_features(_CountingBackbone(), [moved, files[0]], cache)
    np.testing.assert_array_equal(again, first[[2, 0]])
    fresh = _CountingBackbone()
    files[0].write_bytes(b"edited")
    assert content_key(files[0]) != content_key(files[1])
    edited = cached_features(fresh, files, cache)
    assert fresh.encoded == 1
    np.testing.assert_array_equal(edited[1:], first[1:])
    # duplicates in one call are encoded once
    other = _CountingBackbone()
    other.name = "other"
    cached_features(other, [files[1], files[1], moved], cache)
    assert other.encoded == 2


def test_rules_benchmark_tables_on_synthetic_features(monkeypatch, tmp_path):
    # the benchmark's bookkeeping on stand-in features: no photo, no backbone
    from transferkit.benchmarks import images_rules

    def fake_load(root, name, backbones, cache_dir):
        rng = np.random.default_rng(len(name))
        y_train = np.repeat(np.array(["a", "b", "c"]), 12)
        y_val = np.repeat(np.array(["a", "b", "c"]), 8)
        centres = rng.normal(size=(3, 5))
        codes = {"a": 0, "b": 1, "c": 2}

        def make(y, scale):
            rows = centres[[codes[v] for v in y]] * scale
            return rows + rng.normal(size=(y.size, 5))

        features = {
            b: (make(y_train, 1 + i), make(y_val, 1 + i))
            for i, b in enumerate(backbones)
        }
        return y_train, y_val, features

    monkeypatch.setattr(images_rules, "_load_set", fake_load)
    tables = images_rules.images_rules_benchmark(
        data_home=tmp_path, repeats=2, shots=(3, 6), sets="one,three"
    )
    assert len(tables) == 2 + 2  # two sets, two LOFO tables
    first = tables[0]
    methods = [m for m, _ in first.rows]
    assert methods[4:] == list(images_rules.RULE_NAMES)
    assert first.columns == ["k = 3", "gap k = 3", "k = 6", "gap k = 6"]
    primary, full = tables[2], tables[3]
    assert [m for m, _ in primary.rows] == ["one", "three"]
    for _, values in primary.rows:
        assert values[0] in images_rules.PRIMARY_RULES
    for _, values in full.rows:
        assert values[0] in images_rules.RULE_NAMES
    # the gap is the rule's mean minus the best single backbone's mean
    best = float(first.rows[3][1][0])
    for _, values in first.rows[4:]:
        mean = float(values[0].split(" ± ")[0])
        assert abs(float(values[1]) - (mean - best)) <= 0.11
