import numpy as np
import pytest

from transferkit.relational import FGWStructureTransfer


def two_views(n=24, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, 2))
    ys = (Xs[:, 0] + Xs[:, 1] > 0).astype(int)
    perm = rng.permutation(n)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    Xt = np.c_[Xs, np.zeros((n, 3))][perm] @ Q * 3.0  # other space, scaled
    return Xs, ys, Xt, perm


def test_recovers_a_node_permutation_from_features_in_another_space():
    Xs, ys, Xt, perm = two_views()
    model = FGWStructureTransfer(alpha=0.5).fit(Xs, ys, Xt)
    # target node j is source node perm[j]
    assert (model.coupling_.argmax(axis=0) == perm).all()
    assert (model.transduction_ == ys[perm]).all()
    assert (model.predict(Xt) == ys[perm]).all()


def test_recovers_a_permuted_graph():
    rng = np.random.default_rng(1)
    n = 16
    A = np.zeros((n, n))
    for i in range(n - 1):  # a path with a few chords: no automorphism
        A[i, i + 1] = A[i + 1, i] = 1
    for i, j in [(0, 5), (3, 11), (7, 13)]:
        A[i, j] = A[j, i] = 1
    ys = (np.arange(n) < 6).astype(int)
    perm = rng.permutation(n)
    At = A[np.ix_(perm, perm)]
    Xs, Xt = rng.normal(size=(n, 3)), rng.normal(size=(n, 7))  # unrelated
    model = FGWStructureTransfer(alpha=0.9).fit(Xs, ys, Xt, graph=A, graph_t=At)
    assert (model.transduction_ == ys[perm]).all()


def test_size_limits_and_quantized_solver():
    Xs, ys, Xt, perm = two_views(n=60, seed=2)
    with pytest.raises(ValueError, match="exceed max_nodes=50.*quantized"):
        FGWStructureTransfer(solver="exact", max_nodes=50).fit(Xs, ys, Xt)
    model = FGWStructureTransfer(max_nodes=50, n_clusters=20, random_state=0)
    model.fit(Xs, ys, Xt)
    assert model.solver_ == "quantized" and model.coupling_.shape == (20, 20)
    assert np.mean(model.transduction_ == ys[perm]) > 0.8
    ent = FGWStructureTransfer(epsilon=2e-2).fit(Xs, ys, Xt)
    assert ent.solver_ == "entropic"
    assert np.mean(ent.transduction_ == ys[perm]) > 0.8
    with pytest.raises(ValueError, match="X has 2 features, but the target nodes"):
        model.predict(Xs)
