"""The negative-transfer guard: keep the baseline unless a candidate clearly beats it.

Every "auto" mode of transferkit decides between a baseline (no transfer:
target-only or source-only) and adapted candidates with the same rule, so
that choosing a transfer method never ends worse than the baseline by more
than the noise of the criterion it was chosen on.
"""

from __future__ import annotations

import numpy as np

__all__ = ["guarded_choice"]


def guarded_choice(per_sample_scores, baseline, *, n_std_errors=1.0):
    """Choose a candidate from per-sample validation scores, guarding a baseline.

    The rule: for each candidate ``c``, ``d_i = s_c(i) - s_baseline(i)`` over
    the validation samples ``i`` (paired: every candidate is scored on the
    same samples). A candidate *beats* the baseline when the mean of ``d``
    exceeds ``n_std_errors`` standard errors of that mean,
    ``std(d, ddof=1) / sqrt(n)``. Among the candidates that beat it, the one
    with the highest mean score is chosen; when none does, the baseline is
    kept. Ties go to the candidate listed first.

    Parameters
    ----------
    per_sample_scores : dict of str to array-like of shape (n_samples,)
        Per-sample validation scores (e.g. 1 for a correct prediction, 0
        otherwise; or minus the squared error), higher is better, in a fixed
        order of candidates.
    baseline : str
        The key of the baseline candidate.
    n_std_errors : float, default=1.0
        How many standard errors of the paired difference a candidate must
        gain over the baseline.

    Returns
    -------
    chosen : str
        The chosen candidate.
    report : dict
        Per candidate: ``mean``, ``std_error`` of its difference to the
        baseline, ``gain`` (mean difference) and ``beats_baseline``; plus
        ``chosen``, ``baseline`` and ``reason``.

    Examples
    --------
    >>> from transferkit.model_selection._guard import guarded_choice
    >>> scores = {"target_only": [1, 0, 1, 0], "lp_ft": [1, 1, 1, 1]}
    >>> guarded_choice(scores, "target_only")[0]
    'lp_ft'
    >>> # one gained sample in four: gain 0.25, not above its standard error 0.25
    >>> guarded_choice({"target_only": [1, 0, 1, 1], "lp_ft": [1, 1, 1, 1]},
    ...                "target_only")[0]
    'target_only'
    >>> guarded_choice({"target_only": [1, 0, 1, 1], "lp_ft": [1, 1, 1, 0]},
    ...                "target_only")[0]
    'target_only'
    """
    if baseline not in per_sample_scores:
        raise ValueError(
            f"baseline {baseline!r} is not among the candidates "
            f"{list(per_sample_scores)}."
        )
    scores = {k: np.asarray(v, dtype=float) for k, v in per_sample_scores.items()}
    base = scores[baseline]
    report = {"baseline": baseline, "candidates": {}}
    best, best_mean = baseline, float(base.mean()) if base.size else -np.inf
    for name, values in scores.items():
        if values.shape != base.shape:
            raise ValueError(
                f"candidate {name!r} has {values.shape[0]} scores but the baseline "
                f"has {base.shape[0]}; score every candidate on the same samples."
            )
        diff = values - base
        n = diff.shape[0]
        std_error = float(diff.std(ddof=1) / np.sqrt(n)) if n > 1 else np.inf
        gain = float(diff.mean()) if n else 0.0
        beats = name != baseline and gain > n_std_errors * std_error
        report["candidates"][name] = {
            "mean": float(values.mean()) if n else float("nan"),
            "gain": gain,
            "std_error": std_error,
            "beats_baseline": bool(beats),
        }
        if beats and float(values.mean()) > best_mean:
            best, best_mean = name, float(values.mean())
    report["chosen"] = best
    if best == baseline:
        report["reason"] = (
            f"no candidate beat the baseline {baseline!r} by more than "
            f"{n_std_errors:g} standard error(s) of the paired difference"
        )
    else:
        entry = report["candidates"][best]
        report["reason"] = (
            f"{best!r} beat the baseline {baseline!r} by {entry['gain']:.4g} "
            f"(> {n_std_errors:g} x {entry['std_error']:.3g}) and scored highest "
            "among the candidates that did"
        )
    return best, report
