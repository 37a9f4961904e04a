"""The stochastic measles transmission against closed forms: final size and chance of a major outbreak in a
well-mixed population, and the direction of clustering (Masters et al. 2020)."""

import numpy as np
import pytest
from scipy.optimize import brentq

from model.sim.outbreak import p_net_for_r0, run_importations, symmetric_network

pytestmark = pytest.mark.fast

N_MIXED = 400  # people in the well-mixed test (each their own household, all in contact)
N_IMPORTS = 300
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


def test_symmetric_network_equals_a_set_reference_on_a_random_graph():
    rng = np.random.default_rng(3)
    n, degree = 60, 5
    nbr_idx = rng.integers(0, n, n * degree)  # self-loops and repeats included, as a drawn network may hold
    nbr_ptr = np.arange(n + 1, dtype=np.int64) * degree
    ptr, idx = symmetric_network(nbr_ptr, nbr_idx)
    reference = [set() for _ in range(n)]
    for h in range(n):
        for g in nbr_idx[nbr_ptr[h] : nbr_ptr[h + 1]]:
            if g != h:
                reference[h].add(int(g))
                reference[int(g)].add(h)
    got = [list(idx[ptr[h] : ptr[h + 1]]) for h in range(n)]
    assert got == [sorted(r) for r in reference], "the compiled symmetric network differs from the set reference"


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


def test_a_cap_stops_chains_that_reach_it_and_leaves_the_others_alone():
    person_ptr = np.arange(1001, dtype=np.int64)
    net_ptr, net_idx = ring(1000, 10)
    p_immune = np.full(1000, 0.7)
    homes = np.arange(0, 1000, 25, dtype=np.int64)
    full = run_importations(4, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.25)
    capped = run_importations(4, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.25, 10)
    small = full < 10
    assert small.any() and (~small).any(), f"test setup: want both small and large chains, got {full.tolist()}"
    assert (capped[small] == full[small]).all() and (capped[~small] >= 10).all() and (capped <= full).all()


def test_a_policy_that_changes_nothing_changes_no_measles_outcome(tmp_path):
    """End to end on a sliver of Wigan: a scenario with no flows gives baseline's numbers exactly, paired effects
    are zero, the same seed gives the same tables, and the figure is drawn."""
    import pandas as pd

    from model.analysis.measles_run import MeaslesSpec, run_measles

    from .conftest import write_scenario

    nothing = write_scenario(tmp_path, "nothing", [])
    spec = MeaslesSpec("wigan", 0.005, ("baseline", str(nothing)), 24, 6, 2, 3, 4, 50, draw_r0=True)
    first = run_measles(spec, tmp_path / "a")
    again = run_measles(spec, tmp_path / "b")
    comm = pd.read_csv(tmp_path / "a" / "communities.csv")
    base, other = (comm[comm.scenario == s].drop(columns="scenario").reset_index(drop=True) for s in spec.scenarios)
    pd.testing.assert_frame_equal(base, other)
    assert comm.importations.eq(4).all() and comm.children_0_14.sum() > 0
    summary = pd.read_csv(tmp_path / "a" / "summary.csv")
    r0 = summary.groupby("replicate").r0.agg(["min", "max"])
    assert (r0["min"] == r0["max"]).all() and r0["min"].between(12, 18).all() and r0["min"].nunique() == 2, r0
    effects = pd.read_csv(tmp_path / "a" / "effects.csv")
    assert len(effects) > 0 and (effects[["mean", "lo", "hi"]] == 0).all().all(), effects
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes() or a.suffix == ".png", f"{a.name} differs between two identical runs"
    assert (tmp_path / "a" / "measles_communities.png").stat().st_size > 10_000


def test_the_agents_driver_leaves_the_same_children_as_the_kernel():
    """The layer reads a state: the Mesa model's agents and the kernel leave the same one, so the same profile."""
    from model.analysis.measles_run import final_state
    from model.inputs.measles_params import load_measles
    from model.inputs.paths import DEFAULT_PARAMS_DIR
    from model.sim.build import load_named
    from model.sim.immunity import immunity_profile
    from model.sim.model import DisengageModel

    mp = load_measles(DEFAULT_PARAMS_DIR / "measles.yaml")
    params, place, scenario = load_named("test", "wigan", "national_sui_mandate", None, None, None)
    kernel = final_state(params, place, 0.003, scenario, 18, 6, 13)
    model = DisengageModel(place, 0.003, scenario, 18, 6, driver="agents", rng=13, params=params, agent_data=False)
    model.run_model()
    a, b = (immunity_profile(s, 17, 2000, mp) for s in (kernel, model.state))
    assert a.n.sum() > 0 and np.array_equal(a.n, b.n) and np.array_equal(a.immune, b.immune)


def test_thread_count_changes_no_case():
    import numba

    person_ptr = np.arange(301, dtype=np.int64)
    net_ptr, net_idx = ring(300, 6)
    p_immune = np.full(300, 0.6)
    homes = np.arange(40, dtype=np.int64) * 7
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_importations(8, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.3)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run_importations(8, 0, homes, p_immune, person_ptr, net_ptr, net_idx, 0.9, 0.3)
    finally:
        numba.set_num_threads(before)
    assert one.tolist() == many.tolist()


def test_figure_draws_replicates_with_equal_values(tmp_path):
    """Three replicates of 0.6 average to 0.6000000000000001: the interval must still hold its mean."""
    import pandas as pd

    from model.present.measles_figure import community_intervals, draw_measles_figure

    rows = [
        {"scenario": s, "replicate": r, "community": c, "children_0_14": 100.0, "contact_adjusted": 0.9,
         "p_over_20": 0.6, "importations": 10}
        for s in ("baseline", "policy") for r in range(3) for c in ("general/0", "grt/0")
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    table.to_csv(tmp_path / "communities.csv", index=False)
    iv = community_intervals(table, "p_over_20")
    assert (iv["lo"] <= iv["mean"]).all() and (iv["mean"] <= iv["hi"]).all()
    assert draw_measles_figure(tmp_path, "policy", 0.93).stat().st_size > 10_000
