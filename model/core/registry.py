"""The one registry of parameters: what each knob in params/ is, where the kernel reads it and who reads it.

An entry gives a parameter's dotted path (`segments.*.x` for a per-segment one), its hard bounds, the column(s) it
fills in the kernel's arrays (P for the sections, SEGP for the segments, none when it is read before the kernel
runs: the network, the flows), how its value becomes that column's number (a conversion named in
model/inputs/params.py, CONVERSIONS), and which decision structures (`behaviour.decision`) read it. Its value,
plausible range, unit and source stay in params/*.yaml, the one place they are written.

Everything else is generated from this list: layout.P_NAMES, SEGP_NAMES and their P_*/S_* index constants, the
loaders' schema and bounds, `to_arrays`' order, the JSON Schema and docs/ODD.md's parameter table. Adding a scalar
read by an existing rule is an entry here, its YAML entry and its use (docs/CONTRIBUTING.md).

This module sits at the bottom of the core: it imports nothing of the package.
"""

from typing import NamedTuple

# --- Vocabulary the entries need (re-exported by layout) ---
RECIPIENTS = ("csc", "education", "police", "national", "other")  # recipients of a flow; fears are per recipient
DECISIONS = ("contact", "household")  # behaviour.decision: each contact decides alone, or the household's state
MAX_DEGREE = 200  # neighbour counts are packed 8 bits a flow, so a count must fit in a byte

ALL = DECISIONS
CONTACT = ("contact",)  # read only when each contact weighs risk itself
HOUSEHOLD = ("household",)  # read only through the household's engagement state

PROB = (0.0, 1.0)
OPEN_PROB = (1e-9, 1.0 - 1e-9)  # probabilities that enter a logit
SAME = None  # `slots` default: the column named as the parameter (its path's last part)


class Entry(NamedTuple):
    """One parameter of params/*.yaml (the value, range, unit and source are there)."""

    path: str  # `section.name`, or `segments.*.name` for one value per segment
    lo: float  # hard bounds: no file may set a value or a range outside them
    hi: float
    slots: tuple[str, ...] | None = SAME  # kernel columns it fills; () when read before the kernel (`reader`)
    convert: str = "same"  # how the value becomes its column's number (model/inputs/params.py, CONVERSIONS)
    read_by: tuple[str, ...] = ALL  # the decision structures under which it changes anything
    integer: bool = False
    choices: tuple[str, ...] = ()  # a parameter whose values are names: its value is the name's index
    reader: str = ""  # where a parameter with no kernel column is read

    @property
    def columns(self) -> tuple[str, ...]:
        """The kernel columns it fills."""
        return (self.path.rsplit(".", 1)[1],) if self.slots is None else self.slots

    @property
    def per_segment(self) -> bool:
        return self.path.startswith("segments.*.")


def e(path: str, bounds: tuple[float, float], **kw) -> Entry:
    """An entry from its path and (lo, hi) hard bounds."""
    return Entry(path, *bounds, **kw)


PARAMETERS: tuple[Entry, ...] = (
    e("demography.rel_birth_rate", PROB, slots=("p_birth_per_month",), convert="births_per_household"),
    e("demography.rate_move_per_year", PROB, slots=("p_move_per_month",), convert="monthly"),
    e("demography.p_init_registered", PROB),
    e("demography.p_init_dose", PROB),
    e("network.degree", (0, MAX_DEGREE), slots=(), integer=True, reader="the network (population.NetworkSpec)"),
    e("network.p_same_segment", PROB, slots=(), reader="the network (population.NetworkSpec)"),
    e("network.neighbourhood_households", (2, 10_000_000), slots=(), integer=True, reader="the network"),
    e("awareness.p_word_of_mouth", PROB),
    e("awareness.p_word_of_mouth_letter", PROB),
    e("awareness.p_notice_per_month", PROB),
    e("awareness.rel_fear_told", (0.0, 10.0)),  # fear of a flow families are told of, relative to unannounced
    e("awareness.p_forget_per_month", PROB),
    e("awareness.media_decay_months", (0.1, 1200.0)),
    e("trust.erosion_unexpected", PROB),
    e("trust.erosion_told", PROB),
    e("trust.recovery_per_month", PROB),
    e("trust.trust_spread", (0.0, 0.5)),
    e("behaviour.w_risk", (0.0, 50.0), read_by=CONTACT),
    e("behaviour.w_peer", (0.0, 50.0)),
    e("behaviour.peer_ref", PROB),
    e("behaviour.shift_unregistered", (-20.0, 0.0)),
    e("behaviour.need_unscheduled", PROB, read_by=CONTACT),  # it damps the risk term, which only contacts carry
    e("behaviour.sd_propensity", (0.0, 5.0)),
    e("behaviour.decision", (0, len(DECISIONS) - 1), slots=("household_decision",), convert="is_household",
      integer=True, choices=DECISIONS),
    e("engagement.rel_object_per_risk", (0.0, 1000.0), read_by=HOUSEHOLD),
    e("engagement.rel_avoid_aware", (0.0, 1.0), read_by=HOUSEHOLD),
    e("engagement.rel_register_avoiding", PROB, read_by=HOUSEHOLD),
    e("engagement.rel_unscheduled_avoiding", PROB, read_by=HOUSEHOLD),
    e("contacts.p_register_due", OPEN_PROB, slots=("logit_register_due",), convert="logit"),
    e("contacts.p_register_late", OPEN_PROB, slots=("logit_register_late",), convert="logit"),
    e("contacts.p_vacc_due", OPEN_PROB, slots=("logit_vacc_due",), convert="logit"),
    e("contacts.p_mmr1_due", OPEN_PROB, slots=("logit_mmr1_due",), convert="logit"),
    e("contacts.p_mmr2_due", OPEN_PROB, slots=("logit_mmr2_due",), convert="logit"),
    e("contacts.p_mmr1_preschool", OPEN_PROB, slots=("logit_mmr1_preschool",), convert="logit"),
    e("contacts.p_vacc_catchup", OPEN_PROB, slots=("logit_vacc_catchup",), convert="logit"),
    e("contacts.catchup_decay_months", (0.1, 1200.0)),
    e("contacts.p_hv_review", OPEN_PROB, slots=("logit_hv_review",), convert="logit"),
    e("contacts.p_unscheduled", OPEN_PROB, slots=("logit_unscheduled",), convert="logit"),
    e("contacts.p_illness_under5_per_month", PROB),
    e("contacts.p_illness_over5_per_month", PROB),
    # one column per contact type, in layout.CONTACTS order (layout.P_DETECT0 + contact)
    e("safeguarding.p_detect_registration", PROB),
    e("safeguarding.p_detect_vaccination", PROB),
    e("safeguarding.p_detect_hv_review", PROB),
    e("safeguarding.p_detect_unscheduled", PROB),
    e("safeguarding.p_detect_other_per_month", PROB),
    e("safeguarding.p_detect_matching", PROB),
    e("education.dur_missing_months", (0.1, 1200.0), slots=("p_edu_return_per_month",), convert="end_of_spell"),
    # the four reasons a child in education is unmatched add up to one column (at most 1)
    e("education.p_unmatched_independent_school", PROB, slots=("p_unmatched",), convert="unmatched"),
    e("education.p_unmatched_home_education", PROB, slots=("p_unmatched",), convert="unmatched"),
    e("education.p_unmatched_moved_away", PROB, slots=("p_unmatched",), convert="unmatched"),
    e("education.p_unmatched_linkage", PROB, slots=("p_unmatched",), convert="unmatched"),
    e("education.p_missing_known", PROB),
    e("safeguards.rel_risk_objection_respected", PROB, slots=(), reader="the flow table (scenario.flow_table)"),
    e("safeguards.rel_risk_confidentiality_kept", PROB, slots=(), reader="the flow table (scenario.flow_table)"),
    e("safeguards.rel_risk_direct_care_only", PROB, slots=(), reader="the flow table (scenario.flow_table)"),
    # per segment (params/segments.yaml): columns of SEGP
    e("segments.*.trust0", PROB),
    e("segments.*.shift_engagement", (-10.0, 10.0)),
    e("segments.*.rel_risk", (0.0, 10.0), read_by=CONTACT),
    e("segments.*.nondisclosure", PROB),
    e("segments.*.rate_need_per_year", PROB, slots=("h_need_per_month",), convert="need_per_month"),
    e("segments.*.p_missing_education", PROB, slots=("p_missing_education", "h_missing_education_per_month"),
      convert="missing_education"),
    e("segments.*.rel_media", (0.0, 10.0)),
    e("segments.*.rel_avoid", (0.0, 1000.0), read_by=HOUSEHOLD),
    e("segments.*.dur_avoid_months", (0.1, 1200.0), slots=("p_reengage_per_month",), convert="reengage",
      read_by=HOUSEHOLD),
    *(e(f"segments.*.fear.{r}", PROB, slots=(f"fear_{r}",)) for r in RECIPIENTS),
)  # fmt: skip

# Columns of P that no parameter fills: the place's own figures, set by model/inputs/params.py `to_arrays`
PLACE_COLUMNS = ("mean_children",)

BY_PATH = {entry.path: entry for entry in PARAMETERS}


def unique(names) -> tuple[str, ...]:
    """Names in first-seen order, each once."""
    return tuple(dict.fromkeys(names))


P_COLUMNS = unique(c for entry in PARAMETERS if not entry.per_segment for c in entry.columns) + PLACE_COLUMNS
SEGP_COLUMNS = unique(c for entry in PARAMETERS if entry.per_segment for c in entry.columns)


def entry_of(path: str) -> Entry:
    """The entry of a concrete path (`segments.grt.rel_risk` is `segments.*.rel_risk`); KeyError if none."""
    parts = path.split(".")
    if parts[0] == "segments" and len(parts) > 2:
        return BY_PATH[".".join(["segments", "*", *parts[2:]])]
    return BY_PATH[path]


def read_under(path: str, decisions: tuple[str, ...]) -> bool:
    """True if the parameter at `path` is read under at least one of the decision structures given."""
    return any(d in entry_of(path).read_by for d in decisions)
