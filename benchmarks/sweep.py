"""Sweep throughput at Wigan scale, and what the result store costs against running the model alone;
with --england, a planning table for a national uncertainty run instead.

    python -m benchmarks.sweep [--months 60] [--replicates 3] [--workers CPUs] [--place wigan] [--scale 1.0]
    python -m benchmarks.sweep --england [--months 120] [--replicates 2] [--workers 2] [--place england] [--scale 0.1]

Everything is measured in this one run, on the same runs, after a warm-up run
(so numba compilation is not counted): the model alone (run_one in a loop),
the store alone (write and read back every run's counters), the whole sweep
through `run_experiment` serially and with a local pool, and a rerun with
every run already stored (skip and rewrite the tables). Timings are the best
of REPEATS, since the machine may be shared; the sweep's overhead is also
measured inside one sweep, as its wall time less the model time its runs
recorded in the store, which no change in machine load can skew.

With --england (England at scale 0.1, 120 months, 2 scenarios x 2 replicates unless told otherwise), after
the same warm-up, the whole sweep runs through `run_experiment` serially, in a local pool of --workers
processes and on a Dask LocalCluster of as many workers, best of REPEATS each, and the table gives seconds
per run, runs per hour and the hours 1,000 runs would take. Each sweep's wall time is split as above: its
runs' model time in the store over the workers is the cost of a run, and the rest (starting the workers,
tables, figures and report) is paid once a sweep, so the projection to 1,000 runs does not repeat it.
"""

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numba
import yaml

from model.api import run_experiment
from model.experiments.experiment import load_experiment, plan_runs, resolved_config, run_one
from model.experiments.provenance import config_hash
from model.experiments.store import STORE, ResultStore, read_info
from model.present.report import figures_and_report

REPEATS = 2
PLAN_RUNS = 1_000  # the national run the planning table projects to
# What --england stands for, where --place, --scale, --months, --replicates and --workers are not given.
ENGLAND = {"place": "england", "scale": 0.1, "months": 120, "replicates": 2, "workers": 2}
WIGAN = {"place": "wigan", "scale": 1.0, "months": 60, "replicates": 3, "workers": os.cpu_count() or 1}


def write(folder: Path, months: int, replicates: int, scale: float, place: str = "wigan") -> Path:
    """The benchmark experiment: a place (all of Wigan by default), the status quo and the Bill as drafted."""
    path = folder / "bench.yaml"
    exp = {
        "name": "bench",
        "place": place,
        "scale": scale,
        "months": months,
        "burn_in_months": min(12, months - 1),
        "scenarios": ["baseline", "national_sui_mandate"],
        "replicates": replicates,
        "seed": 20261124,
    }
    path.write_text(yaml.safe_dump(exp, sort_keys=False), encoding="utf-8")
    return path


def timed(fn) -> tuple[float, object]:
    """Best wall seconds of REPEATS calls of fn(), and the last result."""
    best, out = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def timed_sweep(path: Path, out: Path, workers: int = 1, executor: str = "local") -> tuple[float, float]:
    """Wall seconds of a fresh sweep (serial unless told otherwise), and the model seconds its runs recorded in
    the store."""
    start = time.perf_counter()
    run_experiment(path, out, workers=workers, executor=executor, force_new=True)
    wall = time.perf_counter() - start
    return wall, sum(read_info(p)["seconds"] for p in (out / STORE / "runs").glob("*.parquet"))


def plan_table(args: argparse.Namespace) -> None:
    """Measure one place's sweep serially, in a local pool and on Dask, and print runs per hour and hours for
    PLAN_RUNS runs, for planning a national uncertainty run."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        path = write(tmp, args.months, args.replicates, args.scale, args.place)
        exp = load_experiment(path, workers=args.workers)  # refuses a size whose workers would not fit in memory
        specs = plan_runs(exp)
        start = time.perf_counter()
        run_one(exp, specs[0])  # warm-up: load or compile the kernels, and fill the cache the workers load from
        t_warm = time.perf_counter() - start
        ways = {
            "serial": ("sweep, 1 worker (serial)", 1, "local"),
            "pool": (f"sweep, {args.workers} workers (local pool)", args.workers, "local"),
            "dask": (f"sweep, {args.workers} workers (Dask LocalCluster)", args.workers, "dask"),
        }
        measured = {
            key: min(timed_sweep(path, tmp / key, workers, executor) for _ in range(REPEATS))
            for key, (_, workers, executor) in ways.items()
        }
        same = all(
            (tmp / "serial" / f).read_bytes() == (tmp / key / f).read_bytes()
            for key in ("pool", "dask")
            for f in ("runs.csv", "timeseries.csv", "effects.csv")
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n = len(specs)
    households = exp.place.scaled_families(args.scale)
    print(f"{exp.place.name.title()} at scale {args.scale} ({households} households), {args.months} months "
          f"(burn-in {exp.burn_in_months}), {n} runs a sweep, best of {REPEATS}; "
          f"warm-up run {t_warm:.1f} s")  # fmt: skip
    print(f"{'':44}{'sweep s':>9}{'once s':>8}{'s/run':>8}{'runs/hour':>11}{f'{PLAN_RUNS:,} runs h':>14}")
    for key, (label, workers, _) in ways.items():
        wall, model = measured[key]
        per_run = model / min(workers, n) / n  # the workers' model time: what every further run adds
        once = max(0.0, wall - per_run * n)  # starting workers, tables, figures and report: once a sweep
        hours = (once + PLAN_RUNS * per_run) / 3600
        print(f"{label:44}{wall:9.1f}{once:8.1f}{per_run:8.2f}{3600 / per_run:11.0f}{hours:14.2f}")
    print(f"s/run: the model seconds the sweep's runs recorded in the store over its workers; once s: the rest of "
          f"the sweep's wall time, paid once a sweep; {PLAN_RUNS:,} runs h: once s + {PLAN_RUNS:,} x s/run; "
          f"runs/hour: 3600 / s/run")  # fmt: skip
    print(f"serial runs numba on {numba.get_num_threads()} threads, pool and Dask workers on 1 each; "
          f"tables identical: {same}; cpus: {os.cpu_count()}")  # fmt: skip


def main() -> None:
    """Measure and print the table (with --england, the planning table)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--england", action="store_true",
                    help="planning table: runs per hour serially, in a local pool and on Dask "
                         f"(defaults {', '.join(f'{k} {v}' for k, v in ENGLAND.items())})")  # fmt: skip
    ap.add_argument("--place", help=f"a name in params/places/ (default {WIGAN['place']}; "
                                    f"with --england, {ENGLAND['place']})")  # fmt: skip
    ap.add_argument("--months", type=int, help=f"default {WIGAN['months']}; with --england, {ENGLAND['months']}")
    ap.add_argument("--replicates", type=int,
                    help=f"of each of the 2 scenarios (default {WIGAN['replicates']}; "
                         f"with --england, {ENGLAND['replicates']})")  # fmt: skip
    ap.add_argument(
        "--workers", type=int, help=f"of the pool (and Dask) (default the CPUs; with --england, {ENGLAND['workers']})"
    )
    ap.add_argument("--scale", type=float,
                    help=f"share of the place's households (default {WIGAN['scale']}: all; "
                         f"with --england, {ENGLAND['scale']})")  # fmt: skip
    args = ap.parse_args()
    for key, value in (ENGLAND if args.england else WIGAN).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.england:
        plan_table(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        path = write(tmp, args.months, args.replicates, args.scale, args.place)
        exp = load_experiment(path)
        specs = plan_runs(exp)
        n = len(specs)
        run_one(exp, specs[0])  # warm-up: load or compile the kernels
        t_model, counters = timed(lambda: [run_one(exp, s) for s in specs])
        resolved = resolved_config(exp)

        def store_round_trip(folder: str, pairs: list) -> None:
            with ResultStore.open(tmp / folder, resolved, config_hash(resolved), force_new=True) as store:
                for i, (spec, c) in enumerate(pairs):
                    info = {"scenario": spec.scenario.name, "point": 0, "replicate": spec.replicate, "seed": spec.seed}
                    store.put(f"run{i}", c, info | {"seconds": 0.0})
                    store.load(f"run{i}")

        start = time.perf_counter()
        store_round_trip("store_first", [(specs[0], counters[0])])  # pyarrow's first use, once per process
        t_first = time.perf_counter() - start
        t_store, _ = timed(lambda: store_round_trip("store_only", list(zip(specs, counters, strict=True))))
        t_serial, model_in_sweep = min(timed_sweep(path, tmp / "serial") for _ in range(REPEATS))
        t_pool, _ = timed(lambda: run_experiment(path, tmp / "pool", workers=args.workers, force_new=True))
        t_rerun, _ = timed(lambda: run_experiment(path, tmp / "serial", workers=1))
        t_figures, _ = timed(lambda: figures_and_report(tmp / "serial"))
        same = all(
            (tmp / "serial" / f).read_bytes() == (tmp / "pool" / f).read_bytes()
            for f in ("runs.csv", "timeseries.csv", "effects.csv")
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    per_min = lambda seconds: 60 * n / seconds  # noqa: E731
    households = exp.place.scaled_families(args.scale)
    print(f"{exp.place.name.title()} at scale {args.scale} ({households} households), {args.months} months, {n} runs")
    print(f"{'':38}{'seconds':>9}{'runs/min':>10}{'vs model':>10}")
    rows = [
        ("model alone (run_one, serial)", t_model, 1.0),
        ("store alone (write + read counters)", t_store, t_store / t_model),
        ("sweep, 1 worker (run_experiment)", t_serial, t_serial / t_model),
        (f"sweep, {args.workers} workers (local pool)", t_pool, t_pool / t_model),
        ("rerun, all runs stored (tables only)", t_rerun, t_rerun / t_model),
    ]
    for label, seconds, ratio in rows:
        print(f"{label:38}{seconds:9.2f}{per_min(seconds):10.1f}{ratio:10.3f}")
    overhead = t_serial - model_in_sweep
    print(f"store: {1000 * t_store / n:.1f} ms per run ({100 * t_store / t_model:.1f}% of model time), "
          f"after a one-off {1000 * t_first:.0f} ms on pyarrow's first use")  # fmt: skip
    print(f"one serial sweep: {model_in_sweep:.2f} s in the model, {overhead:.2f} s in everything else "
          f"= {100 * overhead / model_in_sweep:.1f}% overhead; of that, figures and report.html (once per "
          f"experiment) {t_figures:.2f} s, so store, tables and manifest {overhead - t_figures:.2f} s = "
          f"{100 * (overhead - t_figures) / model_in_sweep:.1f}% of model time")  # fmt: skip
    print(f"{args.workers} workers vs 1: {t_serial / t_pool:.2f}x; tables identical: {same}; cpus: {os.cpu_count()}")


if __name__ == "__main__":
    main()
