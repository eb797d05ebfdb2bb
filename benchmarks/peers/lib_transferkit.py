"""transferkit's rows: the reference of every ratio."""

from __future__ import annotations

import importlib

from ._types import OURS, DensityRatio, Implementation, Unavailable

LIBRARY = OURS
DISTRIBUTIONS = ("cvxpy",)


def load():
    import transferkit

    return transferkit


def ours(family, name):
    """Return transferkit's estimator class, or raise Unavailable."""
    module = importlib.import_module(f"transferkit.{family}")
    cls = getattr(module, name, None)
    if cls is None:
        raise Unavailable(f"transferkit.{family}.{name} does not exist yet")
    return cls


def kmm(gamma, B, eps_fn, with_cvxpy=False):
    def fit(task, solver=None):
        KMM = ours("instance", "KMM")
        kwargs = {} if solver is None else {"solver": solver}
        est = KMM(kernel="rbf", gamma=gamma, B=B, eps=eps_fn(task), **kwargs)
        return est.fit_weights(task.Xs, task.Xt)

    impls = [Implementation(OURS, "transferkit KMM (default solver)", fit)]
    if with_cvxpy:
        impls.append(
            Implementation(
                OURS,
                "transferkit KMM (solver='cvxpy')",
                lambda task: fit(task, solver="cvxpy"),
                note="exact reference solver",
            )
        )
    return impls


def kliep(gammas, n_centers=100, cv=5):
    gammas = [float(g) for g in gammas]

    def fit(task):
        KLIEP = ours("instance", "KLIEP")
        est = KLIEP(
            kernel="rbf", gamma=list(gammas), n_centers=n_centers, cv=cv, random_state=0
        )
        est.fit_weights(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        return DensityRatio(
            est.weights_, est.predict_weights(task.Xt), f"γ = {est.gamma_:.3g}"
        )

    return [Implementation(OURS, "transferkit KLIEP", fit, outputs)]


def ulsif(gammas, lambdas, n_centers=100):
    gammas = [float(g) for g in gammas]
    lambdas = [float(v) for v in lambdas]

    def fit(task):
        ULSIF = ours("instance", "ULSIF")
        est = ULSIF(
            gamma=list(gammas), reg=list(lambdas), n_centers=n_centers, random_state=0
        )
        est.fit_weights(task.Xs, task.Xt)
        return est

    def outputs(est, task):
        return DensityRatio(
            est.weights_,
            est.predict_weights(task.Xt),
            f"γ = {est.gamma_:.3g}, λ = {est.reg_:g}",
        )

    return [Implementation(OURS, "transferkit ULSIF", fit, outputs)]


def tradaboost(n_estimators, base):
    def fit(task):
        TrAdaBoostClassifier = ours("instance", "TrAdaBoostClassifier")
        est = TrAdaBoostClassifier(base(), n_estimators=n_estimators, random_state=0)
        return est.fit(task.Xs, task.ys, task.Xt_labelled, task.yt_labelled)

    return [Implementation(OURS, "transferkit TrAdaBoostClassifier", fit)]


def tca(n_components, mu, gamma_fn, n_landmarks=None):
    """TCA with the paper's ``mu`` (the peers take its inverse)."""

    def fit(task, n_landmarks=None):
        TCA = ours("feature", "TCA")
        kwargs = {} if n_landmarks is None else {"n_landmarks": n_landmarks}
        est = TCA(
            n_components=n_components,
            mu=mu,
            kernel="rbf",
            gamma=gamma_fn(task),
            random_state=0,
            **kwargs,
        )
        est.fit(task.Xs, task.ys, task.Xt)
        return est

    def outputs(est, task):
        return est.transform(task.Xs), est.transform(task.Xt)

    impls = [Implementation(OURS, "transferkit TCA (exact)", fit, outputs)]
    if n_landmarks:
        impls.append(
            Implementation(
                OURS,
                f"transferkit TCA (n_landmarks={n_landmarks})",
                lambda task: fit(task, n_landmarks),
                outputs,
                note="Nyström/landmark approximation",
            )
        )
    return impls


def coral(reg):
    def fit(task):
        CORAL = ours("feature", "CORAL")
        return CORAL(reg=reg).fit(task.Xs, task.ys, task.Xt)

    def outputs(est, task):
        return est.fit_transform(task.Xs, task.ys, task.Xt), est.transform(task.Xt)

    return [Implementation(OURS, "transferkit CORAL", fit, outputs)]


def sa(n_components):
    def fit(task):
        SA = ours("feature", "SubspaceAlignment")
        return SA(n_components=n_components).fit(task.Xs, task.ys, task.Xt)

    def outputs(est, task):
        return est.fit_transform(task.Xs, task.ys, task.Xt), est.transform(task.Xt)

    return [Implementation(OURS, "transferkit SubspaceAlignment", fit, outputs)]


def tca_vectors(Xs, Xt, m, mu, gamma):
    """The embedding of ``vstack([Xs, Xt])`` by transferkit's TCA (trap checks)."""
    import numpy as np

    est = ours("feature", "TCA")(n_components=m, mu=mu, kernel="rbf", gamma=gamma)
    est.fit(Xs, None, Xt)
    return np.vstack([est.transform(Xs), est.transform(Xt)])
