"""The segments' response to perceived risk in params/ is what their chilling-effect evidence gives."""

import pytest

from model.analysis.chilling import CHILLING_EVIDENCE, REFERENCE_SCENARIO, contact_loss, derived_rel_risk
from model.inputs.params import load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_scenario

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`)


def test_segments_rel_risk_ranges_follow_from_the_chilling_evidence():
    params = load_parameters(DEFAULT_PARAMS_DIR)
    reference = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{REFERENCE_SCENARIO}.yaml")
    for seg, (lo, mode, hi) in derived_rel_risk(params, reference).items():
        p = params.entries[f"segments.{seg}.rel_risk"]
        got, want = (p.lo, p.value, p.hi), (max(lo, 0.0), mode, hi)
        assert got == pytest.approx(want, abs=0.01), (
            f"segments.{seg}.rel_risk is {got}; its evidence ({CHILLING_EVIDENCE[seg].basis}) gives {want}:"
            " re-derive with model.analysis.chilling.derived_rel_risk"
        )
        ev = CHILLING_EVIDENCE[seg]
        assert contact_loss(params, seg, reference, p.hi) == pytest.approx(ev.loss_hi, abs=0.002)
