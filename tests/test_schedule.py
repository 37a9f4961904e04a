"""Children stepped by schedule, not polled: the waits against scipy's geometric law, and a scheduled child's
rare events (illness; identification of a need by other routes) against independent monthly chances, with and
without data matches stepping it out of turn."""

import math

import numpy as np
import pytest
from scipy import stats

from model.core import layout as L
from model.core import rules

from .test_baseline_rules import GENERAL, scheduled_children, tables  # noqa: F401 (a fixture)

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`)

CHI2_ALPHA = 0.001  # a chi-square test fails below this p-value
SIGMA = 4.0  # a share lies within 4 binomial standard errors of its closed form


@pytest.mark.parametrize("p", [0.003, 0.03, 0.1, 0.5, 0.97])
def test_months_to_the_next_event_are_geometric(p):
    """On an even grid of uniforms the share of waits longer than g months is (1 - p)^g, scipy's geom.sf(g, p),
    to within the grid's step: waiting this long is the law of drawing the event each month."""
    n = 200_000
    waits = np.array([rules.months_to_next_event((i + 0.5) / n, p) for i in range(n)])
    assert waits.min() == 1
    for g in (1, 2, 3, 5, 10, 30, 100):
        assert abs((waits > g).mean() - stats.geom.sf(g, p)) <= 1.0 / n + 1e-12, g


def test_no_chance_is_never_and_a_certain_event_is_next_month():
    assert rules.months_to_next_event(0.0, 0.0) == rules.NO_EVENT_GAP
    assert rules.months_to_next_event(0.999, 1.0) == 1
    assert L.NEVER < rules.months_to_next_event(1.0 - 1e-16, 1e-12) <= rules.NO_EVENT_GAP, "beyond any run, no overflow"


@pytest.mark.parametrize("match_every", [0, 6])
def test_a_scheduled_childs_illnesses_are_independent_monthly_chances(tables, match_every):  # noqa: F811 (fixture)
    """A child stepped only in its next month still falls ill in each month with p_illness_over5_per_month,
    independently of other months: the monthly rate, the chance of two months running, and the number of months
    ill in 100 against scipy's binomial law, with or without matches stepping it out of turn."""
    _, P, SEGP = tables
    SEGP = SEGP.copy()
    SEGP[:, L.S_H_NEED_PER_MONTH] = 0.0
    SEGP[:, L.S_H_MISSING_EDUCATION_PER_MONTH] = 0.0
    p = P[L.P_P_ILLNESS_OVER5_PER_MONTH]
    start = L.F_EXISTS | L.F_REGISTERED
    ill = scheduled_children(P, SEGP, GENERAL, 3, 3000, 100, -80, start, match_every, L.K_DECISIONS)[1]
    assert ill.max() == 1, "unscheduled care is this child's only decision"
    n = ill.size
    assert abs(ill.mean() - p) <= SIGMA * math.sqrt(p * (1 - p) / n)
    both = (ill[:, 1:] & ill[:, :-1]).mean()
    assert abs(both - p * p) <= SIGMA * math.sqrt(p * p * (1 - p * p) / ill[:, 1:].size), "months are independent"
    counts = np.bincount(ill.sum(axis=1), minlength=12)
    expected = stats.binom.pmf(np.arange(12), 100, p) * len(ill)
    expected[-1] += stats.binom.sf(11, 100, p) * len(ill)
    counts = np.append(counts[:11], counts[11:].sum())
    assert stats.chisquare(counts, expected).pvalue > CHI2_ALPHA


def test_a_child_with_a_dose_due_or_unregistered_is_stepped_every_month():
    from model.core.step import next_due_age

    assert next_due_age(30, L.F_EXISTS) == 31, "unregistered: a chance to register each month"
    done = L.F_EXISTS | L.F_REGISTERED | (3 << L.SHIFT_6IN1) | (2 << L.SHIFT_MMR)
    assert next_due_age(41, (done & ~L.MASK_MMR) | (1 << L.SHIFT_MMR)) == 42, "MMR2 overdue: catch-up"
    assert next_due_age(30, done) == 40, "all doses: the pre-school visit"
    assert next_due_age(100, done) == L.AGE_SCHOOL_END
    assert next_due_age(200, done) == L.AGE_OUT_MONTHS
    assert next_due_age(70, done & ~L.MASK_MMR) == 71, "catch-up runs to the 6th birthday"
    assert next_due_age(72, done & ~L.MASK_MMR) == L.AGE_SCHOOL_END, "and then stops"


def test_a_need_is_identified_by_other_routes_at_its_monthly_chance_from_the_month_it_begins(tables):  # noqa: F811
    """Identification by other routes may come in the month the need begins and in each month after with
    p_detect_other_per_month: months to it follow scipy's geometric law from 0 (a chi-square)."""
    _, P, SEGP = tables
    SEGP = SEGP.copy()
    SEGP[:, L.S_H_NEED_PER_MONTH] = 1.0
    SEGP[:, L.S_H_MISSING_EDUCATION_PER_MONTH] = 0.0
    P = P.copy()
    P[L.P_P_ILLNESS_OVER5_PER_MONTH] = 0.0
    p = P[L.P_P_DETECT_OTHER_PER_MONTH]
    months = 60
    start = L.F_EXISTS | L.F_REGISTERED
    flags = scheduled_children(P, SEGP, GENERAL, 4, 20_000, months, -100, start, 0, L.K_CHILDREN)[0]
    identified = (flags & L.F_IDENTIFIED) != 0
    assert (flags[:, 0] & L.F_NEED).all(), "every need begins in month 0"
    t = np.where(identified.any(axis=1), identified.argmax(axis=1), months)
    counts = np.bincount(np.minimum(t, 30), minlength=31)
    expected = np.append(stats.geom.pmf(np.arange(1, 31), p), stats.geom.sf(30, p)) * len(t)  # 0..29, 30 or more
    assert stats.chisquare(counts, expected).pvalue > CHI2_ALPHA
