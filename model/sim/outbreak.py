"""A stochastic measles transmission on the model's own households and network, after a run has ended.

People are the households' children (as the run left them) and `adults_per_household` adults each. Each
importation is an infectious person placed in a household; transmission runs in generations (a chain binomial):
a susceptible person exposed in a generation to n_hh infectious household members and n_net infectious people of
network-neighbour households is infected with probability
    1 - (1 - p_hh)^n_hh (1 - p_net)^n_net,
is infectious in the next generation only, and is then removed (an imported case is a visitor who stays one
generation). Network contacts are the run's network made
symmetric (whoever listens to whom, both meet). Immunity is drawn anew for each importation from each person's
chance of immunity (model/sim/immunity.py). p_net is set so that one case in a wholly susceptible population
infects R0 people on average (`p_net_for_r0`).

Every draw is `uniform(seed, person, OUTBREAK_KEY + importation * MAX_GENERATIONS + generation, purpose)`: a pure
function of seed, importation, generation and person, so results do not depend on the order of the loop, and
scenarios of a replicate share them (common random numbers).
"""

import numpy as np
from numba import njit, prange

from model.core.rng import uniform

OUTBREAK_KEY = 1 << 40  # month key of the transmission's draws: beyond every key the model itself uses
MAX_GENERATIONS = 4096  # a chain longer than this stops (far beyond any outbreak in a place of a million people)
N_CHUNKS = 8  # importations are split into this many chunks, run in parallel
NO_CAP = 1 << 62  # a cap on cases no outbreak reaches
R_IMMUNE, R_INFECT = 1, 2  # purposes
SUSCEPTIBLE, IMMUNE, REMOVED = 0, 1, 2  # REMOVED: infected in this importation


def symmetric_network(nbr_ptr: np.ndarray, nbr_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The household network with every edge both ways and no duplicates or self-loops, in CSR form (each
    household's contacts in rising order)."""
    return _symmetric(nbr_ptr.astype(np.int64), nbr_idx.astype(np.int64))


@njit(cache=True)
def _symmetric(nbr_ptr, nbr_idx):
    """symmetric_network, compiled: out- and in-edges of each household gathered, then sorted in place and
    deduplicated row by row (a row holds a few dozen contacts, so the whole costs a pass, not a sort of every edge)."""
    n = nbr_ptr.shape[0] - 1
    deg = np.zeros(n, dtype=np.int64)
    for h in range(n):
        for e in range(nbr_ptr[h], nbr_ptr[h + 1]):
            g = nbr_idx[e]
            if g != h:
                deg[h] += 1
                deg[g] += 1
    raw_ptr = np.zeros(n + 1, dtype=np.int64)
    for h in range(n):
        raw_ptr[h + 1] = raw_ptr[h] + deg[h]
    fill = raw_ptr[:-1].copy()
    raw = np.empty(raw_ptr[n], dtype=np.int64)
    for h in range(n):
        for e in range(nbr_ptr[h], nbr_ptr[h + 1]):
            g = nbr_idx[e]
            if g != h:
                raw[fill[h]] = g
                fill[h] += 1
                raw[fill[g]] = h
                fill[g] += 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    out = np.empty(raw_ptr[n], dtype=np.int64)
    k = 0
    for h in range(n):
        lo, hi = raw_ptr[h], raw_ptr[h + 1]
        for i in range(lo + 1, hi):  # insertion sort in place: rows are short
            x = raw[i]
            j = i - 1
            while j >= lo and raw[j] > x:
                raw[j + 1] = raw[j]
                j -= 1
            raw[j + 1] = x
        for i in range(lo, hi):
            if i == lo or raw[i] != raw[i - 1]:
                out[k] = raw[i]
                k += 1
        ptr[h + 1] = k
    return ptr, out[:k].copy()


@njit(cache=True, inline="always")
def _expose(j, importation, seed, p_immune, stamp, status, n_hh, n_net, touched, n_touched, household):
    """Count one exposure of person j if susceptible; returns the new count of people touched this generation.

    A person's immunity is drawn when an importation first reaches them (`stamp` says which importation drew it),
    so an importation costs what it touches, not the whole population."""
    if stamp[j] != importation:
        stamp[j] = importation
        immune = uniform(seed, j, OUTBREAK_KEY + importation * MAX_GENERATIONS, R_IMMUNE) < p_immune[j]
        status[j] = IMMUNE if immune else SUSCEPTIBLE
    if status[j] != SUSCEPTIBLE:
        return n_touched
    if n_hh[j] == 0 and n_net[j] == 0:
        touched[n_touched] = j
        n_touched += 1
    if household:
        n_hh[j] += 1
    else:
        n_net[j] += 1
    return n_touched


@njit(cache=True)
def transmit(
    seed, importation, index_household, p_immune, person_ptr, person_hh, net_ptr, net_idx, p_hh, p_net, cap, w
):
    """Cases caused by one infectious person arriving in `index_household` (the arrival counts as the first case).

    person_ptr: people of household h are person_ptr[h]..person_ptr[h+1]-1, person_hh the household of each;
    net_ptr/net_idx: households' contacts; the chain stops at the end of the generation in which cases reach
    `cap`; w: work arrays, reused from one importation to the next.
    """
    stamp, status, n_hh, n_net, touched, cur_hh, nxt_hh = w
    cur_hh[0] = index_household
    n_cur = 1
    cases = 1
    generation = 0
    q_hh, q_net = 1.0 - p_hh, 1.0 - p_net
    while n_cur > 0 and cases < cap and generation < MAX_GENERATIONS - 1:
        generation += 1
        n_touched = 0
        for i in range(n_cur):
            h = cur_hh[i]
            for j in range(person_ptr[h], person_ptr[h + 1]):
                n_touched = _expose(
                    j, importation, seed, p_immune, stamp, status, n_hh, n_net, touched, n_touched, True
                )
            for e in range(net_ptr[h], net_ptr[h + 1]):
                g = net_idx[e]
                for j in range(person_ptr[g], person_ptr[g + 1]):
                    n_touched = _expose(
                        j, importation, seed, p_immune, stamp, status, n_hh, n_net, touched, n_touched, False
                    )
        month = OUTBREAK_KEY + importation * MAX_GENERATIONS + generation
        n_nxt = 0
        for t in range(n_touched):
            j = touched[t]
            p = 1.0 - q_hh ** n_hh[j] * q_net ** n_net[j]
            if uniform(seed, j, month, R_INFECT) < p:
                status[j] = REMOVED  # infected: infectious next generation (through nxt_hh), never again susceptible
                nxt_hh[n_nxt] = person_hh[j]
                n_nxt += 1
            n_hh[j] = 0
            n_net[j] = 0
        cases += n_nxt
        cur_hh, nxt_hh = nxt_hh, cur_hh
        n_cur = n_nxt
    return cases


@njit(cache=True)
def _importation_chunk(
    seed, first, lo, hi, index_households, p_immune, person_ptr, person_hh, net_ptr, net_idx, p_hh, p_net, cap, cases
):
    """Importations lo..hi-1 of the batch, one after another, with this chunk's own work arrays."""
    n_people = p_immune.shape[0]
    w = (
        np.full(n_people, -1, dtype=np.int64),  # stamp: the importation that drew each person's immunity
        np.empty(n_people, dtype=np.int8),  # status
        np.zeros(n_people, dtype=np.int32),  # household exposures this generation
        np.zeros(n_people, dtype=np.int32),  # network exposures this generation
        np.empty(n_people, dtype=np.int64),  # people touched this generation
        np.empty(n_people + 1, dtype=np.int64),  # household of each infectious person this generation
        np.empty(n_people + 1, dtype=np.int64),  # ... and the next
    )
    for k in range(lo, hi):
        cases[k] = transmit(
            seed, first + k, index_households[k], p_immune, person_ptr, person_hh, net_ptr, net_idx, p_hh, p_net, cap, w
        )


@njit(cache=True, parallel=True)
def run_importations(seed, first, index_households, p_immune, person_ptr, net_ptr, net_idx, p_hh, p_net, cap=NO_CAP):
    """Cases of each importation (numbered first, first + 1, ...) into the given households; an importation's chain
    stops once its cases reach `cap` (then it reports at least cap). Chunks of importations run in parallel; each
    importation's draws are its own, so the result does not depend on chunks or threads."""
    n_people = p_immune.shape[0]
    person_hh = np.empty(n_people, dtype=np.int64)
    for h in range(person_ptr.shape[0] - 1):
        for j in range(person_ptr[h], person_ptr[h + 1]):
            person_hh[j] = h
    n = index_households.shape[0]
    cases = np.empty(n, dtype=np.int64)
    n_chunks = min(N_CHUNKS, n)
    for c in prange(n_chunks):
        _importation_chunk(
            seed,
            first,
            c * n // n_chunks,
            (c + 1) * n // n_chunks,
            index_households,
            p_immune,
            person_ptr,
            person_hh,
            net_ptr,
            net_idx,
            p_hh,
            p_net,
            cap,
            cases,
        )
    return cases


def p_net_for_r0(r0: float, p_hh: float, person_ptr: np.ndarray, net_ptr: np.ndarray, net_idx: np.ndarray) -> float:
    """Chance per network contact such that one case in a wholly susceptible population infects R0 on average:
    R0 = mean over people of [(household size - 1) p_hh + (people in neighbour households) p_net]."""
    size = np.diff(person_ptr).astype(np.float64)
    src = np.repeat(np.arange(size.shape[0]), np.diff(net_ptr))
    nbr_people = np.bincount(src, weights=size[net_idx], minlength=size.shape[0])
    people = size.sum()
    hh_part = float((size * (size - 1)).sum() / people) * p_hh
    net_part = float((size * nbr_people).sum() / people)
    if net_part <= 0:
        raise ValueError("the network has no contacts: R0 cannot be reached")
    p = (r0 - hh_part) / net_part
    if not 0 <= p <= 1:
        raise ValueError(f"R0 {r0} needs a chance per network contact of {p:.3f}, outside [0, 1]")
    return p


def people_of(
    child_household: np.ndarray, child_p_immune: np.ndarray, n_households: int, adults: int, p_immune_adult: float
) -> tuple[np.ndarray, np.ndarray]:
    """People in household order (each household's children, then its adults): CSR offsets and chance of immunity.

    `child_household` must be sorted (children_of lists them household by household)."""
    n_children = np.bincount(child_household, minlength=n_households)
    size = n_children + adults
    person_ptr = np.zeros(n_households + 1, dtype=np.int64)
    np.cumsum(size, out=person_ptr[1:])
    p_immune = np.full(int(person_ptr[-1]), p_immune_adult, dtype=np.float64)
    child_ptr = np.concatenate(([0], np.cumsum(n_children)[:-1]))
    rank = np.arange(child_household.shape[0]) - child_ptr[child_household]
    p_immune[person_ptr[child_household] + rank] = child_p_immune
    return person_ptr, p_immune


@njit(cache=True)
def importation_households(seed, community_start, community_size, per_community):
    """`per_community` arrival households in each community, uniform over its (contiguous) households; the
    importation numbered c * per_community + k lands in community c."""
    n = community_start.shape[0]
    out = np.empty(n * per_community, dtype=np.int64)
    for c in range(n):
        for k in range(per_community):
            u = uniform(seed, c, OUTBREAK_KEY - 1, k)
            out[c * per_community + k] = community_start[c] + int(u * community_size[c])
    return out
