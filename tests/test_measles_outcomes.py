"""The measles outcomes in an experiment's tables (`measles:`): they add columns and rows and move nothing else, a
policy that changes nothing changes none of them, bad settings fail in one line, and a stratified sample's
weights enter the shares and counts."""

import csv

import numpy as np
import pytest

from model.core import outcomes
from model.core.layout import SEGMENTS
from model.experiments.experiment import load_experiment, plan_runs
from model.experiments.reproduce import experiment_from_manifest
from model.inputs.errors import InputError
from model.sim.measles import MeaslesSetup, measles_end
from model.sim.simulate import simulate_to_end

from .conftest import run_tables, write_experiment, write_scenario

SMALL = {"scale": 0.03, "months": 30, "burn_in_months": 12, "replicates": 2}  # 1,200 households: two communities
MEASLES = {"importations_per_community": 3, "cap_cases": 40}


def read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The same small experiment run without and with `measles:`; its third scenario is the status quo renamed."""
    tmp = tmp_path_factory.mktemp("measles_outcomes")
    write_scenario(tmp, "same_as_baseline", [])
    scenarios = ["baseline", "national_sui_mandate", str(tmp / "same_as_baseline.yaml")]
    plain = write_experiment(tmp, "plain", scenarios=scenarios, **SMALL)
    return tmp, run_tables(plain, tmp / "plain_out"), run_tables(
        write_experiment(tmp, "with_measles", scenarios=scenarios, measles=MEASLES, **SMALL), tmp / "measles_out"
    )


def test_measles_adds_columns_and_rows_and_moves_nothing_else(folders):
    _, plain, measles = folders
    runs_a, runs_b = read(plain / "runs.csv"), read(measles / "runs.csv")
    assert runs_b[0] == runs_a[0] + [c for c in outcomes.columns(True) if c not in outcomes.columns()], (
        "runs.csv with measles should be the plain header followed by the measles columns"
    )
    width = len(runs_a[0])
    assert [r[:width] for r in runs_b] == runs_a, "the measles layer changed a counter outcome in runs.csv"
    effects_b = [r for r in read(measles / "effects.csv") if not r[1].startswith("measles_")]
    assert effects_b == read(plain / "effects.csv"), "the measles layer changed a counter effect in effects.csv"
    assert read(measles / "timeseries.csv") == read(plain / "timeseries.csv"), "the time series should not change"
    rows = [dict(zip(runs_b[0], r, strict=True)) for r in runs_b[1:]]
    for row in rows:
        p, cai = float(row["measles_p_outbreak"]), float(row["measles_contact_adjusted_immunity"])
        assert 0 <= p <= 1 and 0.5 < cai < 1, f"implausible measles outcomes in a run: P(>20) {p}, r' {cai}"
        assert float(row["measles_cases_per_importation"]) <= MEASLES["cap_cases"]


def test_a_policy_that_changes_nothing_changes_no_measles_outcome(folders):
    _, _, measles = folders
    rows = [r for r in read(measles / "effects.csv") if r[0] == "same_as_baseline" and r[1].startswith("measles_")]
    moved = [r[1] for r in rows if any(float(x) != 0 for x in r[2:5] if x != "NaN")]
    assert not moved, f"the status quo renamed moved measles effects: {moved}"
    assert len(rows) == (len(outcomes.effects(True)) - len(outcomes.effects())) * (1 + len(SEGMENTS))


def test_the_manifest_rebuilds_the_measles_settings(folders):
    import json

    _, _, measles = folders
    manifest = json.loads((measles / "manifest.json").read_text(encoding="utf-8"))
    setup = experiment_from_manifest(manifest).measles
    assert setup is not None and setup.importations_per_community == 3 and setup.cap_cases == 40
    assert setup.params.r0 == manifest["resolved"]["measles"]["parameters"]["r0"]


@pytest.mark.parametrize(
    "section, field",
    [({"importations_per_community": 0}, "measles.importations_per_community"),
     ({"cap_cases": 20}, "measles.cap_cases"), ({"importations": 5}, "measles.importations"), ("yes", "measles")],
)  # fmt: skip
def test_bad_measles_settings_fail_in_one_line(tmp_path, section, field):
    path = write_experiment(tmp_path, measles=section)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    text = str(err.value)
    assert field in text and "\n" not in text, f"expected one line naming {field}, got: {text}"


def test_weights_enter_counts_and_shares(tmp_path):
    """Real weights scale the count of children below the threshold; share weights that put all the place's weight
    on one segment make the place's contact-adjusted immunity that segment's."""
    exp = load_experiment(write_experiment(tmp_path, "weights", measles=MEASLES, **SMALL))
    spec = plan_runs(exp)[0]
    _, state = simulate_to_end(spec.params, exp.place, exp.scale, spec.scenario, exp.months, exp.burn_in_months,
                               spec.seed)  # fmt: skip
    setup = MeaslesSetup(exp.measles.params, importations_per_community=2, cap_cases=30)
    ones = np.ones(len(SEGMENTS))
    plain = measles_end(state, exp.months - 1, 2000, setup, spec.seed, ones).values
    doubled = measles_end(state, exp.months - 1, 2000, setup, spec.seed, 2 * ones).values
    key = "measles_children_below_threshold"
    assert doubled[key] == 2 * plain[key] and plain[key] > 0, f"counts {plain[key]} and {doubled[key]}"
    s = SEGMENTS.index("insecure_immigration")  # a segment unlike the place, one community of its own
    only = np.full(len(SEGMENTS), 1e-9)
    only[s] = 1.0
    weighted = measles_end(state, exp.months - 1, 2000, setup, spec.seed, ones, only).values
    name = "measles_contact_adjusted_immunity"
    seg = weighted[f"{name}__{SEGMENTS[s]}"]
    assert weighted[name] == pytest.approx(seg, abs=1e-6), f"place {weighted[name]} against the segment's {seg}"
    assert plain[name] != pytest.approx(seg, abs=1e-6), "the test needs a segment unlike the place"
    assert plain[f"{name}__{SEGMENTS[s]}"] == seg, "a segment's own immunity does not depend on other weights"



def test_communities_table_adds_up_to_the_runs_outcomes(folders):
    import pandas as pd

    _, _, measles = folders
    comm = pd.read_csv(measles / "measles_communities.csv")
    runs = pd.read_csv(measles / "runs.csv")
    for _, run in runs.iterrows():
        part = comm[(comm.scenario == run.scenario) & (comm.replicate == run.replicate)]
        below = part[part.below_threshold].children_0_14.sum()
        assert below == pytest.approx(run.measles_children_below_threshold), (run.scenario, run.replicate)
        assert (part.importations == MEASLES["importations_per_community"]).all()


def test_report_section_and_figure_read_the_folder(folders):
    from model.present import measles_section
    from model.present.results_folder import Results

    _, plain, measles = folders
    results = Results(measles)
    text = measles_section.section_html(results)
    assert "contact-adjusted immunity" in text and "Children in communities below 93%" in text, text[:300]
    assert measles_section.figure(results) is not None
    header, rows = measles_section.data(results)
    assert header[:3] == ["scenario", "community", "children_0_14"] and len(rows) % 2 == 0 and rows
    assert measles_section.section_html(Results(plain)) == "" and measles_section.figure(Results(plain)) is None


def test_both_drivers_give_the_same_measles_reading(tmp_path):
    """The Mesa agents and the kernel leave the same state, so the same measles outcomes and communities."""
    import json

    from model.experiments.experiment import run_measured

    path = write_experiment(tmp_path, measles=MEASLES, scale=0.01, months=20, burn_in_months=8, replicates=1)
    kernel, agents = load_experiment(path), load_experiment(path, driver="agents")
    a, b = (run_measured(e, plan_runs(e)[1])[1] for e in (kernel, agents))
    assert json.dumps([a.values, a.communities]) == json.dumps([b.values, b.communities])
