"""Issue 16's change of the random streams (children's rare events drawn as waits, not each month) changes no
conclusion: the headline experiment with 20 replicates (experiments/streams_check.yaml, about two minutes), each
of the report's headline effects of every policy within 2 standard errors of its mean before the change
(tests/data/streams_before_headline.csv, made by the code of bea1723; model/analysis/mc_error.py)."""

from model.analysis import mc_error
from model.present.report import HEADLINE_EFFECTS

from .conftest import REPO, run_tables


def test_the_changed_streams_leave_every_headline_effect_within_monte_carlo_error(tmp_path):
    out = run_tables(REPO / "experiments" / "streams_check.yaml", tmp_path / "streams_check")
    before = mc_error.read_summary(REPO / "tests" / "data" / "streams_before_headline.csv")
    compared = mc_error.compare(before, mc_error.summarise(out))
    assert len(compared) == 5 * len(HEADLINE_EFFECTS), "every policy's every headline effect is compared"
    outside = [f"{c.scenario} {c.effect}: {c.old:.3f} -> {c.new:.3f} (z {c.z:.2f})" for c in compared if not c.within]
    assert not outside, "moved by more than 2 standard errors of the difference:\n" + "\n".join(outside)
