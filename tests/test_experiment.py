"""Tier 3: experiments end to end: determinism, paired effects, and the direction of the policy effect."""

import csv
import json
import subprocess
import sys

import pytest

from .conftest import REPO, all_fears, run_tables, write_experiment, write_scenario

TABLES = ("runs.csv", "timeseries.csv", "effects.csv")


def read_effects(folder):
    with (folder / "effects.csv").open(encoding="utf-8") as fh:
        return {(r["scenario"], r["outcome"]): r for r in csv.DictReader(fh)}


def test_same_seed_gives_identical_files_and_other_seeds_differ(tmp_path):
    exp = write_experiment(tmp_path)
    a = run_tables(exp, tmp_path / "a")
    b = run_tables(exp, tmp_path / "b")
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between identical runs"
    ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
    for m in (ma, mb):
        m.pop("started_utc"), m.pop("finished_utc")
    assert ma == mb, "manifests differ beyond their timestamps"
    c = run_tables(write_experiment(tmp_path, name="other", seed=8), tmp_path / "c")
    assert (a / "runs.csv").read_bytes() != (c / "runs.csv").read_bytes(), "a different seed gave the same runs"


def test_copy_of_baseline_gives_exactly_zero_effects(tmp_path):
    copy = write_scenario(tmp_path, "baseline_copy", [])
    out = run_tables(write_experiment(tmp_path, scenarios=["baseline", str(copy)]), tmp_path / "out")
    effects = read_effects(out)
    assert effects, "no effects written"
    for (_scenario, outcome), row in effects.items():
        assert row["mean"] in ("0.0", "NaN") and row["lo"] in ("0.0", "NaN"), f"{outcome}: {row}"


def test_zero_fear_gives_exactly_zero_lost_contacts(tmp_path):
    exp = write_experiment(
        tmp_path,
        scenarios=["baseline", "national_sui_mandate", "wales_cme_matching"],
        overrides=all_fears(lambda v: 0.0),
    )
    effects = read_effects(run_tables(exp, tmp_path / "out"))
    for scenario in ("national_sui_mandate", "wales_cme_matching"):
        for outcome in (
            "lost_safeguarding_contacts_per_10k",
            "coverage_6in1_12m_change_pp",
            "coverage_mmr1_24m_change_pp",
            "gp_registered_share_change_pp",
        ):
            row = effects[(scenario, outcome)]
            assert float(row["mean"]) == 0.0 and float(row["hi"]) == 0.0, f"{scenario} {outcome}: {row}"
    assert float(effects[("national_sui_mandate", "aware_share_change_pp")]["mean"]) > 0, "families never learnt"


def test_more_fear_gives_no_fewer_lost_contacts(tmp_path):
    lost = {}
    for label, factor in (("low", 0.5), ("high", 1.0)):
        exp = write_experiment(
            tmp_path,
            name=label,
            scale=0.03,
            months=48,
            replicates=3,
            overrides=all_fears(lambda v, f=factor: min(1.0, v * f)),
        )
        effects = read_effects(run_tables(exp, tmp_path / label))
        lost[label] = float(effects[("national_sui_mandate", "lost_safeguarding_contacts_per_10k")]["mean"])
    assert lost["high"] >= lost["low"] > 0, f"lost contacts per 10k with fear x0.5 and x1: {lost}"


@pytest.mark.parametrize("experiment", ["smoke.yaml"])
def test_cli_end_to_end(tmp_path, experiment):
    out = tmp_path / "smoke"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "model.cli",
            "run",
            str(REPO / "experiments" / experiment),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    for name in TABLES + ("manifest.json",):
        assert (out / name).stat().st_size > 0, f"{name} empty"
    assert (out / "figures" / "headline.png").stat().st_size > 10_000
    with (out / "runs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["scenario"] for r in rows} == {
        "baseline",
        "wigan_direct_care",
        "wales_cme_matching",
        "national_sui_mandate",
        "national_with_safeguards",
    }
    for col in ("coverage_6in1_12m", "safeguarding_contacts_per_10k", "cme_found_per_10k__grt"):
        assert col in rows[0], f"runs.csv lacks {col}"
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("config_hash", "code_version", "versions", "seeds", "started_utc", "finished_utc", "resolved"):
        assert key in manifest
