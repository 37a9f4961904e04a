"""Bad input: exit status 2, one line naming the file, the field and what was expected; nothing written."""

import shutil
from pathlib import Path

import pytest
import yaml

from model.cli import main

from .conftest import REPO, write_experiment, write_scenario


def run_cli(capsys, *args):
    code = main(list(args))
    err = capsys.readouterr().err.strip()
    return code, err


def bad_run(capsys, tmp_path, exp_path):
    out = tmp_path / "results"
    code, err = run_cli(capsys, "run", str(exp_path), "--out", str(out), "--quiet")
    assert code == 2, f"expected exit 2, got {code}: {err}"
    assert len(err.splitlines()) == 1, f"expected one line, got: {err}"
    assert "Traceback" not in err
    assert not out.exists() and not (tmp_path / "results.partial").exists(), "bad input left a results folder"
    return err


def test_unknown_experiment_key(capsys, tmp_path):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, colour="blue"))
    assert "tiny.yaml: colour: expected a known key" in err


def test_wrong_type(capsys, tmp_path):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, months="soon"))
    assert "tiny.yaml: months: expected an integer in [1, 6000], got 'soon'" in err


def test_out_of_range(capsys, tmp_path):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scale=1.5))
    assert "scale: expected a number in [0.0, 1.0], got 1.5" in err


def test_unknown_scenario(capsys, tmp_path):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scenarios=["baseline", "martian"]))
    assert "scenarios[1]: expected a scenario name" in err and "martian" in err


def test_missing_file(capsys, tmp_path):
    code, err = run_cli(capsys, "run", str(tmp_path / "nope.yaml"), "--quiet")
    assert code == 2 and "nope.yaml: expected an existing file" in err


def test_malformed_yaml(capsys, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\nplace: wigan\n", encoding="utf-8")
    err = bad_run(capsys, tmp_path, path)
    assert "broken.yaml" in err and "valid YAML" in err


def test_python_tags_refused(capsys, tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    err = bad_run(capsys, tmp_path, path)
    assert "evil.yaml" in err and "valid YAML" in err


def test_override_unknown_path_and_out_of_bounds(capsys, tmp_path):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, overrides={"behaviour.nonsense": 1.0}))
    assert "overrides.behaviour.nonsense: expected a known parameter path" in err
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, overrides={"behaviour.w_risk": -1.0}))
    assert "overrides.behaviour.w_risk: expected a number in [0.0, 50.0], got -1.0" in err


def test_bad_flow_field(capsys, tmp_path):
    scen = write_scenario(
        tmp_path,
        "x",
        [
            {
                "name": "f",
                "recipient": "csc",
                "purpose": "direct_care",
                "start_month": "soon",
                "families_told": False,
                "objection_respected": False,
                "confidentiality_kept": False,
                "direct_care_only": False,
                "media_intensity": 0.1,
            }
        ],
    )
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scenarios=["baseline", str(scen)]))
    assert "x.yaml: flows[0].start_month: expected an integer >= 0, got 'soon'" in err


def test_flow_ending_before_it_starts(capsys, tmp_path):
    flow = {
        "name": "f",
        "recipient": "csc",
        "purpose": "direct_care",
        "start_month": 12,
        "end_month": 12,
        "families_told": False,
        "objection_respected": False,
        "confidentiality_kept": False,
        "direct_care_only": False,
        "media_intensity": 0.1,
    }
    scen = write_scenario(tmp_path, "x", [flow])
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scenarios=["baseline", str(scen)]))
    assert "x.yaml: flows[0].end_month: expected an integer >= 13, got 12" in err


def test_unknown_decision_override(capsys, tmp_path):
    exp = write_experiment(tmp_path, overrides={"behaviour.decision": "village"})
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: overrides.behaviour.decision: expected one of contact, household, got 'village'" in err


@pytest.fixture
def params_copy(tmp_path):
    """A copy of params/ to break, and an experiment that uses it."""
    dst = tmp_path / "params"
    shutil.copytree(REPO / "params", dst)
    return dst, write_experiment(tmp_path, params_dir="params")


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_shares_not_summing_to_one(capsys, tmp_path, params_copy):
    params, exp = params_copy
    edit_yaml(params / "places" / "wigan.yaml", lambda d: d["segment_shares"]["grt"].update(value=0.5))
    err = bad_run(capsys, tmp_path, exp)
    assert "wigan.yaml: segment_shares: expected shares summing to 1" in err


def test_parameter_outside_its_own_range(capsys, tmp_path, params_copy):
    params, exp = params_copy
    edit_yaml(params / "default.yaml", lambda d: d["behaviour"]["w_risk"].update(value=9.0))
    err = bad_run(capsys, tmp_path, exp)
    assert "default.yaml: behaviour.w_risk.value: expected a value inside its range" in err


def test_parameter_without_source_or_assumption(capsys, tmp_path, params_copy):
    params, exp = params_copy
    edit_yaml(
        params / "segments.yaml",
        lambda d: (
            d["segments"]["grt"]["fear"]["police"].pop("assumption", None)
            or d["segments"]["grt"]["fear"]["police"].pop("source", None)
        ),
    )
    err = bad_run(capsys, tmp_path, exp)
    assert "segments.yaml: segments.grt.fear.police: expected exactly one of 'source'" in err


def test_unknown_source_id(capsys, tmp_path, params_copy):
    params, exp = params_copy
    edit_yaml(params / "default.yaml", lambda d: d["behaviour"]["w_risk"].update(source="made_up_2099"))
    err = bad_run(capsys, tmp_path, exp)
    assert "behaviour.w_risk.source: expected an id listed in params/sources.yaml, got 'made_up_2099'" in err


def test_check_command_accepts_every_committed_file(capsys):
    files = sorted(str(p) for p in (REPO / "params").rglob("*.yaml")) + sorted(
        str(p) for p in (REPO / "experiments").glob("*.yaml")
    )
    code, err = run_cli(capsys, "check", *files)
    assert code == 0, err


def test_check_command_rejects_bad_file(capsys, tmp_path):
    scen = write_scenario(tmp_path, "y", [{"name": "f", "recipient": "aliens"}])
    code, err = run_cli(capsys, "check", str(scen))
    assert code == 2 and "y.yaml: flows[0]" in err
