"""Designs and sensitivity: SALib samples the points, bad `design:` input gets one clear line, and indices are right."""

import csv

import pytest

from model.analysis.sensitivity import NOISE_PARAMETER, run_sensitivity
from model.experiments.experiment import load_experiment, plan_runs

from .conftest import run_tables, write_experiment
from .test_bad_input import bad_run, run_cli

NO_EFFECT_ST = 0.05  # a parameter the effect cannot see must get a total index below this
DRIVER_ST = 0.5  # the parameter that moves the effect must get a total index above this
SOBOL_N = 8


PER_CONTACT = {"behaviour.decision": "contact"}  # w_risk acts only in the per-contact decision (docs/ODD.md 7.4a)


def sensitivity_rows(folder, outcome):
    with (folder / "sensitivity.csv").open(encoding="utf-8") as fh:
        return {r["parameter"]: r for r in csv.DictReader(fh) if r["outcome"] == outcome}


def test_grid_is_full_factorial_and_samplers_respect_ranges(tmp_path):
    grid = load_experiment(
        write_experiment(
            tmp_path, name="g", overrides=PER_CONTACT,
            design={"grid": {"behaviour.w_risk": [1.0, 2.0, 3.0], "network.degree": [4, 8]}},
        )
    )
    assert grid.design.points == tuple((w, d) for w in (1.0, 2.0, 3.0) for d in (4, 8)), grid.design.points
    assert len(plan_runs(grid)) == 6 * 2 * 2, "every point should run every scenario for every replicate"
    lhs = load_experiment(
        write_experiment(
            tmp_path,
            name="l",
            overrides=PER_CONTACT,
            design={"lhs": {"n_samples": 10, "parameters": {"behaviour.w_risk": [0.5, 4.0], "network.degree": None}}},
        )
    )
    table_lo, table_hi = lhs.params.entries["network.degree"].lo, lhs.params.entries["network.degree"].hi
    assert len(lhs.design.points) == 10
    for w, d in lhs.design.points:
        assert 0.5 <= w <= 4.0 and isinstance(d, int) and table_lo <= d <= table_hi, (w, d)
    again = load_experiment(write_experiment(tmp_path, name="l2", overrides=PER_CONTACT, design=lhs.raw["design"]))
    assert again.design.points == lhs.design.points, "the same experiment drew a different sample"


@pytest.mark.parametrize(
    ("design", "message"),
    [
        ({}, "design: expected a method (grid, lhs, sobol or morris) and/or target_mcse"),
        ({"latin": {}}, "design.latin: expected a known key"),
        (
            {"grid": {"behaviour.w_risk": [1.0]}, "lhs": {}},
            "design: expected one of grid, lhs, sobol or morris, not several",
        ),
        ({"grid": {"behaviour.nonsense": [1.0]}}, "design.grid.behaviour.nonsense: expected a known parameter path"),
        (
            {"grid": {"behaviour.w_risk": [1.0, -1.0]}},
            "design.grid.behaviour.w_risk[1]: expected a number in [0.0, 50.0], got -1.0",
        ),
        (
            {"grid": {"behaviour.w_risk": 2.0}},
            "design.grid.behaviour.w_risk: expected a non-empty list of values, got 2.0",
        ),
        (
            {"grid": {"network.degree": [4.5]}},
            "design.grid.network.degree[0]: expected an integer in [0, 200], got 4.5",
        ),
        (
            {"sobol": {"n_samples": 10, "parameters": {"behaviour.w_risk": None}}},
            "design.sobol.n_samples: expected a power of 2",
        ),
        (
            {"sobol": {"n_samples": 8, "parameters": {"behaviour.w_risk": [3.0, 1.0]}}},
            "design.sobol.parameters.behaviour.w_risk: expected lo < hi",
        ),
        ({"lhs": {"n_samples": 8, "parameters": {"behaviour.w_risk": [1.0]}}}, "expected a range [lo, hi], or nothing"),
        ({"lhs": {"n_samples": 8}}, "design.lhs.parameters: expected this key to be present"),
        ({"morris": {"n_samples": 4, "parameters": {"network.degree": None}}}, "expected a continuous parameter"),
        (
            {"morris": {"n_samples": 4, "levels": 3, "parameters": {"behaviour.w_risk": None}}},
            "design.morris.levels: expected an even number",
        ),
        (
            {"grid": {"behaviour.w_peer": [1.0]}},
            "design.grid.behaviour.w_peer: expected a parameter not also set in `overrides`",
        ),
        (
            {"target_mcse": {"effects": {"lost_nothing": 1.0}, "max_replicates": 4}},
            "design.target_mcse.effects.lost_nothing: expected an effect name",
        ),
        (
            {"target_mcse": {"effects": {"lost_identifications_per_10k": 0}, "max_replicates": 4}},
            "expected a tolerance > 0",
        ),
        (
            {"target_mcse": {"effects": {"lost_identifications_per_10k": 1.0}, "max_replicates": 1}},
            "design.target_mcse.max_replicates: expected an integer >= 2",
        ),
    ],
)
def test_bad_design_gets_one_clear_line(capsys, tmp_path, design, message):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, design=design, overrides={"behaviour.w_peer": 1.0}))
    assert "tiny.yaml: " in err and message in err, err


@pytest.fixture(scope="module")
def sobol_results(tmp_path_factory):
    """A Sobol design over w_risk (drives lost contacts under the per-contact decision, where it is live) and
    p_detect_matching (no matching flow: no effect)."""
    tmp = tmp_path_factory.mktemp("sobol")
    exp = write_experiment(
        tmp,
        name="sobol",
        scenarios=["baseline", "national_with_safeguards"],
        replicates=2,
        overrides=PER_CONTACT,
        design={
            "sobol": {
                "n_samples": SOBOL_N,
                "parameters": {"behaviour.w_risk": [0.5, 4.0], "safeguarding.p_detect_matching": None},
            }
        },
    )
    out = run_tables(exp, tmp / "out", workers=2)
    run_sensitivity(out)  # draws the figures and report, sensitivity.png among them
    return out


def test_parameter_outside_the_model_gets_sobol_total_index_near_zero(sobol_results):
    rows = sensitivity_rows(sobol_results, "lost_safeguarding_contacts_per_10k")
    dummy, driver = rows["safeguarding.p_detect_matching"], rows["behaviour.w_risk"]
    assert abs(float(dummy["ST"])) < NO_EFFECT_ST and abs(float(dummy["S1"])) < NO_EFFECT_ST, f"no-effect row: {dummy}"
    assert float(driver["ST"]) > DRIVER_ST, f"w_risk should drive lost contacts: {driver}"
    assert dummy["mu_star"] == "" and dummy["method"] == "sobol", "Sobol rows should leave Morris cells empty"
    noise = rows[NOISE_PARAMETER]
    assert 0.0 <= float(noise["ST"]) < 1.0, f"replicate noise share should be a share: {noise}"
    with (sobol_results / "runs.csv").open() as fh:
        assert sum(1 for _ in fh) - 1 == SOBOL_N * (2 + 2) * 2 * 2, "Sobol runs N x (D + 2) points x scenarios x reps"
    assert (sobol_results / "figures" / "sensitivity.png").stat().st_size > 10_000


def test_sensitivity_is_reproducible_and_undefined_where_nothing_varies(sobol_results, monkeypatch):
    first = (sobol_results / "sensitivity.csv").read_bytes()
    # the second analysis only: the fixture's first one drew the figures and report from this csv
    monkeypatch.setattr("model.present.report.figures_and_report", lambda folder, manifest=None: [])
    run_sensitivity(sobol_results)
    assert (sobol_results / "sensitivity.csv").read_bytes() == first, "sensitivity.csv changed on a second analysis"
    # awareness does not depend on either parameter: its indices are undefined, not zero
    rows = sensitivity_rows(sobol_results, "aware_share_change_pp")
    assert rows["behaviour.w_risk"]["ST"] == "NaN", rows["behaviour.w_risk"]


def test_morris_ranks_the_driver_above_the_parameter_outside_the_model(tmp_path):
    exp = write_experiment(
        tmp_path,
        scenarios=["baseline", "national_with_safeguards"],
        replicates=1,
        overrides=PER_CONTACT,
        design={
            "morris": {
                "n_samples": 4,
                "parameters": {"behaviour.w_risk": [0.5, 4.0], "safeguarding.p_detect_matching": None},
            }
        },
    )
    out = run_tables(exp, tmp_path / "out", workers=1)
    run_sensitivity(out)
    rows = sensitivity_rows(out, "lost_safeguarding_contacts_per_10k")
    assert float(rows["safeguarding.p_detect_matching"]["mu_star"]) == 0.0, rows["safeguarding.p_detect_matching"]
    assert float(rows["behaviour.w_risk"]["mu_star"]) > 0.0, rows["behaviour.w_risk"]
    assert rows["behaviour.w_risk"]["ST"] == "" and NOISE_PARAMETER not in rows, "one replicate cannot show noise"


def test_sensitivity_refuses_a_grid_or_an_unfinished_folder(capsys, tmp_path):
    grid = {"grid": {"behaviour.w_risk": [1.0, 2.0]}}
    out = run_tables(write_experiment(tmp_path, overrides=PER_CONTACT, design=grid), tmp_path / "g")
    code, err = run_cli(capsys, "sensitivity", str(out))
    assert code == 2 and "resolved.design.method: expected a sobol or morris design, got 'grid'" in err, err
    code, err = run_cli(capsys, "sensitivity", str(tmp_path / "nowhere"))
    assert code == 2 and "expected a finished results folder" in err, err


def test_reproduce_repeats_a_design_with_its_added_replicates(tmp_path):
    from model.experiments.reproduce import reproduce

    target = {"effects": {"aware_share_change_pp": 1e-9}, "max_replicates": 3, "batch_replicates": 1}
    design = {"grid": {"behaviour.w_risk": [1.0, 3.0]}, "target_mcse": target}
    out = run_tables(write_experiment(tmp_path, months=24, overrides=PER_CONTACT, design=design), tmp_path / "out")
    outcome = reproduce(out)
    assert outcome.identical and outcome.n_runs == 2 * 2 * 3, outcome.text()
