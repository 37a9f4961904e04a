"""The baseline rules of issues 13 and 22 against hand-computed references: catch-up timing (a lapsed primary course
fading from its dose's scheduled age, whatever visit falls due; a missed MMR1 at the pre-school visit), the primary
course of a child placed at set-up, episodes of missing education (a two-state chain's steady state, spell length
and whole-year count), data matching (who is flagged, who is found, who gets a letter), the census-day count of
children missing education and a place's own rate of need."""

import math
from pathlib import Path

import numpy as np
import pytest
from numba import njit
from scipy import stats

from model.core import layout as L
from model.core.contacts import Visit, doses_due, household_month, immunisation, vaccination_logit
from model.core.demography import SET_UP, Families, Placing, new_child
from model.core.education import education, matching
from model.core.month import MonthInputs
from model.core.rng import household_key
from model.core.schedule import count_waiting_child, wait_chances
from model.core.step import step_child
from model.inputs.errors import InputError
from model.inputs.params import UNMATCHED_REASONS, load_parameters, monthly, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_place

N = 4000  # children (independent household streams) per test
SIGMA = 4.0  # a share must lie within 4 binomial standard errors of its closed form
CHI2_ALPHA = 0.001  # a chi-square test of a distribution of months fails below this p-value
GENERAL = L.SEGMENTS.index("general")
GRT = L.SEGMENTS.index("grt")
SCHOOL_AGE = 100  # months: inside compulsory school age (60-191)
NEW_CHILD = (0, L.WAIT_UNSET, L.WAIT_UNSET, L.WAIT_UNSET)  # a child placed in month 0: ch_sched's four numbers


@pytest.fixture(scope="module")
def tables():
    params = load_parameters(DEFAULT_PARAMS_DIR)
    P, SEGP = to_arrays(params, 1.8)
    return params, P, SEGP


@njit(cache=True)
def household(P, SEGP, s, seed, f, month, finds=0):
    """A household's month record with no risk, peers at the reference share and zero propensity (compiled: the
    record's 64-bit key stays unsigned)."""
    key = household_key(seed, f, month)
    none = np.zeros((0, 0))  # the month's tables of flows: a household's record reads none of them
    mi = MonthInputs(month, seed, P, SEGP, none, none, none, none, np.zeros(4, dtype=np.int64))
    return household_month(
        mi, f, s, key, arrived=False, finds=finds, risk=0.0, peers=P[L.P_PEER_REF], propensity=0.0, avoiding=False
    )


def onset_certain(SEGP):
    """The segment table with every segment's chance of starting an episode of missing education set to 1."""
    table = SEGP.copy()
    table[:, L.S_H_MISSING_EDUCATION_PER_MONTH] = 1.0
    return table


@njit(cache=True)
def immunise(P, SEGP, s, seed, f, age, flags, c):
    """Step (d) for one child of a household met at month = age."""
    return immunisation(0, age, flags, Visit(-1, 0, 1.0), household(P, SEGP, s, seed, f, age), P, c)[0]


@njit(cache=True)
def episode(P, SEGP, s, seed, f, month, age, flags, c):
    """Step (h) for one child in a month its education changes if it can."""
    return education(age, flags, True, household(P, SEGP, s, seed, f, month, 0), c)


@njit(cache=True)
def scheduled_month(P, SEGP, s, seed, f, month, birth, flags, sched, c, finds=0):
    """One month of the child in slot 0 as `step_family` moves it: in full (`step_child`) in its stored next month
    or a month a match finds children, otherwise only counted. `sched` is (next full step, the streams' waits), as
    ch_sched holds it; returns (flags, sched)."""
    if sched[0] > month and not finds:
        count_waiting_child(0, birth, month, flags, s, seed, f, P, c)
        return flags, sched
    hh = household(P, SEGP, s, seed, f, month, finds)
    flags, _, _, _, nxt, waits = step_child(0, flags, birth, 0, sched[1:], hh, P, c)
    return flags, (nxt,) + waits


@njit(cache=True)
def match(P, SEGP, s, seed, f, month, age, birth, flags, c, finds=1):
    """Step (i) for one child: (flags, letter)."""
    return matching(0, age, birth, flags, 0, household(P, SEGP, s, seed, f, month, finds), P, c)


def counters():
    return np.zeros((L.N_SEG, L.N_COUNTERS), dtype=np.int64)


def dose_months(P, SEGP, seed, start: int, months, given) -> dict[int, int]:
    """N children of the general population starting from `start` flags, immunised month by month: each child's
    first month in which `given(flags)` holds (a child it never holds for is absent)."""
    got = {}
    for f in range(N):
        flags = start
        for m in months:
            flags = immunise(P, SEGP, GENERAL, seed, f, m, flags, counters())
            if given(flags):
                got[f] = m
                break
    return got


def within(observed: int, n: int, p: float) -> bool:
    return abs(observed / n - p) <= SIGMA * math.sqrt(p * (1 - p) / n) + 1 / n


def test_vaccination_logit_fades_a_lapsed_course_from_its_dose_whatever_visit_falls_due(tables):
    """Hand values of the base logit: catch-up fades from the overdue dose's scheduled age; a lapsed 6-in-1 course
    takes that faded logit at the 1-year and pre-school visits too (issue 22: before, the 1-year visit recalled
    it afresh); the pre-school visit offers a missed MMR1 with its own take-up."""
    _, P, _ = tables
    c, d = P[L.P_LOGIT_VACC_CATCHUP], P[L.P_CATCHUP_DECAY_MONTHS]

    def logit(age, d6, mmr, booked=False):
        """The base logit at `age` of a child with d6 6-in-1 and mmr MMR doses (which are due follows from them)."""
        flags = (d6 << L.SHIFT_6IN1) | (mmr << L.SHIFT_MMR)
        return vaccination_logit(age, doses_due(age, flags), booked, P)

    assert logit(5, 2, 0) == pytest.approx(c)  # the first month after the third dose's scheduled age
    assert logit(8, 2, 0) == pytest.approx(c - (8 - 4 - 1) / d)
    assert logit(12, 2, 0) == pytest.approx(c - (12 - 4 - 1) / d)  # a lapsed course at the 1-year visit
    assert logit(13, 2, 1) == pytest.approx(c - (13 - 4 - 1) / d)  # no fresh recall after it
    assert logit(15, 2, 1) == pytest.approx(c - (15 - 4 - 1) / d)
    assert logit(40, 2, 1) == pytest.approx(c - (40 - 4 - 1) / d)  # nor at the pre-school visit
    assert logit(50, 1, 1) == pytest.approx(c - (50 - 3 - 1) / d)
    assert logit(30, 3, 0) == pytest.approx(c - (30 - 12 - 1) / d)
    assert logit(40, 3, 0) == P[L.P_LOGIT_MMR1_PRESCHOOL]
    assert logit(45, 3, 0) == pytest.approx(c - (45 - 12 - 1) / d)
    assert logit(12, 3, 0) == P[L.P_LOGIT_MMR1_DUE]
    assert logit(12, 2, 0, booked=True) == P[L.P_LOGIT_MMR1_DUE]  # dose 3 given at 11 months: the 1-year visit
    assert logit(40, 3, 1) == P[L.P_LOGIT_MMR2_DUE]
    assert logit(3, 1, 0) == P[L.P_LOGIT_VACC_DUE]
    assert logit(14, 1, 1, booked=True) == P[L.P_LOGIT_VACC_DUE]  # booked after last month


def test_a_cohort_missing_mmr1_at_13_months_catches_up_when_the_hand_computed_schedule_says(tables):
    """Children with every 6-in-1 dose and no MMR1 at 13 months: the month of their MMR1 follows the hazard
    p_m = logistic(base_m + segment shift), base_m written out by hand (faded from 12 months; the pre-school
    visit's own take-up at 40), up to the end of catch-up at 72 months. Binned months against a chi-square."""
    params, P, SEGP = tables
    c, d = P[L.P_LOGIT_VACC_CATCHUP], P[L.P_CATCHUP_DECAY_MONTHS]
    shift = SEGP[GENERAL, L.S_SHIFT_ENGAGEMENT]
    months = range(13, L.AGE_CATCHUP_END_MONTHS)

    def base(m: int) -> float:
        if m == 40:
            return math.log(params.value("contacts.p_mmr1_preschool") / (1 - params.value("contacts.p_mmr1_preschool")))
        return c - (m - 12 - 1) / d

    survive, expected = 1.0, {}
    for m in months:
        p = 1.0 / (1.0 + math.exp(-(base(m) + shift)))
        expected[m] = survive * p
        survive *= 1.0 - p
    start = (3 << L.SHIFT_6IN1) | L.F_EXISTS | L.F_REGISTERED
    got = dose_months(P, SEGP, 11, start, months, lambda flags: (flags & L.MASK_MMR) >> L.SHIFT_MMR > 0)
    bins = [(13, 24), (25, 39), (40, 40), (41, 71)]
    observed = [sum(lo <= m <= hi for m in got.values()) for lo, hi in bins] + [N - len(got)]
    exp = [N * sum(expected[m] for m in range(lo, hi + 1)) for lo, hi in bins] + [N * survive]
    test = stats.chisquare(observed, exp)
    assert test.pvalue > CHI2_ALPHA, f"MMR1 catch-up months {observed} against {np.round(exp, 1)}: p={test.pvalue:.3g}"
    assert exp[2] > 0.05 * N * (1 - sum(expected[m] for m in range(13, 40))), "the pre-school visit catches up few"


def test_a_lapsed_primary_course_is_completed_when_the_hand_computed_hazard_says(tables):
    """Children who missed the third 6-in-1 dose at 4 months (two doses, registered): the month of their third dose
    follows p_m = logistic(logit(p_vacc_catchup) - (m - 4 - 1) / catchup_decay_months + segment shift), written
    out by hand, through the 1-year and pre-school visits, to the end of catch-up at 72 months. Binned months
    against a chi-square; the share completing in the second year (COVER's 12-to-24-month gain among them) is the
    closed form 1 - prod over m = 12..23 of (1 - p_m) of those still lapsed at 12 months, within binomial error."""
    _, P, SEGP = tables
    c, d = P[L.P_LOGIT_VACC_CATCHUP], P[L.P_CATCHUP_DECAY_MONTHS]
    shift = SEGP[GENERAL, L.S_SHIFT_ENGAGEMENT]
    months = range(5, L.AGE_CATCHUP_END_MONTHS)
    survive, expected, at_12 = 1.0, {}, 0.0
    for m in months:
        if m == 12:
            at_12 = survive
        p = 1.0 / (1.0 + math.exp(-(c - (m - 4 - 1) / d + shift)))
        expected[m] = survive * p
        survive *= 1.0 - p
    start = (2 << L.SHIFT_6IN1) | L.F_EXISTS | L.F_REGISTERED
    got = dose_months(P, SEGP, 21, start, months, lambda flags: (flags & L.MASK_6IN1) >> L.SHIFT_6IN1 == 3)
    bins = [(5, 7), (8, 11), (12, 23), (24, 71)]
    observed = [sum(lo <= m <= hi for m in got.values()) for lo, hi in bins] + [N - len(got)]
    exp = [N * sum(expected[m] for m in range(lo, hi + 1)) for lo, hi in bins] + [N * survive]
    keep = [i for i, e in enumerate(exp) if e >= 5]  # bins a chi-square can judge; the rest pooled with the last
    obs_k = [observed[i] for i in keep] + [sum(observed[i] for i in range(len(exp)) if i not in keep)]
    exp_k = [exp[i] for i in keep] + [sum(exp[i] for i in range(len(exp)) if i not in keep)]
    if exp_k[-1] == 0:
        obs_k, exp_k = obs_k[:-1], exp_k[:-1]
    test = stats.chisquare(obs_k, exp_k, sum_check=False)
    assert test.pvalue > CHI2_ALPHA, f"third-dose months {observed} against {np.round(exp, 1)}: p={test.pvalue:.3g}"
    lapsed_at_12 = sum(m >= 12 for m in got.values()) + (N - len(got))
    second_year = sum(12 <= m <= 23 for m in got.values())
    p_second = sum(expected[m] for m in range(12, 24)) / at_12
    assert within(second_year, lapsed_at_12, p_second), f"{second_year}/{lapsed_at_12} against {p_second:.4f}"


@njit(cache=True)
def placed_doses(P, SEGP, seed, n, age, month):
    """The 6-in-1 doses of n children of `age` months met at set-up (slot 0 of households 0..n-1)."""
    fam = Families(
        np.zeros(n, dtype=np.uint32),  # the dtypes of population.Population
        np.zeros(n, dtype=np.float32),
        np.zeros((n, L.MAX_CHILDREN), dtype=np.int16),
        np.zeros((n, L.MAX_CHILDREN), dtype=np.uint16),
        np.zeros((n, L.MAX_CHILDREN), dtype=np.int16),
        np.zeros((n, L.MAX_CHILDREN, 1 + L.N_WAITS), dtype=np.int16),
    )
    out = np.zeros(n, dtype=np.int64)
    for f in range(n):
        new_child(Placing(f, month, month, seed, GENERAL), 0, age, SET_UP, P, SEGP, fam)
        out[f] = (fam.ch_flags[f, 0] & L.MASK_6IN1) >> L.SHIFT_6IN1
    return out


def test_a_child_met_at_set_up_kept_its_whole_primary_course_or_none_of_it(tables):
    """`rules.primary_doses_kept`: one draw for the course, so a child past the course has all three doses with
    chance p_init_dose (within binomial error) and otherwise none, never one or two (independent draws would give
    a full course p^3 of the time); a child of 3 months has had at most the one dose already scheduled."""
    params, P, SEGP = tables
    p = params.value("demography.p_init_dose")
    doses = placed_doses(P, SEGP, 23, N, 30, 100)
    assert set(np.unique(doses)) <= {0, 3}
    assert within(int((doses == 3).sum()), N, p), f"full course {np.mean(doses == 3):.4f}, p_init_dose {p}"
    assert set(np.unique(placed_doses(P, SEGP, 23, 200, 3, 100))) <= {0, 1}


def test_missing_education_settles_at_the_segments_share_in_spells_of_the_stated_length(tables):
    """A two-state chain: onset h = p x / (1 - p), return x = 1 - exp(-1/dur), so the share missing settles at
    p; spells are geometric with mean 1/x; the share missing at some point in a year is 1 - (1 - p)(1 - h)^11.
    Each child is moved on as the drivers move it, from full step to full step (its waiting times), so this is
    the law of the scheduled chain, not of monthly draws."""
    params, P, SEGP = tables
    p = params.value("segments.grt.p_missing_education")
    x = 1.0 - math.exp(-1.0 / params.value("education.dur_missing_months"))
    h = SEGP[GRT, L.S_H_MISSING_EDUCATION_PER_MONTH]
    assert P[L.P_P_EDU_RETURN_PER_MONTH] == pytest.approx(x)
    assert h == pytest.approx(p * x / (1 - p))
    burn, year = 60, 12
    start = L.F_EXISTS | L.F_REGISTERED
    flags, onsets = scheduled_children(P, SEGP, GRT, 12, N, burn + year, -SCHOOL_AGE, start, 0, L.K_MISSING_EDU_ONSETS)
    missing = (flags & L.F_MISSING_EDU) != 0
    was = np.concatenate([np.zeros((N, 1), dtype=bool), missing[:, :-1]], axis=1)
    assert (onsets == (missing & ~was)).all(), "an onset is counted in the month an episode starts, and only then"
    spells = []
    for row in missing.astype(np.int8):
        edges = np.flatnonzero(np.diff(np.concatenate([[0], row, [0]])))
        starts, ends = edges[::2], edges[1::2]
        spells += list((ends - starts)[ends < len(row)])  # spells that ended within the run
    now, in_year, onsets = int(missing[:, -1].sum()), int(missing[:, burn:].any(axis=1).sum()), int(onsets.sum())
    assert within(now, N, p), f"share missing {now / N:.4f}, steady state {p:.4f}"
    whole_year = 1 - (1 - p) * (1 - h) ** (year - 1)
    assert within(in_year, N, whole_year), f"missing at some point in a year {in_year / N:.4f}, {whole_year:.4f}"
    assert in_year > 1.5 * now, "a whole-year count must exceed the point-in-time count"
    mean = float(np.mean(spells))
    assert mean == pytest.approx(1 / x, rel=0.06), f"mean spell {mean:.2f} months, expected {1 / x:.2f}"
    assert onsets > 0


@njit(cache=True)
def scheduled_children(P, SEGP, s, seed, n, months, birth, start_flags, match_every, counter):
    """n children, each the child in slot 0 of household f = 0..n-1, placed in month 0 with `start_flags` and born
    in month `birth`, moved on month by month by `scheduled_month` (a match finds children every `match_every`
    months; 0: never). Returns (flags [n, months], the child's `counter` [n, months]), each at the month's end."""
    flags_out = np.zeros((n, months), dtype=np.int64)
    count_out = np.zeros((n, months), dtype=np.int64)
    for f in range(n):
        flags, sched = start_flags, NEW_CHILD
        for m in range(months):
            c = np.zeros((L.N_SEG, L.N_COUNTERS), dtype=np.int64)
            finds = 1 if match_every > 0 and m % match_every == 0 else 0
            flags, sched = scheduled_month(P, SEGP, s, seed, f, m, birth, flags, sched, c, finds)
            flags_out[f, m] = flags
            count_out[f, m] = c[s, counter]
    return flags_out, count_out


def test_no_episode_outside_school_age(tables):
    _, P, SEGP = tables
    certain = onset_certain(SEGP)
    for age in (0, 59, 192, 215):
        assert episode(P, certain, GRT, 13, 0, 5, age, L.F_EXISTS, counters()) == L.F_EXISTS
        assert wait_chances(age, L.F_EXISTS, household(P, certain, GRT, 13, 0, 5), P)[L.W_EDU] == 0.0
    assert wait_chances(100, L.F_EXISTS, household(P, certain, GRT, 13, 0, 5), P)[L.W_EDU] == 1.0


def test_matching_flags_every_unmatched_child_and_finds_only_the_missing(tables):
    """In a match month every school-age child in health records not matched to education is flagged and its
    family written to: the reasons' shares sum to p_unmatched, the same children each match; a child missing
    education is found once an episode; an unregistered child is in no health record, so never flagged."""
    params, P, SEGP = tables
    reasons = sum(params.value(f"education.p_unmatched_{r}") for r in UNMATCHED_REASONS)
    assert P[L.P_P_UNMATCHED] == pytest.approx(reasons)
    in_education = L.F_EXISTS | L.F_REGISTERED
    flagged = {}
    for month in (30, 42):
        c = counters()
        flagged[month] = set()
        for f in range(N):
            flags, letter = match(P, SEGP, GENERAL, 14, f, month, SCHOOL_AGE, month - SCHOOL_AGE, in_education, c)
            assert flags == in_education
            if letter:
                flagged[month].add(f)
        assert c[GENERAL, L.K_MATCHING_FLAGGED] == len(flagged[month])
        assert c[GENERAL, L.K_CME_FOUND] == 0
        assert within(len(flagged[month]), N, P[L.P_P_UNMATCHED]), f"{len(flagged[month]) / N:.4f} flagged"
    # the same child (same birth month) at the second match: the same families are flagged
    birth_30, birth_42 = 30 - SCHOOL_AGE, 42 - SCHOOL_AGE
    assert birth_30 != birth_42
    again = set()
    for f in range(N):
        if match(P, SEGP, GENERAL, 14, f, 42, SCHOOL_AGE + 12, birth_30, in_education, counters())[1]:
            again.add(f)
    assert again == flagged[30]
    missing = in_education | L.F_MISSING_EDU
    c = counters()
    flags, letter = match(P, SEGP, GENERAL, 15, 0, 30, SCHOOL_AGE, -70, missing, c)
    assert letter == 1 and flags & L.F_FOUND
    flags, letter = match(P, SEGP, GENERAL, 15, 0, 42, SCHOOL_AGE + 12, -70, flags, c)
    assert letter == 1
    assert c[GENERAL, L.K_CME_FOUND] == 1 and c[GENERAL, L.K_MATCHING_FLAGGED] == 2
    # a new episode is one no match has found yet
    back = flags & ~L.F_MISSING_EDU
    renewed = episode(P, onset_certain(SEGP), GENERAL, 15, 0, 50, SCHOOL_AGE, back, counters())
    assert renewed & L.F_MISSING_EDU and not renewed & L.F_FOUND
    # not in health records: never flagged
    c = counters()
    assert match(P, SEGP, GENERAL, 15, 0, 30, SCHOOL_AGE, -70, L.F_EXISTS | L.F_MISSING_EDU, c)[1] == 0
    assert c[GENERAL, L.K_MATCHING_FLAGGED] == 0
    # no match this month: nobody flagged, the missing child still counted at a point in time
    c = counters()
    assert match(P, SEGP, GENERAL, 15, 0, 31, SCHOOL_AGE, -70, missing, c, 0)[1] == 0
    assert c[GENERAL, L.K_MISSING_EDU_SCHOOL_AGE] == 1 and c[GENERAL, L.K_MATCHING_FLAGGED] == 0


@njit(cache=True)
def census_counts(P, SEGP, s, seed, month, ages, flags, waiting, finds=0):
    """Children 0..n-1 (slot 0 of households 0..n-1) of the given ages and flags, counted at a point in time as the
    drivers count them: between full steps (`count_waiting_child`) or in a full step (`matching`, a match finding
    children if `finds`). Returns (on no roll or register, known to the authority, whether each child was known)."""
    n = len(ages)
    known = np.zeros(n, dtype=np.bool_)
    total = np.zeros((L.N_SEG, L.N_COUNTERS), dtype=np.int64)
    for f in range(n):
        c = np.zeros((L.N_SEG, L.N_COUNTERS), dtype=np.int64)
        birth = month - ages[f]
        if waiting:
            count_waiting_child(0, birth, month, flags[f], s, seed, f, P, c)
        else:
            matching(0, ages[f], birth, flags[f], 0, household(P, SEGP, s, seed, f, month, finds), P, c)
        known[f] = c[s, L.K_MISSING_EDU_KNOWN] == 1
        total += c
    return total[s, L.K_MISSING_EDU_SCHOOL_AGE], total[s, L.K_MISSING_EDU_KNOWN], known


def with_known(P, p_known):
    table = P.copy()
    table[L.P_P_MISSING_KNOWN] = p_known
    return table


def test_the_census_counts_the_children_missing_education_the_authority_knows_of(tables):
    """A hand-built cohort: two school-age children missing education (one found by a match this episode), one in
    school, one missing below school age, one at 16. On no roll or register: 2. Known to the authority: the found
    child only when nothing else tells it (p_missing_known 0), both when everything does (1), whichever way the
    drivers count a child (waiting or stepped). A match that finds a child makes it known in the month it runs.
    Then 4,000 missing children, none found: the known share is p_missing_known within binomial error, the same
    children in a later month (a standing trait), however they are counted."""
    _, P, SEGP = tables
    missing = L.F_EXISTS | L.F_REGISTERED | L.F_MISSING_EDU
    ages = np.array([SCHOOL_AGE, SCHOOL_AGE, SCHOOL_AGE, 50, L.AGE_SCHOOL_END])
    flags = np.array([missing | L.F_FOUND, missing, L.F_EXISTS | L.F_REGISTERED, missing, missing])
    for waiting in (True, False):
        no_roll, known, who = census_counts(with_known(P, 0.0), SEGP, GENERAL, 16, 40, ages, flags, waiting)
        assert (no_roll, known) == (2, 1) and who[0] and not who[1]
        no_roll, known, who = census_counts(with_known(P, 1.0), SEGP, GENERAL, 16, 40, ages, flags, waiting)
        assert (no_roll, known) == (2, 2) and who[0] and who[1]
    no_roll, known, who = census_counts(with_known(P, 0.0), SEGP, GENERAL, 16, 40, ages, flags, False, 1)
    assert (no_roll, known) == (2, 2), "a match finds the unfound missing child and the authority then knows of it"
    p = 0.6
    ages, flags = np.full(N, SCHOOL_AGE), np.full(N, missing)
    no_roll, known, who = census_counts(with_known(P, p), SEGP, GENERAL, 17, 40, ages, flags, True)
    assert no_roll == N and within(known, N, p), f"known share {known / N:.4f}, p_missing_known {p}"
    later = census_counts(with_known(P, p), SEGP, GENERAL, 17, 52, ages + 12, flags, False)[2]
    assert (later == who).all(), "whether the authority knows of a child is its standing trait"


def test_a_places_need_rate_factor_scales_every_segments_rate_of_need(tables):
    """Wales counts children receiving care and support, a narrower group than England's children in need."""
    params, _, _ = tables
    wales = load_place(DEFAULT_PARAMS_DIR / "places" / "wales.yaml")
    england = load_place(DEFAULT_PARAMS_DIR / "places" / "england.yaml")
    assert england.need_rate_factor == 1.0
    assert wales.need_rate_factor == pytest.approx(270 / 332.9, abs=5e-4)
    _, SEGP = to_arrays(params, wales.mean_children, wales.need_rate_factor)
    for i, seg in enumerate(L.SEGMENTS):
        rate = params.value(f"segments.{seg}.rate_need_per_year") * wales.need_rate_factor
        assert SEGP[i, L.S_H_NEED_PER_MONTH] == pytest.approx(monthly(rate))


def test_a_bad_need_rate_factor_names_the_file_and_field(tmp_path: Path):
    text = (DEFAULT_PARAMS_DIR / "places" / "wales.yaml").read_text().replace("value: 0.811", "value: lots")
    bad = tmp_path / "wales.yaml"
    bad.write_text(text)
    with pytest.raises(InputError) as err:
        load_place(bad)
    assert "need_rate_factor" in str(err.value) and "wales.yaml" in str(err.value)
