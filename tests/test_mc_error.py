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
