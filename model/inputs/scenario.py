"""Places and scenarios: data files read into frozen objects and the arrays the rules use."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.core import rules
from model.core.layout import (
    FL_END,
    FL_MATCH_INTERVAL,
    FL_MATCHING,
    FL_MEDIA,
    FL_NATIONAL,
    FL_OBJECTION,
    FL_RECIPIENT,
    FL_SAFEGUARD,
    FL_START,
    FL_TOLD,
    MAX_FLOWS,
    N_FLOWF,
    NEVER_ENDS,
    PURPOSE_MATCHING,
    PURPOSES,
    RECIPIENTS,
    SEGMENTS,
)
from model.core.population import Design, segment_counts, segment_weights, stratified_design
from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.params import NEED_RATE_FACTOR, Parameters, check_source

SHARE_TOLERANCE = 1e-6
# Children per household with dependent children: England, Wales and Wigan have 1.73-1.77 (params/places/);
# above PLAUSIBLE_CHILDREN a place is warned about, above MAX_CHILDREN refused (its births would not be rates).
PLAUSIBLE_CHILDREN, MAX_CHILDREN = 3.0, 10.0
SAMPLE_KEYS = ("general_households", "min_households")  # a place's `stratified_sample:` section


@dataclass(frozen=True)
class Sample:
    """A place's stratified sample at scale 1: general-population households, and the least any segment gets."""

    general_households: int
    min_households: int


@dataclass(frozen=True)
class Place:
    """A place to synthesise: households, children and the share of households in each segment."""

    name: str
    n_families: int
    n_children: int
    segment_shares: tuple[float, ...]  # in SEGMENTS order, summing to 1
    file: str
    need_rate_factor: float = 1.0  # the place's rate of need against England's (its own definition of need)
    sample: Sample | None = None  # a stratified sample (experiments with `sample: stratified`); None: proportional

    def scaled_families(self, scale: float) -> int:
        """Households simulated: a fraction of the place's size (at least one), or of its stratified sample."""
        design = self.design(scale)
        return max(1, round(self.n_families * scale)) if design is None else int(design.counts.sum())

    def design(self, scale: float) -> Design | None:
        """The stratified sample at `scale` (its counts and weights), or None for a proportional population."""
        if self.sample is None:
            return None
        s = self.sample
        return stratified_design(self.n_families, self.segment_shares, scale, s.general_households, s.min_households)

    def segment_sizes(self, scale: float) -> np.ndarray:
        """Households simulated in each segment: the stratified sample's counts, or the segments' shares of the
        place's households at `scale`."""
        design = self.design(scale)
        return design.counts if design is not None else segment_counts(self.scaled_families(scale), self.segment_shares)

    def weights(self, scale: float) -> np.ndarray:
        """Real households per simulated household in each segment, in a stratified sample or a proportional one."""
        design = self.design(scale)
        if design is not None:
            return design.weights
        return segment_weights(self.n_families, self.segment_shares, self.segment_sizes(scale))

    def represented_households(self, scale: float) -> float:
        """Real households the simulated ones stand for: each segment's simulated households times its weight (the
        place's households, less any segment a small proportional population leaves empty)."""
        return float((np.asarray(self.segment_sizes(scale), dtype=np.float64) * self.weights(scale)).sum())

    @property
    def mean_children(self) -> float:
        """Children per household with dependent children."""
        return self.n_children / self.n_families


@dataclass(frozen=True)
class Flow:
    """One flow of children's NHS-number-linked data to a recipient, and its safeguards."""

    name: str
    recipient: str
    purpose: str
    start_month: int  # months after the policy starts
    end_month: int | None  # months after the policy starts at which the flow stops (repeal); None: runs on
    families_told: bool
    objection_respected: bool
    confidentiality_kept: bool
    direct_care_only: bool
    media_intensity: float  # monthly chance of hearing of it through the media at its start
    match_interval_months: int  # for matching flows: how often the match is run
    national: bool = False  # runs across the country, so a family moving in has lived under it too


@dataclass(frozen=True)
class Scenario:
    """A named set of flows: the policy as data."""

    name: str
    description: str
    flows: tuple[Flow, ...]
    file: str
    label: str = ""  # the name readers see (optional `label:`); figures humanise the name when empty


def cited(file: str, field: str, raw: Any, source_ids: frozenset[str] | None) -> dict:
    """A `{value, source|assumption, note?}` entry of a place file, its source id checked."""
    entry = config.as_mapping(file, field, raw)
    config.check_keys(file, field, entry, {"value"}, {"source", "assumption", "note"})
    if ("source" in entry) == ("assumption" in entry):
        raise InputError(file, field, "exactly one of 'source' (an evidence id) or 'assumption' beside the value")
    if "source" in entry and source_ids is not None:
        check_source(file, field, config.text(file, f"{field}.source", entry["source"]), source_ids)
    return dict(entry)


def schema_checked(file: str, kind: str, data: Any) -> None:
    """Refuse a file with every error the schema finds in it, as `check` lists them (the one validation path)."""
    from model.inputs.schema import refuse_schema_errors  # the schema is built from this module's bounds

    refuse_schema_errors(file, kind, data)


def place_warnings(place: Place) -> tuple[str, ...]:
    """A line when the place's children per household lie outside what any UK place has (allowed, but shown)."""
    if place.mean_children <= PLAUSIBLE_CHILDREN:
        return ()
    return (f"{place.file}: n_children: {place.n_children} is {place.mean_children:.3g} children per household "
            f"(n_families {place.n_families}); UK places have about 1.7, at most {PLAUSIBLE_CHILDREN:g} is "
            "plausible",)  # fmt: skip


def load_sample(file: str, raw: Any, source_ids: frozenset[str] | None) -> Sample:
    """A place's `stratified_sample:` section: households at scale 1, each a cited whole number >= 1."""
    section = config.as_mapping(file, "stratified_sample", raw)
    config.check_keys(file, "stratified_sample", section, set(SAMPLE_KEYS))
    values = []
    for key in SAMPLE_KEYS:
        field = f"stratified_sample.{key}"
        values.append(config.integer(file, f"{field}.value", cited(file, field, section[key], source_ids)["value"], 1))
    return Sample(*values)


def load_place(path: str | Path, source_ids: frozenset[str] | None = None, stratified: bool = False) -> Place:
    """Read a place file (params/places/*.yaml); with `stratified`, its stratified sample is the one run."""
    file = str(path)
    data = config.as_mapping(file, "", config.load_yaml(path))
    schema_checked(file, "place", data)
    config.check_keys(
        file, "", data, {"name", "n_families", "n_children", "segment_shares"},
        {"description", "need_rate_factor", "stratified_sample"},
    )  # fmt: skip
    name = config.text(file, "name", data["name"])
    n_fam = config.integer(
        file, "n_families.value", cited(file, "n_families", data["n_families"], source_ids)["value"], 1
    )
    n_ch = config.integer(
        file, "n_children.value", cited(file, "n_children", data["n_children"], source_ids)["value"], 1
    )
    if n_ch < n_fam:
        raise InputError(file, "n_children", f"at least n_families ({n_fam}): every household has a child", n_ch)
    if n_ch > MAX_CHILDREN * n_fam:
        raise InputError(file, "n_children", f"at most {MAX_CHILDREN:g} children per household (n_families is "
                         f"{n_fam}; England has 1.73)", n_ch)  # fmt: skip
    shares_raw = config.as_mapping(file, "segment_shares", data["segment_shares"])
    config.check_keys(file, "segment_shares", shares_raw, set(SEGMENTS))
    shares = []
    for seg in SEGMENTS:
        field = f"segment_shares.{seg}"
        entry = cited(file, field, shares_raw[seg], source_ids)
        shares.append(config.number(file, f"{field}.value", entry["value"], 0.0, 1.0))
    if abs(sum(shares) - 1.0) > SHARE_TOLERANCE:
        raise InputError(file, "segment_shares", "shares summing to 1", round(sum(shares), 9))
    need = 1.0
    if "need_rate_factor" in data:
        entry = cited(file, "need_rate_factor", data["need_rate_factor"], source_ids)
        need = config.number(file, "need_rate_factor.value", entry["value"], *NEED_RATE_FACTOR)
    sample = load_sample(file, data["stratified_sample"], source_ids) if "stratified_sample" in data else None
    if stratified and sample is None:
        raise InputError(file, "stratified_sample", "a stratified sample (the experiment asks for sample: stratified)")
    return Place(name, n_fam, n_ch, tuple(shares), file, need, sample if stratified else None)


FLOW_REQUIRED = {
    "name",
    "recipient",
    "purpose",
    "start_month",
    "families_told",
    "objection_respected",
    "confidentiality_kept",
    "direct_care_only",
    "media_intensity",
}


def read_flow(file: str, field: str, raw: Any) -> Flow:
    """One entry of a scenario's `flows` list."""
    d = config.as_mapping(file, field, raw)
    config.check_keys(file, field, d, FLOW_REQUIRED, {"match_interval_months", "end_month", "national", "note"})
    f = lambda key: config.join(field, key)  # noqa: E731
    purpose = config.choice(file, f("purpose"), d["purpose"], PURPOSES)
    interval = 0
    if purpose == PURPOSES[PURPOSE_MATCHING]:
        if "match_interval_months" not in d:
            raise InputError(file, f("match_interval_months"), "a match interval for a matching flow")
        interval = config.integer(file, f("match_interval_months"), d["match_interval_months"], 1)
    start = config.integer(file, f("start_month"), d["start_month"], 0)
    ends = d.get("end_month") is not None  # null (as a manifest writes a flow without an end) is no end
    end = config.integer(file, f("end_month"), d["end_month"], start + 1) if ends else None
    return Flow(
        name=config.text(file, f("name"), d["name"]),
        recipient=config.choice(file, f("recipient"), d["recipient"], RECIPIENTS),
        purpose=purpose,
        start_month=start,
        end_month=end,
        families_told=config.boolean(file, f("families_told"), d["families_told"]),
        objection_respected=config.boolean(file, f("objection_respected"), d["objection_respected"]),
        confidentiality_kept=config.boolean(file, f("confidentiality_kept"), d["confidentiality_kept"]),
        direct_care_only=config.boolean(file, f("direct_care_only"), d["direct_care_only"]),
        media_intensity=config.number(file, f("media_intensity"), d["media_intensity"], 0.0, 1.0),
        match_interval_months=interval,
        national=config.boolean(file, f("national"), d["national"]) if "national" in d else False,
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (params/scenarios/*.yaml)."""
    file = str(path)
    data = config.as_mapping(file, "", config.load_yaml(path))
    schema_checked(file, "scenario", data)
    config.check_keys(file, "", data, {"name", "description", "flows"}, {"sources", "label"})
    flows_raw = data["flows"] if data["flows"] is not None else []
    if not isinstance(flows_raw, list):
        raise InputError(file, "flows", "a list of flows (may be empty)", flows_raw)
    if len(flows_raw) > MAX_FLOWS:
        raise InputError(file, "flows", f"at most {MAX_FLOWS} flows", len(flows_raw))
    flows = tuple(read_flow(file, f"flows[{i}]", raw) for i, raw in enumerate(flows_raw))
    label = config.text(file, "label", data["label"]) if "label" in data else ""
    return Scenario(
        config.identifier(file, "name", data["name"]),  # a table cell and a label: no ',' or newline
        config.text(file, "description", data["description"]),
        flows,
        file,
        label,
    )


def flow_table(scenario: Scenario, params: Parameters, burn_in_months: int) -> np.ndarray:
    """The FLOWS array the rules read: one row per flow, absolute start month, safeguards combined."""
    table = np.zeros((len(scenario.flows), N_FLOWF), dtype=np.float64)
    v = params.value
    for i, fl in enumerate(scenario.flows):
        table[i, FL_START] = burn_in_months + fl.start_month
        table[i, FL_RECIPIENT] = RECIPIENTS.index(fl.recipient)
        table[i, FL_MATCHING] = 1.0 if fl.purpose == PURPOSES[PURPOSE_MATCHING] else 0.0
        table[i, FL_TOLD] = 1.0 if fl.families_told else 0.0
        table[i, FL_SAFEGUARD] = rules.safeguard_factor(
            fl.objection_respected,
            fl.confidentiality_kept,
            fl.direct_care_only,
            v("safeguards.rel_risk_objection_respected"),
            v("safeguards.rel_risk_confidentiality_kept"),
            v("safeguards.rel_risk_direct_care_only"),
        )
        table[i, FL_MEDIA] = fl.media_intensity
        table[i, FL_MATCH_INTERVAL] = max(fl.match_interval_months, 1)
        table[i, FL_OBJECTION] = 1.0 if fl.objection_respected else 0.0
        table[i, FL_END] = NEVER_ENDS if fl.end_month is None else burn_in_months + fl.end_month
        table[i, FL_NATIONAL] = 1.0 if fl.national else 0.0
    return table
