"""Published figures the baseline must reproduce (params/targets.yaml) and the model quantities they are read against.

A target names a quantity, the published value, how close the model must come (a tolerance or a
range the figures support), its source id in params/sources.yaml, the place it applies to, and its
role: `fit` targets are what calibration aims at; `validate` targets are data the fit does not use.
A quantity is a ratio of counters summed over a window of months (and over segments, or one segment).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.core.layout import SEGMENTS
from model.core.outcomes import PER_10K, PER_10K_YEAR, K
from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.params import check_source

ROLES = ("fit", "validate")
TARGET_REQUIRED = {"name", "place", "quantity", "role"}
TARGET_OPTIONAL = {"value", "source", "components", "tolerance", "range", "note"}


def ratio(sums: np.ndarray, numerator: str, denominator: str, scale: float) -> float:
    """numerator / denominator * scale over counters [segment, counter] summed over a window (NaN if no denominator)."""
    num, den = float(sums[:, K[numerator]].sum()), float(sums[:, K[denominator]].sum())
    return num / den * scale if den > 0 else float("nan")


@dataclass(frozen=True)
class Quantity:
    """A model quantity a published figure is compared with: a ratio of counters, or a gap between two segments."""

    numerator: str
    denominator: str
    scale: float
    unit: str
    meaning: str
    gap: tuple[str, str] | None = None  # (reference, segment): the reference segment's ratio minus the segment's

    def value(self, sums: np.ndarray) -> float:
        """The quantity from counters [segment, counter] summed over a window."""
        if self.gap is None:
            return ratio(sums, self.numerator, self.denominator, self.scale)
        ref, seg = (SEGMENTS.index(s) for s in self.gap)
        args = (self.numerator, self.denominator, self.scale)
        return ratio(sums[ref : ref + 1], *args) - ratio(sums[seg : seg + 1], *args)


QUANTITIES: dict[str, Quantity] = {
    "coverage_6in1_12m": Quantity("full_6in1_12m", "cohort_12m", 100.0, "percent", "3 doses of 6-in-1 at 12 months"),
    "coverage_mmr1_24m": Quantity("mmr1_24m", "cohort_24m", 100.0, "percent", "MMR1 at 24 months"),
    "coverage_mmr2_5y": Quantity("mmr2_5y", "cohort_5y", 100.0, "percent", "MMR2 at 5 years"),
    "coverage_mmr1_5y": Quantity("mmr1_5y", "cohort_5y", 100.0, "percent", "MMR1 at 5 years"),
    "coverage_6in1_24m": Quantity("full_6in1_24m", "cohort_24m", 100.0, "percent", "3 doses of 6-in-1 at 24 months"),
    "coverage_6in1_5y": Quantity("full_6in1_5y", "cohort_5y", 100.0, "percent", "3 doses of 6-in-1 at 5 years"),
    "missing_education_per_10k": Quantity(
        "missing_edu_school_age",
        "children",
        PER_10K,
        "per 10000 children",
        "children of school age on no school roll or register, at a point in time",
    ),
    "missing_education_known_per_10k": Quantity(
        "missing_edu_known",
        "children",
        PER_10K,
        "per 10000 children",
        "children missing education whom the local authority knows of, at a point in time (census day)",
    ),
    "hv_review_coverage": Quantity(
        "hv_done", "hv_due", 100.0, "percent", "new-birth, 6-8 week, 12-month and 2-year reviews taken, pooled"
    ),
    "gp_registered_share": Quantity(
        "registered_0_6", "children_0_6", 100.0, "percent", "children aged 0-6 registered with a GP"
    ),
    "identifications_any_route_per_10k": Quantity(
        "identified_any_route", "children", PER_10K_YEAR, "per 10000 children per year", "needs identified, any route"
    ),
    "health_identifications_per_10k": Quantity(
        "identifications",
        "children",
        PER_10K_YEAR,
        "per 10000 children per year",
        "needs identified at health contacts",
    ),
    "health_share_of_identifications": Quantity(
        "identifications", "identified_any_route", 100.0, "percent", "identifications made at health contacts"
    ),
    "grt_gap_coverage_6in1_12m": Quantity(
        "full_6in1_12m",
        "cohort_12m",
        100.0,
        "percentage points",
        "6-in-1 coverage at 12 months, general population minus Gypsy, Roma and Traveller children",
        gap=("general", "grt"),
    ),
}


@dataclass(frozen=True)
class Target:
    """A published figure, how close the model must come, and where the figure comes from."""

    name: str
    place: str
    quantity: str
    role: str
    value: float  # the published figure (the mean of its components when it pools several)
    lo: float  # the model passes when lo <= its mean <= hi
    hi: float
    tolerance: float | None  # the half-width when given as a tolerance; None when given as a range
    sources: tuple[str, ...]

    @property
    def centre(self) -> float:
        """The middle of the accepted band: where calibration aims."""
        return (self.lo + self.hi) / 2.0

    @property
    def half_width(self) -> float:
        """Half the accepted band: the unit in which calibration measures a miss."""
        return (self.hi - self.lo) / 2.0


def read_value(file: str, field: str, entry: dict, source_ids: frozenset[str]) -> tuple[float, tuple[str, ...]]:
    """A target's published value and its source ids: one `value` and `source`, or the mean of `components`."""
    if ("components" in entry) == ("value" in entry or "source" in entry):
        raise InputError(file, field, "either 'value' with 'source', or 'components' (a list of values with sources)")
    if "components" in entry:
        parts = entry["components"]
        if not isinstance(parts, list) or not parts:
            raise InputError(file, f"{field}.components", "a non-empty list of {value, source} entries", parts)
        values, sources = [], []
        for i, raw in enumerate(parts):
            sub = f"{field}.components[{i}]"
            comp = config.as_mapping(file, sub, raw)
            config.check_keys(file, sub, comp, {"value", "source"}, {"what"})
            values.append(config.number(file, f"{sub}.value", comp["value"]))
            sources.append(config.text(file, f"{sub}.source", comp["source"]))
            check_source(file, sub, sources[-1], source_ids)
        return float(np.mean(values)), tuple(sources)
    if "source" not in entry or "value" not in entry:
        raise InputError(file, field, "both 'value' and 'source'")
    source = config.text(file, f"{field}.source", entry["source"])
    check_source(file, field, source, source_ids)
    return config.number(file, f"{field}.value", entry["value"]), (source,)


def read_target(file: str, field: str, raw: object, source_ids: frozenset[str]) -> Target:
    """One entry of the targets list, checked."""
    entry = config.as_mapping(file, field, raw)
    config.check_keys(file, field, entry, TARGET_REQUIRED, TARGET_OPTIONAL)
    name = config.text(file, f"{field}.name", entry["name"])
    quantity = config.choice(file, f"{field}.quantity", entry["quantity"], tuple(QUANTITIES))
    role = config.choice(file, f"{field}.role", entry["role"], ROLES)
    value, sources = read_value(file, field, dict(entry), source_ids)
    if ("tolerance" in entry) == ("range" in entry):
        raise InputError(
            file, field, "exactly one of 'tolerance' (a half-width) or 'range' ([lo, hi] the figures support)"
        )
    if "tolerance" in entry:
        tol = config.number(file, f"{field}.tolerance", entry["tolerance"], 0.0)
        if tol <= 0:
            raise InputError(file, f"{field}.tolerance", "a positive number", tol)
        lo, hi, tolerance = value - tol, value + tol, tol
    else:
        band = entry["range"]
        if not isinstance(band, list) or len(band) != 2:
            raise InputError(file, f"{field}.range", "a list [lo, hi]", band)
        lo, hi = (config.number(file, f"{field}.range[{i}]", band[i]) for i in range(2))
        if not lo < hi:
            raise InputError(file, f"{field}.range", "lo below hi", band)
        tolerance = None
    place = config.text(file, f"{field}.place", entry["place"])
    return Target(name, place, quantity, role, value, lo, hi, tolerance, sources)


def load_targets(path: str | Path, source_ids: frozenset[str]) -> tuple[Target, ...]:
    """Read and check a targets file; target names must be distinct."""
    file = str(path)
    data = config.as_mapping(file, "", config.load_yaml(path))
    config.check_keys(file, "", data, {"targets"})
    items = data["targets"]
    if not isinstance(items, list) or not items:
        raise InputError(file, "targets", "a non-empty list of targets", items)
    targets = tuple(read_target(file, f"targets[{i}]", raw, source_ids) for i, raw in enumerate(items))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise InputError(file, "targets", "targets with distinct names", sorted(n for n in names if names.count(n) > 1))
    return targets


def window_sums(counters: np.ndarray, window_months: int) -> np.ndarray:
    """Counters [segment, counter] summed over the last `window_months` months of a run."""
    return counters[-window_months:].sum(axis=0)


def model_value(target: Target, sums: np.ndarray) -> float:
    """The model's value of a target's quantity from window sums."""
    return QUANTITIES[target.quantity].value(sums)
