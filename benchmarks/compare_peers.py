"""Speed and accuracy of transferkit against the peer libraries ADAPT and skada.

Every comparison fits transferkit's estimator and the peers' on the *same* data,
with the same hyperparameters, in one process, interleaving the libraries
repeat by repeat so that a change of machine load hits them alike. BLAS is
pinned to one thread (``threadpoolctl.threadpool_limits(1)``), TensorFlow's
intra/inter-op pools to one thread, and the 1-minute load average is recorded
beside every timing. The table gives median fit times, the ratio
ours/peer of those medians (below 1: ours is faster) and the target accuracy
of one fixed downstream classifier trained on each library's output.

Run it from the repository root in the peers' environment (see
``docs/peers.md``)::

    TRANSFERKIT_DATA=../shared/data .venv-peers/bin/python benchmarks/compare_peers.py

Options: ``--repeats N`` (default 3), ``--only kmm-synthetic,tca-1000`` (a
comma-separated list of comparison keys, see ``--list``), ``--output PATH``
(default ``benchmarks/results/peers.md``), ``--no-traps`` (skip the checks of
the peers' TCA). Without ADAPT or skada installed, only transferkit's rows are
measured. ``benchmarks/test_speed_peers.py`` reuses these definitions under
pytest-benchmark.

This file is the command line only. The definitions live in the package
``benchmarks/peers/``: one module per library (``peers/lib_adapt.py``, ...;
adding a peer is adding one such file), the timing harness
(``peers/_harness.py``) and the table writer (``peers/_tables.py``); every
name they export is importable from here too.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:  # run as a script or loaded by path (pytest)
    sys.path.insert(0, str(_HERE))

import peers  # noqa: E402
from peers import *  # noqa: E402, F403  (every definition, importable from here)

RESULTS_DIR = _HERE / "results"

__all__ = ["RESULTS_DIR", "main", *peers.__all__]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=None, help="comma-separated comparison keys")
    parser.add_argument("--output", default=str(RESULTS_DIR / "peers.md"))
    parser.add_argument("--no-traps", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)

    comps = peers.comparisons()
    if args.list:
        for comp in comps:
            print(comp.key)
        return 0
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        unknown = set(keys) - {c.key for c in comps}
        if unknown:
            parser.error(f"unknown comparison keys: {sorted(unknown)}")
        comps = [c for c in comps if c.key in keys]

    versions = peers.peer_versions()
    start_load = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    results = []
    out = Path(args.output)
    for comp in comps:
        print(f"{comp.key} ...", flush=True)
        task, rows, baseline = peers.run_comparison(comp, args.repeats)
        results.append((comp, task, rows, baseline))
        # written after every comparison, so that an interrupted run keeps
        # what it measured
        peers.write_report(out, results, None, versions, start_load, started)
    traps = None if args.no_traps else peers.check_peer_tca()
    text = peers.write_report(out, results, traps, versions, start_load, started)
    print(text)
    print(f"saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
