"""Counts a committee can quote: what each policy changes for the real children of a nation, per year and summed.

From each run's counters, weighted to the real place (each segment's real households per simulated household, so a
stratified sample and a proportional one both give counts for the whole nation), paired against the status quo run
of the same replicate. A count is a year of policy, or the sum over the first 3 and over all years; its interval is
the 5th-95th percentile over replicates, as effects.csv has it (docs/ODD.md, The national experiment).
"""

import csv
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.core.layout import AGE_6IN1, AGE_MMR, COUNTERS, COVER_AGES, PURPOSE_MATCHING, PURPOSES
from model.experiments.tables import fmt, summarise

K = {name: i for i, name in enumerate(COUNTERS)}
COUNTS_FILE = "national_counts.csv"
HEADER = ["nation", "scenario", "measure", "period", "mean", "lo", "hi", "n", "text", "unit", "note"]
SUMMED_YEARS = 3  # the first years of policy, summed (beside the per-year rows and the whole run)
Totals = np.ndarray  # float64 [counter]: a period's counters summed over its months and weighted over segments
DAYS_PER_MONTH = 365.25 / 12
AGE_12M, AGE_24M, AGE_5Y = COVER_AGES


def unvaccinated(cohort: str, given: str) -> Callable[[Totals], float]:
    """Children reaching a COVER age in the period without the dose counted there."""
    return lambda t: t[K[cohort]] - t[K[given]]


def ratio(num: str, den: str) -> Callable[[Totals], float]:
    """A mean over the period (NaN with no denominator)."""
    return lambda t: t[K[num]] / t[K[den]] if t[K[den]] > 0 else math.nan


def days(months: Callable[[Totals], float]) -> Callable[[Totals], float]:
    """A span in months read in days: the policy moves the mean delay by a fraction of a month."""
    return lambda t: months(t) * DAYS_PER_MONTH


@dataclass(frozen=True)
class Measure:
    """One count: what it counts in a run's totals, and the sign that makes the policy's cost positive."""

    name: str
    unit: str
    level: Callable[[Totals], float]
    sign: float  # +1: the policy's value minus the status quo's; -1: the status quo's minus the policy's
    # a COVER count: months from the last scheduled offer of its dose to the age it is counted at, so the children
    # counted in the policy's first that many months had every scheduled offer before the policy began
    offers_before: int | None = None


MEASURES = (
    Measure("not_vaccinated_6in1_12m", "more children not vaccinated (6-in-1, 3 doses by 12 months)",
            unvaccinated("cohort_12m", "full_6in1_12m"), 1.0, AGE_12M - AGE_6IN1[-1]),
    Measure("not_vaccinated_6in1_24m", "more children not vaccinated (6-in-1, 3 doses by 24 months)",
            unvaccinated("cohort_24m", "full_6in1_24m"), 1.0, AGE_24M - AGE_6IN1[-1]),
    Measure("not_vaccinated_6in1_5y", "more children not vaccinated (6-in-1, 3 doses by 5 years)",
            unvaccinated("cohort_5y", "full_6in1_5y"), 1.0, AGE_5Y - AGE_6IN1[-1]),
    Measure("not_vaccinated_mmr1_24m", "more children not vaccinated (MMR1 by 24 months)",
            unvaccinated("cohort_24m", "mmr1_24m"), 1.0, AGE_24M - AGE_MMR[0]),
    Measure("not_vaccinated_mmr1_5y", "more children not vaccinated (MMR1 by 5 years; offered again at 40 months)",
            unvaccinated("cohort_5y", "mmr1_5y"), 1.0, AGE_5Y - AGE_MMR[1]),
    Measure("not_vaccinated_mmr2_5y", "more children not vaccinated (MMR2 by 5 years)",
            unvaccinated("cohort_5y", "mmr2_5y"), 1.0, AGE_5Y - AGE_MMR[1]),
    Measure("not_registered_gp_0_6", "more child-years aged 0-6 not registered with a GP (a year's: children on an "
            "average day)", lambda t: (t[K["children_0_6"]] - t[K["registered_0_6"]]) / 12, 1.0),
    Measure("safeguarding_contacts_lost", "safeguarding contacts lost", lambda t: t[K["contacts"]], -1.0),
    Measure("children_at_risk_not_identified", "children at risk not identified by health contacts (fewer "
            "identifications)", lambda t: t[K["identifications"]], -1.0),
    Measure("days_to_identification_later", "days later that a child at risk is identified, on average (any route)",
            days(ratio("months_to_identification_sum", "identified_any_route")), 1.0),
    Measure("children_missing_education_found", "more children missing education found",
            lambda t: t[K["cme_found"]], 1.0),
    Measure("missing_education_known", "more children missing education the local authority knows of (a year's: "
            "children on an average day, as its census day counts them)", lambda t: t[K["missing_edu_known"]] / 12,
            1.0),
)  # fmt: skip
SUMMABLE = {m.name for m in MEASURES if m.name != "days_to_identification_later"}  # counts add over nations


@dataclass(frozen=True)
class EndMeasure:
    """A measles outcome of the runs' end state (outcomes.MEASLES), paired against the status quo and scaled."""

    name: str
    unit: str
    scale: float


END_OF_RUN = "end_of_run"  # the period of a measles row: the state the run ends in
MEASLES_MEASURES = (
    EndMeasure("measles_children_below_threshold", "more children aged 0-14 living in communities below measles' "
               "outbreak threshold (93% contact-adjusted immunity)", 1.0),
    EndMeasure("measles_contact_adjusted_immunity", "change in contact-adjusted measles immunity (percentage points)",
               100.0),
    EndMeasure("measles_p_outbreak", "change in the chance that one imported measles case causes more than 20 cases "
               "(percentage points)", 100.0),
    EndMeasure("measles_cases_per_importation", "more measles cases per imported case (chains stopped at the cap: a "
               "lower bound)", 1.0),
)  # fmt: skip
MEASLES_SUMMABLE = {"measles_children_below_threshold"}  # counts add over nations
# chances and means over importations placed in proportion to real households: over nations, weighted by each
# nation's households (contact-adjusted immunity, a function of the pooled age profile, does not combine)
MEASLES_POOLED = {"measles_p_outbreak", "measles_cases_per_importation"}


def measles_rows(
    nation: str, scenario: str, paired: Mapping[int, tuple[Mapping[str, float], Mapping[str, float]]],
    measures: tuple[EndMeasure, ...] = MEASLES_MEASURES,
) -> list[list]:
    """The measles rows of one nation and scenario: `paired` maps each replicate to the (policy, status quo)
    measles outcomes of its runs' end states."""
    rows = []
    for m in measures:
        values = [m.scale * (sc[m.name] - base[m.name]) + 0.0 for sc, base in paired.values()]
        mean, lo, hi, n = summarise(values)
        zero = n > 0 and all(v == 0 for v in values)
        note = "zero in every replicate: under the same random numbers the policy changes nothing this counts"
        share = "measles_share_children_below_threshold"
        if m.name == "measles_children_below_threshold" and all(base.get(share, 0.0) == 1.0 for _, base in
                                                               paired.values()):  # fmt: skip
            note = ("zero in every replicate: every community is below the threshold under the status quo already, "
                    "so the count cannot rise; the change shows in how far below (contact-adjusted immunity)")
        text = f"{count_text(mean)} ({count_text(lo)} to {count_text(hi)})" if m.scale == 1.0 or zero else (
            f"{mean:.2f} ({lo:.2f} to {hi:.2f})")  # fmt: skip
        note = note if zero else ""
        rows.append([nation, scenario, m.name, END_OF_RUN, mean, lo, hi, n, text, m.unit, note])
    return rows


def periods(months: int, burn_in_months: int) -> list[tuple[str, int, int]]:
    """(name, first month, end month) of each year of policy, the first SUMMED_YEARS years, and every year."""
    years = (months - burn_in_months) // 12
    out = [(f"year_{y}", burn_in_months + 12 * (y - 1), burn_in_months + 12 * y) for y in range(1, years + 1)]
    if years > SUMMED_YEARS:
        out.append((f"years_1_{SUMMED_YEARS}", burn_in_months, burn_in_months + 12 * SUMMED_YEARS))
    if years > 1:
        out.append((f"years_1_{years}", burn_in_months, burn_in_months + 12 * years))
    return out


def period_totals(counters: np.ndarray, weights: np.ndarray, spans: list[tuple[str, int, int]]) -> list[Totals]:
    """Each period's counters [month, segment, counter], summed over its months and weighted over segments."""
    return [(counters[a:b].sum(axis=0) * weights[:, np.newaxis]).sum(axis=0) for _, a, b in spans]


def count_text(value: float) -> str:
    """A count as a reader quotes it: two significant figures from 100 up, whole numbers below, one decimal under 1."""
    if math.isnan(value):
        return "NaN"
    a = abs(value)
    if a >= 100:
        digits = 1 - int(math.floor(math.log10(a)))
        return f"{round(value, digits):,.0f}"
    text = f"{value:.0f}" if a >= 1 or value == 0 else f"{value:.1f}"
    return text.removeprefix("-") if float(text) == 0 else text  # -0.04 reads "0.0", not "-0.0"


def zero_note(measure: Measure, matching_from: int | None, period_end: int) -> str:
    """Why a count is exactly zero in every replicate (common random numbers make zero exact): `matching_from` is
    the policy month its data matching first runs (None: it runs none), `period_end` the policy month the period
    ends at (exclusive)."""
    if measure.name == "children_missing_education_found":
        if matching_from is None:
            return (
                "zero in every replicate: the policy runs no data matching, so it finds no child the status quo misses"
            )
        if period_end <= matching_from:
            return (f"zero in every replicate: the policy's data matching first runs {matching_from} months after the "
                    "policy starts, after this period")  # fmt: skip
    if measure.offers_before is not None and period_end <= measure.offers_before:
        return (
            "zero in every replicate: the children reaching this age in the period had every scheduled offer of "
            "the dose before the policy began, and the policy changed none of their catch-up doses"
        )
    return "zero in every replicate: under the same random numbers the policy changes nothing this counts"


def rows_for(
    nation: str,
    scenario: str,
    matching_from: int | None,
    spans: list[tuple[str, int, int]],
    totals: Mapping[int, tuple[list[Totals], list[Totals]]],
    measures: tuple[Measure, ...] = MEASURES,
) -> list[list]:
    """The rows of one nation and scenario: `totals` maps each replicate to (policy, status quo) period totals;
    `matching_from` is the policy month its data matching first runs (None if it runs none)."""
    rows = []
    policy_start = spans[0][1]  # the first year of policy starts where the burn-in ends
    for m in measures:
        for i, (period, _, end) in enumerate(spans):
            values = [m.sign * (m.level(sc[i]) - m.level(base[i])) + 0.0 for sc, base in totals.values()]  # no -0
            mean, lo, hi, n = summarise(values)
            zero = n > 0 and all(v == 0 for v in values)
            note = zero_note(m, matching_from, end - policy_start) if zero else ""
            text = f"{count_text(mean)} ({count_text(lo)} to {count_text(hi)})"
            rows.append([nation, scenario, m.name, period, mean, lo, hi, n, text, m.unit, note])
    return rows


def matching_from(scenario) -> int | None:
    """The policy month a scenario's data matching first runs (None if it runs none)."""
    starts = [f.start_month for f in scenario.flows if f.purpose == PURPOSES[PURPOSE_MATCHING]]
    return min(starts) if starts else None


def write_counts(path: Path, rows: list[list]) -> None:
    """national_counts.csv: one row per nation, scenario, measure and period; text cells quoted where they hold a
    comma ("1,200 (700 to 1,900)"), numbers as effects.csv writes them."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        out.writerows([fmt(v) for v in row] for row in rows)
