"""Outcomes from counters: the names are a contract with tests, figures and CI.

Shares are in [0, 1]; rates are per 10,000 children per year (monthly values
annualised), over all children or over the children of one segment.
"""

import math
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from model.core.layout import COUNTERS, SEGMENTS, TRUST_SCALE

K = {name: i for i, name in enumerate(COUNTERS)}
PER_10K_YEAR = 10_000 * 12
PER_10K = 10_000  # a point-in-time count: the months of a window average it


class Ratio(NamedTuple):
    """An outcome: numerator counter / denominator counter x scale, and what kind of number that is."""

    num: str
    den: str
    scale: float
    kind: str  # "share" (in [0, 1]), "rate" (per 10,000 children) or "months"


# The outcome registry: name -> its ratio; the names (OUTCOMES, in this order) are a contract with tests and figures
RATIOS = {
    "aware_share": Ratio("aware", "families", 1.0, "share"),
    "mean_trust": Ratio("trust_sum", "families", 1.0 / TRUST_SCALE, "share"),
    "gp_registered_share": Ratio("registered_0_6", "children_0_6", 1.0, "share"),
    "coverage_6in1_12m": Ratio("full_6in1_12m", "cohort_12m", 1.0, "share"),
    "coverage_mmr1_24m": Ratio("mmr1_24m", "cohort_24m", 1.0, "share"),
    "coverage_mmr2_5y": Ratio("mmr2_5y", "cohort_5y", 1.0, "share"),
    "hv_review_coverage": Ratio("hv_done", "hv_due", 1.0, "share"),
    "safeguarding_contacts_per_10k": Ratio("contacts", "children", PER_10K_YEAR, "rate"),
    "identifications_per_10k": Ratio("identifications", "children", PER_10K_YEAR, "rate"),
    "months_to_identification": Ratio("months_to_identification_sum", "identified_any_route", 1.0, "months"),
    "cme_found_per_10k": Ratio("cme_found", "children", PER_10K_YEAR, "rate"),
    "avoiding_share": Ratio("avoiding", "families", 1.0, "share"),
    "objecting_share": Ratio("objecting", "families", 1.0, "share"),
    "coverage_6in1_24m": Ratio("full_6in1_24m", "cohort_24m", 1.0, "share"),
    "coverage_mmr1_5y": Ratio("mmr1_5y", "cohort_5y", 1.0, "share"),
    "missing_education_per_10k": Ratio("missing_edu_school_age", "children", PER_10K, "rate"),
    "matching_flagged_per_10k": Ratio("matching_flagged", "children", PER_10K_YEAR, "rate"),
    "coverage_6in1_5y": Ratio("full_6in1_5y", "cohort_5y", 1.0, "share"),
    "missing_education_known_per_10k": Ratio("missing_edu_known", "children", PER_10K, "rate"),
}
OUTCOMES = tuple(RATIOS)

# Outcomes no counter holds: the measles layer reads them from a run's end state (model/sim/measles.py), for an
# experiment that asks (`measles:`); name -> kind ("share", "count" of children in the real place, or "cases")
MEASLES = {
    "measles_contact_adjusted_immunity": "share",
    "measles_children_below_threshold": "count",
    "measles_share_children_below_threshold": "share",
    "measles_p_outbreak": "share",
    "measles_cases_per_importation": "cases",
}

# Effects against baseline (same seed): name -> (outcome, sign, scale); value = sign * (scenario - baseline) * scale
EFFECTS = {
    "lost_safeguarding_contacts_per_10k": ("safeguarding_contacts_per_10k", -1.0, 1.0),
    "lost_identifications_per_10k": ("identifications_per_10k", -1.0, 1.0),
    "coverage_6in1_12m_change_pp": ("coverage_6in1_12m", 1.0, 100.0),
    "coverage_mmr1_24m_change_pp": ("coverage_mmr1_24m", 1.0, 100.0),
    "coverage_mmr2_5y_change_pp": ("coverage_mmr2_5y", 1.0, 100.0),
    "gp_registered_share_change_pp": ("gp_registered_share", 1.0, 100.0),
    "hv_review_coverage_change_pp": ("hv_review_coverage", 1.0, 100.0),
    "cme_found_per_10k_change": ("cme_found_per_10k", 1.0, 1.0),
    "months_to_identification_change": ("months_to_identification", 1.0, 1.0),
    "aware_share_change_pp": ("aware_share", 1.0, 100.0),
    "mean_trust_change": ("mean_trust", 1.0, 1.0),
    "avoiding_share_change_pp": ("avoiding_share", 1.0, 100.0),
    "objecting_share_change_pp": ("objecting_share", 1.0, 100.0),
    "coverage_6in1_24m_change_pp": ("coverage_6in1_24m", 1.0, 100.0),
    "coverage_mmr1_5y_change_pp": ("coverage_mmr1_5y", 1.0, 100.0),
    "missing_education_per_10k_change": ("missing_education_per_10k", 1.0, 1.0),
    "matching_flagged_per_10k_change": ("matching_flagged_per_10k", 1.0, 1.0),
    "coverage_6in1_5y_change_pp": ("coverage_6in1_5y", 1.0, 100.0),
    "missing_education_known_per_10k_change": ("missing_education_known_per_10k", 1.0, 1.0),
    "measles_contact_adjusted_immunity_change_pp": ("measles_contact_adjusted_immunity", 1.0, 100.0),
    "measles_children_below_threshold_change": ("measles_children_below_threshold", 1.0, 1.0),
    "measles_share_children_below_threshold_change_pp": ("measles_share_children_below_threshold", 1.0, 100.0),
    "measles_p_outbreak_change_pp": ("measles_p_outbreak", 1.0, 100.0),
    "measles_cases_per_importation_change": ("measles_cases_per_importation", 1.0, 1.0),
}


def ratio(num: float, den: float, scale: float) -> float:
    """num / den * scale, NaN where there is no denominator."""
    return num / den * scale if den > 0 else math.nan


def outcome_values(counts: np.ndarray) -> dict[str, float]:
    """Each outcome from a vector of counters summed over a window (one month or a year)."""
    return {name: ratio(float(counts[K[r.num]]), float(counts[K[r.den]]), r.scale) for name, r in RATIOS.items()}


def names(measles: bool = False) -> tuple[str, ...]:
    """The outcomes a run has: the counters' (OUTCOMES), and the measles layer's when the experiment asks."""
    return OUTCOMES + tuple(MEASLES) if measles else OUTCOMES


def with_segments(names: Iterable[str]) -> list[str]:
    """The names overall, then `<name>__<segment>` for each segment."""
    names = list(names)
    return names + [f"{o}__{seg}" for o in names for seg in SEGMENTS]


def columns(measles: bool = False) -> list[str]:
    """Outcome columns: the counters' overall and by segment, then (when asked) the measles layer's likewise."""
    return with_segments(OUTCOMES) + (with_segments(MEASLES) if measles else [])


def over_segments(by_seg: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Counters [segment, counter] summed over segments: plainly, or in a stratified sample each segment's times its
    weight (real households per simulated one), so overall outcomes are the real place's (docs/ODD.md, Sampling)."""
    return by_seg.sum(axis=0) if weights is None else (by_seg * np.asarray(weights)[:, np.newaxis]).sum(axis=0)


def window_values(counters: np.ndarray, weights: np.ndarray | None = None) -> dict[str, float]:
    """Overall and by-segment outcomes of counters [month, segment, counter] summed over the months given."""
    by_seg = counters.sum(axis=0)
    out = outcome_values(over_segments(by_seg, weights))
    for i, seg in enumerate(SEGMENTS):
        out.update({f"{o}__{seg}": v for o, v in outcome_values(by_seg[i]).items()})
    return out


def final_year(counters: np.ndarray, weights: np.ndarray | None = None) -> dict[str, float]:
    """Outcomes over the last 12 months of a run (all months if shorter)."""
    return window_values(counters[-12:], weights)


def monthly(counters: np.ndarray, weights: np.ndarray | None = None) -> list[dict[str, float]]:
    """Outcomes month by month."""
    return [window_values(counters[m : m + 1], weights) for m in range(counters.shape[0])]


def effects(measles: bool = False) -> dict[str, tuple[str, float, float]]:
    """The effects of the outcomes a run has (names)."""
    have = set(names(measles))
    return {name: spec for name, spec in EFFECTS.items() if spec[0] in have}


def effect_columns(measles: bool = False) -> list[str]:
    """Effect names: the counters' overall and by segment, then (when asked) the measles layer's likewise."""
    counter = effects()
    return with_segments(counter) + (with_segments(e for e in effects(True) if e not in counter) if measles else [])


def paired_effects(
    scenario_row: dict[str, float], baseline_row: dict[str, float], measles: bool = False
) -> dict[str, float]:
    """Each effect of one scenario against baseline under the same seed, overall and by segment."""
    out = {}
    for name, (outcome, sign, scale) in effects(measles).items():
        for suffix in [""] + [f"__{seg}" for seg in SEGMENTS]:
            a, b = scenario_row[outcome + suffix], baseline_row[outcome + suffix]
            out[name + suffix] = ((a - b) if sign > 0 else (b - a)) * scale
    return out
