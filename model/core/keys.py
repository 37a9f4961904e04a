"""Keys of the step's draws that are not a household's plain month: a child's purposes, set-up and standing traits.

Every draw is `rng.draw(household_key(seed, family, month), purpose)`; these name the months and purposes
that the households' and children's processes share, so that each module draws exactly what the step drew.
"""

from numba import njit

from model.core.layout import R_CHILD, R_CHILD_STRIDE

INIT_MONTH_KEY = 1 << 30  # month key of draws made while building the first population
TRAIT_MONTH_KEY = 1 << 31  # + birth month: key of a child's standing traits, the same in every month


@njit(cache=True, inline="always")
def child_key(slot: int, purpose: int) -> int:
    """Purpose key of a draw about the child in `slot`."""
    return R_CHILD + slot * R_CHILD_STRIDE + purpose
