"""The month as every household reads it, and the arrays a month's step reads and writes.

`month_inputs` computes, once a month, the tables every household would otherwise recompute (media and
notice reach, word of mouth, fears, which flows run and which match finds children); `MonthInputs` carries
them with the parameter tables, `StepArrays` the population's state. Both drivers build the two records
and hand them to the household loop (`model.core.step.step_family`).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from model.core import rules
from model.core.layout import (
    FL_NATIONAL,
    FL_RECIPIENT,
    FL_TOLD,
    MAX_DEGREE,
    P_MEDIA_DECAY_MONTHS,
    P_P_NOTICE_PER_MONTH,
    P_P_WORD_OF_MOUTH,
    P_P_WORD_OF_MOUTH_LETTER,
    P_REL_FEAR_TOLD,
    S_FEAR0,
    S_REL_MEDIA,
)

M_ACTIVE, M_FINDS, M_LETTERED, M_NATIONAL = 0, 1, 2, 3  # the month's flow masks (`month_inputs`): a bit a flow


class MonthInputs(NamedTuple):
    """The month as every household reads it: the parameter tables and `month_inputs`' tables."""

    month: int
    seed: int
    P: np.ndarray
    SEGP: np.ndarray
    FLOWS: np.ndarray
    miss_broadcast: np.ndarray
    miss_wom: np.ndarray
    fear: np.ndarray
    masks: np.ndarray


class StepArrays(NamedTuple):
    """The state arrays a step reads and writes (`model.core.population.State.step_arrays` builds it)."""

    nbr_ptr: np.ndarray
    nbr_idx: np.ndarray
    seg: np.ndarray
    trust: np.ndarray
    propensity: np.ndarray
    social_prev: np.ndarray
    social_next: np.ndarray
    ever: np.ndarray
    engagement: np.ndarray
    ch_birth: np.ndarray
    ch_flags: np.ndarray
    ch_need_start: np.ndarray
    ch_sched: np.ndarray


@njit(cache=True)
def first_match(FLOWS, month) -> int:
    """Index of the first flow in table order whose match runs in `month`, or -1 if none does."""
    if month >= 0:
        for k in range(FLOWS.shape[0]):
            if rules.matching_runs(FLOWS, k, month):
                return k
    return -1


@njit(cache=True)
def month_inputs(FLOWS, month, P, SEGP):
    """Month-level inputs shared by every household, as tables the step reads instead of recomputing:

    - miss_broadcast[segment, flow]: chance of hearing of the flow through neither the media (its reach
      this month times the segment's relative reach) nor a transparency notice (if families are told);
    - miss_wom[0 or 1, n]: chance that none of n aware neighbours (0) or n neighbours with a letter (1)
      passes the word on, for n up to MAX_DEGREE;
    - fear[segment, flow]: the segment's fear of the flow's recipient (`rules.fear_of_flow`: scaled by
      rel_fear_told when families are told of the flow);
    - masks[M_ACTIVE]: a bit per flow that runs this month; masks[M_FINDS]: the bit of the flow whose match
      finds children this month (the first in table order whose match runs; a child found once is not found
      again), or 0; masks[M_LETTERED]: the bit of the flow that found children last month, whose letters
      households read this month, or 0; masks[M_NATIONAL]: a bit per flow that runs across the country.
    """
    n_flows = FLOWS.shape[0]
    miss_broadcast = np.empty((SEGP.shape[0], n_flows), dtype=np.float64)
    fear = np.empty((SEGP.shape[0], n_flows), dtype=np.float64)
    masks = np.zeros(4, dtype=np.int64)
    for k in range(n_flows):
        p_media = rules.media_prob(FLOWS, k, month, P[P_MEDIA_DECAY_MONTHS])
        p_notice = P[P_P_NOTICE_PER_MONTH] if FLOWS[k, FL_TOLD] != 0.0 else 0.0
        for s in range(SEGP.shape[0]):
            p_media_s = rules.p_media_segment(p_media, SEGP[s, S_REL_MEDIA])
            miss_broadcast[s, k] = rules.p_miss_broadcast(p_media_s, p_notice)
            fear[s, k] = rules.fear_of_flow(
                SEGP[s, S_FEAR0 + int(FLOWS[k, FL_RECIPIENT])], FLOWS[k, FL_TOLD] != 0.0, P[P_REL_FEAR_TOLD]
            )
        if rules.flow_active(FLOWS, k, month):
            masks[M_ACTIVE] |= 1 << k
        if FLOWS[k, FL_NATIONAL] != 0.0:
            masks[M_NATIONAL] |= 1 << k
    miss_wom = np.empty((2, MAX_DEGREE + 1), dtype=np.float64)
    for n in range(MAX_DEGREE + 1):
        miss_wom[0, n] = rules.p_miss_word_of_mouth(P[P_P_WORD_OF_MOUTH], n)
        miss_wom[1, n] = rules.p_miss_word_of_mouth(P[P_P_WORD_OF_MOUTH_LETTER], n)
    finder, lettered = first_match(FLOWS, month), first_match(FLOWS, month - 1)
    if finder >= 0:
        masks[M_FINDS] = 1 << finder
    if lettered >= 0:
        masks[M_LETTERED] = 1 << lettered
    return miss_broadcast, miss_wom, fear, masks
