"""Counter-based random draws: each draw is a pure function of its key.

A draw is `uniform(seed, family, month, purpose)`, a splitmix64 hash of the
four integers turned into a float in [0, 1). Nothing is stateful, so results
do not depend on the order families are visited, on the number of threads or
on which driver runs the model, and every scenario of a replicate sees the
same numbers (common random numbers).
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """splitmix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = (z ^ (z >> _S30)) * _MUL1
    z = (z ^ (z >> _S27)) * _MUL2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def household_key(seed: int, family: int, month: int) -> np.uint64:
    """The chain's first three links (seed, family, month): computed once per household-month, shared by its draws."""
    h = mix64(np.uint64(seed) + _GOLDEN)
    h = mix64(h ^ (np.uint64(family) + _GOLDEN))
    return mix64(h ^ (np.uint64(month) + _GOLDEN))


@njit(cache=True, inline="always")
def hash4(seed: int, family: int, month: int, purpose: int) -> np.uint64:
    """Hash of the key (seed, family, month, purpose): the household-month key chained with the purpose."""
    return mix64(household_key(seed, family, month) ^ (np.uint64(purpose) + _GOLDEN))


@njit(cache=True, inline="always")
def draw(key: np.uint64, purpose: int) -> float:
    """The draw for `purpose` under a household-month key: equal to uniform(seed, family, month, purpose)."""
    return float(mix64(key ^ (np.uint64(purpose) + _GOLDEN)) >> _S11) * _INV_2_53


@njit(cache=True, inline="always")
def uniform(seed: int, family: int, month: int, purpose: int) -> float:
    """A float in [0, 1) from the top 53 bits of the key's hash."""
    return float(hash4(seed, family, month, purpose) >> _S11) * _INV_2_53


def derive_seed(master_seed: int, replicate: int) -> int:
    """Seed of a replicate: a hash of (master seed, replicate), below 2**63 so it fits JSON and CSV."""
    return int(hash4(master_seed, replicate, 0, 0xD15E) >> np.uint64(1))
