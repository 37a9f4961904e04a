"""Awareness, trust and perceived risk (steps 2, 3 and 5 of the household's month, docs/ODD.md 7.1-7.3).

A household learns of running flows through the media, transparency notices, word of mouth and letters, and
forgets what it knows; learning of a flow for the first time erodes its trust in confidentiality, which then
recovers toward its usual level; the flows it knows of give the risk it perceives. The formulas are in
`model.core.rules`; this module applies them to the household's bits and fixed-point trust.
"""

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
from model.core.month import M_ACTIVE, M_LETTERED
from model.core.rng import draw
from model.core.social import lane


@njit(cache=True, inline="always")
def update_awareness(mi, s, key, word, nb):
    """Awareness bits after this month's channels and forgetting, and the bits newly learnt.

    Families learn only of running flows; they forget any flow they know, so awareness of a flow that has
    ended fades. `mi` is the month (`MonthInputs`: its tables of misses and masks), `word` the household's
    last-month social word, `nb` what it heard from its neighbours (`Neighbours`); letters (the family's own,
    and its neighbours') are about the flow whose match wrote them (mask M_LETTERED)."""
    active_mask, lettered = mi.masks[M_ACTIVE], mi.masks[M_LETTERED]
    aware = (word >> SOCIAL_AWARE_SHIFT) & 0xFF
    had_letter = (word & SOCIAL_LETTER) != 0
    learnt = 0
    for k in range(mi.miss_broadcast.shape[1]):
        bit = 1 << k
        if aware & bit:
            if draw(key, R_FORGET + k) < mi.P[P_P_FORGET_PER_MONTH]:
                aware &= ~bit
            continue
        if not active_mask & bit:
            continue
        about_letter = (lettered & bit) != 0
        p = rules.p_aware_from_misses(
            mi.miss_broadcast[s, k],
            mi.miss_wom[0, lane(nb.aware_counts, k)],
            mi.miss_wom[1, nb.n_letter if about_letter else 0],
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
def trust_month(f, st, mi, first_learnt) -> int:
    """Household f's trust after this month (`update_trust`), written back to its word; returns the current
    level in fixed point. Trust at its usual level with nothing learnt stays there, untouched."""
    word = int(st.trust[f])
    now = word & 0xFFFF
    if first_learnt or now != word >> 16:
        now = int(update_trust(word, mi.P, mi.FLOWS, first_learnt) * TRUST_SCALE + 0.5)
        st.trust[f] = (word & 0xFFFF0000) | now
    return now


@njit(cache=True, inline="always")
def perceived_risk(s, trust, flows, fear, FLOWS) -> float:
    """Risk the family of segment s perceives from the flows whose bits are set in `flows` (those it knows of that
    run and carry its data), combined across flows.

    `fear` is the month's table of each segment's fear of each flow's recipient (`month_inputs`)."""
    risk = 0.0
    k = 0
    while flows >> k:  # each bit set, in flow order
        if (flows >> k) & 1:
            risk = rules.combine_risk(risk, rules.flow_risk(fear[s, k], trust, FLOWS[k, FL_SAFEGUARD]))
        k += 1
    return risk
