"""The data of the comparisons."""

from __future__ import annotations

import numpy as np

from ._types import Task


def synthetic_covariate_task(n=2000, d=10, random_state=0):
    from transferkit.datasets import make_domain_shift

    Xs, ys, Xt, yt = make_domain_shift(
        "covariate", n_source=n, n_target=n, n_features=d, random_state=random_state
    )
    return Task(
        f"covariate shift (make_domain_shift, seed {random_state})", Xs, ys, Xt, yt
    )


def synthetic_affine_task(n_total, d=100, random_state=0):
    from transferkit.datasets import make_domain_shift

    Xs, ys, Xt, yt = make_domain_shift(
        "affine",
        n_source=n_total // 2,
        n_target=n_total - n_total // 2,
        n_features=d,
        random_state=random_state,
    )
    return Task(
        f"affine shift (make_domain_shift, seed {random_state})", Xs, ys, Xt, yt
    )


def digits_task(shift="contrast"):
    from transferkit.datasets import load_digits_shift

    Xs, ys, Xt, yt = load_digits_shift(shift=shift, random_state=0)
    return Task(f"digits, {shift} shift (load_digits_shift)", Xs, ys, Xt, yt)


def _with_labelled_target(name, Xs, ys, Xt, yt, n_labelled, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(Xt))
    lab, test = order[:n_labelled], order[n_labelled:]
    return Task(
        name,
        Xs,
        ys,
        Xt,
        yt,
        Xt_labelled=Xt[lab],
        yt_labelled=yt[lab],
        Xt_test=Xt[test],
        yt_test=yt[test],
    )


def labelled_target_task(n_source=2000, n_target=2000, n_labelled=100, d=10, seed=0):
    """Concept shift with a few labelled target samples (for TrAdaBoost)."""
    from transferkit.datasets import make_domain_shift

    Xs, ys, Xt, yt = make_domain_shift(
        "concept",
        n_source=n_source,
        n_target=n_target,
        n_features=d,
        random_state=seed,
    )
    return _with_labelled_target(
        f"concept shift (make_domain_shift, seed {seed})",
        Xs,
        ys,
        Xt,
        yt,
        n_labelled,
        seed,
    )


def mushroom_task(seed=0):
    """TrAdaBoost's Mushroom split; labelled target = 1 % of the source size."""
    from transferkit.datasets import load_mushroom_domains

    Xs, ys, Xt, yt = load_mushroom_domains()
    return _with_labelled_target(
        f"UCI Mushroom by stalk shape (load_mushroom_domains, seed {seed})",
        Xs,
        ys,
        Xt,
        yt,
        int(round(0.01 * len(Xs))),
        seed,
    )
