"""`disengage reproduce DIR`: re-run a results folder from its manifest alone and compare the tables byte for byte.

The manifest's "resolved" section holds every parameter value, the place and
the scenarios as run and the seed of every replicate, so neither the
experiment file nor params/ is read to re-run: a folder copied to another
machine reproduces with the code alone. What cannot be re-created (the code
and package versions) is compared and reported beside the tables.
"""

import json
import platform
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from model.core.layout import SEGMENTS
from model.core.rng import derive_seed
from model.experiments.design import design_from_record
from model.experiments.experiment import BASELINE, Experiment, plan_runs, run_measured
from model.experiments.provenance import code_sources_hash, code_version, config_hash, input_hashes, package_versions
from model.experiments.tablediff import TableDiff, compare_folders, report
from model.experiments.tables import Result, write_tables
from model.experiments.uncertainty import uncertainty_from_record
from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.measles_params import BOUNDS as MEASLES_BOUNDS
from model.inputs.measles_params import MeaslesParams
from model.inputs.params import DEFAULT_SCHEMA, SEGMENT_SCHEMA, Param, Parameters, bounds_of, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import NEED_RATE_FACTOR, SAMPLE_KEYS, SHARE_TOLERANCE, Place, Sample, Scenario, read_flow
from model.sim.measles import MeaslesSetup
from model.sim.simulate import DRIVERS

RESOLVED_KEYS = {
    "name",
    "place",
    "scale",
    "months",
    "burn_in_months",
    "replicates",
    "seed",
    "seeds",
    "scenarios",
    "parameters",
}
MAX_PARAMETERS_LISTED = 10


def schema_paths() -> list[str]:
    """Every parameter path the schema defines, in the order params/ lists them."""
    paths = [f"{section}.{name}" for section, names in DEFAULT_SCHEMA.items() for name in names]
    return paths + [f"segments.{seg}.{name}" for seg in SEGMENTS for name in SEGMENT_SCHEMA]


def parameters_from_record(file: str, values: Any) -> Parameters:
    """Parameters from the manifest's `{path: value}`: every schema path present, each value within its hard bounds.

    Only values reach the rules; ranges, units and sources are not recorded, so each entry keeps the schema's
    bounds as its range and names the manifest as its origin.
    """
    field = "resolved.parameters"
    values = config.as_mapping(file, field, values)
    known = schema_paths()
    for path in values:
        if path not in known:
            raise InputError(file, f"{field}.{path}", "a parameter this code knows (was the run made by other code?)")
    entries = {}
    for path in known:
        if path not in values:
            raise InputError(file, f"{field}.{path}", "a recorded value (was the run made by other code?)")
        lo, hi, is_int = bounds_of(path)
        value = config.number(file, f"{field}.{path}", values[path], lo, hi)
        if is_int and not value.is_integer():
            raise InputError(file, f"{field}.{path}", f"a whole number in [{int(lo)}, {int(hi)}]", values[path])
        entries[path] = Param(value, lo, hi, "", "", f"value recorded in {file}", file, is_int)
    return Parameters(MappingProxyType(entries))


def place_from_record(file: str, raw: Any) -> Place:
    """The place as run, from the manifest."""
    field = "resolved.place"
    rec = config.as_mapping(file, field, raw)
    config.check_keys(
        file, field, rec, {"name", "n_families", "n_children", "segment_shares", "file"}, {"need_rate_factor", "sample"}
    )
    n_families = config.integer(file, f"{field}.n_families", rec["n_families"], 1)
    n_children = config.integer(file, f"{field}.n_children", rec["n_children"], n_families)
    shares = rec["segment_shares"]
    if not isinstance(shares, list) or len(shares) != len(SEGMENTS):
        raise InputError(file, f"{field}.segment_shares", f"a list of {len(SEGMENTS)} shares ({', '.join(SEGMENTS)})")
    shares = [config.number(file, f"{field}.segment_shares[{i}]", v, 0.0, 1.0) for i, v in enumerate(shares)]
    if abs(sum(shares) - 1.0) > SHARE_TOLERANCE:
        raise InputError(file, f"{field}.segment_shares", "shares summing to 1", round(sum(shares), 9))
    return Place(
        config.text(file, f"{field}.name", rec["name"]),
        n_families,
        n_children,
        tuple(shares),
        config.text(file, f"{field}.file", rec["file"]),
        config.number(file, f"{field}.need_rate_factor", rec.get("need_rate_factor", 1.0), *NEED_RATE_FACTOR),
        sample_from_record(file, f"{field}.sample", rec["sample"]) if "sample" in rec else None,
    )


def sample_from_record(file: str, field: str, raw: Any) -> Sample:
    """A stratified sample as run, from the manifest."""
    rec = config.as_mapping(file, field, raw)
    config.check_keys(file, field, rec, set(SAMPLE_KEYS))
    return Sample(*(config.integer(file, f"{field}.{k}", rec[k], 1) for k in SAMPLE_KEYS))


def scenario_from_record(file: str, field: str, raw: Any) -> Scenario:
    """One scenario as run, from the manifest; its flows are checked as a scenario file's are."""
    rec = config.as_mapping(file, field, raw)
    config.check_keys(file, field, rec, {"name", "description", "flows", "file"}, {"label"})
    flows = rec["flows"]
    if not isinstance(flows, list):
        raise InputError(file, f"{field}.flows", "a list of flows (may be empty)", flows)
    return Scenario(
        config.text(file, f"{field}.name", rec["name"]),
        config.text(file, f"{field}.description", rec["description"]),
        tuple(read_flow(file, f"{field}.flows[{i}]", f) for i, f in enumerate(flows)),
        config.text(file, f"{field}.file", rec["file"]),
        config.text(file, f"{field}.label", rec["label"]) if rec.get("label") else "",
    )


def experiment_from_manifest(manifest: Mapping[str, Any], file: str = "manifest.json") -> Experiment:
    """The experiment exactly as it ran, from a manifest alone (no experiment file, no params/)."""
    manifest = config.as_mapping(file, "", manifest)
    for key in ("resolved", "driver"):
        if key not in manifest:
            raise InputError(file, key, "this key to be present (a manifest written by `disengage run`)")
    res = config.as_mapping(file, "resolved", manifest["resolved"])
    config.check_keys(file, "resolved", res, RESOLVED_KEYS, {"design", "uncertainty", "measles"})
    scale = config.number(file, "resolved.scale", res["scale"], 0.0, 1.0)
    months = config.integer(file, "resolved.months", res["months"], 1)
    burn_in = config.integer(file, "resolved.burn_in_months", res["burn_in_months"], 0, months - 1)
    replicates = config.integer(file, "resolved.replicates", res["replicates"], 1)
    seed = config.integer(file, "resolved.seed", res["seed"], 0, 2**63 - 1)
    seeds = res["seeds"]
    if not isinstance(seeds, list) or len(seeds) != replicates:
        raise InputError(file, "resolved.seeds", f"a list of {replicates} replicate seeds", seeds)
    seeds = tuple(config.integer(file, f"resolved.seeds[{i}]", s, 0, 2**63 - 1) for i, s in enumerate(seeds))
    if not isinstance(res["scenarios"], list):
        raise InputError(file, "resolved.scenarios", "a list of scenarios as run", res["scenarios"])
    scenarios = tuple(scenario_from_record(file, f"resolved.scenarios[{i}]", s) for i, s in enumerate(res["scenarios"]))
    if BASELINE not in [s.name for s in scenarios]:
        raise InputError(file, "resolved.scenarios", f"a list that includes '{BASELINE}'")
    raw = manifest.get("config") or {}
    params = parameters_from_record(file, res["parameters"])
    uncertainty = None
    if "uncertainty" in res:  # each replicate drew behaviour: the ranges it drew over are recorded with it
        uncertainty, params = uncertainty_from_record(file, res["uncertainty"], params)
    design = design_from_record(file, res["design"]) if "design" in res else None
    if design is not None and design.target_mcse is not None:  # the replicates target_mcse added are in "seeds"
        run_seeds = config.as_mapping(file, "seeds", manifest.get("seeds"))
        replicates = len(run_seeds)
        seeds = tuple(
            config.integer(file, f"seeds.{r}", run_seeds.get(str(r)), 0, 2**63 - 1) for r in range(replicates)
        )
    return Experiment(
        name=config.text(file, "resolved.name", res["name"]),
        file=file,
        raw=dict(config.as_mapping(file, "config", raw)),
        place=place_from_record(file, res["place"]),
        scale=scale,
        months=months,
        burn_in_months=burn_in,
        scenarios=scenarios,
        replicates=replicates,
        seed=seed,
        params=params,
        driver=config.choice(file, "driver", manifest["driver"], DRIVERS),
        seeds=seeds,
        design=design,
        uncertainty=uncertainty,
        measles=measles_from_record(file, res["measles"]) if "measles" in res else None,
    )


def measles_from_record(file: str, record: Any) -> MeaslesSetup:
    """The measles layer's settings and parameters as the manifest recorded them (experiment.measles_record)."""
    rec = config.as_mapping(file, "resolved.measles", record)
    config.check_keys(file, "resolved.measles", rec, {"importations_per_community", "cap_cases", "parameters",
                                                       "lower_age_months", "contacts"})  # fmt: skip
    values = config.as_mapping(file, "resolved.measles.parameters", rec["parameters"])
    config.check_keys(file, "resolved.measles.parameters", values, set(MEASLES_BOUNDS))
    field = "resolved.measles.parameters"
    mp = MeaslesParams(
        **{k: config.number(file, f"{field}.{k}", v, *MEASLES_BOUNDS[k]) for k, v in values.items()},
        lower_age_months=tuple(int(a) for a in rec["lower_age_months"]),
        contacts=np.array(rec["contacts"], dtype=np.float64),
    )
    per = config.integer(file, "resolved.measles.importations_per_community", rec["importations_per_community"], 1)
    return MeaslesSetup(mp, per, config.integer(file, "resolved.measles.cap_cases", rec["cap_cases"], 21))


def read_manifest(folder: Path) -> dict[str, Any]:
    """DIR/manifest.json as data."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError(str(path), "", "a results folder's manifest.json (written by `disengage run`)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"line {exc.lineno}", "valid JSON", exc.msg) from None


def rerun_tables(exp: Experiment, folder: Path, progress: Callable[[str], None] | None = None) -> int:
    """Run every planned run again and write the three tables into `folder`; returns the number of runs."""
    specs = plan_runs(exp)
    results: list[Result] = []
    for i, spec in enumerate(specs):
        if progress:
            progress(f"re-run {i + 1}/{len(specs)}: replicate {spec.replicate + 1}, scenario {spec.scenario.name}")
        results.append((spec, *run_measured(exp, spec)))
    folder.mkdir(parents=True, exist_ok=True)
    write_tables(folder, exp, results)
    return len(specs)


def code_differences(manifest: Mapping[str, Any]) -> list[str]:
    """One line for each way the code, the package versions or the machine here differ from those recorded."""
    lines = []
    recorded_version, here_version = manifest.get("code_version"), code_version()
    recorded_hash, here_hash = manifest.get("code_sources_hash"), code_sources_hash()
    if recorded_hash is None and recorded_version != here_version:  # a manifest from before sources were hashed
        lines.append(f"code differs: recorded {recorded_version}, here {here_version}")
    elif recorded_hash is not None and recorded_hash != here_hash:
        lines.append(
            f"code differs: recorded {recorded_version} (model sources {recorded_hash[:12]}), "
            f"here {here_version} (model sources {here_hash[:12]})"
        )
    recorded = manifest.get("versions") or {}
    moved = [
        f"{k} {recorded.get(k, '(not recorded)')} recorded, {v} here"
        for k, v in package_versions().items()
        if recorded.get(k) != v
    ]
    if moved:
        lines.append("versions differ: " + "; ".join(moved))
    if manifest.get("machine") not in (None, platform.machine()):
        lines.append(f"machine differs: {manifest['machine']} recorded, {platform.machine()} here")
    return lines


def config_notes(manifest: Mapping[str, Any], exp: Experiment, file: str) -> list[str]:
    """What a reader should know about how the run was recorded: a dirty tree, edits to the manifest, seeds that
    no longer derive from the master seed, parameters that params/ today would not give."""
    notes = []
    if manifest.get("code_dirty"):
        notes.append(
            f"code: the run was made from a checkout with uncommitted changes ({manifest.get('code_version')})"
        )
    if manifest.get("sets"):
        notes.append(f"config: the experiment file with --set {' '.join(map(str, manifest['sets']))} applied "
                     "(manifest 'sets'; 'config' holds the result)")  # fmt: skip
    edited = edited_inputs(manifest)
    notes.extend(f"{file}: {what} was edited after the run (its hash no longer matches)" for what in edited.values())
    if "resolved" not in edited and manifest.get("config_hash") != config_hash(manifest["resolved"]):
        notes.append(f"{file}: its resolved config no longer matches its config_hash (edited after the run)")
    derived = tuple(derive_seed(exp.seed, r) for r in range(exp.replicates))
    if derived != exp.seeds and "seeds" not in edited:
        notes.append(
            "seeds: the recorded replicate seeds no longer derive from the master seed here: "
            "the random streams changed (model/core/rng.py or a dependency), so every stored result moves"
        )
    notes.extend(parameter_notes(exp, file))
    return notes


HASHED = {  # what the manifest's "hashes" cover, and how a note names each
    "config": "the experiment as written ('config')",
    "resolved": "the resolved values ('resolved')",
    "seeds": "the master seed or the replicate seeds ('resolved.seed', 'resolved.seeds')",
    "code_version": "the code version ('code_version')",
}


def edited_inputs(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Which of the things that made the numbers no longer match the hashes recorded beside them (key -> name).

    A manifest from before these hashes were recorded gives nothing here (its config_hash is still checked).
    """
    recorded = manifest.get("hashes")
    if not isinstance(recorded, Mapping):
        return {}
    resolved = manifest.get("resolved") if isinstance(manifest.get("resolved"), Mapping) else {}
    try:
        now = input_hashes(manifest.get("config"), dict(resolved), manifest.get("code_version"))
    except (TypeError, ValueError):
        return dict(HASHED)
    return {k: name for k, name in HASHED.items() if recorded.get(k) != now[k]}


def parameter_notes(exp: Experiment, file: str) -> list[str]:
    """Parameters recorded that params/ today (with the recorded overrides) would not give: re-running the
    experiment file now would not reproduce these numbers."""
    if "params_dir" in exp.raw:
        return ["parameters: the run used its own params_dir; not compared with params/ today"]
    try:
        today = load_parameters(DEFAULT_PARAMS_DIR).with_overrides(exp.raw.get("overrides") or {}, file)
    except InputError as exc:
        return [f"parameters: params/ today cannot be compared ({exc})"]
    moved = [
        f"{path} {p.value!r} recorded, {today.value(path)!r} in params/ today"
        for path, p in exp.params.entries.items()
        if path in today.entries and today.value(path) != p.value
    ]
    if not moved:
        return []
    listed = "; ".join(moved[:MAX_PARAMETERS_LISTED])
    more = f"; and {len(moved) - MAX_PARAMETERS_LISTED} more" if len(moved) > MAX_PARAMETERS_LISTED else ""
    return [f"parameters differ from params/ today: {listed}{more}"]


@dataclass(frozen=True)
class Reproduction:
    """The outcome of `reproduce`: identical or not, the tables compared and what a reader should know."""

    identical: bool
    n_runs: int
    diffs: tuple[TableDiff, ...]
    code_differences: tuple[str, ...]
    notes: tuple[str, ...]

    def text(self) -> str:
        """The report printed by `disengage reproduce`."""
        if self.identical:
            extra = self.code_differences + self.notes
            return "\n".join([f"reproduced: {self.n_runs} runs identical", *(f"note: {n}" for n in extra)])
        runs = next(d for d in self.diffs if d.table == "runs.csv")
        status = ", ".join(f"{d.table} {'identical' if d.identical else 'differs'}" for d in self.diffs)
        lines = [
            f"not reproduced: {runs.rows_differ} of {runs.n_rows} runs differ ({status})",
            report(list(self.diffs)),
        ]
        lines.extend(self.code_differences or ["code and package versions: as recorded"])
        lines.extend(self.notes)
        return "\n".join(lines)


def reproduce(
    folder: str | Path, out: str | Path | None = None, progress: Callable[[str], None] | None = None
) -> Reproduction:
    """Re-run the results folder from its manifest into a fresh folder (`out`, or a temporary one) and compare."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    file = str(folder / "manifest.json")
    exp = experiment_from_manifest(manifest, file)
    if out is not None and Path(out).exists() and (not Path(out).is_dir() or any(Path(out).iterdir())):
        raise InputError(str(out), "", "a folder that does not exist yet or is empty (reproduce writes a fresh one)")
    with tempfile.TemporaryDirectory(prefix="disengage-reproduce-") as scratch:
        fresh = Path(out) if out is not None else Path(scratch)
        n_runs = rerun_tables(exp, fresh, progress)
        diffs = tuple(compare_folders(folder, fresh))
    return Reproduction(
        all(d.identical for d in diffs),
        n_runs,
        diffs,
        tuple(code_differences(manifest)),
        tuple(config_notes(manifest, exp, file)),
    )
