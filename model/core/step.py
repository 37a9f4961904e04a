"""One month of one family: the order in which the rules apply.

Both drivers call `step_family` and nothing else to move a family on a month:
the Mesa `Family` agent for one family, the population kernel for all of them.
The step is synchronous: it reads last month's awareness, letters and
engagement of the neighbours (`social_prev`, one packed word per household)
and writes this month's (`social_next`).
Everything else it touches belongs to the family alone.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from model.core import rules
from model.core.layout import (
    AGE_6IN1,
    AGE_CATCHUP_END_MONTHS,
    AGE_ILLNESS_BAND,
    AGE_MMR,
    AGE_OUT_MONTHS,
    AGE_REG_OUTCOME_END,
    AGE_SCHOOL_END,
    AGE_SCHOOL_START,
    C_HV,
    C_REGISTRATION,
    C_UNSCHEDULED,
    C_VACCINATION,
    COVER_AGES,
    DUE_AGES,
    ENG_AVOIDING,
    ENG_OBJECTING,
    F_EXISTS,
    F_FOUND,
    F_IDENTIFIED,
    F_MISSING_EDU,
    F_NEED,
    F_REGISTERED,
    F_VACC_LAST_MONTH,
    FL_NATIONAL,
    FL_OBJECTION,
    FL_RECIPIENT,
    FL_SAFEGUARD,
    FL_TOLD,
    HV_FIRST_COUNTED,
    HV_WINDOW_FIRST,
    HV_WINDOW_LAST,
    K_AGED_OUT,
    K_AVOIDING,
    K_AWARE,
    K_BIRTHS,
    K_CHILDREN,
    K_CHILDREN_0_6,
    K_CME_FOUND,
    K_COHORT_5Y,
    K_COHORT_12M,
    K_COHORT_24M,
    K_CONTACTS,
    K_DECISIONS,
    K_FAMILIES,
    K_FULL_6IN1_12M,
    K_FULL_6IN1_24M,
    K_HV_DONE,
    K_HV_DUE,
    K_IDENTIFICATIONS,
    K_IDENTIFIED_ANY_ROUTE,
    K_MATCHING_FLAGGED,
    K_MISSING_EDU_ONSETS,
    K_MISSING_EDU_SCHOOL_AGE,
    K_MMR1_5Y,
    K_MMR1_24M,
    K_MMR2_5Y,
    K_MONTHS_TO_IDENTIFICATION_SUM,
    K_MOVED_IN_CHILDREN,
    K_MOVED_OUT_CHILDREN,
    K_NEED_ONSETS,
    K_OBJECTING,
    K_REGISTERED_0_6,
    K_TRUST_SUM,
    MASK_6IN1,
    MASK_MMR,
    MAX_CHILDREN,
    MAX_DEGREE,
    N_WAITS,
    NEVER,
    P_CATCHUP_DECAY_MONTHS,
    P_DETECT0,
    P_EROSION_TOLD,
    P_EROSION_UNEXPECTED,
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
    P_MEAN_CHILDREN,
    P_MEDIA_DECAY_MONTHS,
    P_NEED_UNSCHEDULED,
    P_P_BIRTH_PER_MONTH,
    P_P_DETECT_MATCHING,
    P_P_DETECT_OTHER_PER_MONTH,
    P_P_EDU_RETURN_PER_MONTH,
    P_P_FORGET_PER_MONTH,
    P_P_ILLNESS_OVER5_PER_MONTH,
    P_P_ILLNESS_UNDER5_PER_MONTH,
    P_P_INIT_DOSE,
    P_P_INIT_REGISTERED,
    P_P_MOVE_PER_MONTH,
    P_P_NOTICE_PER_MONTH,
    P_P_UNMATCHED,
    P_P_WORD_OF_MOUTH,
    P_P_WORD_OF_MOUTH_LETTER,
    P_PEER_REF,
    P_RECOVERY_PER_MONTH,
    P_REL_AVOID_AWARE,
    P_REL_FEAR_TOLD,
    P_REL_OBJECT_PER_RISK,
    P_REL_REGISTER_AVOIDING,
    P_REL_UNSCHEDULED_AVOIDING,
    P_SD_PROPENSITY,
    P_SHIFT_UNREGISTERED,
    P_TRUST_SPREAD,
    P_W_PEER,
    P_W_RISK,
    R_AVOID,
    R_AWARE,
    R_BIRTH,
    R_CHILD,
    R_CHILD_STRIDE,
    R_FORGET,
    R_MOVE,
    R_MOVE_CHILDREN,
    R_OBJECT,
    R_PROPENSITY,
    R_REENGAGE,
    R_TRUST_INIT,
    RC_AGE,
    RC_DETECT,
    RC_DETECT_MATCHING,
    RC_DETECT_OTHER,
    RC_DOSE,
    RC_HV,
    RC_MISSING_EDU,
    RC_REGISTER,
    RC_REGISTERED,
    RC_UNMATCHED,
    RC_UNSCHEDULED,
    RC_VACC,
    RC_WAIT,
    RECALL_AGES,
    S_FEAR0,
    S_H_MISSING_EDUCATION_PER_MONTH,
    S_H_NEED_PER_MONTH,
    S_NONDISCLOSURE,
    S_P_MISSING_EDUCATION,
    S_P_REENGAGE_PER_MONTH,
    S_REL_AVOID,
    S_REL_MEDIA,
    S_REL_RISK,
    S_SHIFT_ENGAGEMENT,
    S_TRUST0,
    SHIFT_6IN1,
    SHIFT_HV,
    SHIFT_MMR,
    SOCIAL_AWARE_SHIFT,
    SOCIAL_ENGAGED,
    SOCIAL_ENGAGED_SHIFT,
    SOCIAL_LETTER,
    SOCIAL_LETTER_SHIFT,
    TRUST_SCALE,
    W_EDU,
    W_ILL,
    W_NEED,
    WAIT_UNSET,
)
from model.core.rng import draw, household_key

INIT_MONTH_KEY = 1 << 30  # month key of draws made while building the first population
TRAIT_MONTH_KEY = 1 << 31  # + birth month: key of a child's standing traits, the same in every month
N_HV = len(HV_WINDOW_FIRST)


@njit(cache=True, inline="always")
def child_key(slot: int, purpose: int) -> int:
    """Purpose key of a draw about the child in `slot`."""
    return R_CHILD + slot * R_CHILD_STRIDE + purpose


@njit(cache=True)
def n_children_draw(u: float, mean_children: float) -> int:
    """Children in a household: 1 + a Poisson count with mean (mean - 1), capped at MAX_CHILDREN."""
    lam = max(mean_children - 1.0, 0.0)
    k = 0
    term = np.exp(-lam)
    cum = term
    while u > cum and k < MAX_CHILDREN - 1:
        k += 1
        term *= lam / k
        cum += term
    return k + 1


@njit(cache=True)
def new_child(
    f, slot, age, month, key_month, seed, P, SEGP, s, registered_known, ch_birth, ch_flags, ch_need_start, ch_sched
):
    """Place a child of `age` months in a slot; history of doses and registration as set-up assumes.

    A child met at set-up has past doses with chance p_init_dose each and is registered with chance
    p_init_registered. A child arriving with a moving family (registered_known False) starts
    unregistered and decides on registration in its first month, like a newborn. Every new child is stepped in
    full in the month it is placed, where its rare-event streams draw their first waits (`step_child`).
    """
    ikey = household_key(seed, f, key_month)
    flags = F_EXISTS
    if registered_known and draw(ikey, child_key(slot, RC_REGISTERED)) < P[P_P_INIT_REGISTERED]:
        flags |= F_REGISTERED
    d6 = 0
    for d in range(3):
        if AGE_6IN1[d] < age and draw(ikey, child_key(slot, RC_DOSE + d)) < P[P_P_INIT_DOSE]:
            d6 += 1
    mmr = 0
    for d in range(2):
        if AGE_MMR[d] < age and mmr == d and draw(ikey, child_key(slot, RC_DOSE + 3 + d)) < P[P_P_INIT_DOSE]:
            mmr += 1
    flags |= min(d6, 3) << SHIFT_6IN1
    flags |= mmr << SHIFT_MMR
    if draw(ikey, child_key(slot, RC_MISSING_EDU)) < SEGP[s, S_P_MISSING_EDUCATION]:
        flags |= F_MISSING_EDU
    ch_birth[f, slot] = month - age
    ch_flags[f, slot] = flags
    ch_need_start[f, slot] = 0
    ch_sched[f, slot, 0] = month
    for w in range(N_WAITS):
        ch_sched[f, slot, 1 + w] = WAIT_UNSET


@njit(cache=True)
def init_trust(f, key_month, seed, P, SEGP, s) -> int:
    """A household's usual trust: its segment's level plus a uniform spread; it starts at that level.

    Stored as one word: the usual level in the high 16 bits, the current level in the low 16.
    """
    ikey = household_key(seed, f, key_month)
    t = SEGP[s, S_TRUST0] + P[P_TRUST_SPREAD] * (2.0 * draw(ikey, R_TRUST_INIT) - 1.0)
    fixed = int(min(max(t, 0.0), 1.0) * TRUST_SCALE + 0.5)
    return (fixed << 16) | fixed


@njit(cache=True)
def init_propensity(f, key_month, seed, P) -> float:
    """A household's engagement propensity: sd * a standard logistic draw (logit of a uniform)."""
    ikey = household_key(seed, f, key_month)
    u = min(max(draw(ikey, R_PROPENSITY), 1e-9), 1.0 - 1e-9)
    return P[P_SD_PROPENSITY] * np.log(u / (1.0 - u))


@njit(cache=True)
def new_household(
    f,
    month,
    key_month,
    seed,
    P,
    SEGP,
    seg,
    trust,
    propensity,
    ch_birth,
    ch_flags,
    ch_need_start,
    ch_sched,
    newborn_only,
    set_up,
):
    """Fill slot f with a new household of the slot's segment; returns the number of children placed.

    A newly forming family has one newborn; a moving or set-up family has 1-4 children of any age.
    """
    ikey = household_key(seed, f, key_month)
    s = seg[f]
    for k in range(MAX_CHILDREN):
        ch_flags[f, k] = 0
        ch_sched[f, k, 0] = NEVER
    trust[f] = init_trust(f, key_month, seed, P, SEGP, s)
    propensity[f] = init_propensity(f, key_month, seed, P)
    if newborn_only:
        new_child(f, 0, 0, month, key_month, seed, P, SEGP, s, False, ch_birth, ch_flags, ch_need_start, ch_sched)
        return 1
    n = n_children_draw(draw(ikey, R_MOVE_CHILDREN), P[P_MEAN_CHILDREN])
    for k in range(n):
        age = int(draw(ikey, child_key(k, RC_AGE)) * AGE_OUT_MONTHS)
        new_child(f, k, age, month, key_month, seed, P, SEGP, s, set_up, ch_birth, ch_flags, ch_need_start, ch_sched)
    return n


@njit(cache=True, inline="always")
def children_due(f, month, ch_sched) -> bool:
    """Whether any child of household f is stepped in full this month (empty slots hold NEVER)."""
    for k in range(MAX_CHILDREN):
        if ch_sched[f, k, 0] <= month:
            return True
    return False


M_ACTIVE, M_FINDS, M_LETTERED, M_NATIONAL = 0, 1, 2, 3  # the month's flow masks (`month_inputs`): a bit a flow


@njit(cache=True, inline="always")
def count_children(f, ch_flags) -> int:
    """Children present in household f."""
    n = 0
    for k in range(MAX_CHILDREN):
        if ch_flags[f, k] & F_EXISTS:
            n += 1
    return n


EV_NONE, EV_MOVE, EV_NEW_FAMILY, EV_BIRTH = 0, 1, 2, 3


@njit(cache=True, inline="always")
def carried_over(event, arrived, national) -> int:
    """Flows whose awareness and engagement state a household brings with it: a family moving in has lived under
    the national flows elsewhere, so it arrives as the family of its segment that left (exchangeable families);
    a newly forming family, or a family arriving from outside a local flow's area, brings none."""
    if arrived and event == EV_MOVE:
        return national
    return 0


@njit(cache=True, inline="always")
def demography_event(n_now, key, p_move, p_birth) -> int:
    """What happens to the household slot this month: nothing, a move (one household leaves, another
    arrives), a newly forming family (no children left) or a birth (a free slot)."""
    if draw(key, R_MOVE) < p_move:
        return EV_MOVE
    if n_now == 0:
        return EV_NEW_FAMILY
    if n_now < MAX_CHILDREN and draw(key, R_BIRTH) < p_birth:
        return EV_BIRTH
    return EV_NONE


@njit(cache=True)
def demography(
    event, n_now, f, month, seed, P, SEGP, seg, trust, propensity, ch_birth, ch_flags, ch_need_start, ch_sched, c
):
    """Carry out a demographic event (rare, so not inlined); returns True if a new household arrived in slot f."""
    s = seg[f]
    if event == EV_MOVE or event == EV_NEW_FAMILY:  # a new household takes the slot: movers, or a newborn's family
        newborn_only = event == EV_NEW_FAMILY
        placed = new_household(
            f,
            month,
            month,
            seed,
            P,
            SEGP,
            seg,
            trust,
            propensity,
            ch_birth,
            ch_flags,
            ch_need_start,
            ch_sched,
            newborn_only,
            False,
        )
        if newborn_only:
            c[s, K_BIRTHS] += placed
        else:
            c[s, K_MOVED_OUT_CHILDREN] += n_now
            c[s, K_MOVED_IN_CHILDREN] += placed
        return True
    for k in range(MAX_CHILDREN):  # EV_BIRTH
        if not ch_flags[f, k] & F_EXISTS:
            new_child(f, k, 0, month, month, seed, P, SEGP, s, False, ch_birth, ch_flags, ch_need_start, ch_sched)
            c[s, K_BIRTHS] += 1
            break
    return False


@njit(cache=True, inline="always")
def lane(packed, k) -> int:
    """Count k of eight 8-bit counts packed in one integer."""
    return (packed >> (8 * k)) & 0xFF


@njit(cache=True, inline="always")
def spread_bits(byte):
    """The eight bits of a byte as eight 8-bit counts (bit k -> count k), by two nibble multiplies."""
    low = ((byte & 0x0F) * 0x00204081) & 0x01010101
    high = (((byte >> 4) & 0x0F) * 0x00204081) & 0x01010101
    return low | (high << 32)


@njit(cache=True, inline="always")
def gather_neighbours(f, nbr_ptr, nbr_idx, social_prev):
    """One pass over f's neighbours' last-month words: per-flow counts of the aware (packed 8 bits a flow;
    degree is capped at MAX_DEGREE so a count fits), the number with a letter and the number who engaged.
    One random read per neighbour."""
    aware_counts = 0
    n_letter = 0
    engaged = 0
    for j in range(nbr_ptr[f], nbr_ptr[f + 1]):
        w = int(social_prev[nbr_idx[j]])
        aware_counts += spread_bits((w >> SOCIAL_AWARE_SHIFT) & 0xFF)
        n_letter += (w >> SOCIAL_LETTER_SHIFT) & 1
        engaged += (w >> SOCIAL_ENGAGED_SHIFT) & 1
    return aware_counts, n_letter, engaged


@njit(cache=True, inline="always")
def update_awareness(s, active_mask, lettered, key, P, miss_broadcast, miss_wom, own_prev, aware_counts, n_letter):
    """Awareness bits after this month's channels and forgetting, and the bits newly learnt.

    Families learn only of running flows; they forget any flow they know, so awareness of a flow that has
    ended fades. `miss_broadcast` and `miss_wom` are this month's tables from `month_inputs`; letters (the
    family's own, and the `n_letter` neighbours') are about the flow `lettered`."""
    aware = (own_prev >> SOCIAL_AWARE_SHIFT) & 0xFF
    had_letter = (own_prev & SOCIAL_LETTER) != 0
    learnt = 0
    for k in range(miss_broadcast.shape[1]):
        bit = 1 << k
        if aware & bit:
            if draw(key, R_FORGET + k) < P[P_P_FORGET_PER_MONTH]:
                aware &= ~bit
            continue
        if not active_mask & bit:
            continue
        about_letter = (lettered & bit) != 0
        p = rules.p_aware_from_misses(
            miss_broadcast[s, k],
            miss_wom[0, lane(aware_counts, k)],
            miss_wom[1, n_letter if about_letter else 0],
            had_letter and about_letter,
        )
        if draw(key, R_AWARE + k) < p:
            aware |= bit
            learnt |= bit
    return aware, learnt


@njit(cache=True, inline="always")
def update_trust(trust_word, P, FLOWS, first_learnt) -> float:
    """Trust after erosion for each flow learnt of for the first time this month (more if families were
    not told), then recovery toward the household's usual level."""
    t = (trust_word & 0xFFFF) / TRUST_SCALE
    k = 0
    while first_learnt >> k:  # each bit set, in flow order (usually none)
        if (first_learnt >> k) & 1:
            erosion = P[P_EROSION_TOLD] if FLOWS[k, FL_TOLD] != 0.0 else P[P_EROSION_UNEXPECTED]
            t = rules.trust_after_learning(t, erosion)
        k += 1
    t = rules.trust_recovered(t, (trust_word >> 16) / TRUST_SCALE, P[P_RECOVERY_PER_MONTH])
    return min(max(t, 0.0), 1.0)


@njit(cache=True, inline="always")
def perceived_risk(s, trust, aware, active_mask, fear, FLOWS) -> float:
    """Risk the family perceives from the running flows it knows of, combined across flows.

    `fear` is the month's table of each segment's fear of each flow's recipient (`month_inputs`)."""
    risk = 0.0
    known = aware & active_mask
    k = 0
    while known >> k:  # each bit set, in flow order
        if (known >> k) & 1:
            risk = rules.combine_risk(risk, rules.flow_risk(fear[s, k], trust, FLOWS[k, FL_SAFEGUARD]))
        k += 1
    return risk


@njit(cache=True, inline="always")
def update_engagement(s, eng, learnt, aware, active_mask, trust, key, P, SEGP, fear, FLOWS) -> int:
    """The household's engagement state after this month's transitions (the state machine of docs/ODD.md).

    `learnt` holds the flows learnt of for the first time (as for trust: hearing again after forgetting is
    covered by the while-aware chance).

    1. Objecting: on learning of a running flow that respects objection, the family opts its children's records
       out with chance `rules.p_object` of the flow's risk; that flow then carries none of its data.
    2. Avoiding families re-engage at their segment's monthly hazard, whether or not any flow still runs.
    3. Engaged families start avoiding with `rules.p_enter_avoiding`: on learning of flows and, less, while
       they stay aware of running flows they knew already (objected flows carry no risk).
    """
    objecting = eng & ENG_OBJECTING
    k = 0
    while learnt >> k:  # each flow learnt this month, in flow order (usually none)
        if (learnt >> k) & 1 and FLOWS[k, FL_OBJECTION] != 0.0:
            r = rules.flow_risk(fear[s, k], trust, FLOWS[k, FL_SAFEGUARD])
            if draw(key, R_OBJECT + k) < rules.p_object(P[P_REL_OBJECT_PER_RISK], r):
                objecting |= 1 << k
        k += 1
    if eng & ENG_AVOIDING:
        if draw(key, R_REENGAGE) < SEGP[s, S_P_REENGAGE_PER_MONTH]:
            return objecting
        return objecting | ENG_AVOIDING
    carried = active_mask & ~objecting
    if aware & carried:
        risk_learnt = perceived_risk(s, trust, learnt, carried, fear, FLOWS)
        risk_known = perceived_risk(s, trust, aware & ~learnt, carried, fear, FLOWS)
        p = rules.p_enter_avoiding(SEGP[s, S_REL_AVOID], risk_learnt, P[P_REL_AVOID_AWARE], risk_known)
        if draw(key, R_AVOID) < p:
            return objecting | ENG_AVOIDING
    return objecting


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
    disclosure_risk: float  # risk that scales non-disclosure at a contact: 1 while avoiding, else `risk`
    shift_engagement: float  # segment engagement shift
    w_risk: float
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
    """The household's record for this month (`Household`). Under the household decision, risk acts through the
    engagement state, not through each contact's choice (w_risk 0 there)."""
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
        1.0 if avoiding else risk,
        SEGP[s, S_SHIFT_ENGAGEMENT],
        0.0 if P[P_HOUSEHOLD_DECISION] != 0.0 else P[P_W_RISK],
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
def decide(logit_base, registered_shift, need, hh, u, scale=1.0) -> bool:
    """A due contact is taken up when the family's draw falls under its engagement probability (times `scale`,
    the share an avoiding family keeps of it; 1 for an engaged family).

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
    return u < p * scale


@njit(cache=True, inline="always")
def after_contact(visit, went, p_detect_contact, hh) -> Visit:
    """The visit after a due contact: attended if this or an earlier one was; a contact taken adds one more
    chance to identify a latent need (`rules.p_detect`)."""
    outcome = 1 if (went or visit.outcome == 1) else 0
    if not went:
        return Visit(outcome, visit.n_contacts, visit.p_missed_all)
    p_missed = visit.p_missed_all * (1.0 - rules.p_detect(p_detect_contact, hh.nondisclosure, hh.disclosure_risk))
    return Visit(outcome, visit.n_contacts + 1, p_missed)


@njit(cache=True, inline="always")
def record_identification(c, s, month, need_start):
    """Count an identification of latent need and the months it took."""
    c[s, K_IDENTIFIED_ANY_ROUTE] += 1
    c[s, K_MONTHS_TO_IDENTIFICATION_SUM] += month - need_start


@njit(cache=True, inline="always")
def wait_chances(age, flags, hh, P):
    """The monthly chance of the next event of each of a child's rare-event streams, from its age and flags: an
    illness that calls for unscheduled care (W_ILL); onset of a latent need, or, once it has one not yet
    identified, its identification by other routes (W_NEED); the start or end of an episode of missing education,
    at school age (W_EDU). Each stays fixed until the stream's event, a change of the child's need, or an age in
    DUE_AGES."""
    p_ill = rules.p_illness(age, P[P_P_ILLNESS_UNDER5_PER_MONTH], P[P_P_ILLNESS_OVER5_PER_MONTH])
    p_need = 0.0
    if not flags & F_IDENTIFIED:
        p_need = P[P_P_DETECT_OTHER_PER_MONTH] if flags & F_NEED else hh.h_need
    p_edu = 0.0
    if AGE_SCHOOL_START <= age < AGE_SCHOOL_END:
        p_edu = P[P_P_EDU_RETURN_PER_MONTH] if flags & F_MISSING_EDU else hh.h_missing_edu
    return (p_ill, p_need, p_edu)


@njit(cache=True, inline="always")
def next_wait(k, w, anew, after, p, hh) -> int:
    """The month of stream w's next event after month `after`, a geometric wait (`rules.months_to_next_event`) from
    its chance p, drawn under this month's key (`anew`: a first wait, or one drawn again because its chance
    changed); NEVER if it falls beyond any run."""
    u = draw(hh.key, child_key(k, RC_WAIT + 2 * w + anew))
    return min(after + rules.months_to_next_event(u, p), NEVER)


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
    scale = P[P_REL_REGISTER_AVOIDING] if hh.avoiding else 1.0
    went = decide(base, 0.0, 0.0, hh, draw(hh.key, child_key(k, RC_REGISTER)), scale)
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
    - otherwise catch-up by call/recall, fading the longer the earliest due dose is overdue, counted from its
      scheduled age or from the 1-year visit after it (`last_recall`), where missed doses are offered anew.
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
    return P[P_LOGIT_VACC_CATCHUP] - (age - since - 1) / P[P_CATCHUP_DECAY_MONTHS]


@njit(cache=True, inline="always")
def immunisation(k, age, flags, visit, hh, P, c):
    """(d) Immunisation: one visit gives every dose due; on time at the scheduled month or when booked after
    last month's dose, otherwise catch-up (`vaccination_logit`). An unregistered child is less likely to go; an
    avoiding family does not go."""
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
    went = not hh.avoiding and decide(base, unreg_shift, 0.0, hh, draw(hh.key, child_key(k, RC_VACC)))
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
                went = not hh.avoiding and decide(hh.propensity + P[P_LOGIT_HV_REVIEW], 0.0, 0.0, hh, u)
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
    scale = P[P_REL_UNSCHEDULED_AVOIDING] if hh.avoiding else 1.0
    went = decide(P[P_LOGIT_UNSCHEDULED], 0.0, P[P_NEED_UNSCHEDULED], hh, u, scale)
    c[hh.s, K_DECISIONS] += 1
    return after_contact(visit, went, P[P_DETECT0 + C_UNSCHEDULED], hh)


@njit(cache=True, inline="always")
def identification(k, flags, need_start, other_route, onset, visit, hh, P, c):
    """(g) Identification of a latent need: at this month's contacts (any of them), else by other routes: a rare
    event of a need already there at the month's start (`other_route`), drawn here for a need that began this
    month (`onset`)."""
    if flags & F_NEED and not flags & F_IDENTIFIED:
        if visit.n_contacts > 0 and draw(hh.key, child_key(k, RC_DETECT)) < 1.0 - visit.p_missed_all:
            flags |= F_IDENTIFIED
            c[hh.s, K_IDENTIFICATIONS] += 1
            record_identification(c, hh.s, hh.month, need_start)
        elif other_route or (onset and draw(hh.key, child_key(k, RC_DETECT_OTHER)) < P[P_P_DETECT_OTHER_PER_MONTH]):
            flags |= F_IDENTIFIED
            record_identification(c, hh.s, hh.month, need_start)
    return flags


@njit(cache=True, inline="always")
def education(age, flags, change, hh, c):
    """(h) Missing education comes in episodes: a school-age child starts one with its segment's monthly chance
    (`rules.h_episode_onset`: the share missing settles at p_missing_education) and returns to education with
    chance p_edu_return_per_month (a rare event, `change`: `wait_chances`); a new episode is one no match has found
    yet."""
    if not (change and AGE_SCHOOL_START <= age < AGE_SCHOOL_END):
        return flags
    if flags & F_MISSING_EDU:
        flags &= ~(F_MISSING_EDU | F_FOUND)
    else:
        flags = (flags | F_MISSING_EDU) & ~F_FOUND
        c[hh.s, K_MISSING_EDU_ONSETS] += 1
    return flags


@njit(cache=True, inline="always")
def unmatched(k, birth, hh, P) -> bool:
    """Whether a child in education is still not matched to an education record (independent school, home
    education, moved away, linkage failure: their shares sum to p_unmatched). A standing trait of the child,
    drawn under its birth month, so every match misses the same children."""
    trait_key = household_key(hh.seed, hh.f, TRAIT_MONTH_KEY + birth)
    return draw(trait_key, child_key(k, RC_UNMATCHED)) < P[P_P_UNMATCHED]


@njit(cache=True, inline="always")
def matching(k, age, birth, flags, need_start, hh, P, c):
    """(i) Data matching: in a month a flow's match runs (`hh.finds`), every school-age child in health records
    (GP-registered) who is not matched to an education record is flagged and the family gets a letter: the
    children missing education and those `unmatched` for other reasons. Only the missing count as found, once
    an episode; an enquiry may identify a found child's need. Returns (flags, 1 if a letter was sent)."""
    school_age = AGE_SCHOOL_START <= age < AGE_SCHOOL_END
    if school_age and flags & F_MISSING_EDU:
        c[hh.s, K_MISSING_EDU_SCHOOL_AGE] += 1
    if not (hh.finds and school_age and flags & F_REGISTERED):
        return flags, 0
    if not flags & F_MISSING_EDU:
        if unmatched(k, birth, hh, P):
            c[hh.s, K_MATCHING_FLAGGED] += 1
            return flags, 1
        return flags, 0
    c[hh.s, K_MATCHING_FLAGGED] += 1
    if flags & F_FOUND:
        return flags, 1
    flags |= F_FOUND
    c[hh.s, K_CME_FOUND] += 1
    if flags & F_NEED and not flags & F_IDENTIFIED:
        if draw(hh.key, child_key(k, RC_DETECT_MATCHING)) < P[P_P_DETECT_MATCHING]:
            flags |= F_IDENTIFIED
            c[hh.s, K_IDENTIFICATIONS] += 1
            record_identification(c, hh.s, hh.month, need_start)
    return flags, 1


@njit(cache=True, inline="always")
def next_due_age(age, flags) -> int:
    """The next age after `age` at which the child has something due that is not a rare event: next month while it
    is unregistered (a monthly chance to register) or has a dose due or booked (catch-up), else the next age in
    DUE_AGES (a scheduled dose, review or milestone, a change of a rare event's chance, ageing out)."""
    nxt = age + 1
    if not flags & F_REGISTERED or flags & F_VACC_LAST_MONTH:
        return nxt
    if nxt < AGE_CATCHUP_END_MONTHS:
        d6 = (flags & MASK_6IN1) >> SHIFT_6IN1
        mmr = (flags & MASK_MMR) >> SHIFT_MMR
        if (d6 < 3 and AGE_6IN1[min(d6, 2)] <= nxt) or (mmr < 2 and AGE_MMR[min(mmr, 1)] <= nxt):
            return nxt
    for due in DUE_AGES:
        if due > age:
            return due
    return AGE_OUT_MONTHS


@njit(cache=True, inline="always")
def count_present(age, flags, s, c):
    """The month's counts of a child present at its end: children, and aged 0-6 and registered with a GP."""
    c[s, K_CHILDREN] += 1
    if age < AGE_REG_OUTCOME_END:
        c[s, K_CHILDREN_0_6] += 1
        c[s, K_REGISTERED_0_6] += int((flags & F_REGISTERED) != 0)


@njit(cache=True, inline="always")
def count_waiting_child(age, flags, s, c):
    """The counts of a child with nothing this month (between its full steps): present (`count_present`) and
    missing education at school age, as `step_child` counts them (the latter in `matching`)."""
    count_present(age, flags, s, c)
    if flags & F_MISSING_EDU and AGE_SCHOOL_START <= age < AGE_SCHOOL_END:
        c[s, K_MISSING_EDU_SCHOOL_AGE] += 1


@njit(cache=True, inline="always")
def step_child(k, flags, birth, need_start, waits, hh, P, c):
    """One month of the child in slot k, from its flags, birth month, need start and the months of its streams'
    next events (`waits`, plain numbers), in the order (a)-(i) of the contact functions above.

    A stream's event happens in the month its wait ends; a stream whose event came, or whose chance changed
    (a need begun or identified, the 5th birthday, school age starting or ending), waits anew from this month.
    Returns (flags, need start, engagement outcome: -1 none, 0 missed, 1 attended, 1 if a letter was sent, the
    month of its next full step (`next_due_age` or the earliest wait), the streams' waits).
    """
    age = hh.month - birth
    if age >= AGE_OUT_MONTHS:
        c[hh.s, K_AGED_OUT] += 1
        return 0, need_start, -1, 0, NEVER, waits
    w_ill, w_need, w_edu = waits
    if w_ill == WAIT_UNSET or age == AGE_ILLNESS_BAND or age == AGE_SCHOOL_START or age == AGE_SCHOOL_END:
        p_ill, p_need, p_edu = wait_chances(age, flags, hh, P)  # first waits, or chances changed with age
        if w_ill == WAIT_UNSET or age == AGE_ILLNESS_BAND:
            w_ill = next_wait(k, W_ILL, 1, hh.month - 1, p_ill, hh)
        if w_need == WAIT_UNSET:
            w_need = next_wait(k, W_NEED, 1, hh.month - 1, p_need, hh)
        if w_edu == WAIT_UNSET or age == AGE_SCHOOL_START or age == AGE_SCHOOL_END:
            w_edu = next_wait(k, W_EDU, 1, hh.month - 1, p_edu, hh)
    need_now = flags & (F_NEED | F_IDENTIFIED)
    onset = w_need == hh.month and not flags & F_NEED
    flags, need_start = need_onset(flags, need_start, onset, hh, c)  # (a)
    cover_milestones(age, flags, hh.s, c)  # (b)
    visit = Visit(-1, 0, 1.0)
    flags, visit = registration(k, age, flags, visit, hh, P, c)  # (c)
    flags, visit = immunisation(k, age, flags, visit, hh, P, c)  # (d)
    flags, visit = reviews(k, age, flags, visit, hh, P, c)  # (e)
    visit = unscheduled_care(k, w_ill == hh.month, visit, hh, P, c)  # (f)
    c[hh.s, K_CONTACTS] += visit.n_contacts
    other_route = w_need == hh.month and not onset
    flags = identification(k, flags, need_start, other_route, onset, visit, hh, P, c)  # (g)
    flags = education(age, flags, w_edu == hh.month, hh, c)  # (h)
    flags, letter = matching(k, age, birth, flags, need_start, hh, P, c)  # (i)
    count_present(age, flags, hh.s, c)
    need_changed = need_now != flags & (F_NEED | F_IDENTIFIED)
    if w_ill == hh.month or w_need == hh.month or w_edu == hh.month or need_changed:
        p_ill, p_need, p_edu = wait_chances(age, flags, hh, P)
        if w_ill == hh.month:
            w_ill = next_wait(k, W_ILL, 0, hh.month, p_ill, hh)
        if w_need == hh.month or need_changed:
            w_need = next_wait(k, W_NEED, 0, hh.month, p_need, hh)
        if w_edu == hh.month:
            w_edu = next_wait(k, W_EDU, 0, hh.month, p_edu, hh)
    nxt = min(birth + next_due_age(age, flags), w_ill, w_need, w_edu)
    return flags, need_start, visit.outcome, letter, nxt, (w_ill, w_need, w_edu)


class MonthInputs(NamedTuple):
    """The month as every household reads it: the parameter tables and `month_inputs`' tables."""

    month: int
    seed: int
    P: np.ndarray
    SEGP: np.ndarray
    FLOWS: np.ndarray
    miss_broadcast: np.ndarray
    miss_wom: np.ndarray
    fear: np.ndarray
    masks: np.ndarray


class StepArrays(NamedTuple):
    """The state arrays a step reads and writes (`model.core.population.State.step_arrays` builds it)."""

    nbr_ptr: np.ndarray
    nbr_idx: np.ndarray
    seg: np.ndarray
    trust: np.ndarray
    propensity: np.ndarray
    social_prev: np.ndarray
    social_next: np.ndarray
    ever: np.ndarray
    engagement: np.ndarray
    ch_birth: np.ndarray
    ch_flags: np.ndarray
    ch_need_start: np.ndarray
    ch_sched: np.ndarray


@njit(cache=True, inline="always")
def step_family(f, mi, st, counters):
    """Move household f on by one month, adding its events to `counters` (segment x counter).

    `mi` is the month (`MonthInputs`), `st` the state arrays (`StepArrays`).

    1. Demography: the household moves away and another arrives, or (with no children left) a
       newly forming family with a newborn takes the slot, or a child is born.
    2. Awareness of each running flow: media, transparency notices, word of mouth, letters; forgetting.
       (A household that arrived this month starts with no letters, as engaged and unaware, except of the
       national flows a mover has lived under: `carried_over`.)
    3. Trust: erodes on first learning of a flow (more if not told), recovers toward the household's
       usual level.
    4. Engagement state (household decision only): objecting, re-engaging, avoiding (`update_engagement`).
    5. Perceived risk from the running flows known and not objected to, and the share of neighbours who
       engaged last month.
    6. Each child (`step_child`): ageing out, need onset, COVER milestones, GP registration, immunisation,
       health visitor reviews, unscheduled care, identification, education episodes, data matching. A child is
       stepped only in a month with something due (its stored next month, ch_sched) or a data match that finds
       children; in other months it is counted (`count_waiting_child`).
    7. The household's own counts: families, aware, avoiding, objecting, trust.
    """
    P, SEGP, FLOWS, month, seed = mi.P, mi.SEGP, mi.FLOWS, mi.month, mi.seed
    s = st.seg[f]
    c = counters  # [segment, counter]; indexed in place (a row view would cost a reference count per call)
    key = household_key(seed, f, month)
    masks = mi.masks
    active_mask, finds, lettered = masks[M_ACTIVE], masks[M_FINDS], masks[M_LETTERED]
    n_now = count_children(f, st.ch_flags)
    event = demography_event(n_now, key, P[P_P_MOVE_PER_MONTH], P[P_P_BIRTH_PER_MONTH])
    arrived = False
    if event != EV_NONE:
        arrived = demography(
            event,
            n_now,
            f,
            month,
            seed,
            P,
            SEGP,
            st.seg,
            st.trust,
            st.propensity,
            st.ch_birth,
            st.ch_flags,
            st.ch_need_start,
            st.ch_sched,
            c,
        )
    carried = carried_over(event, arrived, masks[M_NATIONAL])
    own_prev = int(st.social_prev[f])
    eng = int(st.engagement[f])
    if arrived:
        own_prev = SOCIAL_ENGAGED | (own_prev & (carried << SOCIAL_AWARE_SHIFT))
        eng &= carried | (ENG_AVOIDING if carried else 0)
    # A child with something due, or a match that may find children (objecting only grows within the month), needs
    # the household's record and its neighbours' peer share; word of mouth needs them while a running flow is unknown
    due = children_due(f, month, st.ch_sched) or (finds & ~eng & ENG_OBJECTING) != 0
    aware_counts, n_letter, n_engaged = 0, 0, 0
    if due or active_mask & ~(own_prev >> SOCIAL_AWARE_SHIFT) & 0xFF:  # for a contact's peer share, word of mouth
        aware_counts, n_letter, n_engaged = gather_neighbours(f, st.nbr_ptr, st.nbr_idx, st.social_prev)
    aware, learnt = update_awareness(
        s, active_mask, lettered, key, P, mi.miss_broadcast, mi.miss_wom, own_prev, aware_counts, n_letter
    )
    known = int(st.ever[f]) & carried if arrived else int(st.ever[f])
    first_learnt = learnt & ~known
    word = int(st.trust[f])
    now = word & 0xFFFF
    if first_learnt or now != word >> 16:  # trust at its usual level and nothing learnt: it stays there
        now = int(update_trust(word, P, FLOWS, first_learnt) * TRUST_SCALE + 0.5)
        st.trust[f] = (word & 0xFFFF0000) | now
    st.ever[f] = known | learnt
    t = now / TRUST_SCALE
    if P[P_HOUSEHOLD_DECISION] != 0.0:
        eng = update_engagement(s, eng, first_learnt, aware, active_mask, t, key, P, SEGP, mi.fear, FLOWS)
    st.engagement[f] = eng
    objecting = eng & ENG_OBJECTING
    avoiding = (eng & ENG_AVOIDING) != 0
    engaged = (own_prev >> SOCIAL_ENGAGED_SHIFT) & 1
    letters = 0
    if due:
        risk = perceived_risk(s, t, aware, active_mask & ~objecting, mi.fear, FLOWS)
        peers = rules.peer_share(n_engaged, st.nbr_ptr[f + 1] - st.nbr_ptr[f], P[P_PEER_REF])
        hh = household_month(
            s, key, month, arrived, finds & ~objecting, risk, peers, float(st.propensity[f]), avoiding, P, SEGP, seed, f
        )
        for k in range(MAX_CHILDREN):
            flags = int(st.ch_flags[f, k])
            if not flags & F_EXISTS:
                continue
            if st.ch_sched[f, k, 0] > month and not hh.finds:
                count_waiting_child(month - int(st.ch_birth[f, k]), flags, s, c)
                continue
            waits = (int(st.ch_sched[f, k, 1]), int(st.ch_sched[f, k, 2]), int(st.ch_sched[f, k, 3]))
            flags, need_start, outcome, got, nxt, waits = step_child(
                k, flags, int(st.ch_birth[f, k]), int(st.ch_need_start[f, k]), waits, hh, P, c
            )
            st.ch_flags[f, k] = flags
            st.ch_need_start[f, k] = need_start
            st.ch_sched[f, k, 0] = nxt
            st.ch_sched[f, k, 1], st.ch_sched[f, k, 2], st.ch_sched[f, k, 3] = waits
            letters |= got
            if outcome >= 0:
                engaged = outcome
    else:
        for k in range(MAX_CHILDREN):
            flags = int(st.ch_flags[f, k])
            if flags & F_EXISTS:
                count_waiting_child(month - int(st.ch_birth[f, k]), flags, s, c)
    st.social_next[f] = (
        (aware << SOCIAL_AWARE_SHIFT) | (letters << SOCIAL_LETTER_SHIFT) | (engaged << SOCIAL_ENGAGED_SHIFT)
    )
    c[s, K_FAMILIES] += 1
    c[s, K_AWARE] += int(aware != 0)
    c[s, K_AVOIDING] += int(avoiding)
    c[s, K_OBJECTING] += int(objecting != 0)
    c[s, K_TRUST_SUM] += now


@njit(cache=True)
def first_match(FLOWS, month) -> int:
    """Index of the first flow in table order whose match runs in `month`, or -1 if none does."""
    if month >= 0:
        for k in range(FLOWS.shape[0]):
            if rules.matching_runs(FLOWS, k, month):
                return k
    return -1


@njit(cache=True)
def month_inputs(FLOWS, month, P, SEGP):
    """Month-level inputs shared by every household, as tables the step reads instead of recomputing:

    - miss_broadcast[segment, flow]: chance of hearing of the flow through neither the media (its reach
      this month times the segment's relative reach) nor a transparency notice (if families are told);
    - miss_wom[0 or 1, n]: chance that none of n aware neighbours (0) or n neighbours with a letter (1)
      passes the word on, for n up to MAX_DEGREE;
    - fear[segment, flow]: the segment's fear of the flow's recipient (`rules.fear_of_flow`: scaled by
      rel_fear_told when families are told of the flow);
    - masks[M_ACTIVE]: a bit per flow that runs this month; masks[M_FINDS]: the bit of the flow whose match
      finds children this month (the first in table order whose match runs; a child found once is not found
      again), or 0; masks[M_LETTERED]: the bit of the flow that found children last month, whose letters
      households read this month, or 0; masks[M_NATIONAL]: a bit per flow that runs across the country.
    """
    n_flows = FLOWS.shape[0]
    miss_broadcast = np.empty((SEGP.shape[0], n_flows), dtype=np.float64)
    fear = np.empty((SEGP.shape[0], n_flows), dtype=np.float64)
    masks = np.zeros(4, dtype=np.int64)
    for k in range(n_flows):
        p_media = rules.media_prob(FLOWS, k, month, P[P_MEDIA_DECAY_MONTHS])
        p_notice = P[P_P_NOTICE_PER_MONTH] if FLOWS[k, FL_TOLD] != 0.0 else 0.0
        for s in range(SEGP.shape[0]):
            miss_broadcast[s, k] = rules.p_miss_broadcast(min(p_media * SEGP[s, S_REL_MEDIA], 1.0), p_notice)
            fear[s, k] = rules.fear_of_flow(
                SEGP[s, S_FEAR0 + int(FLOWS[k, FL_RECIPIENT])], FLOWS[k, FL_TOLD] != 0.0, P[P_REL_FEAR_TOLD]
            )
        if rules.flow_active(FLOWS, k, month):
            masks[M_ACTIVE] |= 1 << k
        if FLOWS[k, FL_NATIONAL] != 0.0:
            masks[M_NATIONAL] |= 1 << k
    miss_wom = np.empty((2, MAX_DEGREE + 1), dtype=np.float64)
    for n in range(MAX_DEGREE + 1):
        miss_wom[0, n] = rules.p_miss_word_of_mouth(P[P_P_WORD_OF_MOUTH], n)
        miss_wom[1, n] = rules.p_miss_word_of_mouth(P[P_P_WORD_OF_MOUTH_LETTER], n)
    finder, lettered = first_match(FLOWS, month), first_match(FLOWS, month - 1)
    if finder >= 0:
        masks[M_FINDS] = 1 << finder
    if lettered >= 0:
        masks[M_LETTERED] = 1 << lettered
    return miss_broadcast, miss_wom, fear, masks
