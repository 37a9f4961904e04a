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
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from model import config, jitcache, outcomes
from model.design import Design, load_design
from model.errors import InputError
from model.params import Parameters, load_parameters, load_source_ids
from model.rng import derive_seed
from model.scenario import Place, Scenario, load_place, load_scenario
from model.simulate import DRIVERS, simulate
from model.uncertainty import Uncertainty, drawn_values, load_uncertainty, replicate_draw, uncertainty_record

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PARAMS_DIR = REPO / "params"
BASELINE = "baseline"
INTERVAL = (0.05, 0.95)  # 90% interval over replicates
EXPERIMENT_REQUIRED = {"name", "place", "scale", "months", "burn_in_months", "scenarios", "replicates", "seed"}
EXPERIMENT_OPTIONAL = {"description", "overrides", "driver", "params_dir", "design", "uncertainty"}


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
    if "design" in raw:
        exp = replace(exp, design=load_design(file, raw["design"], params, overrides, seed, replicates))
    if "uncertainty" in raw:
        exp = replace(exp, uncertainty=load_uncertainty(file, raw["uncertainty"], params))
    return exp


def resolved_config(exp: Experiment) -> dict[str, Any]:
    """Everything that determines the results, as plain data (what the config hash covers)."""
    return (
        {
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
        }
        | ({"design": exp.design.describe()} if exp.design is not None else {})
        | ({"uncertainty": uncertainty_record(exp.uncertainty, exp.params)} if exp.uncertainty else {})
    )


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


def code_dirty(version: str) -> bool | None:
    """Whether tracked files differed from the commit (git's "-dirty"); None outside a git checkout."""
    return None if version.startswith("package-") else version.endswith("-dirty")


def code_sources_hash() -> str:
    """Hash of the model's .py files: tells two code states apart even when both are dirty or not in git."""
    return jitcache.sources_hash(Path(__file__).resolve().parent)


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


def csv_line(row: list) -> str:
    """One CSV line with its '\\n'."""
    return ",".join(fmt(v) for v in row) + "\n"


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """A plain comma-separated file with a header and '\\n' line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        for row in rows:
            fh.write(csv_line(row))


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
    point: int = 0  # design point (0 when the experiment has no design)
    design_values: tuple[tuple[str, float | int], ...] = ()  # the design point's (path, value) pairs


def replicate_params(exp: Experiment, replicate: int) -> Parameters:
    """The parameters a replicate runs with (the same for every scenario of the replicate, so effects pair).

    With an `uncertainty:` section the named behavioural parameters are drawn from their ranges, keyed by the
    experiment's seed and the replicate (model/uncertainty.py).
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
    return simulate(
        spec.params, exp.place, exp.scale, spec.scenario, exp.months, exp.burn_in_months, spec.seed, exp.driver
    )


def mcse(values: list[float]) -> float:
    """Monte Carlo standard error of a mean over replicates: sd / sqrt(n), ignoring NaN; NaN below 2 values."""
    vals = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    return float(vals.std(ddof=1) / math.sqrt(vals.size)) if vals.size >= 2 else math.nan


def paired_effects_by_group(
    exp: Experiment, specs: list[RunSpec], final: dict[tuple[str, int, int], dict[str, float]]
) -> dict[tuple[str, int], list[dict[str, float]]]:
    """Paired effects against baseline for each (scenario, design point), one per replicate, in replicate order."""
    groups: dict[tuple[str, int], list[dict[str, float]]] = {}
    for spec in specs:
        if spec.scenario.name != BASELINE:
            row, base = (
                final[(spec.scenario.name, spec.point, spec.replicate)],
                final[(BASELINE, spec.point, spec.replicate)],
            )
            groups.setdefault((spec.scenario.name, spec.point), []).append(outcomes.paired_effects(row, base))
    return groups


def design_header(exp: Experiment) -> list[str]:
    """`point` and the design's parameter paths (nothing when the experiment has no design)."""
    return ["point", *exp.design.paths] if exp.design is not None else []


def design_cells(exp: Experiment, point: int) -> list:
    """The design point's index and parameter values (nothing when the experiment has no design)."""
    return [point, *exp.design.points[point]] if exp.design is not None else []


def effects_rows(
    final: dict[tuple[str, int, int], dict[str, float]], exp: Experiment, specs: list[RunSpec]
) -> list[list]:
    """For each non-baseline scenario, design point and effect: mean, lo, hi, n (and MCSE under target_mcse)."""
    groups = paired_effects_by_group(exp, specs, final)
    with_mcse = exp.design is not None and exp.design.target_mcse is not None
    rows = []
    for sc in exp.scenarios:
        for (name, point), paired in groups.items():
            if name != sc.name:
                continue
            for effect in outcomes.effect_columns():
                values = [p[effect] for p in paired]
                rows.append(
                    [sc.name, *design_cells(exp, point), effect, *summarise(values)]
                    + ([mcse(values)] if with_mcse else [])
                )
    return rows


def write_tables(folder: Path, exp: Experiment, results: Iterable[tuple[RunSpec, np.ndarray]]) -> None:
    """runs.csv, timeseries.csv and effects.csv from the runs' counters, given in plan order.

    Time series are written as each run arrives, so memory holds only the final-year rows.
    With a design, tables gain `point` and the design's parameter columns.
    """
    cols = outcomes.columns()
    has_design = exp.design is not None
    lead = ["scenario", "replicate"] + (["point"] if has_design else []) + ["seed"]
    run_rows, final, specs = [], {}, []
    with (folder / "timeseries.csv").open("w", encoding="utf-8", newline="") as ts:
        ts.write(",".join(lead + ["month"] + cols) + "\n")
        for spec, counters in results:
            key = (spec.scenario.name, spec.point, spec.replicate)
            final[key] = outcomes.final_year(counters)
            specs.append(spec)
            ids = [spec.scenario.name, spec.replicate] + ([spec.point] if has_design else []) + [spec.seed]
            run_rows.append(ids + design_cells(exp, spec.point)[1:] + [final[key][c] for c in cols])
            for m, monthly in enumerate(outcomes.monthly(counters)):
                ts.write(csv_line(ids + [m] + [monthly[c] for c in cols]))
    write_csv(folder / "runs.csv", lead + design_header(exp)[1:] + cols, run_rows)
    mcse_col = ["mcse"] if has_design and exp.design.target_mcse is not None else []
    write_csv(
        folder / "effects.csv",
        ["scenario", *design_header(exp), "outcome", "mean", "lo", "hi", "n", *mcse_col],
        effects_rows(final, exp, specs),
    )


def publish(stage: Path, out: Path) -> None:
    """Move every staged table, figure and report into the results folder, one atomic rename each, manifest last."""
    files = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    for name in sorted(files, key=lambda f: f == Path("manifest.json")):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / name, out / name)
    shutil.rmtree(stage)


def run_experiment(
    path: str | Path,
    out: str | Path | None = None,
    driver: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force_new: bool = False,
) -> Path:
    """Run every scenario for every replicate (and design point) and write the results folder; returns its path.

    Runs go to the folder's store as they finish; runs already stored are skipped, so a
    killed or failed experiment resumes where it stopped. Tables are written from the
    store in plan order, so they do not depend on the executor or the order runs finished.
    """
    from model.store import ResultStore
    from model.sweep import Settings, run_all

    exp = load_experiment(path, driver)
    out = Path(out) if out is not None else Path("results") / exp.name
    started = datetime.now(UTC).isoformat(timespec="seconds")
    resolved = resolved_config(exp)
    with ResultStore.open(out, resolved, config_hash(resolved), force_new) as store:
        plan = run_all(exp, store, Settings(workers, executor, scheduler), progress)
        stage = out / ".tables.partial"
        if stage.exists():
            shutil.rmtree(stage)
        (stage / "figures").mkdir(parents=True)
        write_tables(stage, exp, ((spec, store.load(rid)) for spec, rid in zip(plan.specs, plan.ids, strict=True)))
        from model.report import figures_and_report

        replicates_run = max(spec.replicate for spec in plan.specs) + 1
        version = code_version()
        manifest = {
            "experiment_file": str(exp.file),
            "config": exp.raw,
            "resolved": resolved,
            "config_hash": config_hash(resolved),
            "code_version": version,
            "code_dirty": code_dirty(version),
            "code_sources_hash": code_sources_hash(),
            "versions": package_versions(),
            "machine": platform.machine(),
            "driver": exp.driver,
            "seeds": {str(r): derive_seed(exp.seed, r) for r in range(replicates_run)},
            "replicates_run": replicates_run,
            "store": {
                "runs": f"store/runs ({len(set(plan.ids))} Parquet files)",
                "executor": executor,
                "workers": workers,
            },
            "started_utc": started,
        }
        if exp.uncertainty:
            manifest["replicate_parameters"] = {
                str(r): drawn_values(exp.uncertainty, exp.params, exp.seed, r) for r in range(replicates_run)
            }
        manifest["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        figures_and_report(stage, manifest)
        publish(stage, out)
    return out
