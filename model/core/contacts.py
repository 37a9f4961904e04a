"""A child's contacts with services (steps (a)-(g) of its month, docs/ODD.md 7.4-7.9).

Need onset, the COVER milestones, GP registration, immunisation, health visitor reviews, unscheduled care and
identification of a latent need. The household's month reaches every contact as one record (`Household`);
each due contact is an `Offer` the family takes up or not (`attend`), and the child's contacts so far this
month travel as a `Visit`. The formulas are in `model.core.rules`.
"""

from typing import NamedTuple

from numba import njit

from model.core import rules
from model.core.keys import child_key
from model.core.layout import (
    AGE_6IN1,
    AGE_CATCHUP_END_MONTHS,
    AGE_MMR,
    C_HV,
    C_REGISTRATION,
    C_UNSCHEDULED,
    C_VACCINATION,
    COVER_AGES,
    F_IDENTIFIED,
    F_NEED,
    F_REGISTERED,
    F_VACC_LAST_MONTH,
    HV_FIRST_COUNTED,
    HV_WINDOW_FIRST,
    HV_WINDOW_LAST,
    K_COHORT_5Y,
    K_COHORT_12M,
    K_COHORT_24M,
    K_DECISIONS,
    K_FULL_6IN1_5Y,
    K_FULL_6IN1_12M,
    K_FULL_6IN1_24M,
    K_HV_DONE,
    K_HV_DUE,
    K_IDENTIFICATIONS,
    K_IDENTIFIED_ANY_ROUTE,
    K_MMR1_5Y,
    K_MMR1_24M,
    K_MMR2_5Y,
    K_MONTHS_TO_IDENTIFICATION_SUM,
    K_NEED_ONSETS,
    MASK_6IN1,
    MASK_MMR,
    P_CATCHUP_DECAY_MONTHS,
    P_DETECT0,
    P_HOUSEHOLD_DECISION,
    P_LOGIT_HV_REVIEW,
    P_LOGIT_MMR1_DUE,
    P_LOGIT_MMR1_PRESCHOOL,
    P_LOGIT_MMR2_DUE,
    P_LOGIT_REGISTER_DUE,
    P_LOGIT_REGISTER_LATE,
    P_LOGIT_UNSCHEDULED,
    P_LOGIT_VACC_CATCHUP,
    P_LOGIT_VACC_DUE,
    P_NEED_UNSCHEDULED,
    P_P_DETECT_OTHER_PER_MONTH,
    P_PEER_REF,
    P_REL_REGISTER_AVOIDING,
    P_REL_UNSCHEDULED_AVOIDING,
    P_SHIFT_UNREGISTERED,
    P_W_PEER,
    P_W_RISK,
    RC_DETECT,
    RC_DETECT_OTHER,
    RC_HV,
    RC_REGISTER,
    RC_UNSCHEDULED,
    RC_VACC,
    S_H_MISSING_EDUCATION_PER_MONTH,
    S_H_NEED_PER_MONTH,
    S_NONDISCLOSURE,
    S_REL_RISK,
    S_SHIFT_ENGAGEMENT,
    SHIFT_6IN1,
    SHIFT_HV,
    SHIFT_MMR,
)
from model.core.rng import draw

N_HV = len(HV_WINDOW_FIRST)
NEED_NO_EVENT, NEED_ONSET, NEED_OTHER_ROUTE = 0, 1, 2  # the need stream's event this month (`need_event`)


class Household(NamedTuple):
    """What a household's contacts read this month, gathered once as plain numbers (a numba record).

    Passing numbers rather than the tables keeps compiled loops free of reference counting.
    """

    s: int  # segment
    key: int  # the household's month key (`household_key`)
    month: int
    arrived: bool  # a new household moved into the slot this month
    finds: int  # bit of the flow whose match finds children this month, or 0
    risk: float  # perceived risk from the running flows the family knows of
    peers: float  # share of neighbours who engaged at their last contact
    propensity: float  # the household's own logit shift in taking up a preventive contact
    avoiding: bool  # the family keeps away from services (`update_engagement`)
    disclosure_risk: float  # risk that scales non-disclosure at a contact (`rules.disclosure_risk`)
    shift_engagement: float  # segment engagement shift
    w_risk: float  # weight of risk in a contact's logit (`rules.w_risk_at_contact`)
    rel_risk: float  # segment relative weight of risk
    w_peer: float
    peer_ref: float
    h_need: float  # segment hazard of a latent need, per month
    nondisclosure: float  # segment reluctance to disclose at a contact, scaled by risk
    h_missing_edu: float  # segment's monthly chance a school-age child starts an episode of missing education
    seed: int
    f: int  # the household's slot (with seed, the key of its children's standing traits)


@njit(cache=True, inline="always")
def household_month(mi, f, s, key, arrived, finds, risk, peers, propensity, avoiding) -> Household:
    """The record (`Household`) of household f, of segment s, in the month `mi` (`MonthInputs`)."""
    P, SEGP = mi.P, mi.SEGP
    return Household(
        s=s,
        key=key,
        month=mi.month,
        arrived=arrived,
        finds=finds,
        risk=risk,
        peers=peers,
        propensity=propensity,
        avoiding=avoiding,
        disclosure_risk=rules.disclosure_risk(avoiding, risk),
        shift_engagement=SEGP[s, S_SHIFT_ENGAGEMENT],
        w_risk=rules.w_risk_at_contact(P[P_HOUSEHOLD_DECISION] != 0.0, P[P_W_RISK]),
        rel_risk=SEGP[s, S_REL_RISK],
        w_peer=P[P_W_PEER],
        peer_ref=P[P_PEER_REF],
        h_need=SEGP[s, S_H_NEED_PER_MONTH],
        nondisclosure=SEGP[s, S_NONDISCLOSURE],
        h_missing_edu=SEGP[s, S_H_MISSING_EDUCATION_PER_MONTH],
        seed=mi.seed,
        f=f,
    )


class Visit(NamedTuple):
    """A child's contacts so far this month: the engagement outcome, the contacts taken and the chance that
    none of them identified a latent need."""

    outcome: int  # -1 no contact due, 0 missed, 1 attended (any taken up counts)
    n_contacts: int
    p_missed_all: float


class Offer(NamedTuple):
    """A due contact as the family weighs it (docs/ODD.md 7.4): the terms of the logit that belong to the contact,
    what an avoiding family keeps of its chance, and its chance to identify a latent need."""

    logit_base: float  # the contact's base logit (with the household's propensity at a preventive contact)
    shift_unregistered: float  # an unregistered child's shift (vaccination only), else 0
    need: float  # urgency, 0..1: damps the deterrent effect of risk
    rel_avoiding: float  # share of its chance an avoiding family keeps (`rules.p_take_up`)
    p_detect: float  # chance the contact, taken, identifies a latent need (before non-disclosure: `rules.p_detect`)


@njit(cache=True, inline="always")
def takes_up(offer, hh, u) -> bool:
    """Whether the family takes up a due contact: its draw u falls under the engagement probability
    (`rules.p_engage`) as its engagement state leaves it (`rules.p_take_up`)."""
    p = rules.p_engage(
        offer.logit_base,
        hh.shift_engagement,
        offer.shift_unregistered,
        hh.w_risk,
        hh.rel_risk,
        hh.risk,
        offer.need,
        hh.w_peer,
        hh.peers,
        hh.peer_ref,
    )
    return u < rules.p_take_up(p, hh.avoiding, offer.rel_avoiding)


@njit(cache=True, inline="always")
def after_contact(visit, went, offer, hh) -> Visit:
    """The visit after a due contact: attended if this or an earlier one was; a contact taken is one more chance
    to identify a latent need (`rules.p_detect`, compounding as `rules.p_missed_after`)."""
    outcome = 1 if (went or visit.outcome == 1) else 0
    if not went:
        return Visit(outcome, visit.n_contacts, visit.p_missed_all)
    p = rules.p_detect(offer.p_detect, hh.nondisclosure, hh.disclosure_risk)
    return Visit(outcome, visit.n_contacts + 1, rules.p_missed_after(visit.p_missed_all, p))


@njit(cache=True, inline="always")
def attend(offer, u, visit, hh, c):
    """A due contact: the family decides with draw u (`takes_up`), the decision is counted and the visit updated
    (`after_contact`). Returns (taken, visit)."""
    went = takes_up(offer, hh, u)
    c[hh.s, K_DECISIONS] += 1
    return went, after_contact(visit, went, offer, hh)


@njit(cache=True, inline="always")
def record_identification(c, s, month, need_start):
    """Count an identification of latent need and the months it took."""
    c[s, K_IDENTIFIED_ANY_ROUTE] += 1
    c[s, K_MONTHS_TO_IDENTIFICATION_SUM] += month - need_start


@njit(cache=True, inline="always")
def need_event(happens, flags) -> int:
    """The need stream's event this month, if it `happens`: onset of a latent need for a child without one, or
    identification by other routes of a need already there at the month's start (`schedule.wait_chances`)."""
    if not happens:
        return NEED_NO_EVENT
    return NEED_OTHER_ROUTE if flags & F_NEED else NEED_ONSET


@njit(cache=True, inline="always")
def need_onset(flags, need_start, event, hh, c):
    """(a) Onset of a latent need that a professional could identify (a rare event, at the segment's monthly
    hazard: `schedule.wait_chances`)."""
    if event == NEED_ONSET:
        flags |= F_NEED
        need_start = hh.month
        c[hh.s, K_NEED_ONSETS] += 1
    return flags, need_start


class Doses(NamedTuple):
    """A child's doses at an age: received in each series, and whether the next of each is due."""

    d6: int  # 6-in-1 doses received (0-3)
    mmr: int  # MMR doses received (0-2)
    due6: bool
    due_mmr: bool


@njit(cache=True, inline="always")
def doses_due(age, flags) -> Doses:
    """The child's doses (`Doses`): the next dose of a series is due from its scheduled age (AGE_6IN1, AGE_MMR)."""
    d6 = (flags & MASK_6IN1) >> SHIFT_6IN1
    mmr = (flags & MASK_MMR) >> SHIFT_MMR
    return Doses(d6, mmr, d6 < 3 and age >= AGE_6IN1[min(d6, 2)], mmr < 2 and age >= AGE_MMR[min(mmr, 1)])


@njit(cache=True, inline="always")
def cover_milestones(age, flags, s, c):
    """(b) COVER milestones, read before this month's contacts: full 6-in-1 at 12 months, 24 months and 5 years,
    MMR1 at 24 months, MMR2 (and MMR1) at 5 years."""
    d6 = (flags & MASK_6IN1) >> SHIFT_6IN1
    mmr = (flags & MASK_MMR) >> SHIFT_MMR
    if age == COVER_AGES[0]:  # 12 months (layout.COVER_AGES, which the schedule steps children at)
        c[s, K_COHORT_12M] += 1
        c[s, K_FULL_6IN1_12M] += int(d6 == 3)
    elif age == COVER_AGES[1]:  # 24 months
        c[s, K_COHORT_24M] += 1
        c[s, K_MMR1_24M] += int(mmr >= 1)
        c[s, K_FULL_6IN1_24M] += int(d6 == 3)
    elif age == COVER_AGES[2]:  # 5 years
        c[s, K_COHORT_5Y] += 1
        c[s, K_MMR2_5Y] += int(mmr == 2)
        c[s, K_MMR1_5Y] += int(mmr >= 1)
        c[s, K_FULL_6IN1_5Y] += int(d6 == 3)


@njit(cache=True, inline="always")
def registration(k, age, flags, visit, hh, P, c):
    """(c) GP registration: due at birth and on arrival, otherwise a later chance each month; an avoiding
    family registers with a share rel_register_avoiding of the chance."""
    if flags & F_REGISTERED:
        return flags, visit
    base = P[P_LOGIT_REGISTER_DUE] if (age == 0 or hh.arrived) else P[P_LOGIT_REGISTER_LATE]
    offer = Offer(
        logit_base=base,
        shift_unregistered=0.0,
        need=0.0,
        rel_avoiding=P[P_REL_REGISTER_AVOIDING],
        p_detect=P[P_DETECT0 + C_REGISTRATION],
    )
    went, visit = attend(offer, draw(hh.key, child_key(k, RC_REGISTER)), visit, hh, c)
    if went:
        flags |= F_REGISTERED
    return flags, visit


@njit(cache=True, inline="always")
def vaccination_logit(age, doses, booked, P) -> float:
    """Base logit of this month's immunisation visit, for the child's `Doses` (`booked`: a dose was given last
    month), the first case that holds:

    - a lapsed primary course: a 6-in-1 dose past its scheduled age and not booked. The family comes to any visit,
      the 1-year and pre-school visits too, only as call and recall bring it, at the catch-up logit faded from the
      dose's scheduled age (`rules.logit_catchup`): a family that let the course lapse has settled into not
      coming, so a lapsed course is seldom completed in the second year (COVER: 91.2% at 12 months, 92.4% at 24);
    - a scheduled MMR visit: MMR1 at 1 year; at the pre-school visit (40 months) MMR2, or a missed MMR1 with
      its own take-up (p_mmr1_preschool);
    - on time: a scheduled 6-in-1 dose, or a visit booked after last month's dose;
    - otherwise catch-up of an MMR dose by call and recall, faded from its scheduled age.
    """
    d6, mmr = doses.d6, doses.mmr
    if doses.due6 and not booked and age > AGE_6IN1[min(d6, 2)]:
        return rules.logit_catchup(P[P_LOGIT_VACC_CATCHUP], age - AGE_6IN1[min(d6, 2)], P[P_CATCHUP_DECAY_MONTHS])
    if doses.due_mmr and age == AGE_MMR[1]:
        return P[P_LOGIT_MMR2_DUE] if mmr == 1 else P[P_LOGIT_MMR1_PRESCHOOL]
    if doses.due_mmr and age == AGE_MMR[0]:
        return P[P_LOGIT_MMR1_DUE]
    mmr_logit = P[P_LOGIT_MMR1_DUE] if mmr == 0 else P[P_LOGIT_MMR2_DUE]
    if booked or doses.due6:
        return P[P_LOGIT_VACC_DUE] if doses.due6 else mmr_logit
    return rules.logit_catchup(P[P_LOGIT_VACC_CATCHUP], age - AGE_MMR[min(mmr, 1)], P[P_CATCHUP_DECAY_MONTHS])


@njit(cache=True, inline="always")
def immunisation(k, age, flags, visit, hh, P, c):
    """(d) Immunisation: one visit gives every dose due; on time at the scheduled month or when booked after
    last month's dose, otherwise catch-up (`vaccination_logit`). An unregistered child is less likely to go; an
    avoiding family does not go (a preventive contact: `rules.REL_PREVENTIVE_AVOIDING`)."""
    booked = (flags & F_VACC_LAST_MONTH) != 0
    flags &= ~F_VACC_LAST_MONTH
    if age >= AGE_CATCHUP_END_MONTHS:
        return flags, visit
    doses = doses_due(age, flags)
    if not (doses.due6 or doses.due_mmr):
        return flags, visit
    offer = Offer(
        logit_base=vaccination_logit(age, doses, booked, P) + hh.propensity,
        shift_unregistered=0.0 if flags & F_REGISTERED else P[P_SHIFT_UNREGISTERED],
        need=0.0,
        rel_avoiding=rules.REL_PREVENTIVE_AVOIDING,
        p_detect=P[P_DETECT0 + C_VACCINATION],
    )
    went, visit = attend(offer, draw(hh.key, child_key(k, RC_VACC)), visit, hh, c)
    if went:
        if doses.due6:
            flags += 1 << SHIFT_6IN1
        if doses.due_mmr:
            flags += 1 << SHIFT_MMR
        flags |= F_VACC_LAST_MONTH
    return flags, visit


@njit(cache=True, inline="always")
def reviews(k, age, flags, visit, hh, P, c):
    """(e) Health visitor reviews inside their windows (universal: registration does not matter; an avoiding
    family does not take them, a preventive contact); coverage is counted as each window closes."""
    for r in range(N_HV):
        if HV_WINDOW_FIRST[r] <= age <= HV_WINDOW_LAST[r]:
            bit = 1 << (SHIFT_HV + r)
            if not flags & bit:
                offer = Offer(
                    logit_base=hh.propensity + P[P_LOGIT_HV_REVIEW],
                    shift_unregistered=0.0,
                    need=0.0,
                    rel_avoiding=rules.REL_PREVENTIVE_AVOIDING,
                    p_detect=P[P_DETECT0 + C_HV],
                )
                went, visit = attend(offer, draw(hh.key, child_key(k, RC_HV + r)), visit, hh, c)
                if went:
                    flags |= bit
            if age == HV_WINDOW_LAST[r] and r >= HV_FIRST_COUNTED:
                c[hh.s, K_HV_DUE] += 1
                c[hh.s, K_HV_DONE] += int((flags & bit) != 0)
    return flags, visit


@njit(cache=True, inline="always")
def unscheduled_care(k, ill, visit, hh, P, c) -> Visit:
    """(f) Unscheduled care when the child is ill (a rare event: `schedule.wait_chances`; no registration needed);
    need damps the deterrent effect of risk; an avoiding family presents with a share rel_unscheduled_avoiding of
    the chance."""
    if not ill:
        return visit
    offer = Offer(
        logit_base=P[P_LOGIT_UNSCHEDULED],
        shift_unregistered=0.0,
        need=P[P_NEED_UNSCHEDULED],
        rel_avoiding=P[P_REL_UNSCHEDULED_AVOIDING],
        p_detect=P[P_DETECT0 + C_UNSCHEDULED],
    )
    return attend(offer, draw(hh.key, child_key(k, RC_UNSCHEDULED)), visit, hh, c)[1]


@njit(cache=True, inline="always")
def identification(k, flags, need_start, event, visit, hh, P, c):
    """(g) Identification of a latent need: at this month's contacts (any of them: `rules.p_identified_at_contacts`),
    else by other routes: the need stream's event for a need already there at the month's start, drawn here for a
    need that began this month (`need_event`)."""
    if flags & F_NEED and not flags & F_IDENTIFIED:
        p = rules.p_identified_at_contacts(visit.p_missed_all)
        if visit.n_contacts > 0 and draw(hh.key, child_key(k, RC_DETECT)) < p:
            flags |= F_IDENTIFIED
            c[hh.s, K_IDENTIFICATIONS] += 1
            record_identification(c, hh.s, hh.month, need_start)
        elif event == NEED_OTHER_ROUTE or (
            event == NEED_ONSET and draw(hh.key, child_key(k, RC_DETECT_OTHER)) < P[P_P_DETECT_OTHER_PER_MONTH]
        ):
            flags |= F_IDENTIFIED
            record_identification(c, hh.s, hh.month, need_start)
    return flags
