"""The measles layer's inputs (params/measles.yaml): dose efficacy, maternal protection, adults' immunity, R0,
the outbreak threshold and the age-contact matrix, each checked at load with the file and field named."""

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.params import check_source, load_source_ids

# name: (hard lower bound, hard upper bound) of each scalar parameter
BOUNDS = {
    "eff_mmr1": (0.0, 1.0),
    "eff_mmr2": (0.0, 1.0),
    "dur_maternal_months": (0.0, 12.0),
    "p_immune_adult": (0.0, 1.0),
    "adults_per_household": (0.0, 4.0),
    "p_infect_household": (0.0, 1.0),
    "r0": (1.0, 40.0),
    "threshold_contact_adjusted": (0.0, 1.0),
}
ENTRY_KEYS = {"value", "range", "unit"}
ENTRY_OPTIONAL = {"source", "assumption", "note"}
MATRIX_KEYS = {"source", "lower_age_months", "contacts", "participants"}


@dataclass(frozen=True)
class MeaslesParams:
    """Scalar parameters of the layer and POLYMOD's contact matrix (rows: participant's age group)."""

    eff_mmr1: float
    eff_mmr2: float
    dur_maternal_months: float
    p_immune_adult: float
    adults_per_household: float
    p_infect_household: float
    r0: float
    threshold_contact_adjusted: float
    lower_age_months: tuple[int, ...]
    contacts: np.ndarray  # [group, group] mean daily contacts of a participant in the row's group with the column's
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # each scalar's plausible range

    def with_values(self, origin: str = "measles", **values: float) -> "MeaslesParams":
        """A copy with some scalar parameters replaced (a sensitivity run, a test): known names, within hard bounds;
        `origin` names the caller in an error, as a file would be named."""
        for name, value in values.items():
            if name not in BOUNDS:
                raise InputError(origin, name, "a measles parameter (one of: " + ", ".join(BOUNDS) + ")")
            lo, hi = BOUNDS[name]
            config.number(origin, name, value, lo, hi)
        return replace(self, **{k: float(v) for k, v in values.items()})


def _entry(file: str, name: str, raw: object, source_ids: frozenset[str]) -> tuple[float, tuple[float, float]]:
    """One scalar entry: value within its hard bounds, a range around it, a unit, and a source or an assumption."""
    field = f"measles.{name}"
    entry = config.as_mapping(file, field, raw)
    config.check_keys(file, field, entry, ENTRY_KEYS, ENTRY_OPTIONAL)
    lo, hi = BOUNDS[name]
    value = config.number(file, f"{field}.value", entry["value"], lo, hi)
    rng = entry["range"]
    if not (isinstance(rng, list) and len(rng) == 2):
        raise InputError(file, f"{field}.range", "a list [low, high]", rng)
    low, high = (config.number(file, f"{field}.range", x, lo, hi) for x in rng)
    if not low <= value <= high:
        raise InputError(file, f"{field}.range", f"a range [low, high] holding the value {value}", rng)
    config.text(file, f"{field}.unit", entry["unit"])
    if ("source" in entry) == ("assumption" in entry):
        raise InputError(file, field, "exactly one of `source` or `assumption`", sorted(entry))
    if "source" in entry:
        check_source(file, field, config.text(file, f"{field}.source", entry["source"]), source_ids)
    return value, (low, high)


def _matrix(file: str, raw: object, source_ids: frozenset[str]) -> tuple[tuple[int, ...], np.ndarray]:
    """The age groups' lower limits (months, rising from 0) and the square matrix of non-negative contacts."""
    block = config.as_mapping(file, "contact_matrix", raw)
    config.check_keys(file, "contact_matrix", block, MATRIX_KEYS, {"note"})
    check_source(file, "contact_matrix", config.text(file, "contact_matrix.source", block["source"]), source_ids)
    limits = block["lower_age_months"]
    if not isinstance(limits, list) or not limits or limits[0] != 0:
        raise InputError(file, "contact_matrix.lower_age_months", "a list of months starting at 0", limits)
    ages = tuple(config.integer(file, "contact_matrix.lower_age_months", a, 0, 1200) for a in limits)
    if any(b <= a for a, b in zip(ages, ages[1:], strict=False)):
        raise InputError(file, "contact_matrix.lower_age_months", "strictly rising ages", limits)
    rows = block["contacts"]
    n = len(ages)
    if not isinstance(rows, list) or len(rows) != n or any(not isinstance(r, list) or len(r) != n for r in rows):
        raise InputError(file, "contact_matrix.contacts", f"a {n} x {n} list of rows (one per age group)", rows)
    m = np.array(
        [[config.number(file, f"contact_matrix.contacts[{i}]", x, 0.0) for x in row] for i, row in enumerate(rows)]
    )
    if not np.all(m.sum(axis=1) > 0):
        raise InputError(file, "contact_matrix.contacts", "every age group with some contacts", rows)
    return ages, m


def load_measles(path: str | Path, source_ids: frozenset[str] | None = None) -> MeaslesParams:
    """params/measles.yaml as a validated MeaslesParams; sources are checked against params/sources.yaml beside it."""
    file = str(path)
    if source_ids is None:
        source_ids = load_source_ids(Path(path).parent)
    data = config.as_mapping(file, "", config.load_yaml(path))
    config.check_keys(file, "", data, {"measles", "contact_matrix"})
    section = config.as_mapping(file, "measles", data["measles"])
    config.check_keys(file, "measles", section, set(BOUNDS))
    entries = {name: _entry(file, name, section[name], source_ids) for name in BOUNDS}
    values = {name: value for name, (value, _) in entries.items()}
    if values["eff_mmr2"] < values["eff_mmr1"]:
        expected = f"at least eff_mmr1 ({values['eff_mmr1']})"
        raise InputError(file, "measles.eff_mmr2.value", expected, values["eff_mmr2"])
    if not values["adults_per_household"].is_integer():
        raise InputError(file, "measles.adults_per_household.value", "a whole number", values["adults_per_household"])
    ages, contacts = _matrix(file, data["contact_matrix"], source_ids)
    ranges = {name: rng for name, (_, rng) in entries.items()}
    return MeaslesParams(**values, lower_age_months=ages, contacts=contacts, ranges=ranges)
