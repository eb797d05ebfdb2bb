"""The "bring your own facts" example of docs/guide/relational.md, run as a test."""

import numpy as np


def test_guide_example():
    from transferkit.relational import MapAndRevise, Queries, RelationalDataset

    films = [
        ("movie", ("m1", "ann")),
        ("movie", ("m1", "bob")),
        ("movie", ("m2", "cy")),
        ("movie", ("m2", "dee")),
        ("director", ("bob",)),
        ("director", ("dee",)),
    ]
    uni = [
        ("publication", ("t1", "eve")),
        ("publication", ("t1", "fay")),
        ("publication", ("t2", "gus")),
        ("publication", ("t2", "hal")),
        ("professor", ("fay",)),
        ("professor", ("hal",)),
    ]
    pairs_s = [
        ("ann", "bob"),
        ("cy", "dee"),
        ("ann", "dee"),
        ("bob", "ann"),
        ("cy", "bob"),
    ]
    pairs_t = [
        ("eve", "fay"),
        ("gus", "hal"),
        ("eve", "hal"),
        ("fay", "eve"),
        ("gus", "fay"),
    ]
    y = [1, 1, 0, 0, 0]
    src = RelationalDataset.from_facts(
        films, queries=[("workedunder", p) for p in pairs_s[:2]]
    )
    tgt = RelationalDataset.from_facts(
        uni, queries=[("advisedby", p) for p in pairs_t[:2]]
    )
    Xs, Xt = Queries(src, "workedunder", pairs_s), Queries(tgt, "advisedby", pairs_t)
    model = MapAndRevise().fit(Xs, y, Xt)  # zero-shot: no target labels
    assert model.mapping_str_ == (
        "workedunder->advisedby, director->professor, movie->publication"
    )
    p = model.predict_proba(Xt)[:, 1]
    assert np.all(p[:2] > p[2:].max())
