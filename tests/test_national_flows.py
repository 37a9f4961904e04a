"""A national flow runs across the country, so a family moving in has lived under it: it arrives with the state of
the family of its segment that left. A local flow (a pilot area) gives a mover nothing to bring. Also: the
explorer's safeguard variants are the Bill's flows as the scenario file has them now."""

import dataclasses
import math

import numpy as np
import pytest
import yaml

from model.core import layout as L
from model.core.demography import EV_BIRTH, EV_MOVE, EV_NEW_FAMILY, carried_over
from model.core.kernel import chunk_buffer, step_month
from model.experiments.experiment import load_experiment
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import Flow, load_scenario
from model.sim.build import build_run

from .conftest import REPO, one_flow

SIGMA = 4.0  # binomial tolerance: observed share within 4 standard errors of the closed form
MONTH = 10  # the month stepped (the flow has run since month 0)


def test_carried_over_brings_national_flows_on_a_move_only():
    assert carried_over(EV_MOVE, True, 0b101) == 0b101
    assert carried_over(EV_NEW_FAMILY, True, 0b101) == 0
    assert carried_over(EV_BIRTH, False, 0b101) == 0
    assert carried_over(EV_MOVE, True, 0) == 0


@pytest.mark.parametrize("national", [True, False])
def test_movers_bring_their_avoidance_only_under_a_national_flow(national: bool):
    """Every household moves this month (p_move 1) and every one was avoiding: under a national flow the arrivals
    still avoid unless they re-engage this month (chance p_reengage), so the share avoiding is 1 - p_reengage;
    under a local flow they arrive engaged and unaware, and only new learning can make them avoid."""
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    place = dataclasses.replace(exp.place, segment_shares=tuple(1.0 if s == "general" else 0.0 for s in L.SEGMENTS))
    run = build_run(exp.params, place, 0.2, one_flow(False, national=national), 0, 31)
    P = run.P.copy()
    P[L.P_P_MOVE_PER_MONTH] = 1.0
    st = run.state
    n = st.n_families
    st.engagement[:] = L.ENG_AVOIDING
    st.ever[:] = 1
    st.social[MONTH % 2][:] = (1 << L.SOCIAL_AWARE_SHIFT) | L.SOCIAL_ENGAGED
    c = step_month(st, P, run.SEGP, run.FLOWS, MONTH, 31, chunk_buffer(st))
    moved = c[:, L.K_MOVED_OUT_CHILDREN].sum()
    assert moved > 0
    avoiding = int(c[:, L.K_AVOIDING].sum())
    p_stay = 1.0 - run.SEGP[0, L.S_P_REENGAGE_PER_MONTH]
    if national:
        se = math.sqrt(p_stay * (1 - p_stay) / n)
        assert abs(avoiding / n - p_stay) < SIGMA * se + 1 / n, f"{avoiding}/{n} avoiding, expected {p_stay:.4f}"
        assert int(c[:, L.K_AWARE].sum()) > 0.5 * n, "movers should bring their awareness of the national flow"
    else:
        assert avoiding < 0.05 * n, f"{avoiding}/{n} arrivals avoid under a local flow"


def test_the_national_scenarios_mark_every_flow_national_and_the_pilots_none():
    folder = DEFAULT_PARAMS_DIR / "scenarios"
    for name in ("national_sui_mandate", "national_with_safeguards", "national_mandate_repealed"):
        assert all(f.national for f in load_scenario(folder / f"{name}.yaml").flows), name
    for name in ("wigan_direct_care", "wales_cme_matching"):
        assert not any(f.national for f in load_scenario(folder / f"{name}.yaml").flows), name


def test_the_explorers_variants_carry_the_bills_flows_as_they_are_now():
    """Each variant (tools/explorer_scenarios.py writes them) keeps every field of the Bill's flows that its
    safeguards do not switch: a variant left behind by an edit of the Bill would compare unlike with like."""
    bill = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / "national_sui_mandate.yaml")
    by_name = {f.name: f for f in bill.flows}
    switched = {"objection_respected", "confidentiality_kept", "direct_care_only", "families_told"}
    variants = sorted((REPO / "experiments" / "explorer").glob("*.yaml"))
    assert len(variants) == 31
    for path in variants:
        data = yaml.safe_load(path.read_text())
        for flow in load_scenario(path).flows:
            base = by_name[flow.name]
            for field in dataclasses.fields(Flow):
                if field.name not in switched:
                    assert getattr(flow, field.name) == getattr(base, field.name), (path.name, flow.name, field.name)
        assert np.all([f["name"] in by_name for f in data["flows"]])
