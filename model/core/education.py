"""Missing education and data matching (steps (h) and (i) of a child's month, docs/ODD.md 7.10).

A school-age child goes through episodes of missing education; in a month a flow's match runs, every
school-age child in health records who is not matched to an education record is flagged and its family gets
a letter, and the truly missing are found. Each month a school-age child missing education is counted on no
roll or register, and, if the local authority knows of it, in the census-day count (`count_missing`).
"""

from numba import njit

from model.core import rules
from model.core.contacts import record_identification
from model.core.keys import TRAIT_MONTH_KEY, child_key
from model.core.layout import (
    AGE_SCHOOL_END,
    AGE_SCHOOL_START,
    F_FOUND,
    F_IDENTIFIED,
    F_MISSING_EDU,
    F_NEED,
    F_REGISTERED,
    K_CME_FOUND,
    K_IDENTIFICATIONS,
    K_MATCHING_FLAGGED,
    K_MISSING_EDU_KNOWN,
    K_MISSING_EDU_ONSETS,
    K_MISSING_EDU_SCHOOL_AGE,
    P_P_DETECT_MATCHING,
    P_P_MISSING_KNOWN,
    P_P_UNMATCHED,
    RC_DETECT_MATCHING,
    RC_MISSING_KNOWN,
    RC_UNMATCHED,
)
from model.core.rng import draw, household_key


@njit(cache=True, inline="always")
def education(age, flags, change, hh, c):
    """(h) Missing education comes in episodes: a school-age child starts one with its segment's monthly chance
    (`rules.h_episode_onset`: the share missing settles at p_missing_education) and returns to education with
    chance p_edu_return_per_month (a rare event, `change`: `schedule.wait_chances`); a new episode is one no
    match has found yet."""
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
def known_missing(k, birth, flags, seed, f, P) -> bool:
    """Whether the local authority knows of a child missing education (`rules.known_to_authority`): found by a
    data match in this episode, or known by other routes, a standing trait of the child drawn under its birth
    month (as `unmatched` is), so the same children are known in every month and under every scenario."""
    u = draw(household_key(seed, f, TRAIT_MONTH_KEY + birth), child_key(k, RC_MISSING_KNOWN))
    return rules.known_to_authority((flags & F_FOUND) != 0, u, P[P_P_MISSING_KNOWN])


@njit(cache=True, inline="always")
def count_missing(k, birth, age, flags, s, seed, f, P, c):
    """The point-in-time counts of a school-age child missing education: on no roll or register, and of those,
    the children the local authority knows of (`known_missing`), as its census day counts them."""
    if flags & F_MISSING_EDU and AGE_SCHOOL_START <= age < AGE_SCHOOL_END:
        c[s, K_MISSING_EDU_SCHOOL_AGE] += 1
        c[s, K_MISSING_EDU_KNOWN] += int(known_missing(k, birth, flags, seed, f, P))


@njit(cache=True, inline="always")
def matching(k, age, birth, flags, need_start, hh, P, c):
    """(i) Data matching (`data_match`), then the month's counts of a child missing education, after the match so a
    child it found is known to the authority (`count_missing`). Returns (flags, 1 if a letter was sent)."""
    flags, letter = data_match(k, age, birth, flags, need_start, hh, P, c)
    count_missing(k, birth, age, flags, hh.s, hh.seed, hh.f, P, c)
    return flags, letter


@njit(cache=True, inline="always")
def data_match(k, age, birth, flags, need_start, hh, P, c):
    """In a month a flow's match runs (`hh.finds`), every school-age child in health records (GP-registered) who
    is not matched to an education record is flagged and the family gets a letter: the children missing
    education and those `unmatched` for other reasons. Only the missing count as found, once an episode; an
    enquiry may identify a found child's need. Returns (flags, 1 if a letter was sent)."""
    school_age = AGE_SCHOOL_START <= age < AGE_SCHOOL_END
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
