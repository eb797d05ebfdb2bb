"""Metrics of relational classification, as the boosted-RDN literature reports them.

TreeBoostler and TransBoostler report AUC-ROC, AUC-PR and the conditional
log-likelihood (CLL) of the test atoms, computed over *every* positive and
*every* negative atom of the test files (``test_pos.txt``, ``test_neg.txt``):
negatives are counted as given, none subsampled, including those whose
arguments are not of the slot's type. AUC-PR is the area under the
precision-recall curve with the interpolation of Davis & Goadrich (ICML 2006)
between the curve's points, as their AUCCalculator computes it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["auc_roc", "auc_pr", "conditional_log_likelihood"]


def _check(y, p):
    y = np.asarray(y).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y has {y.shape[0]} labels but p has {p.shape[0]} scores")
    try:
        ok = bool(np.isin(y, (0, 1)).all())
    except TypeError:
        ok = False
    if not ok:
        bad = [v for v in y.tolist() if v not in (0, 1)][:3]
        raise ValueError(f"y must hold 0/1 labels, got {bad} among them")
    bad = np.flatnonzero(~np.isfinite(p))
    if bad.size:
        raise ValueError(
            f"p holds {bad.size} non-finite score(s) (first at index "
            f"{int(bad[0])}: {p[bad[0]]}); scores must be finite"
        )
    return y.astype(int), p


def auc_roc(y, p):
    """Area under the ROC curve (ties count one half)."""
    from sklearn.metrics import roc_auc_score

    y, p = _check(y, p)
    return float(roc_auc_score(y, p))


def auc_pr(y, p):
    """Area under the precision-recall curve, Davis-Goadrich interpolation.

    Between two consecutive thresholds with ``(TP_A, FP_A)`` and
    ``(TP_B, FP_B)``, precision is interpolated over each intermediate true
    positive count ``TP_A + x`` as ``(TP_A + x) / (TP_A + x + FP_A +
    x (FP_B - FP_A) / (TP_B - TP_A))``; the curve starts at recall 0 with the
    precision of the first point.

    Examples
    --------
    >>> from transferkit.relational import auc_pr
    >>> auc_pr([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    0.7...
    """
    y, p = _check(y, p)
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("auc_pr needs at least one positive atom")
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    distinct = np.r_[np.nonzero(np.diff(ps))[0], len(ps) - 1]
    tp = np.cumsum(ys)[distinct].astype(float)
    fp = (distinct + 1 - tp).astype(float)
    area = 0.0
    prev_tp, prev_fp = 0.0, 0.0
    for t, f in zip(tp, fp):
        if t > prev_tp:
            area += _segment(prev_tp, prev_fp, t, f, n_pos)
            prev_tp = t
        prev_fp = f
    return float(area)


def _segment(tpa, fpa, tpb, fpb, n_pos):
    """Area of the interpolated PR curve from point A to point B."""
    steps = int(round(tpb - tpa))
    slope = (fpb - fpa) / (tpb - tpa)
    x = np.arange(1, steps + 1, dtype=float)
    prec = (tpa + x) / (tpa + x + fpa + slope * x)
    # trapezoids over recall steps of 1 / n_pos
    prev = np.r_[tpa / (tpa + fpa) if tpa > 0 else prec[0], prec[:-1]]
    return float(np.sum((prev + prec) / 2) / n_pos)


def conditional_log_likelihood(y, p, eps=1e-5):
    """Mean log-probability of the true label of each atom.

    ``mean(y log p + (1 - y) log(1 - p))`` with ``p`` clipped to
    ``[eps, 1 - eps]`` (as BoostSRL floors its probabilities); 0 is perfect.
    """
    y, p = _check(y, p)
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps!r}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p must hold probabilities in [0, 1]")
    p = np.clip(p, eps, 1 - eps)
    return float(np.mean(np.where(y == 1, np.log(p), np.log(1 - p))))
