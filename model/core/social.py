"""What a household's neighbours read of it: one packed word a month (layout.SOCIAL_*).

The step is synchronous: a household reads its neighbours' words of last month (`gather_neighbours`) and
writes its own for next month (`social_word`): the flows it knows of, whether it got a letter, whether it
engaged at its last contact.
"""

from typing import NamedTuple

from numba import njit

from model.core.layout import SOCIAL_AWARE_SHIFT, SOCIAL_ENGAGED_SHIFT, SOCIAL_LETTER_SHIFT


class Neighbours(NamedTuple):
    """What a household heard from its neighbours' last-month words."""

    aware_counts: int  # per flow, the neighbours aware of it: eight 8-bit counts packed in one integer (`lane`)
    n_letter: int  # neighbours who got a letter
    n_engaged: int  # neighbours who engaged at their last contact


@njit(cache=True, inline="always")
def lane(packed, k) -> int:
    """Count k of eight 8-bit counts packed in one integer."""
    return (packed >> (8 * k)) & 0xFF


@njit(cache=True, inline="always")
def spread_bits(byte):
    """The eight bits of a byte as eight 8-bit counts (bit k -> count k), by two nibble multiplies."""
    low = ((byte & 0x0F) * 0x00204081) & 0x01010101
    high = (((byte >> 4) & 0x0F) * 0x00204081) & 0x01010101
    return low | (high << 32)


@njit(cache=True, inline="always")
def gather_neighbours(f, nbr_ptr, nbr_idx, social_prev) -> Neighbours:
    """One pass over f's neighbours' last-month words (`Neighbours`); degree is capped at MAX_DEGREE so a count
    fits its 8 bits. One random read per neighbour."""
    aware_counts = 0
    n_letter = 0
    engaged = 0
    for j in range(nbr_ptr[f], nbr_ptr[f + 1]):
        w = int(social_prev[nbr_idx[j]])
        aware_counts += spread_bits((w >> SOCIAL_AWARE_SHIFT) & 0xFF)
        n_letter += (w >> SOCIAL_LETTER_SHIFT) & 1
        engaged += (w >> SOCIAL_ENGAGED_SHIFT) & 1
    return Neighbours(aware_counts, n_letter, engaged)


@njit(cache=True, inline="always")
def social_word(aware, letters, engaged) -> int:
    """The word the household's neighbours read next month: the flows it knows of, a letter, engaged."""
    return (aware << SOCIAL_AWARE_SHIFT) | (letters << SOCIAL_LETTER_SHIFT) | (engaged << SOCIAL_ENGAGED_SHIFT)
