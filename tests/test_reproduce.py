"""`disengage reproduce`: a results folder re-runs from its manifest alone, and any difference is named."""

import csv
import json
import shutil

import pytest

from model.cli import main
from model.experiments.experiment import resolved_config
from model.experiments.provenance import config_hash
from model.experiments.reproduce import experiment_from_manifest

from .conftest import run_tables, write_experiment, write_scenario


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A tiny results folder whose experiment file and custom scenario are deleted after the run."""
    src = tmp_path_factory.mktemp("src")
    told = write_scenario(
        src,
        "told_police",
        [
            {
                "name": "police_told",
                "recipient": "police",
                "purpose": "safeguarding",
                "start_month": 0,
                "families_told": True,
                "objection_respected": False,
                "confidentiality_kept": False,
                "direct_care_only": False,
                "media_intensity": 0.05,
            }
        ],
    )
    exp = write_experiment(src, scenarios=["baseline", "national_sui_mandate", str(told)])
    out = run_tables(exp, tmp_path_factory.mktemp("runs") / "tiny")
    shutil.rmtree(src)
    return out


@pytest.fixture
def copied(results, tmp_path):
    """A copy of the results folder, as if moved to another machine, to edit freely."""
    return shutil.copytree(results, tmp_path / "copy")


def reproduce(capsys, folder, *options: str) -> tuple[int, str]:
    """Exit status and printed report of `disengage reproduce folder`."""
    code = main(["reproduce", str(folder), "--quiet", *options])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_manifest_alone_rebuilds_the_experiment_as_run(results):
    manifest = json.loads((results / "manifest.json").read_text())
    exp = experiment_from_manifest(manifest)
    assert config_hash(resolved_config(exp)) == manifest["config_hash"], "the rebuilt experiment is not the one run"
    assert [s.name for s in exp.scenarios] == ["baseline", "national_sui_mandate", "told_police"]
    assert exp.driver == manifest["driver"] and list(exp.seeds) == manifest["resolved"]["seeds"]
    for key in ("code_version", "code_dirty", "code_sources_hash", "versions", "machine"):
        assert key in manifest, f"the manifest lacks {key}"
    for pkg in ("python", "numpy", "numba", "mesa"):
        assert manifest["versions"].get(pkg), f"the manifest does not record the {pkg} version"


def test_untouched_copy_reproduces(capsys, copied, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nowhere near the experiment file, which is gone anyway
    code, out = reproduce(capsys, copied, "--out", "again")
    assert code == 0, f"an untouched folder did not reproduce:\n{out}"
    assert out.startswith("reproduced: 6 runs identical"), out
    for table in ("runs.csv", "timeseries.csv", "effects.csv"):
        assert (tmp_path / "again" / table).read_bytes() == (copied / table).read_bytes(), f"--out kept no {table}"
    code, out = reproduce(capsys, copied, "--out", "again")
    assert code == 2 and "expected a folder that does not exist yet or is empty" in out, out


def test_edited_number_in_runs_fails_and_names_the_outcome(capsys, copied):
    path = copied / "runs.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    col = rows[0].index("coverage_mmr1_24m")
    rows[2][col] = "0.5" if rows[2][col] != "0.5" else "0.25"
    path.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    code, out = reproduce(capsys, copied)
    assert code == 1, f"an edited runs.csv reproduced:\n{out}"
    assert out.startswith("not reproduced: 1 of 6 runs differ (runs.csv differs, timeseries.csv identical"), out
    assert "coverage_mmr1_24m" in out and "1/6" in out, f"the edited outcome is not named:\n{out}"
    assert "code and package versions: as recorded" in out, out


def test_changed_parameter_in_manifest_is_reported(capsys, copied):
    path = copied / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["resolved"]["parameters"]["contacts.p_vacc_due"] != 0.5
    manifest["resolved"]["parameters"]["contacts.p_vacc_due"] = 0.5
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, out = reproduce(capsys, copied)
    assert code == 1, f"fewer due vaccinations gave the same tables:\n{out}"
    assert "coverage_6in1_12m" in out, f"the coverage that fell is not named:\n{out}"
    assert "edited after the run" in out, f"the edited manifest is not flagged:\n{out}"
    assert "contacts.p_vacc_due 0.5 recorded" in out, f"the changed parameter is not named:\n{out}"


def test_other_package_versions_are_reported_beside_identical_tables(capsys, copied):
    path = copied / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["versions"]["numba"] = "0.1.0"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, out = reproduce(capsys, copied)
    assert code == 0, out
    assert "note: versions differ: numba 0.1.0 recorded" in out, out


def test_bad_manifest_is_one_line_naming_the_field(capsys, copied):
    path = copied / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["resolved"]["parameters"]["behaviour.w_risk"] = "high"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, out = reproduce(capsys, copied)
    assert code == 2, out
    assert out.strip().count("\n") == 0, f"more than one line:\n{out}"
    assert "manifest.json: resolved.parameters.behaviour.w_risk: expected a number in [0.0, 50.0], got 'high'" in out


def test_missing_manifest_is_bad_input(capsys, tmp_path):
    code, out = reproduce(capsys, tmp_path)
    assert code == 2 and "manifest.json: expected a results folder's manifest.json" in out, out


def test_experiment_with_behavioural_draws_reproduces(capsys, tmp_path):
    """Replicates that drew their behaviour re-draw the same from the manifest alone (ranges recorded)."""
    exp = write_experiment(
        tmp_path,
        name="drawn",
        scenarios=["baseline", "national_sui_mandate"],
        uncertainty={
            "distribution": "triangular",
            "parameters": ["avoidance_entry", "awareness_speed", "trust_dynamics"],
        },
    )
    out = run_tables(exp, tmp_path / "drawn")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resolved"]["uncertainty"]["ranges"], "the drawn parameters' ranges are not recorded"
    exp.unlink()
    code, text = reproduce(capsys, out)
    assert code == 0 and "reproduced:" in text, text


@pytest.mark.parametrize(
    "edit, named",
    [
        (lambda m: m["config"].update(description="edited"), "the experiment as written ('config')"),
        (lambda m: m["resolved"].update(seed=m["resolved"]["seed"] + 1), "the master seed or the replicate seeds"),
        (lambda m: m.update(code_version="v9.9.9"), "the code version ('code_version')"),
    ],
)
def test_edits_to_what_made_the_numbers_are_named(capsys, copied, edit, named):
    path = copied / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, out = reproduce(capsys, copied)
    assert code == 0, out  # the runs use the recorded seeds and values, so the tables still reproduce
    assert any(named in line and "was edited after the run" in line for line in out.splitlines()), out
    assert "random streams changed" not in out, f"an edited seed was blamed on the random streams:\n{out}"


def test_table_diff_keys_rows_on_the_design_point(tmp_path):
    from model.experiments.tablediff import compare_table

    head = "scenario,point,behaviour.w_peer,outcome,mean,lo,hi,n\n"
    rec, now = tmp_path / "rec", tmp_path / "now"
    rec.mkdir()
    now.mkdir()
    (rec / "effects.csv").write_text(head + "x,0,1.0,e,1.0,0.5,1.5,2\nx,1,2.0,e,2.0,1.5,2.5,2\n", encoding="utf-8")
    (now / "effects.csv").write_text(head + "x,0,1.0,e,1.0,0.5,1.5,2\nx,1,2.0,e,2.5,1.5,2.5,2\n", encoding="utf-8")
    diff = compare_table(rec, now, "effects.csv")
    assert not diff.identical and diff.rows_differ == 1, diff
    assert [(o.outcome, o.recorded, o.now) for o in diff.outcomes] == [("e", "2.0", "2.5")], diff
    assert "point 1" in diff.outcomes[0].where, diff.outcomes[0].where


def test_nan_cells_read_as_floats_by_pandas_and_polars(copied):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    text = (copied / "effects.csv").read_text(encoding="utf-8")
    assert ",NaN," in text and ",nan," not in text, "the test needs a NaN cell"
    frame = pd.read_csv(copied / "effects.csv")
    assert frame["mean"].dtype.kind == "f" and frame["mean"].isna().any()
    frame = pl.read_csv(copied / "effects.csv", infer_schema_length=None)
    assert frame.schema["mean"] == pl.Float64 and frame["mean"].is_nan().any(), frame.schema
