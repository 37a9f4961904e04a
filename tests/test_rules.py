"""Tier 1: each rule on its own, against its stated formula and direction."""

import math

import numpy as np
import pytest

from model.core import rules
from model.core.layout import FL_END, FL_MATCH_INTERVAL, FL_MATCHING, FL_MEDIA, FL_START, N_FLOWF, NEVER_ENDS

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`)


def flow(start=10, media=0.2, matching=0.0, interval=12, end=NEVER_ENDS):
    """A FLOWS table whose row 1 is the flow under test (row 0 is a decoy that must not be read)."""
    table = np.zeros((2, N_FLOWF))
    table[0] = [99.0] * N_FLOWF
    table[1, FL_END] = end
    table[1, FL_START], table[1, FL_MEDIA], table[1, FL_MATCHING], table[1, FL_MATCH_INTERVAL] = (
        start,
        media,
        matching,
        interval,
    )
    return table


def test_logistic_matches_formula_and_is_stable():
    for x in (-30.0, -2.0, 0.0, 1.5, 30.0):
        assert rules.logistic(x) == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12)
    assert rules.logistic(-800.0) == 0.0 and rules.logistic(800.0) == 1.0


def test_awareness_channels_combine_as_independent_chances():
    p = rules.p_become_aware(0.1, 0.2, 0.05, 3, 0.3, 1, False)
    assert p == pytest.approx(1 - 0.9 * 0.8 * 0.95**3 * 0.7)
    assert rules.p_become_aware(0.0, 0.0, 0.05, 0, 0.3, 0, False) == 0.0
    assert rules.p_become_aware(0.0, 0.0, 0.0, 0, 0.0, 0, True) == 1.0, "a letter makes the family aware"


def test_more_aware_neighbours_raise_awareness():
    ps = [rules.p_become_aware(0.01, 0.0, 0.02, n, 0.1, 0, False) for n in range(6)]
    assert all(a < b for a, b in zip(ps, ps[1:], strict=False)), ps


def test_flow_active_from_its_start():
    table = flow(start=10)
    assert not rules.flow_active(table, 1, 9) and rules.flow_active(table, 1, 10)


def test_flow_stops_at_its_end_month():
    table = flow(start=10, end=20, media=0.2, matching=1.0, interval=4)
    assert rules.flow_active(table, 1, 19) and not rules.flow_active(table, 1, 20), "a flow runs until end - 1"
    assert rules.media_prob(table, 1, 19, 6.0) > 0.0 and rules.media_prob(table, 1, 20, 6.0) == 0.0
    assert [m for m in range(40) if rules.matching_runs(table, 1, m)] == [10, 14, 18], "no match after the end"


def test_media_starts_with_flow_and_decays():
    row = flow(start=10, media=0.2)
    assert rules.media_prob(row, 1, 9, 6.0) == 0.0
    assert rules.media_prob(row, 1, 10, 6.0) == pytest.approx(0.2)
    assert rules.media_prob(row, 1, 16, 6.0) == pytest.approx(0.2 * math.exp(-1))


def test_matching_runs_at_start_and_each_interval():
    row = flow(start=5, matching=1.0, interval=12)
    months = [m for m in range(60) if rules.matching_runs(row, 1, m)]
    assert months == [5, 17, 29, 41, 53]
    assert not any(rules.matching_runs(flow(start=5, matching=0.0), 1, m) for m in range(60))


def test_trust_erodes_and_recovers_toward_segment_level():
    assert rules.trust_after_learning(0.6, 0.25) == pytest.approx(0.45)
    assert rules.trust_recovered(0.4, 0.6, 0.1) == pytest.approx(0.42)
    assert rules.trust_recovered(0.6, 0.6, 0.1) == 0.6


def test_risk_is_fear_times_distrust_times_safeguards():
    assert rules.flow_risk(0.5, 0.4, 0.6) == pytest.approx(0.5 * 0.6 * 0.6)
    assert rules.flow_risk(0.0, 0.0, 1.0) == 0.0
    assert rules.combine_risk(0.2, 0.5) == pytest.approx(0.6)
    assert rules.safeguard_factor(True, True, True, 0.4, 0.3, 0.4) == pytest.approx(0.6 * 0.7 * 0.6)
    assert rules.safeguard_factor(False, False, False, 0.4, 0.3, 0.4) == 1.0


def engage(risk=0.0, need=0.0, peers=0.9):
    return rules.p_engage(2.0, 0.0, 0.0, 1.5, 1.0, risk, need, 1.0, peers, 0.9)


def test_engagement_falls_with_risk_and_need_damps_it():
    assert engage(0.0) == pytest.approx(rules.logistic(2.0))
    assert engage(0.5) < engage(0.2) < engage(0.0)
    assert engage(0.5, need=0.7) > engage(0.5, need=0.0)
    assert engage(0.5, need=1.0) == pytest.approx(engage(0.0))


def test_engagement_follows_peers():
    assert engage(peers=0.5) < engage(peers=0.9) < engage(peers=1.0)


def test_detection_falls_with_risk_through_nondisclosure():
    assert rules.p_detect(0.1, 0.4, 0.0) == pytest.approx(0.1)
    assert rules.p_detect(0.1, 0.4, 0.5) == pytest.approx(0.08)


def test_peer_share_defaults_without_neighbours():
    assert rules.peer_share(3, 4, 0.9) == 0.75
    assert rules.peer_share(0, 0, 0.9) == 0.9


def test_known_to_authority_is_found_or_known_by_other_routes():
    assert rules.known_to_authority(True, 0.99, 0.0), "a child a match found is known"
    assert rules.known_to_authority(False, 0.3, 0.6) and not rules.known_to_authority(False, 0.6, 0.6)
    assert not rules.known_to_authority(False, 0.0, 0.0), "no other route: only the found are known"
    assert rules.known_to_authority(False, 0.999, 1.0)


def test_a_primary_course_is_kept_whole_or_not_at_all():
    assert rules.primary_doses_kept(3, 0.5, 0.92) == 3
    assert rules.primary_doses_kept(2, 0.5, 0.92) == 2, "only the doses already scheduled"
    assert rules.primary_doses_kept(3, 0.92, 0.92) == 0 and rules.primary_doses_kept(0, 0.1, 0.92) == 0
    us = (np.arange(10_000) + 0.5) / 10_000  # an even grid of draws: the share with a full course is p, not p^3
    full = sum(rules.primary_doses_kept(3, u, 0.92) == 3 for u in us) / len(us)
    assert full == pytest.approx(0.92, abs=1e-4)


def test_a_notice_scales_fear_of_a_told_flow_only_and_never_past_one():
    assert rules.fear_of_flow(0.4, False, 0.5) == 0.4, "a flow families are not told of keeps its fear"
    assert rules.fear_of_flow(0.4, True, 0.5) == pytest.approx(0.2), "told, half the fear: 0.4 x 0.5"
    assert rules.fear_of_flow(0.4, True, 1.0) == 0.4, "1.0: a notice carries the fear word of mouth does"
    assert rules.fear_of_flow(0.8, True, 1.5) == 1.0, "a fear is at most 1"


def test_month_inputs_read_the_notice_effect_for_told_flows_and_default_to_the_old_fear():
    """Behaviour: with rel_fear_told 1 (the default) every fear is the segment's fear of the recipient, bit for bit
    as before the parameter; at 0.5 a told flow's fear halves and an unannounced flow's does not move."""
    from model.core.layout import FL_RECIPIENT, FL_TOLD, P_REL_FEAR_TOLD, S_FEAR0
    from model.core.month import month_inputs
    from model.inputs.params import load_parameters, to_arrays
    from model.inputs.paths import DEFAULT_PARAMS_DIR

    P, SEGP = to_arrays(load_parameters(DEFAULT_PARAMS_DIR), 1.8)
    assert P[P_REL_FEAR_TOLD] == 1.0, "the default keeps the model's behaviour as before"
    table = np.zeros((2, N_FLOWF))
    table[:, FL_END] = NEVER_ENDS
    table[:, FL_RECIPIENT] = 1  # both flows go to the same recipient
    table[1, FL_TOLD] = 1.0  # families are told of flow 1 only
    _, _, fear, _ = month_inputs(table, 0, P, SEGP)
    expected = SEGP[:, S_FEAR0 + 1]
    assert np.array_equal(fear[:, 0], expected) and np.array_equal(fear[:, 1], expected), "default moved a fear"
    halved = P.copy()
    halved[P_REL_FEAR_TOLD] = 0.5
    _, _, fear, _ = month_inputs(table, 0, halved, SEGP)
    assert np.array_equal(fear[:, 0], expected), "an unannounced flow's fear moved with the notice effect"
    assert fear[:, 1] == pytest.approx(np.minimum(expected * 0.5, 1.0)), "a told flow's fear is not scaled"
