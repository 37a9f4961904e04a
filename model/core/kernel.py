"""Population kernel: the same monthly step as the agents, compiled over all households at once.

Households are cut into a fixed number of chunks; `prange` runs chunks in
parallel and each chunk calls the serial `step_family` for its households,
adding to the chunk's own counters. Counters are integers, so their sum does
not depend on the number of threads or the order of chunks: the kernel gives
the agents driver's numbers exactly.
"""

import numpy as np
from numba import njit, prange

from model.core.layout import N_COUNTERS, N_SEG
from model.core.population import State
from model.core.prefetch import prefetch
from model.core.step import month_inputs, step_family

N_CHUNKS = 256  # fixed, so results never depend on the thread count
PREFETCH_AHEAD = 8  # households ahead whose neighbours' words are fetched while this one steps
# Below this many households the neighbours' words (2 bytes each, 512 KB here) stay in a core's L2 cache and
# prefetching only costs instructions: measured 4-5% slower at Wigan's 39,300, break-even near 416,000 and 5% faster
# at 694,000 (1 thread, this project's machine with 1 MB of L2 per core; the commit that added this has the table).
PREFETCH_MIN_HOUSEHOLDS = 1 << 18


# fmt: off
@njit(cache=True, _nrt=False)  # no reference counting (see the docstring)
def step_chunk(lo, hi, month, seed, P, SEGP, FLOWS, miss_broadcast, miss_wom, fear, masks, nbr_ptr, nbr_idx, seg,
               trust, propensity, social_prev, social_next, ever, ch_birth, ch_flags, ch_need_start, counters):
    """Step households lo..hi-1 in order. In a population too large for the cache (PREFETCH_MIN_HOUSEHOLDS), the
    words of the neighbours of the household PREFETCH_AHEAD places on are asked for first, so that reads of
    distant neighbours overlap with stepping (a hint only: results are the same either way).

    Compiled without numba's reference counting (`_nrt=False`): step_family and the rules are inlined here,
    and each inlined call would otherwise count a reference to every array it takes, an atomic update on a
    counter both threads share (about 23 per household-month, measured with valgrind).
    """
    far = social_prev.shape[0] >= PREFETCH_MIN_HOUSEHOLDS
    for f in range(lo, hi):
        ahead = f + PREFETCH_AHEAD
        if far and ahead < hi:
            for j in range(nbr_ptr[ahead], nbr_ptr[ahead + 1]):
                prefetch(social_prev, nbr_idx[j])
        step_family(f, month, seed, P, SEGP, FLOWS, miss_broadcast, miss_wom, fear, masks, nbr_ptr, nbr_idx, seg,
                    trust, propensity, social_prev, social_next, ever, ch_birth, ch_flags, ch_need_start, counters)


@njit(parallel=True, cache=True)
def step_all(month, seed, P, SEGP, FLOWS, miss_broadcast, miss_wom, fear, masks, nbr_ptr, nbr_idx, seg, trust,
             propensity, social_prev, social_next, ever, ch_birth, ch_flags, ch_need_start, chunk_counters):
    """One month for every household: chunks in parallel, each with its own counters."""
    n = seg.shape[0]
    n_chunks = chunk_counters.shape[0]
    for c in prange(n_chunks):
        chunk_counters[c] = 0
        step_chunk(c * n // n_chunks, (c + 1) * n // n_chunks, month, seed, P, SEGP, FLOWS, miss_broadcast, miss_wom,
                   fear, masks, nbr_ptr, nbr_idx, seg, trust, propensity, social_prev, social_next, ever, ch_birth,
                   ch_flags, ch_need_start, chunk_counters[c])


def chunk_buffer(state: State) -> np.ndarray:
    """Counters for each chunk of households, reused month to month."""
    return np.zeros((min(N_CHUNKS, max(state.n_families, 1)), N_SEG, N_COUNTERS), dtype=np.int64)


def step_month(state: State, P: np.ndarray, SEGP: np.ndarray, FLOWS: np.ndarray, month: int, seed: int,
               chunks: np.ndarray) -> np.ndarray:
    """Move every household on by one month; returns the month's counters [segment, counter]."""
    s = state
    miss_broadcast, miss_wom, fear, masks = month_inputs(FLOWS, month, P, SEGP)
    prev, nxt = month % 2, (month + 1) % 2
    step_all(month, seed, P, SEGP, FLOWS, miss_broadcast, miss_wom, fear, masks, s.nbr_ptr, s.nbr_idx, s.seg,
             s.trust, s.propensity, s.social[prev], s.social[nxt], s.ever, s.ch_birth, s.ch_flags, s.ch_need_start,
             chunks)
    return chunks.sum(axis=0)


def run_kernel(state: State, P: np.ndarray, SEGP: np.ndarray, FLOWS: np.ndarray, months: int, seed: int) -> np.ndarray:
    """Monthly counters [month, segment, counter] of a run driven by the kernel."""
    history = np.zeros((months, N_SEG, N_COUNTERS), dtype=np.int64)
    chunks = chunk_buffer(state)
    for month in range(months):
        history[month] = step_month(state, P, SEGP, FLOWS, month, seed, chunks)
    return history
# fmt: on
