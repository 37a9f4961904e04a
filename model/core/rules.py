"""The behavioural rules of disengage: small pure functions, compiled with numba.

Nothing else in the project decides behaviour. Rules take whole tables and an index rather than
row views: a view costs a reference-count update per call in compiled loops. Each function states its rule
in the docstring and implements it in a line or two; both drivers (the Mesa
agents and the population kernel) reach these through the household loop, `model.core.step`.
"""

import math

from numba import njit

from model.core.layout import (
    AGE_ILLNESS_BAND,
    FL_END,
    FL_MATCH_INTERVAL,
    FL_MATCHING,
    FL_MEDIA,
    FL_START,
    MAX_CHILDREN,
)

NO_EVENT_GAP = 1 << 30  # months_to_next_event when the chance is zero: later than any run
REL_PREVENTIVE_AVOIDING = 0.0  # share of its chance an avoiding family keeps at a preventive contact: it skips them
U_OPEN = 1e-9  # a uniform draw is kept this far inside (0, 1) before a quantile with infinite tails


@njit(cache=True)
def logistic(x: float) -> float:
    """1 / (1 + e^-x), written to stay finite for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def flow_active(flows, k: int, month: int) -> bool:
    """Flow k (a row of the FLOWS table) runs from its absolute start month until the month before its end."""
    return flows[k, FL_START] <= month < flows[k, FL_END]


@njit(cache=True)
def media_prob(flows, k: int, month: int, media_decay_months: float) -> float:
    """Monthly chance of hearing of flow k through the media while it runs: intensity * exp(-(t - start) / decay)."""
    if month < flows[k, FL_START] or month >= flows[k, FL_END]:
        return 0.0
    return flows[k, FL_MEDIA] * math.exp(-(month - flows[k, FL_START]) / media_decay_months)


@njit(cache=True)
def matching_runs(flows, k: int, month: int) -> bool:
    """A matching flow k runs its match at its start and every `match_interval_months` after, until it ends."""
    if flows[k, FL_MATCHING] == 0.0 or not flow_active(flows, k, month):
        return False
    return (month - int(flows[k, FL_START])) % int(flows[k, FL_MATCH_INTERVAL]) == 0


@njit(cache=True)
def p_media_segment(p_media: float, rel_media: float) -> float:
    """Monthly chance a family of a segment hears of a flow through the media: min(1, p_media x rel_media)."""
    return min(p_media * rel_media, 1.0)


@njit(cache=True)
def p_miss_broadcast(p_media: float, p_notice: float) -> float:
    """Chance a family hears of a flow through neither the media nor a transparency notice this month."""
    return (1.0 - p_media) * (1.0 - p_notice)


@njit(cache=True)
def fear_of_flow(fear_of_recipient: float, told: bool, rel_fear_told: float) -> float:
    """A family's fear of a flow: its fear of the recipient, times rel_fear_told if families are told of the flow
    by notice (1 = a notice carries the same fear as hearing of the flow any other way), at most 1 (a fear)."""
    return min(fear_of_recipient * rel_fear_told, 1.0) if told else fear_of_recipient


@njit(cache=True)
def p_miss_word_of_mouth(p_wom: float, n_neighbours: int) -> float:
    """Chance none of n neighbours passes the word on: (1 - p_wom)^n."""
    return (1.0 - p_wom) ** n_neighbours


@njit(cache=True)
def p_aware_from_misses(miss_broadcast: float, miss_wom: float, miss_wom_letter: float, had_letter: bool) -> float:
    """Chance an unaware family learns of a flow: any channel reaches it (1 - the product of the misses),
    and certainty if the family itself received an enquiry letter (direct experience)."""
    if had_letter:
        return 1.0
    return 1.0 - miss_broadcast * miss_wom * miss_wom_letter


@njit(cache=True)
def p_become_aware(
    p_media: float,
    p_notice: float,
    p_wom: float,
    n_aware_neighbours: int,
    p_wom_letter: float,
    n_letter_neighbours: int,
    had_letter: bool,
) -> float:
    """Chance an unaware family learns of a flow this month: any of the channels reaching it.

    1 - (1 - media)(1 - notice)(1 - wom)^aware_neighbours (1 - wom_letter)^letter_neighbours,
    and certainty if the family itself received an enquiry letter (direct experience).
    The step reads the three misses from month-level tables (`model.core.month.month_inputs`).
    """
    return p_aware_from_misses(
        p_miss_broadcast(p_media, p_notice),
        p_miss_word_of_mouth(p_wom, n_aware_neighbours),
        p_miss_word_of_mouth(p_wom_letter, n_letter_neighbours),
        had_letter,
    )


@njit(cache=True)
def trust_after_learning(trust: float, erosion: float) -> float:
    """Learning of a flow erodes trust multiplicatively: trust * (1 - erosion)."""
    return trust * (1.0 - erosion)


@njit(cache=True)
def trust_recovered(trust: float, trust0: float, recovery_per_month: float) -> float:
    """Trust drifts back toward the segment's usual level: trust + rate * (trust0 - trust)."""
    return trust + recovery_per_month * (trust0 - trust)


@njit(cache=True)
def flow_risk(fear: float, trust: float, safeguard_factor: float) -> float:
    """Perceived risk from one known flow: fear of the recipient x distrust x what safeguards leave."""
    return fear * (1.0 - trust) * safeguard_factor


@njit(cache=True)
def combine_risk(risk_so_far: float, risk_of_flow: float) -> float:
    """Risks of several flows combine as independent threats: 1 - (1 - a)(1 - b)."""
    return 1.0 - (1.0 - risk_so_far) * (1.0 - risk_of_flow)


@njit(cache=True)
def safeguard_factor(
    objection_respected: bool,
    confidentiality_kept: bool,
    direct_care_only: bool,
    rel_objection: float,
    rel_confidentiality: float,
    rel_direct_care: float,
) -> float:
    """Share of a flow's perceived risk left after its safeguards: product of (1 - reduction)."""
    f = 1.0
    if objection_respected:
        f *= 1.0 - rel_objection
    if confidentiality_kept:
        f *= 1.0 - rel_confidentiality
    if direct_care_only:
        f *= 1.0 - rel_direct_care
    return f


@njit(cache=True)
def p_engage(
    logit_base: float,
    shift_segment: float,
    shift_unregistered: float,
    w_risk: float,
    rel_risk_segment: float,
    risk: float,
    need: float,
    w_peer: float,
    peer_share: float,
    peer_ref: float,
) -> float:
    """Chance a family takes up a due contact: a logistic choice.

    logit = base + segment shift + unregistered shift
            - w_risk * rel_risk_segment * risk * (1 - need)
            + w_peer * (peer_share - peer_ref).
    Need (urgency of the contact, 0..1) damps the deterrent effect of risk.
    """
    x = logit_base + shift_segment + shift_unregistered
    x -= w_risk * rel_risk_segment * risk * (1.0 - need)
    x += w_peer * (peer_share - peer_ref)
    return logistic(x)


@njit(cache=True)
def w_risk_at_contact(household_decision: bool, w_risk: float) -> float:
    """Weight of perceived risk in a contact's logit (`p_engage`): w_risk under the contact decision, 0 under the
    household decision, where risk acts through the household's engagement state instead."""
    return 0.0 if household_decision else w_risk


@njit(cache=True)
def p_take_up(p_engage: float, avoiding: bool, rel_avoiding: float) -> float:
    """Chance a family takes up a due contact given its engagement state: p_engage while engaged, and
    rel_avoiding x p_engage while it avoids services (rel_avoiding is REL_PREVENTIVE_AVOIDING, 0, at a
    preventive contact: an avoiding family skips immunisation and reviews)."""
    return p_engage * rel_avoiding if avoiding else p_engage


@njit(cache=True)
def logit_catchup(logit_catchup_first: float, months_since_offer: int, decay_months: float) -> float:
    """Base logit of a dose caught up by call and recall, fading with the months since it was last offered (its
    scheduled age, or the latest recall visit after it): logit_first - (months_since_offer - 1) / decay_months,
    so the month after the offer has the full logit and each decay_months more take one off."""
    return logit_catchup_first - (months_since_offer - 1) / decay_months


@njit(cache=True)
def primary_doses_kept(n_scheduled: int, u: float, p_init_dose: float) -> int:
    """6-in-1 doses a child placed at set-up or arriving with a moving family has had, of the n_scheduled that fell
    due before its age: all of them if its family kept to the primary course (u < p_init_dose), else none. One draw
    for the course, not one a dose, so a full course is as common as p_init_dose (independent doses give p^3)."""
    return n_scheduled if u < p_init_dose else 0


@njit(cache=True)
def known_to_authority(found: bool, u: float, p_known: float) -> bool:
    """Whether the local authority knows of a child missing education (the census-day count): found by a data
    match in this episode, or known by other routes (a school's notice when it takes the child off roll, an
    application for a place) with chance p_known, `u` the child's standing draw: found or u < p_known."""
    return found or u < p_known


@njit(cache=True)
def disclosure_risk(avoiding: bool, risk: float) -> float:
    """Risk that scales a family's non-disclosure at a contact (`p_detect`): its perceived risk, or 1 while it
    avoids services (a family keeping away discloses as if the risk were certain)."""
    return 1.0 if avoiding else risk


@njit(cache=True)
def p_detect(p_detect_contact: float, nondisclosure: float, risk: float) -> float:
    """Chance a contact identifies a latent need: p_contact * (1 - nondisclosure * risk)."""
    return p_detect_contact * (1.0 - nondisclosure * risk)


@njit(cache=True)
def p_missed_after(p_missed_so_far: float, p_detect_contact: float) -> float:
    """Chance that no contact of the month has identified a latent need, after one more with chance p_c:
    contacts are independent chances, so p_missed x (1 - p_c), and after all of them prod_c (1 - p_c)."""
    return p_missed_so_far * (1.0 - p_detect_contact)


@njit(cache=True)
def p_identified_at_contacts(p_missed_all: float) -> float:
    """Chance the month's contacts identify a latent need: 1 - prod_c (1 - p_c), from the product (`p_missed_after`)."""
    return 1.0 - p_missed_all


@njit(cache=True)
def peer_share(n_engaged: int, n_neighbours: int, default: float) -> float:
    """Share of a family's neighbours who engaged at their last contact (default if it has none)."""
    if n_neighbours == 0:
        return default
    return n_engaged / n_neighbours


@njit(cache=True)
def p_illness(age_months: int, p_under5: float, p_over5: float) -> float:
    """Monthly chance a child has an illness that calls for unscheduled care, by age band."""
    return p_under5 if age_months < AGE_ILLNESS_BAND else p_over5


@njit(cache=True)
def p_object(rel_object_per_risk: float, risk_of_flow: float) -> float:
    """Chance an aware family opts its children's records out of a flow that respects objection, on learning of
    it: rel_object_per_risk x the flow's perceived risk, at most 1."""
    return min(rel_object_per_risk * risk_of_flow, 1.0)


@njit(cache=True)
def p_enter_avoiding(rel_avoid: float, risk_learnt: float, rel_avoid_aware: float, risk_known: float) -> float:
    """Chance an engaged family starts avoiding services this month.

    On learning of flows: rel_avoid x their combined risk (at most 1); while it stays aware of flows it knew
    already: a monthly rel_avoid_aware x rel_avoid x their risk. The two act as independent chances.
    """
    on_learning = min(rel_avoid * risk_learnt, 1.0)
    while_aware = min(rel_avoid_aware * rel_avoid * risk_known, 1.0)
    return 1.0 - (1.0 - on_learning) * (1.0 - while_aware)


@njit(cache=True)
def p_end_of_spell(mean_months: float) -> float:
    """Monthly chance a spell ends, for a mean spell of mean_months when time is continuous: 1 - exp(-1 / mean).
    Whole months then give a geometric time with mean 1 / p."""
    return 1.0 - math.exp(-1.0 / mean_months)


@njit(cache=True)
def p_reengage(dur_avoid_months: float) -> float:
    """Monthly chance an avoiding family re-engages, for a mean time in avoidance of dur_avoid_months."""
    return p_end_of_spell(dur_avoid_months)


@njit(cache=True)
def h_episode_onset(prevalence: float, p_end: float) -> float:
    """Monthly chance an episode starts such that, with a monthly chance p_end of ending, the share in an
    episode settles at `prevalence`: the two-state chain's steady state h / (h + p_end) = prevalence."""
    if prevalence >= 1.0:
        return 1.0
    return min(prevalence * p_end / (1.0 - prevalence), 1.0)


@njit(cache=True)
def n_children(u: float, mean_children: float) -> int:
    """Children in a household from a uniform u: 1 + the Poisson(mean - 1) quantile of u (the smallest k with
    CDF(k) >= u), at most MAX_CHILDREN."""
    lam = max(mean_children - 1.0, 0.0)
    k = 0
    term = math.exp(-lam)
    cum = term
    while u > cum and k < MAX_CHILDREN - 1:
        k += 1
        term *= lam / k
        cum += term
    return k + 1


@njit(cache=True)
def usual_trust(trust0: float, spread: float, u: float) -> float:
    """A household's usual trust from a uniform u: uniform on trust0 +- spread, trust0 + spread (2u - 1), within
    [0, 1]."""
    return min(max(trust0 + spread * (2.0 * u - 1.0), 0.0), 1.0)


@njit(cache=True)
def propensity(sd: float, u: float) -> float:
    """A household's own logit shift in taking up preventive contacts from a uniform u: a logistic with scale sd,
    sd x log(u / (1 - u)), u kept U_OPEN inside (0, 1)."""
    u = min(max(u, U_OPEN), 1.0 - U_OPEN)
    return sd * math.log(u / (1.0 - u))


@njit(cache=True)
def months_to_next_event(u: float, p: float) -> int:
    """Months until the next month with an event, for an event with monthly chance p, from a uniform u in [0, 1):
    the geometric time 1 + floor(log(1 - u) / log(1 - p)), so P(gap > g) = (1 - p)^g, as monthly draws give."""
    if p <= 0.0:
        return NO_EVENT_GAP
    if p >= 1.0:
        return 1
    return 1 + int(min(math.log1p(-u) / math.log1p(-p), NO_EVENT_GAP - 1.0))
