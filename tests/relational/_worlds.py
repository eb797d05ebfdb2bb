"""Small synthetic worlds for the relational tests."""

import numpy as np

from transferkit.relational import Queries, RelationalDataset


def film_world(n_groups=4, seed=0, prefix=""):
    """A tiny IMDB-like world: movies, actors, directors, workedunder.

    Returns the facts, the labelled atoms and their mega-example ids.
    """
    rng = np.random.default_rng(seed)
    facts, atoms, y, groups = [], [], [], []
    for g in range(n_groups):
        people = []
        directors = [f"{prefix}d{g}_{k}" for k in range(2)]
        actors = [f"{prefix}a{g}_{k}" for k in range(5)]
        for d in directors:
            facts.append(("director", (d,)))
        for a in actors:
            facts.append(("actor", (a,)))
            if rng.random() < 0.5:
                facts.append(("female", (a,)))
        people = directors + actors
        boss = {}
        for m in range(3):
            movie = f"{prefix}m{g}_{m}"
            d = directors[m % 2]
            facts.append(("movie", (movie, d)))
            facts.append(("genre", (d, f"{prefix}genre{m % 2}")))
            cast = rng.choice(len(actors), size=3, replace=False)
            for c in cast:
                facts.append(("movie", (movie, actors[c])))
                boss.setdefault(actors[c], set()).add(d)
        for a in people:
            for b in people:
                if a == b and rng.random() < 0.7:
                    continue
                atoms.append((a, b))
                y.append(int(b in boss.get(a, ())))
                groups.append(g)
    return facts, atoms, np.asarray(y), np.asarray(groups)


def film_queries(n_groups=4, seed=0):
    facts, atoms, y, groups = film_world(n_groups, seed)
    ds = RelationalDataset.from_facts(
        facts,
        queries=[("workedunder", a) for a, t in zip(atoms, y) if t],
    )
    return Queries(ds, "workedunder", atoms, groups=groups), y


def unmappable_pair():
    """A 12-atom toy: films (person, person target) and a school (student,
    course target), whose target types admit no type-consistent mapping."""
    src = [
        ("movie", ("m1", "p1")),
        ("movie", ("m1", "p2")),
        ("movie", ("m2", "p3")),
        ("movie", ("m2", "p4")),
        ("director", ("p1",)),
        ("director", ("p3",)),
    ]
    spos = [("p2", "p1"), ("p4", "p3")]
    sneg = [("p1", "p2"), ("p3", "p4"), ("p1", "p3"), ("p2", "p4")]
    Ds = RelationalDataset.from_facts(src, queries=[("workedunder", a) for a in spos])
    Xs = Queries(Ds, "workedunder", spos + sneg)
    ys = np.array([1, 1, 0, 0, 0, 0])
    tgt = [
        ("takes", ("s1", "c1")),
        ("takes", ("s2", "c2")),
        ("takes", ("s3", "c1")),
        ("takes", ("s1", "c2")),
    ]
    tpos = [("s1", "c1"), ("s2", "c2")]
    tneg = [("s3", "c2"), ("s2", "c1")]
    Dt = RelationalDataset.from_facts(tgt, queries=[("passed", a) for a in tpos])
    Xt = Queries(Dt, "passed", tpos + tneg)
    return Xs, ys, Xt, np.array([1, 1, 0, 0])


def many_predicates_world(n_noise=32, n_people=16, seed=0):
    """One type, ``n_noise`` random binary predicates plus ``boss``, whose
    facts are the true ``advisedby`` atoms reversed: with paths of length
    <= 2 there are ``(2 (n_noise + 1)) + (2 (n_noise + 1))^2`` path types
    (4422 for the defaults), above the default budget of 2000."""
    from transferkit.relational import Queries, RelationalDataset

    rng = np.random.RandomState(seed)
    people = [f"p{i}" for i in range(n_people)]
    facts = []
    for k in range(n_noise):
        for _ in range(n_people):
            a, b = rng.choice(n_people, 2, replace=False)
            facts.append((f"r{k:02d}", (people[a], people[b])))
    pos = [(people[i], people[(i + 1) % n_people]) for i in range(0, n_people, 2)]
    facts += [("boss", (b, a)) for a, b in pos]
    pairs = [(a, b) for a in people for b in people if a != b]
    truth = set(pos)
    y = np.array([int(p in truth) for p in pairs])
    ds = RelationalDataset.from_facts(facts, queries=[("advisedby", p) for p in pos])
    return Queries(ds, "advisedby", pairs), y
