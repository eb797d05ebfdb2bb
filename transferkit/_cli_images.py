"""``finetune-images`` and ``predict-images``: from a folder of photos to labels.

``python -m transferkit finetune-images DIR --out MODEL`` adapts an offline
ImageNet backbone to the classes of ``DIR`` (one sub-folder per class), with
the backbone and the probe's regularisation chosen by cross-validation on the
training photos only, and saves the model. ``python -m transferkit
predict-images MODEL PATH...`` prints a label and its probability per image.
"""

from __future__ import annotations

import csv
import sys
import time

import numpy as np

__all__ = ["run_finetune_images", "run_predict_images", "add_image_commands"]

#: The backbones of ``--backbone auto``, the preferred (most accurate) first.
BACKBONES = ("efficientnet_lite2", "efficientnet_lite1", "efficientnet_lite0")
#: Inverse regularisation strengths of the linear probe tried by "auto".
PROBE_C_GRID = (0.01, 0.1, 1.0)


def add_image_commands(sub):
    """Register the two subcommands on an argparse subparsers object."""
    fine = sub.add_parser(
        "finetune-images",
        help="adapt an ImageNet backbone to a folder of photos (one sub-folder "
        "per class)",
    )
    fine.add_argument("folder", help="folder with one sub-folder of photos per class")
    fine.add_argument("--out", required=True, help="file to save the model to")
    fine.add_argument(
        "--backbone",
        default="auto",
        choices=("auto",) + BACKBONES,
        help="backbone (auto: Lite2 unless Lite1 or Lite0 cross-validates "
        "clearly better)",
    )
    fine.add_argument(
        "--strategy",
        default="auto",
        choices=("auto", "linear_probe", "lp_ft"),
        help="auto: the linear probe, its C and the backbone chosen by "
        "cross-validation; lp_ft: also fine-tune the chosen backbone",
    )
    fine.add_argument(
        "--epochs", type=int, default=5, help="fine-tuning epochs (lp_ft only)"
    )
    fine.add_argument("--cv", type=int, default=5, help="cross-validation folds")
    fine.add_argument("--random-state", type=int, default=0)

    predict = sub.add_parser(
        "predict-images", help="label photos with a model from finetune-images"
    )
    predict.add_argument("model", help="a file written by finetune-images")
    predict.add_argument("paths", nargs="+", help="image files or folders")
    predict.add_argument(
        "--csv", action="store_true", help="CSV output: path,label,probability"
    )


def _cross_validated_probe(features, labels, cv, random_state):
    """Per-photo out-of-fold correctness of the probe for each C of the grid."""
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    _, counts = np.unique(labels, return_counts=True)
    n_splits = int(min(cv, counts.min()))
    if n_splits < 2:
        raise ValueError(
            "finetune-images needs at least 2 photos per class to cross-validate; "
            f"the smallest class has {counts.min()}."
        )
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    scores = {}
    for C in PROBE_C_GRID:
        correct = np.zeros(labels.shape[0])
        for train, test in folds.split(features, labels):
            model = clone(LogisticRegression(C=C, max_iter=2000))
            model.fit(features[train], labels[train])
            correct[test] = model.predict(features[test]) == labels[test]
        scores[C] = correct
    return scores, n_splits


def choose_probe(features_by_backbone, labels, cv=5, random_state=0):
    """The (backbone, C) to use, from the linear probe's cross-validation.

    Each backbone's probe is cross-validated for every ``C`` of
    :data:`PROBE_C_GRID` (its best ``C`` by mean accuracy, ties to the
    smaller). The backbones are then compared with the negative-transfer
    guard's rule (:func:`transferkit.model_selection._guard.guarded_choice`):
    the first backbone given, the preferred one, is kept unless another beats
    it by more than one standard error of the paired per-photo difference.
    With a few photos per class the cross-validated accuracies differ by
    noise; :data:`BACKBONES` lists Lite2 first, the most accurate on ImageNet
    (Lite0 / 1 / 2 top-1: 75.1 / 76.7 / 77.6 %) and in the project's
    measurements on hymenoptera.

    Parameters
    ----------
    features_by_backbone : dict of str to ndarray of shape (n_photos, d)
        Each backbone's frozen features of the training photos, the
        preferred backbone first.
    labels : ndarray of shape (n_photos,)
    cv : int, default=5
        Stratified folds (at most the smallest class count).
    random_state : int, default=0
        Seed of the folds.

    Returns
    -------
    name : str
    C : float
    candidates : list of (name, C, per-photo out-of-fold correctness, n_folds)
    """
    from .model_selection._guard import guarded_choice

    candidates, best_per_backbone = [], {}
    for name, features in features_by_backbone.items():
        scores, n_splits = _cross_validated_probe(features, labels, cv, random_state)
        best_C = max(scores, key=lambda C: (scores[C].mean(), -C))
        best_per_backbone[name] = (best_C, scores[best_C])
        for C, correct in scores.items():
            candidates.append((name, C, correct, n_splits))
    names = list(best_per_backbone)
    chosen, _ = guarded_choice(
        {name: best_per_backbone[name][1] for name in names}, names[0]
    )
    return chosen, best_per_backbone[chosen][0], candidates


def _skip_reporter(warn):
    """``warn`` for the image readers: True warns, a stream gets one line each."""
    if hasattr(warn, "write"):

        def report(path, reason):
            print(f"skipped {path}: {reason}", file=warn)

        return report
    return warn


def _encode_with_progress(backbone, paths, out, batch_size=16):
    from tqdm.auto import tqdm

    chunks = []
    bar = tqdm(
        range(0, len(paths), batch_size),
        desc=f"{backbone.name} features",
        unit="batch",
        file=sys.stderr,
        leave=False,
    )
    for start in bar:
        chunks.append(backbone.encode(paths[start : start + batch_size], cache=True))
    return np.concatenate(chunks)


def _predict_with_progress(model, files, batch_size=16):
    """``model.predict_proba(files)``, batch by batch behind a bar on stderr."""
    from tqdm.auto import tqdm

    bar = tqdm(
        range(0, len(files), batch_size),
        desc=f"predicting {len(files)} photo(s)",
        unit="batch",
        file=sys.stderr,
        leave=False,
    )
    chunks = [model.predict_proba(files[i : i + batch_size]) for i in bar]
    return np.concatenate(chunks)


def run_finetune_images(
    folder,
    out_path,
    backbone="auto",
    strategy="auto",
    epochs=5,
    cv=5,
    random_state=0,
    out=None,
    warn=True,
):
    """Adapt a backbone to the photos of ``folder`` and save the model.

    Every candidate backbone encodes each photo once (its features are
    cached); the linear probe is cross-validated on those features for each
    ``C`` of :data:`PROBE_C_GRID` with stratified folds of the training
    photos; the best (backbone, C) by mean accuracy is refitted on all photos
    as a :class:`~transferkit.parameter.FineTuner` linear probe (from the
    cached features) or, with ``strategy="lp_ft"``, LP-FT-fine-tuned for
    ``epochs`` epochs with light augmentation. A file that is not a readable
    photo is skipped: with ``warn=True`` a ``UserWarning`` names it, with a
    stream (the command passes ``sys.stderr``) one line is printed to it.

    Returns
    -------
    summary : dict
        The choice, each candidate's cross-validated accuracy and the time.
    """
    from .parameter import FineTuner, ImageFolder
    from .parameter.backbones import get_backbone
    from .utils._files import check_output_path

    if cv < 2:
        raise ValueError(f"--cv must be at least 2 (cross-validation folds), got {cv}.")
    if epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {epochs}.")
    check_output_path(out_path, "--out")  # before any work, not after it
    out = sys.stdout if out is None else out
    start = time.perf_counter()
    data = ImageFolder(folder, warn=_skip_reporter(warn))
    paths, labels = list(data.paths), np.asarray(data.targets)
    counts = {c: int(np.sum(labels == c)) for c in data.classes}
    print(
        f"{len(paths)} photos in {len(data.classes)} classes "
        f"({', '.join(f'{c}: {n}' for c, n in counts.items())})"
        + (f"; {len(data.skipped_)} file(s) skipped" if data.skipped_ else ""),
        file=out,
    )
    names = BACKBONES if backbone == "auto" else (backbone,)
    models, features = {}, {}
    for name in names:
        models[name] = get_backbone(name)
        features[name] = _encode_with_progress(models[name], paths, out)
    best_name, best_C, candidates = choose_probe(features, labels, cv, random_state)
    for name, C, correct, n_splits in candidates:
        print(
            f"  {name:<20} linear probe C={C:<5g} {n_splits}-fold CV accuracy "
            f"{100 * correct.mean():5.1f} %",
            file=out,
        )
    best_correct = next(
        c for n, C, c, _ in candidates if n == best_name and C == best_C
    )
    chosen_strategy = "lp_ft" if strategy == "lp_ft" else "linear_probe"
    print(
        f"chosen: {best_name}, {chosen_strategy} (C={best_C:g}), CV accuracy "
        f"{100 * best_correct.mean():.1f} %",
        file=out,
    )
    module = models[best_name]
    if chosen_strategy == "linear_probe":
        final = FineTuner(
            module=module,
            strategy="linear_probe",
            probe_C=best_C,
            pretrain=False,
            copy=False,  # the probe reuses the cached features; the body is frozen
            random_state=random_state,
        )
    else:
        final = FineTuner(
            module=module,
            strategy="lp_ft",
            probe_C=best_C,
            pretrain=False,
            epochs=epochs,
            batch_size=16,
            lr=1e-4,
            augment=True,
            random_state=random_state,
            verbose=True,
        )
    final.fit(None, None, Xt=paths, yt=labels)
    final.save(out_path)
    seconds = time.perf_counter() - start
    print(f"saved {out_path} ({seconds:.0f} s)", file=out)
    return {
        "backbone": best_name,
        "strategy": chosen_strategy,
        "probe_C": best_C,
        "cv_accuracy": float(best_correct.mean()),
        "candidates": [(n, C, float(c.mean())) for n, C, c, _ in candidates],
        "seconds": seconds,
        "model": final,
    }


def run_predict_images(model_path, paths, as_csv=False, out=None, warn=True):
    """Print ``path, label, probability`` for every image under ``paths``.

    Skipped files are reported as in :func:`run_finetune_images` (``warn``).
    """
    from .parameter import FineTuner, list_images

    out = sys.stdout if out is None else out
    try:
        model = FineTuner.load(model_path)
    except ValueError as exc:
        raise ValueError(
            f"{str(exc).rstrip('.')}; usage: predict-images MODEL PATH... (the "
            "model first)."
        ) from exc
    if getattr(model.module, "input_kind", None) != "image":
        raise ValueError(
            f"{model_path!s} is not a model of photos (it was not written by "
            "finetune-images); predict-images needs one."
        )
    files = list_images(paths, warn=_skip_reporter(warn))
    if not files:
        raise ValueError(f"no readable image among {list(paths)}.")
    proba = _predict_with_progress(model, files)
    labels = model.classes_[proba.argmax(1)]
    rows = [
        (f, str(label), float(p.max())) for f, label, p in zip(files, labels, proba)
    ]
    if as_csv:
        writer = csv.writer(out)
        writer.writerow(["path", "label", "probability"])
        for f, label, p in rows:
            writer.writerow([f, label, f"{p:.4f}"])
    else:
        for f, label, p in rows:
            print(f"{f}\t{label}\t{p:.3f}", file=out)
    return rows
