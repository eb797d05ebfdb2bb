"""The ``python -m transferkit`` command line: demo, benchmark, version."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import time
import warnings

import numpy as np

from ._version import __version__

FAMILIES = ("transferkit.instance", "transferkit.feature")


def _available_estimators():
    """(name, class) of every public transfer estimator, family by family."""
    from sklearn.base import BaseEstimator

    found = []
    for family in FAMILIES:
        module = importlib.import_module(family)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found.append((name, obj))
    return found


def _uses_target_labels(estimator):
    return bool(estimator.get_metadata_routing().fit.requests.get("yt"))


def _build(cls, classifier):
    """``(model, uses_yt)`` ready to classify digits, or None if it cannot."""
    from sklearn.base import TransformerMixin, is_regressor

    from .pipeline import make_transfer_pipeline

    params = inspect.signature(cls).parameters
    kwargs = {}
    if "estimator" in params:
        kwargs["estimator"] = classifier
    if "random_state" in params:
        kwargs["random_state"] = 0
    estimator = cls(**kwargs)
    if is_regressor(estimator):
        return None
    uses_yt = _uses_target_labels(estimator)
    if isinstance(estimator, TransformerMixin) and not hasattr(estimator, "predict"):
        return make_transfer_pipeline(estimator, classifier), uses_yt
    return estimator, uses_yt


def run_demo(shift="blur", n_labelled_per_class=2, random_state=0, out=None):
    """Fit source-only, a target-only oracle and every transfer estimator.

    Data: :func:`transferkit.datasets.load_digits_shift`. Every method is
    scored on the same target rows: the target minus ``n_labelled_per_class``
    labelled rows per class, which only methods that use ``yt`` see.

    Returns
    -------
    rows : list of (method, accuracy, seconds, error)
    """
    out = sys.stdout if out is None else out
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from threadpoolctl import threadpool_limits

    from .datasets import load_digits_shift

    Xs, ys, Xt, yt = load_digits_shift(shift, random_state=random_state)
    rng = np.random.RandomState(random_state)
    labelled = np.concatenate(
        [
            rng.choice(np.flatnonzero(yt == c), n_labelled_per_class, replace=False)
            for c in np.unique(yt)
        ]
    )
    test = np.setdiff1d(np.arange(len(yt)), labelled)
    classifier = LogisticRegression(max_iter=2000)
    rows = []

    def timed(label, func):
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                accuracy = func()
        except Exception as exc:  # a failing method is reported, not hidden
            rows.append((label, None, time.perf_counter() - start, repr(exc)))
            return
        rows.append((label, 100.0 * accuracy, time.perf_counter() - start, ""))

    with threadpool_limits(1):
        timed(
            "source only",
            lambda: clone(classifier).fit(Xs, ys).score(Xt[test], yt[test]),
        )
        timed(
            "target only (oracle, 5-fold CV on all target labels)",
            lambda: cross_val_score(clone(classifier), Xt, yt, cv=5).mean(),
        )
        for name, cls in _available_estimators():
            built = _build(cls, clone(classifier))
            if built is None:
                continue

            def fit_score(model=built[0], uses_yt=built[1]):
                if uses_yt:
                    model.fit(Xs, ys, Xt=Xt[labelled], yt=yt[labelled])
                else:
                    model.fit(Xs, ys, Xt=Xt)
                return model.score(Xt[test], yt[test])

            timed(name, fit_score)

    print(
        f"transferkit {__version__} demo: digits, target shift = {shift!r}; "
        f"{len(ys)} source rows, {len(test)} target test rows; methods that "
        f"use target labels get {len(labelled)} of them.",
        file=out,
    )
    print("", file=out)
    baseline = rows[0][1]
    print("| method | target accuracy (%) | vs source only | fit seconds |", file=out)
    print("|---|---|---|---|", file=out)
    for label, accuracy, seconds, error in rows:
        if accuracy is None:
            shown, delta = f"failed: {error}", ""
        else:
            shown, delta = f"{accuracy:.1f}", f"{accuracy - baseline:+.1f}"
        print(f"| {label} | {shown} | {delta} | {seconds:.2f} |", file=out)
    print(
        "\nA negative difference is negative transfer: on this shift that method "
        "does worse than ignoring the target.",
        file=out,
    )
    return rows


def run_benchmark(name, as_json=False, out=None, **options):
    """Run a registered benchmark and print its tables."""
    out = sys.stdout if out is None else out
    from .benchmarks import get_benchmark
    from .benchmarks._registry import accepted_options

    func = get_benchmark(name)
    accepted = accepted_options(func)
    unknown = sorted(
        k for k, v in options.items() if v is not None and k not in accepted
    )
    if unknown:
        raise ValueError(f"benchmark {name!r} takes no option(s) {unknown}")
    kwargs = {k: v for k, v in options.items() if v is not None}
    tables = func(**kwargs)
    if as_json:
        print(json.dumps([t.to_dict() for t in tables], indent=2), file=out)
    else:
        print("\n\n".join(t.to_markdown() for t in tables), file=out)
    return tables


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m transferkit",
        description="transferkit: transfer learning with a scikit-learn contract.",
    )
    parser.add_argument(
        "--version", action="version", version=f"transferkit {__version__}"
    )
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="compare every estimator on the digits shift")
    demo.add_argument("--shift", default="blur", help="digits shift (default: blur)")
    demo.add_argument("--random-state", type=int, default=0)

    bench = sub.add_parser("benchmark", help="run a named benchmark")
    bench.add_argument("name", nargs="?", help="benchmark name (see --list)")
    bench.add_argument("--list", action="store_true", help="list the benchmarks")
    bench.add_argument("--json", action="store_true", help="print JSON, not Markdown")
    bench.add_argument("--family", help="estimator family (feature, instance, all)")
    bench.add_argument("--features", help="feature set, where a benchmark has several")
    bench.add_argument("--repeats", type=int, help="number of random repeats")
    bench.add_argument(
        "--n-estimators", type=int, help="boosting rounds, where a benchmark boosts"
    )
    bench.add_argument("--data-home", help="data folder (else TRANSFERKIT_DATA)")
    bench.add_argument("--save", help="also write the Markdown tables to this file")
    bench.add_argument(
        "--plot", help="also draw the tables as bars into this image file (matplotlib)"
    )
    bench.add_argument(
        "--pair", help="relational: SRC:TGT[,SRC:TGT] (names or folders) or 'all'"
    )
    bench.add_argument(
        "--shifts", help="digits-finetune: comma-separated digits shifts"
    )
    bench.add_argument(
        "--protocol",
        help="selection: 'leave-one-family-out' chooses the rule without each "
        "family and writes benchmarks/results/selection_lofo.md",
    )
    bench.add_argument(
        "--sets", help="images-rules: comma-separated photo sets under images/"
    )
    bench.add_argument(
        "--feature-cache",
        help="image benchmarks: folder that keeps frozen features between runs",
    )
    bench.add_argument(
        "--n-jobs",
        type=int,
        help="parallel jobs (joblib) for the benchmark's tasks and repeats, "
        "where it runs them in parallel; -1: all cores",
    )

    from ._cli_images import add_image_commands

    add_image_commands(sub)
    return parser


#: Mistakes of the user that :func:`main` reports as one line and exit status
#: 2, not a traceback: an unknown benchmark or shift, a bad option value
#: (KeyError, ValueError), a path that is missing, a folder, or not writable
#: (OSError), and a missing optional dependency (ImportError).
_USER_ERRORS = (KeyError, ValueError, OSError, ImportError)


def _is_internal_import_error(exc):
    """An ImportError of transferkit's own modules is a bug, not a missing extra."""
    name = getattr(exc, "name", None) or ""
    return isinstance(exc, ImportError) and (
        name == "transferkit" or name.startswith("transferkit.")
    )


def main(argv=None):
    """Run the command line; a user mistake prints its message and returns 2."""
    try:
        return _main(argv)
    except _USER_ERRORS as exc:
        if _is_internal_import_error(exc):
            raise
        if isinstance(exc, OSError) and exc.filename is not None:
            message = f"{exc.strerror or exc}: {exc.filename!r}"
        else:
            message = exc.args[0] if len(exc.args) == 1 else str(exc)
        message = " ".join(str(message).split())  # one line
        print(f"python -m transferkit: error: {message}", file=sys.stderr)
        return 2


def _check_plot_path(path):
    """Fail before the benchmark runs if ``--plot`` cannot be written."""
    import os

    from .plotting._common import require_matplotlib
    from .utils._files import check_output_path

    check_output_path(path, "--plot")
    require_matplotlib()
    from matplotlib.figure import Figure

    supported = Figure().canvas.get_supported_filetypes()
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if extension not in supported:
        raise ValueError(
            f"--plot {path!r}: the file name must end in one of "
            f"{', '.join('.' + e for e in sorted(supported))}."
        )


def _main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(shift=args.shift, random_state=args.random_state)
        return 0
    if args.command == "benchmark":
        from .benchmarks import available_benchmarks

        if args.list or not args.name:
            for name, description in available_benchmarks().items():
                print(f"{name:>16}  {description}")
            return 0 if args.list else 2
        from .utils._files import atomic_path, check_output_path

        for option, value in (
            ("--repeats", args.repeats),
            ("--n-estimators", args.n_estimators),
        ):
            if value is not None and value < 1:
                raise ValueError(f"{option} must be at least 1, got {value}.")
        if args.save:
            check_output_path(args.save, "--save")
        if args.plot:
            _check_plot_path(args.plot)
        tables = run_benchmark(
            args.name,
            as_json=args.json,
            family=args.family,
            features=args.features,
            repeats=args.repeats,
            n_estimators=args.n_estimators,
            data_home=args.data_home,
            pair=args.pair,
            shifts=None if args.shifts is None else tuple(args.shifts.split(",")),
            protocol=args.protocol,
            n_jobs=args.n_jobs,
            sets=args.sets,
            feature_cache=args.feature_cache,
        )
        if args.save:
            with atomic_path(args.save) as tmp, open(tmp, "w") as fh:
                fh.write("\n\n".join(t.to_markdown() for t in tables) + "\n")
        if args.plot:
            from .plotting._benchmark import save_benchmark_plot

            save_benchmark_plot(tables, args.plot)
        return 0
    if args.command == "finetune-images":
        from ._cli_images import run_finetune_images

        run_finetune_images(
            args.folder,
            args.out,
            backbone=args.backbone,
            strategy=args.strategy,
            epochs=args.epochs,
            cv=args.cv,
            random_state=args.random_state,
            warn=sys.stderr,
            threads=args.threads,
        )
        return 0
    if args.command == "predict-images":
        from ._cli_images import run_predict_images

        run_predict_images(
            args.model,
            args.paths,
            as_csv=args.csv,
            warn=sys.stderr,
            threads=args.threads,
        )
        return 0
    parser.print_help()
    return 2
