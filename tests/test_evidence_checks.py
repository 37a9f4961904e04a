"""`disengage evidence`: the behavioural checks read from a results folder, each recomputed here from the tables."""

import csv

import numpy as np
import pytest

from model.analysis.evidence import ENROLMENT_RELATIVE, PERSISTENCE, Check, checks, persistence, table
from model.cli import main


def test_persistence_is_the_ratio_of_means_two_years_after_the_last_month_the_flows_ran():
    a = np.zeros((3, 80))
    a[:, 35] = [0.10, 0.20, 0.30]  # the last month the flows ran (end month 36)
    a[:, 59] = [0.08, 0.10, 0.27]
    mean, (lo, hi) = persistence(a, 36)
    assert mean == pytest.approx((0.08 + 0.10 + 0.27) / (0.10 + 0.20 + 0.30))
    ratios = [0.8, 0.5, 0.9]
    assert lo == pytest.approx(np.percentile(ratios, 5)) and hi == pytest.approx(np.percentile(ratios, 95))


def test_a_check_passes_only_inside_its_evidence_range():
    inside = Check("x", "e", *PERSISTENCE, 0.83, (0.7, 0.9))
    assert inside.passed and not Check("x", "e", *PERSISTENCE, 0.70, (0.6, 0.8)).passed
    assert "| no |" in table([Check("x", "e", -5.5, -4.3, -2.3, (-4.6, -0.5))])


def test_the_bills_checks_read_effects_and_runs_of_the_smoke_results(smoke_results, capsys):
    rows = {c.what: c for c in checks(smoke_results)}
    with (smoke_results / "effects.csv").open() as fh:
        eff = {(r["scenario"], r["outcome"]): float(r["mean"]) for r in csv.DictReader(fh)}
    general = rows["General population, coverage_mmr1_24m (points)"]
    assert general.mean == pytest.approx(eff["national_sui_mandate", "coverage_mmr1_24m_change_pp__general"])
    with (smoke_results / "runs.csv").open() as fh:
        base = [float(r["gp_registered_share__insecure_immigration"]) for r in csv.DictReader(fh)
                if r["scenario"] == "baseline"]  # fmt: skip
    reg = next(c for what, c in rows.items() if "GP registration" in what)
    assert reg.hi == pytest.approx(-ENROLMENT_RELATIVE * 100 * np.mean(base))
    assert not any("repeal" in what for what in rows)  # the smoke experiment has no repealed Bill
    assert main(["evidence", str(smoke_results)]) == 0
    assert "checks pass" in capsys.readouterr().out


def test_the_headline_says_spotted_not_minus_one_unspotted_when_matching_finds_more_needs(smoke_results, tmp_path):
    """A negative count of children unspotted reads as nonsense: the sentence turns it round."""
    import shutil

    from model.present.headlines import headline_sentence, worst_policy
    from model.present.results_folder import Results

    from .csv_edit import edit_rows

    folder = tmp_path / "smoke"
    shutil.copytree(smoke_results, folder)
    worst = worst_policy(Results(folder), "lost_safeguarding_contacts_per_10k")

    def negative(row):
        if row["scenario"] == worst and row["outcome"] == "lost_identifications_per_10k":
            row["mean"] = "-40"
        return row

    assert edit_rows(folder / "effects.csv", negative) == 1
    text = headline_sentence(Results(folder))
    assert "more children at risk a year would be spotted" in text and "about -" not in text
