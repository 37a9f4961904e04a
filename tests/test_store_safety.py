"""Results folders that cannot be broken: nothing the project did not write is removed, the store checks itself."""

import json
import os
import signal
import sys

import pytest

from model.cli import main
from model.experiments import runner
from model.experiments.executors import LOST_WORKER, run_local
from model.experiments.experiment import load_experiment, plan_runs, resolved_config
from model.experiments.provenance import config_hash
from model.experiments.store import QUARANTINE, STORE, ResultStore, read_failures
from model.inputs.errors import InputError

from .conftest import write_experiment

TABLES = ("runs.csv", "timeseries.csv", "effects.csv")


def tables_of(folder):
    return {name: (folder / name).read_bytes() for name in TABLES}


def cli(capsys, *args):
    """`disengage ARGS` in this process; `run` skips figures and the report (slow, and not what is tested here)."""
    if args[0] == "run":
        force = "--force-new" in args
        try:
            runner.run_experiment(args[1], args[3], workers=1, force_new=force)
            code = 0
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = 2
    else:
        code = main(list(args))
    return code, capsys.readouterr().err.strip()


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A tiny experiment and its finished results folder (copied by tests that damage it)."""
    folder = tmp_path_factory.mktemp("finished")
    exp = write_experiment(folder, months=24)
    return exp, runner.run_experiment(exp, folder / "out")


def copy_of(finished, tmp_path):
    import shutil

    exp, out = finished
    dst = tmp_path / "out"
    shutil.copytree(out, dst)
    return exp, dst


def run_files(out):
    return sorted((out / STORE / "runs").glob("*.parquet"))


# Never delete or write what the project did not make


def test_out_on_a_folder_that_is_not_a_results_folder_is_refused(capsys, tmp_path):
    exp = write_experiment(tmp_path, months=24)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "manifest.json").write_text("{}", encoding="utf-8")  # looks like old results, but has no store
    (mine / "thesis.tex").write_text("years of work", encoding="utf-8")
    for flags in ((), ("--force-new",)):
        code, err = cli(capsys, "run", str(exp), "--out", str(mine), *flags)
        assert code == 2 and len(err.splitlines()) == 1 and "a results folder of this project" in err, err
        assert sorted(p.name for p in mine.iterdir()) == ["manifest.json", "thesis.tex"], "the folder was changed"


def test_force_new_removes_only_project_files(capsys, finished, tmp_path):
    exp, out = copy_of(finished, tmp_path)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "figures").mkdir(exist_ok=True)
    (out / "figures" / "my_sketch.pdf").write_text("mine", encoding="utf-8")
    (out / "figures" / "old.png").write_text("a png under the project's names, not drawn by it", encoding="utf-8")
    (out / STORE / "runs" / "README").write_text("mine", encoding="utf-8")
    before = tables_of(out)
    old_runs = run_files(out)
    mtimes = [p.stat().st_mtime_ns for p in old_runs]
    code, err = cli(capsys, "run", str(exp), "--out", str(out), "--force-new")
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "mine" and (out / "figures" / "my_sketch.pdf").exists()
    assert (out / STORE / "runs" / "README").exists(), "--force-new removed a file the project did not write"
    assert (out / "figures" / "old.png").exists(), "--force-new removed a file the record does not prove ours"
    assert all(p.stat().st_mtime_ns != q for p, q in zip(old_runs, mtimes, strict=True)), "runs were not redone"
    assert tables_of(out) == before, "the re-run tables differ"


def test_override_outside_plausible_range_is_a_warning_in_the_manifest(capsys, tmp_path):
    exp = write_experiment(tmp_path, months=24, replicates=1, overrides={"behaviour.w_peer": 45.0})
    code, err = cli(capsys, "run", str(exp), "--out", str(tmp_path / "o"))
    assert code == 0, err
    warnings = json.loads((tmp_path / "o" / "manifest.json").read_text())["warnings"]
    assert len(warnings) == 1 and "overrides.behaviour.w_peer: 45.0 lies outside its plausible range" in warnings[0]
    assert "warning: " in err and "behaviour.w_peer" in err, "the warning was not shown with --quiet"


# A store that checks itself


@pytest.mark.parametrize("damage", ["truncate", "garbage", "swap", "empty"])
def test_damaged_run_files_are_quarantined_and_redone(capsys, finished, tmp_path, damage):
    exp, out = copy_of(finished, tmp_path)
    before = tables_of(out)
    for name in TABLES + ("manifest.json",):
        (out / name).unlink()  # a sweep killed before its tables: the store alone remains
    files = run_files(out)
    if damage == "truncate":
        files[0].write_bytes(files[0].read_bytes()[:200])
    elif damage == "garbage":
        files[0].write_bytes(os.urandom(4096))
    elif damage == "empty":
        files[0].write_bytes(b"")
    else:
        a, b = files[0].read_bytes(), files[1].read_bytes()
        files[0].write_bytes(b)
        files[1].write_bytes(a)
    code, err = cli(capsys, "run", str(exp), "--out", str(out))
    assert code == 0, err
    quarantined = sorted((out / STORE / QUARANTINE).glob("*.parquet"))
    assert len(quarantined) == (2 if damage == "swap" else 1), quarantined
    assert "moved to store/quarantine/" in err and "the run will be redone" in err, err
    assert tables_of(out) == before, "tables after repair differ from the undamaged run"
    assert any("quarantined" in f["error"] for f in read_failures(out))


@pytest.mark.parametrize(
    "side, content",
    [("store/config.json", "{not json"), ("store/config.json", "[1, 2]"), ("store/plan.json", "\xff\xfe"),
     ("store/plan.json", '{"a": 1}')],
)  # fmt: skip
def test_damaged_side_files_give_one_line_errors(capsys, finished, tmp_path, side, content):
    exp, out = copy_of(finished, tmp_path)
    (out / side).write_text(content, encoding="latin-1")
    code, err = cli(capsys, "status", str(out))
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert side.split("/")[-1] in err, err
    if side == "store/config.json":
        code, err = cli(capsys, "run", str(exp), "--out", str(out))
        assert code == 2 and len(err.splitlines()) == 1 and "config.json" in err and "--force-new" in err, err


def test_a_garbled_failures_line_does_not_fail_status(capsys, finished, tmp_path):
    _, out = copy_of(finished, tmp_path)
    (out / "failures.jsonl").write_text("garbage\n{}\n", encoding="latin-1")
    code = main(["status", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "failures.jsonl: 2 lines are not failure records (first: line 1); ignored" in printed.out, printed.out
    assert "tables: written" in printed.out


def test_deleting_the_lock_file_does_not_let_a_second_run_in(capsys, tmp_path):
    exp = write_experiment(tmp_path, months=24)
    out = tmp_path / "out"
    resolved = resolved_config(load_experiment(exp))
    with ResultStore.open(out, resolved, config_hash(resolved), force_new=False):
        (out / STORE / "lock").unlink()
        code, err = cli(capsys, "run", str(exp), "--out", str(out))
    assert code == 2 and "no other `disengage run` is writing to" in err, f"exit {code}: {err}"


def test_a_lost_worker_is_a_failure_recorded_and_retried(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, months=24, replicates=2))
    tasks = list(enumerate(plan_runs(exp)))
    attempts, killed = [], False
    for a in run_local(exp, tasks, 2):
        attempts.append(a)
        if not killed:
            import multiprocessing

            victim = multiprocessing.active_children()[0]
            os.kill(victim.pid, signal.SIGKILL)  # as the OS does to a worker out of memory
            killed = True
    lost = [a for a in attempts if a.counters is None]
    assert lost and all(a.error == LOST_WORKER and a.retried for a in lost), lost
    done = sorted(a.index for a in attempts if a.counters is not None)
    assert done == list(range(len(tasks))), f"runs finished: {done} of {len(tasks)}"
