"""The measles layer's immunity profile and contact-adjusted immunity, against hand computations and closed forms."""

import numpy as np
import pytest

from model.core.layout import F_EXISTS, MAX_CHILDREN, N_WAITS, SHIFT_MMR
from model.core.population import State
from model.inputs.errors import InputError
from model.inputs.measles_params import load_measles
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.sim.contact_immunity import contact_adjusted_immunity, r_effective, spectral_radius
from model.sim.immunity import age_group_of, find_communities, immunity_profile, p_immune_child

from .conftest import REPO

pytestmark = pytest.mark.fast

MEASLES = DEFAULT_PARAMS_DIR / "measles.yaml"


@pytest.fixture(scope="module")
def mp():
    return load_measles(MEASLES)


def test_params_load_with_their_sources(mp):
    assert mp.contacts.shape == (4, 4), f"POLYMOD UK matrix should be 4 x 4, got {mp.contacts.shape}"
    assert mp.lower_age_months == (0, 12, 60, 180)
    assert 0 < mp.eff_mmr1 <= mp.eff_mmr2 < 1


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("    value: 0.93\n", "    value: 1.5\n", "measles.eff_mmr1.value"),
        ("    source: cdc_mmr_effectiveness\n", "    source: no_such_id\n", "measles.eff_mmr1.source"),
        ("  lower_age_months: [0, 12, 60, 180]", "  lower_age_months: [0, 60, 12, 180]", "lower_age_months"),
    ],
)
def test_bad_input_names_file_and_field(tmp_path, old, new, field):
    text = MEASLES.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in params/measles.yaml"
    (tmp_path / "measles.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "sources.yaml").write_text((REPO / "params" / "sources.yaml").read_text(encoding="utf-8"))
    with pytest.raises(InputError) as err:
        load_measles(tmp_path / "measles.yaml")
    message = str(err.value)
    assert "measles.yaml" in message and field in message and "\n" not in message, message


def test_communities_are_runs_of_the_neighbourhood_within_segment_blocks():
    # segment 0 has 5 households: runs of 2, the remainder joining the last run; segments 1 and 2 are one each
    comm = find_communities(np.array([0, 0, 0, 0, 0, 1, 1, 2]), 2)
    assert comm.of_household.tolist() == [0, 0, 1, 1, 1, 2, 2, 3]
    assert comm.segment.tolist() == [0, 0, 1, 2]
    assert comm.households.tolist() == [2, 3, 2, 1]
    assert comm.label(1) == "general/1" and comm.label(3) == "domestic_abuse/0"


def test_communities_refuse_households_out_of_segment_order():
    with pytest.raises(ValueError, match="contiguous segment blocks"):
        find_communities(np.array([0, 1, 0]), 2)


def test_child_immunity_by_age_and_doses(mp):
    age = np.array([0, 2, 6, 30, 30, 30])
    doses = np.array([0, 0, 0, 0, 1, 2])
    got = p_immune_child(age, doses, mp.with_values(dur_maternal_months=3))
    assert got.tolist() == [1.0, 1.0, 0.0, 0.0, mp.eff_mmr1, mp.eff_mmr2]
    assert age_group_of(np.array([0, 11, 12, 59, 60, 179, 180, 215]), mp.lower_age_months).tolist() == [
        0, 0, 1, 1, 2, 2, 3, 3
    ]


def hand_state(seg, children):
    """A State holding only what the layer reads: segments and children (household, birth month, MMR doses)."""
    n = len(seg)
    flags = np.zeros((n, MAX_CHILDREN), dtype=np.uint16)
    birth = np.zeros((n, MAX_CHILDREN), dtype=np.int16)
    used = [0] * n
    for f, b, d in children:
        k = used[f]
        used[f] += 1
        flags[f, k] = F_EXISTS | (d << SHIFT_MMR)
        birth[f, k] = b
    z = np.zeros(n)
    return State(
        seg=np.asarray(seg, dtype=np.int8), trust=z, propensity=z, social=np.zeros((2, n)), ever=z, engagement=z,
        ch_birth=birth, ch_flags=flags, ch_need_start=birth * 0, ch_sched=np.zeros((n, MAX_CHILDREN, 1 + N_WAITS)),
        nbr_ptr=np.zeros(n + 1, dtype=np.int64), nbr_idx=np.zeros(0, dtype=np.int32),
    )


def test_profile_counts_children_by_community_and_age_group(mp):
    mp = mp.with_values(eff_mmr1=0.9, eff_mmr2=0.95, dur_maternal_months=3, p_immune_adult=0.9)
    month = 100
    # community 0 (segment 0): an infant of 1 month (maternal), a 2-year-old with one dose, a 6-year-old with two;
    # community 1 (segment 1): a 2-year-old with no dose and a 6-year-old with one
    state = hand_state([0, 0, 1], [(0, 99, 0), (0, 76, 1), (1, 28, 2), (2, 76, 0), (2, 28, 1)])
    prof = immunity_profile(state, month, neighbourhood=10, mp=mp)
    assert prof.n.tolist() == [[1, 1, 1, 0], [0, 1, 1, 0]]
    np.testing.assert_allclose(prof.immune, [[1.0, 0.9, 0.95, 0], [0, 0.0, 0.9, 0]])
    r = prof.community_immunity()
    # community 1 has no infant: it takes the place's infant share (1.0); 15+ is the adults' share
    np.testing.assert_allclose(r, [[1.0, 0.9, 0.95, 0.9], [1.0, 0.0, 0.9, 0.9]])
    np.testing.assert_allclose(prof.place_immunity(), [1.0, 0.45, 0.925, 0.9])
    np.testing.assert_allclose(prof.segment_immunity()[1], [1.0, 0.0, 0.9, 0.9])
    assert prof.children_0_14().tolist() == [3, 2]


def test_uniform_immunity_is_its_own_contact_adjusted_immunity(mp):
    for r in (0.0, 0.5, 0.93, 1.0):
        got = contact_adjusted_immunity(np.full(4, r), mp.contacts)
        assert got == pytest.approx(r, abs=1e-12), f"uniform immunity {r} gave contact-adjusted {got}"


def test_two_group_closed_form():
    # K = phi^T; rho of [[s1 a, s1 b], [s2 c, s2 d]] = (s1 a + s2 d)/2 + sqrt(((s1 a - s2 d)/2)^2 + s1 s2 b c)
    phi = np.array([[8.0, 2.0], [1.0, 4.0]])
    a, b, c, d = phi.T.ravel()
    r = np.array([0.9, 0.6])
    s1, s2 = 1 - r

    def rho(s1, s2):
        return (s1 * a + s2 * d) / 2 + np.sqrt(((s1 * a - s2 * d) / 2) ** 2 + s1 * s2 * b * c)

    expected = 1 - rho(s1, s2) / rho(1.0, 1.0)
    assert contact_adjusted_immunity(r, phi) == pytest.approx(expected, rel=1e-12)
    assert spectral_radius(phi) == pytest.approx(rho(1.0, 1.0), rel=1e-12)


def test_a_gap_among_schoolchildren_costs_more_than_among_infants(mp):
    # POLYMOD: 5-14 year-olds make most contacts with each other, so the same gap weighs more there
    base = np.array([0.95, 0.95, 0.95, 0.95])
    infants, school = base.copy(), base.copy()
    infants[0], school[2] = 0.75, 0.75
    got_inf = contact_adjusted_immunity(infants, mp.contacts)
    got_sch = contact_adjusted_immunity(school, mp.contacts)
    assert got_sch < got_inf < 0.95, f"school gap {got_sch:.4f}, infant gap {got_inf:.4f}"
    assert r_effective(0.93, 14.0) == pytest.approx(0.98)


def test_odd_table_states_each_measles_parameter_as_the_file_has_it(mp):
    import re

    from model.inputs.measles_params import BOUNDS

    odd = (REPO / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd.split("### 7.13 ", 1)[1].split("\n---\n", 1)[0]
    for name in BOUNDS:
        row = re.search(rf"^\| `{name}` \| ([^|]+) \|", section, re.M)
        assert row, f"docs/ODD.md section 7.13 has no row for {name}"
        value = getattr(mp, name)
        assert float(row.group(1)) == value, f"{name}: ODD says {row.group(1)}, params/measles.yaml {value}"


def test_cli_refuses_a_bad_measles_setting_in_one_line(capsys):
    from model.cli import EXIT_BAD_INPUT, main

    for item, field in (("r0=abc", "r0"), ("r00=12", "r00"), ("eff_mmr1=1.5", "eff_mmr1"), ("r0", "r0")):
        code = main(["measles", "--replicates", "1", "--set", item])
        err = capsys.readouterr().err.strip()
        assert code == EXIT_BAD_INPUT and err.count("\n") == 0 and f"measles --set: {field}" in err, err


def test_measles_set_is_repeated_as_runs_set_is(capsys, tmp_path):
    """`disengage measles --set a=1 --set b=2`, as `disengage run --set`: one value a flag, each kept (a later flag
    replaced an earlier one before, so the bad first one went unseen; the run is tiny in case it does again)."""
    from model.cli import EXIT_BAD_INPUT, main

    tiny = ["--replicates", "1", "--scale", "0.01", "--months", "3", "--burn-in", "1", "--importations", "0"]
    code = main(["measles", *tiny, "--set", "r00=1", "--set", "r0=12", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_BAD_INPUT and "measles --set: r00" in err, f"exit {code}: {err}"
