"""Few-shot newsgroups and cross-topic transfer with the MiniLM backbone.

Run with ``TRANSFERKIT_DATA=../shared/data python -m transferkit benchmark
text-finetune``. Needs ``pip install "transferkit[text]"``. Sized for a CPU:
MiniLM runs at a few to a few tens of documents per second on one thread,
so the documents are subsampled (the sizes are parameters and are printed
under each table).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._registry import BenchmarkTable, register

__all__ = [
    "FEW_SHOT_GROUPS",
    "PROJECT_REFERENCE",
    "few_shot_scores",
    "cross_topic_scores",
    "text_finetune_benchmark",
]

#: The ten newsgroups of the few-shot task: every other group of the twenty,
#: in ``NEWSGROUPS`` order, so that every top-level category is represented.
FEW_SHOT_GROUPS = (
    "alt.atheism",
    "comp.os.ms-windows.misc",
    "comp.sys.mac.hardware",
    "misc.forsale",
    "rec.motorcycles",
    "rec.sport.hockey",
    "sci.electronics",
    "sci.space",
    "talk.politics.guns",
    "talk.politics.misc",
)

#: Accuracy (%) measured earlier for this project (docs/references.md, 10 classes,
#: 8 labels per class; its ten groups are not recorded there).
PROJECT_REFERENCE = {
    "TF-IDF + LR": 39.6,
    "frozen MiniLM + LR": 63.2,
    "FineTuner(minilm(), 'lp_ft')": 65.5,
}


def _tfidf_lr():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return make_pipeline(
        TfidfVectorizer(sublinear_tf=True), LogisticRegression(C=10.0, max_iter=2000)
    )


def _per_class(labels, n, rng):
    """Sorted indices of ``n`` items per class (all of a smaller class)."""
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        chosen.append(rng.choice(members, size=min(n, members.size), replace=False))
    return np.sort(np.concatenate(chosen))


def _single_thread():
    import contextlib

    import torch
    from threadpoolctl import threadpool_limits

    @contextlib.contextmanager
    def pinned():
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(1):
                yield
        finally:
            torch.set_num_threads(before)

    return pinned()


def few_shot_scores(
    data_home=None,
    groups=FEW_SHOT_GROUPS,
    shots=(8, 32),
    repeats=5,
    pool_per_class=40,
    test_per_class=20,
    finetuner_repeats=2,
    lp_ft_repeats=1,
    lp_ft_shots=(8,),
    lp_ft_epochs=3,
    lp_ft_lr=5e-5,
):
    """Accuracy of each row on the few-shot newsgroups task.

    A fixed pool of ``pool_per_class`` training documents per group and a
    fixed test set of ``test_per_class`` test documents per group are drawn
    once (``default_rng(0)``); draw ``r`` takes ``k`` pool documents per group
    with ``default_rng(r)``. Rows: TF-IDF + LR; frozen MiniLM features + LR
    (``C=1``, the features computed once for pool and test); the FineTuner
    linear probe ``FineTuner(minilm(), strategy="linear_probe",
    pretrain=False)`` (first ``finetuner_repeats`` draws: its predictions
    run MiniLM on the test documents again); a short LP-FT (``lp_ft_epochs``
    epochs at ``lp_ft_lr``, batch 16, no early stopping; first
    ``finetuner_repeats`` draws, ``lp_ft_shots`` only).

    Returns
    -------
    result : dict
        ``"scores"``: ``{(row, k): [accuracy per draw]}``; ``"seconds"``:
        ``{row: mean seconds per fit and score}``; ``"sizes"``.
    """
    from ..datasets import load_newsgroups
    from ..parameter import FineTuner
    from ..parameter.backbones import minilm

    groups = list(groups)
    texts, labels = load_newsgroups("train", groups=groups, data_home=data_home)
    test_texts, test_labels = load_newsgroups(
        "test", groups=groups, data_home=data_home
    )
    rng = np.random.default_rng(0)
    pool = _per_class(labels, pool_per_class, rng)
    test = _per_class(test_labels, test_per_class, rng)
    pool_texts = [texts[i] for i in pool]
    pool_labels = labels[pool]
    test_texts = [test_texts[i] for i in test]
    test_labels = test_labels[test]
    scores, seconds = {}, {}

    def record(row, k, accuracy, elapsed):
        scores.setdefault((row, k), []).append(float(accuracy))
        seconds.setdefault(row, []).append(elapsed)

    with _single_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        backbone = minilm()
        start = time.perf_counter()
        pool_features = backbone.encode(pool_texts)
        test_features = backbone.encode(test_texts)
        encode_seconds = time.perf_counter() - start
        for k in shots:
            for draw in range(repeats):
                chosen = _per_class(pool_labels, k, np.random.default_rng(draw))
                train_texts = [pool_texts[i] for i in chosen]
                train_labels = pool_labels[chosen]
                start = time.perf_counter()
                model = _tfidf_lr().fit(train_texts, train_labels)
                accuracy = model.score(test_texts, test_labels)
                record("TF-IDF + LR", k, accuracy, time.perf_counter() - start)
                start = time.perf_counter()
                probe = LogisticRegression(C=1.0, max_iter=1000)
                probe.fit(pool_features[chosen], train_labels)
                accuracy = probe.score(test_features, test_labels)
                record("frozen MiniLM + LR", k, accuracy, time.perf_counter() - start)
                if draw >= finetuner_repeats:
                    continue
                # copy=False: the linear probe leaves the body as it is, so the
                # shared backbone's feature cache serves the training texts.
                start = time.perf_counter()
                model = FineTuner(
                    backbone,
                    strategy="linear_probe",
                    pretrain=False,
                    copy=False,
                    random_state=draw,
                )
                model.fit(None, None, Xt=train_texts, yt=train_labels)
                accuracy = model.score(test_texts, test_labels)
                record(
                    "FineTuner(minilm(), 'linear_probe')",
                    k,
                    accuracy,
                    time.perf_counter() - start,
                )
                if k not in lp_ft_shots or draw >= lp_ft_repeats:
                    continue
                start = time.perf_counter()
                model = FineTuner(
                    backbone,
                    strategy="lp_ft",
                    pretrain=False,
                    epochs=lp_ft_epochs,
                    lr=lp_ft_lr,
                    batch_size=16,
                    early_stopping=False,
                    random_state=draw,
                )
                model.fit(None, None, Xt=train_texts, yt=train_labels)
                accuracy = model.score(test_texts, test_labels)
                record(
                    "FineTuner(minilm(), 'lp_ft')",
                    k,
                    accuracy,
                    time.perf_counter() - start,
                )
    return {
        "scores": scores,
        "seconds": {row: float(np.mean(v)) for row, v in seconds.items()},
        "encode_seconds": encode_seconds,
        "sizes": {"pool": len(pool_texts), "test": len(test_texts)},
    }


def cross_topic_scores(
    data_home=None,
    pairs=("rec vs talk", "rec vs sci", "sci vs talk"),
    n_source=150,
    n_target=150,
    cv=5,
):
    """Accuracy on the target of each cross-topic task, source labels only.

    ``n_source`` source and ``n_target`` target documents (half per class)
    are drawn with ``default_rng(0)`` from ``make_cross_topic_split(pair)``
    (Dai et al.'s lists, the whole bydate collection). Rows: TF-IDF + LR
    source only; frozen MiniLM + LR source only (features standardised with
    the source statistics); the same with CORAL
    (:class:`transferkit.feature.CORAL`, ``reg=1``) recolouring the
    standardised source features to the target covariance; the FineTuner
    linear probe fitted on the source texts; and, as in-domain references,
    TF-IDF + LR and frozen MiniLM + LR cross-validated (``cv`` folds) on the
    target's own labels.

    Returns
    -------
    result : dict
        ``"scores"``: ``{(row, pair): accuracy}``; ``"seconds"``.
    """
    from ..parameter.backbones import minilm
    from ._text_splits import make_cross_topic_split

    scores, seconds = {}, {}
    with _single_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        backbone = minilm()
        for pair in pairs:
            texts_s, ys, texts_t, yt = make_cross_topic_split(pair, data_home=data_home)
            rng = np.random.default_rng(0)
            src = _per_class(ys, n_source // 2, rng)
            tgt = _per_class(yt, n_target // 2, rng)
            source = ([texts_s[i] for i in src], ys[src])
            target = ([texts_t[i] for i in tgt], yt[tgt])
            for row, (accuracy, elapsed) in _cross_topic_rows(
                backbone, source, target, cv
            ).items():
                scores[row, pair] = accuracy
                seconds.setdefault(row, []).append(elapsed)
    return {
        "scores": scores,
        "seconds": {row: float(np.mean(v)) for row, v in seconds.items()},
    }


def _cross_topic_rows(backbone, source, target, cv):
    """``{row: (accuracy, seconds)}`` on one cross-topic task."""
    from ..feature import CORAL
    from ..parameter import FineTuner

    (texts_s, ys), (texts_t, yt) = source, target
    out = {}
    clock = time.perf_counter

    start = clock()
    accuracy = _tfidf_lr().fit(texts_s, ys).score(texts_t, yt)
    out["TF-IDF + LR, source only"] = (accuracy, clock() - start)

    start = clock()
    fs, ft = backbone.encode(texts_s), backbone.encode(texts_t)
    out["MiniLM encoding (both domains)"] = (float("nan"), clock() - start)
    scaler = StandardScaler().fit(fs)
    zs, zt = scaler.transform(fs), scaler.transform(ft)

    start = clock()
    accuracy = LogisticRegression(C=1.0, max_iter=1000).fit(zs, ys).score(zt, yt)
    out["frozen MiniLM + LR, source only"] = (accuracy, clock() - start)

    start = clock()
    recoloured = CORAL(reg=1.0).fit_transform(zs, ys, zt)
    probe = LogisticRegression(C=1.0, max_iter=1000).fit(recoloured, ys)
    out["frozen MiniLM + CORAL + LR"] = (probe.score(zt, yt), clock() - start)

    start = clock()
    model = FineTuner(
        backbone, strategy="linear_probe", pretrain=False, copy=False, random_state=0
    )
    accuracy = model.fit(texts_s, ys).score(texts_t, yt)
    out["FineTuner(minilm(), 'linear_probe') on the source"] = (
        accuracy,
        clock() - start,
    )

    folds = StratifiedKFold(cv, shuffle=True, random_state=0)
    start = clock()
    accuracy = cross_val_score(_tfidf_lr(), texts_t, yt, cv=folds).mean()
    out["TF-IDF + LR, target only (CV)"] = (accuracy, clock() - start)
    start = clock()
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    accuracy = cross_val_score(pipeline, ft, yt, cv=folds).mean()
    out["frozen MiniLM + LR, target only (CV)"] = (accuracy, clock() - start)
    return {row: (float(a), float(t)) for row, (a, t) in out.items()}


def _cell(values):
    values = 100 * np.asarray(values)
    if values.size == 1:
        return f"{values[0]:.1f}"
    return f"{values.mean():.1f} ± {values.std():.1f}"


@register(
    "text-finetune",
    "Few-shot newsgroups and cross-topic transfer with MiniLM, FineTuner and "
    "TF-IDF (accuracy %)",
)
def text_finetune_benchmark(
    data_home=None,
    repeats=5,
    shots=(8, 32),
    pool_per_class=40,
    test_per_class=20,
    finetuner_repeats=2,
    lp_ft_repeats=1,
    n_cross_topic=100,
):
    """Few-shot 10-group newsgroups and the cross-topic tasks, accuracy %.

    See :func:`few_shot_scores` and :func:`cross_topic_scores` for the
    protocol. BLAS and torch run on one thread.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``.
    repeats : int, default=5
        Draws per k (TF-IDF and frozen MiniLM + LR).
    shots : tuple of int, default=(8, 32)
        Labelled documents per group.
    pool_per_class, test_per_class : int, default=40, 20
        Sizes of the training pool and of the test set, per group.
    finetuner_repeats : int, default=2
        Draws run through the FineTuner linear probe (each re-encodes the
        test documents).
    lp_ft_repeats : int, default=1
        Draws run through LP-FT (k = 8 only).
    n_cross_topic : int, default=150
        Source and target documents per cross-topic task.

    Returns
    -------
    tables : list of BenchmarkTable
    """
    start = time.perf_counter()
    few = few_shot_scores(
        data_home=data_home,
        shots=shots,
        repeats=repeats,
        pool_per_class=pool_per_class,
        test_per_class=test_per_class,
        finetuner_repeats=finetuner_repeats,
        lp_ft_repeats=lp_ft_repeats,
    )
    few_seconds = time.perf_counter() - start
    rows = [
        "TF-IDF + LR",
        "frozen MiniLM + LR",
        "FineTuner(minilm(), 'linear_probe')",
        "FineTuner(minilm(), 'lp_ft')",
    ]
    table = BenchmarkTable(
        title=f"Newsgroups, {len(FEW_SHOT_GROUPS)} groups, k labelled documents "
        "per group: accuracy (%) on the test documents",
        columns=[f"k = {k}" for k in shots] + ["s / fit", "earlier (k = 8)"],
    )
    for row in rows:
        table.add_row(
            row,
            [
                _cell(few["scores"][row, k]) if (row, k) in few["scores"] else None
                for k in shots
            ]
            + [f"{few['seconds'][row]:.1f}", PROJECT_REFERENCE.get(row)],
        )
    table.notes = (
        f"Groups: {', '.join(FEW_SHOT_GROUPS)}. Pool {few['sizes']['pool']} "
        f"training documents, test {few['sizes']['test']} documents, both fixed; "
        f"{repeats} draws of k per group for TF-IDF and frozen MiniLM + LR, the "
        f"first {finetuner_repeats} draws for the FineTuner linear probe and the "
        f"first {lp_ft_repeats} for LP-FT: 3 epochs, "
        "lr 5e-5, batch 16, no early stopping, k = 8 only (an explicit variant: "
        "the defaults, 50 epochs at 1e-3, are for small MLPs). MiniLM "
        "max_length 128. TF-IDF: sublinear tf, LR C=10; MiniLM + LR: C=1 "
        "(FineTuner's probe). Encoding pool and test once took "
        f"{few['encode_seconds']:.0f} s; whole table {few_seconds:.0f} s, one "
        "thread, shared 2-core machine. 'earlier': the references page, "
        "docs/references.md (other groups)."
    )
    start = time.perf_counter()
    cross = cross_topic_scores(
        data_home=data_home, n_source=n_cross_topic, n_target=n_cross_topic
    )
    cross_seconds = time.perf_counter() - start
    pairs = ("rec vs talk", "rec vs sci", "sci vs talk")
    cross_table = BenchmarkTable(
        title="Cross-topic transfer (Dai et al. 2007 splits): accuracy (%) on the "
        "target",
        columns=list(pairs) + ["s / pair"],
    )
    cross_rows = [
        "TF-IDF + LR, source only",
        "frozen MiniLM + LR, source only",
        "frozen MiniLM + CORAL + LR",
        "FineTuner(minilm(), 'linear_probe') on the source",
        "TF-IDF + LR, target only (CV)",
        "frozen MiniLM + LR, target only (CV)",
    ]
    for row in cross_rows:
        cross_table.add_row(
            row,
            [_cell([cross["scores"][row, pair]]) for pair in pairs]
            + [f"{cross['seconds'][row]:.1f}"],
        )
    cross_table.notes = (
        f"{n_cross_topic} source and {n_cross_topic} target documents per task, "
        "half per class, drawn once (seed 0). MiniLM features standardised "
        "with the source statistics; CORAL reg=1. Target-only rows: 5-fold CV "
        "on the target sample (in-domain reference, uses target labels). "
        "Encoding both domains: "
        f"{cross['seconds']['MiniLM encoding (both domains)']:.0f} s per task; "
        f"whole table {cross_seconds:.0f} s."
    )
    return [table, cross_table]
