"""The parameter registry (model/core/registry.py) says true things, and a dead knob is refused.

The metamorphic check perturbs every registered parameter on a small run under each decision structure: a
parameter declared read under a structure must change at least one counter, one declared unread must change
none, so a stale declaration fails here. The refusals: an override, design axis or uncertainty draw over a
parameter the experiment's structure does not read gets one line naming the file, the field and the structure.
"""

import numpy as np
import pytest

from model.core.layout import DECISIONS
from model.core.registry import PARAMETERS, Entry
from model.experiments.experiment import load_experiment
from model.inputs.params import Parameters, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_place, load_scenario
from model.sim.simulate import simulate

from .conftest import REPO, write_experiment
from .test_bad_input import bad_run

SCALE, MONTHS, BURN_IN, SEED = 0.02, 48, 12, 11
# the Bill as drafted (unexpected flows, police, data matching) and with its safeguards (told, objection respected,
# confidentiality kept, direct care only): between them every parameter has something to act on
SCENARIOS = ("national_sui_mandate", "national_with_safeguards")


def perturbed(entry: Entry, params: Parameters) -> dict:
    """An override moving the entry's value to the far end of its plausible range (every segment at once)."""
    if entry.choices:
        now = params.value(entry.path)
        return {entry.path: entry.choices[1 - int(now)]}
    if entry.per_segment:
        p = params.entries[entry.path.replace("*", "general")]
        return {entry.path: 1.0 if p.hi - p.value >= p.value - p.lo else -1.0}
    p = params.entries[entry.path]
    far = p.hi if p.hi - p.value >= p.value - p.lo else p.lo
    return {entry.path: int(far) if p.integer else far}


def counters(params: Parameters) -> np.ndarray:
    """Every monthly counter of the scenarios' small runs, stacked."""
    place = load_place(DEFAULT_PARAMS_DIR / "places" / "wigan.yaml")
    runs = [
        simulate(params, place, SCALE, load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{s}.yaml"), MONTHS, BURN_IN,
                 SEED)
        for s in SCENARIOS
    ]  # fmt: skip
    return np.stack(runs)


@pytest.fixture(scope="module")
def base():
    return load_parameters(DEFAULT_PARAMS_DIR)


@pytest.mark.parametrize("decision", DECISIONS)
def test_every_parameter_changes_the_run_exactly_where_it_is_declared_read(base, decision):
    params = base.with_overrides({"behaviour.decision": decision}, "test")
    reference = counters(params)
    wrong = []
    for entry in PARAMETERS:
        if entry.choices:
            continue  # the decision structure itself: both of its values are the two runs compared here
        changed = not np.array_equal(counters(params.with_overrides(perturbed(entry, params), "test")), reference)
        if changed != (decision in entry.read_by):
            declared = "read" if decision in entry.read_by else "unread"
            wrong.append(f"{entry.path} is declared {declared} under {decision} but {'' if changed else 'not '}"
                         f"changed the run when set to {perturbed(entry, params)}")  # fmt: skip
    assert not wrong, "model/core/registry.py read_by is stale:\n" + "\n".join(wrong)


def test_the_decision_structure_changes_policy_runs_and_not_the_status_quo(base):
    """Baseline has no flow, so both decisions give the same status quo; under a policy they differ."""
    place = load_place(DEFAULT_PARAMS_DIR / "places" / "wigan.yaml")
    for name, same in (("baseline", True), ("national_sui_mandate", False)):
        sc = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{name}.yaml")
        a, b = (
            simulate(base.with_overrides({"behaviour.decision": d}, "test"), place, SCALE, sc, MONTHS, BURN_IN, SEED)
            for d in DECISIONS
        )
        assert np.array_equal(a, b) == same, f"{name}: the two decisions should {'' if same else 'not '}agree"


def test_explorers_low_and_high_response_give_different_effects():
    """experiments/explorer.yaml's assumption axis is live: its low and high settings move the Bill's effects."""
    from model.core import outcomes

    exp = load_experiment(REPO / "experiments" / "explorer.yaml")
    (path,) = exp.design.paths
    low, high = min(p[0] for p in exp.design.points), max(p[0] for p in exp.design.points)
    scenarios = {s.name: s for s in exp.scenarios}
    effects = []
    for value in (low, high):
        params = exp.params.with_overrides({path: value}, "test")
        rows = [
            outcomes.final_year(simulate(params, exp.place, SCALE, scenarios[s], MONTHS, BURN_IN, SEED))
            for s in ("national_sui_mandate", "baseline")
        ]
        effects.append(outcomes.paired_effects(*rows))
    assert effects[1]["avoiding_share_change_pp"] > effects[0]["avoiding_share_change_pp"], (path, effects)
    assert effects[0]["lost_safeguarding_contacts_per_10k"] != effects[1]["lost_safeguarding_contacts_per_10k"]


@pytest.mark.fast
def test_every_experiment_file_is_free_of_dead_knobs():
    from model.analysis.calibrate import load_calibration

    for path in sorted((REPO / "experiments").glob("*.yaml")):
        (load_calibration if path.name.startswith("calibration") else load_experiment)(path)  # InputError if dead


@pytest.mark.fast
def test_a_pattern_sets_every_segment_at_one_position_of_its_range(base):
    for x in (-1.0, 0.0, 0.5, 1.0):
        moved = base.with_overrides({"segments.*.rel_avoid": x}, "test")
        for seg_path, p in base.entries.items():
            if seg_path.endswith(".rel_avoid"):
                want = p.value + x * (p.hi - p.value) if x >= 0 else p.value + x * (p.value - p.lo)
                assert moved.value(seg_path) == pytest.approx(want), (x, seg_path)


DEAD = [
    ({"overrides": {"behaviour.w_risk": 2.0}}, "overrides.behaviour.w_risk: expected a parameter the household "
     "decision reads (contact only: a dead knob), got 'behaviour.w_risk'"),
    ({"overrides": {"behaviour.decision": "contact", "engagement.rel_avoid_aware": 0.01}},
     "overrides.engagement.rel_avoid_aware: expected a parameter the contact decision reads (household only"),
    ({"design": {"grid": {"behaviour.w_risk": [0.3, 2.0]}}}, "design.grid.behaviour.w_risk: expected a parameter "
     "the household decision reads"),
    ({"design": {"sobol": {"n_samples": 4, "parameters": {"segments.*.rel_risk": None}}}},
     "design.sobol.parameters.segments.*.rel_risk: expected a parameter the household decision reads"),
    ({"uncertainty": {"distribution": "uniform", "parameters": ["awareness_speed", "chilling_response"]}},
     "uncertainty.parameters[1] (chilling_response): expected a parameter the household decision reads (contact"),
    ({"overrides": {"behaviour.decision": "contact"}, "design": {"grid": {"segments.*.dur_avoid_months": [-1, 1]}}},
     "design.grid.segments.*.dur_avoid_months: expected a parameter the contact decision reads"),
]  # fmt: skip


@pytest.mark.fast
@pytest.mark.parametrize(("fields", "message"), DEAD)
def test_a_dead_knob_is_refused_in_one_line_naming_file_field_and_structure(tmp_path, capsys, fields, message):
    path = write_experiment(tmp_path, **fields)
    err = bad_run(capsys, tmp_path, path)
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.fast
def test_a_design_over_both_decisions_may_vary_either_structures_parameters(tmp_path):
    path = write_experiment(
        tmp_path, design={"grid": {"behaviour.decision": [0, 1], "engagement.rel_avoid_aware": [0.0, 0.01]}}
    )
    assert len(load_experiment(path).design.points) == 4


@pytest.mark.fast
def test_the_python_api_refuses_a_dead_knob_as_a_file_would():
    from model.inputs.errors import InputError
    from model.sim.build import load_named

    with pytest.raises(InputError, match=r"effects: overrides\.behaviour\.w_risk: expected a parameter the household"):
        load_named("effects", "wigan", "national_sui_mandate", {"behaviour.w_risk": 2.0}, None, None)
    contact = {"behaviour.decision": "contact", "behaviour.w_risk": 2.0}
    params, _, _ = load_named("effects", "wigan", "baseline", contact, None, None)
    assert params.value("behaviour.w_risk") == 2.0
