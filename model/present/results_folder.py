"""A results folder read back for figures and the report: tables as arrays, scenarios in their fixed order.

Figures and the report read only what `disengage run` (or a sweep) saved:
runs.csv, timeseries.csv, effects.csv, manifest.json and, after a
sensitivity analysis, sensitivity.csv. They never re-run the model.
"""

import csv
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from model.core import outcomes
from model.inputs.errors import InputError

BASELINE = "baseline"
VARIANT_MARK = "__"  # a safeguard variant's name: <policy>__<safeguards on> (model/explore/safeguards.py)
# Scenarios of the project in the order every figure and table shows them; others follow in manifest order
SCENARIO_ORDER = (
    BASELINE,
    "wigan_direct_care",
    "wales_cme_matching",
    "national_sui_mandate",
    "national_mandate_repealed",
    "national_with_safeguards",
)
INTERVAL = (5.0, 95.0)  # percentiles: the 90% band over replicates, as in effects.csv
EFFECT_FIELDS = ("mean", "lo", "hi", "n")
SENSITIVITY_FIELDS = ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")
RESOLVED_KEYS = ("name", "place", "scale", "months", "burn_in_months", "replicates", "scenarios", "parameters")
REQUIRED_COLUMNS = {
    "effects.csv": ("scenario", "outcome", *EFFECT_FIELDS),
    "timeseries.csv": ("scenario", "replicate", "month"),
    "runs.csv": ("scenario", "replicate", "seed"),
}


@dataclass(frozen=True)
class Effect:
    """One effect of one scenario: mean and 90% interval, and what the interval spans."""

    mean: float
    lo: float
    hi: float
    n: int


def number(text: str, file: Path, field: str) -> float:
    """A CSV cell as a float (empty cells are NaN); anything else is bad input naming the file and column."""
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise InputError(file, field, "a number", text) from None


def numeric_rows(path: Path, header: list[str], rows: list[list[str]], numeric: set[str]) -> list[dict]:
    """Rows as dictionaries, the named columns converted to floats."""
    out = []
    for r in rows:
        if len(r) != len(header):
            raise InputError(path, "row", f"{len(header)} cells, as in the header", len(r))
        out.append({c: number(v, path, c) if c in numeric else v for c, v in zip(header, r, strict=True)})
    return out


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file of the results folder, its required columns checked."""
    if not path.is_file():
        raise InputError(path, "", f"a results folder written by `disengage run` ({path.name} is missing)")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows = list(reader)
    for n, row in enumerate(rows, 2):
        if len(row) != len(header):  # a file cut short, or edited by hand
            raise InputError(path, f"line {n}", f"{len(header)} cells, as in the header (cut short? delete it "
                             "and run `disengage run` again)", len(row))  # fmt: skip
    missing = [c for c in REQUIRED_COLUMNS.get(path.name, ()) if c not in header]
    if missing:
        raise InputError(path, "header", f"the columns {', '.join(REQUIRED_COLUMNS[path.name])}", ",".join(header))
    return header, rows


def paired_run_effects(folder: Path) -> dict[tuple[str, int, int], dict[str, float]]:
    """From runs.csv, each policy run's effects against the status quo run of the same design point and replicate
    (`outcomes.paired_effects`), by (scenario, point, replicate) in that order; point 0 without a design."""
    path = folder / "runs.csv"
    header, rows = read_table(path)
    finals = {
        (r["scenario"], int(r.get("point", 0)), int(r["replicate"])): r
        for r in numeric_rows(path, header, rows, set(outcomes.columns()))
    }
    return {
        key: outcomes.paired_effects(row, finals[(BASELINE, key[1], key[2])])
        for key, row in sorted(finals.items())
        if key[0] != BASELINE
    }


def ordered_scenarios(names: list[str]) -> list[str]:
    """Scenario names in the project's fixed order, unknown ones after in the order given."""
    known = [s for s in SCENARIO_ORDER if s in names]
    return known + [s for s in names if s not in SCENARIO_ORDER]


class Results:
    """A results folder: its manifest, and its tables read on first use."""

    def __init__(self, folder: str | Path, manifest: dict | None = None) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise InputError(self.folder, "", "a results folder written by `disengage run`")
        if manifest is None:
            path = self.folder / "manifest.json"
            if not path.is_file():
                raise InputError(path, "", "a results folder written by `disengage run` (manifest.json is missing)")
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else f"byte {exc.start}"
                raise InputError(path, "", "valid JSON", f"invalid at {where}") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("resolved"), dict):
            raise InputError(self.folder / "manifest.json", "resolved", "a manifest written by `disengage run`",
                             type(manifest).__name__ if not isinstance(manifest, dict) else None)  # fmt: skip
        for key in ("resolved", "config_hash", "code_version"):
            if key not in manifest:
                raise InputError(self.folder / "manifest.json", key, "a manifest written by `disengage run`")
        for key in RESOLVED_KEYS:
            if key not in manifest["resolved"]:
                raise InputError(
                    self.folder / "manifest.json", f"resolved.{key}", "a manifest written by `disengage run`"
                )
        self.manifest = manifest
        self.resolved = manifest["resolved"]

    # --- what made the results ---
    @property
    def name(self) -> str:
        return self.resolved["name"]

    @property
    def burn_in_months(self) -> int:
        return int(self.resolved["burn_in_months"])

    @property
    def months(self) -> int:
        return int(self.resolved["months"])

    @property
    def replicates(self) -> int:
        return int(self.resolved["replicates"])

    @property
    def date(self) -> str:
        """The day the results were made (UTC)."""
        return str(self.manifest.get("started_utc", ""))[:10]

    @property
    def scenarios(self) -> list[str]:
        """All scenarios run, baseline first, in the fixed order."""
        return ordered_scenarios([s["name"] for s in self.resolved["scenarios"]])

    @property
    def policies(self) -> list[str]:
        """The scenarios compared with baseline."""
        return [s for s in self.scenarios if s != BASELINE]

    @property
    def variants(self) -> list[str]:
        """Policies that are another policy of the folder with its safeguards changed, named `<policy>__<safeguards>`
        (the explorer's grid holds 31 of the Bill): `disengage explore` shows each, the time-series figures do not."""
        return [s for s in self.policies if VARIANT_MARK in s and s.split(VARIANT_MARK, 1)[0] in self.scenarios]

    @property
    def drawn_policies(self) -> list[str]:
        """The policies a figure with one line or bar per policy draws: each policy as written, no variant."""
        variants = set(self.variants)
        return [s for s in self.policies if s not in variants]

    def description(self, scenario: str) -> str:
        """The scenario's description as run."""
        return next(s["description"] for s in self.resolved["scenarios"] if s["name"] == scenario)

    def label(self, scenario: str) -> str:
        """The scenario's name for a reader: its `label:` as run (manifest), or its name humanised."""
        found = next((s.get("label") for s in self.resolved["scenarios"] if s["name"] == scenario), None)
        return found or scenario.replace("_", " ").capitalize()

    @property
    def place_name(self) -> str:
        """The place's name for a reader ('Wigan')."""
        return str(self.resolved["place"]["name"]).capitalize()

    @property
    def scale(self) -> float:
        """The fraction of the place's households the experiment simulated."""
        return float(self.resolved["scale"])

    @property
    def n_children(self) -> int:
        """Children of the whole place (its file's n_children), to turn rates into counts for the place."""
        return int(self.resolved["place"]["n_children"])

    @property
    def n_families(self) -> int:
        """Households of the whole place (its file's n_families), to turn shares of households into counts."""
        return int(self.resolved["place"]["n_families"])

    def end_month(self, scenario: str) -> int | None:
        """The policy month from which none of the scenario's flows runs (a repeal), or None if any runs on."""
        flows = next((s.get("flows") or [] for s in self.resolved["scenarios"] if s["name"] == scenario), [])
        ends = [f.get("end_month") for f in flows]
        if not ends or any(e is None for e in ends):
            return None
        return int(max(ends))

    @property
    def drawn_ranges(self) -> dict[str, tuple[float, float]]:
        """Parameters each replicate drew (`uncertainty:`), with the range each was drawn from; empty if none."""
        unc = self.resolved.get("uncertainty") or {}
        return {k: (float(v[0]), float(v[1])) for k, v in (unc.get("ranges") or {}).items()}

    @property
    def draw_distribution(self) -> str:
        """The distribution replicates drew behaviour from ('triangular', 'uniform'), or '' without uncertainty."""
        return str((self.resolved.get("uncertainty") or {}).get("distribution", ""))

    @property
    def draw_groups(self) -> list[str]:
        """The groups or paths the experiment's `uncertainty:` named."""
        return list((self.resolved.get("uncertainty") or {}).get("names", []))

    # --- effects.csv ---
    @cached_property
    def _effects(self) -> tuple[list[str], list[list[str]]]:
        return read_table(self.folder / "effects.csv")

    @cached_property
    def design_parameters(self) -> list[str]:
        """Parameters a sweep varied (dotted-path columns of effects.csv); empty for a plain experiment."""
        return [c for c in self._effects[0] if "." in c]

    @cached_property
    def effect_rows(self) -> list[dict]:
        """effects.csv as dictionaries, one per row; mean, lo, hi, n and design parameters as floats."""
        header, rows = self._effects
        return numeric_rows(self.folder / "effects.csv", header, rows, {*EFFECT_FIELDS, *self.design_parameters})

    @cached_property
    def _effect_index(self) -> dict[tuple[str, str], list[dict]]:
        index: dict[tuple[str, str], list[dict]] = {}
        for r in self.effect_rows:
            index.setdefault((r["scenario"], r["outcome"]), []).append(r)
        return index

    @property
    def has_points(self) -> bool:
        """Whether effects.csv holds one row per design point (a sweep or sensitivity design)."""
        return "point" in self._effects[0]

    def effect_names(self) -> set[str]:
        """Every effect (and `<effect>__<segment>`) present in effects.csv."""
        return {outcome for _, outcome in self._effect_index}

    def effect(self, scenario: str, name: str) -> Effect:
        """An effect of a scenario against baseline.

        Without a design it is the row of effects.csv. With one (a `point` column) it is the mean over
        design points of each point's mean, and the 5th-95th percentiles of those means: the spread the
        design's parameter values give.
        """
        rows = self._effect_index.get((scenario, name), [])
        if not rows or (len(rows) > 1 and not self.has_points):
            raise InputError(self.folder / "effects.csv", "outcome", f"one row for {scenario} / {name}", len(rows))
        if not self.has_points:
            r = rows[0]
            return Effect(r["mean"], r["lo"], r["hi"], 0 if math.isnan(r["n"]) else int(r["n"]))
        means = np.array([r["mean"] for r in rows])
        means = means[~np.isnan(means)]
        if means.size == 0:
            return Effect(math.nan, math.nan, math.nan, 0)
        lo, hi = np.percentile(means, INTERVAL)
        return Effect(float(means.mean()), float(lo), float(hi), int(means.size))

    @cached_property
    def n_runs(self) -> int:
        """Runs of each scenario in runs.csv (replicates, times design points in a sweep)."""
        header, rows = read_table(self.folder / "runs.csv")
        i = header.index("scenario")
        return sum(1 for r in rows if r[i] == BASELINE)

    def interval_basis(self) -> str:
        """What an effect's average and interval are taken over, in words: runs, or design points."""
        if self.has_points:
            return f"{len({r.get('point') for r in self.effect_rows})} design points"
        return f"{self.n_runs} runs"

    # --- timeseries.csv ---
    @cached_property
    def _timeseries(self) -> tuple[list[str], list[list[str]]]:
        return read_table(self.folder / "timeseries.csv")

    def has_series(self, outcome: str) -> bool:
        """Whether timeseries.csv has a column for the outcome (older folders lack the newer outcomes)."""
        return outcome in self._timeseries[0]

    def series(self, outcome: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Months, and per scenario an array [run, month] of one outcome (a run: a replicate, or a point's)."""
        if outcome in self._series_cache:
            return self._series_cache[outcome]
        header, rows = self._timeseries
        if outcome not in header:
            raise InputError(self.folder / "timeseries.csv", "header", f"a column {outcome}")
        i_sc, i_month, i_val = (header.index(c) for c in ("scenario", "month", outcome))
        ident = [j for j in range(i_month) if j != i_sc]  # replicate, seed and any design point identify a run
        file = self.folder / "timeseries.csv"
        month_of = [int(number(r[i_month], file, "month")) for r in rows]
        months = sorted(set(month_of))
        col = {m: j for j, m in enumerate(months)}
        runs: dict[str, dict[tuple[str, ...], int]] = {}
        for r in rows:
            units = runs.setdefault(r[i_sc], {})
            units.setdefault(tuple(r[j] for j in ident), len(units))
        out = {sc: np.full((len(units), len(months)), np.nan) for sc, units in runs.items()}
        for r, month in zip(rows, month_of, strict=True):
            value = number(r[i_val], file, outcome)
            out[r[i_sc]][runs[r[i_sc]][tuple(r[j] for j in ident)], col[month]] = value
        self._series_cache[outcome] = (np.array(months), out)
        return self._series_cache[outcome]

    @cached_property
    def _series_cache(self) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
        return {}

    # --- sensitivity.csv (after a sensitivity analysis only) ---
    @cached_property
    def sensitivity_rows(self) -> list[dict]:
        """sensitivity.csv as dictionaries; empty when the folder has none."""
        path = self.folder / "sensitivity.csv"
        if not path.is_file():
            return []
        header, rows = read_table(path)
        needed = ("outcome", "parameter", "method")
        if any(c not in header for c in needed):
            raise InputError(path, "header", f"the columns {', '.join(needed + SENSITIVITY_FIELDS)}", ",".join(header))
        return numeric_rows(path, header, rows, set(SENSITIVITY_FIELDS))


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 5th-95th percentiles over runs (axis 0) for each month, ignoring months a run has no value."""
    with np.errstate(all="ignore"):
        ok = ~np.all(np.isnan(values), axis=0)
        mean = np.full(values.shape[1], np.nan)
        lo, hi = mean.copy(), mean.copy()
        if ok.any():
            mean[ok] = np.nanmean(values[:, ok], axis=0)
            lo[ok], hi[ok] = np.nanpercentile(values[:, ok], INTERVAL, axis=0)
    return mean, lo, hi
