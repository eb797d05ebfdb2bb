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
