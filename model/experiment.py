"""Experiments: a YAML file names place, scenarios, replicates and seed; running it writes a results folder.

All input is read and checked before any run starts, so bad input fails with
one line and writes nothing. Results are built in a side folder and renamed
into place at the end, so a folder that looks complete is complete.
"""

import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from model import config, outcomes
from model.errors import InputError
from model.params import Parameters, load_parameters, load_source_ids
from model.rng import derive_seed
from model.scenario import Place, Scenario, load_place, load_scenario
from model.simulate import DRIVERS, simulate
from model.uncertainty import Uncertainty, drawn_values, load_uncertainty, replicate_draw

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PARAMS_DIR = REPO / "params"
BASELINE = "baseline"
INTERVAL = (0.05, 0.95)  # 90% interval over replicates
EXPERIMENT_REQUIRED = {"name", "place", "scale", "months", "burn_in_months", "scenarios", "replicates", "seed"}
EXPERIMENT_OPTIONAL = {"description", "overrides", "driver", "params_dir", "uncertainty"}


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
    uncertainty: Uncertainty | None = None  # behavioural parameters each replicate draws from their ranges


def resolve_path(ref: str, kind: str, params_dir: Path, base: Path) -> Path:
    """A scenario or place given by name (params/<kind>/<name>.yaml) or by path."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        p = Path(ref)
        return p if p.is_absolute() or p.exists() else base / p
    return params_dir / kind / f"{ref}.yaml"


def load_experiment(path: str | Path, driver: str | None = None) -> Experiment:
    """Read and check an experiment file and everything it names."""
    file = str(path)
    raw = config.as_mapping(file, "", config.load_yaml(path))
    config.check_keys(file, "", raw, EXPERIMENT_REQUIRED, EXPERIMENT_OPTIONAL)
    base = Path(path).resolve().parent
    name = config.text(file, "name", raw["name"])
    scale = config.number(file, "scale", raw["scale"], 0.0, 1.0)
    if scale <= 0:
        raise InputError(file, "scale", "a number in (0, 1]", raw["scale"])
    months = config.integer(file, "months", raw["months"], 1, 6000)  # int16 birth months
    burn_in = config.integer(file, "burn_in_months", raw["burn_in_months"], 0)
    if burn_in >= months:
        raise InputError(file, "burn_in_months", f"fewer than months ({months})", burn_in)
    replicates = config.integer(file, "replicates", raw["replicates"], 1)
    seed = config.integer(file, "seed", raw["seed"], 0, 2**63 - 1)
    chosen = driver or raw.get("driver", DRIVERS[0])
    chosen = config.choice(file, "driver", chosen, DRIVERS)
    params_dir = DEFAULT_PARAMS_DIR
    if "params_dir" in raw:
        params_dir = base / config.text(file, "params_dir", raw["params_dir"])
    params = load_parameters(params_dir)
    overrides = raw.get("overrides") or {}
    params = params.with_overrides(config.as_mapping(file, "overrides", overrides), file)
    place_ref = config.text(file, "place", raw["place"])
    place_path = resolve_path(place_ref, "places", params_dir, base)
    if not place_path.is_file():
        raise InputError(file, "place", "a place name in params/places/ or a path to one", place_ref)
    place = load_place(place_path, load_source_ids(params_dir))
    refs = raw["scenarios"]
    if not isinstance(refs, list) or not refs:
        raise InputError(file, "scenarios", "a non-empty list of scenario names or paths", refs)
    scenarios = []
    for i, ref in enumerate(refs):
        ref = config.text(file, f"scenarios[{i}]", ref)
        p = resolve_path(ref, "scenarios", params_dir, base)
        if not p.is_file():
            raise InputError(file, f"scenarios[{i}]", "a scenario name in params/scenarios/ or a path to one", ref)
        scenarios.append(load_scenario(p))
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError(file, "scenarios", "scenarios with distinct names", names)
    if BASELINE not in names:
        raise InputError(file, "scenarios", f"a list that includes '{BASELINE}' (effects are paired against it)", names)
    seeds = tuple(derive_seed(seed, r) for r in range(replicates))
    exp = Experiment(
        name, file, dict(raw), place, scale, months, burn_in, tuple(scenarios), replicates, seed, params, chosen, seeds
    )
    if "uncertainty" in raw:
        exp = replace(exp, uncertainty=load_uncertainty(file, raw["uncertainty"], params))
    return exp


def resolved_config(exp: Experiment) -> dict[str, Any]:
    """Everything that determines the results, as plain data (what the config hash covers)."""
    return {
        "name": exp.name,
        "place": asdict(exp.place) | {"file": Path(exp.place.file).name},
        "scale": exp.scale,
        "months": exp.months,
        "burn_in_months": exp.burn_in_months,
        "replicates": exp.replicates,
        "seed": exp.seed,
        "seeds": list(exp.seeds),
        "scenarios": [asdict(s) | {"file": Path(s.file).name} for s in exp.scenarios],
        "parameters": {k: p.value for k, p in sorted(exp.params.entries.items())},
    } | ({"uncertainty": asdict(exp.uncertainty)} if exp.uncertainty else {})


def config_hash(resolved: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the resolved config."""
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()


def code_version() -> str:
    """`git describe --always --dirty` of the project, or the package version outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "package-" + metadata.version("disengage")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results."""
    out = {"python": platform.python_version()}
    for pkg in ("numpy", "numba", "mesa", "scipy", "matplotlib", "pyyaml"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def fmt(value: float | int | str) -> str:
    """One CSV cell: shortest exact repr for floats, so equal numbers give equal bytes."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """A plain comma-separated file with a header and '\\n' line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        for row in rows:
            fh.write(",".join(fmt(v) for v in row) + "\n")


def summarise(values: list[float]) -> tuple[float, float, float, int]:
    """Mean and 90% interval (5th-95th percentiles) over replicates, ignoring NaN."""
    vals = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    if vals.size == 0:
        return math.nan, math.nan, math.nan, 0
    lo, hi = np.quantile(vals, INTERVAL)
    return float(vals.mean()), float(lo), float(hi), int(vals.size)


@dataclass(frozen=True)
class RunSpec:
    """One model run: a scenario under one replicate's seed and parameters."""

    scenario: Scenario
    replicate: int
    seed: int
    params: Parameters


def replicate_params(exp: Experiment, replicate: int) -> Parameters:
    """The parameters a replicate runs with (the same for every scenario of the replicate, so effects pair).

    With an `uncertainty:` section the named behavioural parameters are drawn from their ranges, keyed by the
    experiment's seed and the replicate (model/uncertainty.py).
    """
    if exp.uncertainty is None:
        return exp.params
    return replicate_draw(exp.uncertainty, exp.params, exp.file, exp.seed, replicate)


def plan_runs(exp: Experiment) -> list[RunSpec]:
    """Every run of the experiment: each replicate's seed and parameters, for every scenario."""
    specs = []
    for r, seed in enumerate(exp.seeds):
        params = replicate_params(exp, r)
        specs.extend(RunSpec(sc, r, seed, params) for sc in exp.scenarios)
    return specs


def run_one(exp: Experiment, spec: RunSpec) -> np.ndarray:
    """Monthly counters of one run."""
    return simulate(
        spec.params, exp.place, exp.scale, spec.scenario, exp.months, exp.burn_in_months, spec.seed, exp.driver
    )


def effects_rows(final: dict[tuple[str, int], dict[str, float]], exp: Experiment) -> list[list]:
    """For each non-baseline scenario and effect: mean, lo, hi, n of the paired differences."""
    rows = []
    for sc in exp.scenarios:
        if sc.name == BASELINE:
            continue
        paired = [outcomes.paired_effects(final[(sc.name, r)], final[(BASELINE, r)]) for r in range(exp.replicates)]
        for name in outcomes.effect_columns():
            rows.append([sc.name, name, *summarise([p[name] for p in paired])])
    return rows


def write_tables(folder: Path, exp: Experiment, results: list[tuple[RunSpec, np.ndarray]]) -> None:
    """runs.csv, timeseries.csv and effects.csv from the runs' counters, in plan order."""
    cols = outcomes.columns()
    run_rows, ts_rows, final = [], [], {}
    for spec, counters in results:
        key = (spec.scenario.name, spec.replicate)
        final[key] = outcomes.final_year(counters)
        run_rows.append([spec.scenario.name, spec.replicate, spec.seed] + [final[key][c] for c in cols])
        for m, values in enumerate(outcomes.monthly(counters)):
            ts_rows.append([spec.scenario.name, spec.replicate, spec.seed, m] + [values[c] for c in cols])
    write_csv(folder / "runs.csv", ["scenario", "replicate", "seed"] + cols, run_rows)
    write_csv(folder / "timeseries.csv", ["scenario", "replicate", "seed", "month"] + cols, ts_rows)
    write_csv(folder / "effects.csv", ["scenario", "outcome", "mean", "lo", "hi", "n"], effects_rows(final, exp))


def run_experiment(
    path: str | Path,
    out: str | Path | None = None,
    driver: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Run every scenario for every replicate and write the results folder; returns its path."""
    exp = load_experiment(path, driver)
    out = Path(out) if out is not None else Path("results") / exp.name
    started = datetime.now(UTC).isoformat(timespec="seconds")
    specs = plan_runs(exp)
    results = []
    for i, spec in enumerate(specs):
        if progress:
            progress(f"run {i + 1}/{len(specs)}: replicate {spec.replicate + 1}, scenario {spec.scenario.name}")
        results.append((spec, run_one(exp, spec)))
    partial = out.parent / (out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    (partial / "figures").mkdir(parents=True)
    write_tables(partial, exp, results)
    from model.figures import headline_figure

    resolved = resolved_config(exp)
    manifest = {
        "experiment_file": str(exp.file),
        "config": exp.raw,
        "resolved": resolved,
        "config_hash": config_hash(resolved),
        "code_version": code_version(),
        "versions": package_versions(),
        "driver": exp.driver,
        "seeds": {str(r): s for r, s in enumerate(exp.seeds)},
        "started_utc": started,
    }
    if exp.uncertainty:
        draws = {str(r): drawn_values(exp.uncertainty, exp.params, exp.seed, r) for r in range(exp.replicates)}
        manifest["replicate_parameters"] = draws
    headline_figure(partial, manifest)
    manifest["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    os.replace(partial, out)
    return out
