"""The parameter registry (model/core/registry.py) says true things, and a dead knob is refused.

The metamorphic check perturbs every registered parameter on a small run under each decision structure: a
parameter declared read under a structure must change at least one counter, one declared unread must change
none, so a stale declaration fails here. The refusals: an override, design axis or uncertainty draw over a
parameter the experiment's structure does not read gets one line naming the file, the field and the structure.
"""

import numpy as np
import pytest
import yaml

from model.core.layout import DECISIONS
from model.core.registry import PARAMETERS, Entry, entry_of
from model.experiments.experiment import load_experiment
from model.inputs.params import Parameters, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_place, load_scenario
from model.sim.simulate import simulate

from .conftest import REPO, all_fears, write_experiment, write_scenario
from .test_bad_input import bad_run

SCALE, MONTHS, BURN_IN, SEED = 0.02, 48, 12, 11
FEAR = 0.9  # every segment's fear of every recipient in the metamorphic runs: many families respond, so rare paths run


def flow(name: str, recipient: str, purpose: str = "safeguarding", start: int = 0, safeguarded: bool = False,
         **more) -> dict:  # fmt: skip
    """A national flow, unexpected unless `safeguarded` (told, objection respected, confidentiality kept, direct care
    only)."""
    return {
        "name": name, "recipient": recipient, "purpose": purpose, "start_month": start, "national": True,
        "families_told": safeguarded, "objection_respected": safeguarded, "confidentiality_kept": safeguarded,
        "direct_care_only": safeguarded, "media_intensity": 0.3, **more,
    }  # fmt: skip


# The Bill as drafted, its flows starting sooner, beside one flow with every safeguard: every parameter has
# something to act on within a short run (a flow to each recipient, a data match, each safeguard, families told)
FLOWS = [
    flow("csc", "csc"),
    flow("education", "education"),
    flow("matching", "education", "matching", 6, media_intensity=0.12, match_interval_months=6),
    flow("police", "police", start=6),
    flow("national", "national", start=12),
    flow("other", "other", start=12),
    flow("safeguarded", "csc", "direct_care", safeguarded=True),
]


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    return load_scenario(write_scenario(tmp_path_factory.mktemp("registry"), "everything", FLOWS))


def settings(entry: Entry, params: Parameters) -> list[dict]:
    """Overrides moving every path of the entry to one end of its hard bounds, the far end first: the strongest
    probe of whether anything reads it (a parameter may act at one end only, as a neighbourhood larger than every
    segment of a small run does not)."""
    if entry.choices:
        return [{entry.path: entry.choices[1 - int(params.value(entry.path))]}]
    paths = [p for p in params.entries if entry_of(p) == entry]
    value = params.value(paths[0])
    far, near = (entry.hi, entry.lo) if entry.hi - value >= value - entry.lo else (entry.lo, entry.hi)
    return [{p: int(end) if entry.integer else float(end) for p in paths} for end in (far, near)]


def counters(params: Parameters, scenario) -> np.ndarray:
    """Every monthly counter of a small run of the scenario."""
    place = load_place(DEFAULT_PARAMS_DIR / "places" / "wigan.yaml")
    return simulate(params, place, SCALE, scenario, MONTHS, BURN_IN, SEED)


@pytest.fixture(scope="module")
def base():
    return load_parameters(DEFAULT_PARAMS_DIR)


@pytest.mark.parametrize("decision", DECISIONS)
def test_every_parameter_changes_the_run_exactly_where_it_is_declared_read(base, everything, decision):
    params = base.with_overrides({"behaviour.decision": decision, **all_fears(lambda v: FEAR)}, "test")
    reference = counters(params, everything)
    wrong = []
    for entry in PARAMETERS:
        if entry.choices:
            continue  # the decision structure itself: both of its values are the two runs compared here
        read = decision in entry.read_by
        changed_by = None
        for setting in settings(entry, params):
            if not np.array_equal(counters(params.with_overrides(setting, "test"), everything), reference):
                changed_by = setting
                break
        if (changed_by is not None) != read:
            shown = changed_by or settings(entry, params)
            wrong.append(f"{entry.path} is declared {'read' if read else 'unread'} under {decision} but "
                         f"{'changed' if changed_by else 'did not change'} the run at {shown}")  # fmt: skip
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
    from model.experiments.national import is_national, load_national

    for path in sorted((REPO / "experiments").glob("*.yaml")):
        if path.name.startswith("calibration"):
            load_calibration(path)  # InputError if dead
        else:
            (load_national if is_national(yaml.safe_load(path.read_text())) else load_experiment)(path)


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
