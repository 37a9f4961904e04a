"""The household's engagement state (step 4 of its month, docs/ODD.md 7.4a): engaged, objecting, avoiding.

Under the household decision perceived risk acts on the household, through a state with memory: a family
that learns of a flow it fears may opt its children's records out of it, or start avoiding services, and
leaves avoidance only through a slow re-engagement hazard, whether or not the flow still runs.
"""

from numba import njit

from model.core import rules
from model.core.awareness import perceived_risk
from model.core.layout import (
    ENG_AVOIDING,
    ENG_OBJECTING,
    FL_OBJECTION,
    FL_SAFEGUARD,
    P_REL_AVOID_AWARE,
    P_REL_OBJECT_PER_RISK,
    R_AVOID,
    R_OBJECT,
    R_REENGAGE,
    S_P_REENGAGE_PER_MONTH,
    S_REL_AVOID,
)
from model.core.rng import draw


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
        risk_learnt = perceived_risk(s, trust, learnt & carried, fear, FLOWS)
        risk_known = perceived_risk(s, trust, aware & ~learnt & carried, fear, FLOWS)
        p = rules.p_enter_avoiding(SEGP[s, S_REL_AVOID], risk_learnt, P[P_REL_AVOID_AWARE], risk_known)
        if draw(key, R_AVOID) < p:
            return objecting | ENG_AVOIDING
    return objecting
