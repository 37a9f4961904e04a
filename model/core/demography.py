"""Demography (step 1 of the household's month, docs/ODD.md 7.11): moves, newly forming families, births.

Each month a household slot may see one event: its family moves away and another of the same segment
arrives, a newly forming family with a newborn takes a slot whose children have all aged out, or a child
is born. A new household draws its usual trust, its propensity and its children (`place_household`); the
first population is placed the same way (`SET_UP`). Events never depend on behaviour, so every scenario
of a replicate has the same families (common random numbers).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from model.core import rules
from model.core.keys import child_key
from model.core.layout import (
    AGE_6IN1,
    AGE_MMR,
    AGE_OUT_MONTHS,
    ENG_AVOIDING,
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
    SOCIAL_AWARE_SHIFT,
    SOCIAL_ENGAGED,
    TRUST_SCALE,
    WAIT_UNSET,
)
from model.core.rng import draw, household_key

EV_NONE, EV_MOVE, EV_NEW_FAMILY, EV_BIRTH = 0, 1, 2, 3  # what happens to a household slot in a month
SET_UP = 4  # not a monthly event: how the first population's households are placed (with a set-up history)


class Placing(NamedTuple):
    """Where and under which key a household or a child is placed."""

    f: int  # the household's slot
    month: int  # the month it is placed in
    key_month: int  # the month key of its draws (INIT_MONTH_KEY at set-up)
    seed: int
    s: int  # the slot's segment


class Families(NamedTuple):
    """The arrays a placed household is written into (by slot; the children's by slot and child)."""

    trust: np.ndarray
    propensity: np.ndarray
    ch_birth: np.ndarray
    ch_flags: np.ndarray
    ch_need_start: np.ndarray
    ch_sched: np.ndarray


class Start(NamedTuple):
    """The household's own state as its month starts, after demography (what a household that arrived this
    month brings: `own_start`)."""

    word: int  # last month's social word, the one its neighbours read (layout.SOCIAL_*)
    eng: int  # engagement state (layout.ENG_*)
    ever: int  # a bit per flow it has ever learnt of


@njit(cache=True)
def new_child(pl, slot, age, kind, P, SEGP, fam):
    """Place a child of `age` months in a slot; history of doses and registration as set-up assumes.

    A child met at set-up (`kind` SET_UP) or arriving with a moving family has had the 6-in-1 doses scheduled
    before its age if its family kept to the primary course, with chance p_init_dose (`rules.primary_doses_kept`:
    one draw for the course), and each MMR dose in turn with chance p_init_dose; a child met at set-up is
    registered with chance p_init_registered. A child arriving with a moving family starts unregistered and decides on
    registration in its first month, like a newborn. Every new child is stepped in full in the month it is
    placed, where its rare-event streams draw their first waits (`step_child`).
    """
    ikey = household_key(pl.seed, pl.f, pl.key_month)
    flags = F_EXISTS
    if kind == SET_UP and draw(ikey, child_key(slot, RC_REGISTERED)) < P[P_P_INIT_REGISTERED]:
        flags |= F_REGISTERED
    scheduled = 0
    for d in range(3):
        scheduled += int(AGE_6IN1[d] < age)
    d6 = rules.primary_doses_kept(scheduled, draw(ikey, child_key(slot, RC_DOSE)), P[P_P_INIT_DOSE])
    mmr = 0
    for d in range(2):
        if AGE_MMR[d] < age and mmr == d and draw(ikey, child_key(slot, RC_DOSE + 3 + d)) < P[P_P_INIT_DOSE]:
            mmr += 1
    flags |= min(d6, 3) << SHIFT_6IN1
    flags |= mmr << SHIFT_MMR
    if draw(ikey, child_key(slot, RC_MISSING_EDU)) < SEGP[pl.s, S_P_MISSING_EDUCATION]:
        flags |= F_MISSING_EDU
    fam.ch_birth[pl.f, slot] = pl.month - age
    fam.ch_flags[pl.f, slot] = flags
    fam.ch_need_start[pl.f, slot] = 0
    fam.ch_sched[pl.f, slot, 0] = pl.month
    for w in range(N_WAITS):
        fam.ch_sched[pl.f, slot, 1 + w] = WAIT_UNSET


@njit(cache=True)
def init_trust(pl, P, SEGP) -> int:
    """A household's usual trust (`rules.usual_trust`); it starts at that level.

    Stored as one word: the usual level in the high 16 bits, the current level in the low 16.
    """
    ikey = household_key(pl.seed, pl.f, pl.key_month)
    t = rules.usual_trust(SEGP[pl.s, S_TRUST0], P[P_TRUST_SPREAD], draw(ikey, R_TRUST_INIT))
    fixed = int(t * TRUST_SCALE + 0.5)
    return (fixed << 16) | fixed


@njit(cache=True)
def init_propensity(pl, P) -> float:
    """A household's engagement propensity (`rules.propensity`: a logistic draw with scale sd_propensity)."""
    ikey = household_key(pl.seed, pl.f, pl.key_month)
    return rules.propensity(P[P_SD_PROPENSITY], draw(ikey, R_PROPENSITY))


@njit(cache=True)
def place_household(pl, kind, P, SEGP, fam) -> int:
    """Fill slot pl.f with a new household of the slot's segment; returns the number of children placed.

    A newly forming family (`kind` EV_NEW_FAMILY) has one newborn; a moving (EV_MOVE) or set-up (SET_UP) family
    has 1-4 children of any age (`rules.n_children`).
    """
    ikey = household_key(pl.seed, pl.f, pl.key_month)
    for k in range(MAX_CHILDREN):
        fam.ch_flags[pl.f, k] = 0
        fam.ch_sched[pl.f, k, 0] = NEVER
    fam.trust[pl.f] = init_trust(pl, P, SEGP)
    fam.propensity[pl.f] = init_propensity(pl, P)
    if kind == EV_NEW_FAMILY:
        new_child(pl, 0, 0, kind, P, SEGP, fam)
        return 1
    n = rules.n_children(draw(ikey, R_MOVE_CHILDREN), P[P_MEAN_CHILDREN])
    for k in range(n):
        age = int(draw(ikey, child_key(k, RC_AGE)) * AGE_OUT_MONTHS)
        new_child(pl, k, age, kind, P, SEGP, fam)
    return n


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
    """`place_household` in the positional form the set-up (`population._fill_households`) calls; returns the
    number of children placed."""
    kind = EV_NEW_FAMILY if newborn_only else (SET_UP if set_up else EV_MOVE)
    fam = Families(trust, propensity, ch_birth, ch_flags, ch_need_start, ch_sched)
    return place_household(Placing(f, month, key_month, seed, seg[f]), kind, P, SEGP, fam)


@njit(cache=True, inline="always")
def count_children(f, ch_flags) -> int:
    """Children present in household f."""
    n = 0
    for k in range(MAX_CHILDREN):
        if ch_flags[f, k] & F_EXISTS:
            n += 1
    return n


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
def demography(event, n_now, f, mi, st, c) -> bool:
    """Carry out a demographic event (rare, so not inlined) in month `mi` on the state arrays `st`, counting it in
    `c`; returns True if a new household arrived in slot f."""
    pl = Placing(f, mi.month, mi.month, mi.seed, st.seg[f])
    fam = Families(st.trust, st.propensity, st.ch_birth, st.ch_flags, st.ch_need_start, st.ch_sched)
    if event == EV_BIRTH:
        for k in range(MAX_CHILDREN):
            if not st.ch_flags[f, k] & F_EXISTS:
                new_child(pl, k, 0, event, mi.P, mi.SEGP, fam)
                c[pl.s, K_BIRTHS] += 1
                break
        return False
    placed = place_household(pl, event, mi.P, mi.SEGP, fam)  # movers, or a newborn's family
    if event == EV_NEW_FAMILY:
        c[pl.s, K_BIRTHS] += placed
    else:
        c[pl.s, K_MOVED_OUT_CHILDREN] += n_now
        c[pl.s, K_MOVED_IN_CHILDREN] += placed
    return True


@njit(cache=True, inline="always")
def carried_over(event, arrived, national) -> int:
    """Flows whose awareness and engagement state a household brings with it: a family moving in has lived under
    the national flows elsewhere, so it arrives as the family of its segment that left (exchangeable families);
    a newly forming family, or a family arriving from outside a local flow's area, brings none."""
    if arrived and event == EV_MOVE:
        return national
    return 0


@njit(cache=True, inline="always")
def own_start(f, st, arrived, carried) -> Start:
    """The household's own state as its month starts (`Start`): as last month left it, or, for a household that
    arrived this month, no letters, engaged and unaware, keeping only the flows it carried over (`carried_over`):
    their awareness, objections, avoidance and first learning."""
    word = int(st.social_prev[f])
    eng = int(st.engagement[f])
    ever = int(st.ever[f])
    if arrived:
        word = SOCIAL_ENGAGED | (word & (carried << SOCIAL_AWARE_SHIFT))
        eng &= carried | (ENG_AVOIDING if carried else 0)
        ever &= carried
    return Start(word, eng, ever)
