"""Awareness, trust and perceived risk (steps 2, 3 and 5 of the household's month, docs/ODD.md 7.1-7.3)."""

from numba import njit

from model.core import rules
from model.core.layout import (
    FL_SAFEGUARD,
    FL_TOLD,
    P_EROSION_TOLD,
    P_EROSION_UNEXPECTED,
    P_P_FORGET_PER_MONTH,
    P_RECOVERY_PER_MONTH,
    R_AWARE,
    R_FORGET,
    SOCIAL_AWARE_SHIFT,
    SOCIAL_LETTER,
    TRUST_SCALE,
)
from model.core.rng import draw
from model.core.social import lane


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
