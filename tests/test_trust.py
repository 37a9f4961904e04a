"""Trust erodes when a family first learns of a flow, not again each time it forgets and hears of it anew."""

from model.core.outcomes import final_year
from model.inputs.params import load_parameters, load_source_ids
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_place, load_scenario
from model.sim.simulate import simulate

from .conftest import write_scenario

FLOW = {
    "name": "loud",
    "recipient": "csc",
    "purpose": "direct_care",
    "start_month": 0,
    "families_told": False,
    "objection_respected": False,
    "confidentiality_kept": False,
    "direct_care_only": False,
    "media_intensity": 1.0,
}


def test_forgetting_and_relearning_a_flow_does_not_erode_trust_again(tmp_path):
    params = load_parameters(DEFAULT_PARAMS_DIR).with_overrides(
        {
            "awareness.p_forget_per_month": 0.5,  # families forget half the time ...
            "awareness.p_word_of_mouth": 0.5,  # ... and hear of the flow again at once
            "awareness.media_decay_months": 1200.0,
            "trust.recovery_per_month": 0.0,
            "trust.trust_spread": 0.0,
        },
        "test",
    )
    place = load_place(DEFAULT_PARAMS_DIR / "places" / "wigan.yaml", load_source_ids(DEFAULT_PARAMS_DIR))
    scenario = load_scenario(write_scenario(tmp_path, "loud", [FLOW]))
    counters = simulate(params, place, 0.01, scenario, 36, 0, 5)
    once = params.value("segments.general.trust0") * (1.0 - params.value("trust.erosion_unexpected"))
    trust = final_year(counters)["mean_trust__general"]
    relearnt = final_year(counters)["aware_share__general"]
    assert relearnt < 0.9, f"aware share {relearnt:.2f}: the test needs families who forget and learn again"
    assert abs(trust - once) < 0.002, (
        f"mean trust {trust:.4f}, one erosion gives {once:.4f}: trust eroded again on relearning"
    )
