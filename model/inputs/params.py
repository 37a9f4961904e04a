"""The parameter schema: YAML in params/ -> validated, frozen objects -> arrays for the rules.

Every parameter is an entry `{value, range: [lo, hi], unit, source | assumption}`.
The registry (model/core/registry.py) fixes which names exist, their hard bounds
and the kernel columns they fill; unknown keys, values outside the bounds or
outside the entry's own range fail at load with the file and the field named.
Units are converted once, in `to_arrays`, through the registry's conversions.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from model.core import rules
from model.core.layout import DECISIONS, N_P, N_SEGP, P_NAMES, RECIPIENTS, SEGMENTS, SEGP_NAMES
from model.core.registry import BY_PATH, PARAMETERS, PLACE_COLUMNS, Entry, entry_of
from model.inputs import config
from model.inputs.errors import InputError

# The loaders' schema, generated from the registry (model/core/registry.py), the one place a parameter is declared:
# section -> name -> (hard lower bound, hard upper bound, integer?), and the same per segment parameter
DEFAULT_SCHEMA: dict[str, dict[str, tuple[float, float, bool]]] = {}
SEGMENT_SCHEMA: dict[str, tuple[float, float, bool]] = {}
for _entry in PARAMETERS:
    if _entry.per_segment:
        SEGMENT_SCHEMA[_entry.path.removeprefix("segments.*.")] = (_entry.lo, _entry.hi, _entry.integer)
    else:
        _section, _name = _entry.path.split(".")
        DEFAULT_SCHEMA.setdefault(_section, {})[_name] = (_entry.lo, _entry.hi, _entry.integer)
CHOICES: dict[str, tuple[str, ...]] = {x.path: x.choices for x in PARAMETERS if x.choices}  # values that are names

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
        """A new Parameters with values replaced; each path and value checked against the schema.

        A per-segment pattern (`segments.*.rel_avoid`) takes a shared position in every segment's plausible range
        (`positioned`), so one number moves every segment's value the same way, as an uncertainty group does.
        """
        entries = dict(self.entries)
        for path, value in overrides.items():
            field = f"overrides.{path}"
            if is_pattern(path):
                x = config.number(file, field, value, *POSITION)
                for seg in SEGMENTS:
                    concrete = path.replace("*", seg)
                    old = entries[concrete]
                    v = positioned(x, old.value, old.lo, old.hi)
                    entries[concrete] = replace(old, value=float(round(v)) if old.integer else v)
                continue
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


NEED_RATE_FACTOR = (0.0, 10.0)  # bounds of a place's need_rate_factor (its file, its schema, its manifest record):
# here, below both scenario.py and schema.py, which each read it (scenario.py checks files by the schema)
POSITION = (-1.0, 1.0)  # a shared position in a range: -1 its low end, 0 the table's value, 1 its high end


def is_pattern(path: str) -> bool:
    """True for a per-segment pattern of the registry (`segments.*.rel_avoid`), which overrides and designs may set
    to a shared position in every segment's range."""
    return path in BY_PATH and BY_PATH[path].per_segment


def positioned(x: float, value: float, lo: float, hi: float) -> float:
    """The value at position x in [-1, 1] of a plausible range: lo at -1, the table's value at 0, hi at 1, linear
    on each side."""
    return value + x * (hi - value) if x >= 0 else value + x * (value - lo)


def bounds_of(path: str) -> tuple[float, float, bool]:
    """Hard bounds of a parameter path from the schema (a per-segment pattern's: the positions [-1, 1])."""
    if is_pattern(path):
        return (*POSITION, False)
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


def decision_names(params: Parameters) -> tuple[str, ...]:
    """The decision structure (`behaviour.decision`) these parameters run under, as a one-name tuple."""
    return (DECISIONS[int(params.value("behaviour.decision"))],)


def refuse_dead_knob(file: str, field: str, path: str, decisions: tuple[str, ...]) -> None:
    """A parameter that none of the experiment's decision structures reads would change nothing: refuse it.

    `path` may be a concrete path or a registry pattern (`segments.*.rel_avoid`); `decisions` are the values of
    `behaviour.decision` the experiment runs under.
    """
    entry = entry_of(path)
    if not any(d in entry.read_by for d in decisions):
        under = " or ".join(decisions)
        raise InputError(
            file, field, f"a parameter the {under} decision reads ({', '.join(entry.read_by)} only: a dead knob)", path
        )


def logit(p: float) -> float:
    """log(p / (1 - p))."""
    return math.log(p / (1.0 - p))


def monthly(rate_per_year: float) -> float:
    """Monthly probability equivalent to a yearly probability: 1 - (1 - r)^(1/12)."""
    return 1.0 - (1.0 - rate_per_year) ** (1.0 / 12.0)


@dataclass(frozen=True)
class PlaceFigures:
    """What a column may read besides parameters: the place's mean children per household and its need factor."""

    mean_children: float
    need_factor: float


# How a parameter's value becomes its kernel columns' numbers (registry.Entry.convert): f(x, v, place) with x the
# value, v the value at any other path and place the place's figures; one number per column the entry fills.
CONVERSIONS = {
    "same": lambda x, v, place: (x,),
    "logit": lambda x, v, place: (logit(x),),
    "monthly": lambda x, v, place: (monthly(x),),
    # births per household a month, so a population of this mean size renews itself over 18 years
    "births_per_household": lambda x, v, place: (x * place.mean_children / 216.0,),
    "is_household": lambda x, v, place: (float(DECISIONS[int(x)] == "household"),),
    "end_of_spell": lambda x, v, place: (rules.p_end_of_spell(x),),
    "unmatched": lambda x, v, place: (
        min(sum(v(f"education.p_unmatched_{r}") for r in UNMATCHED_REASONS), 1.0),
    ),
    # a place's own definition of need scales every segment's yearly rate
    "need_per_month": lambda x, v, place: (monthly(min(x * place.need_factor, 1.0)),),
    "missing_education": lambda x, v, place: (
        x,
        rules.h_episode_onset(x, rules.p_end_of_spell(v("education.dur_missing_months"))),
    ),
    "reengage": lambda x, v, place: (rules.p_reengage(x),),
}
UNMATCHED_REASONS = ("independent_school", "home_education", "moved_away", "linkage")  # education.p_unmatched_*


def columns_of(entry: Entry, params: Parameters, place: PlaceFigures, seg: str = "") -> dict[str, float]:
    """The kernel columns one registry entry fills, by name (for one segment if the entry is per segment)."""
    if not entry.columns:
        return {}  # read before the kernel runs (entry.reader)
    path = entry.path.replace("*", seg) if seg else entry.path
    numbers = CONVERSIONS[entry.convert](params.value(path), params.value, place)
    return dict(zip(entry.columns, numbers, strict=True))


def to_arrays(params: Parameters, mean_children: float, need_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The scalar vector P and the segment table SEGP that the rules read, units converted once.

    Each column is filled by its registry entry (model/core/registry.py) through its conversion (CONVERSIONS);
    `mean_children` (the place's mean children per household) sets births, and `need_factor` scales every
    segment's yearly rate of need (a place's own definition of need).
    """
    place = PlaceFigures(mean_children, need_factor)
    scalars: dict[str, float] = {"mean_children": mean_children}
    assert PLACE_COLUMNS == ("mean_children",)
    for entry in PARAMETERS:
        if not entry.per_segment:
            scalars.update(columns_of(entry, params, place))
    P = np.array([scalars[n] for n in P_NAMES], dtype=np.float64)
    assert P.shape == (N_P,)
    SEGP = np.zeros((len(SEGMENTS), N_SEGP), dtype=np.float64)
    for i, seg in enumerate(SEGMENTS):
        row: dict[str, float] = {}
        for entry in PARAMETERS:
            if entry.per_segment:
                row.update(columns_of(entry, params, place, seg))
        SEGP[i] = [row[n] for n in SEGP_NAMES]
    return P, SEGP
