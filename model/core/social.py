"""What a household's neighbours read of it: one packed word a month (layout.SOCIAL_*)."""

from numba import njit

from model.core.layout import SOCIAL_AWARE_SHIFT, SOCIAL_ENGAGED_SHIFT, SOCIAL_LETTER_SHIFT


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
def gather_neighbours(f, nbr_ptr, nbr_idx, social_prev):
    """One pass over f's neighbours' last-month words: per-flow counts of the aware (packed 8 bits a flow;
    degree is capped at MAX_DEGREE so a count fits), the number with a letter and the number who engaged.
    One random read per neighbour."""
    aware_counts = 0
    n_letter = 0
    engaged = 0
    for j in range(nbr_ptr[f], nbr_ptr[f + 1]):
        w = int(social_prev[nbr_idx[j]])
        aware_counts += spread_bits((w >> SOCIAL_AWARE_SHIFT) & 0xFF)
        n_letter += (w >> SOCIAL_LETTER_SHIFT) & 1
        engaged += (w >> SOCIAL_ENGAGED_SHIFT) & 1
    return aware_counts, n_letter, engaged
