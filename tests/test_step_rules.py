"""Tier 1: the formulas that moved out of the household's month into rules.py (issue 24), each against its closed
form, a hand computation or scipy's distribution; and the contacts that apply them, against the same."""

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

from model.core import layout as L
from model.core import rules
from model.core.contacts import Visit, household_month, immunisation, registration, reviews
from model.core.month import MonthInputs
from model.core.rng import household_key
from model.inputs.params import load_parameters, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`): closed forms, and three contacts compiled

SIGMA = 4.0  # a share must lie within 4 binomial standard errors of its closed form
N = 4000  # households (independent streams) in a sampled check
U_GRID = np.linspace(0.0005, 0.9995, 400)  # uniforms at which a quantile is compared with scipy's


def test_catch_up_fades_one_logit_per_decay_months_after_the_month_after_the_offer():
    assert rules.logit_catchup(1.5, 1, 6.0) == 1.5, "the month after the offer has the full logit"
    assert rules.logit_catchup(1.5, 7, 6.0) == pytest.approx(0.5)
    assert rules.logit_catchup(1.5, 19, 6.0) == pytest.approx(-1.5)
    fades = [rules.logit_catchup(0.8, m, 4.0) for m in range(1, 30)]
    assert np.allclose(np.diff(fades), -1 / 4.0), "the fade is linear in the months waited"


def test_an_avoiding_family_keeps_its_share_of_a_contact_and_none_of_a_preventive_one():
    for p in (0.0, 0.13, 0.5, 0.97, 1.0):
        assert rules.p_take_up(p, False, 0.3) == p, "an engaged family keeps all of its chance"
        assert rules.p_take_up(p, True, 0.3) == pytest.approx(0.3 * p)
        assert rules.p_take_up(p, True, rules.REL_PREVENTIVE_AVOIDING) == 0.0, "an avoiding family skips it"


def test_risk_weighs_on_a_contact_only_under_the_contact_decision():
    assert rules.w_risk_at_contact(True, 2.5) == 0.0
    assert rules.w_risk_at_contact(False, 2.5) == 2.5


def test_an_avoiding_family_discloses_as_if_its_risk_were_certain():
    assert rules.disclosure_risk(True, 0.2) == 1.0
    assert rules.disclosure_risk(False, 0.2) == 0.2
    assert rules.p_detect(0.1, 0.4, rules.disclosure_risk(True, 0.0)) == pytest.approx(0.06)


def test_detection_compounds_across_contacts_as_independent_chances():
    ps = (0.1, 0.25, 0.05)
    missed = 1.0
    for p in ps:
        missed = rules.p_missed_after(missed, p)
    assert rules.p_identified_at_contacts(missed) == pytest.approx(1 - 0.9 * 0.75 * 0.95)
    backwards = 1.0
    for p in reversed(ps):
        backwards = rules.p_missed_after(backwards, p)
    assert backwards == pytest.approx(missed), "the order of the contacts does not matter"
    assert rules.p_identified_at_contacts(1.0) == 0.0, "no contact identifies nothing"


def test_a_segment_hears_of_a_flow_through_the_media_at_its_relative_reach_at_most_surely():
    assert rules.p_media_segment(0.2, 1.5) == pytest.approx(0.3)
    assert rules.p_media_segment(0.8, 1.5) == 1.0


def test_children_in_a_household_are_one_plus_a_capped_poisson_quantile():
    for mean in (1.0, 1.8, 2.6):
        lam = mean - 1.0
        want = 1 + np.minimum(stats.poisson.ppf(U_GRID, lam) if lam > 0 else 0 * U_GRID, L.MAX_CHILDREN - 1)
        got = np.array([rules.n_children(u, mean) for u in U_GRID])
        assert np.array_equal(got, want), f"mean {mean}: {got[got != want][:5]} against scipy {want[got != want][:5]}"


def test_usual_trust_is_uniform_around_the_segment_level_within_zero_and_one():
    for trust0, spread in ((0.7, 0.15), (0.9, 0.2), (0.1, 0.2)):
        want = np.clip(stats.uniform(loc=trust0 - spread, scale=2 * spread).ppf(U_GRID), 0.0, 1.0)
        got = np.array([rules.usual_trust(trust0, spread, u) for u in U_GRID])
        assert np.allclose(got, want, rtol=0, atol=1e-12)


def test_propensity_is_a_logistic_with_scale_sd():
    got = np.array([rules.propensity(0.8, u) for u in U_GRID])
    assert np.allclose(got, stats.logistic(scale=0.8).ppf(U_GRID), rtol=1e-12, atol=1e-12)
    assert math.isfinite(rules.propensity(0.8, 0.0)), "a draw of 0 stays finite (kept U_OPEN inside)"


@pytest.fixture(scope="module")
def P_SEGP():
    return to_arrays(load_parameters(DEFAULT_PARAMS_DIR), 1.8)


@njit(cache=True)
def household(P, SEGP, f, avoiding):
    """Household f of the general segment in month 0: no risk, peers at the reference share, no propensity."""
    none = np.zeros((0, 0))
    mi = MonthInputs(0, 11, P, SEGP, none, none, none, none, np.zeros(4, dtype=np.int64))
    key = household_key(11, f, 0)
    return household_month(
        mi, f, 0, key, arrived=False, finds=0, risk=0.0, peers=P[L.P_PEER_REF], propensity=0.0, avoiding=avoiding
    )


@njit(cache=True)
def contacts_taken(P, SEGP, avoiding, n):
    """Over n households: children registered at birth; vaccinated at 2 months (registered); 6-8 week reviews."""
    c = np.zeros((L.N_SEG, L.N_COUNTERS), dtype=np.int64)
    registered, vaccinated, reviewed = 0, 0, 0
    for f in range(n):
        hh = household(P, SEGP, f, avoiding)
        flags = registration(0, 0, L.F_EXISTS, Visit(-1, 0, 1.0), hh, P, c)[0]
        registered += (flags & L.F_REGISTERED) != 0
        flags = immunisation(0, 2, L.F_EXISTS | L.F_REGISTERED, Visit(-1, 0, 1.0), hh, P, c)[0]
        vaccinated += (flags & L.MASK_6IN1) != 0
        flags = reviews(0, 1, L.F_EXISTS, Visit(-1, 0, 1.0), hh, P, c)[0]
        reviewed += (flags & (1 << (L.SHIFT_HV + 2))) != 0
    return registered, vaccinated, reviewed


def test_contacts_apply_the_avoiding_family_s_share(P_SEGP):
    """Registration at birth is taken with rel_register_avoiding x the engaged chance; immunisation and reviews,
    preventive, never."""
    P, SEGP = P_SEGP
    p = rules.logistic(P[L.P_LOGIT_REGISTER_DUE] + SEGP[0, L.S_SHIFT_ENGAGEMENT])
    engaged = contacts_taken(P, SEGP, False, N)
    avoiding = contacts_taken(P, SEGP, True, N)
    for observed, chance in ((engaged[0], p), (avoiding[0], P[L.P_REL_REGISTER_AVOIDING] * p)):
        se = math.sqrt(chance * (1 - chance) / N)
        assert abs(observed / N - chance) <= SIGMA * se + 1 / N, f"registered {observed / N:.4f}, expected {chance:.4f}"
    assert engaged[1] > 0 and engaged[2] > 0, f"engaged families vaccinate and review: {engaged}"
    assert avoiding[1:] == (0, 0), f"avoiding families took preventive contacts: {avoiding}"
