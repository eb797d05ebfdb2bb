"""Does an alignment loss end below its own source-only model? Before/after.

Run from the repository root::

    python benchmarks/alignment_check_study.py --out results.jsonl \\
        --shifts contrast,blur,rotate --settings noes50,default [--no-check]
    python benchmarks/alignment_check_study.py --table before.jsonl after.jsonl

The network is the 64-128-64-10 MLP (``hidden_layer_sizes=(128, 64)``),
trained on the source half of :func:`transferkit.datasets.load_digits_shift`
with the unlabelled target (``FineTuner(alignment=...).fit(Xs, ys, Xt)``),
seeds 0, 1, 2 (the split and the fit), scored on the target labels. Settings:
``noes50`` is 50 epochs without early stopping, ``default`` the library's
defaults (50 epochs at most, early stopping). ``--no-check`` fits with
``alignment_check=False`` (the behaviour before the check existed);
``alignment=None`` does not run the check, so the "after" file may skip it
(``--skip-source-only``). One JSON record per fit is appended to ``--out``.
torch and BLAS run on one thread.
"""

from __future__ import annotations

import argparse
import collections
import json
import time

import numpy as np

ALIGNMENTS = (None, "dann", "coral", "mmd")


def run(out, shifts, settings, check, skip_source_only):
    import torch
    from threadpoolctl import threadpool_limits

    from transferkit.datasets import load_digits_shift
    from transferkit.parameter import FineTuner

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1), open(out, "a") as f:
            for shift in shifts:
                for setting in settings:
                    for seed in (0, 1, 2):
                        Xs, ys, Xt, yt = load_digits_shift(shift, random_state=seed)
                        for alignment in ALIGNMENTS:
                            if alignment is None and skip_source_only:
                                continue
                            params = dict(
                                hidden_layer_sizes=(128, 64),
                                epochs=50,
                                early_stopping=setting != "noes50",
                                alignment=alignment,
                                random_state=seed,
                            )
                            if alignment is not None:
                                params["alignment_check"] = check
                            start = time.time()
                            model = FineTuner(**params).fit(Xs, ys, Xt)
                            report = model.alignment_report_
                            record = dict(
                                shift=shift,
                                setting=setting,
                                seed=seed,
                                alignment=alignment,
                                acc=float(model.score(Xt, yt)),
                                secs=round(time.time() - start, 1),
                                reverted=bool(report and report["vetoed"]),
                            )
                            f.write(json.dumps(record) + "\n")
                            f.flush()
    finally:
        torch.set_num_threads(threads)


def table(before, after):
    """Markdown: mean ± sd over seeds, before -> after, and the vetoes."""

    def load(path):
        cells = collections.defaultdict(dict)
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                key = (r["shift"], r["setting"], r["alignment"] or "none")
                cells[key][r["seed"]] = (100 * r["acc"], r.get("reverted", False))
        return cells

    old, new = load(before), load(after)
    lines = [
        "| shift | setting | source-only | DANN | Deep CORAL | DAN (MMD) |",
        "|---|---|---|---|---|---|",
    ]
    for shift, setting in sorted({k[:2] for k in old}):
        row = [shift, setting]
        base = old.get((shift, setting, "none"), {})
        row.append(_cell(base))
        for name in ("dann", "coral", "mmd"):
            b, a = old.get((shift, setting, name)), new.get((shift, setting, name))
            text = _cell(b) if b else "-"
            if a and len(a) == len(b or {}):
                vetoes = sum(v for _, v in a.values())
                text += f" → {_cell(a)}"
                if vetoes:
                    text += f" ({vetoes} vetoed)"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _cell(cells):
    values = [v for v, _ in cells.values()]
    if not values:
        return "-"
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.1f} ± {sd:.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out")
    parser.add_argument("--shifts", default="contrast,blur,rotate")
    parser.add_argument("--settings", default="noes50,default")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--skip-source-only", action="store_true")
    parser.add_argument("--table", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.table:
        print(table(*args.table))
        return
    if not args.out:
        parser.error("--out is needed to run the fits")
    run(
        args.out,
        args.shifts.split(","),
        args.settings.split(","),
        not args.no_check,
        args.skip_source_only,
    )


if __name__ == "__main__":
    main()
