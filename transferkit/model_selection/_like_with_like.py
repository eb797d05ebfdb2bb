"""Like-with-like selection: each adapted candidate against its own unadapted twin.

Label-free criteria are biased between *kinds* of final classifier: MixVal,
for instance, prefers smooth linear models to 1-NN whatever their target
accuracy. Comparing an adapted candidate with the same classifier without
the adaptation (its *twin*) cancels that bias, because both sides of the
comparison share the classifier; only the adaptation differs.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from ._guard import guarded_choice

__all__ = [
    "beats_baseline",
    "consensus_choice",
    "estimator_signature",
    "like_with_like_choice",
    "pool_twins",
]


def _value_signature(value):
    if isinstance(value, BaseEstimator):
        return estimator_signature(value)
    if isinstance(value, (list, tuple)):
        return tuple(_value_signature(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _value_signature(v)) for k, v in value.items()))
    if value is None or isinstance(value, (str, bool, numbers.Number)):
        return value
    if isinstance(value, np.ndarray):
        return ("ndarray", value.shape, value.tobytes())
    return ("object", type(value).__name__, repr(value))


def estimator_signature(estimator):
    """A hashable description of an unfitted estimator: its class and parameters.

    Two estimators with the same signature are the same model up to fitting.
    The steps of a pipeline are compared without their names.

    Parameters
    ----------
    estimator : estimator

    Returns
    -------
    signature : tuple
    """
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        steps = [s for _, s in estimator.steps if s is not None and s != "passthrough"]
        if len(steps) == 1:
            return estimator_signature(steps[0])
        return ("Pipeline", tuple(estimator_signature(s) for s in steps))
    params = estimator.get_params(deep=False)
    return (
        type(estimator).__module__ + "." + type(estimator).__qualname__,
        tuple(sorted((k, _value_signature(v)) for k, v in params.items())),
    )


def pool_twins(candidates):
    """For each candidate, the pool's candidate that is the same model unadapted.

    The twin of a transfer pipeline is the pipeline without its transfer
    steps, of a reweighting estimator its inner estimator; a candidate
    without adaptation is its own twin. ``None`` when the pool holds no such
    candidate (e.g. MEDA, whose classifier is part of the method).

    Parameters
    ----------
    candidates : list of (str, estimator)

    Returns
    -------
    twins : dict of str to str or None
    """
    from ..utils._fitting import consumes_target
    from ._selector import _without_adaptation

    plain = {}
    for name, est in candidates:
        if not consumes_target(est):
            plain.setdefault(estimator_signature(est), name)
    twins = {}
    for name, est in candidates:
        if not consumes_target(est):
            twins[name] = name
            continue
        unadapted = _without_adaptation(est)
        twins[name] = (
            None if unadapted is None else plain.get(estimator_signature(unadapted))
        )
    return twins


def beats_baseline(folds, name, baseline, n_std_errors=1.0):
    """Whether ``name`` beats ``baseline`` under the guard, paired over folds.

    Parameters
    ----------
    folds : dict of str to sequence of float
        Per candidate, a criterion fold by fold.
    name, baseline : str
    n_std_errors : float, default=1.0

    Returns
    -------
    beats : bool
    entry : dict
        ``gain`` and ``std_error`` of the paired difference
        (:func:`~transferkit.model_selection._guard.guarded_choice`).
    """
    chosen, report = guarded_choice(
        {baseline: folds[baseline], name: folds[name]},
        baseline,
        n_std_errors=n_std_errors,
    )
    return chosen == name, report["candidates"][name]


def like_with_like_choice(
    folds,
    baseline,
    twins,
    *,
    n_std_errors=1.0,
    twinless="veto",
    veto_folds=None,
):
    """Choose among adaptations of the baseline's classifier, like with like.

    The rule:

    1. An adapted candidate whose twin is the baseline is *eligible* when its
       per-fold criterion beats the baseline's by more than ``n_std_errors``
       standard errors of the paired difference (the guard).
    2. A candidate with no twin in the pool (a method with its own
       classifier) is compared with the baseline too, and with
       ``twinless="veto"`` it must in addition beat the baseline under the
       ``veto_folds`` criterion (a second, differently biased criterion that
       can only veto); ``twinless="never"`` leaves such candidates out,
       ``twinless="same"`` treats them as step 1.
    3. Candidates built on another classifier than the baseline's (and the
       other classifiers themselves) are never chosen: the criterion's bias
       between classifiers does not cancel there.

    Among the eligible candidates the largest gain over the baseline wins;
    with none, the baseline is kept.

    Parameters
    ----------
    folds : dict of str to sequence of float
        Per candidate, the selecting criterion fold by fold (higher is
        better, the same folds for every candidate).
    baseline : str
        The no-adaptation candidate (the user's classifier).
    twins : dict of str to str or None
        :func:`pool_twins` of the candidates.
    n_std_errors : float, default=1.0
        The guard's margin.
    twinless : {"veto", "same", "never"}, default="veto"
        How candidates without a twin are treated.
    veto_folds : dict of str to sequence of float, default=None
        The second criterion of ``twinless="veto"``.

    Returns
    -------
    chosen : str
    report : dict
        Per candidate ``twin``, ``gain`` over the baseline, ``eligible`` and
        ``why``; and ``chosen``.

    Examples
    --------
    >>> from transferkit.model_selection._like_with_like import like_with_like_choice
    >>> folds = {"1NN": [0.5, 0.6, 0.5], "CORAL + 1NN": [0.7, 0.8, 0.7],
    ...          "LinearSVC": [0.9, 0.9, 0.95]}
    >>> twins = {"1NN": "1NN", "CORAL + 1NN": "1NN", "LinearSVC": "LinearSVC"}
    >>> like_with_like_choice(folds, "1NN", twins)[0]
    'CORAL + 1NN'
    """
    if baseline not in folds:
        raise ValueError(f"baseline {baseline!r} is not among {list(folds)}.")
    if twinless not in ("veto", "same", "never"):
        raise ValueError(
            f"twinless must be 'veto', 'same' or 'never', got {twinless!r}."
        )
    if (
        twinless == "veto"
        and veto_folds is None
        and any(twins.get(n) is None for n in folds if n != baseline)
    ):
        raise ValueError(
            "twinless='veto' needs veto_folds for the candidates without a twin."
        )
    unknown = sorted({t for t in twins.values() if t is not None} - set(folds))
    if unknown:
        raise ValueError(
            f"twins names {unknown}, which are not among the candidates {list(folds)}."
        )
    entries, best, best_gain = {}, baseline, 0.0
    for name in folds:
        if name == baseline:
            continue
        twin = twins.get(name)
        entry = {"twin": twin, "eligible": False}
        if twin is None and twinless == "never":
            entry["why"] = "no twin in the pool"
        elif twin is not None and twin != baseline:
            entry["why"] = f"built on {twin!r}, not on the baseline's classifier"
        else:
            passes, guard = beats_baseline(folds, name, baseline, n_std_errors)
            gain = entry["gain"] = guard["gain"]
            if not passes:
                entry["why"] = "does not beat the baseline by the guard's margin"
            elif twin is None and twinless == "veto":
                vetoed = not beats_baseline(veto_folds, name, baseline, n_std_errors)[0]
                entry["eligible"] = not vetoed
                entry["why"] = (
                    "vetoed: does not beat the baseline on the second criterion"
                    if vetoed
                    else "beats the baseline on both criteria"
                )
            else:
                entry["eligible"] = True
                entry["why"] = "beats the baseline by the guard's margin"
            if entry["eligible"] and gain > best_gain:
                best, best_gain = name, gain
        entries[name] = entry
    return best, {"chosen": best, "candidates": entries}


def consensus_choice(tables, baseline, twins=None, *, min_votes=4, n_std_errors=1.0):
    """Choose by a vote of several criteria, each guarding the baseline.

    A candidate gets one vote from each criterion under which it beats the
    baseline by more than ``n_std_errors`` standard errors of the paired
    per-fold difference (:func:`~transferkit.model_selection._guard.guarded_choice`).
    It is eligible with at least ``min_votes`` votes and, when ``twins`` is
    given, only if it adapts the baseline's classifier or has no twin in the
    pool (like with like, as :func:`like_with_like_choice`). The eligible
    candidate with the most votes wins, ties by the mean over the criteria
    of its gain in standard errors; with none, the baseline is kept.

    Parameters
    ----------
    tables : dict of str to dict of str to sequence of float
        Criterion -> candidate -> per-fold scores (higher is better).
    baseline : str
    twins : dict of str to str or None, default=None
        :func:`pool_twins`; ``None`` compares every candidate.
    min_votes : int, default=4
    n_std_errors : float, default=1.0

    Returns
    -------
    chosen : str
    report : dict
        Per candidate ``votes`` (the criteria that voted for it), ``z``
        (mean gain in standard errors), ``eligible`` and ``why``.

    Examples
    --------
    >>> from transferkit.model_selection._like_with_like import consensus_choice
    >>> tables = {
    ...     "a": {"1NN": [0.5, 0.5, 0.6], "CORAL + 1NN": [0.7, 0.8, 0.8]},
    ...     "b": {"1NN": [0.5, 0.5, 0.6], "CORAL + 1NN": [0.6, 0.7, 0.7]},
    ...     "c": {"1NN": [0.5, 0.5, 0.6], "CORAL + 1NN": [0.4, 0.4, 0.5]},
    ... }
    >>> consensus_choice(tables, "1NN", min_votes=2)[0]
    'CORAL + 1NN'
    >>> consensus_choice(tables, "1NN", min_votes=3)[0]
    '1NN'
    """
    if not tables:
        raise ValueError("tables must hold at least one criterion.")
    names = list(next(iter(tables.values())))
    if baseline not in names:
        raise ValueError(f"baseline {baseline!r} is not among {names}.")
    if not isinstance(min_votes, numbers.Integral) or not (
        1 <= min_votes <= len(tables)
    ):
        raise ValueError(
            f"min_votes must be an integer in [1, {len(tables)}], got {min_votes!r}."
        )
    entries, best, best_key = {}, baseline, None
    for name in names:
        if name == baseline:
            continue
        votes, z = [], []
        for criterion, table in tables.items():
            passes, entry = beats_baseline(table, name, baseline, n_std_errors)
            if passes:
                votes.append(criterion)
            z.append(entry["gain"] / max(entry["std_error"], 1e-12))
        twin = None if twins is None else twins.get(name)
        other = twins is not None and twin is not None and twin != baseline
        eligible = not other and len(votes) >= min_votes
        if other:
            why = f"built on {twin!r}, not on the baseline's classifier"
        elif eligible:
            why = f"{len(votes)} of {len(tables)} criteria beat the baseline"
        else:
            why = (
                f"{len(votes)} of {len(tables)} criteria beat the baseline, "
                f"fewer than {min_votes}"
            )
        entries[name] = {
            "twin": twin,
            "votes": votes,
            "z": float(np.mean(z)),
            "eligible": eligible,
            "why": why,
        }
        key = (len(votes), float(np.mean(z)))
        if eligible and (best_key is None or key > best_key):
            best, best_key = name, key
    return best, {"chosen": best, "candidates": entries}
