"""Everything one run needs, built fresh from loaded inputs: the population and the kernel's tables.

Both drivers start here, so a run owns its arrays: nothing a caller passes in is
ever changed by stepping.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.core.population import NetworkSpec, State, build_population
from model.inputs import config
from model.inputs.params import (
    Parameters,
    decision_names,
    load_parameters,
    load_source_ids,
    refuse_dead_knob,
    to_arrays,
)
from model.inputs.paths import DEFAULT_PARAMS_DIR, existing_ref
from model.inputs.scenario import Place, Scenario, flow_table, load_place, load_scenario


@dataclass
class RunArrays:
    """One run's state (stepped in place) and its read-only parameter and flow tables."""

    state: State
    P: np.ndarray
    SEGP: np.ndarray
    FLOWS: np.ndarray


def build_run(
    params: Parameters, place: Place, scale: float, scenario: Scenario, burn_in_months: int, seed: int
) -> RunArrays:
    """A new population of the place at `scale` and the tables of the scenario, all from the seed."""
    P, SEGP = to_arrays(params, place.mean_children, place.need_rate_factor)
    state = build_population(
        place.scaled_families(scale), place.segment_shares, NetworkSpec.from_params(params), P, SEGP, seed,
        place.design(scale),
    )  # fmt: skip
    return RunArrays(state, P, SEGP, flow_table(scenario, params, burn_in_months))


def load_named(
    origin: str,
    place: str | Place,
    policy: str | Scenario,
    overrides: dict | None,
    params: Parameters | None,
    params_dir: str | Path | None,
    stratified: bool = False,
) -> tuple[Parameters, Place, Scenario]:
    """Parameters (with overrides), place and scenario from names or paths, or as given when already loaded.

    `origin` names the caller in error messages (e.g. "DisengageModel"), as a file would be named; `stratified`
    loads a named place's stratified sample (docs/ODD.md, Sampling), as an experiment's `sample: stratified` does.
    """
    folder = Path(params_dir) if params_dir is not None else DEFAULT_PARAMS_DIR
    if params is None:
        params = load_parameters(folder)
    if overrides:
        params = params.with_overrides(config.as_mapping(origin, "overrides", overrides), origin)
        for path in overrides:  # a parameter the run's decision structure never reads is refused, as in a file
            refuse_dead_knob(origin, f"overrides.{path}", path, decision_names(params))
    if not isinstance(place, Place):
        path = existing_ref(origin, "place", config.text(origin, "place", place), "places", folder, Path.cwd())
        place = load_place(path, load_source_ids(folder), stratified)
    if not isinstance(policy, Scenario):
        path = existing_ref(origin, "policy", config.text(origin, "policy", policy), "scenarios", folder, Path.cwd())
        policy = load_scenario(path)
    return params, place, policy
