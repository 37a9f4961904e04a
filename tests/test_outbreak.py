"""The stochastic measles transmission against closed forms: final size and chance of a major outbreak in a
well-mixed population, and the direction of clustering (Masters et al. 2020)."""

import numpy as np
import pytest
from scipy.optimize import brentq

from model.analysis.outbreak import p_net_for_r0, run_importations, symmetric_network

pytestmark = pytest.mark.fast

N_MIXED = 500  # people in the well-mixed test (each their own household, all in contact)
N_IMPORTS = 400
MAJOR = 0.2  # an outbreak reaching this share of the susceptible is major (the two modes are far apart)
Z_SE = 4.0  # allowed error in Monte Carlo standard errors


def complete_graph(n):
    """Every household in contact with every other."""
    h, g = np.divmod(np.arange(n * n, dtype=np.int64), n)
    return np.arange(n + 1, dtype=np.int64) * (n - 1), g[h != g]


def final_size(r):
    """The share z of the susceptible infected in a major outbreak: z = 1 - exp(-r z)."""
    return brentq(lambda z: z - 1 + np.exp(-r * z), 1e-9, 1.0)


@pytest.mark.parametrize("r0, immune", [(2.0, 0.0), (3.0, 0.3)])
def test_well_mixed_final_size_and_major_outbreak_chance(r0, immune):
    person_ptr = np.arange(N_MIXED + 1, dtype=np.int64)
    net_ptr, net_idx = complete_graph(N_MIXED)
    p_net = p_net_for_r0(r0, 0.9, person_ptr, net_ptr, net_idx)
    assert p_net == pytest.approx(r0 / (N_MIXED - 1))
    # a fixed share immune (every third or so person), so the susceptible count is exact
    p_immune = (np.arange(N_MIXED) % 10 < round(10 * immune)).astype(np.float64)
    n_sus = int((p_immune == 0).sum())
    homes = np.arange(N_IMPORTS, dtype=np.int64) % N_MIXED
    # no household transmission: the arriving case meets its host household as any other contact
    cases = run_importations(11, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.0, p_net)
    r = r0 * n_sus / N_MIXED
    z = final_size(r)
    major = cases - 1 > MAJOR * n_sus
    # Poisson offspring (a one-generation infectious period): extinction q = exp(-r (1 - q)), so P(major) = z
    p_major = major.mean()
    se = np.sqrt(z * (1 - z) / N_IMPORTS)
    assert abs(p_major - z) < Z_SE * se, f"P(major) {p_major:.3f}, branching process {z:.3f} (se {se:.3f})"
    share = (cases[major] - 1) / n_sus
    se_share = share.std() / np.sqrt(major.sum()) + 1.0 / n_sus
    assert abs(share.mean() - z) < Z_SE * se_share + 0.01, f"final size {share.mean():.4f} against {z:.4f}"


def ring(n, k):
    """Households on a ring, each in contact with the k nearest on either side (communities are local)."""
    d = np.concatenate((np.arange(-k, 0), np.arange(1, k + 1)))
    idx = ((np.arange(n)[:, None] + d[None, :]) % n).ravel().astype(np.int64)
    return np.arange(n + 1, dtype=np.int64) * 2 * k, idx


def test_clustered_susceptibles_raise_the_chance_of_an_outbreak():
    n, k, n_sus = 2000, 20, 100
    person_ptr = np.arange(n + 1, dtype=np.int64)
    net_ptr, net_idx = ring(n, k)
    p_net = p_net_for_r0(14.0, 0.9, person_ptr, net_ptr, net_idx)
    homes = (np.arange(2000, dtype=np.int64) * 7919) % n  # importations spread over the ring
    clustered = np.ones(n)
    clustered[:n_sus] = 0.0
    spread = np.ones(n)
    spread[np.random.default_rng(3).choice(n, n_sus, replace=False)] = 0.0
    p_over = {}
    for name, p_immune in (("clustered", clustered), ("spread", spread)):
        cases = run_importations(5, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, p_net)
        p_over[name] = float((cases > 20).mean())
    assert p_over["clustered"] > 0.03 and p_over["spread"] < p_over["clustered"] / 5, p_over


def test_symmetric_network_adds_reverse_edges_once():
    ptr, idx = symmetric_network(np.array([0, 1, 2, 3]), np.array([1, 0, 0]))  # 0->1, 1->0, 2->0
    assert ptr.tolist() == [0, 2, 3, 4] and idx.tolist() == [1, 2, 0, 0]


def test_same_seed_same_cases_and_importations_independent_of_batch():
    person_ptr = np.arange(201, dtype=np.int64)
    net_ptr, net_idx = ring(200, 5)
    p_immune = np.full(200, 0.5)
    homes = np.arange(30, dtype=np.int64)
    a = run_importations(9, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.3)
    b = run_importations(9, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.3)
    c = run_importations(9, 10, homes[10:], p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.3)
    assert a.tolist() == b.tolist() and a[10:].tolist() == c.tolist()
