"""The GitHub workflow users copy: it parses, uses only standard actions, and runs the suite and a reproduce check."""

import yaml

from .conftest import REPO

STANDARD_ACTIONS = {"actions/checkout@v4", "actions/setup-python@v5"}
COMMANDS = ("make test", "disengage run experiments/smoke.yaml --out /tmp/smoke", "disengage reproduce /tmp/smoke")


def test_workflow_runs_tests_on_both_pythons_and_reproduces_the_smoke_run():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.12", "3.13"], job["strategy"]
    used = {s["uses"] for s in job["steps"] if "uses" in s}
    assert used <= STANDARD_ACTIONS, f"the workflow uses actions beyond {sorted(STANDARD_ACTIONS)}: {sorted(used)}"
    script = "\n".join(s.get("run", "") for s in job["steps"])
    for command in COMMANDS:
        assert command in script, f"the workflow does not run `{command}`:\n{script}"
