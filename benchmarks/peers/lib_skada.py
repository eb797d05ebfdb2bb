"""skada (scikit-adaptation) rows.

skada takes source and target stacked, with ``sample_domain`` > 0 marking the
source (:func:`skada_domains`); its TCA, like ADAPT's, takes the inverse of the
paper's ``mu`` and always uses scikit-learn's default RBF width.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._libraries import peer
from ._types import DensityRatio, Implementation, pin_tensorflow_threads

LIBRARY = "skada"
DISTRIBUTIONS = ("POT",)


def load():
    # POT, which skada imports, imports TensorFlow when present
    pin_tensorflow_threads()
    import skada

    return skada


def skada_domains(Xs, Xt):
    """Stack source and target the skada way (``sample_domain`` > 0: source)."""
    X = np.vstack([Xs, Xt])
    sample_domain = np.concatenate(
        [np.ones(len(Xs), dtype=int), -np.ones(len(Xt), dtype=int)]
    )
    return X, sample_domain


def _stacked_outputs(est, task):
    X, sample_domain = skada_domains(task.Xs, task.Xt)
    Z = est.fit_transform(X, sample_domain=sample_domain)
    return Z[: len(task.Xs)], Z[len(task.Xs) :]


def kmm(gamma, B, eps_fn):
    def fit(task):
        X, sample_domain = skada_domains(task.Xs, task.Xt)
        est = peer(LIBRARY).KMMReweightAdapter(
            kernel="rbf", gamma=gamma, B=B, eps=eps_fn(task)
        )
        est.fit(X, sample_domain=sample_domain)
        return est.source_weights_

    return [Implementation(LIBRARY, "skada KMMReweightAdapter", fit)]


def kliep(gammas, n_centers=100, cv=5):
    gammas = [float(g) for g in gammas]

    def fit(task):
        X, sample_domain = skada_domains(task.Xs, task.Xt)
        est = peer(LIBRARY).KLIEPReweightAdapter(
            gamma=list(gammas), cv=cv, n_centers=n_centers, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, sample_domain=sample_domain)
        return est

    def outputs(est, task):
        ones = np.ones(len(task.Xs), dtype=int)
        source = est.compute_weights(task.Xs, sample_domain=ones)
        target = est.compute_weights(task.Xt, sample_domain=np.ones(len(task.Xt), int))
        return DensityRatio(source, target, f"γ = {est.best_gamma_:.3g}")

    return [Implementation(LIBRARY, "skada KLIEPReweightAdapter", fit, outputs)]


def tca(n_components, mu, gamma_fn):
    """skada solves ``(I + mu' KLK)^{-1} KHK``: it gets ``mu' = 1 / mu``."""

    def fit(task):
        X, sample_domain = skada_domains(task.Xs, task.Xt)
        # skada's TCA always uses sklearn's default RBF width, 1 / n_features
        est = peer(LIBRARY).TransferComponentAnalysisAdapter(
            kernel="rbf", n_components=n_components, mu=1.0 / mu
        )
        est.fit(X, sample_domain=sample_domain)
        return est

    return [
        Implementation(
            LIBRARY, "skada TransferComponentAnalysisAdapter", fit, _stacked_outputs
        )
    ]


def coral(reg):
    def fit(task):
        X, sample_domain = skada_domains(task.Xs, task.Xt)
        # skada's ``reg`` is a shrinkage coefficient (not an added ridge);
        # we use its default, Ledoit-Wolf shrinkage.
        est = peer(LIBRARY).CORALAdapter(reg="auto")
        return est.fit(X, sample_domain=sample_domain)

    return [
        Implementation(
            LIBRARY,
            "skada CORALAdapter (reg='auto')",
            fit,
            _stacked_outputs,
            note="skada's reg is a shrinkage weight, not λ; its default used",
        )
    ]


def sa(n_components):
    def fit(task):
        X, sample_domain = skada_domains(task.Xs, task.Xt)
        return (
            peer(LIBRARY)
            .SubspaceAlignmentAdapter(n_components=n_components, random_state=0)
            .fit(X, sample_domain=sample_domain)
        )

    return [
        Implementation(LIBRARY, "skada SubspaceAlignmentAdapter", fit, _stacked_outputs)
    ]


def tca_vectors(Xs, Xt, m, mu, gamma):
    """skada's TCA eigenvectors for ``mu`` passed unchanged (trap checks).

    ``gamma`` is not passed: skada's TCA has no width parameter.
    """
    X, sample_domain = skada_domains(Xs, Xt)
    est = peer(LIBRARY).TransferComponentAnalysisAdapter(
        kernel="rbf", n_components=m, mu=mu
    )
    est.fit(X, sample_domain=sample_domain)
    return est.eigvects_
