"""Golden results: experiments/smoke.yaml run fresh gives, byte for byte, the tables stored in tests/golden/."""

import yaml

from model import run_experiment
from model.experiments.tablediff import TABLES, compare_folders, report

from .conftest import REPO

GOLDEN = REPO / "tests" / "golden"


def test_smoke_experiment_gives_the_golden_tables(tmp_path):
    missing = [t for t in TABLES if not (GOLDEN / t).is_file()]
    assert not missing, f"tests/golden/ lacks {', '.join(missing)}: run `make golden` and commit the tables"
    out = run_experiment(REPO / "experiments" / "smoke.yaml", tmp_path / "smoke")
    diffs = compare_folders(GOLDEN, out)
    assert all(d.identical for d in diffs), (
        "experiments/smoke.yaml no longer gives the golden tables in tests/golden/ (recorded = golden, now = this "
        f"code):\n{report(diffs)}\n"
        "If you changed a rule or a parameter on purpose, run `make golden` and say so in the commit message; "
        "otherwise this change moved results it should not have."
    )


CONTACT_GOLDEN = GOLDEN / "contact"  # the tables before the household engagement state (issue 13), kept as recorded
CONTACT_AWARENESS = {"awareness.p_word_of_mouth": 0.01, "awareness.media_decay_months": 6}  # the values of that time


def read_table(path):
    """A CSV table as {column: [cells as written]}."""
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {name: [row[i] for row in rows[1:]] for i, name in enumerate(rows[0])}


def long_rows(table):
    """Rows of a long table keyed by (scenario, outcome)."""
    names = list(table)
    n = len(table[names[0]])
    return {(table["scenario"][i], table["outcome"][i]): [table[c][i] for c in names] for i in range(n)}


def test_contact_decision_gives_the_tables_recorded_before_the_engagement_state(tmp_path):
    """`behaviour.decision: contact` keeps the per-contact rule: every column the old tables had is unchanged,
    given the awareness inputs of that time (the scenario files as they were, in tests/golden/contact/scenarios/,
    and CONTACT_AWARENESS)."""
    exp = yaml.safe_load((REPO / "experiments" / "smoke.yaml").read_text(encoding="utf-8"))
    exp["scenarios"] = [str(CONTACT_GOLDEN / "scenarios" / f"{name}.yaml") for name in exp["scenarios"]]
    exp["overrides"] = {"behaviour.decision": "contact", **CONTACT_AWARENESS}
    path = tmp_path / "smoke.yaml"
    path.write_text(yaml.safe_dump(exp, sort_keys=False), encoding="utf-8")
    out = run_experiment(path, tmp_path / "smoke_contact")
    for table in TABLES:
        old, now = read_table(CONTACT_GOLDEN / table), read_table(out / table)
        if "outcome" in old:  # a long table (effects): one row per scenario and effect; new effects add rows
            rows_old, rows_now = long_rows(old), long_rows(now)
            changed = [k for k in rows_old if rows_now.get(k) != rows_old[k]]
            assert not changed, f"{table}: the per-contact decision moved rows {changed[:5]} from the recorded tables"
            continue
        missing = [c for c in old if c not in now]
        assert not missing, f"{table}: columns of the recorded tables are gone: {missing[:5]}"
        changed = [c for c in old if old[c] != now[c]]
        assert not changed, f"{table}: the per-contact decision moved columns {changed[:5]} from the recorded tables"
