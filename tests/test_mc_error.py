"""The check that a change of the random streams changes no conclusion (model/analysis/mc_error.py).

Its summary is recomputed here by hand from runs.csv with numpy, its verdict from hand-worked numbers, and the
values recorded from before a change (tests/data/) are checked to be the 20-seed headline they claim to be.
"""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from model.analysis import mc_error
from model.core.outcomes import EFFECTS
from model.present.report import HEADLINE_EFFECTS

DATA = Path(__file__).parent / "data"
RECORDED = ("streams_before_headline.csv",)


def test_summary_is_the_mean_and_mcse_of_the_paired_effects(smoke_results):
    rows = list(csv.DictReader((smoke_results / "runs.csv").open(encoding="utf-8")))
    base = {r["replicate"]: r for r in rows if r["scenario"] == "baseline"}
    lost = [
        float(base[r["replicate"]]["safeguarding_contacts_per_10k"]) - float(r["safeguarding_contacts_per_10k"])
        for r in rows
        if r["scenario"] == "national_sui_mandate"
    ]
    got = {(r["scenario"], r["effect"]): r for r in mc_error.summarise(smoke_results)}
    row = got[("national_sui_mandate", "lost_safeguarding_contacts_per_10k")]
    outcome, sign, scale = EFFECTS["lost_safeguarding_contacts_per_10k"]
    assert (outcome, sign, scale) == ("safeguarding_contacts_per_10k", -1, 1.0), "the hand computation assumes this"
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(np.mean(lost), rel=1e-12, abs=1e-12)
    assert row["mcse"] == pytest.approx(np.std(lost, ddof=1) / math.sqrt(3), rel=1e-12, abs=1e-12)


def test_summary_round_trips_through_its_csv(smoke_results, tmp_path):
    rows = mc_error.summarise(smoke_results)
    mc_error.write_summary(rows, tmp_path / "s.csv")
    back = mc_error.read_summary(tmp_path / "s.csv")
    for r in rows:
        got = back[(r["scenario"], r["effect"])]
        assert got["mean"] == r["mean"] or (math.isnan(got["mean"]) and math.isnan(r["mean"]))
        assert got["n"] == r["n"]


def one(mean: float, se: float) -> dict:
    return {"scenario": "bill", "effect": "lost_safeguarding_contacts_per_10k", "mean": mean, "mcse": se, "n": 20}


def test_an_effect_within_two_standard_errors_of_the_difference_passes_and_one_beyond_fails():
    before = {("bill", "lost_safeguarding_contacts_per_10k"): one(1.0, 0.3)}
    # se of the difference sqrt(0.3^2 + 0.4^2) = 0.5: moving by 0.8 is z 1.6, by 1.1 is z 2.2
    (near,) = mc_error.compare(before, [one(1.8, 0.4)])
    (far,) = mc_error.compare(before, [one(2.1, 0.4)])
    assert near.se == pytest.approx(0.5) and near.z == pytest.approx(1.6) and near.within
    assert far.z == pytest.approx(2.2) and not far.within
    zero = {("bill", "lost_safeguarding_contacts_per_10k"): one(0.0, 0.0)}
    (same,) = mc_error.compare(zero, [one(0.0, 0.0)])
    assert same.within, "an effect that is exactly zero before and after has not moved"
    (moved,) = mc_error.compare(zero, [one(0.1, 0.0)])
    assert not moved.within, "with no Monte Carlo error any move is a change"


def test_compare_reads_only_the_headline_effects(smoke_results):
    rows = mc_error.summarise(smoke_results)
    before = {(r["scenario"], r["effect"]): r for r in rows}
    compared = mc_error.compare(before, rows)
    assert {c.effect for c in compared} == set(HEADLINE_EFFECTS) & {r["effect"] for r in rows}
    assert all(c.z == 0.0 for c in compared), "a folder compared with itself has not moved"


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_values_are_the_twenty_seed_headline(name):
    rows = mc_error.read_summary(DATA / name)
    scenarios = {sc for sc, _ in rows}
    assert scenarios == {
        "wigan_direct_care",
        "wales_cme_matching",
        "national_sui_mandate",
        "national_with_safeguards",
        "national_mandate_repealed",
    }
    headline = [rows[(sc, e)] for sc in scenarios for e in HEADLINE_EFFECTS]
    assert all(r["n"] == 20 for r in headline), "every headline effect has all 20 replicates"
    assert max(r["n"] for r in rows.values()) == 20


def test_a_sweep_folder_is_refused_with_a_clear_error(tmp_path):
    from model.core.outcomes import columns
    from model.inputs.errors import InputError

    header = ["scenario", "replicate", "point", "seed", *columns()]
    rows = [[sc, 0, point, 1, *[0.0] * len(columns())] for sc in ("baseline", "bill") for point in (0, 1)]
    with (tmp_path / "runs.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    with pytest.raises(InputError, match="point"):
        mc_error.summarise(tmp_path)


def test_agree_compares_headline_effects_overall_and_in_every_segment(smoke_results, capsys):
    """`mc_error agree A B` (make stratified-check): a folder agrees with itself, segment by segment."""
    assert mc_error.main(["agree", str(smoke_results), str(smoke_results)]) == 0
    out = capsys.readouterr().out
    assert "lost_safeguarding_contacts_per_10k__grt" in out and "outside" not in out


def cmp(z: float, fixed=(False, False), old: float = 0.0, moved=(20, 20)) -> mc_error.Comparison:
    """A comparison whose difference is z standard errors of 1."""
    return mc_error.Comparison("bill", "e", old, old + z, 1.0, fixed, moved)


def test_holm_rejects_by_hand_worked_p_values():
    """z 4.0, 2.2 and 0.5 give two-sided p 6.3e-5, 0.0278 and 0.617; Holm at 0.05 over three compares the
    smallest with 0.05/3 (rejected), the next with 0.05/2 = 0.025 (0.0278 is not under it) and stops there."""
    rows = [cmp(0.5), cmp(4.0), cmp(2.2)]
    fam = mc_error.family_verdict(rows)
    assert [c.z for c in fam.rejected] == [4.0] and not fam.agrees
    assert mc_error.family_verdict([cmp(0.5), cmp(2.2), cmp(-2.3)]).agrees, "2.2 and -2.3 alone are chance in three"


def test_fixed_effects_are_sorted_not_tested():
    """Equal in every replicate of both: agreement; fixed in one folder only: listed, not tested (no Monte Carlo
    error to judge by); fixed in both at different values: a disagreement however small."""
    fam = mc_error.family_verdict([cmp(0.0, (True, True)), cmp(9.0, (True, False)), cmp(0.5)])
    assert len(fam.exact) == 1 and len(fam.one_fixed) == 1 and len(fam.tested) == 1 and fam.agrees
    apart = mc_error.family_verdict([cmp(1e-6, (True, True))])
    assert len(apart.both_fixed_apart) == 1 and not apart.agrees
    sparse = mc_error.family_verdict([cmp(9.0, moved=(4, 20)), cmp(9.0, moved=(20, 1)), cmp(9.0, moved=(5, 5))])
    assert len(sparse.sparse) == 2 and [c.moved for c in sparse.rejected] == [(5, 5)], "tested from 5 moved up"


def test_summary_counts_the_replicates_an_effect_moved_in(smoke_results):
    """`moved`: replicates whose paired effect is not zero, by hand from the same per-replicate effects."""
    effects = mc_error.replicate_effects(smoke_results)
    for row in mc_error.summarise(smoke_results):
        values = effects[(row["scenario"], row["effect"])]
        assert row["moved"] == sum(1 for v in values if v != 0 and not math.isnan(v))


def test_a_family_of_agreeing_comparisons_fails_at_the_stated_rate_and_a_planted_shift_is_found(monkeypatch):
    """400 comparisons of two samples that agree exactly (z standard normal): at 2 standard errors each nearly every
    family has one outside (1 - 0.9545^400), but the family verdict fails in about 5% of families (at most 33 of
    400: binomial(400, 0.05) exceeds 33 with chance 0.002); one comparison moved by 6 standard errors is found in
    nearly every family (Holm's first threshold 0.05/400 is z 3.84, passed by N(6, 1) with chance 0.985)."""
    import gc

    monkeypatch.setattr(gc, "collect", lambda *_: 0)  # statsmodels' Holm collects garbage on every call: 0.15 s each
    rng = np.random.default_rng(20261207)
    families, size = 400, 400
    any_outside = failed = found = 0
    for _ in range(families):
        z = rng.standard_normal(size)
        any_outside += bool((np.abs(z) > 2.0).any())
        failed += not mc_error.family_verdict([cmp(float(v)) for v in z]).agrees
        z[0] += 6.0
        found += not mc_error.family_verdict([cmp(float(v)) for v in z]).agrees
    assert any_outside == families
    assert failed <= 33, f"{failed} of {families} agreeing families failed (expected about 20)"
    assert found >= 380, f"a 6-standard-error shift found in {found} of {families} families (expected about 394)"
