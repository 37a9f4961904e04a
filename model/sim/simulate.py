"""One run: (parameters, place, scenario, seed) -> monthly counters. Tools like SALib call this."""

import numpy as np

from model.core.kernel import run_kernel
from model.core.population import State
from model.inputs.params import Parameters
from model.inputs.scenario import Place, Scenario
from model.sim.build import build_run
from model.sim.model import DRIVERS, DisengageModel


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
    return simulate_to_end(params, place, scale, scenario, months, burn_in_months, seed, driver)[0]


def simulate_to_end(
    params: Parameters,
    place: Place,
    scale: float,
    scenario: Scenario,
    months: int,
    burn_in_months: int,
    seed: int,
    driver: str = DRIVERS[0],
) -> tuple[np.ndarray, State]:
    """`simulate`'s counters and the state the run ends in (what the measles layer reads)."""
    if driver == "kernel":
        run = build_run(params, place, scale, scenario, burn_in_months, seed)
        return run_kernel(run.state, run.P, run.SEGP, run.FLOWS, months, seed), run.state
    if driver == "agents":
        model = DisengageModel(
            place, scale, scenario, months, burn_in_months, driver="agents", rng=seed, params=params, agent_data=False
        )
        model.run_model()
        return model.counters(), model.state
    raise ValueError(f"unknown driver {driver!r}; expected one of {DRIVERS}")
