"""Tier 2: accounting identities and bounds that every run must respect."""

import numpy as np
import pytest

from model.core.layout import F_EXISTS
from model.core.outcomes import OUTCOMES, RATIOS, K, monthly
from model.core.population import NetworkSpec, build_population
from model.inputs.params import load_parameters, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_place, load_scenario
from model.sim.simulate import simulate

SHARES = [o for o, r in RATIOS.items() if r.kind == "share"]


def wigan_population(scale: float, seed: int):
    """Default parameters, their arrays and a fresh Wigan population at `scale`."""
    params = load_parameters(DEFAULT_PARAMS_DIR)
    place = load_place(DEFAULT_PARAMS_DIR / "places" / "wigan.yaml")
    P, SEGP = to_arrays(params, place.mean_children, place.need_rate_factor)
    state = build_population(
        place.scaled_families(scale), place.segment_shares, NetworkSpec.from_params(params), P, SEGP, seed
    )
    return params, place, P, SEGP, state


@pytest.fixture(scope="module")
def run():
    params, place, P, SEGP, state = wigan_population(0.01, 99)
    scenario = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / "national_sui_mandate.yaml")
    counters = simulate(params, place, 0.01, scenario, 72, 12, 99)
    initial_children = int((state.ch_flags & F_EXISTS != 0).sum())
    return counters, initial_children, P, SEGP


def test_children_counted_match_births_ageing_and_moves(run):
    counters, initial, _, _ = run
    c = counters.sum(axis=1)  # over segments
    previous = initial
    for m in range(c.shape[0]):
        expected = (
            previous
            + c[m, K["births"]]
            + c[m, K["moved_in_children"]]
            - c[m, K["moved_out_children"]]
            - c[m, K["aged_out"]]
        )
        assert c[m, K["children"]] == expected, (
            f"month {m}: {c[m, K['children']]} children counted, but births, arrivals, departures and ageing "
            f"out from {previous} give {expected}"
        )
        previous = c[m, K["children"]]
    assert c[:, K["births"]].sum() > 0 and c[:, K["aged_out"]].sum() > 0 and c[:, K["moved_in_children"]].sum() > 0


def test_households_stay_constant(run):
    counters, _, _, _ = run
    fams = counters.sum(axis=1)[:, K["families"]]
    assert (fams == fams[0]).all(), "household slots must neither appear nor vanish"


def test_shares_lie_in_unit_interval_every_month(run):
    counters, _, _, _ = run
    for m, values in enumerate(monthly(counters)):
        for name, v in values.items():
            base = name.split("__")[0]
            if base in SHARES and not np.isnan(v):
                assert 0.0 <= v <= 1.0, f"month {m}: {name} = {v} outside [0, 1]"


def test_identifications_never_exceed_onsets(run):
    counters, _, _, _ = run
    total = counters.sum(axis=(0, 1))
    assert total[K["identified_any_route"]] <= total[K["need_onsets"]]
    assert total[K["identifications"]] <= total[K["identified_any_route"]]
    assert total[K["contacts"]] <= total[K["decisions"]]


def probability_columns() -> set[str]:
    """Kernel columns that hold a probability, from the registry: every p_ or h_ column (chances and hazards by
    name), and every column a parameter bounded in [0, 1] fills as it is (convert "same")."""
    from model.core.layout import P_NAMES, SEGP_NAMES
    from model.core.registry import PARAMETERS

    named = {c for c in P_NAMES + SEGP_NAMES if c.startswith(("p_", "h_"))}
    return named | {c for e in PARAMETERS if e.convert == "same" and 0 <= e.lo and e.hi <= 1 for c in e.columns}


def test_parameter_arrays_are_probabilities_where_they_should_be(run):
    _, _, P, SEGP = run
    from model.core.layout import P_NAMES, SEGP_NAMES

    columns = probability_columns()
    assert {"peer_ref", "need_unscheduled", "erosion_told", "trust0", "fear_police"} <= columns
    for name, v in zip(P_NAMES, P, strict=True):
        if name in columns:
            assert 0.0 <= v <= 1.0, f"{name} = {v}"
    for j, name in enumerate(SEGP_NAMES):
        if name in columns:
            assert ((SEGP[:, j] >= 0) & (SEGP[:, j] <= 1)).all(), f"{name}: {SEGP[:, j]}"


def test_every_outcome_is_reported(run):
    counters, _, _, _ = run
    values = monthly(counters)[-1]
    assert set(OUTCOMES) <= set(values)


def test_households_remember_every_flow_they_have_known():
    """Trust erodes on first learning only, so the 'ever known' bits must persist and cover awareness."""
    from model.core.kernel import run_kernel
    from model.core.layout import SOCIAL_AWARE_SHIFT
    from model.inputs.scenario import flow_table

    params, _, P, SEGP, state = wigan_population(0.02, 3)
    scenario = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / "national_sui_mandate.yaml")
    months = 40
    run_kernel(state, P, SEGP, flow_table(scenario, params, 0), months, 3)
    word = state.social[months % 2].astype(np.int64)
    aware = (word >> SOCIAL_AWARE_SHIFT) & 0xFF
    ever = state.ever.astype(np.int64)
    assert (aware != 0).sum() > 0, "no household became aware"
    assert ((aware & ~ever) == 0).all(), "a household aware of a flow has no record of ever knowing it"


def test_network_has_homophily_locality_and_no_self_loops():
    params, _, _, _, state = wigan_population(0.5, 1)
    spec = NetworkSpec.from_params(params)
    src = np.repeat(np.arange(state.n_families), spec.degree)
    dst = state.nbr_idx.astype(np.int64)
    assert (src != dst).all(), "a household lists itself as a contact"
    same = state.seg[src] == state.seg[dst]
    share_same = same.mean()
    expected_floor = spec.p_same_segment  # plus chance cross-segment draws that land in the same segment
    assert expected_floor - 0.02 <= share_same <= 1.0, f"share of same-segment contacts {share_same:.3f}"
    distance = np.abs(src - dst)
    far_same = (same & (distance > spec.neighbourhood)).mean()
    assert far_same <= 1 - spec.p_same_segment + 0.02, (
        f"{far_same:.3f} of contacts are same-segment but outside the neighbourhood: more than the "
        f"{1 - spec.p_same_segment:.2f} drawn from anyone can explain"
    )
    assert np.median(distance[same]) <= spec.neighbourhood / 2, "same-segment contacts are not local"


# Stated in the README: England's 6.94 million households fit in 0.9 GB. Raised from 100 when children came to carry
# their schedules (issue 16: 32 bytes a household, ch_sched), which made the state 120 bytes.
BYTES_PER_HOUSEHOLD_BUDGET = 128


def test_state_and_network_fit_the_stated_bytes_per_household():
    state = wigan_population(0.1, 1)[-1]
    per_household = state.nbytes() / state.n_families
    assert per_household <= BYTES_PER_HOUSEHOLD_BUDGET, (
        f"state and network take {per_household:.1f} bytes per household, over the budget of "
        f"{BYTES_PER_HOUSEHOLD_BUDGET}"
    )
