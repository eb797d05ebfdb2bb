"""Agreement with the candidates' ensemble (EnsV; Hu et al., NeurIPS 2024)."""

from __future__ import annotations

import numpy as np

__all__ = ["ensemble_agreement"]


def ensemble_agreement(target_labels):
    """Each candidate's agreement with the majority vote of all candidates.

    EnsV scores a pool of candidates against the pool's own ensemble: every
    candidate labels the target, the ensemble's label of a target sample is
    the label most candidates give it, and a candidate's score is the
    fraction of the target where it agrees with the ensemble. The ensemble
    stands in for the missing target labels; a candidate far from it (the
    pool's outliers, where the worst picks usually are) scores low, which is
    why Hu et al. find that EnsV avoids the worst candidate of a pool, at
    the price of rarely picking the best one when most of the pool is
    mediocre.

    Parameters
    ----------
    target_labels : dict of str to array-like of shape (n_target,)
        Each candidate's predicted labels on the same target samples, in a
        fixed order of candidates.

    Returns
    -------
    agreement : dict of str to float
        Per candidate, the fraction of target samples where its label is the
        ensemble's, in [0, 1].

    Notes
    -----
    The paper averages the candidates' predicted class probabilities; here
    each candidate casts one vote, its predicted label (a hard vote), so
    that candidates without calibrated probabilities (SVMs, 1-NN, MEDA)
    take part on equal terms. A tie between labels goes to the label that
    sorts first (``numpy.unique`` order), so the vote is deterministic.

    References
    ----------
    D. Hu, R. Luo, J. Liang and C. S. Foo, "Towards reliable model selection
    for unsupervised domain adaptation: an empirical study and a certified
    baseline", NeurIPS 2024 (Datasets and Benchmarks).

    Examples
    --------
    >>> from transferkit.model_selection import ensemble_agreement
    >>> ensemble_agreement({
    ...     "a": [0, 0, 1, 1],
    ...     "b": [0, 1, 1, 1],
    ...     "c": [1, 1, 1, 0],
    ... })
    {'a': 0.75, 'b': 1.0, 'c': 0.5}
    """
    if not isinstance(target_labels, dict) or len(target_labels) == 0:
        raise ValueError(
            "target_labels must be a non-empty dict of candidate name to "
            f"predicted target labels, got {type(target_labels).__name__}."
        )
    labels = {name: np.asarray(v).ravel() for name, v in target_labels.items()}
    lengths = {name: v.shape[0] for name, v in labels.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            "target_labels must hold one label per target sample for every "
            f"candidate; got lengths {lengths}."
        )
    if next(iter(lengths.values())) == 0:
        raise ValueError("target_labels holds no target sample.")
    stacked = np.stack(list(labels.values()))
    values, codes = np.unique(stacked, return_inverse=True)
    codes = codes.reshape(stacked.shape)
    # votes[c, i]: how many candidates give label c to sample i
    votes = np.stack([(codes == c).sum(axis=0) for c in range(values.shape[0])])
    ensemble = np.argmax(votes, axis=0)  # ties: the first label in sorted order
    return {name: float(np.mean(codes[k] == ensemble)) for k, name in enumerate(labels)}
