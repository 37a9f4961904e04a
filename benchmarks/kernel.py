"""Benchmark: household-months per second of the two drivers, start-up, compile, memory and the bandwidth floor.

Run `python -m benchmarks.kernel` (or `make bench`). Everything printed is measured in this one run:
- for a few sizes of Wigan, each driver's marginal throughput (household-months per second, the
  time of N months minus the time of 1 month, so start-up and compilation are excluded), the
  population build time and the first-call time (compilation, or loading compiled code from cache);
- the kernel / agents ratio at the sizes both ran;
- bytes of state and network per household, the machine's measured copy bandwidth and the
  bandwidth floor per household-month (state read once and mutable state written once);
- with --england: England at scale 1.0 for 120 months, one scenario, as a separate whole process
  (wall time and peak memory, compilation from an empty cache included if the cache is cold).
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from model.core.kernel import run_kernel
from model.core.population import NetworkSpec, State, build_population
from model.inputs.params import load_parameters, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import flow_table, load_place, load_scenario

SCENARIO = "national_sui_mandate"
COPY_BYTES = 256 * 1024 * 1024


def copy_bandwidth() -> float:
    """Bytes per second moved by a large array copy (read + write), best of three."""
    src = np.ones(COPY_BYTES // 8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * COPY_BYTES / best


def floor_bytes(state: State) -> float:
    """Bytes per household-month if every array is read once and the mutable ones written once."""
    n = state.n_families
    read = state.nbytes() / n
    written = (
        state.trust.nbytes
        + state.social.nbytes / 2
        + state.ever.nbytes
        + state.ch_birth.nbytes
        + state.ch_flags.nbytes
        + state.ch_need_start.nbytes
        + state.ch_sched.nbytes
    ) / n
    return read + written


def setup(scale: float, place_name: str = "wigan", scenario: str | None = None):
    """Parameters, place, flows and a fresh population builder for one size; `scenario` defaults to SCENARIO."""
    params = load_parameters(DEFAULT_PARAMS_DIR)
    place = load_place(DEFAULT_PARAMS_DIR / "places" / f"{place_name}.yaml")
    P, SEGP = to_arrays(params, place.mean_children, place.need_rate_factor)
    flows = flow_table(load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{scenario or SCENARIO}.yaml"), params, 0)
    n = place.scaled_families(scale)

    def build() -> State:
        return build_population(n, place.segment_shares, NetworkSpec.from_params(params), P, SEGP, 1)

    return P, SEGP, flows, n, build


def agents_model(scale: float, months: int):
    """The Mesa model at one size, built as a user builds it (imported here: Mesa is not needed for the kernel)."""
    from model.sim.model import DisengageModel

    return DisengageModel(
        place="wigan", scale=scale, policy=SCENARIO, months=months, burn_in_months=0, rng=1, agent_data=False
    )


def measure(driver: str, scale: float, months: int) -> dict:
    """Build time, first-call time and marginal household-months per second of one driver at one size."""
    P, SEGP, flows, n, build = setup(scale)
    if driver == "kernel":

        def start(m):
            return build()

        def run(st, m):
            return run_kernel(st, P, SEGP, flows, m, 1)

    else:

        def start(m):
            return agents_model(scale, m)

        def run(model, m):
            return model.run_model()

    t = time.perf_counter()
    state = start(1)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    run(state, 1)
    first_s = time.perf_counter() - t
    state = start(1)
    t = time.perf_counter()
    run(state, 1)
    one_s = time.perf_counter() - t
    state = start(months + 1)
    t = time.perf_counter()
    run(state, months + 1)
    many_s = time.perf_counter() - t
    rate = n * months / max(many_s - one_s, 1e-9)
    return {
        "driver": driver,
        "households": n,
        "build_s": build_s,
        "first_s": first_s,
        "rate": rate,
        "ns": 1e9 / rate,
        "state": state,
    }


def england(months: int, cold: bool = False) -> None:
    """England at full scale in a child process: whole-process wall time and peak memory.

    With `cold`, the child compiles from an empty cache (a fresh NUMBA_CACHE_DIR), so compilation is included."""
    code = (
        "import time; t=time.perf_counter();"
        "from benchmarks.kernel import setup; from model.core.kernel import run_kernel;"
        f"P,SEGP,flows,n,build=setup(1.0,'england'); s=build(); b=time.perf_counter()-t;"
        f"run_kernel(s,P,SEGP,flows,{months},1);"
        "print(f'{n} households, build {b:.1f} s, total in process {time.perf_counter()-t:.1f} s')"
    )
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "NUMBA_CACHE_DIR": empty} if cold else None
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        wall = time.perf_counter() - t
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    print(
        f"England, scale 1.0, {months} months, {SCENARIO}, {'empty' if cold else 'warm'} compile cache: "
        f"{out.stdout.strip()}; "
        f"whole process {wall:.1f} s wall, peak memory {peak_gb:.2f} GB"
    )


def main() -> None:
    """Print the benchmark table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.02, 0.1, 1.0], help="fractions of Wigan")
    ap.add_argument("--agents-max", type=float, default=1.0, help="largest size the agents driver runs")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--england", action="store_true", help="also run England at full scale (under a minute)")
    ap.add_argument("--england-months", type=int, default=120)
    ap.add_argument("--cold", action="store_true", help="England again, compiling from an empty cache")
    args = ap.parse_args()
    print(f"scenario {SCENARIO}; marginal throughput over {args.months} months (start-up and compile excluded)")
    print(f"{'driver':>7} {'households':>10} {'build s':>8} {'1st call s':>10} {'hh-months/s':>12} {'ns/hh-month':>11}")
    results = {}
    for scale in args.sizes:
        for driver in ("kernel", "agents"):
            if driver == "agents" and scale > args.agents_max:
                continue
            r = measure(driver, scale, args.months)
            results[(driver, scale)] = r
            print(
                f"{driver:>7} {r['households']:>10} {r['build_s']:>8.2f} {r['first_s']:>10.2f} "
                f"{r['rate']:>12.3g} {r['ns']:>11.1f}"
            )
    for scale in args.sizes:
        if ("agents", scale) in results:
            ratio = results[("kernel", scale)]["rate"] / results[("agents", scale)]["rate"]
            print(f"kernel / agents at {results[('kernel', scale)]['households']} households: {ratio:.0f}x")
    largest = results[("kernel", max(args.sizes))]
    state = largest["state"]
    bw = copy_bandwidth()
    floor = floor_bytes(state)
    floor_ns = floor / bw * 1e9
    print(
        f"state + network: {state.nbytes() / state.n_families:.1f} bytes per household "
        f"(degree {state.nbr_idx.size // max(state.n_families, 1)})"
    )
    print(
        f"copy bandwidth {bw / 1e9:.1f} GB/s; floor {floor:.0f} bytes per household-month = {floor_ns:.1f} ns; "
        f"kernel at {largest['households']} households: {largest['ns']:.1f} ns "
        f"= {largest['ns'] / floor_ns:.1f}x the floor"
    )
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.england:
        england(args.england_months)
        if args.cold:
            england(args.england_months, cold=True)


if __name__ == "__main__":
    main()
