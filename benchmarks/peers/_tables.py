"""The Markdown table and report."""

from __future__ import annotations

import datetime
import os
import platform

from ._types import OURS


def _fmt_time(seconds):
    if seconds is None:
        return "–"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def _ratio_text(ours_median, peer_median):
    ratio = ours_median / peer_median
    if ratio < 1:
        return f"{ratio:.3g} ({1 / ratio:.3g}× faster)"
    return f"{ratio:.3g} ({ratio:.3g}× slower)"


def _ratio_cells(row, rows):
    """Ratio ours/peer: the first transferkit row against each peer row."""
    if row.median is None:
        return "–"
    ours_rows = [r for r in rows if r.implementation.library == OURS and r.median]
    if row.implementation.library == OURS:
        return "1 (reference)" if row is ours_rows[0] else "–"
    if not ours_rows:
        return "–"
    return _ratio_text(ours_rows[0].median, row.median)


def _extra_ratio_note(row, rows):
    """For further transferkit rows (another solver), their ratios to the peers."""
    ours_rows = [r for r in rows if r.implementation.library == OURS and r.median]
    if row.implementation.library != OURS or not row.median or row is ours_rows[0]:
        return None
    parts = [
        f"{r.implementation.label}: {_ratio_text(row.median, r.median)}"
        for r in rows
        if r.implementation.library != OURS and r.median
    ]
    return "ours/peer " + ", ".join(parts) if parts else None


def _notes(row, rows):
    impl = row.implementation
    notes = []
    if impl.note:
        notes.append(impl.note)
    if row.error:
        notes.append(f"not run: {row.error}")
    extra = _extra_ratio_note(row, rows)
    if extra:
        notes.append(extra)
    if "objective" in row.metrics:
        best = min(r.metrics["objective"] for r in rows if "objective" in r.metrics)
        gap = (row.metrics["objective"] - best) / abs(best)
        notes.append(f"KMM objective {row.metrics['objective']:.6g} (gap {gap:.1e})")
    if "selected" in row.metrics:
        notes.append(f"selected {row.metrics['selected']}")
    for name in ("KLIEP log-likelihood", "uLSIF squared loss"):
        if name in row.metrics:
            notes.append(f"{name} on the training data {row.metrics[name]:.4g}")
    return notes


def format_table(results):
    """Markdown table of ``[(comparison, task, rows, baseline), ...]``."""
    lines = [
        "| comparison | data | hyperparameters (all libraries) | implementation |"
        " median fit | ours/peer | target acc. | peak MB | load avg | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for comp, task, rows, baseline in results:
        for i, row in enumerate(rows):
            first = i == 0
            acc = row.metrics.get("accuracy")
            cells = [
                f"**{comp.method}** `{comp.key}`" if first else "",
                task.shape_text if first else "",
                comp.hyperparameters if first else "",
                row.implementation.label,
                _fmt_time(row.median)
                + (f" (n={len(row.times)})" if row.times else "")
                + (f" ×{row.inner} fits" if row.inner > 1 else ""),
                _ratio_cells(row, rows),
                "–" if acc is None else f"{100 * acc:.1f}",
                "–" if row.peak_mb is None else f"{row.peak_mb:.0f}",
                "–" if not row.loads else f"{min(row.loads):.2f}–{max(row.loads):.2f}",
                "; ".join(_notes(row, rows)),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        if baseline is not None:
            label = (
                "no adaptation (base learner on source + labelled target)"
                if comp.method == "TrAdaBoost"
                else "no adaptation (same classifier, unweighted / raw features)"
            )
            lines.append(f"| | | | {label} | – | – | {100 * baseline:.1f} | – | – | |")
    return "\n".join(lines)


_METHOD_TEXT = (
    "BLAS pinned to one thread (`threadpool_limits(1)`), TensorFlow's thread"
    " pools to one. Times are the median of the timed repeats (n), after an"
    " untimed run under tracemalloc and, for fits under a second, an untimed"
    " warm-up; libraries are interleaved repeat by repeat. A fit faster than"
    " 0.25 s is timed over k consecutive fits (×k fits) and the time per fit"
    " is given. *ours/peer* divides transferkit's median (the first"
    " transferkit row) by the peer's: below 1 means transferkit is faster."
    " *Load avg* is the 1-minute load average read before each timed repeat"
    " (min–max). *Peak MB* is the peak of Python/NumPy allocations"
    " (tracemalloc) during the untimed fit. *Target acc.* is the target"
    " accuracy (%) of one fixed classifier trained on each library's output:"
    " logistic regression with the learned source weights (reweighting),"
    " logistic regression on the embeddings (feature mapping), or the boosted"
    " model itself on the unlabelled part of the target (TrAdaBoost)."
)


def write_report(out, results, traps, versions, start_load, started):
    """Write the Markdown report (table and trap checks) to ``out``."""
    end_load = os.getloadavg()
    finished = datetime.datetime.now(datetime.timezone.utc)
    header = [
        "# transferkit against ADAPT and skada: speed and accuracy",
        "",
        f"Generated by `benchmarks/compare_peers.py` on {started:%Y-%m-%d %H:%M}–"
        f"{finished:%H:%M} UTC, {platform.machine()}, {os.cpu_count()} CPUs;"
        f" load average (1/5/15 min) {start_load[0]:.2f}/{start_load[1]:.2f}/"
        f"{start_load[2]:.2f} at the start, {end_load[0]:.2f}/{end_load[1]:.2f}/"
        f"{end_load[2]:.2f} at the end.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        _METHOD_TEXT,
        "",
        "",
    ]
    text = "\n".join(header) + format_table(results) + "\n"
    if traps is not None:
        text += "\n## The peers' TCA against the paper's\n\n" + traps + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text
