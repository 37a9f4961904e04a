"""`disengage evidence`: the behavioural checks read from a results folder, each recomputed here from the tables."""

import csv
import math

import numpy as np
import pytest

from model.analysis.evidence import (
    ENROLMENT_RELATIVE,
    MILESTONES,
    PERSISTENCE,
    Check,
    baseline_level,
    checks,
    persistence,
    table,
)
from model.cli import main
from model.present.results_folder import Results


def test_persistence_is_the_ratio_of_means_at_the_repeal_and_two_years_after():
    a = np.zeros((3, 80))
    a[:, 36] = [0.10, 0.20, 0.30]  # the first month the flows no longer run (end month 36)
    a[:, 60] = [0.08, 0.10, 0.27]
    assert math.isnan(persistence(a[:, :60], 36)[0])  # a run that stops before two years after gives no ratio
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
    compared = 0
    for m in MILESTONES:
        want = eff["national_sui_mandate", f"{m}_change_pp__general"]
        assert rows[f"General population, {m} (points)"].mean == pytest.approx(want, nan_ok=True)
        compared += not np.isnan(want)
    assert compared > 0, "the smoke run should give some general-population effect"
    with (smoke_results / "runs.csv").open() as fh:
        runs = [r for r in csv.DictReader(fh) if r["scenario"] == "baseline"]
    base = np.mean([float(r["gp_registered_share__insecure_immigration"]) for r in runs])
    reg = next(c for what, c in rows.items() if "GP registration" in what)
    assert reg.hi == pytest.approx(-ENROLMENT_RELATIVE * 100 * base, nan_ok=True)  # NaN with no such children
    general = np.mean([float(r["gp_registered_share__general"]) for r in runs])
    assert baseline_level(Results(smoke_results), "gp_registered_share__general") == pytest.approx(100 * general)
    assert not any("repeal" in what for what in rows)  # the smoke experiment has no repealed Bill
    assert main(["evidence", str(smoke_results)]) == (0 if all(c.computed for c in rows.values()) else 1)
    assert "checks pass" in capsys.readouterr().out


def test_a_folder_too_short_for_a_check_says_so_and_exits_1(tmp_path, capsys):
    """Two years of policy cannot show avoidance two years after a repeal in year three: the row says why, the
    summary says the folder is too small, and no NaN is printed."""
    from .conftest import run_tables, write_experiment

    exp = write_experiment(tmp_path, months=24, scenarios=["baseline", "national_sui_mandate",
                                                           "national_mandate_repealed"])  # fmt: skip
    folder = run_tables(exp, tmp_path / "short")
    assert main(["evidence", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "nan" not in out.lower(), out
    assert "cannot be computed: the folder is too small" in out, out
    repeal = next(line for line in out.splitlines() if "after the repeal" in line)
    assert "none: the runs stop before 2 years after the repeal (months: 24)" in repeal and "cannot say" in repeal


def test_a_folder_without_the_exposed_group_prints_no_nan(tmp_path, capsys):
    """At a scale with no insecure-status children the GP registration row names no baseline level instead of
    'from nan%', and the folder is called too small."""
    from .conftest import run_tables, write_experiment

    exp = write_experiment(tmp_path, scale=0.002, months=24, replicates=1)
    folder = run_tables(exp, tmp_path / "tiny")
    assert main(["evidence", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "nan" not in out.lower(), out
    assert "GP registration (points, no baseline level: no children in the group)" in out, out


def test_a_folder_without_the_bill_has_no_check(tmp_path, capsys):
    from .conftest import run_tables, write_experiment

    folder = run_tables(write_experiment(tmp_path, months=14, scenarios=["baseline", "wigan_direct_care"]),
                        tmp_path / "none")  # fmt: skip
    assert main(["evidence", str(folder)]) == 1
    assert "no check applies" in capsys.readouterr().err


def test_headline_and_brief_say_spotted_not_minus_one_unspotted_when_matching_finds_more_needs(smoke_results, tmp_path):
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
    from model.present.report import brief

    summary = brief(Results(folder))
    assert "more children at risk spotted" in summary and "about -" not in summary


def test_a_negative_count_is_said_the_other_way_round():
    from model.present.words import count_phrase

    assert count_phrase("lost_identifications_per_10k", -1.0, 68_000, "Wigan") == (
        "about 7 more children at risk spotted a year in Wigan"
    )
    assert count_phrase("lost_identifications_per_10k", 1.0, 68_000, "Wigan") == (
        "about 7 children at risk missed a year in Wigan"
    )
