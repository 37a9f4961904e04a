"""The `design:` section of an experiment: the parameter values each design point runs with.

A design is a full-factorial `grid` of listed values, or an `lhs`, `sobol` or
`morris` sample drawn by SALib within each parameter's range (by default the
range in the parameter table). Every point runs every scenario for every
replicate under that replicate's seed, so effects stay paired (common random
numbers across scenarios and points). A per-segment pattern (`segments.*.rel_avoid`) is one factor: a shared
position in every segment's plausible range, -1 its low end, 0 the table's value, 1 its high end. An optional
`target_mcse` adds replicates in batches until the Monte Carlo standard error of each named effect is below its
tolerance, up to a cap.
"""

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from model.core import outcomes
from model.core.rng import hash4
from model.experiments.budget import check_points
from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.params import POSITION, Parameters, bounds_of, is_pattern

METHODS = ("grid", "lhs", "sobol", "morris")
SAMPLER_KEYS = {
    "lhs": ({"n_samples", "parameters"}, set()),
    "sobol": ({"n_samples", "parameters"}, {"second_order"}),
    "morris": ({"n_samples", "parameters"}, {"levels"}),
}
MCSE_KEYS = ({"effects", "max_replicates"}, {"batch_replicates"})
DESIGN_PURPOSE = 0xDE51  # the key under which the sampling seed is drawn from the master seed
DEFAULT_MORRIS_LEVELS = 4


@dataclass(frozen=True)
class MCSETarget:
    """Add replicates until each named effect's Monte Carlo standard error is at most its tolerance."""

    effects: Mapping[str, float]  # effect name -> tolerance, in the effect's own unit
    max_replicates: int
    batch_replicates: int


@dataclass(frozen=True)
class Design:
    """Design points: `points[i]` holds a value for each of `paths`, in order."""

    method: str  # one of METHODS, or "" when the design only sets target_mcse
    paths: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]  # sampled designs: each path's range; grid: min and max of its values
    points: tuple[tuple[float | int, ...], ...]
    n_samples: int = 0
    second_order: bool = False
    levels: int = 0
    seed: int = 0
    target_mcse: MCSETarget | None = None

    def values(self, point: int) -> tuple[tuple[str, float | int], ...]:
        """The (path, value) pairs of one design point."""
        return tuple(zip(self.paths, self.points[point], strict=True))

    def problem(self) -> dict[str, Any]:
        """The SALib problem: parameter names and bounds."""
        return {"num_vars": len(self.paths), "names": list(self.paths), "bounds": [list(b) for b in self.bounds]}

    def describe(self) -> dict[str, Any]:
        """The design as plain data, for the manifest and the config hash (points included)."""
        out: dict[str, Any] = {
            "method": self.method,
            "parameters": list(self.paths),
            "bounds": [list(b) for b in self.bounds],
            "n_samples": self.n_samples,
            "second_order": self.second_order,
            "levels": self.levels,
            "seed": self.seed,
            "points": [list(p) for p in self.points],
        }
        if self.target_mcse is not None:
            t = self.target_mcse
            out["target_mcse"] = {
                "effects": dict(t.effects),
                "max_replicates": t.max_replicates,
                "batch_replicates": t.batch_replicates,
            }
        return out


def design_seed(master_seed: int) -> int:
    """The sampling seed (32 bits, as numpy wants) drawn from the experiment's master seed."""
    return int(hash4(master_seed, 0, 0, DESIGN_PURPOSE) >> np.uint64(32))


def parameter_path(file: str, field: str, path: Any, params: Parameters, overrides: Mapping) -> str:
    """A design parameter: a known path or per-segment pattern, not also fixed by the experiment's `overrides`."""
    if not isinstance(path, str) or (path not in params.entries and not is_pattern(path)):
        raise InputError(file, field, "a known parameter path (see docs/ODD.md, parameter table)", path)
    if path in overrides:
        raise InputError(file, field, "a parameter not also set in `overrides` (the design sets it)", path)
    return path


def value_of(file: str, field: str, path: str, raw: Any) -> float | int:
    """One value of a design parameter, within the schema's hard bounds (a whole number for integers)."""
    lo, hi, is_int = bounds_of(path)
    if is_int:
        return config.integer(file, field, raw, int(lo), int(hi))
    return config.number(file, field, raw, lo, hi)


def read_grid(file: str, raw: Any, params: Parameters, overrides: Mapping) -> Design:
    """`grid: {path: [values]}`: every combination of the listed values, the first path varying slowest."""
    grid = config.as_mapping(file, "design.grid", raw)
    if not grid:
        raise InputError(file, "design.grid", "at least one parameter path with a list of values", dict(grid))
    paths, columns = [], []
    for path, values in grid.items():
        field = f"design.grid.{path}"
        paths.append(parameter_path(file, field, path, params, overrides))
        if not isinstance(values, list) or not values:
            raise InputError(file, field, "a non-empty list of values", values)
        vals = [value_of(file, f"{field}[{i}]", path, v) for i, v in enumerate(values)]
        if len(set(vals)) != len(vals):
            raise InputError(file, field, "distinct values", values)
        columns.append(vals)
    check_points(file, "design.grid", math.prod(len(c) for c in columns))
    bounds = tuple((float(min(c)), float(max(c))) for c in columns)
    return Design("grid", tuple(paths), bounds, tuple(itertools.product(*columns)))


def read_range(file: str, field: str, path: str, raw: Any, params: Parameters) -> tuple[float, float]:
    """A sampled parameter's range: `[lo, hi]` inside the hard bounds, or empty for the parameter table's range."""
    if raw is None and is_pattern(path):
        return POSITION  # every segment's whole plausible range
    if raw is None:
        entry = params.entries[path]
        lo, hi = entry.lo, entry.hi
        if not lo < hi:
            raise InputError(file, field, "a range [lo, hi] (the parameter table's range is a single value)", path)
        return lo, hi
    if not isinstance(raw, list) or len(raw) != 2:
        raise InputError(file, field, "a range [lo, hi], or nothing for the range in the parameter table", raw)
    lo_b, hi_b, _ = bounds_of(path)
    lo = config.number(file, f"{field}[0]", raw[0], lo_b, hi_b)
    hi = config.number(file, f"{field}[1]", raw[1], lo_b, hi_b)
    if not lo < hi:
        raise InputError(file, field, "lo < hi", raw)
    return lo, hi


def read_sampler(file: str, method: str, raw: Any, params: Parameters, overrides: Mapping, seed: int) -> Design:
    """`lhs`, `sobol` or `morris`: a sample size and ranges; SALib draws the points."""
    from SALib.sample import latin, morris, sobol

    base = f"design.{method}"
    block = config.as_mapping(file, base, raw)
    required, optional = SAMPLER_KEYS[method]
    config.check_keys(file, base, block, required, optional)
    n = config.integer(file, f"{base}.n_samples", block["n_samples"], 2, 1_000_000)
    if method == "sobol" and n & (n - 1):
        raise InputError(file, f"{base}.n_samples", "a power of 2 (Sobol sequences balance only then)", n)
    ranges = config.as_mapping(file, f"{base}.parameters", block["parameters"])
    if not ranges:
        raise InputError(file, f"{base}.parameters", "at least one parameter path", dict(ranges))
    paths, bounds = [], []
    for path, rng in ranges.items():
        field = f"{base}.parameters.{path}"
        paths.append(parameter_path(file, field, path, params, overrides))
        if method == "morris" and bounds_of(path)[2]:
            raise InputError(
                file, field, "a continuous parameter (rounding a whole number can erase a Morris step)", path
            )
        bounds.append(read_range(file, field, path, rng, params))
    second_order = config.boolean(file, f"{base}.second_order", block.get("second_order", False))
    levels = 0
    if method == "morris":
        levels = config.integer(file, f"{base}.levels", block.get("levels", DEFAULT_MORRIS_LEVELS), 2, 1000)
        if levels % 2:
            raise InputError(file, f"{base}.levels", "an even number of levels (Morris steps need it)", levels)
    d = len(paths)
    per_sample = {"lhs": 1, "sobol": (2 * d + 2) if second_order else (d + 2), "morris": d + 1}[method]
    check_points(file, f"{base}.n_samples", n * per_sample)  # before SALib draws them
    design = Design(method, tuple(paths), tuple(bounds), (), n, second_order, levels, design_seed(seed))
    problem = design.problem()
    if method == "lhs":
        sample = latin.sample(problem, n, seed=design.seed)
    elif method == "sobol":
        sample = sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=design.seed)
    else:
        sample = morris.sample(problem, n, num_levels=levels, seed=design.seed)
    integer = [bounds_of(p)[2] for p in paths]
    points = tuple(
        tuple(int(round(x)) if is_int else float(x) for x, is_int in zip(row, integer, strict=True)) for row in sample
    )
    return replace(design, points=points)


def read_target(file: str, raw: Any, replicates: int) -> MCSETarget:
    """`target_mcse: {effects: {name: tolerance}, max_replicates, batch_replicates?}`."""
    block = config.as_mapping(file, "design.target_mcse", raw)
    config.check_keys(file, "design.target_mcse", block, *MCSE_KEYS)
    effects = config.as_mapping(file, "design.target_mcse.effects", block["effects"])
    if not effects:
        raise InputError(file, "design.target_mcse.effects", "at least one effect name with a tolerance", {})
    known = set(outcomes.effect_columns())
    tolerances = {}
    for name, tol in effects.items():
        field = f"design.target_mcse.effects.{name}"
        if name not in known:
            raise InputError(file, field, "an effect name (see README, Reading the outputs)", name)
        tolerances[name] = config.number(file, field, tol, 0.0, math.inf, "a tolerance > 0 in the effect's unit")
        if tolerances[name] <= 0:
            raise InputError(file, field, "a tolerance > 0 in the effect's unit", tol)
    cap = config.integer(file, "design.target_mcse.max_replicates", block["max_replicates"], max(replicates, 2))
    batch = config.integer(file, "design.target_mcse.batch_replicates", block.get("batch_replicates", replicates), 1)
    return MCSETarget(tolerances, cap, batch)


def load_design(file: str, raw: Any, params: Parameters, overrides: Mapping, seed: int, replicates: int) -> Design:
    """Read and check an experiment's `design:` section; sampled designs are drawn here, once."""
    block = config.as_mapping(file, "design", raw)
    config.check_keys(file, "design", block, set(), set(METHODS) | {"target_mcse"})
    methods = [m for m in METHODS if m in block]
    if len(methods) > 1:
        raise InputError(file, "design", "one of grid, lhs, sobol or morris, not several", methods)
    if not methods and "target_mcse" not in block:
        raise InputError(file, "design", "a method (grid, lhs, sobol or morris) and/or target_mcse", dict(block))
    if not methods:
        design = Design("", (), (), ((),))
    elif methods[0] == "grid":
        design = read_grid(file, block["grid"], params, overrides)
    else:
        design = read_sampler(file, methods[0], block[methods[0]], params, overrides, seed)
    if "target_mcse" in block:
        target = read_target(file, block["target_mcse"], replicates)
        design = replace(design, target_mcse=target)
    return design


def design_from_record(file: str, raw: Any) -> Design:
    """A design as a manifest recorded it (`Design.describe`), points included, so a run can be repeated exactly."""
    rec = config.as_mapping(file, "resolved.design", raw)
    keys = {"method", "parameters", "bounds", "n_samples", "second_order", "levels", "seed", "points"}
    config.check_keys(file, "resolved.design", rec, keys, {"target_mcse"})
    method = config.choice(file, "resolved.design.method", rec["method"], ("", *METHODS))
    paths = rec["parameters"]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise InputError(file, "resolved.design.parameters", "a list of parameter paths", paths)
    width = len(paths)
    rows = {"bounds": rec["bounds"], "points": rec["points"]}
    for key, value in rows.items():
        if not isinstance(value, list) or not all(isinstance(r, list) and len(r) == (2 if key == "bounds" else width)
                                                  for r in value):  # fmt: skip
            raise InputError(file, f"resolved.design.{key}", "a list of rows, one value per parameter", value)
    points = tuple(tuple(rec_value(file, path, v) for path, v in zip(paths, row, strict=True)) for row in rec["points"])
    target = None
    if "target_mcse" in rec:
        t = config.as_mapping(file, "resolved.design.target_mcse", rec["target_mcse"])
        target = read_target(file, t, 1)
    return Design(
        method,
        tuple(paths),
        tuple((float(lo), float(hi)) for lo, hi in rec["bounds"]),
        points or ((),),
        config.integer(file, "resolved.design.n_samples", rec["n_samples"]),
        config.boolean(file, "resolved.design.second_order", rec["second_order"]),
        config.integer(file, "resolved.design.levels", rec["levels"]),
        config.integer(file, "resolved.design.seed", rec["seed"], 0, 2**32 - 1),
        target,
    )


def rec_value(file: str, path: str, raw: Any) -> float | int:
    """One recorded design value, checked against the schema (a known path, within its hard bounds)."""
    try:
        bounds_of(path)
    except (KeyError, IndexError):
        raise InputError(file, "resolved.design.parameters", "parameters this code knows", path) from None
    return value_of(file, f"resolved.design.points ({path})", path, raw)
