"""The month of one household, composed from the processes in the order of docs/ODD.md (section 3).

Both drivers call `step_family` and nothing else to move a family on a month: the Mesa `Family` agent for one
family, the population kernel for all of them. The step is synchronous: it reads last month's awareness,
letters and engagement of the neighbours (`st.social_prev`, one packed word per household) and writes this
month's (`st.social_next`); everything else it touches belongs to the family alone.

One household in one month (`step_family`, its body follows these numbers):

1. Demography (`demography`): the household moves away and another arrives, or (with no children left) a newly
   forming family with a newborn takes the slot, or a child is born. A household that arrived this month starts
   with no letters, engaged and unaware, except of the national flows a mover has lived under (`own_start`).
2. Awareness of each running flow (`awareness.update_awareness`): media, transparency notices, word of mouth
   and letters from the neighbours' last-month words (`social.gather_neighbours`); forgetting.
3. Trust (`awareness.trust_month`): erodes on first learning of a flow (more if not told), recovers toward the
   household's usual level.
4. Engagement state, under the household decision only (`engagement.update_engagement`): objecting,
   re-engaging, avoiding.
5. Perceived risk from the running flows known and not objected to (`awareness.perceived_risk`), and the share
   of neighbours who engaged at their last contact: the household's month as its children's contacts read it
   (`contacts.household_month`), for a household with a child due or a match that may find its children.
6. Each child (`step_children`, `step_child`): ageing out, then (a) need onset, (b) COVER milestones, (c) GP
   registration, (d) immunisation, (e) health visitor reviews, (f) unscheduled care, (g) identification,
   (h) education episodes, (i) data matching. A child is stepped only in a month with something due (its
   stored next month, ch_sched) or a data match that may find it; in other months it is counted
   (`schedule.count_waiting_child`).
7. The household's word for its neighbours next month (`social.social_word`) and its own counts: families,
   aware, avoiding, objecting, trust (`count_household`).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from model.core import rules
from model.core.awareness import perceived_risk, trust_month, update_awareness
from model.core.contacts import (
    Visit,
    cover_milestones,
    household_month,
    identification,
    immunisation,
    need_event,
    need_onset,
    registration,
    reviews,
    unscheduled_care,
)
from model.core.demography import EV_NONE, carried_over, count_children, demography, demography_event, own_start
from model.core.education import education, matching
from model.core.engagement import update_engagement
from model.core.layout import (
    AGE_ILLNESS_BAND,
    AGE_OUT_MONTHS,
    AGE_SCHOOL_END,
    AGE_SCHOOL_START,
    ENG_AVOIDING,
    ENG_OBJECTING,
    F_EXISTS,
    F_IDENTIFIED,
    F_NEED,
    K_AGED_OUT,
    K_AVOIDING,
    K_AWARE,
    K_CONTACTS,
    K_FAMILIES,
    K_OBJECTING,
    K_TRUST_SUM,
    MAX_CHILDREN,
    NEVER,
    P_HOUSEHOLD_DECISION,
    P_P_BIRTH_PER_MONTH,
    P_P_MOVE_PER_MONTH,
    P_PEER_REF,
    SOCIAL_AWARE_SHIFT,
    SOCIAL_ENGAGED_SHIFT,
    TRUST_SCALE,
    W_EDU,
    W_ILL,
    W_NEED,
    WAIT_UNSET,
)
from model.core.month import M_ACTIVE, M_FINDS, M_NATIONAL
from model.core.rng import household_key
from model.core.schedule import (
    children_due,
    count_present,
    count_waiting_child,
    next_due_age,
    next_wait,
    wait_chances,
)
from model.core.social import Neighbours, gather_neighbours, social_word


class ChildMonth(NamedTuple):
    """What a child's full step leaves (`step_child`)."""

    flags: int
    need_start: int
    outcome: int  # engagement outcome: -1 no contact due, 0 missed, 1 attended
    letter: int  # 1 if a data match sent the family a letter about the child
    next_step: int  # the month of its next full step
    waits: tuple  # the months of its rare-event streams' next events (illness, need, education)


@njit(cache=True, inline="always")
def step_child(k, flags, birth, need_start, waits, hh, P, c) -> ChildMonth:
    """One month of the child in slot k, from its flags, birth month, need start and the months of its streams'
    next events (`waits`, plain numbers), in the order (a)-(i) of docs/ODD.md.

    A stream's event happens in the month its wait ends; a stream whose event came, or whose chance changed
    (a need begun or identified, the 5th birthday, school age starting or ending), waits anew from this month.
    The next full step is the earlier of the child's next due age (`schedule.next_due_age`) and its waits.
    """
    age = hh.month - birth
    if age >= AGE_OUT_MONTHS:
        c[hh.s, K_AGED_OUT] += 1
        return ChildMonth(0, need_start, -1, 0, NEVER, waits)
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
    event = need_event(w_need == hh.month, flags)
    flags, need_start = need_onset(flags, need_start, event, hh, c)  # (a)
    cover_milestones(age, flags, hh.s, c)  # (b)
    visit = Visit(-1, 0, 1.0)
    flags, visit = registration(k, age, flags, visit, hh, P, c)  # (c)
    flags, visit = immunisation(k, age, flags, visit, hh, P, c)  # (d)
    flags, visit = reviews(k, age, flags, visit, hh, P, c)  # (e)
    visit = unscheduled_care(k, w_ill == hh.month, visit, hh, P, c)  # (f)
    c[hh.s, K_CONTACTS] += visit.n_contacts
    flags = identification(k, flags, need_start, event, visit, hh, P, c)  # (g)
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
    return ChildMonth(flags, need_start, visit.outcome, letter, nxt, (w_ill, w_need, w_edu))


@njit(cache=True, inline="always")
def step_children(f, hh, st, P, engaged, c):
    """Step 6: each child of household f in slot order, in full (`step_child`) if it has something due this month
    or a match may find it, else only counted. Returns (1 if a letter was sent about any child, the household's
    engaged bit: the outcome of the last child with a contact due, or `engaged` if none had one)."""
    letters = 0
    for k in range(MAX_CHILDREN):
        flags = int(st.ch_flags[f, k])
        if not flags & F_EXISTS:
            continue
        if st.ch_sched[f, k, 0] > hh.month and not hh.finds:
            count_waiting_child(k, int(st.ch_birth[f, k]), hh.month, flags, hh.s, hh.seed, f, P, c)
            continue
        waits = (np.int64(st.ch_sched[f, k, 1]), np.int64(st.ch_sched[f, k, 2]), np.int64(st.ch_sched[f, k, 3]))
        child = step_child(k, flags, int(st.ch_birth[f, k]), np.int64(st.ch_need_start[f, k]), waits, hh, P, c)
        st.ch_flags[f, k] = child.flags
        st.ch_need_start[f, k] = child.need_start
        st.ch_sched[f, k, 0] = child.next_step
        st.ch_sched[f, k, 1], st.ch_sched[f, k, 2], st.ch_sched[f, k, 3] = child.waits
        letters |= child.letter
        if child.outcome >= 0:
            engaged = child.outcome
    return letters, engaged


@njit(cache=True, inline="always")
def count_waiting_children(f, mi, s, st, c):
    """Step 6 in a month (`mi`) with no child of household f due and no match that may find them: each is
    counted."""
    for k in range(MAX_CHILDREN):
        flags = int(st.ch_flags[f, k])
        if flags & F_EXISTS:
            count_waiting_child(k, int(st.ch_birth[f, k]), mi.month, flags, s, mi.seed, f, mi.P, c)


@njit(cache=True, inline="always")
def count_household(s, aware, avoiding, objecting, trust_fixed, c):
    """Step 7's counts: a family, aware of any flow, avoiding, objecting to any flow, its trust (fixed point)."""
    c[s, K_FAMILIES] += 1
    c[s, K_AWARE] += int(aware != 0)
    c[s, K_AVOIDING] += int(avoiding)
    c[s, K_OBJECTING] += int(objecting != 0)
    c[s, K_TRUST_SUM] += trust_fixed


@njit(cache=True, inline="always")
def step_family(f, mi, st, counters):
    """Move household f on by one month (steps 1-7 of the module docstring), adding its events to `counters`
    (segment x counter). `mi` is the month (`month.MonthInputs`), `st` the state arrays (`month.StepArrays`)."""
    c = counters  # [segment, counter]; indexed in place (a row view would cost a reference count per call)
    s = st.seg[f]
    key = household_key(mi.seed, f, mi.month)
    active, finds = mi.masks[M_ACTIVE], mi.masks[M_FINDS]
    # 1. Demography
    n_now = count_children(f, st.ch_flags)
    event = demography_event(n_now, key, mi.P[P_P_MOVE_PER_MONTH], mi.P[P_P_BIRTH_PER_MONTH])
    arrived = False
    if event != EV_NONE:
        arrived = demography(event, n_now, f, mi, st, c)
    own = own_start(f, st, arrived, carried_over(event, arrived, mi.masks[M_NATIONAL]))
    # 2. Awareness. A child with something due, or a match that may find children (objecting only grows within the
    # month), needs the neighbours' peer share; word of mouth needs them while a running flow is unknown
    due = children_due(f, mi.month, st.ch_sched) or (finds & ~own.eng & ENG_OBJECTING) != 0
    nb = Neighbours(0, 0, 0)
    if due or active & ~(own.word >> SOCIAL_AWARE_SHIFT) & 0xFF:
        nb = gather_neighbours(f, st.nbr_ptr, st.nbr_idx, st.social_prev)
    aware, learnt = update_awareness(mi, s, key, own.word, nb)
    first_learnt = learnt & ~own.ever
    # 3. Trust
    trust_fixed = trust_month(f, st, mi, first_learnt)
    st.ever[f] = own.ever | learnt
    trust = trust_fixed / TRUST_SCALE
    # 4. Engagement state
    eng = own.eng
    if mi.P[P_HOUSEHOLD_DECISION] != 0.0:
        eng = update_engagement(s, eng, first_learnt, aware, active, trust, key, mi.P, mi.SEGP, mi.fear, mi.FLOWS)
    st.engagement[f] = eng
    objecting = eng & ENG_OBJECTING
    avoiding = (eng & ENG_AVOIDING) != 0
    letters, engaged = 0, (own.word >> SOCIAL_ENGAGED_SHIFT) & 1
    if due:
        # 5. Perceived risk and the peer share: the household's month
        hh = household_month(
            mi,
            f,
            s,
            key,
            arrived=arrived,
            finds=finds & ~objecting,
            risk=perceived_risk(s, trust, aware & active & ~objecting, mi.fear, mi.FLOWS),
            peers=rules.peer_share(nb.n_engaged, st.nbr_ptr[f + 1] - st.nbr_ptr[f], mi.P[P_PEER_REF]),
            propensity=float(st.propensity[f]),
            avoiding=avoiding,
        )
        # 6. Each child
        letters, engaged = step_children(f, hh, st, mi.P, engaged, c)
    else:
        count_waiting_children(f, mi, s, st, c)
    # 7. The household's word and counts
    st.social_next[f] = social_word(aware, letters, engaged)
    count_household(s, aware, avoiding, objecting, trust_fixed, c)
