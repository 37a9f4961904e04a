"""What we do not know about behaviour: per-replicate draws of behavioural parameters and the evidence for their ranges.

An experiment's `uncertainty:` section names parameters (paths, `*` wildcards, or the groups below)
and a distribution over each parameter's range. Each replicate draws its own values, keyed by the
experiment's seed, the replicate and the parameter (or group) name with the counter-based hash of
model/rng.py, so a draw never depends on order or on a global generator. Every scenario of a
replicate runs with the same draw, so effects stay paired: intervals then hold what we do not know
about behaviour as well as chance.

The ranges of the segments' response to perceived risk (`segments.<s>.rel_risk`) are derived here
from the chilling-effect analogues (`CHILLING_EVIDENCE`): the share of a segment's contacts lost
when a household knows every flow of the national mandate as drafted.
"""

import fnmatch
import math
import zlib
from dataclasses import dataclass
from typing import Any

from model import config, rules
from model.errors import InputError
from model.params import Parameters, logit
from model.rng import uniform
from model.scenario import Scenario

DISTRIBUTIONS = ("uniform", "triangular")
DRAW_MONTH_KEY = (1 << 30) + 2  # month key of parameter draws (set-up uses 2^30, the network 2^30 + 1)
UNCERTAINTY_KEYS = {"distribution", "parameters"}

# name -> (parameter patterns, whether the group shares one quantile)
GROUPS: dict[str, tuple[tuple[str, ...], bool]] = {
    # One quantile for every segment: what people do is a fraction of what they say, and that fraction
    # (0.2-0.4) is uncertain in the same way for all of them.
    "chilling_response": (("segments.*.rel_risk",), True),
    "awareness_speed": (
        (
            "awareness.p_word_of_mouth",
            "awareness.p_word_of_mouth_letter",
            "awareness.p_notice_per_month",
            "awareness.p_forget_per_month",
            "awareness.media_decay_months",
        ),
        False,
    ),
    "trust_dynamics": (("trust.erosion_unexpected", "trust.erosion_told", "trust.recovery_per_month"), False),
}


@dataclass(frozen=True)
class Uncertainty:
    """Which parameters each replicate draws, and from what distribution over their ranges."""

    distribution: str
    names: tuple[str, ...]  # as written: groups, paths or patterns
    draws: tuple[tuple[str, tuple[str, ...]], ...]  # (draw key, paths sharing that draw's quantile)


def load_uncertainty(file: str, raw: Any, params: Parameters) -> Uncertainty:
    """Check an experiment's `uncertainty:` section against the parameters it will draw."""
    section = config.as_mapping(file, "uncertainty", raw)
    config.check_keys(file, "uncertainty", section, UNCERTAINTY_KEYS)
    distribution = config.choice(file, "uncertainty.distribution", section["distribution"], DISTRIBUTIONS)
    names = section["parameters"]
    if not isinstance(names, list) or not names:
        raise InputError(file, "uncertainty.parameters", "a non-empty list of groups or parameter paths", names)
    draws: list[tuple[str, tuple[str, ...]]] = []
    taken: set[str] = set()
    for i, name in enumerate(names):
        field = f"uncertainty.parameters[{i}]"
        name = config.text(file, field, name)
        patterns, shared = GROUPS.get(name, ((name,), False))
        paths = tuple(p for p in params.entries if any(fnmatch.fnmatchcase(p, pat) for pat in patterns))
        if not paths:
            groups = ", ".join(GROUPS)
            raise InputError(file, field, f"a group ({groups}) or a parameter path (wildcards allowed)", name)
        for path in paths:
            p = params.entries[path]
            if path in taken:
                raise InputError(file, field, "parameters named once only", path)
            if not p.lo <= p.value <= p.hi:
                raise InputError(file, field, f"parameters whose value lies in their range ({path}: {p.value})", name)
            taken.add(path)
        draws.extend([(name, paths)] if shared else [(path, (path,)) for path in paths])
    return Uncertainty(distribution, tuple(names), tuple(draws))


def quantile(distribution: str, u: float, lo: float, mode: float, hi: float) -> float:
    """The value at quantile u of a uniform distribution on [lo, hi], or a triangular one peaking at `mode`."""
    if hi <= lo:
        return lo
    if distribution == "uniform":
        return lo + u * (hi - lo)
    cut = (mode - lo) / (hi - lo)
    if u < cut:
        return lo + math.sqrt(u * (hi - lo) * (mode - lo))
    return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode))


def draw_key(name: str) -> int:
    """The purpose key of a draw: a checksum of its name, so adding a parameter leaves the others' draws alone."""
    return zlib.crc32(name.encode("utf-8"))


def drawn_values(unc: Uncertainty, params: Parameters, seed: int, replicate: int) -> dict[str, float]:
    """The values replicate `replicate` draws, by parameter path."""
    out: dict[str, float] = {}
    for key, paths in unc.draws:
        u = uniform(seed, replicate, DRAW_MONTH_KEY, draw_key(key))
        for path in paths:
            p = params.entries[path]
            v = quantile(unc.distribution, u, p.lo, p.value, p.hi)
            out[path] = float(round(v)) if p.integer else v
    return out


def replicate_draw(unc: Uncertainty, params: Parameters, file: str, seed: int, replicate: int) -> Parameters:
    """The parameters of one replicate: the named ones drawn, the rest as given."""
    values = drawn_values(unc, params, seed, replicate)
    return params.with_overrides({k: int(v) if params.entries[k].integer else v for k, v in values.items()}, file)


# --- Where the ranges of the chilling response come from -------------------------------------------

REFERENCE_CONTACT = "contacts.p_vacc_due"  # the contact whose take-up the evidence's losses are read against
REFERENCE_SCENARIO = "national_sui_mandate"  # the data-sharing regime the evidence's losses are read against


@dataclass(frozen=True)
class ChillingEvidence:
    """A segment's revealed loss of contacts, as a share of its usual take-up, under a data-sharing regime it knows."""

    loss_lo: float
    loss_mode: float
    loss_hi: float
    source: str  # an id in params/sources.yaml
    basis: str


CHILLING_EVIDENCE: dict[str, ChillingEvidence] = {
    "general": ChillingEvidence(
        0.0,
        0.005,
        0.01,
        "ipsos_nhsd_2018_poll",
        "72-85% support sharing with the Home Office or police, so 0-1% of families change behaviour",
    ),
    "csc_known": ChillingEvidence(
        0.0,
        0.025,
        0.05,
        "pnd_nondisclosure_4children_2011",
        "fear of social care lowers disclosure more than attendance; attendance -0-5%",
    ),
    "domestic_abuse": ChillingEvidence(
        0.05,
        0.1,
        0.15,
        "da_police_home_office_referrals",
        "address disclosure deters contact (DA Commissioner, Health Committee 2018), 5-15%",
    ),
    "insecure_immigration": ChillingEvidence(
        0.1,
        0.15,
        0.3,
        "uk_mou_registration_effect",
        "stated fear 81% (JCWI) x revealed/stated 0.2-0.4, and 20% of unregistered migrants deterred (DOTW), 10-30%",
    ),
    "grt": ChillingEvidence(
        0.05,
        0.1,
        0.2,
        "grt_education_exit",
        "over-represented in the records matching flags, and letters travel by word of mouth, 5-20%",
    ),
    "ehe": ChillingEvidence(
        0.02,
        0.05,
        0.1,
        "gmc_2024_wales",
        "organised and aware, and may not re-register with a GP on moving (GMC 2024), 2-10%",
    ),
    "adoptive": ChillingEvidence(
        0.0, 0.025, 0.05, "eng_cla_2024", "identity and address leakage to birth families, no data, 0-5%"
    ),
    "disabled_parents": ChillingEvidence(
        0.0,
        0.025,
        0.05,
        "pnd_nondisclosure_bbc_2005",
        "fear of child removal, as for families known to social care, 0-5%",
    ),
}


def exposure_risk(params: Parameters, segment: str, scenario: Scenario) -> float:
    """Perceived risk of a household of the segment at its usual trust that has learnt of every flow of the scenario.

    Trust erodes once for each flow (model/step.py: update_trust), then the flows' risks combine (model/rules.py).
    """
    v = params.value
    trust = v(f"segments.{segment}.trust0")
    for flow in scenario.flows:
        trust = rules.trust_after_learning(
            trust, v("trust.erosion_told" if flow.families_told else "trust.erosion_unexpected")
        )
    risk = 0.0
    for flow in scenario.flows:
        factor = rules.safeguard_factor(
            flow.objection_respected,
            flow.confidentiality_kept,
            flow.direct_care_only,
            v("safeguards.rel_risk_objection_respected"),
            v("safeguards.rel_risk_confidentiality_kept"),
            v("safeguards.rel_risk_direct_care_only"),
        )
        risk = rules.combine_risk(risk, rules.flow_risk(v(f"segments.{segment}.fear.{flow.recipient}"), trust, factor))
    return risk


def usual_logit(params: Parameters, segment: str) -> float:
    """Logit of the segment's usual take-up of the reference contact (an average household, no peer pull)."""
    return logit(params.value(REFERENCE_CONTACT)) + params.value(f"segments.{segment}.shift_engagement")


def contact_loss(params: Parameters, segment: str, scenario: Scenario, rel_risk: float) -> float:
    """Take-up lost under the scenario's exposure risk: 1 - logistic(x - w_risk rel_risk risk) / logistic(x)."""
    x = usual_logit(params, segment)
    shifted = x - params.value("behaviour.w_risk") * rel_risk * exposure_risk(params, segment, scenario)
    return 1.0 - (1.0 + math.exp(-x)) / (1.0 + math.exp(-shifted))


def rel_risk_for_loss(params: Parameters, segment: str, scenario: Scenario, loss: float) -> float:
    """The rel_risk at which the scenario costs the segment `loss` of its take-up (the inverse of contact_loss)."""
    x = usual_logit(params, segment)
    p = 1.0 / (1.0 + math.exp(-x)) * (1.0 - loss)
    return (x - logit(p)) / (params.value("behaviour.w_risk") * exposure_risk(params, segment, scenario))


def derived_rel_risk(params: Parameters, reference: Scenario) -> dict[str, tuple[float, float, float]]:
    """Each segment's (lo, mode, hi) of rel_risk from its evidence under the reference scenario (for segments.yaml)."""
    return {
        seg: tuple(rel_risk_for_loss(params, seg, reference, x) for x in (ev.loss_lo, ev.loss_mode, ev.loss_hi))
        for seg, ev in CHILLING_EVIDENCE.items()
    }
