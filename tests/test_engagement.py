"""The household engagement state (engaged, objecting, avoiding): its transition chances against their closed
forms, objection removing a flow's risk, nobody leaving engagement without a flow, and the same state whatever
the driver or thread count."""

import dataclasses
import math

import numba
import numpy as np
import pytest
from scipy import stats

from model.analysis import chilling
from model.core import layout as L
from model.core import rules
from model.core.kernel import run_kernel
from model.core.rng import household_key
from model.core.step import update_engagement
from model.experiments.experiment import load_experiment
from model.inputs.params import load_parameters, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import flow_table, load_scenario
from model.sim.build import build_run
from model.sim.simulate import simulate

from .conftest import REPO, one_flow

KS_ALPHA = 0.01  # a KS test fails when the sampled times are this unlikely under the closed form
N_FAMILIES = 4000  # independent household streams per test
SIGMA = 4.0  # binomial tolerance: observed share within 4 standard errors of the closed form
SEG = L.SEGMENTS.index("insecure_immigration")


@pytest.fixture(scope="module")
def tables():
    params = load_parameters(DEFAULT_PARAMS_DIR)
    P, SEGP = to_arrays(params, 1.8)
    return params, P, SEGP


def key(seed: int, family: int, month: int) -> np.uint64:
    """A household's month key, typed as the step holds it."""
    return np.uint64(household_key(seed, family, month))




def fear_table(SEGP, FLOWS):
    return np.array([[SEGP[s, L.S_FEAR0 + int(FLOWS[k, L.FL_RECIPIENT])] for k in range(FLOWS.shape[0])]
                     for s in range(SEGP.shape[0])])  # fmt: skip


def test_time_to_reengage_is_geometric_with_the_segment_hazard(tables):
    """With no flow running, an avoiding family leaves at the monthly hazard 1 - exp(-1/dur): a geometric time."""
    params, P, SEGP = tables
    FLOWS = flow_table(one_flow(False), params, 0)
    fear = fear_table(SEGP, FLOWS)
    p = SEGP[SEG, L.S_P_REENGAGE_PER_MONTH]
    assert p == pytest.approx(1 - math.exp(-1 / params.value("segments.insecure_immigration.dur_avoid_months")))
    times = []
    for f in range(N_FAMILIES):
        month, eng = 0, L.ENG_AVOIDING
        while eng & L.ENG_AVOIDING:
            month += 1
            eng = update_engagement(SEG, eng, 0, 0, 0, 0.3, key(5, f, month), P, SEGP, fear, FLOWS)
        times.append(month)
    times = np.array(times)
    # KS against the geometric through the randomised probability integral transform (exact for a discrete law):
    # U = F(X - 1) + V (F(X) - F(X - 1)) is uniform when X has CDF F(x) = 1 - (1 - p)^x and V is uniform
    cdf = lambda x: 1.0 - (1.0 - p) ** x  # noqa: E731
    v = np.random.default_rng(0).random(len(times))
    u = cdf(times - 1) + v * (cdf(times) - cdf(times - 1))
    ks = stats.kstest(u, "uniform")
    assert ks.pvalue > KS_ALPHA, f"time to re-engage is not geometric(p={p:.4f}): KS p = {ks.pvalue:.4g}"
    mean = times.mean()
    assert mean == pytest.approx(1 / p, rel=0.08), f"mean months avoiding {mean:.1f}, expected {1 / p:.1f}"


def test_entry_on_learning_follows_rel_avoid_times_risk(tables):
    """An engaged family learning of one running flow starts avoiding with chance rel_avoid x its risk."""
    params, P, SEGP = tables
    FLOWS = flow_table(one_flow(False), params, 0)
    fear = fear_table(SEGP, FLOWS)
    trust = 0.3
    risk = rules.flow_risk(fear[SEG, 0], trust, FLOWS[0, L.FL_SAFEGUARD])
    expected = min(SEGP[SEG, L.S_REL_AVOID] * risk, 1.0)
    entered = sum(
        bool(update_engagement(SEG, 0, 1, 1, 1, trust, key(6, f, 3), P, SEGP, fear, FLOWS) & L.ENG_AVOIDING)
        for f in range(N_FAMILIES)
    )
    se = math.sqrt(expected * (1 - expected) / N_FAMILIES)
    share = entered / N_FAMILIES
    assert abs(share - expected) < SIGMA * se, f"entered {share:.4f}, expected {expected:.4f}"
    # while aware of a flow known before (nothing learnt this month), the monthly chance is rel_avoid_aware times that
    stay = sum(
        bool(update_engagement(SEG, 0, 0, 1, 1, trust, key(7, f, 3), P, SEGP, fear, FLOWS) & L.ENG_AVOIDING)
        for f in range(N_FAMILIES)
    )
    expected_aware = P[L.P_REL_AVOID_AWARE] * SEGP[SEG, L.S_REL_AVOID] * risk
    se = math.sqrt(expected_aware * (1 - expected_aware) / N_FAMILIES)
    assert abs(stay / N_FAMILIES - expected_aware) < SIGMA * se + 1 / N_FAMILIES, f"{stay / N_FAMILIES:.5f}"


def test_objection_takes_that_flow_out_of_the_family_risk(tables):
    """Where objection is respected and a family objects, it cannot start avoiding because of that flow."""
    params, P, SEGP = tables
    P = P.copy()
    P[L.P_REL_OBJECT_PER_RISK] = 1000.0  # everyone who learns objects
    FLOWS = flow_table(one_flow(True), params, 0)
    fear = fear_table(SEGP, FLOWS)
    out = [update_engagement(SEG, 0, 1, 1, 1, 0.3, key(8, f, 3), P, SEGP, fear, FLOWS)
           for f in range(N_FAMILIES)]  # fmt: skip
    assert all(e & L.ENG_OBJECTING == 1 for e in out), "every family should object to the one flow"
    assert not any(e & L.ENG_AVOIDING for e in out), "an objected flow must carry no risk, so nobody avoids"
    FLOWS_NO = flow_table(one_flow(False), params, 0)
    out_no = [update_engagement(SEG, 0, 1, 1, 1, 0.3, key(8, f, 3), P, SEGP, fear, FLOWS_NO)
              for f in range(N_FAMILIES)]  # fmt: skip
    assert not any(e & L.ENG_OBJECTING for e in out_no), "nobody can object where objection is not respected"
    assert sum(bool(e & L.ENG_AVOIDING) for e in out_no) > 0, "without objection the same families do avoid"


def test_objecting_families_avoid_less_in_a_run():
    """End to end: the same flow with objection respected leaves fewer families avoiding than without."""
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    params = exp.params.with_overrides({"engagement.rel_object_per_risk": 6.0}, "test")
    counts = {}
    for respected in (False, True):
        c = simulate(params, exp.place, 0.02, one_flow(respected), 24, 0, 3, "kernel")
        counts[respected] = (c[-1, :, L.K_AVOIDING].sum(), c[-1, :, L.K_OBJECTING].sum())
    assert counts[False][1] == 0 and counts[True][1] > 0, f"objecting families (avoiding, objecting): {counts}"
    assert counts[True][0] < counts[False][0], f"objection should cut avoidance: {counts}"


def test_nobody_avoids_or_objects_in_the_baseline():
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    base = next(s for s in exp.scenarios if s.name == "baseline")
    c = simulate(exp.params, exp.place, 0.02, base, 36, 12, 4, "kernel")
    assert c[:, :, L.K_AVOIDING].sum() == 0 and c[:, :, L.K_OBJECTING].sum() == 0, "baseline families left engagement"


def test_contact_decision_has_no_engagement_state():
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    params = exp.params.with_overrides({"behaviour.decision": "contact"}, "test")
    mandate = next(s for s in exp.scenarios if s.name == "national_sui_mandate")
    c = simulate(params, exp.place, 0.02, mandate, 36, 12, 4, "kernel")
    assert c[:, :, L.K_AVOIDING].sum() == 0, "under the per-contact decision no family is in the avoiding state"
    household = simulate(exp.params, exp.place, 0.02, mandate, 36, 12, 4, "kernel")
    assert household[-1, :, L.K_AVOIDING].sum() > 0, "under the household decision some families avoid"


def test_engagement_state_identical_on_one_and_two_threads():
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    mandate = next(s for s in exp.scenarios if s.name == "national_sui_mandate")
    states = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        run = build_run(exp.params, exp.place, 0.02, mandate, 6, 9)
        run_kernel(run.state, run.P, run.SEGP, run.FLOWS, 30, 9)
        states.append(run.state.engagement.copy())
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert np.array_equal(states[0], states[1]), "engagement state differs between 1 and 2 threads"
    assert (states[0] & L.ENG_AVOIDING).any(), "the test needs some avoiding families to mean anything"


def test_rel_avoid_in_segments_yaml_is_the_derivation():
    """params/segments.yaml holds derived_rel_avoid's values (to the 4 figures written there)."""
    params = load_parameters(DEFAULT_PARAMS_DIR)
    reference = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{chilling.REFERENCE_SCENARIO}.yaml")
    derived = chilling.derived_rel_avoid(params, reference)
    for seg, (lo, mode, hi) in derived.items():
        e = params.entries[f"segments.{seg}.rel_avoid"]
        got = (e.lo, e.value, e.hi)
        assert got == pytest.approx((lo, mode, hi), rel=1e-3, abs=1e-6), f"{seg}: yaml {got}, derived {(lo, mode, hi)}"


def test_unknown_decision_is_refused():
    from model.inputs.errors import InputError

    params = load_parameters(DEFAULT_PARAMS_DIR)
    with pytest.raises(InputError, match="contact, household"):
        params.with_overrides({"behaviour.decision": "village"}, "test.yaml")


REPEAL_MONTH = 24  # the test flow ends this many months after the policy starts
AFTER_MONTHS = 24  # months watched after the repeal


def test_avoidance_persists_after_end_month_and_decays_only_at_its_hazard():
    """After a flow ends nobody starts avoiding (the count never rises), awareness fades, and the avoiders left
    after AFTER_MONTHS are those who neither re-engaged nor moved away: (1 - p_reengage)(1 - p_move) a month."""
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    burn = 6
    scenario = one_flow(False, 0, "national", end_month=REPEAL_MONTH)
    shares = tuple(0.5 if s in ("general", "insecure_immigration") else 0.0 for s in L.SEGMENTS)
    place = dataclasses.replace(exp.place, segment_shares=shares)  # enough exposed families to count
    c = simulate(exp.params, place, 0.05, scenario, burn + REPEAL_MONTH + AFTER_MONTHS, burn, 12, "kernel")
    P, SEGP = to_arrays(exp.params, exp.place.mean_children)
    end = burn + REPEAL_MONTH  # first month without the flow; c[end - 1] is the last month it ran
    avoiding = c[:, :, L.K_AVOIDING]
    after = avoiding[end - 1 :].sum(axis=1)
    assert np.all(np.diff(after) <= 0), f"avoiders rose after the flow ended: {after.tolist()}"
    aware = c[:, :, L.K_AWARE].sum(axis=1)
    assert aware[-1] < 0.7 * aware[end - 1], f"awareness should fade after the end: {aware[end - 1]} -> {aware[-1]}"
    s = SEG
    n0, n1 = avoiding[end - 1, s], avoiding[-1, s]
    assert n0 >= 30, f"the test needs avoiders in the segment at the repeal ({n0})"
    keep = (1 - SEGP[s, L.S_P_REENGAGE_PER_MONTH]) * (1 - P[L.P_P_MOVE_PER_MONTH])
    expected = keep**AFTER_MONTHS
    se = math.sqrt(expected * (1 - expected) / n0)
    assert abs(n1 / n0 - expected) < SIGMA * se, f"{n1}/{n0} avoiders left, expected share {expected:.3f}"
    assert n1 > 0, "avoidance must outlive the flow"
