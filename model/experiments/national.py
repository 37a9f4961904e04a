"""A national experiment: several nations, each an experiment with the policies that apply there, run one after
another into DIR/<nation>/, then the counts a committee can quote for each nation and for all of them together
(DIR/national_counts.csv, model/experiments/counts.py).

A national file holds what the nations share (months, burn-in, replicates, seed, uncertainty, sample) and under
`nations:` each nation's place, scale, scenarios and overrides. Every nation runs under the same seed, so replicate r
draws the same behaviour in every nation and the sum over nations pairs replicate by replicate.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.experiments import counts
from model.experiments.experiment import BASELINE, Experiment, experiment_from_raw
from model.experiments.runner import Finish, run_loaded
from model.experiments.store import STORE, read_counters, read_info
from model.experiments.sweep import make_plan, shared_key
from model.inputs import config
from model.inputs.errors import InputError

NATIONAL_REQUIRED = {"name", "months", "burn_in_months", "replicates", "seed", "nations"}
NATIONAL_OPTIONAL = {"description", "uncertainty", "sample", "driver", "params_dir", "measles"}
NATION_REQUIRED = {"place", "scale", "scenarios"}
NATION_OPTIONAL = {"description", "overrides"}
ALL_NATIONS = "england_and_wales"  # the nations together, in national_counts.csv
MANIFEST = "national.json"


@dataclass(frozen=True)
class National:
    """A checked national experiment: its name and each nation's experiment."""

    name: str
    file: str
    raw: dict
    nations: tuple[tuple[str, Experiment], ...]


def is_national(data: Any) -> bool:
    """Whether a file's contents are a national experiment (it has `nations:`)."""
    return isinstance(data, dict) and "nations" in data


def load_national(path: str | Path, driver: str | None = None, workers: int = 1) -> National:
    """Read a national file and check each nation as the experiment it expands to."""
    file = str(path)
    raw = config.as_mapping(file, "", config.load_yaml(path))
    config.check_keys(file, "", raw, NATIONAL_REQUIRED, NATIONAL_OPTIONAL)
    name = config.identifier(file, "name", raw["name"])
    nations = config.as_mapping(file, "nations", raw["nations"])
    if not nations:
        raise InputError(file, "nations", "at least one nation (england: {place: ..., scale: ..., scenarios: [...]})")
    shared = {k: v for k, v in raw.items() if k not in ("nations", "description")}
    out = []
    for nation, section in nations.items():
        nation = config.identifier(file, f"nations.{nation}", nation)
        section = config.as_mapping(file, f"nations.{nation}", section)
        config.check_keys(file, f"nations.{nation}", section, NATION_REQUIRED, NATION_OPTIONAL)
        exp_raw = {**shared, **section, "name": f"{name}_{nation}"}
        exp = experiment_from_raw(f"{file} (nations.{nation})", exp_raw, Path(path).resolve().parent, driver, workers)
        out.append((nation, exp))
    first = out[0][1]
    if first.months - first.burn_in_months < 12:  # national_counts.csv counts whole years of policy
        expected = f"at least burn_in_months + 12 (a whole year of policy after {first.burn_in_months} months)"
        raise InputError(file, "months", expected)
    return National(name, file, dict(raw), tuple(out))


def stored_totals(exp: Experiment, folder: Path, spans: list) -> dict[tuple[str, int], list]:
    """Each run's period totals, weighted to the real place, by (scenario, replicate), read from the folder's store."""
    plan = make_plan(exp, exp.replicates, shared_key(exp))
    weights = exp.place.weights(exp.scale)
    return {
        (spec.scenario.name, spec.replicate): counts.period_totals(
            read_counters(folder / STORE / "runs" / f"{rid}.parquet"), weights, spans
        )
        for spec, rid in zip(plan.specs, plan.ids, strict=True)
    }


def stored_measles(exp: Experiment, folder: Path) -> dict[tuple[str, int], dict[str, float]]:
    """Each run's measles outcomes by (scenario, replicate), read from the folder's store (empty without `measles:`)."""
    if exp.measles is None:
        return {}
    plan = make_plan(exp, exp.replicates, shared_key(exp))
    return {
        (spec.scenario.name, spec.replicate): read_info(folder / STORE / "runs" / f"{rid}.parquet")["measles"]
        for spec, rid in zip(plan.specs, plan.ids, strict=True)
    }


def national_rows(nat: National, out: Path) -> list[list]:
    """Rows of national_counts.csv: each nation's scenarios, then the scenarios every nation runs, summed."""
    first = nat.nations[0][1]
    spans = counts.periods(first.months, first.burn_in_months)
    rows, by_nation = [], {}
    for nation, exp in nat.nations:
        totals = stored_totals(exp, out / nation, spans)
        measles = stored_measles(exp, out / nation)
        by_nation[nation] = (exp, totals, measles)
        for sc in exp.scenarios:
            if sc.name == BASELINE:
                continue
            paired = {r: (totals[(sc.name, r)], totals[(BASELINE, r)]) for r in range(exp.replicates)}
            rows += counts.rows_for(nation, sc.name, counts.matching_from(sc), spans, paired)
            if measles:
                pairs = {r: (measles[(sc.name, r)], measles[(BASELINE, r)]) for r in range(exp.replicates)}
                rows += counts.measles_rows(nation, sc.name, pairs)
    if len(nat.nations) > 1:
        common = [sc for sc in first.scenarios if all(sc.name in {s.name for s in e.scenarios} for _, e in nat.nations)]
        summable = tuple(m for m in counts.MEASURES if m.name in counts.SUMMABLE)
        for sc in common:
            if sc.name == BASELINE:
                continue
            paired = {
                r: tuple(
                    [sum(by_nation[n][1][(name, r)][i] for n, _ in nat.nations) for i in range(len(spans))]
                    for name in (sc.name, BASELINE)
                )
                for r in range(first.replicates)
            }
            runs = [s for _, e in nat.nations for s in e.scenarios if s.name == sc.name]
            starts = [m for m in map(counts.matching_from, runs) if m is not None]
            rows += counts.rows_for(ALL_NATIONS, sc.name, min(starts, default=None), spans, paired, summable)
            if all(by_nation[n][2] for n, _ in nat.nations):
                rows += pooled_measles_rows(nat, sc.name, {n: m[2] for n, m in by_nation.items()})
    return rows


def pooled_measles_rows(nat: National, scenario: str, measles: dict[str, dict]) -> list[list]:
    """The measles rows of England and Wales together: children below the threshold added over the nations; the
    chance of an outbreak and the cases per importation (importations placed by real households) as each nation's
    weighted by its real households, where every nation has them in every replicate."""
    share = "measles_share_children_below_threshold"  # every nation's communities all below: all are
    homes = {n: exp.place.represented_households(exp.scale) for n, exp in nat.nations}
    total = sum(homes.values())
    reps = range(nat.nations[0][1].replicates)
    names = (scenario, BASELINE)
    pooled = {
        k
        for k in counts.MEASLES_POOLED
        if all(math.isfinite(measles[n][(name, r)][k]) for n, _ in nat.nations for name in names for r in reps)
    }
    pairs = {
        r: tuple(
            {k: sum(measles[n][(name, r)][k] for n, _ in nat.nations) for k in counts.MEASLES_SUMMABLE}
            | {k: sum(homes[n] * measles[n][(name, r)][k] for n, _ in nat.nations) / total for k in pooled}
            | {share: min(measles[n][(name, r)][share] for n, _ in nat.nations)}
            for name in names
        )
        for r in reps
    }
    own = tuple(m for m in counts.MEASLES_MEASURES if m.name in counts.MEASLES_SUMMABLE | pooled)
    return counts.measles_rows(ALL_NATIONS, scenario, pairs, own)


def run_national(
    path: str | Path,
    out: str | Path | None = None,
    driver: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force_new: bool = False,
    finish: Finish | None = None,
) -> Path:
    """Run every nation into DIR/<nation>/ (resuming as `disengage run` does), then write DIR/national_counts.csv."""
    nat = load_national(path, driver, workers if executor == "local" else 1)
    out = Path(out) if out is not None else Path("results") / nat.name
    for nation, exp in nat.nations:
        if progress:
            progress(f"{nation}: {exp.place.scaled_families(exp.scale):,} households, {len(exp.scenarios)} scenarios")
        run_loaded(exp, out / nation, progress, workers, executor, scheduler, force_new, finish)
    counts.write_counts(out / counts.COUNTS_FILE, national_rows(nat, out))
    record = {
        "experiment_file": nat.file,
        "config": nat.raw,
        "nations": {
            nation: {
                "folder": nation,
                "households": exp.place.scaled_families(exp.scale),
                "weights": [float(w) for w in exp.place.weights(exp.scale)],
            }
            for nation, exp in nat.nations
        },
    }
    (out / MANIFEST).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out
