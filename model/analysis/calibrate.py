"""Calibration: fit named free parameters so the baseline reproduces published UK figures (params/targets.yaml).

Every evaluation runs the baseline scenario under the same seeds (common random numbers), so the
objective is a deterministic function of the parameters and the optimiser does not chase noise.
The objective is the sum of squared misses, each in units of its target's tolerance, minimised by
scipy's bounded least-squares on a transformed scale, y = (x - lo) / (hi - lo) over each free
parameter's plausible range, so every parameter moves on the same 0-1 scale and every trial value
lies inside its range. The fitted values are then run under fresh seeds, and each target's mean
and 90% interval over those replicates is tabulated against its tolerance in calibration.csv.
"""

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml
from scipy.optimize import least_squares

from model.analysis.targets import QUANTITIES, Target, load_targets, model_value, window_sums
from model.core.rng import derive_seed
from model.experiments.experiment import BASELINE
from model.experiments.provenance import code_version, config_hash, package_versions
from model.experiments.tables import summarise, write_csv
from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.params import Parameters, decision_names, load_parameters, load_source_ids, refuse_dead_knob
from model.inputs.paths import DEFAULT_PARAMS_DIR, existing_ref
from model.inputs.scenario import Place, Scenario, load_place, load_scenario
from model.sim.simulate import DRIVERS, simulate

REQUIRED = {"name", "place", "scale", "months", "window_months", "free", "replicates", "seed", "max_evaluations"}
OPTIONAL = {"description", "targets", "check_replicates", "overrides", "params_dir", "driver", "significant_digits"}
MISS_WITHOUT_VALUE = 1e3  # a trial point where a target has no value (no cohort) counts as a very large miss
DIFF_STEP = 0.05  # finite-difference step, a share of the range: large enough to see past single decisions flipping


@dataclass(frozen=True)
class Calibration:
    """A checked calibration file with what it refers to loaded."""

    name: str
    file: str
    raw: dict
    place: Place
    scale: float
    months: int
    window_months: int
    free: tuple[str, ...]
    targets: tuple[Target, ...]  # every target for this place, fitted or validation
    params: Parameters  # the starting point
    seeds: tuple[int, ...]  # shared by every evaluation of the fit
    check_seeds: tuple[int, ...]  # fresh seeds for the table
    max_evaluations: int
    significant_digits: int
    driver: str
    baseline: Scenario

    @property
    def fitted_targets(self) -> tuple[Target, ...]:
        """The targets the fit aims at."""
        return tuple(t for t in self.targets if t.role == "fit")


def load_calibration(path: str | Path, max_evaluations: int | None = None) -> Calibration:
    """Read and check a calibration file, its targets and its free parameters."""
    file = str(path)
    raw = config.as_mapping(file, "", config.load_yaml(path))
    config.check_keys(file, "", raw, REQUIRED, OPTIONAL)
    base = Path(path).resolve().parent
    params_dir = (
        base / config.text(file, "params_dir", raw["params_dir"]) if "params_dir" in raw else DEFAULT_PARAMS_DIR
    )
    source_ids = load_source_ids(params_dir)
    params = load_parameters(params_dir)
    overrides = config.as_mapping(file, "overrides", raw.get("overrides") or {})
    params = params.with_overrides(overrides, file)
    for path in overrides:
        refuse_dead_knob(file, f"overrides.{path}", path, decision_names(params))
    place_ref = config.text(file, "place", raw["place"])
    place = load_place(existing_ref(file, "place", place_ref, "places", params_dir, base), source_ids)
    scale = config.number(file, "scale", raw["scale"], 0.0, 1.0)
    if scale <= 0:
        raise InputError(file, "scale", "a number in (0, 1]", scale)
    months = config.integer(file, "months", raw["months"], 1, 6000)
    window = config.integer(file, "window_months", raw["window_months"], 1, months)
    targets_path = params_dir / "targets.yaml"
    if "targets" in raw:
        targets_path = base / config.text(file, "targets", raw["targets"])  # an absolute path stays absolute
    targets = tuple(t for t in load_targets(targets_path, source_ids) if t.place == place.name)
    if not any(t.role == "fit" for t in targets):
        raise InputError(str(targets_path), "targets", f"at least one target with role 'fit' for place '{place.name}'")
    free = read_free(file, raw["free"], params)
    for i, path in enumerate(free):
        refuse_dead_knob(file, f"free[{i}]", path, decision_names(params))
    replicates = config.integer(file, "replicates", raw["replicates"], 1)
    checks = config.integer(file, "check_replicates", raw.get("check_replicates", 10), 1)
    seed = config.integer(file, "seed", raw["seed"], 0, 2**63 - 1)
    budget = config.integer(file, "max_evaluations", raw["max_evaluations"], 0)
    if max_evaluations is not None:
        budget = config.integer("command line", "--evaluations", max_evaluations, 0)
    digits = config.integer(file, "significant_digits", raw.get("significant_digits", 3), 1, 17)
    driver = config.choice(file, "driver", raw.get("driver", DRIVERS[0]), DRIVERS)
    baseline = load_scenario(params_dir / "scenarios" / f"{BASELINE}.yaml")
    return Calibration(
        name=config.text(file, "name", raw["name"]),
        file=file,
        raw=dict(raw),
        place=place,
        scale=scale,
        months=months,
        window_months=window,
        free=free,
        targets=targets,
        params=params,
        seeds=tuple(derive_seed(seed, r) for r in range(replicates)),
        check_seeds=tuple(derive_seed(seed, replicates + r) for r in range(checks)),
        max_evaluations=budget,
        significant_digits=digits,
        driver=driver,
        baseline=baseline,
    )


def read_free(file: str, raw: object, params: Parameters) -> tuple[str, ...]:
    """Free parameter paths: known, distinct, real-valued, each with a range to move in."""
    if not isinstance(raw, list) or not raw:
        raise InputError(file, "free", "a non-empty list of parameter paths", raw)
    paths = tuple(config.text(file, f"free[{i}]", p) for i, p in enumerate(raw))
    for i, path in enumerate(paths):
        entry = params.entries.get(path)
        if entry is None:
            raise InputError(file, f"free[{i}]", "a known parameter path (see docs/ODD.md, parameter table)", path)
        if entry.integer or not entry.lo < entry.hi:
            raise InputError(file, f"free[{i}]", "a real-valued parameter whose range has room to move", path)
        if not entry.lo <= entry.value <= entry.hi:
            raise InputError(
                file, f"free[{i}]", f"a parameter starting inside its range [{entry.lo}, {entry.hi}]", path
            )
    if len(set(paths)) != len(paths):
        raise InputError(file, "free", "distinct parameter paths", list(paths))
    return paths


def to_unit(x: float, lo: float, hi: float) -> float:
    """A value's position in its range [lo, hi], 0 to 1: the scale the fit moves on."""
    return (x - lo) / (hi - lo)


def from_unit(y: float, lo: float, hi: float) -> float:
    """The value at position y of the range [lo, hi]."""
    return lo + y * (hi - lo)


def with_values(cal: Calibration, values: dict[str, float]) -> Parameters:
    """The starting parameters with the free ones set."""
    return cal.params.with_overrides(values, cal.file)


def run_sums(cal: Calibration, params: Parameters, seeds: tuple[int, ...]) -> list[np.ndarray]:
    """Baseline counters summed over the final window, one array [segment, counter] per seed."""
    return [
        window_sums(
            simulate(params, cal.place, cal.scale, cal.baseline, cal.months, 0, seed, cal.driver), cal.window_months
        )
        for seed in seeds
    ]


def target_values(targets: tuple[Target, ...], sums: list[np.ndarray]) -> dict[str, list[float]]:
    """Each target's model value under each seed."""
    return {t.name: [model_value(t, s) for s in sums] for t in targets}


def misses(targets: tuple[Target, ...], values: dict[str, list[float]]) -> np.ndarray:
    """Each fitted target's miss in units of its tolerance: (mean over seeds - centre) / half-width."""
    return np.array([(float(np.mean(values[t.name])) - t.centre) / t.half_width for t in targets])


class BudgetSpent(Exception):
    """The fit has used its evaluations."""


@dataclass(frozen=True)
class Evaluation:
    """One point the fit tried: the free values, the fitted targets' misses and the objective."""

    values: dict[str, float]
    misses: np.ndarray

    @property
    def objective(self) -> float:
        """Sum of squared misses in tolerance units."""
        return float(np.sum(self.misses**2))


def fit(cal: Calibration, progress: Callable[[str], None] | None = None) -> list[Evaluation]:
    """Every point the least-squares fit evaluated, the starting point first (common random numbers throughout)."""
    bounds = [(cal.params.entries[p].lo, cal.params.entries[p].hi) for p in cal.free]
    y0 = np.array([to_unit(cal.params.value(p), lo, hi) for p, (lo, hi) in zip(cal.free, bounds, strict=True)])
    trail: list[Evaluation] = []
    seen: dict[tuple[float, ...], np.ndarray] = {}

    def residuals(y: np.ndarray) -> np.ndarray:
        key = tuple(float(v) for v in y)
        if key in seen:
            return seen[key]
        if len(trail) >= max(cal.max_evaluations, 1):
            raise BudgetSpent
        values = {p: from_unit(v, lo, hi) for p, v, (lo, hi) in zip(cal.free, key, bounds, strict=True)}
        sums = run_sums(cal, with_values(cal, values), cal.seeds)
        miss = misses(cal.fitted_targets, target_values(cal.fitted_targets, sums))
        if not trail and not np.all(np.isfinite(miss)):
            empty = [t.name for t, m in zip(cal.fitted_targets, miss, strict=True) if not np.isfinite(m)]
            raise InputError(cal.file, "scale", "a run large and long enough to give every target a value", empty)
        trail.append(Evaluation(values, np.nan_to_num(miss, nan=MISS_WITHOUT_VALUE)))
        seen[key] = trail[-1].misses
        if progress:
            best = min(e.objective for e in trail)
            progress(
                f"evaluation {len(trail)}/{cal.max_evaluations}: objective {trail[-1].objective:.3f} (best {best:.3f})"
            )
        return seen[key]

    def jacobian(y: np.ndarray) -> np.ndarray:
        """Forward differences of a fixed share of the range (backward at the top of a range)."""
        r0, columns = residuals(y), []
        for i in range(len(y)):
            step = DIFF_STEP if y[i] + DIFF_STEP <= 1.0 else -DIFF_STEP
            moved = y.copy()
            moved[i] += step
            columns.append((residuals(moved) - r0) / step)
        return np.column_stack(columns)

    residuals(y0)
    if cal.max_evaluations > 1:
        try:
            least_squares(residuals, y0, jac=jacobian, bounds=(0.0, 1.0), method="trf", xtol=1e-3, ftol=1e-3)
        except BudgetSpent:
            pass
    return trail


def rounded(cal: Calibration, values: dict[str, float]) -> dict[str, float]:
    """Fitted values to the file's significant digits (what is reported and can be copied into params/), in range."""
    out = {}
    for path, v in values.items():
        entry = cal.params.entries[path]
        r = float(f"{v:.{cal.significant_digits}g}")
        out[path] = min(max(r, entry.lo), entry.hi)
    return out


def table_rows(cal: Calibration, start: dict[str, list[float]], fitted: dict[str, list[float]]) -> list[list]:
    """calibration.csv: each target against the model at the start and fitted, under the check seeds."""
    rows = []
    for t in cal.targets:
        mean, lo, hi, n = summarise(fitted[t.name])
        start_mean = summarise(start[t.name])[0]
        tolerance = t.tolerance if t.tolerance is not None else ""
        passed = "yes" if t.lo <= mean <= t.hi else "no"
        q = QUANTITIES[t.quantity]
        rows.append(
            [t.name, t.role, t.quantity, q.unit, t.value, tolerance, t.lo, t.hi, start_mean, mean, lo, hi, n, passed]
            + [" ".join(t.sources)]
        )
    return rows


TABLE_HEADER = [
    "target",
    "role",
    "quantity",
    "unit",
    "published",
    "tolerance",
    "accept_lo",
    "accept_hi",
    "start_mean",
    "model_mean",
    "model_lo",
    "model_hi",
    "n",
    "pass",
    "sources",
]


def fitted_yaml(cal: Calibration, values: dict[str, float], start: float, best: float) -> str:
    """fitted.yaml: the fitted values as experiment overrides, with how the fit went."""
    head = [
        f"# Fitted by `disengage calibrate {Path(cal.file).name}` ({code_version()}) to '{cal.place.name}' targets.",
        "# Objective (sum of squared misses in tolerance units, common random numbers):"
        f" {start:.4g} at the start, {best:.4g} fitted.",
        "# Use as an experiment's `overrides:`, or copy into params/ (each value lies inside its range).",
    ]
    return "\n".join(head) + "\n" + yaml.safe_dump({"overrides": values}, sort_keys=False)


def calibrate(
    path: str | Path,
    out: str | Path | None = None,
    max_evaluations: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Fit the free parameters, check the fit under fresh seeds and write the results folder; returns its path."""
    cal = load_calibration(path, max_evaluations)
    out = Path(out) if out is not None else Path("results") / cal.name
    started = datetime.now(UTC).isoformat(timespec="seconds")
    trail = fit(cal, progress)
    best = min(trail, key=lambda e: e.objective)
    values = rounded(cal, best.values)
    if progress:
        progress(f"checking start and fitted values under {len(cal.check_seeds)} fresh seeds")
    start_values = target_values(cal.targets, run_sums(cal, cal.params, cal.check_seeds))
    fitted_values = target_values(cal.targets, run_sums(cal, with_values(cal, values), cal.check_seeds))
    partial = out.parent / (out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    write_csv(partial / "calibration.csv", TABLE_HEADER, table_rows(cal, start_values, fitted_values))
    names = [t.name for t in cal.fitted_targets]
    write_csv(
        partial / "evaluations.csv",
        ["evaluation", "objective", *cal.free, *(f"miss_{n}" for n in names)],
        [[i, e.objective, *e.values.values(), *(float(m) for m in e.misses)] for i, e in enumerate(trail)],
    )
    (partial / "fitted.yaml").write_text(fitted_yaml(cal, values, trail[0].objective, best.objective), encoding="utf-8")
    resolved = {
        "name": cal.name,
        "place": cal.place.name,
        "scale": cal.scale,
        "months": cal.months,
        "window_months": cal.window_months,
        "free": list(cal.free),
        "targets": [t.name for t in cal.targets],
        "seeds": list(cal.seeds),
        "check_seeds": list(cal.check_seeds),
        "max_evaluations": cal.max_evaluations,
        "parameters": {k: p.value for k, p in sorted(cal.params.entries.items())},
    }
    manifest = {
        "calibration_file": cal.file,
        "config": cal.raw,
        "resolved": resolved,
        "config_hash": config_hash(resolved),
        "code_version": code_version(),
        "versions": package_versions(),
        "driver": cal.driver,
        "evaluations": len(trail),
        "objective_start": trail[0].objective,
        "objective_fitted": best.objective,
        "fitted": values,
        "started_utc": started,
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    os.replace(partial, out)
    return out
