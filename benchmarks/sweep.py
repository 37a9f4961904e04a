"""Sweep throughput at Wigan scale, and what the result store costs against running the model alone.

    python -m benchmarks.sweep [--months 60] [--replicates 3] [--workers CPUs] [--scale 1.0]

Everything is measured in this one run, on the same runs, after a warm-up run
(so numba compilation is not counted): the model alone (run_one in a loop),
the store alone (write and read back every run's counters), the whole sweep
through `run_experiment` serially and with a local pool, and a rerun with
every run already stored (skip and rewrite the tables). Timings are the best
of REPEATS, since the machine may be shared; the sweep's overhead is also
measured inside one sweep, as its wall time less the model time its runs
recorded in the store, which no change in machine load can skew.
"""

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml

from model.api import run_experiment
from model.experiments.experiment import load_experiment, plan_runs, resolved_config, run_one
from model.experiments.provenance import config_hash
from model.experiments.store import STORE, ResultStore, read_info
from model.present.report import figures_and_report

REPEATS = 2


def write(folder: Path, months: int, replicates: int, scale: float) -> Path:
    """The benchmark experiment: Wigan (all of it by default), the status quo and the Bill as drafted."""
    path = folder / "bench.yaml"
    exp = {
        "name": "bench",
        "place": "wigan",
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


def serial_sweep(path: Path, out: Path) -> tuple[float, float]:
    """Wall seconds of a fresh serial sweep, and the model seconds its runs recorded in the store."""
    start = time.perf_counter()
    run_experiment(path, out, workers=1, force_new=True)
    wall = time.perf_counter() - start
    return wall, sum(read_info(p)["seconds"] for p in (out / STORE / "runs").glob("*.parquet"))


def main() -> None:
    """Measure and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--replicates", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--scale", type=float, default=1.0, help="share of Wigan's households (1.0: all)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        path = write(tmp, args.months, args.replicates, args.scale)
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
        t_serial, model_in_sweep = min(serial_sweep(path, tmp / "serial") for _ in range(REPEATS))
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
    print(f"Wigan at scale {args.scale} ({households} households), {args.months} months, {n} runs")
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
