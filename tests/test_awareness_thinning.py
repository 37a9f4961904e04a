"""Awareness drawn by thinning (docs/ODD.md 7.1) keeps the monthly law: each flow is learnt or forgotten
independently with exactly its chance, whether or not the household's neighbours are read."""

import numpy as np
import pytest
from numba import njit
from scipy import stats

from model.core import layout as L
from model.core import rules
from model.core.awareness import update_awareness
from model.core.month import M_ACTIVE, M_LETTERED, MonthInputs, StepArrays
from model.core.rng import household_key
from model.core.social import Neighbours, gather_neighbours
from model.inputs.params import load_parameters, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR

pytestmark = pytest.mark.fast
N = 400_000
P_FORGET, P_WOM, P_WOM_LETTER = 0.2, 0.1, 0.3
MISS_BROADCAST = np.array([[0.9, 0.8, 0.95, 0.5]])  # one segment, four flows


def month(P, SEGP, active, lettered):
    """A month of four flows with the chances above: flows `active` run, `lettered` has letters out."""
    P = P.copy()
    P[L.P_P_FORGET_PER_MONTH] = P_FORGET
    miss_wom = np.array(
        [[rules.p_miss_word_of_mouth(p, n) for n in range(L.MAX_DEGREE + 1)] for p in (P_WOM, P_WOM_LETTER)]
    )
    masks = np.zeros(4, dtype=np.int64)
    masks[M_ACTIVE], masks[M_LETTERED] = active, lettered
    none = np.zeros((1, 4))
    return MonthInputs(5, 11, P, SEGP, np.zeros((4, 16)), MISS_BROADCAST, miss_wom, none, masks)


def neighbourhood(words):
    """Household 0 listening to households 1..len(words), whose last-month words are `words`."""
    n = len(words) + 1
    social = np.array([0, *words], dtype=np.uint16)
    z1, z2 = np.zeros(n, dtype=np.uint16), np.zeros((n, L.MAX_CHILDREN), dtype=np.int16)
    return StepArrays(
        np.array([0] + [len(words)] * n, dtype=np.int64),
        np.arange(1, n, dtype=np.int32),
        np.zeros(n, dtype=np.int8),
        np.zeros(n, dtype=np.uint32),
        np.zeros(n, dtype=np.float32),
        social,
        social.copy(),
        np.zeros(n, dtype=np.uint8),
        z1,
        z2,
        z1.reshape(n, 1).repeat(L.MAX_CHILDREN, 1),
        z2,
        np.zeros((n, L.MAX_CHILDREN, 1 + L.N_WAITS), dtype=np.int16),
    )


@njit(cache=True)
def outcomes(mi, st, word, n):
    """How often each awareness word ends household 0's month, over n months' keys; and how often it read its
    neighbours, and whether what it read was their gather."""
    counts = np.zeros(256, dtype=np.int64)
    full = gather_neighbours(0, st.nbr_ptr, st.nbr_idx, st.social_prev)
    read, wrong = 0, 0
    for m in range(n):
        key = household_key(mi.seed, 0, m)
        aware, _, nb = update_awareness(mi, 0, key, word, 0, st, Neighbours(0, 0, 0), False)
        counts[aware] += 1
        if nb.aware_counts or nb.n_letter or nb.n_engaged:
            read += 1
            wrong += nb != full
    return counts, read, wrong


@pytest.fixture(scope="module")
def P_SEGP():
    return to_arrays(load_parameters(DEFAULT_PARAMS_DIR), 1.8)


def test_each_flow_is_learnt_or_forgotten_independently_with_its_monthly_chance(P_SEGP):
    """Flow 0 known (forgotten with P_FORGET); flow 1 unknown, running, 4 of 10 neighbours know of it; flow 2 unknown,
    running, lettered, 2 neighbours know of it and 3 got letters; flow 3 unknown and not running (never learnt).
    The eight outcomes of flows 0-2 follow the product of the three chances (chi-square)."""
    words = [0b0010] * 2 + [0b0110] * 2 + [L.SOCIAL_LETTER] * 3 + [0] * 3
    mi = month(*P_SEGP, active=0b0111, lettered=0b0100)
    counts, read, wrong = outcomes(mi, neighbourhood(words), 0b0001, N)
    p = [
        1 - P_FORGET,  # flow 0 still known
        1 - MISS_BROADCAST[0, 1] * (1 - P_WOM) ** 4,
        1 - MISS_BROADCAST[0, 2] * (1 - P_WOM) ** 2 * (1 - P_WOM_LETTER) ** 3,
    ]
    expected = np.array([np.prod([p[k] if (w >> k) & 1 else 1 - p[k] for k in range(3)]) for w in range(8)])
    assert counts[8:].sum() == 0, "flow 3 does not run: never learnt"
    assert stats.chisquare(counts[:8], expected * N).pvalue > 1e-4, (counts[:8] / N, expected)
    assert wrong == 0, "the neighbours read are their gather"
    assert 0 < read < N, f"neighbours are read only in some months: {read} of {N}"


def test_a_household_with_its_own_letter_learns_of_the_lettered_flow_surely(P_SEGP):
    """Direct experience: a household that got a letter knows of the flow whose match wrote it, every month."""
    mi = month(*P_SEGP, active=0b0111, lettered=0b0100)
    counts, _, _ = outcomes(mi, neighbourhood([0] * 10), L.SOCIAL_LETTER, 20_000)
    learnt = sum(c for w, c in enumerate(counts) if w & 0b0100)
    assert learnt == 20_000


def test_a_household_with_nothing_to_hear_or_forget_reads_no_neighbour(P_SEGP):
    """No flow runs and none is known: no candidate event, so the neighbours are never read (and nothing changes)."""
    mi = month(*P_SEGP, active=0, lettered=0)
    counts, read, _ = outcomes(mi, neighbourhood([0b0111 | L.SOCIAL_LETTER] * 10), 0, 20_000)
    assert counts[0] == 20_000 and read == 0
