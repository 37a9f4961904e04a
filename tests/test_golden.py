"""Golden results: experiments/smoke.yaml run fresh gives, byte for byte, the tables stored in tests/golden/."""

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
