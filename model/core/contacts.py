"""A child's contacts with services (steps (a)-(g) of its month, docs/ODD.md 7.4-7.9)."""

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
    RECALL_AGES,
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
def household_month(s, key, month, arrived, finds, risk, peers, propensity, avoiding, P, SEGP, seed, f) -> Household:
    """The household's record for this month (`Household`)."""
    return Household(
        s,
        key,
        month,
        arrived,
        finds,
        risk,
        peers,
        propensity,
        avoiding,
        rules.disclosure_risk(avoiding, risk),
        SEGP[s, S_SHIFT_ENGAGEMENT],
        rules.w_risk_at_contact(P[P_HOUSEHOLD_DECISION] != 0.0, P[P_W_RISK]),
        SEGP[s, S_REL_RISK],
        P[P_W_PEER],
        P[P_PEER_REF],
        SEGP[s, S_H_NEED_PER_MONTH],
        SEGP[s, S_NONDISCLOSURE],
        SEGP[s, S_H_MISSING_EDUCATION_PER_MONTH],
        seed,
        f,
    )


class Visit(NamedTuple):
    """A child's contacts so far this month: the engagement outcome, the contacts taken and the chance that
    none of them identified a latent need."""

    outcome: int  # -1 no contact due, 0 missed, 1 attended (any taken up counts)
    n_contacts: int
    p_missed_all: float


@njit(cache=True, inline="always")
def decide(logit_base, registered_shift, need, hh, u, rel_avoiding) -> bool:
    """A due contact is taken up when the family's draw falls under its engagement probability as its engagement
    state leaves it (`rules.p_take_up`: `rel_avoiding` is the share an avoiding family keeps of it).

    For preventive contacts (immunisation, reviews) `logit_base` already holds the household's propensity.
    """
    p = rules.p_engage(
        logit_base,
        hh.shift_engagement,
        registered_shift,
        hh.w_risk,
        hh.rel_risk,
        hh.risk,
        need,
        hh.w_peer,
        hh.peers,
        hh.peer_ref,
    )
    return u < rules.p_take_up(p, hh.avoiding, rel_avoiding)


@njit(cache=True, inline="always")
def after_contact(visit, went, p_detect_contact, hh) -> Visit:
    """The visit after a due contact: attended if this or an earlier one was; a contact taken adds one more
    chance to identify a latent need (`rules.p_detect`)."""
    outcome = 1 if (went or visit.outcome == 1) else 0
    if not went:
        return Visit(outcome, visit.n_contacts, visit.p_missed_all)
    p_missed = rules.p_missed_after(
        visit.p_missed_all, rules.p_detect(p_detect_contact, hh.nondisclosure, hh.disclosure_risk)
    )
    return Visit(outcome, visit.n_contacts + 1, p_missed)


@njit(cache=True, inline="always")
def record_identification(c, s, month, need_start):
    """Count an identification of latent need and the months it took."""
    c[s, K_IDENTIFIED_ANY_ROUTE] += 1
    c[s, K_MONTHS_TO_IDENTIFICATION_SUM] += month - need_start


@njit(cache=True, inline="always")
def need_onset(flags, need_start, onset, hh, c):
    """(a) Onset of a latent need that a professional could identify (a rare event, at the segment's monthly
    hazard: `wait_chances`)."""
    if onset:
        flags |= F_NEED
        need_start = hh.month
        c[hh.s, K_NEED_ONSETS] += 1
    return flags, need_start


@njit(cache=True, inline="always")
def cover_milestones(age, flags, s, c):
    """(b) COVER milestones, read before this month's contacts: full 6-in-1 at 12 and 24 months, MMR1 at 24
    months, MMR2 (and MMR1) at 5 years."""
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


@njit(cache=True, inline="always")
def registration(k, age, flags, visit, hh, P, c):
    """(c) GP registration: due at birth and on arrival, otherwise a later chance each month; an avoiding
    family registers with a share rel_register_avoiding of the chance."""
    if flags & F_REGISTERED:
        return flags, visit
    base = P[P_LOGIT_REGISTER_DUE] if (age == 0 or hh.arrived) else P[P_LOGIT_REGISTER_LATE]
    went = decide(base, 0.0, 0.0, hh, draw(hh.key, child_key(k, RC_REGISTER)), P[P_REL_REGISTER_AVOIDING])
    c[hh.s, K_DECISIONS] += 1
    if went:
        flags |= F_REGISTERED
    return flags, after_contact(visit, went, P[P_DETECT0 + C_REGISTRATION], hh)


@njit(cache=True, inline="always")
def last_recall(age) -> int:
    """Age of the latest scheduled visit that recalls missed doses (`RECALL_AGES`) at or before `age`, or -1."""
    latest = -1
    for a in RECALL_AGES:
        if a <= age:
            latest = a
    return latest


@njit(cache=True, inline="always")
def vaccination_logit(age, d6, mmr, due6, due_mmr, vaccinated_last_month, P) -> float:
    """Base logit of this month's immunisation visit.

    - a scheduled MMR visit: MMR1 at 1 year; at the pre-school visit (40 months) MMR2, or a missed MMR1 with
      its own take-up (p_mmr1_preschool);
    - on time: a scheduled 6-in-1 dose, or a visit booked after last month's dose;
    - otherwise catch-up by call/recall (`rules.logit_catchup`), fading the longer the earliest due dose is
      overdue, counted from its scheduled age or from the 1-year visit after it (`last_recall`), where missed
      doses are offered anew.
    """
    if due_mmr and age == AGE_MMR[1]:
        return P[P_LOGIT_MMR2_DUE] if mmr == 1 else P[P_LOGIT_MMR1_PRESCHOOL]
    if due_mmr and age == AGE_MMR[0]:
        return P[P_LOGIT_MMR1_DUE]
    mmr_logit = P[P_LOGIT_MMR1_DUE] if mmr == 0 else P[P_LOGIT_MMR2_DUE]
    if vaccinated_last_month or (due6 and age == AGE_6IN1[min(d6, 2)]):
        return P[P_LOGIT_VACC_DUE] if due6 else mmr_logit
    earliest = AGE_6IN1[min(d6, 2)] if due6 else AGE_MMR[min(mmr, 1)]
    since = max(earliest, last_recall(age))
    return rules.logit_catchup(P[P_LOGIT_VACC_CATCHUP], age - since, P[P_CATCHUP_DECAY_MONTHS])


@njit(cache=True, inline="always")
def immunisation(k, age, flags, visit, hh, P, c):
    """(d) Immunisation: one visit gives every dose due; on time at the scheduled month or when booked after
    last month's dose, otherwise catch-up (`vaccination_logit`). An unregistered child is less likely to go; an
    avoiding family does not go (a preventive contact: `rules.REL_PREVENTIVE_AVOIDING`)."""
    vaccinated_last_month = (flags & F_VACC_LAST_MONTH) != 0
    flags &= ~F_VACC_LAST_MONTH
    if age >= AGE_CATCHUP_END_MONTHS:
        return flags, visit
    d6 = (flags & MASK_6IN1) >> SHIFT_6IN1
    mmr = (flags & MASK_MMR) >> SHIFT_MMR
    due6 = d6 < 3 and age >= AGE_6IN1[min(d6, 2)]
    due_mmr = mmr < 2 and age >= AGE_MMR[min(mmr, 1)]
    if not (due6 or due_mmr):
        return flags, visit
    base = vaccination_logit(age, d6, mmr, due6, due_mmr, vaccinated_last_month, P) + hh.propensity
    unreg_shift = 0.0 if flags & F_REGISTERED else P[P_SHIFT_UNREGISTERED]
    went = decide(base, unreg_shift, 0.0, hh, draw(hh.key, child_key(k, RC_VACC)), rules.REL_PREVENTIVE_AVOIDING)
    c[hh.s, K_DECISIONS] += 1
    if went:
        if due6:
            flags += 1 << SHIFT_6IN1
        if due_mmr:
            flags += 1 << SHIFT_MMR
        flags |= F_VACC_LAST_MONTH
    return flags, after_contact(visit, went, P[P_DETECT0 + C_VACCINATION], hh)


@njit(cache=True, inline="always")
def reviews(k, age, flags, visit, hh, P, c):
    """(e) Health visitor reviews inside their windows (universal: registration does not matter; an avoiding
    family does not take them); coverage is counted as each window closes."""
    for r in range(N_HV):
        if HV_WINDOW_FIRST[r] <= age <= HV_WINDOW_LAST[r]:
            bit = 1 << (SHIFT_HV + r)
            if not flags & bit:
                u = draw(hh.key, child_key(k, RC_HV + r))
                base = hh.propensity + P[P_LOGIT_HV_REVIEW]
                went = decide(base, 0.0, 0.0, hh, u, rules.REL_PREVENTIVE_AVOIDING)
                c[hh.s, K_DECISIONS] += 1
                if went:
                    flags |= bit
                visit = after_contact(visit, went, P[P_DETECT0 + C_HV], hh)
            if age == HV_WINDOW_LAST[r] and r >= HV_FIRST_COUNTED:
                c[hh.s, K_HV_DUE] += 1
                c[hh.s, K_HV_DONE] += int((flags & bit) != 0)
    return flags, visit


@njit(cache=True, inline="always")
def unscheduled_care(k, ill, visit, hh, P, c) -> Visit:
    """(f) Unscheduled care when the child is ill (a rare event: `wait_chances`; no registration needed); need
    damps the deterrent effect of risk; an avoiding family presents with a share rel_unscheduled_avoiding of the
    chance."""
    if not ill:
        return visit
    u = draw(hh.key, child_key(k, RC_UNSCHEDULED))
    went = decide(P[P_LOGIT_UNSCHEDULED], 0.0, P[P_NEED_UNSCHEDULED], hh, u, P[P_REL_UNSCHEDULED_AVOIDING])
    c[hh.s, K_DECISIONS] += 1
    return after_contact(visit, went, P[P_DETECT0 + C_UNSCHEDULED], hh)


@njit(cache=True, inline="always")
def identification(k, flags, need_start, other_route, onset, visit, hh, P, c):
    """(g) Identification of a latent need: at this month's contacts (any of them), else by other routes: a rare
    event of a need already there at the month's start (`other_route`), drawn here for a need that began this
    month (`onset`)."""
    if flags & F_NEED and not flags & F_IDENTIFIED:
        p = rules.p_identified_at_contacts(visit.p_missed_all)
        if visit.n_contacts > 0 and draw(hh.key, child_key(k, RC_DETECT)) < p:
            flags |= F_IDENTIFIED
            c[hh.s, K_IDENTIFICATIONS] += 1
            record_identification(c, hh.s, hh.month, need_start)
        elif other_route or (onset and draw(hh.key, child_key(k, RC_DETECT_OTHER)) < P[P_P_DETECT_OTHER_PER_MONTH]):
            flags |= F_IDENTIFIED
            record_identification(c, hh.s, hh.month, need_start)
    return flags
