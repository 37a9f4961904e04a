"""Shared helpers: write small experiments into a temporary folder and run them."""

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ALL_SCENARIOS = [
    "baseline",
    "wigan_direct_care",
    "wales_cme_matching",
    "national_sui_mandate",
    "national_with_safeguards",
]


def write_experiment(folder: Path, name: str = "tiny", **fields) -> Path:
    """An experiment file in `folder`: a few hundred Wigan households unless fields say otherwise."""
    exp = {
        "name": name,
        "place": "wigan",
        "scale": 0.01,
        "months": 36,
        "burn_in_months": 12,
        "scenarios": ["baseline", "national_sui_mandate"],
        "replicates": 2,
        "seed": 7,
    }
    exp.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(exp, sort_keys=False), encoding="utf-8")
    return path


def write_scenario(folder: Path, name: str, flows: list[dict]) -> Path:
    """A scenario file in `folder`."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "description": "test scenario", "flows": flows}), encoding="utf-8")
    return path


def all_fears(value_of) -> dict[str, float]:
    """Overrides setting every segment's fear of every recipient to value_of(current value)."""
    from model.inputs.params import load_parameters
    from model.inputs.paths import DEFAULT_PARAMS_DIR

    params = load_parameters(DEFAULT_PARAMS_DIR)
    return {k: value_of(p.value) for k, p in params.entries.items() if ".fear." in k}


def run_tables(path, out, **options) -> Path:
    """Run an experiment to its tables and manifest only: figures and the report take about 8 s a folder, and
    tests that read only tables need none (tests/test_figures.py and tests/test_report.py draw them)."""
    from model.experiments import runner

    return runner.run_experiment(path, out, **options)


@pytest.fixture
def no_figures(monkeypatch):
    """`disengage run` (model.cli.main) in this process draws no figures and no report: for tests of the command's
    tables, store and exit codes, not of the drawing (tests/test_figures.py and tests/test_report.py test that)."""
    monkeypatch.setattr("model.api.figures_and_report", lambda folder, manifest=None: [])


@pytest.fixture
def tmp_experiment(tmp_path):
    """Factory: write an experiment into tmp_path and return its path."""
    return lambda **fields: write_experiment(tmp_path, **fields)


@pytest.fixture(scope="session")
def smoke_results(tmp_path_factory) -> Path:
    """The smoke experiment's results folder (figures and report included), run once per test session."""
    from model import run_experiment

    return run_experiment(REPO / "experiments" / "smoke.yaml", tmp_path_factory.mktemp("smoke") / "smoke")


def one_flow(
    objection_respected: bool,
    start_month: int = 0,
    recipient: str = "police",
    end_month: int | None = None,
    national: bool = False,
):
    """A scenario of one safeguarding flow with no other safeguard, families not told, media reach 0.5."""
    from model.inputs.scenario import Flow, Scenario

    flow = Flow(
        name="f",
        recipient=recipient,
        purpose="safeguarding",
        start_month=start_month,
        end_month=end_month,
        families_told=False,
        objection_respected=objection_respected,
        confidentiality_kept=False,
        direct_care_only=False,
        media_intensity=0.5,
        match_interval_months=0,
        national=national,
    )
    return Scenario("one_flow", "test", (flow,), "test")
