"""Demography (step 1 of the household's month, docs/ODD.md 7.11): moves, newly forming families, births."""

from numba import njit

from model.core import rules
from model.core.keys import child_key
from model.core.layout import (
    AGE_6IN1,
    AGE_MMR,
    AGE_OUT_MONTHS,
    F_EXISTS,
    F_MISSING_EDU,
    F_REGISTERED,
    K_BIRTHS,
    K_MOVED_IN_CHILDREN,
    K_MOVED_OUT_CHILDREN,
    MAX_CHILDREN,
    N_WAITS,
    NEVER,
    P_MEAN_CHILDREN,
    P_P_INIT_DOSE,
    P_P_INIT_REGISTERED,
    P_SD_PROPENSITY,
    P_TRUST_SPREAD,
    R_BIRTH,
    R_MOVE,
    R_MOVE_CHILDREN,
    R_PROPENSITY,
    R_TRUST_INIT,
    RC_AGE,
    RC_DOSE,
    RC_MISSING_EDU,
    RC_REGISTERED,
    S_P_MISSING_EDUCATION,
    S_TRUST0,
    SHIFT_6IN1,
    SHIFT_MMR,
    TRUST_SCALE,
    WAIT_UNSET,
)
from model.core.rng import draw, household_key


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
    """A household's usual trust (`rules.usual_trust`); it starts at that level.

    Stored as one word: the usual level in the high 16 bits, the current level in the low 16.
    """
    ikey = household_key(seed, f, key_month)
    t = rules.usual_trust(SEGP[s, S_TRUST0], P[P_TRUST_SPREAD], draw(ikey, R_TRUST_INIT))
    fixed = int(t * TRUST_SCALE + 0.5)
    return (fixed << 16) | fixed


@njit(cache=True)
def init_propensity(f, key_month, seed, P) -> float:
    """A household's engagement propensity (`rules.propensity`: a logistic draw with scale sd_propensity)."""
    ikey = household_key(seed, f, key_month)
    return rules.propensity(P[P_SD_PROPENSITY], draw(ikey, R_PROPENSITY))


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
    n = rules.n_children(draw(ikey, R_MOVE_CHILDREN), P[P_MEAN_CHILDREN])
    for k in range(n):
        age = int(draw(ikey, child_key(k, RC_AGE)) * AGE_OUT_MONTHS)
        new_child(f, k, age, month, key_month, seed, P, SEGP, s, set_up, ch_birth, ch_flags, ch_need_start, ch_sched)
    return n


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
