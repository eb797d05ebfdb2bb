"""``finetune-images`` and ``predict-images``: from a folder of photos to labels.

``python -m transferkit finetune-images DIR --out MODEL`` fits linear probes
on the frozen features of three offline ImageNet backbones to the classes of
``DIR`` (one sub-folder per class), each probe's regularisation chosen by
cross-validation on the training photos only, and saves the average of their
probabilities (or, on request, one backbone). ``python -m transferkit
predict-images MODEL PATH...`` prints a label and its probability per image.
"""

from __future__ import annotations

import csv
import sys
import time

import numpy as np

__all__ = [
    "run_finetune_images",
    "run_predict_images",
    "load_image_model",
    "add_image_commands",
]

#: The backbones of ``--backbone auto`` and ``single``, the largest first.
BACKBONES = ("efficientnet_lite2", "efficientnet_lite1", "efficientnet_lite0")
#: What ``--backbone`` accepts.
BACKBONE_CHOICES = ("auto", "single") + BACKBONES


def add_image_commands(sub):
    """Register the two subcommands on an argparse subparsers object."""
    fine = sub.add_parser(
        "finetune-images",
        help="fit linear probes on ImageNet backbones to a folder of photos "
        "(one sub-folder per class)",
    )
    fine.add_argument("folder", help="folder with one sub-folder of photos per class")
    fine.add_argument("--out", required=True, help="file to save the model to")
    fine.add_argument(
        "--backbone",
        default="auto",
        choices=BACKBONE_CHOICES,
        help="auto (default): average the probabilities of the linear probes "
        "on EfficientNet-Lite0, 1 and 2; single: the one backbone of best CV "
        "accuracy; or one backbone by name",
    )
    fine.add_argument(
        "--strategy",
        default="auto",
        choices=("auto", "linear_probe", "lp_ft"),
        help="auto: linear probes, each C chosen by cross-validation; lp_ft: "
        "also fine-tune one backbone (with --backbone auto: the best by CV)",
    )
    fine.add_argument(
        "--epochs", type=int, default=5, help="fine-tuning epochs (lp_ft only)"
    )
    fine.add_argument("--cv", type=int, default=5, help="cross-validation folds")
    fine.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1, for a shared machine; on an idle one "
        "of your own give it its cores)",
    )
    fine.add_argument("--random-state", type=int, default=0)

    predict = sub.add_parser(
        "predict-images", help="label photos with a model from finetune-images"
    )
    predict.add_argument("model", help="a file written by finetune-images")
    predict.add_argument("paths", nargs="+", help="image files or folders")
    predict.add_argument(
        "--csv", action="store_true", help="CSV output: path,label,probability"
    )
    predict.add_argument("--threads", type=int, default=1, help="torch threads")


def _skip_reporter(warn):
    """``warn`` for the image readers: True warns, a stream gets one line each."""
    if hasattr(warn, "write"):

        def report(path, reason):
            print(f"skipped {path}: {reason}", file=warn)

        return report
    return warn


def _batched_with_progress(func, items, desc, batch_size=16):
    """``func`` over ``items`` batch by batch behind a bar on stderr, stacked."""
    from tqdm.auto import tqdm

    bar = tqdm(
        range(0, len(items), batch_size),
        desc=desc,
        unit="batch",
        file=sys.stderr,
        leave=False,
    )
    return np.concatenate([func(items[i : i + batch_size]) for i in bar])


def _check_threads(threads):
    if threads is not None and (
        not isinstance(threads, int) or isinstance(threads, bool) or threads < 1
    ):
        raise ValueError(f"threads must be a positive int or None, got {threads!r}")


def _print_cv(cv_results, out):
    for name, result in cv_results.items():
        for C in result.proba:
            print(
                f"  {name:<20} linear probe C={C:<5g} {result.n_splits}-fold CV "
                f"accuracy {100 * result.accuracy(C):5.1f} %",
                file=out,
            )


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
    threads=1,
):
    """Adapt pretrained backbones to the photos of ``folder``; save the model.

    Every candidate backbone encodes each photo once (its features are
    cached); each backbone's linear probe is cross-validated on those
    features for each ``C`` of
    :data:`transferkit.parameter._image_probes.PROBE_C_GRID` (0.01, 0.1, 1),
    on the same stratified
    folds of the training photos, and keeps its best ``C``. Then:

    - ``backbone="auto"`` (the default): the three probes are refitted on
      all photos and saved together as a
      :class:`~transferkit.parameter.ProbeEnsemble`, which predicts the mean
      of their class probabilities. On four photo sets (``benchmark
      images-rules``) this was the rule chosen leave-one-set-out; at 10
      and 40 photos per class it was 0.0 to 2.9 points above the best
      single backbone on three sets and 0.7 / 0.1 below it on ants vs
      bees (ImageNet photos, where Lite2 is clearly the best), while
      choosing one backbone by CV lost up to 2 points.
    - ``backbone="single"``: one backbone, the highest CV accuracy (ties
      to the larger, :data:`BACKBONES` order), as a
      :class:`~transferkit.parameter.FineTuner` linear probe; also what
      ``strategy="lp_ft"`` fine-tunes when ``backbone="auto"``.
    - a backbone name: that backbone only.

    With ``strategy="lp_ft"`` the single backbone is LP-FT-fine-tuned for
    ``epochs`` epochs with light augmentation. torch runs on ``threads``
    intra-op threads (None: torch's default), restored after.
    A file that is not a readable photo is skipped: with ``warn=True`` a
    ``UserWarning`` names it, with a stream (the command passes
    ``sys.stderr``) one line is printed to it.

    Returns
    -------
    summary : dict
        ``backbone`` (``"ensemble"`` or a name), ``members`` (``(name, C)``
        pairs), ``strategy``, ``probe_C`` (None for an ensemble),
        ``cv_accuracy`` (the kept model's out-of-fold accuracy),
        ``candidates`` (each backbone and C with its CV accuracy),
        ``seconds`` and ``model``.
    """
    from .parameter._torch import torch_threads

    _check_threads(threads)
    with torch_threads(threads):
        return _finetune_images(
            folder, out_path, backbone, strategy, epochs, cv, random_state, out, warn
        )


def _finetune_images(
    folder, out_path, backbone, strategy, epochs, cv, random_state, out, warn
):
    from .parameter import FineTuner, ImageFolder, ProbeEnsemble
    from .parameter._image_probes import (
        cross_validate_probes,
        ensemble_accuracy,
        select_members,
    )
    from .parameter.backbones import get_backbone
    from .utils._files import check_output_path

    if cv < 2:
        raise ValueError(f"--cv must be at least 2 (cross-validation folds), got {cv}.")
    if epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {epochs}.")
    check_output_path(out_path, "--out")  # before any work, not after it
    if backbone not in BACKBONE_CHOICES:
        raise ValueError(
            f"backbone must be one of {list(BACKBONE_CHOICES)}, got {backbone!r}"
        )
    out = sys.stdout if out is None else out
    start = time.perf_counter()
    data = ImageFolder(folder, warn=_skip_reporter(warn))
    paths, labels = list(data.paths), np.asarray(data.targets)
    counts = {c: int(np.sum(labels == c)) for c in data.classes}
    if min(counts.values()) < 2:
        raise ValueError(
            "finetune-images needs at least 2 photos per class to cross-validate; "
            f"the smallest class has {min(counts.values())}."
        )
    print(
        f"{len(paths)} photos in {len(data.classes)} classes "
        f"({', '.join(f'{c}: {n}' for c, n in counts.items())})"
        + (f"; {len(data.skipped_)} file(s) skipped" if data.skipped_ else ""),
        file=out,
    )
    names = BACKBONES if backbone in ("auto", "single") else (backbone,)
    models, features = {}, {}
    for name in names:
        models[name] = get_backbone(name)
        features[name] = _batched_with_progress(
            lambda batch, body=models[name]: body.encode(batch, cache=True),
            paths,
            f"{name} features",
        )
    ensemble = backbone == "auto" and strategy != "lp_ft"
    chosen_strategy = "lp_ft" if strategy == "lp_ft" else "linear_probe"
    if ensemble:
        final = ProbeEnsemble(
            backbones=tuple(models.values()), cv=cv, random_state=random_state
        )
        final.fit(paths, labels)
        cv_results = final.cv_results_
        members = list(final.probe_C_.items())
        cv_accuracy = ensemble_accuracy(cv_results, [n for n, _ in members])
    else:
        cv_results = cross_validate_probes(
            features, labels, cv=cv, random_state=random_state
        )
        members = select_members(cv_results, "best_cv")
        name, C = members[0]
        cv_accuracy = cv_results[name].accuracy(C)
    _print_cv(cv_results, out)
    if ensemble:
        print(
            "chosen: the mean of the three probes' probabilities ("
            + ", ".join(f"{n} C={C:g}" for n, C in members)
            + f"), CV accuracy {100 * cv_accuracy:.1f} %",
            file=out,
        )
    else:
        print(
            f"chosen: {name}, {chosen_strategy} (C={C:g}), CV accuracy "
            f"{100 * cv_accuracy:.1f} %",
            file=out,
        )
        if chosen_strategy == "linear_probe":
            final = FineTuner(
                module=models[name],
                strategy="linear_probe",
                probe_C=C,
                pretrain=False,
                copy=False,  # the probe reuses the cached features; body frozen
                random_state=random_state,
            )
        else:
            final = FineTuner(
                module=models[name],
                strategy="lp_ft",
                probe_C=C,
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
        "backbone": "ensemble" if ensemble else name,
        "members": members,
        "strategy": chosen_strategy,
        "probe_C": None if ensemble else C,
        "cv_accuracy": float(cv_accuracy),
        "candidates": [
            (n, C, r.accuracy(C)) for n, r in cv_results.items() for C in r.proba
        ],
        "seconds": seconds,
        "model": final,
    }


def load_image_model(path):
    """The model in a file of ``finetune-images``: a FineTuner or an ensemble.

    Parameters
    ----------
    path : str or path-like
        A file written by :meth:`FineTuner.save` or :meth:`ProbeEnsemble.save`.

    Returns
    -------
    model : FineTuner or ProbeEnsemble
    """

    from .parameter import FineTuner, ProbeEnsemble
    from .parameter._persistence import finetuner_from_payload, read_payload
    from .parameter._probe_ensemble import FORMAT

    payload = read_payload(path)
    if isinstance(payload, dict) and payload.get("format") == FORMAT:
        return ProbeEnsemble._from_payload(payload, path)
    return finetuner_from_payload(FineTuner, payload, path)


def run_predict_images(model_path, paths, as_csv=False, out=None, warn=True, threads=1):
    """Print ``path, label, probability`` for every image under ``paths``.

    Skipped files are reported as in :func:`run_finetune_images` (``warn``).
    """
    from .parameter import list_images
    from .parameter._torch import torch_threads

    _check_threads(threads)
    out = sys.stdout if out is None else out
    try:
        model = load_image_model(model_path)
    except ValueError as exc:
        raise ValueError(
            f"{str(exc).rstrip('.')}; usage: predict-images MODEL PATH... (the "
            "model first)."
        ) from exc
    from .parameter import FineTuner

    if isinstance(model, FineTuner) and (
        getattr(model.module, "input_kind", None) != "image"
    ):
        raise ValueError(
            f"{model_path!s} is not a model of photos (it was not written by "
            "finetune-images); predict-images needs one."
        )
    files = list_images(paths, warn=_skip_reporter(warn))
    if not files:
        raise ValueError(f"no readable image among {list(paths)}.")
    with torch_threads(threads):
        proba = _batched_with_progress(
            model.predict_proba, files, f"predicting {len(files)} photo(s)"
        )
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
