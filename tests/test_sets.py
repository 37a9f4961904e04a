"""`--set path=value` on `disengage run` and `check`: checked as the file is, recorded in the manifest, reproduced."""

import json

import pytest

from model.cli import main
from model.experiments.experiment import load_experiment
from model.experiments.sets import apply_sets, parse_set
from model.inputs.errors import InputError

FIELDS = {"name", "scale", "replicates", "overrides"}


def test_parse_reads_values_as_yaml_scalars():
    assert parse_set("behaviour.w_peer=0.5") == ("behaviour.w_peer", 0.5)
    assert parse_set("replicates=3") == ("replicates", 3)
    assert parse_set("scenarios=[baseline, national_sui_mandate]") == (
        "scenarios",
        ["baseline", "national_sui_mandate"],
    )
    for bad in ("behaviour.w_peer", "=3", "behaviour.w_peer=", "a b=1"):
        with pytest.raises(InputError, match="--set"):
            parse_set(bad)


def test_a_dotted_path_goes_to_overrides_and_a_field_replaces_it():
    raw = {"name": "x", "scale": 0.1, "overrides": {"network.degree": 8}}
    out = apply_sets("e.yaml", raw, ["behaviour.w_peer=0.5", "overrides.network.degree=12", "scale=0.02"], FIELDS)
    assert out == {"name": "x", "scale": 0.02, "overrides": {"network.degree": 12, "behaviour.w_peer": 0.5}}
    assert raw["overrides"] == {"network.degree": 8}, "the file's data was changed in place"
    with pytest.raises(InputError, match="experiment's fields"):
        apply_sets("e.yaml", raw, ["replicats=3"], FIELDS)


def test_set_is_checked_by_the_same_loader_as_the_file(tmp_experiment):
    path = tmp_experiment()
    exp = load_experiment(path, sets=["network.degree=12", "replicates=3"])
    assert exp.params.value("network.degree") == 12 and exp.replicates == 3 and len(exp.seeds) == 3
    assert exp.raw["overrides"] == {"network.degree": 12} and exp.sets == ("network.degree=12", "replicates=3")
    with pytest.raises(InputError) as bad:
        load_experiment(path, sets=["network.degree=500"])  # beyond the parameter's hard bound
    assert str(bad.value).startswith("--set (applied to ") and "network.degree" in str(bad.value)
    with pytest.raises(InputError, match="no_such.parameter"):
        load_experiment(path, sets=["no_such.parameter=1"])


def test_check_and_run_refuse_the_same_bad_set_with_one_line(tmp_experiment, capsys, tmp_path, no_figures):
    path = str(tmp_experiment())
    assert main(["check", path, "--set", "network.degree=abc"]) == 2
    check_err = capsys.readouterr().err.strip().splitlines()
    assert main(["run", path, "--set", "network.degree=abc", "--out", str(tmp_path / "r"), "--quiet"]) == 2
    run_err = capsys.readouterr().err.strip().splitlines()
    assert len(run_err) == 1 and "--set" in run_err[0] and "network.degree" in run_err[0], run_err
    assert check_err[0] == run_err[0], f"check said {check_err}, run said {run_err}"
    assert not (tmp_path / "r").exists(), "a refused run wrote a folder"
    assert main(["check", path, "--set", "network.degree=12"]) == 0


def test_set_run_is_recorded_and_reproduced(tmp_experiment, tmp_path, capsys, no_figures):
    path = str(tmp_experiment(months=24))
    out = tmp_path / "what_if"
    assert main(["run", path, "--set", "network.degree=6", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    assert capsys.readouterr().out.strip() == f"results written to {out}", "no report: none is drawn here"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sets"] == ["network.degree=6"]
    assert manifest["config"]["overrides"] == {"network.degree": 6}
    assert manifest["resolved"]["parameters"]["network.degree"] == 6
    assert main(["reproduce", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("reproduced: 4 runs identical"), said
    assert "--set network.degree=6" in said and "parameters differ" not in said, said
