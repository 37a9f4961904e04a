"""Bad input: exit status 2, one line naming the file, the field and what was expected; nothing written."""

import shutil
from pathlib import Path

import pytest
import yaml

from model.cli import main

from .conftest import REPO, write_experiment, write_scenario

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`)


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
    assert "scale: expected a number in (0, 1], got 1.5" in err


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


# Loading: encoding, size and shape limits, duplicate keys, typed fields, short error lines


def test_non_utf8_files_refused(capsys, tmp_path):
    exp = write_experiment(tmp_path)
    text = exp.read_text(encoding="utf-8")
    exp.write_bytes(text.encode("utf-16"))
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: byte 0: expected UTF-8 text (it looks like UTF-16)" in err
    exp.write_bytes(text.replace("tiny", "caf\xe9").encode("latin-1"))
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: byte" in err and "expected UTF-8 text" in err


def test_deep_nesting_refused_without_recursion_error(capsys, tmp_path):
    exp = write_experiment(tmp_path)
    exp.write_text(exp.read_text(encoding="utf-8") + "description: " + "[" * 5000 + "]" * 5000 + "\n")
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: line 11: expected at most 32 levels of nesting" in err


def test_alias_bomb_refused_with_a_short_line(capsys, tmp_path):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = bad_run(capsys, tmp_path, path)
    assert "bomb.yaml: f: expected at most 200000 values once aliases are expanded" in err and len(err) < 300


def test_duplicate_keys_refused(capsys, tmp_path):
    exp = write_experiment(tmp_path)
    exp.write_text(exp.read_text(encoding="utf-8") + "scale: 0.5\n", encoding="utf-8")
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: scale: expected each key once (written again at line 11, first at line 3)" in err


@pytest.mark.parametrize(
    "value, shown",
    [("2024-01-01", "datetime.date(2024, 1, 1)"), ("{1: a, b: c}", "keys that are text"),
     ("!!binary aGVsbG8=", "binary"), (".nan", "nan"), ("12", "12")],
)  # fmt: skip
def test_description_must_be_a_string(capsys, tmp_path, value, shown):
    exp = write_experiment(tmp_path)
    exp.write_text(exp.read_text(encoding="utf-8") + f"description: {value}\n", encoding="utf-8")
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: " in err and shown in err, err
    assert "description" in err or "line 11" in err, err


def test_error_values_are_cut_short(capsys, tmp_path):
    long_text = "\n".join(f"user{i}:x:{i}:{i}::/home/user{i}:/bin/sh" for i in range(200))
    scen = tmp_path / "passwd"
    scen.write_text(long_text, encoding="utf-8")
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scenarios=["baseline", str(scen)]))
    assert "passwd: expected a mapping, got 'user0:x:0:0::/home/user0:/b..." in err
    assert len(err) < 300, f"{len(err)} characters: {err}"


@pytest.mark.parametrize("value", [[], 0, False, "none"])
def test_overrides_must_be_a_mapping(capsys, tmp_path, value):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, overrides=value))
    assert "tiny.yaml: overrides: expected a mapping" in err


@pytest.mark.parametrize("name", ["a,b", "two\nlines", "../up", ".."])
def test_scenario_names_are_identifiers(capsys, tmp_path, name):
    scen = tmp_path / "odd.yaml"
    scen.write_text(yaml.safe_dump({"name": name, "description": "odd", "flows": []}), encoding="utf-8")
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scenarios=["baseline", str(scen)]))
    assert "odd.yaml: name: expected a name of letters, digits" in err


@pytest.mark.parametrize("name", ["..", "../../x", "a/b", "x,y", ""])
def test_experiment_names_are_identifiers(capsys, tmp_path, name):
    exp = write_experiment(tmp_path)
    edit_yaml(exp, lambda d: d.update(name=name))
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: name: expected a name of letters, digits" in err


def test_did_you_mean(capsys, tmp_path):
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, replicate=3))
    assert "replicate: expected a known key; did you mean 'replicates'?" in err
    err = bad_run(capsys, tmp_path, write_experiment(tmp_path, scenarios=["baseline", "national_sui_mandat"]))
    assert "did you mean 'national_sui_mandate'?" in err


# Bounds: refused from the plan's arithmetic, at once, by check and run alike


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"replicates": 1_000_000_000}, "replicates: expected at most 200000 runs in one experiment"),
        ({"design": {"grid": {p: [0.01 * i for i in range(1, 41)] for p in (
            "behaviour.w_peer", "behaviour.peer_ref", "trust.erosion_told", "trust.recovery_per_month")}}},
         "design.grid: expected at most 50000 design points, got '2560000 points'"),
        ({"design": {"lhs": {"n_samples": 1_000_000, "parameters": {"behaviour.w_peer": None}}}},
         "design.lhs.n_samples: expected at most 50000 design points"),
        ({"design": {"target_mcse": {"effects": {"lost_identifications_per_10k": 0.001}, "max_replicates": 10**12}}},
         "replicates: expected at most 200000 runs in one experiment"),
    ],
)  # fmt: skip
def test_plans_too_large_refused_at_once(capsys, tmp_path, fields, expected):
    import time

    exp = write_experiment(tmp_path, **fields)
    start = time.perf_counter()
    code, err = run_cli(capsys, "check", str(exp))
    assert code == 2 and expected in err, err
    assert time.perf_counter() - start < 5, "check took longer than 5 s"
    assert expected in bad_run(capsys, tmp_path, exp)


def test_place_too_large_for_memory_refused(capsys, tmp_path, params_copy):
    params, exp = params_copy
    edit_yaml(params / "places" / "wigan.yaml", lambda d: d["n_families"].update(value=10**12))
    edit_yaml(params / "places" / "wigan.yaml", lambda d: d["n_children"].update(value=2 * 10**12))
    err = bad_run(capsys, tmp_path, exp)
    assert "tiny.yaml: scale: expected runs that fit in memory" in err and "10000000000 households" in err


# One schema: every error of a file at once, every file named, JSON Schema for editors


def test_check_reports_every_error_and_goes_on_past_a_bad_file(capsys, tmp_path):
    bad = write_experiment(tmp_path, name="a,b", scale=2, months="soon", colour=1)
    good = REPO / "params" / "scenarios" / "baseline.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_bytes("name: x\n".encode("utf-16"))
    code = main(["check", str(bad), str(good), str(broken)])
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2, out
    assert f"{good}: ok (scenario)" in out.out, out.out
    for field in ("name", "scale", "months", "colour"):
        assert any(f"a,b.yaml: {field}: expected" in line for line in lines), f"{field} not reported: {lines}"
    assert any("broken.yaml: byte 0: expected UTF-8" in line for line in lines), lines
    assert lines[-1] == "2 of 3 files refused", lines
    assert all(len(line) < 300 for line in lines), [len(line) for line in lines]


def test_schema_is_built_from_the_parameter_bounds(capsys, tmp_path):
    import json

    from model.inputs.params import DEFAULT_SCHEMA

    assert main(["schema", "--out", str(tmp_path / "schema")]) == 0
    written = sorted(p.name for p in (tmp_path / "schema").iterdir())
    assert written == [f"{k}.schema.json" for k in ("experiment", "parameters", "place", "scenario", "segments")]
    params = json.loads((tmp_path / "schema" / "parameters.schema.json").read_text())
    assert sorted(params["properties"]) == sorted(DEFAULT_SCHEMA)
    text = json.dumps(params)
    lo, hi, _ = DEFAULT_SCHEMA["behaviour"]["w_risk"]
    assert f'"maximum": {hi}' in text and "w_risk" in text, "the w_risk bounds are not in the JSON Schema"


# One validation path: `check` and `run` accept and refuse the same files with the same lines


def check_and_run(capsys, tmp_path, exp, check_file=None):
    """Exit codes and error lines of `check` (on `check_file`, the experiment by default) and of `run`."""
    code_check = main(["check", str(check_file or exp)])
    check_err = capsys.readouterr().err.strip().splitlines()
    out = tmp_path / "results"
    code_run = main(["run", str(exp), "--out", str(out), "--quiet", "--workers", "1"])
    run_err = capsys.readouterr().err.strip().splitlines()
    assert code_check == code_run == 2, (check_err, run_err)
    assert not out.exists(), "a refused run left a results folder"
    assert "Traceback" not in "".join(run_err + check_err)
    return check_err, run_err


@pytest.mark.parametrize("names", [["behaviour.decision"], ["*"]])
def test_uncertainty_over_a_choice_parameter_refused_alike(capsys, tmp_path, names):
    exp = write_experiment(tmp_path, uncertainty={"distribution": "uniform", "parameters": names})
    check_err, run_err = check_and_run(capsys, tmp_path, exp)
    assert check_err == run_err and len(run_err) == 1, (check_err, run_err)
    assert "uncertainty.parameters[0]: expected parameters with a range of numbers to draw from" in run_err[0]
    assert "behaviour.decision takes one of" in run_err[0] and "overrides." not in run_err[0], run_err


def test_a_value_fitting_no_member_of_a_union_is_one_line_in_the_users_words(capsys, tmp_path):
    exp = write_experiment(tmp_path, overrides={"behaviour.w_risk": [1, 2], "behaviour.w_peer": True})
    check_err, run_err = check_and_run(capsys, tmp_path, exp)
    assert check_err == run_err and len(run_err) == 2, run_err  # one line per field, each field once
    for line, field in zip(run_err, ("w_risk", "w_peer"), strict=True):
        assert f"overrides.behaviour.{field}: expected a finite number, or one of the names" in line, line
        assert ".float" not in line and ".str" not in line, line


def test_a_scenario_file_refused_by_check_is_refused_by_run(capsys, tmp_path):
    flow = {"name": "f", "recipient": "police", "purpose": "safeguarding", "start_month": 0, "families_told": False,
            "objection_respected": False, "confidentiality_kept": False, "direct_care_only": False,
            "media_intensity": 0.5, "match_interval_months": 0}  # fmt: skip
    scenario = write_scenario(tmp_path, "no_match", [flow])
    exp = write_experiment(tmp_path, scenarios=["baseline", str(scenario)])
    check_err, run_err = check_and_run(capsys, tmp_path, exp, check_file=scenario)
    expected = f"error: {scenario}: flows[0].match_interval_months: expected an integer >= 1, got 0"
    assert check_err == run_err == [expected], (check_err, run_err)


@pytest.mark.parametrize(
    "edit, expected",
    [(lambda d: d["n_children"].update(source="no_such_source"), "n_children.source: expected an id listed in"),
     (lambda d: (d["n_families"].update(value=1), d["n_children"].update(value=10**9)),
      "n_children: expected at most 10 children per household")],
)  # fmt: skip
def test_a_place_file_refused_by_run_is_refused_by_check(capsys, tmp_path, edit, expected):
    place = tmp_path / "odd_place.yaml"
    shutil.copy(REPO / "params" / "places" / "wigan.yaml", place)
    edit_yaml(place, edit)
    exp = write_experiment(tmp_path, place=str(place))
    check_err, run_err = check_and_run(capsys, tmp_path, exp, check_file=place)
    assert check_err == run_err and len(run_err) == 1 and expected in run_err[0], (check_err, run_err)


def test_check_warns_as_run_does(capsys, tmp_path):
    exp = write_experiment(tmp_path, overrides={"behaviour.w_peer": 45.0})  # a live knob: w_risk is refused as dead
    assert main(["check", str(exp)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"warning: {exp}: overrides.behaviour.w_peer: 45.0 lies outside its plausible range [0.0, 1.5]"], err


@pytest.mark.skipif(not Path("/proc/self/pagemap").exists(), reason="no /proc here")
def test_a_place_that_is_a_proc_file_is_one_line(capsys, tmp_path):
    exp = write_experiment(tmp_path, place="/proc/self/pagemap")
    for command in (["check", str(exp)], ["run", str(exp), "--out", str(tmp_path / "o"), "--quiet"]):
        code = main(command)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "/proc/self/pagemap" in err[0] and "Traceback" not in err[0], err
    assert not (tmp_path / "o").exists()
