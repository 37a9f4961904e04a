"""One run: (parameters, place, scenario, seed) -> monthly counters. Tools like SALib call this."""

import numpy as np

from model.params import Parameters, to_arrays
from model.population import NetworkSpec, build_population
from model.scenario import Place, Scenario, flow_table

DRIVERS = ("kernel", "agents")  # the first is the default


def simulate(
    params: Parameters,
    place: Place,
    scale: float,
    scenario: Scenario,
    months: int,
    burn_in_months: int,
    seed: int,
    driver: str = DRIVERS[0],
) -> np.ndarray:
    """Monthly counters [month, segment, counter] of one run; a pure function of its arguments."""
    P, SEGP = to_arrays(params, place.mean_children)
    state = build_population(
        place.scaled_families(scale),
        place.segment_shares,
        NetworkSpec.from_params(params),
        P,
        SEGP,
        seed,
    )
    FLOWS = flow_table(scenario, params, burn_in_months)
    if driver == "kernel":
        from model.kernel import run_kernel

        return run_kernel(state, P, SEGP, FLOWS, months, seed)
    if driver == "agents":
        from model.model import DisengageModel

        model = DisengageModel(state, P, SEGP, FLOWS, seed)
        for _ in range(months):
            model.step()
        return np.stack(model.history)
    raise ValueError(f"unknown driver {driver!r}; expected one of {DRIVERS}")
