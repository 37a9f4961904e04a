"""Uncertainty in behaviour: per-replicate draws are seeded, inside their ranges, paired across scenarios,
recorded in the manifest and distributed as configured."""

import json

import numpy as np
import pytest
from scipy import stats

from model.cli import main
from model.core.layout import SEGMENTS
from model.experiments.experiment import load_experiment, plan_runs, replicate_params
from model.experiments.uncertainty import drawn_values, load_uncertainty
from model.inputs.params import load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR

from .conftest import run_tables, write_experiment, write_scenario

ALL_BEHAVIOUR = {"distribution": "triangular", "parameters": ["avoidance_entry", "awareness_speed", "trust_dynamics"]}
KS_P_MIN = 0.001  # a correct sampler fails this Kolmogorov-Smirnov test one time in a thousand
N_DRAWS = 2000


def test_draws_are_seeded_inside_ranges_and_shared_by_every_scenario_of_a_replicate(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, replicates=3, uncertainty=ALL_BEHAVIOUR))
    again = load_experiment(write_experiment(tmp_path, name="again", replicates=3, uncertainty=ALL_BEHAVIOUR))
    drawn = [drawn_values(exp.uncertainty, exp.params, exp.seed, r) for r in range(3)]
    assert drawn == [drawn_values(again.uncertainty, again.params, again.seed, r) for r in range(3)]
    assert drawn[0] != drawn[1], "two replicates drew the same values"
    assert len(drawn[0]) == 8 + 5 + 3, f"drew {sorted(drawn[0])}"
    for values in drawn:
        for path, v in values.items():
            p = exp.params.entries[path]
            assert p.lo <= v <= p.hi, f"{path} = {v} outside [{p.lo}, {p.hi}]"
    for spec in plan_runs(exp):
        assert spec.params == replicate_params(exp, spec.replicate), "scenarios of a replicate ran different draws"
    assert replicate_params(exp, 0).value("behaviour.w_risk") == exp.params.value("behaviour.w_risk")


def test_avoidance_entry_shares_one_quantile_across_segments(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, uncertainty=ALL_BEHAVIOUR))
    for r in range(5):
        values = drawn_values(exp.uncertainty, exp.params, exp.seed, r)
        quantiles = set()
        for seg in SEGMENTS:
            p = exp.params.entries[f"segments.{seg}.rel_avoid"]
            shape = stats.triang((p.value - p.lo) / (p.hi - p.lo), p.lo, p.hi - p.lo)
            quantiles.add(round(shape.cdf(values[f"segments.{seg}.rel_avoid"]), 6))
        assert len(quantiles) == 1, f"replicate {r}: segments drew at different quantiles {sorted(quantiles)}"


@pytest.mark.parametrize("distribution", ["uniform", "triangular"])
def test_draws_follow_the_named_distribution(distribution):
    params = load_parameters(DEFAULT_PARAMS_DIR)
    unc = load_uncertainty("x.yaml", {"distribution": distribution, "parameters": ["trust.erosion_unexpected"]}, params)
    p = params.entries["trust.erosion_unexpected"]
    draws = np.array([drawn_values(unc, params, 99, r)["trust.erosion_unexpected"] for r in range(N_DRAWS)])
    if distribution == "uniform":
        reference = stats.uniform(p.lo, p.hi - p.lo)
    else:
        reference = stats.triang((p.value - p.lo) / (p.hi - p.lo), p.lo, p.hi - p.lo)
    result = stats.kstest(draws, reference.cdf)
    assert result.pvalue > KS_P_MIN, f"{distribution} draws of erosion_unexpected: KS p = {result.pvalue:.2g}"


def test_manifest_records_each_replicates_draw_and_a_baseline_copy_still_gives_zero_effects(tmp_path):
    copy = write_scenario(tmp_path, "baseline_copy", [])
    path = write_experiment(tmp_path, scenarios=["baseline", str(copy)], uncertainty=ALL_BEHAVIOUR)
    out = run_tables(path, tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text())
    exp = load_experiment(path)
    assert manifest["replicate_parameters"] == {
        str(r): drawn_values(exp.uncertainty, exp.params, exp.seed, r) for r in range(exp.replicates)
    }
    assert manifest["resolved"]["uncertainty"]["distribution"] == "triangular"
    effects = (out / "effects.csv").read_text().splitlines()[1:]
    assert effects and all(",0.0,0.0,0.0," in line or ",NaN,NaN,NaN," in line for line in effects), effects[:3]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"distribution": "lognormal", "parameters": ["trust_dynamics"]}, "uncertainty.distribution: expected one of"),
        ({"distribution": "uniform", "parameters": ["vibes"]}, "uncertainty.parameters[0]: expected a group"),
        ({"distribution": "uniform", "parameters": []}, "uncertainty.parameters: expected a non-empty list"),
        (
            {"distribution": "uniform", "parameters": ["trust_dynamics", "trust.erosion_told"]},
            "uncertainty.parameters[1]: expected parameters named once only",
        ),
        ({"distribution": "uniform"}, "uncertainty.parameters: expected this key to be present"),
    ],
)
def test_bad_uncertainty_section_fails_in_one_line(capsys, tmp_path, section, expected):
    path = write_experiment(tmp_path, uncertainty=section)
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, f"exit {code}: {err}"
    assert "tiny.yaml: " + expected in err, err
