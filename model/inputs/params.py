"""The parameter schema: YAML in params/ -> validated, frozen objects -> arrays for the rules.

Every parameter is an entry `{value, range: [lo, hi], unit, source | assumption}`.
The schema below fixes which names exist and their hard bounds; unknown keys,
values outside the bounds or outside the entry's own range fail at load with
the file and the field named. Units are converted once, in `to_arrays`.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from model.core import rules
from model.core.layout import (
    DECISIONS,
    MAX_DEGREE,
    N_P,
    N_RECIPIENTS,
    N_SEGP,
    P_NAMES,
    RECIPIENTS,
    SEGMENTS,
    SEGP_NAMES,
)
from model.inputs import config
from model.inputs.errors import InputError

PROB = (0.0, 1.0)
OPEN_PROB = (1e-9, 1.0 - 1e-9)  # probabilities that enter a logit

# section -> name -> (hard lower bound, hard upper bound, integer?)
DEFAULT_SCHEMA: dict[str, dict[str, tuple[float, float, bool]]] = {
    "demography": {
        "rel_birth_rate": (*PROB, False),
        "rate_move_per_year": (*PROB, False),
        "p_init_registered": (*PROB, False),
        "p_init_dose": (*PROB, False),
    },
    "network": {
        "degree": (0, MAX_DEGREE, True),  # neighbour counts are packed 8 bits a flow (model/core/step.py)
        "p_same_segment": (*PROB, False),
        "neighbourhood_households": (2, 10_000_000, True),
    },
    "awareness": {
        "p_word_of_mouth": (*PROB, False),
        "p_word_of_mouth_letter": (*PROB, False),
        "p_notice_per_month": (*PROB, False),
        "rel_fear_told": (0.0, 10.0, False),
        "p_forget_per_month": (*PROB, False),
        "media_decay_months": (0.1, 1200.0, False),
    },
    "trust": {
        "erosion_unexpected": (*PROB, False),
        "erosion_told": (*PROB, False),
        "recovery_per_month": (*PROB, False),
        "trust_spread": (0.0, 0.5, False),
    },
    "behaviour": {
        "w_risk": (0.0, 50.0, False),
        "w_peer": (0.0, 50.0, False),
        "peer_ref": (*PROB, False),
        "shift_unregistered": (-20.0, 0.0, False),
        "need_unscheduled": (*PROB, False),
        "sd_propensity": (0.0, 5.0, False),
        "decision": (0, len(DECISIONS) - 1, True),  # a choice: its value names one of layout.DECISIONS
    },
    "engagement": {
        "rel_object_per_risk": (0.0, 1000.0, False),
        "rel_avoid_aware": (0.0, 1.0, False),
        "rel_register_avoiding": (*PROB, False),
        "rel_unscheduled_avoiding": (*PROB, False),
    },
    "contacts": {
        "p_register_due": (*OPEN_PROB, False),
        "p_register_late": (*OPEN_PROB, False),
        "p_vacc_due": (*OPEN_PROB, False),
        "p_mmr1_due": (*OPEN_PROB, False),
        "p_mmr2_due": (*OPEN_PROB, False),
        "p_mmr1_preschool": (*OPEN_PROB, False),
        "p_vacc_catchup": (*OPEN_PROB, False),
        "catchup_decay_months": (0.1, 1200.0, False),
        "p_hv_review": (*OPEN_PROB, False),
        "p_unscheduled": (*OPEN_PROB, False),
        "p_illness_under5_per_month": (*PROB, False),
        "p_illness_over5_per_month": (*PROB, False),
    },
    "safeguarding": {
        "p_detect_registration": (*PROB, False),
        "p_detect_vaccination": (*PROB, False),
        "p_detect_hv_review": (*PROB, False),
        "p_detect_unscheduled": (*PROB, False),
        "p_detect_other_per_month": (*PROB, False),
        "p_detect_matching": (*PROB, False),
    },
    "education": {
        "dur_missing_months": (0.1, 1200.0, False),
        "p_unmatched_independent_school": (*PROB, False),
        "p_unmatched_home_education": (*PROB, False),
        "p_unmatched_moved_away": (*PROB, False),
        "p_unmatched_linkage": (*PROB, False),
    },
    "safeguards": {
        "rel_risk_objection_respected": (*PROB, False),
        "rel_risk_confidentiality_kept": (*PROB, False),
        "rel_risk_direct_care_only": (*PROB, False),
    },
}

SEGMENT_SCHEMA: dict[str, tuple[float, float, bool]] = {
    "trust0": (*PROB, False),
    "shift_engagement": (-10.0, 10.0, False),
    "rel_risk": (0.0, 10.0, False),
    "nondisclosure": (*PROB, False),
    "rate_need_per_year": (*PROB, False),
    "p_missing_education": (*PROB, False),
    "rel_media": (0.0, 10.0, False),
    "rel_avoid": (0.0, 1000.0, False),
    "dur_avoid_months": (0.1, 1200.0, False),
    **{f"fear.{r}": (*PROB, False) for r in RECIPIENTS},
}

CHOICES: dict[str, tuple[str, ...]] = {"behaviour.decision": DECISIONS}  # parameters whose values are names

ENTRY_KEYS = {"value", "range", "unit"}
ENTRY_OPTIONAL = {"source", "assumption", "note"}


@dataclass(frozen=True)
class Param:
    """One parameter: value, plausible range, unit, and where the value comes from."""

    value: float
    lo: float
    hi: float
    unit: str
    source: str  # an id in the project's evidence file, or "" when an assumption is stated
    assumption: str
    file: str
    integer: bool = False


@dataclass(frozen=True)
class Parameters:
    """All behavioural parameters by dotted path (e.g. `behaviour.w_risk`, `segments.grt.fear.police`)."""

    entries: Mapping[str, Param]

    def value(self, path: str) -> float:
        """The value at a dotted path."""
        return self.entries[path].value

    def with_overrides(self, overrides: Mapping[str, Any], file: str) -> "Parameters":
        """A new Parameters with values replaced; each path and value checked against the schema."""
        entries = dict(self.entries)
        for path, value in overrides.items():
            field = f"overrides.{path}"
            if path not in entries:
                raise InputError(file, field, "a known parameter path (see docs/ODD.md, parameter table)", path)
            old = entries[path]
            lo, hi, is_int = bounds_of(path)
            value = choice_index(file, field, path, value)
            v = (
                config.integer(file, field, value, int(lo), int(hi))
                if is_int
                else config.number(file, field, value, lo, hi)
            )
            entries[path] = Param(float(v), old.lo, old.hi, old.unit, old.source, old.assumption, old.file, is_int)
        return Parameters(MappingProxyType(entries))

    def __reduce__(self) -> tuple:
        """Pickle as a plain dict (a mappingproxy cannot be pickled), so runs can be sent to worker processes."""
        return (parameters_from, (dict(self.entries),))


def parameters_from(entries: dict[str, Param]) -> Parameters:
    """Parameters from a plain dict of entries (the inverse of `Parameters.__reduce__`)."""
    return Parameters(MappingProxyType(dict(entries)))


def bounds_of(path: str) -> tuple[float, float, bool]:
    """Hard bounds of a parameter path from the schema."""
    parts = path.split(".")
    if parts[0] == "segments":
        return SEGMENT_SCHEMA[".".join(parts[2:])]
    return DEFAULT_SCHEMA[parts[0]][parts[1]]


def choice_index(file: str, field: str, path: str, value: Any) -> Any:
    """A choice parameter's name as its index in CHOICES (other parameters pass through unchanged)."""
    if path not in CHOICES:
        return value
    return CHOICES[path].index(config.choice(file, field, value, CHOICES[path]))


def read_entry(file: str, field: str, raw: Any, bounds: tuple[float, float, bool]) -> Param:
    """Validate one `{value, range, unit, source|assumption}` entry."""
    entry = config.as_mapping(file, field, raw)
    config.check_keys(file, field, entry, ENTRY_KEYS, ENTRY_OPTIONAL)
    if field in CHOICES:
        entry = dict(entry)
        entry["value"] = choice_index(file, config.join(field, "value"), field, entry["value"])
        if isinstance(entry["range"], list):
            entry["range"] = [choice_index(file, config.join(field, "range"), field, r) for r in entry["range"]]
    lo, hi, is_int = bounds
    vfield = config.join(field, "value")
    if is_int:
        value = config.integer(file, vfield, entry["value"], int(lo), int(hi))
    else:
        value = config.number(file, vfield, entry["value"], lo, hi)
    rng = entry["range"]
    rfield = config.join(field, "range")
    if not isinstance(rng, list) or len(rng) != 2:
        raise InputError(file, rfield, "a list [lo, hi]", rng)
    r_lo = config.number(file, rfield + "[0]", rng[0], lo, hi)
    r_hi = config.number(file, rfield + "[1]", rng[1], lo, hi)
    if not r_lo <= value <= r_hi:
        raise InputError(file, config.join(field, "value"), f"a value inside its range [{r_lo}, {r_hi}]", value)
    unit = config.text(file, config.join(field, "unit"), entry["unit"])
    if ("source" in entry) == ("assumption" in entry):
        raise InputError(file, field, "exactly one of 'source' (an evidence id) or 'assumption' (a stated reason)")
    source = config.text(file, config.join(field, "source"), entry["source"]) if "source" in entry else ""
    assumption = (
        config.text(file, config.join(field, "assumption"), entry["assumption"]) if "assumption" in entry else ""
    )
    return Param(float(value), r_lo, r_hi, unit, source, assumption, file, is_int)


def read_sections(file: str, raw: Any, schema: Mapping[str, Mapping[str, tuple]], prefix: str = "") -> dict[str, Param]:
    """Read `section: {name: entry}` blocks, refusing unknown or missing names."""
    data = config.as_mapping(file, prefix.rstrip("."), raw)
    config.check_keys(file, prefix.rstrip("."), data, set(schema))
    out: dict[str, Param] = {}
    for section, names in schema.items():
        block = config.as_mapping(file, prefix + section, data[section])
        config.check_keys(file, prefix + section, block, set(names))
        for name, bounds in names.items():
            out[f"{prefix}{section}.{name}"] = read_entry(file, f"{prefix}{section}.{name}", block[name], bounds)
    return out


def read_segments(file: str, raw: Any) -> dict[str, Param]:
    """Read params/segments.yaml: every segment, every segment parameter, fears by recipient."""
    data = config.as_mapping(file, "", raw)
    config.check_keys(file, "", data, {"segments"})
    segs = config.as_mapping(file, "segments", data["segments"])
    config.check_keys(file, "segments", segs, set(SEGMENTS))
    out: dict[str, Param] = {}
    for seg in SEGMENTS:
        field = f"segments.{seg}"
        block = config.as_mapping(file, field, segs[seg])
        flat_names = [n for n in SEGMENT_SCHEMA if "." not in n]
        config.check_keys(file, field, block, set(flat_names) | {"fear"})
        for name in flat_names:
            out[f"{field}.{name}"] = read_entry(file, f"{field}.{name}", block[name], SEGMENT_SCHEMA[name])
        fear = config.as_mapping(file, f"{field}.fear", block["fear"])
        config.check_keys(file, f"{field}.fear", fear, set(RECIPIENTS))
        for r in RECIPIENTS:
            out[f"{field}.fear.{r}"] = read_entry(file, f"{field}.fear.{r}", fear[r], SEGMENT_SCHEMA[f"fear.{r}"])
    return out


def load_source_ids(params_dir: str | Path) -> frozenset[str]:
    """Ids of the cited sources copied into params/sources.yaml."""
    file = str(Path(params_dir) / "sources.yaml")
    data = config.as_mapping(file, "", config.load_yaml(file))
    config.check_keys(file, "", data, {"sources"})
    items = data["sources"]
    if not isinstance(items, list):
        raise InputError(file, "sources", "a list of sources", items)
    ids = []
    for i, item in enumerate(items):
        entry = config.as_mapping(file, f"sources[{i}]", item)
        ids.append(config.text(file, f"sources[{i}].id", entry.get("id")))
        config.text(file, f"sources[{i}].source", entry.get("source"))
    return frozenset(ids)


def check_source(file: str, field: str, source: str, source_ids: frozenset[str]) -> None:
    """A cited source id must be one of params/sources.yaml."""
    if source and source not in source_ids:
        raise InputError(file, f"{field}.source", "an id listed in params/sources.yaml", source)


def load_parameters(params_dir: str | Path) -> Parameters:
    """Load params/default.yaml and params/segments.yaml into one validated Parameters."""
    params_dir = Path(params_dir)
    default_file = params_dir / "default.yaml"
    segments_file = params_dir / "segments.yaml"
    entries = read_sections(str(default_file), config.load_yaml(default_file), DEFAULT_SCHEMA)
    entries.update(read_segments(str(segments_file), config.load_yaml(segments_file)))
    source_ids = load_source_ids(params_dir)
    for path, param in entries.items():
        check_source(param.file, path, param.source, source_ids)
    return Parameters(MappingProxyType(entries))


def logit(p: float) -> float:
    """log(p / (1 - p))."""
    return math.log(p / (1.0 - p))


def monthly(rate_per_year: float) -> float:
    """Monthly probability equivalent to a yearly probability: 1 - (1 - r)^(1/12)."""
    return 1.0 - (1.0 - rate_per_year) ** (1.0 / 12.0)


UNMATCHED_REASONS = ("independent_school", "home_education", "moved_away", "linkage")  # education.p_unmatched_*


def to_arrays(params: Parameters, mean_children: float, need_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The scalar vector P and the segment table SEGP that the rules read, units converted once.

    Births per household are set so a population of this mean size renews itself over 18 years;
    `need_factor` scales every segment's yearly rate of need (a place's own definition of need).
    """
    v = params.value
    p_return = rules.p_end_of_spell(v("education.dur_missing_months"))
    scalars = {
        "p_birth_per_month": v("demography.rel_birth_rate") * mean_children / 216.0,
        "p_move_per_month": monthly(v("demography.rate_move_per_year")),
        "p_word_of_mouth": v("awareness.p_word_of_mouth"),
        "p_word_of_mouth_letter": v("awareness.p_word_of_mouth_letter"),
        "p_notice_per_month": v("awareness.p_notice_per_month"),
        "p_forget_per_month": v("awareness.p_forget_per_month"),
        "media_decay_months": v("awareness.media_decay_months"),
        "erosion_unexpected": v("trust.erosion_unexpected"),
        "erosion_told": v("trust.erosion_told"),
        "recovery_per_month": v("trust.recovery_per_month"),
        "w_risk": v("behaviour.w_risk"),
        "w_peer": v("behaviour.w_peer"),
        "peer_ref": v("behaviour.peer_ref"),
        "shift_unregistered": v("behaviour.shift_unregistered"),
        "logit_register_due": logit(v("contacts.p_register_due")),
        "logit_register_late": logit(v("contacts.p_register_late")),
        "logit_vacc_due": logit(v("contacts.p_vacc_due")),
        "logit_mmr1_due": logit(v("contacts.p_mmr1_due")),
        "logit_mmr2_due": logit(v("contacts.p_mmr2_due")),
        "logit_mmr1_preschool": logit(v("contacts.p_mmr1_preschool")),
        "logit_vacc_catchup": logit(v("contacts.p_vacc_catchup")),
        "catchup_decay_months": v("contacts.catchup_decay_months"),
        "logit_hv_review": logit(v("contacts.p_hv_review")),
        "logit_unscheduled": logit(v("contacts.p_unscheduled")),
        "need_unscheduled": v("behaviour.need_unscheduled"),
        "p_illness_under5_per_month": v("contacts.p_illness_under5_per_month"),
        "p_illness_over5_per_month": v("contacts.p_illness_over5_per_month"),
        "p_detect_registration": v("safeguarding.p_detect_registration"),
        "p_detect_vaccination": v("safeguarding.p_detect_vaccination"),
        "p_detect_hv_review": v("safeguarding.p_detect_hv_review"),
        "p_detect_unscheduled": v("safeguarding.p_detect_unscheduled"),
        "p_detect_other_per_month": v("safeguarding.p_detect_other_per_month"),
        "p_detect_matching": v("safeguarding.p_detect_matching"),
        "p_init_registered": v("demography.p_init_registered"),
        "p_init_dose": v("demography.p_init_dose"),
        "trust_spread": v("trust.trust_spread"),
        "sd_propensity": v("behaviour.sd_propensity"),
        "mean_children": mean_children,
        "household_decision": float(DECISIONS[int(v("behaviour.decision"))] == "household"),
        "rel_object_per_risk": v("engagement.rel_object_per_risk"),
        "rel_avoid_aware": v("engagement.rel_avoid_aware"),
        "rel_register_avoiding": v("engagement.rel_register_avoiding"),
        "rel_unscheduled_avoiding": v("engagement.rel_unscheduled_avoiding"),
        "p_edu_return_per_month": p_return,
        "p_unmatched": min(sum(v(f"education.p_unmatched_{r}") for r in UNMATCHED_REASONS), 1.0),
        "rel_fear_told": v("awareness.rel_fear_told"),
    }
    assert tuple(scalars) == P_NAMES, "P vector and layout.P_NAMES disagree"
    P = np.array([scalars[n] for n in P_NAMES], dtype=np.float64)
    assert P.shape == (N_P,)
    SEGP = np.zeros((len(SEGMENTS), N_SEGP), dtype=np.float64)
    for i, seg in enumerate(SEGMENTS):
        row = {
            "trust0": v(f"segments.{seg}.trust0"),
            "shift_engagement": v(f"segments.{seg}.shift_engagement"),
            "rel_risk": v(f"segments.{seg}.rel_risk"),
            "nondisclosure": v(f"segments.{seg}.nondisclosure"),
            "h_need_per_month": monthly(min(v(f"segments.{seg}.rate_need_per_year") * need_factor, 1.0)),
            "p_missing_education": v(f"segments.{seg}.p_missing_education"),
            "h_missing_education_per_month": rules.h_episode_onset(v(f"segments.{seg}.p_missing_education"), p_return),
            "rel_media": v(f"segments.{seg}.rel_media"),
            "rel_avoid": v(f"segments.{seg}.rel_avoid"),
            "p_reengage_per_month": rules.p_reengage(v(f"segments.{seg}.dur_avoid_months")),
        }
        row.update({f"fear_{r}": v(f"segments.{seg}.fear.{r}") for r in RECIPIENTS})
        assert tuple(row) == SEGP_NAMES and len(RECIPIENTS) == N_RECIPIENTS
        SEGP[i] = [row[n] for n in SEGP_NAMES]
    return P, SEGP
