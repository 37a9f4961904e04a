"""One month of one family: the order in which the rules apply.

Both drivers call `step_family` and nothing else to move a family on a month:
the Mesa `Family` agent for one family, the population kernel for all of them.
The step is synchronous: it reads last month's awareness, letters and
engagement of the neighbours (`social_prev`, one packed word per household)
and writes this month's (`social_next`).
Everything else it touches belongs to the family alone.
"""

from numba import njit

from model.core import rules
from model.core.awareness import perceived_risk, update_awareness, update_trust
from model.core.contacts import (
    Visit,
    cover_milestones,
    household_month,
    identification,
    immunisation,
    need_onset,
    registration,
    reviews,
    unscheduled_care,
)
from model.core.demography import EV_NONE, carried_over, count_children, demography, demography_event
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
    SOCIAL_ENGAGED,
    SOCIAL_ENGAGED_SHIFT,
    SOCIAL_LETTER_SHIFT,
    TRUST_SCALE,
    W_EDU,
    W_ILL,
    W_NEED,
    WAIT_UNSET,
)
from model.core.month import M_ACTIVE, M_FINDS, M_LETTERED, M_NATIONAL
from model.core.rng import household_key
from model.core.schedule import children_due, count_present, count_waiting_child, next_due_age, next_wait, wait_chances
from model.core.social import gather_neighbours


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
