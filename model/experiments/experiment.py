"""An experiment and its plan: a YAML file names place, scenarios, replicates and seed; the plan lists every run.

Everything the file names is read and checked here, before any run starts.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from model.core.layout import DECISIONS
from model.core.rng import derive_seed
from model.experiments import budget
from model.experiments import sets as cli_sets
from model.experiments.design import Design, load_design
from model.experiments.uncertainty import (
    Uncertainty,
    load_uncertainty,
    replicate_draw,
    uncertainty_paths,
    uncertainty_record,
)
from model.inputs import config, schema
from model.inputs.errors import InputError
from model.inputs.measles_params import load_measles
from model.inputs.params import Parameters, decision_names, load_parameters, load_source_ids, refuse_dead_knob
from model.inputs.paths import DEFAULT_PARAMS_DIR, existing_ref
from model.inputs.scenario import Place, Scenario, load_place, load_scenario, place_warnings
from model.sim.measles import MeaslesEnd, MeaslesSetup, measles_end, windows
from model.sim.simulate import DRIVERS, simulate_to_end

BASELINE = "baseline"
EXPERIMENT_REQUIRED = {"name", "place", "scale", "months", "burn_in_months", "scenarios", "replicates", "seed"}
EXPERIMENT_OPTIONAL = {
    "description", "overrides", "driver", "params_dir", "design", "uncertainty", "sample", "measles"
}
SAMPLES = ("proportional", "stratified")  # every segment at its share, or small segments oversampled and weighted


@dataclass(frozen=True)
class Experiment:
    """A checked experiment, with everything it refers to loaded."""

    name: str
    file: str
    raw: dict
    place: Place
    scale: float
    months: int
    burn_in_months: int
    scenarios: tuple[Scenario, ...]
    replicates: int
    seed: int
    params: Parameters
    driver: str = DRIVERS[0]
    seeds: tuple[int, ...] = field(default=())
    design: Design | None = None  # the `design:` section: design points and target_mcse
    uncertainty: Uncertainty | None = None  # behavioural parameters each replicate draws from their ranges
    warnings: tuple[str, ...] = ()  # overrides outside their plausible range (recorded in the manifest)
    sets: tuple[str, ...] = ()  # the command line's `--set path=value` texts, applied in `raw` (sets.py)
    measles: MeaslesSetup | None = None  # the `measles:` section: each run's measles outcomes (model/sim/measles.py)

def load_experiment(
    path: str | Path, driver: str | None = None, workers: int = 1, sets: Sequence[str] = ()
) -> Experiment:
    """Read and check an experiment file, with any `--set path=value` applied first, and everything it names;
    refuse a plan too large for the machine. An error in a value a `--set` gave names the `--set`."""
    try:
        exp = checked_experiment(path, driver, workers, tuple(sets))
    except InputError as exc:
        raise cli_sets.named(exc, sets) from None
    return replace(exp, sets=tuple(sets)) if sets else exp


def checked_experiment(path: str | Path, driver: str | None, workers: int, sets: tuple[str, ...]) -> Experiment:
    """load_experiment's checks, in order, on the file's data with the `--set`s applied."""
    file = str(path)
    raw = config.as_mapping(file, "", config.load_yaml(path))
    if sets:
        raw = cli_sets.apply_sets(file, raw, sets, EXPERIMENT_REQUIRED | EXPERIMENT_OPTIONAL)
    return experiment_from_raw(file, raw, Path(path).resolve().parent, driver, workers)


def experiment_from_raw(
    file: str, raw: dict, base: Path, driver: str | None = None, workers: int = 1
) -> Experiment:
    """Check an experiment given as data (a file's contents with any `--set` applied, or a nation of a national
    file) and load what it names, relative to `base`; errors name `file`."""
    config.plain_data(file, "", raw)  # the manifest records the file as written, as strict JSON
    schema.refuse_schema_errors(file, "experiment", raw)  # every error at once: `check` and `run` list the same
    config.check_keys(file, "", raw, EXPERIMENT_REQUIRED, EXPERIMENT_OPTIONAL)
    name = config.identifier(file, "name", raw["name"])  # it names the results folder: no '/', '..' or ','
    if "description" in raw:
        config.string(file, "description", raw["description"])
    scale = config.number(file, "scale", raw["scale"], 0.0, 1.0)
    if scale <= 0:
        raise InputError(file, "scale", "a number in (0, 1]", raw["scale"])
    months = config.integer(file, "months", raw["months"], 1, 6000)  # int16 birth months
    burn_in = config.integer(file, "burn_in_months", raw["burn_in_months"], 0)
    if burn_in >= months:
        raise InputError(file, "burn_in_months", f"fewer than months ({months})", burn_in)
    replicates = config.integer(file, "replicates", raw["replicates"], 1)
    budget.check_runs(file, "replicates", replicates, f"{replicates} replicates")
    seed = config.integer(file, "seed", raw["seed"], 0, 2**63 - 1)
    chosen = driver or raw.get("driver", DRIVERS[0])
    chosen = config.choice(file, "driver", chosen, DRIVERS)
    params_dir = DEFAULT_PARAMS_DIR
    if "params_dir" in raw:
        params_dir = base / config.text(file, "params_dir", raw["params_dir"])
        if not params_dir.is_dir():
            raise InputError(file, "params_dir", "a folder holding default.yaml, segments.yaml and sources.yaml",
                             raw["params_dir"])  # fmt: skip
    params = load_parameters(params_dir)
    overrides = config.as_mapping(file, "overrides", raw["overrides"]) if "overrides" in raw else {}
    params = params.with_overrides(overrides, file)
    warnings = override_warnings(file, overrides, params)
    place_ref = config.text(file, "place", raw["place"])
    stratified = config.choice(file, "sample", raw.get("sample", SAMPLES[0]), SAMPLES) == "stratified"
    place_path = existing_ref(file, "place", place_ref, "places", params_dir, base)
    place = load_place(place_path, load_source_ids(params_dir), stratified)
    warnings += place_warnings(place)
    refs = raw["scenarios"]
    if not isinstance(refs, list) or not refs:
        raise InputError(file, "scenarios", "a non-empty list of scenario names or paths", refs)
    scenarios = []
    for i, ref in enumerate(refs):
        ref = config.text(file, f"scenarios[{i}]", ref)
        scenarios.append(load_scenario(existing_ref(file, f"scenarios[{i}]", ref, "scenarios", params_dir, base)))
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(file, "scenarios", "scenarios with distinct names", names)
    if BASELINE not in names:
        raise InputError(file, "scenarios", f"a list that includes '{BASELINE}' (effects are paired against it)", names)
    design = load_design(file, raw["design"], params, overrides, seed, replicates) if "design" in raw else None
    n_points = len(design.points) if design is not None else 1
    most = design.target_mcse.max_replicates if design is not None and design.target_mcse else replicates
    budget.check_runs(
        file, "replicates", most * n_points * len(scenarios),
        f"{most} replicates x {n_points} design points x {len(scenarios)} scenarios",
    )  # fmt: skip
    check_memory(file, place, scale, months, params, chosen, workers)
    seeds = tuple(derive_seed(seed, r) for r in range(replicates))
    exp = Experiment(
        name, file, dict(raw), place, scale, months, burn_in, tuple(scenarios), replicates, seed, params, chosen, seeds,
        design, warnings=warnings,
    )  # fmt: skip
    if "uncertainty" in raw:
        exp = replace(exp, uncertainty=load_uncertainty(file, raw["uncertainty"], params))
        replicate_params(exp, 0)  # a first draw now, so a draw that cannot run is refused before any folder is made
    refuse_dead_knobs(exp, overrides)
    if "measles" in raw:
        exp = replace(exp, measles=measles_setup(file, raw["measles"], params_dir))
    return exp


def measles_setup(file: str, section: Any, params_dir: Path) -> MeaslesSetup:
    """The `measles:` section (checked by the schema) with params/measles.yaml of the experiment's params folder."""
    section = config.as_mapping(file, "measles", section)
    mp = load_measles(params_dir / "measles.yaml")
    return MeaslesSetup(mp, **{k: int(v) for k, v in section.items()})


def measles_record(setup: MeaslesSetup | None) -> dict[str, Any]:
    """The measles layer's settings and parameters as plain data (nothing when the experiment does not ask for it):
    part of the config hash and of every run id, so a change to them runs again."""
    if setup is None:
        return {}
    mp = setup.params
    values = {k: v for k, v in asdict(mp).items() if k not in ("contacts", "ranges", "lower_age_months")}
    return {
        "measles": {
            "importations_per_community": setup.importations_per_community,
            "cap_cases": setup.cap_cases,
            "parameters": values,
            "lower_age_months": list(mp.lower_age_months),
            "contacts": mp.contacts.tolist(),
        }
    }


def decisions_of(exp: Experiment) -> tuple[str, ...]:
    """The decision structures (`behaviour.decision`) the experiment runs under: its own, or each a design sets."""
    if exp.design is not None and "behaviour.decision" in exp.design.paths:
        column = exp.design.paths.index("behaviour.decision")
        return tuple(DECISIONS[int(i)] for i in sorted({point[column] for point in exp.design.points}))
    return decision_names(exp.params)


def refuse_dead_knobs(exp: Experiment, overrides: Mapping[str, Any]) -> None:
    """Every parameter the experiment sets, varies or draws must be read by a decision structure it runs under."""
    decisions = decisions_of(exp)
    for path in overrides:
        refuse_dead_knob(exp.file, f"overrides.{path}", path, decisions)
    if exp.design is not None:
        method = exp.design.method
        for path in exp.design.paths:
            refuse_dead_knob(exp.file, f"design.{method}.{path}" if method == "grid" else
                             f"design.{method}.parameters.{path}", path, decisions)  # fmt: skip
    if exp.uncertainty is not None:
        for i, name in enumerate(exp.uncertainty.names):
            for path in uncertainty_paths(name, exp.params):
                refuse_dead_knob(exp.file, f"uncertainty.parameters[{i}] ({name})", path, decisions)


def check_memory(file: str, place: Place, scale: float, months: int, params: Parameters, driver: str,
                 workers: int) -> int:  # fmt: skip
    """Refuse when `workers` runs of this size at once would not fit in the machine's memory (model.budget)."""
    households = place.scaled_families(scale)
    degree = int(params.value("network.degree"))
    return budget.check_memory(file, "scale", households, degree, months, driver, workers)


def override_warnings(file: str, overrides: Mapping[str, Any], params: Parameters) -> tuple[str, ...]:
    """One line for each override outside its parameter's plausible range (allowed, but recorded in the manifest)."""
    out = []
    for path in overrides:
        p = params.entries[path]
        if not p.lo <= p.value <= p.hi:
            out.append(f"{file}: overrides.{path}: {p.value!r} lies outside its plausible range [{p.lo}, {p.hi}]")
    return tuple(out)


def place_record(place: Place) -> dict[str, Any]:
    """The place as run, as plain data; a proportional place is recorded as it was before stratified samples."""
    record = asdict(place) | {"file": Path(place.file).name}
    if record["sample"] is None:
        del record["sample"]
    return record


def resolved_config(exp: Experiment) -> dict[str, Any]:
    """Everything that determines the results, as plain data (what the config hash covers)."""
    return (
        {
            "name": exp.name,
            "place": place_record(exp.place),
            "scale": exp.scale,
            "months": exp.months,
            "burn_in_months": exp.burn_in_months,
            "replicates": exp.replicates,
            "seed": exp.seed,
            "seeds": list(exp.seeds),
            "scenarios": [asdict(s) | {"file": Path(s.file).name} for s in exp.scenarios],
            "parameters": {k: p.value for k, p in sorted(exp.params.entries.items())},
        }
        | ({"design": exp.design.describe()} if exp.design is not None else {})
        | ({"uncertainty": uncertainty_record(exp.uncertainty, exp.params)} if exp.uncertainty else {})
        | measles_record(exp.measles)
    )

@dataclass(frozen=True)
class RunSpec:
    """One model run: a scenario under one replicate's seed and parameters."""

    scenario: Scenario
    replicate: int
    seed: int
    params: Parameters
    point: int = 0  # design point (0 when the experiment has no design)
    design_values: tuple[tuple[str, float | int], ...] = ()  # the design point's (path, value) pairs

def replicate_params(exp: Experiment, replicate: int) -> Parameters:
    """The parameters a replicate runs with (the same for every scenario of the replicate, so effects pair).

    With an `uncertainty:` section the named behavioural parameters are drawn from their ranges, keyed by the
    experiment's seed and the replicate (model/experiments/uncertainty.py).
    """
    if exp.uncertainty is None:
        return exp.params
    return replicate_draw(exp.uncertainty, exp.params, exp.file, exp.seed, replicate)

def plan_runs(exp: Experiment, replicates: int | None = None) -> list[RunSpec]:
    """Every run, in plan order (design point, replicate, scenario); design values apply over replicate_params.

    A replicate's seed is the same at every design point (common random numbers); `replicates`
    beyond the experiment's own count are what target_mcse adds.
    """
    n = exp.replicates if replicates is None else replicates
    points = exp.design.points if exp.design is not None else ((),)
    specs = []
    for point in range(len(points)):
        values = exp.design.values(point) if exp.design is not None else ()
        for r in range(n):
            seed = exp.seeds[r] if r < len(exp.seeds) else derive_seed(exp.seed, r)
            params = replicate_params(exp, r)
            if values:
                params = params.with_overrides(dict(values), exp.file)
            specs.extend(RunSpec(sc, r, seed, params, point, values) for sc in exp.scenarios)
    return specs

def run_one(exp: Experiment, spec: RunSpec) -> np.ndarray:
    """Monthly counters of one run."""
    return run_measured(exp, spec)[0]


def run_measured(exp: Experiment, spec: RunSpec) -> tuple[np.ndarray, MeaslesEnd | None]:
    """Monthly counters of one run and, when the experiment asks for them, the measles outcomes of its end state."""
    counters, state = simulate_to_end(
        spec.params, exp.place, exp.scale, spec.scenario, exp.months, exp.burn_in_months, spec.seed, exp.driver
    )
    if exp.measles is None:
        return counters, None
    design = exp.place.design(exp.scale)
    neighbourhood = windows(int(spec.params.value("network.neighbourhood_households")), design)
    real = exp.place.weights(exp.scale)
    share = None if design is None else design.weights
    return counters, measles_end(state, exp.months - 1, neighbourhood, exp.measles, spec.seed, real, share)
