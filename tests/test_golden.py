"""Golden results: experiments/smoke.yaml run fresh gives, byte for byte, the tables stored in tests/golden/."""

import yaml

from model.experiments.tablediff import TABLES, compare_folders, report

from .conftest import REPO, run_tables

GOLDEN = REPO / "tests" / "golden"


def test_smoke_experiment_gives_the_golden_tables(smoke_results):
    """The session's smoke run (made by `model.run_experiment`, as `make golden` makes it) against the goldens."""
    missing = [t for t in TABLES if not (GOLDEN / t).is_file()]
    assert not missing, f"tests/golden/ lacks {', '.join(missing)}: run `make golden` and commit the tables"
    out = smoke_results
    diffs = compare_folders(GOLDEN, out)
    assert all(d.identical for d in diffs), (
        "experiments/smoke.yaml no longer gives the golden tables in tests/golden/ (recorded = golden, now = this "
        f"code):\n{report(diffs)}\n"
        "If you changed a rule or a parameter on purpose, run `make golden` and say so in the commit message; "
        "otherwise this change moved results it should not have."
    )


CONTACT_GOLDEN = GOLDEN / "contact"  # experiments/smoke.yaml under `behaviour.decision: contact`


def test_contact_decision_gives_its_golden_tables(tmp_path):
    """`behaviour.decision: contact` keeps the per-contact rule selectable (structural uncertainty): the smoke
    experiment under it gives, byte for byte, the tables in tests/golden/contact/ (`make golden` writes both).

    Before issue 13's baseline rules (catch-up by recall, missing-education episodes, matching flags) this folder
    held the tables of the model before the engagement state; those rules changed the baseline under both
    decisions, so the tables were recorded again with them."""
    exp = yaml.safe_load((REPO / "experiments" / "smoke.yaml").read_text(encoding="utf-8"))
    exp["overrides"] = {"behaviour.decision": "contact"}
    path = tmp_path / "smoke.yaml"
    path.write_text(yaml.safe_dump(exp, sort_keys=False), encoding="utf-8")
    out = run_tables(path, tmp_path / "smoke_contact")
    diffs = compare_folders(CONTACT_GOLDEN, out)
    assert all(d.identical for d in diffs), f"the per-contact decision moved the recorded tables:\n{report(diffs)}"
