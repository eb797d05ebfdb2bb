"""The comparisons: data, hyperparameters shared by every library, read-out."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from ._evaluate import (
    boosting_eval,
    default_eps,
    embedding_eval,
    inverse_dimension,
    kliep_eval,
    ulsif_eval,
    weights_eval,
)
from ._libraries import implementations
from ._tasks import (
    digits_task,
    labelled_target_task,
    mushroom_task,
    synthetic_affine_task,
    synthetic_covariate_task,
)
from ._types import OURS, Comparison


def _logistic():
    return LogisticRegression(max_iter=1000)


def _balanced_linear_svc():
    return LinearSVC(class_weight="balanced")


def comparisons():
    """All comparisons, in the order of the table."""
    digits_gamma = 1.0 / 64
    kliep_grid = [digits_gamma * f for f in (0.25, 1.0, 4.0, 16.0, 64.0)]
    synth_gamma = 0.1
    kmm = {"B": 1000.0, "eps_fn": default_eps}
    tca = {"n_components": 20, "mu": 1.0, "gamma_fn": inverse_dimension}
    landmarks = {OURS: {"n_landmarks": 500}}
    out = [
        Comparison(
            "kmm-synthetic",
            "kmm-synthetic",
            "KMM",
            lambda: synthetic_covariate_task(n=2000, d=10),
            "RBF γ = 0.1 (= 1/d), B = 1000, ε = (√n_s − 1)/√n_s",
            implementations(
                "kmm", gamma=synth_gamma, extra={"adapt": {"max_size": 2000}}, **kmm
            ),
            weights_eval(synth_gamma),
            kernel_gamma=synth_gamma,
        ),
        Comparison(
            "kmm-digits",
            "digits-kmm",
            "KMM",
            digits_task,
            "RBF γ = 1/64, B = 1000, ε = (√n_s − 1)/√n_s",
            implementations(
                "kmm", gamma=digits_gamma, extra={OURS: {"with_cvxpy": True}}, **kmm
            ),
            weights_eval(digits_gamma),
            kernel_gamma=digits_gamma,
        ),
        Comparison(
            "kliep-digits",
            "digits-kliep",
            "KLIEP",
            digits_task,
            "RBF, γ by 5-fold likelihood CV over (1/64)·{¼, 1, 4, 16, 64}, 100 centres",
            implementations("kliep", gammas=kliep_grid),
            kliep_eval,
        ),
        Comparison(
            "ulsif-digits",
            "digits-ulsif",
            "uLSIF",
            digits_task,
            "RBF, (γ, λ) by leave-one-out over (1/64)·{¼, 1, 4, 16, 64}"
            " × {0.01, 0.1, 1}, 100 centres",
            implementations("ulsif", gammas=kliep_grid, lambdas=[0.01, 0.1, 1.0]),
            ulsif_eval,
        ),
        Comparison(
            "tradaboost",
            "tradaboost",
            "TrAdaBoost",
            labelled_target_task,
            "LogisticRegression(max_iter=1000) base learner, 20 rounds",
            implementations("tradaboost", n_estimators=20, base=_logistic),
            boosting_eval,
        ),
        Comparison(
            "tradaboost-mushroom",
            "tradaboost-mushroom",
            "TrAdaBoost",
            mushroom_task,
            "LinearSVC(class_weight='balanced') base learner, 100 rounds",
            implementations("tradaboost", n_estimators=100, base=_balanced_linear_svc),
            boosting_eval,
            baseline_estimator=_balanced_linear_svc,
        ),
        Comparison(
            "tca-digits",
            "digits-tca",
            "TCA",
            digits_task,
            "RBF γ = 1/64, 20 components, paper's μ = 1 (peers' μ = 1/μ = 1)",
            implementations("tca", extra=landmarks, **tca),
            embedding_eval,
        ),
        Comparison(
            "coral-digits",
            "digits-coral",
            "CORAL",
            digits_task,
            "λ = 1 (ours, ADAPT); skada: Ledoit-Wolf shrinkage",
            implementations("coral", reg=1.0),
            embedding_eval,
        ),
        Comparison(
            "sa-digits",
            "digits-sa",
            "SA",
            digits_task,
            "20 components",
            implementations("sa", n_components=20),
            embedding_eval,
        ),
    ]
    for n_total in (1000, 4000):
        task = (lambda n: lambda: synthetic_affine_task(n))(n_total)
        out += [
            Comparison(
                f"tca-{n_total}",
                f"tca-n{n_total}",
                "TCA",
                task,
                "RBF γ = 1/d, 20 components, paper's μ = 1 (peers' μ = 1)",
                implementations("tca", extra=landmarks, **tca),
                embedding_eval,
            ),
            Comparison(
                f"coral-{n_total}",
                f"coral-n{n_total}",
                "CORAL",
                task,
                "λ = 1 (ours, ADAPT); skada: Ledoit-Wolf shrinkage",
                implementations("coral", reg=1.0),
                embedding_eval,
            ),
            Comparison(
                f"sa-{n_total}",
                f"sa-n{n_total}",
                "SA",
                task,
                "20 components",
                implementations("sa", n_components=20),
                embedding_eval,
            ),
        ]
    return out
