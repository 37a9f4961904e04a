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
    R_AWARE_ANY,
    R_HEARD,
    SOCIAL_AWARE_SHIFT,
    SOCIAL_LETTER,
    TRUST_SCALE,
)
from model.core.month import M_ACTIVE, M_LETTERED
from model.core.rng import draw
from model.core.social import gather_neighbours, lane


@njit(cache=True, inline="always")
def event_bound(mi, s, k, aware, had_letter, degree) -> float:
    """This month's chance of a candidate event of flow k for a household with `degree` neighbours: forgetting, if it
    knows of the flow; else the chance of learning of it if every neighbour knew of it and had a letter about it
    (`chance_heard` with every count at `degree`), which bounds the true chance; 0 for a flow that does not run."""
    bit = 1 << k
    if aware & bit:
        return mi.P[P_P_FORGET_PER_MONTH]
    if not mi.masks[M_ACTIVE] & bit:
        return 0.0
    about_letter = (mi.masks[M_LETTERED] & bit) != 0
    return rules.p_aware_from_misses(
        mi.miss_broadcast[s, k],
        mi.miss_wom[0, degree],
        mi.miss_wom[1, degree if about_letter else 0],
        had_letter and about_letter,
    )


@njit(cache=True, inline="always")
def chance_heard(mi, s, k, had_letter, nb) -> float:
    """The chance an unaware household learns of running flow k this month through the media, notices, its
    neighbours' word (`nb`, what it heard from them) and letters (its own, or its neighbours', about the flow whose
    match wrote them: mask M_LETTERED)."""
    about_letter = (mi.masks[M_LETTERED] & (1 << k)) != 0
    return rules.p_aware_from_misses(
        mi.miss_broadcast[s, k],
        mi.miss_wom[0, lane(nb.aware_counts, k)],
        mi.miss_wom[1, nb.n_letter if about_letter else 0],
        had_letter and about_letter,
    )


@njit(cache=True, inline="always")
def update_awareness(mi, s, key, word, f, st, nb, have_nb):
    """Awareness bits after this month's channels and forgetting, the bits newly learnt, and what the household
    heard from its neighbours (`Neighbours`, gathered here only if needed and not `have_nb` already).

    Families learn only of running flows, each with its `chance_heard`; they forget any flow they know, so awareness
    of a flow that has ended fades. Drawn by thinning (docs/ODD.md 7.1), so that most households read no neighbour:
    each flow has a candidate event with its `event_bound`, independently; one draw says which flow has the first
    candidate, if any (usually none), each later flow has its own draw; a candidate of a known flow is forgotten,
    one of an unknown flow is heard with chance `chance_heard` / `event_bound`, which needs the neighbours. Each
    flow is then learnt or forgotten independently with exactly its monthly chance, as a draw a flow would give."""
    aware0 = (word >> SOCIAL_AWARE_SHIFT) & 0xFF
    had_letter = (word & SOCIAL_LETTER) != 0
    degree = st.nbr_ptr[f + 1] - st.nbr_ptr[f]
    n_flows = mi.miss_broadcast.shape[1]
    u = draw(key, R_AWARE_ANY)
    quiet = 1.0  # the chance that no flow up to k has a candidate
    first = n_flows
    for k in range(n_flows):
        quiet *= 1.0 - event_bound(mi, s, k, aware0, had_letter, degree)
        if u < 1.0 - quiet:
            first = k
            break
    aware, learnt = aware0, 0
    for k in range(first, n_flows):
        bound = event_bound(mi, s, k, aware0, had_letter, degree)
        if k > first and not draw(key, R_AWARE + k) < bound:
            continue
        bit = 1 << k
        if aware0 & bit:
            aware &= ~bit
            continue
        if not have_nb:
            nb = gather_neighbours(f, st.nbr_ptr, st.nbr_idx, st.social_prev)
            have_nb = True
        if draw(key, R_HEARD + k) * bound < chance_heard(mi, s, k, had_letter, nb):
            aware |= bit
            learnt |= bit
    return aware, learnt, nb


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
