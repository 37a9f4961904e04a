"""Where the ranges of each segment's response to perceived risk come from: the chilling-effect analogues.

Each segment's evidence is a range of revealed loss: the share of its usual take-up of a due contact
it gives up under a data-sharing regime it knows (stated fear times 0.2-0.4 where only surveys exist).
`rel_risk` is solved so that `w_risk x rel_risk x risk` costs that loss, with the risk of a household
that knows every flow of the national mandate as drafted (docs/ODD.md, Behavioural ranges).
params/segments.yaml holds the result; a test fails if the two drift apart.
"""

import math
from dataclasses import dataclass

from model.core import rules
from model.inputs.params import Parameters, logit
from model.inputs.scenario import Scenario

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
        "jcwi_2021_fear_of_healthcare",  # stated fear, scaled; the UK before/after measure was not found
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

    Trust erodes once for each flow (model/core/awareness.py: update_trust), then the flows' risks combine
    (model/core/rules.py).
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


def derived_rel_avoid(params: Parameters, reference: Scenario) -> dict[str, tuple[float, float, float]]:
    """Each segment's (lo, mode, hi) of rel_avoid: under the household decision the revealed loss is the share of
    families who avoid services, entered on learning with chance rel_avoid x risk, so rel_avoid = loss / risk of
    a household that knows every flow of the reference scenario (docs/ODD.md, Engagement state)."""
    return {
        seg: tuple(x / exposure_risk(params, seg, reference) for x in (ev.loss_lo, ev.loss_mode, ev.loss_hi))
        for seg, ev in CHILLING_EVIDENCE.items()
    }
