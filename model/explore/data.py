"""A results folder as the explorer reads it: policies, safeguard signatures, assumption sets, effects per cell.

Any folder written by `disengage run` works. A folder with a one-parameter grid
design (experiments/explorer.yaml) offers its points as assumption sets (low,
central, high); any other folder offers the assumptions as run. Everything is
read once per folder and kept, so a change of control is a dictionary lookup.
"""

import csv
import io
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from model.core.layout import SEGMENTS
from model.experiments.reproduce import scenario_from_record
from model.explore.safeguards import SAFEGUARDS, apply, base_policy, signature
from model.inputs.scenario import Scenario
from model.present.figure_data import rolling, stable_segments
from model.present.results_folder import BASELINE, Results, band
from model.present.words import SEGMENT_LABELS, count_phrase, place_count

AS_RUN = "as run"
SET_NAMES = ("low", "central", "high")
HEADLINE = (
    ("lost_safeguarding_contacts_per_10k", "Safeguarding contacts lost", "per 10,000 children a year"),
    ("lost_identifications_per_10k", "Children at risk missed", "per 10,000 children a year"),
    ("cme_found_per_10k_change", "Children missing education found by matching", "per 10,000 children a year"),
    ("coverage_6in1_12m_change_pp", "6-in-1 vaccine by 12 months", "change, percentage points"),
    ("coverage_mmr1_24m_change_pp", "MMR first dose by 24 months", "change, percentage points"),
    ("coverage_mmr2_5y_change_pp", "MMR both doses by 5 years", "change, percentage points"),
    ("gp_registered_share_change_pp", "Children aged 0-6 registered with a GP", "change, percentage points"),
)
SERIES = "coverage_mmr1_24m"  # coverage over time: MMR first dose at 24 months
WHO_LOSES = "lost_safeguarding_contacts_per_10k"


@dataclass(frozen=True)
class Cell:
    """One effect as shown: mean, 90% interval and the count for the whole place a year."""

    effect: str
    mean: float
    lo: float
    hi: float
    n: int
    count: float | None


class Grid:
    """The folder's cells: (scenario, assumption set) -> effects, and the monthly series of coverage."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.results = Results(self.folder)
        file = str(self.folder / "manifest.json")
        self.scenarios: dict[str, Scenario] = {
            rec["name"]: scenario_from_record(file, f"resolved.scenarios[{i}]", rec)
            for i, rec in enumerate(self.results.resolved["scenarios"])
        }
        self.design_parameter = (
            self.results.design_parameters[0] if len(self.results.design_parameters) == 1 else None
        )
        self._rows = self._read_effects()

    # --- what the controls offer ---
    @property
    def policies(self) -> list[str]:
        """Policies as written (a variant's base policy once), in the folder's order."""
        return list(dict.fromkeys(base_policy(s) for s in self.results.policies))

    def policy_label(self, policy: str) -> str:
        """A policy's label (its own scenario's, or the first variant's)."""
        return self.results.label(policy) if policy in self.scenarios else policy.replace("_", " ").capitalize()

    def signature(self, scenario: str) -> dict[str, bool]:
        """The safeguards a scenario of the folder has."""
        return signature(self.scenarios[scenario])

    def sends_to_police(self, policy: str) -> bool:
        """Whether the policy as written shares with the police: only then is "police excluded" a choice."""
        own = self.scenarios.get(policy)
        return own is None or not signature(own)["police_excluded"]

    def lookup(self, policy: str, chosen: dict[str, bool]) -> str | None:
        """The folder's scenario that is `policy` with exactly the chosen safeguards, or None."""
        for name, sc in self.scenarios.items():
            if name != BASELINE and base_policy(name) == policy and signature(sc) == chosen:
                return name
        return None

    def unlike(self, scenario: str) -> list[str]:
        """Flow fields other than its safeguards in which a variant differs from its policy as run in the folder.

        Empty for a policy as written and for a variant that is its policy with the safeguards switched (a
        like-for-like comparison); e.g. ['media_intensity'] for a variant written from an older policy file.
        """
        policy = base_policy(scenario)
        if policy == scenario or policy not in self.scenarios or scenario not in self.scenarios:
            return []
        variant = self.scenarios[scenario]
        expected = apply(self.scenarios[policy], signature(variant)).flows
        if [f.name for f in expected] != [f.name for f in variant.flows]:
            return ["flows"]
        pairs = zip(expected, variant.flows, strict=True)
        return list(dict.fromkeys(k for a, b in pairs for k in vars(a) if getattr(a, k) != getattr(b, k)))

    @property
    def assumption_sets(self) -> dict[str, str]:
        """Set name -> design point; with a three-value grid 'low', 'central', 'high', else one per point."""
        if self.design_parameter is None:
            return {AS_RUN: ""}
        values = sorted({(r[self.design_parameter], r["point"]) for r in self._rows.values()})
        if len(values) == len(SET_NAMES):
            return {name: point for name, (_, point) in zip(SET_NAMES, values, strict=True)}
        return {f"{self.design_parameter} = {v:g}": point for v, point in values}

    def assumption_value(self, name: str) -> float | None:
        """The design parameter's value in an assumption set (None without a design)."""
        point = self.assumption_sets.get(name)
        if self.design_parameter is None or point is None:
            return None
        return next(r[self.design_parameter] for r in self._rows.values() if r["point"] == point)

    # --- effects ---
    def _read_effects(self) -> dict[tuple[str, str, str], dict]:
        rows = {}
        for r in self.results.effect_rows:
            rows[(r["scenario"], r.get("point", ""), r["outcome"])] = r
        return rows

    def cell(self, scenario: str, assumption: str, effect: str) -> Cell:
        """One effect of a scenario under an assumption set, with its count for the place."""
        point = self.assumption_sets.get(assumption, "")
        r = self._rows.get((scenario, point, effect))
        if r is None:
            return Cell(effect, math.nan, math.nan, math.nan, 0, None)
        n = 0 if math.isnan(r["n"]) else int(r["n"])
        return Cell(effect, r["mean"], r["lo"], r["hi"], n, place_count(effect, r["mean"], self.results.n_children))

    def store_rows(self, scenario: str, assumption: str) -> tuple[list[str], list[list[str]]]:
        """The rows of effects.csv behind a view, exactly as saved (what the download button gives)."""
        header, rows = self.results._effects
        point = self.assumption_sets.get(assumption, "")
        i_sc = header.index("scenario")
        i_pt = header.index("point") if "point" in header else None
        mine = [r for r in rows if r[i_sc] == scenario and (i_pt is None or r[i_pt] == point)]
        return header, mine

    # --- coverage over time ---
    @cache  # noqa: B019 (one Grid per folder lives for the server's life)
    def series(self, outcome: str = SERIES) -> dict[tuple[str, str], np.ndarray]:
        """(scenario, point) -> [run, month] of the outcome, and the months under key ('', 'months')."""
        with (self.folder / "timeseries.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            i_sc, i_m, i_v = (header.index(c) for c in ("scenario", "month", outcome))
            i_pt = header.index("point") if "point" in header else None
            i_rep = header.index("replicate")
            cells: dict[tuple[str, str], dict[str, dict[int, float]]] = {}
            for r in reader:
                key = (r[i_sc], r[i_pt] if i_pt is not None else "")
                run = cells.setdefault(key, {}).setdefault(r[i_rep], {})
                run[int(r[i_m])] = float(r[i_v]) if r[i_v] not in ("", "nan") else math.nan
        months = sorted({m for runs in cells.values() for run in runs.values() for m in run})
        out = {
            k: np.array([[run.get(m, math.nan) for m in months] for run in runs.values()]) for k, runs in cells.items()
        }
        out[("", "months")] = np.array(months)
        return out

    def coverage(self, scenario: str, assumption: str, outcome: str = SERIES) -> dict[str, np.ndarray]:
        """Years since the policy and the 12-month rolling mean (and 90% band) of coverage, policy and status quo."""
        point = self.assumption_sets.get(assumption, "")
        data = self.series(outcome)
        years = (data[("", "months")] - self.results.burn_in_months) / 12
        out = {"years": years}
        for who, sc in (("policy", scenario), ("status_quo", BASELINE)):
            out[who], out[f"{who}_lo"], out[f"{who}_hi"] = band(rolling(data[(sc, point)]))
        return out

    # --- who loses ---
    def who_loses(self, scenario: str, assumption: str) -> list[tuple[str, Cell, bool]]:
        """Per group: its lost contacts per 10,000 of its children, and whether it has enough children to show."""
        stable, _ = stable_segments(self.results)
        return [
            (SEGMENT_LABELS.get(s, s), self.cell(scenario, assumption, f"{WHO_LOSES}__{s}"), s in stable)
            for s in SEGMENTS
        ]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """Rows as CSV text (for the download button)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def count_text(cell: Cell, place: str, n_children: int) -> str:
    """'about 810 safeguarding contacts lost a year in Wigan', or '' when the effect has no count."""
    if cell.count is None or math.isnan(cell.mean):
        return ""
    return count_phrase(cell.effect, cell.mean, n_children, place)


@cache
def grid_of(folder: str) -> Grid:
    """The folder's Grid, read once per process."""
    return Grid(folder)


def safeguard_words() -> dict[str, str]:
    """Each safeguard's words, for the page's switches."""
    return dict(SAFEGUARDS)
