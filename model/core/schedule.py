"""Children by schedule, not polling (docs/ODD.md 3, "Children by schedule"): when a child is next stepped.

Each child carries the month of its next full step and of the next event of three rare-event streams
(illness, need, education episodes), each a geometric wait from its monthly chance; between full steps a
child is only counted.
"""

from numba import njit

from model.core import rules
from model.core.contacts import doses_due
from model.core.education import count_missing
from model.core.keys import child_key
from model.core.layout import (
    AGE_CATCHUP_END_MONTHS,
    AGE_OUT_MONTHS,
    AGE_REG_OUTCOME_END,
    AGE_SCHOOL_END,
    AGE_SCHOOL_START,
    DUE_AGES,
    F_IDENTIFIED,
    F_MISSING_EDU,
    F_NEED,
    F_REGISTERED,
    F_VACC_LAST_MONTH,
    K_CHILDREN,
    K_CHILDREN_0_6,
    K_REGISTERED_0_6,
    MAX_CHILDREN,
    NEVER,
    P_P_DETECT_OTHER_PER_MONTH,
    P_P_EDU_RETURN_PER_MONTH,
    P_P_ILLNESS_OVER5_PER_MONTH,
    P_P_ILLNESS_UNDER5_PER_MONTH,
    RC_WAIT,
)
from model.core.rng import draw


@njit(cache=True, inline="always")
def children_due(f, month, ch_sched) -> bool:
    """Whether any child of household f is stepped in full this month (empty slots hold NEVER)."""
    for k in range(MAX_CHILDREN):
        if ch_sched[f, k, 0] <= month:
            return True
    return False


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
def next_due_age(age, flags) -> int:
    """The next age after `age` at which the child has something due that is not a rare event: next month while it
    is unregistered (a monthly chance to register) or has a dose due or booked (catch-up), else the next age in
    DUE_AGES (a scheduled dose, review or milestone, a change of a rare event's chance, ageing out)."""
    nxt = age + 1
    if not flags & F_REGISTERED or flags & F_VACC_LAST_MONTH:
        return nxt
    if nxt < AGE_CATCHUP_END_MONTHS:
        doses = doses_due(nxt, flags)
        if doses.due6 or doses.due_mmr:
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
def count_waiting_child(k, birth, month, flags, s, seed, f, P, c):
    """The counts of the child in slot k of household f with nothing this month (between its full steps): present
    (`count_present`) and missing education at school age (`education.count_missing`), as `step_child` counts
    them."""
    age = month - birth
    count_present(age, flags, s, c)
    count_missing(k, birth, age, flags, s, seed, f, P, c)
