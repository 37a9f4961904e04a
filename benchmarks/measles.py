"""What the measles outcomes cost against the run they read (the issue allows a fifth of a run's time).

    python -m benchmarks.measles [experiments/headline.yaml] [--pairs 4]

A and B interleaved in one process, after a warm-up pair (compilation not counted): for each of `pairs`
replicates and scenarios in turn, the run alone (simulate_to_end, the runner's own path) then the measles layer on
the state it left (measles_end with the experiment's `measles:` settings), each timed; the transmission's share
of the layer is timed apart. Prints each pair's ratio, their median and largest, and the load average.
"""

import argparse
import os
import time

import numpy as np

from model.experiments.experiment import load_experiment, plan_runs
from model.inputs.measles_params import load_measles
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.sim.immunity import immunity_profile
from model.sim.measles import MeaslesSetup, measles_end, outbreaks, windows
from model.sim.simulate import simulate_to_end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", nargs="?", default="experiments/headline.yaml")
    parser.add_argument("--pairs", type=int, default=4)
    args = parser.parse_args()
    exp = load_experiment(args.experiment)
    setup = exp.measles or MeaslesSetup(load_measles(DEFAULT_PARAMS_DIR / "measles.yaml"))
    specs = plan_runs(exp)
    design = exp.place.design(exp.scale)
    real, share = exp.place.weights(exp.scale), None if design is None else design.weights
    print(f"{exp.name}: {exp.place.scaled_families(exp.scale):,} households, {exp.months} months; "
          f"{setup.importations_per_community} importations per community, chains capped at {setup.cap_cases}")
    ratios = []
    for i, spec in enumerate(specs[: args.pairs + 1]):
        t = time.perf_counter()
        _, state = simulate_to_end(spec.params, exp.place, exp.scale, spec.scenario, exp.months, exp.burn_in_months,
                                   spec.seed, exp.driver)  # fmt: skip
        run_s = time.perf_counter() - t
        neighbourhood = windows(int(spec.params.value("network.neighbourhood_households")), design)
        t = time.perf_counter()
        values = measles_end(state, exp.months - 1, neighbourhood, setup, spec.seed, real, share).values
        layer_s = time.perf_counter() - t
        comm = immunity_profile(state, exp.months - 1, neighbourhood, setup.params).communities
        t = time.perf_counter()
        outbreaks(state, exp.months - 1, comm, setup.params, spec.seed, setup.importations_per_community,
                  setup.cap_cases)  # fmt: skip
        transmit_s = time.perf_counter() - t
        if i == 0:
            print(f"warm-up: run {run_s:.2f} s, layer {layer_s:.2f} s (compilation or cache load; not counted)")
            continue
        ratios.append(layer_s / run_s)
        print(f"{spec.scenario.name} replicate {spec.replicate}: run {run_s:.2f} s, layer {layer_s:.3f} s "
              f"(transmission {transmit_s:.3f} s), ratio {layer_s / run_s:.3f}; "
              f"P(>20) {values['measles_p_outbreak']:.3f}")  # fmt: skip
    print(f"ratio median {np.median(ratios):.3f}, largest {max(ratios):.3f} over {len(ratios)} pairs; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
