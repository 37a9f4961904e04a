"""The behavioural checks of docs/ODD.md (Validation) read from a results folder: each against its evidence.

`disengage evidence results/headline` prints the table. Nothing here is fitted: the ranges are what the
sources in params/sources.yaml allow, and a check that fails says so.
"""

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model.inputs.errors import InputError
from model.present.results_folder import BASELINE, Results, numeric_rows, read_table

BILL = "national_sui_mandate"
REPEALED = "national_mandate_repealed"
EXPOSED = "insecure_immigration"
MILESTONES = ("coverage_6in1_12m", "coverage_6in1_24m", "coverage_mmr1_24m", "coverage_mmr1_5y", "coverage_mmr2_5y")
PERSISTENCE = (0.81, 0.85)  # share of avoidance left two years after rescission (urban_chilling_2019, _2022)
ENROLMENT_RELATIVE = 0.045  # relative fall in enrolment of exposed children (barofsky_2020_medicaid)
ENROLMENT_POINTS = 5.5  # points fall after restrictive state laws (state_laws_medicaid_chip_did)
YEARS_AFTER = 2


@dataclass(frozen=True)
class Check:
    """One check: what it measures, the evidence's range and its source, and the model's value and interval."""

    what: str
    evidence: str
    lo: float
    hi: float
    mean: float
    interval: tuple[float, float]
    too_small: str = ""  # why the folder cannot give this check's value (NaN mean), in a few words

    @property
    def passed(self) -> bool:
        """The model's mean lies within the evidence's range."""
        return self.lo <= self.mean <= self.hi

    @property
    def computed(self) -> bool:
        """Whether the folder gave a value for this check (too few runs, months or children give none)."""
        return not math.isnan(self.mean)


def persistence(a: np.ndarray, end: int, months_after: int = 12 * YEARS_AFTER) -> tuple[float, tuple[float, float]]:
    """Share of a stock left `months_after` the month `end` from which the flows no longer run, read at the same
    months as the avoidance figure (`figure_data.avoidance_summary`): from [run, month] values, the ratio of the
    runs' means, and the 5th-95th percentiles of the runs' own ratios."""
    if end + months_after >= a.shape[1]:  # the run stops before the later month
        return math.nan, (math.nan, math.nan)
    before, after = a[:, end], a[:, end + months_after]
    ok = before > 0
    ratios = after[ok] / before[ok]
    lo, hi = np.percentile(ratios, [5, 95]) if ratios.size else (math.nan, math.nan)
    level = float(np.nanmean(before))
    return (float(np.nanmean(after)) / level if level > 0 else math.nan), (float(lo), float(hi))


def baseline_level(results: Results, column: str) -> float:
    """Mean over runs of a final-year outcome under baseline (runs.csv), in percent."""
    path = results.folder / "runs.csv"
    header, rows = read_table(path)
    values = [r[column] for r in numeric_rows(path, header, rows, {column}) if r["scenario"] == BASELINE]
    return 100.0 * float(np.mean(values))


def checks(folder: str | Path) -> list[Check]:
    """The checks a results folder with the Bill (and, if present, the repealed Bill) supports."""
    results = Results(folder)
    out: list[Check] = []
    effect = results.effect
    if BILL in results.scenarios:
        for m in MILESTONES:
            e = effect(BILL, f"{m}_change_pp__general")
            out.append(Check(f"General population, {m} (points)", "0 to -0.5 (docs/EVIDENCE.md section 2)", -0.5, 0.0,
                             e.mean, (e.lo, e.hi)))  # fmt: skip
        for m in MILESTONES:
            e = effect(BILL, f"{m}_change_pp__{EXPOSED}")
            out.append(Check(f"Insecure immigration status, {m} (points)",
                             "a fall of a few points to about 12-15 (stated fear x revealed/stated)", -15.0, 0.0,
                             e.mean, (e.lo, e.hi)))  # fmt: skip
        base = baseline_level(results, f"gp_registered_share__{EXPOSED}")
        e = effect(BILL, f"gp_registered_share_change_pp__{EXPOSED}")
        start = f"from {base:.1f}%" if math.isfinite(base) else "no baseline level: no children in the group"
        out.append(Check(f"Insecure immigration status, GP registration (points, {start})",
                         "about -4.5% relative (barofsky_2020_medicaid) to -5.5 points (state_laws_medicaid_chip_did)",
                         -ENROLMENT_POINTS, -ENROLMENT_RELATIVE * base, e.mean, (e.lo, e.hi)))  # fmt: skip
    if REPEALED in results.scenarios:
        end = results.end_month(REPEALED)
        if end is None:
            raise InputError(results.folder / "manifest.json", f"scenarios.{REPEALED}.flows", "flows that all end")
        months, by_scenario = results.series(f"avoiding_share__{EXPOSED}")
        column = int(np.searchsorted(months, results.burn_in_months + end))
        mean, interval = persistence(by_scenario[REPEALED], column)
        out.append(Check(f"Insecure immigration status, avoidance left {YEARS_AFTER} years after the repeal (share)",
                         "0.81-0.85 (urban_chilling_2019 to urban_chilling_2022)", *PERSISTENCE, mean,
                         interval))  # fmt: skip
    return [c if c.computed else replace(c, too_small=why_missing(c, results)) for c in out]


def why_missing(c: Check, results: Results) -> str:
    """Why a check has no value on this folder, in the terms a user can change (months, scale)."""
    if "after the repeal" in c.what:
        return f"the runs stop before {YEARS_AFTER} years after the repeal (months: {results.months})"
    return f"no run has children in this group (scale {results.scale:g} is too small)"


def table(rows: list[Check]) -> str:
    """The checks as a Markdown table; a check the folder cannot give says why instead of printing NaN."""
    lines = ["| Check | Evidence | Model: mean (90% interval) | Pass |", "|---|---|---|---|"]
    for c in rows:
        model = f"{c.mean:.2f} ({c.interval[0]:.2f} to {c.interval[1]:.2f})" if c.computed else f"none: {c.too_small}"
        verdict = ("yes" if c.passed else "no") if c.computed else "cannot say"
        lines.append(f"| {c.what} | {c.evidence} | {model} | {verdict} |")
    return "\n".join(lines)


def summary(rows: list[Check]) -> str:
    """The line under the table: how many pass, and how many the folder is too small to give."""
    done = [c for c in rows if c.computed]
    line = f"{sum(c.passed for c in done)} of {len(done)} checks pass"
    if len(done) < len(rows):
        line += f"; {len(rows) - len(done)} cannot be computed: the folder is too small (see the table)"
    return line
