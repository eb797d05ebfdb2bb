"""Relational transfer on IMDB, UW-CSE, Cora, Yeast and Twitter (TreeBoostler protocol).

Run with ``python -m transferkit benchmark relational --pair imdb:uwcse``
(``--pair all`` for the six pairs of the literature; ``SRC:TGT`` may name
folders in the fold layout), or ``python -m transferkit.benchmarks.relational``.

Protocol (the transfer experiment of TreeBoostler, Azevedo Santos et al.,
Machine Learning 2020): the source model is learnt on the whole source domain
(every mega-example); in the target, each fold trains on ONE mega-example and
tests on all the others; the numbers are means over the folds. Negatives are
the atoms of ``test_neg.txt``, all of them. ``recursion_<target>`` facts are
dropped (they copy the labels).
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from ._registry import BenchmarkTable, register

__all__ = ["run_relational", "PAIRS", "PUBLISHED"]

#: The six pairs of the literature.
PAIRS = (
    ("imdb", "uwcse"),
    ("uwcse", "imdb"),
    ("imdb", "cora"),
    ("cora", "imdb"),
    ("yeast", "twitter"),
    ("twitter", "yeast"),
)

#: See docs/references.md: (RDN-B from scratch AUC-ROC, AUC-PR), (best published
#: transfer, its AUC-ROC, AUC-PR), TreeBoostler's learning time (s).
PUBLISHED = {
    ("imdb", "uwcse"): ((0.940, 0.282), ("TreeBoostler", 0.939, 0.302), 4.8),
    ("uwcse", "imdb"): ((1.0, 1.0), ("TreeBoostler (ceiling)", 1.0, 1.0), 3.9),
    ("imdb", "cora"): ((0.558, 0.426), ("TransBoostler", 0.629, 0.571), 45.7),
    ("cora", "imdb"): ((1.0, 1.0), ("TreeBoostler (ceiling)", 1.0, 1.0), 4.3),
    ("yeast", "twitter"): ((0.990, 0.347), ("TransBoostler", 0.994, 0.399), 86.6),
    ("twitter", "yeast"): ((0.926, 0.230), ("TransBoostler", 0.986, 0.283), 35.0),
}


class RelationalTable(BenchmarkTable):
    """A :class:`BenchmarkTable` whose JSON also has the per-pair records."""

    def __init__(self, *args, pairs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairs = pairs or []

    def to_markdown(self, digits=3):
        """Markdown with three decimals (AUCs differ in the second)."""
        return super().to_markdown(digits=digits)

    def to_dict(self):
        out = super().to_dict()
        out["pairs"] = self.pairs
        return out


def _name(domain):
    return str(domain).rstrip("/").split("/")[-1]


def _parse_pairs(pair):
    if pair in (None, "all"):
        return list(PAIRS)
    out = []
    for item in str(pair).split(","):
        if ":" not in item:
            raise ValueError(f"--pair takes SRC:TGT (or 'all'), got {item!r}")
        src, tgt = item.split(":", 1)
        out.append((src, tgt))
    return out


def run_pair(
    source,
    target,
    data_home=None,
    folds=None,
    max_path_length=3,
    few_labels=(5, 10, 25),
    random_state=0,
    verbose=False,
):
    """Transfer ``source`` -> ``target`` over the target folds.

    Returns
    -------
    record : dict
        ``"transfer"`` and ``"target_only"`` (each ``auc_roc``, ``auc_pr``,
        ``cll``, ``mapping``, ``seconds``, per-fold lists), ``"few_labels"``.
    """
    from ..datasets import load_relational
    from ..relational import (
        MapAndRevise,
        RelationalPathClassifier,
        auc_pr,
        auc_roc,
        conditional_log_likelihood,
    )

    src = load_relational(source, data_home=data_home)
    t0 = time.perf_counter()
    src_model = RelationalPathClassifier(max_path_length).fit(src.X, src.y)
    source_seconds = time.perf_counter() - t0
    target_folds = _target_folds(target, data_home)
    if folds is not None:
        target_folds = [k for k in target_folds if k in set(folds)]
    rows = {"transfer": [], "target_only": []}
    few = {n: {"transfer": [], "target_only": []} for n in few_labels}
    mappings = []
    for k in target_folds:
        tgt = load_relational(target, fold=k, data_home=data_home)
        t0 = time.perf_counter()
        model = MapAndRevise(source_estimator=src_model, random_state=random_state)
        model.fit(src.X, src.y, tgt.X_train, tgt.y_train)
        seconds = time.perf_counter() - t0
        p = model.predict_proba(tgt.X_test)[:, 1]
        rows["transfer"].append(
            _metrics(
                tgt.y_test,
                p,
                seconds,
                model.mapping_seconds_,
                auc_roc,
                auc_pr,
                conditional_log_likelihood,
            )
            | {"chosen": model.transfer_report_["chosen"]}
        )
        mappings.append(model.mapping_str_)
        t0 = time.perf_counter()
        base = RelationalPathClassifier(max_path_length).fit(tgt.X_train, tgt.y_train)
        seconds = time.perf_counter() - t0
        p = base.predict_proba(tgt.X_test)[:, 1]
        rows["target_only"].append(
            _metrics(
                tgt.y_test, p, seconds, 0.0, auc_roc, auc_pr, conditional_log_likelihood
            )
        )
        for n in few_labels:
            idx = _few(tgt.y_train, n, random_state + k)
            if idx is None:
                continue
            sub, ysub = tgt.X_train[idx], tgt.y_train[idx]
            m = MapAndRevise(
                source_estimator=src_model,
                mapping=model.mapping_,
                random_state=random_state,
            ).fit(src.X, src.y, sub, ysub)
            few[n]["transfer"].append(
                auc_roc(tgt.y_test, m.predict_proba(tgt.X_test)[:, 1])
            )
            b = RelationalPathClassifier(max_path_length).fit(sub, ysub)
            few[n]["target_only"].append(
                auc_roc(tgt.y_test, b.predict_proba(tgt.X_test)[:, 1])
            )
    mapping = Counter(mappings).most_common(1)[0][0] if mappings else None
    out = {"source": _name(source), "target": _name(target), "folds": target_folds}
    for name, rs in rows.items():
        out[name] = {
            "auc_roc": float(np.mean([r["auc_roc"] for r in rs])),
            "auc_pr": float(np.mean([r["auc_pr"] for r in rs])),
            "cll": float(np.mean([r["cll"] for r in rs])),
            "mapping": mapping if name == "transfer" else None,
            "seconds": float(np.mean([r["seconds"] for r in rs])),
            "mapping_seconds": float(np.mean([r["mapping_seconds"] for r in rs])),
            "per_fold": rs,
        }
    out["transfer"]["mappings_per_fold"] = mappings
    out["source_seconds"] = source_seconds
    out["few_labels"] = {
        str(n): {k: (float(np.mean(v)) if v else None) for k, v in d.items()}
        for n, d in few.items()
    }
    return out


def _metrics(y, p, seconds, mapping_seconds, auc_roc, auc_pr, cll):
    return {
        "auc_roc": auc_roc(y, p),
        "auc_pr": auc_pr(y, p),
        "cll": cll(y, p),
        "seconds": seconds,
        "mapping_seconds": mapping_seconds,
    }


def _few(y, n, seed):
    """``n`` labelled atoms with at least one of each class (None if impossible)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(pos) < 1 or len(neg) < 1 or n < 2:
        return None
    n_pos = max(1, min(len(pos), int(round(n * max(y.mean(), 0.2)))))
    n_neg = min(len(neg), n - n_pos)
    idx = np.r_[
        rng.choice(pos, n_pos, replace=False), rng.choice(neg, n_neg, replace=False)
    ]
    return np.sort(idx)


def _target_folds(target, data_home):
    from ..datasets._relational import _fold_folders

    return sorted(_fold_folders(target, data_home))


@register("relational", "relational transfer (TreeBoostler protocol): AUC-ROC/PR, CLL")
def run_relational(pair="imdb:uwcse", data_home=None, folds=None, max_path_length=3):
    """Relational transfer on the pairs of ``pair`` (``"all"`` for the six).

    Parameters
    ----------
    pair : str, default="imdb:uwcse"
        ``"SRC:TGT"`` (comma-separated for several), or ``"all"``; a domain is
        a name of the data folder or the path of a folder in the fold layout.
    data_home : str, default=None
        Data folder; else ``TRANSFERKIT_DATA``.
    folds : sequence of int, default=None
        Target folds to run (all by default).
    max_path_length : int, default=3
        Of the relational path learner.

    Returns
    -------
    tables : list of BenchmarkTable
        One table: per pair, transfer and target-only beside the published
        RDN-B and best transfer.
    """
    # POT imports torch, once per process: not part of any pair's time.
    try:
        import ot  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    from threadpoolctl import threadpool_limits

    records = []
    with threadpool_limits(limits=1):  # timings on one thread, comparable
        for src, tgt in _parse_pairs(pair):
            records.append(run_pair(src, tgt, data_home, folds, max_path_length))
    columns = ["AUC-ROC", "AUC-PR", "CLL", "mapping + learning (s)", "mapping"]
    table = RelationalTable(
        "Relational transfer, train on one target mega-example, test on the rest",
        columns,
        pairs=records,
        notes=(
            "Means over the target folds. transferkit rows measured here (source "
            "model learnt once on the whole source domain, not timed); published "
            "rows from the references page, docs/references.md (TreeBoostler's "
            "learning time in brackets). "
            "Negatives: every atom of test_neg.txt."
        ),
    )
    for rec in records:
        key = (rec["source"], rec["target"])
        head = f"{rec['source']}→{rec['target']}"
        t, o = rec["transfer"], rec["target_only"]
        table.add_row(
            f"{head} MapAndRevise",
            [t["auc_roc"], t["auc_pr"], t["cll"], t["seconds"], t["mapping"]],
        )
        table.add_row(
            f"{head} target-only paths",
            [o["auc_roc"], o["auc_pr"], o["cll"], o["seconds"], None],
        )
        if key in PUBLISHED:
            (rr, rp), (name, br, bp), secs = PUBLISHED[key]
            table.add_row(f"{head} RDN-B (published)", [rr, rp, None, None, None])
            table.add_row(
                f"{head} {name} (published)", [br, bp, None, f"[{secs}]", None]
            )
        for n, d in rec["few_labels"].items():
            table.add_row(
                f"{head} {n} labels: transfer / target-only AUC-ROC",
                [d["transfer"], d["target_only"], None, None, None],
            )
    return [table]


def main(argv=None):
    """``python -m transferkit.benchmarks.relational --pair SRC:TGT [--json]``."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m transferkit.benchmarks.relational")
    parser.add_argument("--pair", default="imdb:uwcse")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data-home")
    parser.add_argument("--folds", help="comma-separated target folds")
    args = parser.parse_args(argv)
    folds = None if not args.folds else [int(f) for f in args.folds.split(",")]
    tables = run_relational(args.pair, args.data_home, folds)
    if args.json:
        print(json.dumps([t.to_dict() for t in tables], indent=2))
    else:
        print("\n\n".join(t.to_markdown(digits=3) for t in tables))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
