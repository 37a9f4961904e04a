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
from model.core.month import MonthInputs, month_inputs
from model.core.population import State
from model.core.prefetch import prefetch
from model.core.step import step_family

N_CHUNKS = 256  # fixed, so results never depend on the thread count
PREFETCH_AHEAD = 8  # households ahead whose neighbours' words are fetched while this one steps
# Below this many households the neighbours' words (2 bytes each, 512 KB here) stay in a core's L2 cache and
# prefetching only costs instructions: measured 4-5% slower at Wigan's 39,300, break-even near 416,000 and 5% faster
# at 694,000 (1 thread, this project's machine with 1 MB of L2 per core; the commit that added this has the table).
PREFETCH_MIN_HOUSEHOLDS = 1 << 18


@njit(cache=True, _nrt=False)  # no reference counting (see the docstring)
def step_chunk(lo, hi, mi, st, counters):
    """Step households lo..hi-1 in order. In a population too large for the cache (PREFETCH_MIN_HOUSEHOLDS), the
    words of the neighbours of the household PREFETCH_AHEAD places on are asked for first, so that reads of
    distant neighbours overlap with stepping (a hint only: results are the same either way).

    Compiled without numba's reference counting (`_nrt=False`): step_family and the rules are inlined here,
    and each inlined call would otherwise count a reference to every array it takes, an atomic update on a
    counter both threads share (about 23 per household-month, measured with valgrind).
    """
    far = st.social_prev.shape[0] >= PREFETCH_MIN_HOUSEHOLDS
    for f in range(lo, hi):
        ahead = f + PREFETCH_AHEAD
        if far and ahead < hi:
            for j in range(st.nbr_ptr[ahead], st.nbr_ptr[ahead + 1]):
                prefetch(st.social_prev, st.nbr_idx[j])
        step_family(f, mi, st, counters)


@njit(parallel=True, cache=True)
def step_all(mi, st, chunk_counters):
    """One month for every household: chunks in parallel, each with its own counters."""
    n = st.seg.shape[0]
    n_chunks = chunk_counters.shape[0]
    for c in prange(n_chunks):
        chunk_counters[c] = 0
        step_chunk(c * n // n_chunks, (c + 1) * n // n_chunks, mi, st, chunk_counters[c])


def chunk_buffer(state: State) -> np.ndarray:
    """Counters for each chunk of households, reused month to month."""
    return np.zeros((min(N_CHUNKS, max(state.n_families, 1)), N_SEG, N_COUNTERS), dtype=np.int64)


def month_record(P: np.ndarray, SEGP: np.ndarray, FLOWS: np.ndarray, month: int, seed: int) -> MonthInputs:
    """The month as every household reads it (`MonthInputs`), built once for both drivers."""
    return MonthInputs(month, seed, P, SEGP, FLOWS, *month_inputs(FLOWS, month, P, SEGP))


def step_month(
    state: State, P: np.ndarray, SEGP: np.ndarray, FLOWS: np.ndarray, month: int, seed: int, chunks: np.ndarray
) -> np.ndarray:
    """Move every household on by one month; returns the month's counters [segment, counter]."""
    step_all(month_record(P, SEGP, FLOWS, month, seed), state.step_arrays(month), chunks)
    return chunks.sum(axis=0)


def run_kernel(state: State, P: np.ndarray, SEGP: np.ndarray, FLOWS: np.ndarray, months: int, seed: int) -> np.ndarray:
    """Monthly counters [month, segment, counter] of a run driven by the kernel."""
    history = np.zeros((months, N_SEG, N_COUNTERS), dtype=np.int64)
    chunks = chunk_buffer(state)
    for month in range(months):
        history[month] = step_month(state, P, SEGP, FLOWS, month, seed, chunks)
    return history
