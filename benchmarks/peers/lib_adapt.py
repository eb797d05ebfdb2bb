"""ADAPT (adapt-python, TensorFlow-based) rows.

ADAPT's TCA takes ``mu`` as the inverse of the paper's (see ``tca``).
"""

from __future__ import annotations

from ._libraries import peer
from ._types import DensityRatio, Implementation, pin_tensorflow_threads

LIBRARY = "adapt"
DISTRIBUTIONS = ("tensorflow-cpu", "cvxopt")


def load():
    pin_tensorflow_threads()
    import adapt
    import adapt.feature_based
    import adapt.instance_based

    return adapt


def kmm(gamma, B, eps_fn, max_size=None):
    def fit(task, max_size):
        est = peer(LIBRARY).instance_based.KMM(
            kernel="rbf",
            gamma=gamma,
            B=B,
            eps=eps_fn(task),
            max_size=max_size,
            verbose=0,
            random_state=0,
        )
        return est.fit_weights(task.Xs, task.Xt)

    impls = [
        Implementation(
            LIBRARY,
            "ADAPT KMM (default max_size=1000)",
            lambda task: fit(task, 1000),
            note="splits the source into chunks of <= 1000 rows: not the same QP"
            " when n_s > 1000",
        )
    ]
    if max_size is not None:
        impls.append(
            Implementation(
                LIBRARY,
                f"ADAPT KMM (max_size={max_size})",
                lambda task: fit(task, max_size),
                note="one QP over all source rows: the same problem as ours",
            )
        )
    return impls


def kliep(gammas, n_centers=100, cv=5):
    gammas = [float(g) for g in gammas]

    def fit(task):
        est = peer(LIBRARY).instance_based.KLIEP(
            kernel="rbf",
            gamma=list(gammas),
            max_centers=n_centers,
            cv=cv,
            verbose=0,
            random_state=0,
        )
        est.fit_weights(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        return DensityRatio(
            est.weights_,
            est.predict_weights(task.Xt),
            f"γ = {est.best_params_['gamma']:.3g}",
        )

    return [Implementation(LIBRARY, "ADAPT KLIEP (algo='FW')", fit, outputs)]


def ulsif(gammas, lambdas, n_centers=100):
    gammas = [float(g) for g in gammas]
    lambdas = [float(v) for v in lambdas]

    def fit(task):
        est = peer(LIBRARY).instance_based.ULSIF(
            kernel="rbf",
            gamma=list(gammas),
            lambdas=list(lambdas),
            max_centers=n_centers,
            verbose=0,
            random_state=0,
        )
        est.fit_weights(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        best = est.best_params_
        return DensityRatio(
            est.weights_,
            est.predict_weights(task.Xt),
            f"γ = {best['k']['gamma']:.3g}, λ = {best['lamb']:g}",
        )

    return [Implementation(LIBRARY, "ADAPT ULSIF", fit, outputs)]


def tradaboost(n_estimators, base):
    def fit(task):
        est = peer(LIBRARY).instance_based.TrAdaBoost(
            base(),
            Xt=task.Xt_labelled,
            yt=task.yt_labelled,
            n_estimators=n_estimators,
            lr=1.0,
            verbose=0,
            random_state=0,
        )
        return est.fit(task.Xs, task.ys)

    return [Implementation(LIBRARY, "ADAPT TrAdaBoost", fit)]


def tca(n_components, mu, gamma_fn):
    """ADAPT solves ``(I + mu' KLK)^{-1} KHK``: it gets ``mu' = 1 / mu``."""

    def fit(task):
        est = peer(LIBRARY).feature_based.TCA(
            n_components=n_components,
            mu=1.0 / mu,
            kernel="rbf",
            gamma=gamma_fn(task),
            verbose=0,
            random_state=0,
        )
        est.fit_transform(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        return est.transform(task.Xs, domain="src"), est.transform(
            task.Xt, domain="tgt"
        )

    return [Implementation(LIBRARY, "ADAPT TCA", fit, outputs)]


def coral(reg):
    def fit(task):
        est = peer(LIBRARY).feature_based.CORAL(lambda_=reg, verbose=0, random_state=0)
        est._benchmark_source = est.fit_transform(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        return est._benchmark_source, est.transform(task.Xt, domain="tgt")

    return [Implementation(LIBRARY, "ADAPT CORAL", fit, outputs)]


def sa(n_components):
    def fit(task):
        est = peer(LIBRARY).feature_based.SA(
            n_components=n_components, verbose=0, random_state=0
        )
        est._benchmark_source = est.fit_transform(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        return est._benchmark_source, est.transform(task.Xt, domain="tgt")

    return [Implementation(LIBRARY, "ADAPT SA", fit, outputs)]


def tca_vectors(Xs, Xt, m, mu, gamma):
    """ADAPT's TCA eigenvectors for ``mu`` passed unchanged (trap checks)."""
    est = peer(LIBRARY).feature_based.TCA(
        n_components=m, mu=mu, kernel="rbf", gamma=gamma, verbose=0
    )
    est.fit_transform(Xs, Xt)
    return est.vectors_
