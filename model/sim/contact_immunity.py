"""Contact-adjusted immunity (Funk et al. 2019, BMC Medicine 17:180): the immunity that, in a well-mixed
population, would give the same reproduction number as an age-immunity profile under an age-contact matrix.

    r' = 1 - R / R0 = 1 - rho(diag(1 - r) K) / rho(K),    k_ij = phi_ij N_i / N_j

phi_ij is the mean daily contacts a person of age group i reports with group j, r_i the share of group i immune
and rho the spectral radius. Under reciprocity in the survey's population (phi_ij N_i = phi_ji N_j) k_ij = phi_ji,
so K is the survey matrix transposed and no demography of the place enters: the place and its communities differ
only in who is immune (within-community mixing at the survey's age pattern).
"""

import numpy as np


def spectral_radius(m: np.ndarray) -> float:
    """Largest absolute eigenvalue (the dominant one, real for a non-negative matrix)."""
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def next_generation(contacts: np.ndarray) -> np.ndarray:
    """K with k_ij = phi_ji: infections in group i caused by one infectious person of group j, up to a constant."""
    return np.asarray(contacts, dtype=np.float64).T


def contact_adjusted_immunity(immune_share: np.ndarray, contacts: np.ndarray) -> float:
    """r' = 1 - rho(diag(1 - r) K) / rho(K) for one age profile r (a share immune per age group)."""
    k = next_generation(contacts)
    r = np.asarray(immune_share, dtype=np.float64)
    return 1.0 - spectral_radius((1.0 - r)[:, None] * k) / spectral_radius(k)


def contact_adjusted_many(immune_shares: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """r' for each row of [profile, age group]."""
    return np.array([contact_adjusted_immunity(row, contacts) for row in np.atleast_2d(immune_shares)])


def r_effective(contact_adjusted: np.ndarray | float, r0: float) -> np.ndarray | float:
    """R = R0 (1 - r'): the reproduction number the profile allows."""
    return r0 * (1.0 - np.asarray(contact_adjusted))
