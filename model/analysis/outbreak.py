"""A stochastic measles transmission on the model's own households and network, after a run has ended.

People are the households' children (as the run left them) and `adults_per_household` adults each. Each
importation is an infectious person placed in a household; transmission runs in generations (a chain binomial):
a susceptible person exposed in a generation to n_hh infectious household members and n_net infectious people of
network-neighbour households is infected with probability
    1 - (1 - p_hh)^n_hh (1 - p_net)^n_net,
is infectious in the next generation only, and is then removed (an imported case is a visitor who stays one
generation). Network contacts are the run's network made
symmetric (whoever listens to whom, both meet). Immunity is drawn anew for each importation from each person's
chance of immunity (model/analysis/immunity.py). p_net is set so that one case in a wholly susceptible population
infects R0 people on average (`p_net_for_r0`).

Every draw is `uniform(seed, person, OUTBREAK_KEY + importation * MAX_GENERATIONS + generation, purpose)`: a pure
function of seed, importation, generation and person, so results do not depend on the order of the loop, and
scenarios of a replicate share them (common random numbers).
"""

import numpy as np
from numba import njit

from model.core.rng import uniform

OUTBREAK_KEY = 1 << 40  # month key of the transmission's draws: beyond every key the model itself uses
MAX_GENERATIONS = 4096  # a chain longer than this stops (far beyond any outbreak in a place of a million people)
R_IMMUNE, R_INFECT = 1, 2  # purposes
SUSCEPTIBLE, IMMUNE, REMOVED = 0, 1, 2  # REMOVED: infected in this importation


def symmetric_network(nbr_ptr: np.ndarray, nbr_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The household network with every edge both ways and no duplicates or self-loops, in CSR form."""
    n = nbr_ptr.shape[0] - 1
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(nbr_ptr))
    dst = nbr_idx.astype(np.int64)
    a, b = np.concatenate((src, dst)), np.concatenate((dst, src))
    keep = a != b
    key = np.unique(a[keep] * n + b[keep])
    a, b = key // n, key % n
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
    return ptr, b.astype(np.int64)


@njit(cache=True)
def draw_immunity(seed, importation, p_immune, status):
    """Each person immune with their own chance, drawn for this importation."""
    month = OUTBREAK_KEY + importation * MAX_GENERATIONS
    for j in range(p_immune.shape[0]):
        status[j] = IMMUNE if uniform(seed, j, month, R_IMMUNE) < p_immune[j] else SUSCEPTIBLE


@njit(cache=True)
def _expose(j, status, n_hh, n_net, touched, n_touched, household):
    """Count one exposure of person j (household or network) if susceptible; returns the new touched count."""
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
def transmit(seed, importation, index_household, p_immune, person_ptr, net_ptr, net_idx, p_hh, p_net, status):
    """Cases caused by one infectious person arriving in `index_household` (the arrival counts as the first case).

    person_ptr: people of household h are person_ptr[h]..person_ptr[h+1]-1; net_ptr/net_idx: households' contacts.
    """
    n_people = p_immune.shape[0]
    draw_immunity(seed, importation, p_immune, status)
    n_hh = np.zeros(n_people, dtype=np.int32)
    n_net = np.zeros(n_people, dtype=np.int32)
    touched = np.empty(n_people, dtype=np.int64)
    cur_hh = np.empty(n_people + 1, dtype=np.int64)  # household of each infectious person this generation
    nxt_hh = np.empty(n_people + 1, dtype=np.int64)
    person_hh = np.empty(n_people, dtype=np.int64)
    for h in range(person_ptr.shape[0] - 1):
        for j in range(person_ptr[h], person_ptr[h + 1]):
            person_hh[j] = h
    cur_hh[0] = index_household
    n_cur = 1
    cases = 1
    generation = 0
    q_hh, q_net = 1.0 - p_hh, 1.0 - p_net
    while n_cur > 0 and generation < MAX_GENERATIONS - 1:
        generation += 1
        n_touched = 0
        for i in range(n_cur):
            h = cur_hh[i]
            for j in range(person_ptr[h], person_ptr[h + 1]):
                n_touched = _expose(j, status, n_hh, n_net, touched, n_touched, True)
            for e in range(net_ptr[h], net_ptr[h + 1]):
                g = net_idx[e]
                for j in range(person_ptr[g], person_ptr[g + 1]):
                    n_touched = _expose(j, status, n_hh, n_net, touched, n_touched, False)
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
def run_importations(seed, first, index_households, p_immune, person_ptr, net_ptr, net_idx, p_hh, p_net):
    """Cases of each importation (numbered first, first + 1, ...) into the given households, one after another."""
    status = np.empty(p_immune.shape[0], dtype=np.int8)
    cases = np.empty(index_households.shape[0], dtype=np.int64)
    for k in range(index_households.shape[0]):
        cases[k] = transmit(
            seed, first + k, index_households[k], p_immune, person_ptr, net_ptr, net_idx, p_hh, p_net, status
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
