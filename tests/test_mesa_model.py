"""The Mesa model as Mesa's own tools drive it: built from names, never changes its inputs, batch_run works."""

import csv
import json
import math

import mesa
import numpy as np
import pytest

from model import DisengageModel, effects, simulate
from model.inputs.errors import InputError
from model.inputs.params import load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.sim.build import load_named

from .conftest import run_tables, write_experiment

SMALL = {"place": "wigan", "scale": 0.01, "months": 30, "burn_in_months": 6}


def test_model_built_from_names_equals_simulate_on_both_drivers():
    params, place, scenario = load_named("test", "wigan", "national_sui_mandate", None, None, None)
    expected = simulate(params, place, 0.01, scenario, 30, 6, 5, "kernel")
    for driver in ("agents", "kernel"):
        model = DisengageModel(**SMALL, policy="national_sui_mandate", driver=driver, rng=5)
        model.run_model()
        assert np.array_equal(model.counters(), expected), f"{driver}: counters differ from simulate's"


def test_two_models_from_the_same_arguments_have_the_same_history_and_inputs_stay_unchanged():
    params = load_parameters(DEFAULT_PARAMS_DIR)
    before = dict(params.entries)
    overrides = {"engagement.rel_avoid_aware": 0.02}
    runs = []
    for _ in range(2):
        model = DisengageModel(**SMALL, overrides=overrides, params=params, rng=9)
        model.run_model()
        runs.append(model.counters())
    assert np.array_equal(runs[0], runs[1]), "two models built alike must step alike"
    assert dict(params.entries) == before and overrides == {"engagement.rel_avoid_aware": 0.02}, "inputs were changed"


def test_running_turns_false_after_months_and_the_collector_has_one_row_a_month():
    model = DisengageModel(**SMALL, rng=2)
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == SMALL["months"], f"the model stopped after {steps} months, expected {SMALL['months']}"
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == SMALL["months"] and "coverage_mmr1_24m" in frame.columns
    agents = model.datacollector.get_agent_vars_dataframe()
    assert {"segment", "trust", "aware_flows", "children_registered"} <= set(agents.columns)
    assert agents["trust"].between(0, 1).all() and (agents["children_registered"] >= 0).all()
    assert model.policy == "national_sui_mandate" and not hasattr(model.scenario, "flows"), (
        "Mesa's own model.scenario must stay Mesa's"
    )


def test_bad_arguments_name_the_field():
    with pytest.raises(InputError, match="DisengageModel: policy"):
        DisengageModel(**SMALL, policy="no_such_policy")
    with pytest.raises(InputError, match="DisengageModel: burn_in_months"):
        DisengageModel(place="wigan", scale=0.01, months=10, burn_in_months=10)


def test_batch_run_equals_disengage_run(tmp_path):
    """batch_run over two policies and two seeds gives timeseries.csv's numbers for the same settings."""
    policies = ["baseline", "national_sui_mandate"]
    exp = write_experiment(
        tmp_path, name="pair", scenarios=policies, replicates=2, seed=11, months=24, burn_in_months=6, scale=0.01
    )
    out = run_tables(exp, tmp_path / "pair")
    seeds = json.loads((out / "manifest.json").read_text())["seeds"]
    with (out / "timeseries.csv").open(newline="") as fh:
        rows = {(r["scenario"], int(r["seed"]), int(r["month"])): r for r in csv.DictReader(fh)}
    results = mesa.batch_run(
        DisengageModel,
        {"place": "wigan", "scale": 0.01, "policy": policies, "months": 24, "burn_in_months": 6, "agent_data": False},
        rng=[seeds["0"], seeds["1"]],
        max_steps=100,
        data_collection_period=1,
        display_progress=False,
    )
    assert len(results) == 2 * 2 * 24, f"batch_run returned {len(results)} rows, expected one per run and month"
    compared = 0
    for r in results:
        row = rows[(r["policy"], int(r["rng"]), int(r["Step"]) - 1)]
        for name in ("coverage_6in1_12m", "gp_registered_share", "safeguarding_contacts_per_10k", "aware_share"):
            mine, theirs = r[name], float(row[name])
            assert (math.isnan(mine) and math.isnan(theirs)) or mine == pytest.approx(theirs, rel=1e-12), (
                f"{r['policy']} seed {r['rng']} month {r['Step'] - 1}: {name} {mine} against {theirs}"
            )
            compared += 1
    assert compared == 4 * len(results)


def test_effects_refuses_an_unknown_sample_in_one_line():
    with pytest.raises(InputError, match="sample"):
        effects("national_sui_mandate", place="wigan", scale=0.01, months=2, burn_in_months=1, sample="weighted")


@pytest.mark.parametrize("sample", ["proportional", "stratified"])
def test_effects_equal_effects_csv_of_a_one_replicate_experiment(tmp_path, sample):
    # stratified: effects() runs the same weighted sample as an experiment's `sample: stratified` (docs/EMA.md)
    exp = write_experiment(
        tmp_path, name="one", replicates=1, seed=4, months=30, burn_in_months=6, scale=0.01, sample=sample
    )
    out = run_tables(exp, tmp_path / "one")
    seed = json.loads((out / "manifest.json").read_text())["seeds"]["0"]
    got = effects("national_sui_mandate", place="wigan", scale=0.01, seed=seed, months=30, burn_in_months=6,
                  sample=sample)  # fmt: skip
    with (out / "effects.csv").open(newline="") as fh:
        table = {r["outcome"]: float(r["mean"]) for r in csv.DictReader(fh)}
    assert set(got) == set(table), "effects() and effects.csv name different effects"
    for name, value in table.items():
        assert (math.isnan(value) and math.isnan(got[name])) or got[name] == pytest.approx(value, rel=1e-12), name
