"""Sweeps at scale: executors agree, the store resumes after a kill, failures are retried, MCSE targets are met."""

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
import weakref

import numpy as np
import pytest

from model import run_experiment
from model.cli import main
from model.core.outcomes import paired_effects
from model.core.rng import derive_seed
from model.experiments.experiment import load_experiment, plan_runs, run_one
from model.experiments.progress import Progress
from model.experiments.store import STORE, ResultStore, read_failures, read_info, status_lines
from model.experiments.tables import mcse, write_tables

from .conftest import ALL_SCENARIOS, run_tables, write_experiment

TABLES = ("runs.csv", "timeseries.csv", "effects.csv")
KILL_TIMEOUT_SECONDS = 120


def tables_of(folder):
    return {name: (folder / name).read_bytes() for name in TABLES}


def stored_infos(folder):
    return [read_info(p) for p in sorted((folder / STORE / "runs").glob("*.parquet"))]


def read_rows(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def grid_experiment(tmp_path_factory):
    """A small grid design (two values of w_risk, two scenarios, two replicates: 8 runs), run serially (figures and
    report drawn: the suite's one real grid folder to draw them for)."""
    tmp = tmp_path_factory.mktemp("grid")
    exp = write_experiment(
        tmp, name="grid", months=24, scale=0.02, overrides={"behaviour.decision": "contact"},
        design={"grid": {"behaviour.w_risk": [1.0, 3.0]}},
    )
    return tmp, exp, run_experiment(exp, tmp / "serial", workers=1)


def test_serial_pool_and_dask_give_identical_tables(grid_experiment):
    from dask.distributed import LocalCluster

    tmp, exp, serial = grid_experiment
    pool = run_tables(exp, tmp / "pool", workers=2)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        dask = run_tables(exp, tmp / "dask", executor="dask", scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    for name, data in tables_of(serial).items():
        assert (pool / name).read_bytes() == data, f"{name}: the local pool differs from serial"
        assert (dask / name).read_bytes() == data, f"{name}: Dask differs from serial"
    here = f":{os.getpid()}"
    workers = {
        label: {i["worker"] for i in stored_infos(folder)}
        for label, folder in (("serial", serial), ("pool", pool), ("dask", dask))
    }
    assert all(w.endswith(here) for w in workers["serial"]), f"serial runs left this process: {workers['serial']}"
    for label in ("pool", "dask"):  # how many of the 2 workers got runs is the scheduler's choice: not tested
        assert workers[label] and not any(w.endswith(here) for w in workers[label]), (
            f"{label} ran some runs in this process, not in its workers: {workers[label]}"
        )


def test_design_adds_columns_and_keeps_seeds(grid_experiment, tmp_path):
    _, _, grid_out = grid_experiment
    runs = read_rows(grid_out / "runs.csv")
    assert list(runs[0])[:5] == ["scenario", "replicate", "point", "seed", "behaviour.w_risk"], list(runs[0])[:6]
    effects = read_rows(grid_out / "effects.csv")
    assert list(effects[0])[:4] == ["scenario", "point", "behaviour.w_risk", "outcome"], list(effects[0])[:5]
    assert {(r["point"], r["behaviour.w_risk"]) for r in runs} == {("0", "1.0"), ("1", "3.0")}
    for r in runs:
        assert int(r["seed"]) == derive_seed(7, int(r["replicate"])), f"point {r['point']} changed a replicate's seed"
    # the point whose w_risk equals a plain experiment's override gives that experiment's runs exactly
    plain = run_tables(
        write_experiment(
            tmp_path, name="plain", months=24, scale=0.02,
            overrides={"behaviour.decision": "contact", "behaviour.w_risk": 3.0},
        ),
        tmp_path / "plain",
    )
    plain_rows = read_rows(plain / "runs.csv")
    assert list(plain_rows[0])[:4] == ["scenario", "replicate", "seed", "aware_share"], (
        "a plain experiment gained columns"
    )
    at_point = [
        {k: v for k, v in r.items() if k not in ("point", "behaviour.w_risk")} for r in runs if r["point"] == "1"
    ]
    assert at_point == plain_rows, "design point 1 (w_risk 3.0) differs from the same override without a design"


def test_killed_run_resumes_to_identical_tables(tmp_path):
    exp = write_experiment(tmp_path, name="killme", scale=0.05, months=30, replicates=3, scenarios=ALL_SCENARIOS)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "model.cli", "run", str(exp), "--out", str(out), "--workers", "2", "--quiet"]
    child = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    runs_dir = out / STORE / "runs"
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    while child.poll() is None and time.monotonic() < deadline:
        if runs_dir.is_dir() and any(runs_dir.glob("*.parquet")):
            break
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    stored_at_kill = len(list(runs_dir.glob("*.parquet")))
    assert child.returncode == -signal.SIGKILL, f"the run ended before it was killed: {child.stderr.read().decode()}"
    assert 0 < stored_at_kill < 15, f"{stored_at_kill} of 15 runs stored when killed: the kill was not part-way"
    assert not (out / "manifest.json").exists(), "a killed run wrote its manifest"
    resumed = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    reference = run_tables(exp, tmp_path / "reference", workers=1)
    assert tables_of(out) == tables_of(reference), "tables after kill and resume differ from an uninterrupted run"
    files = list(runs_dir.iterdir())
    assert len(files) == 15 and all(f.suffix == ".parquet" for f in files), (
        f"store holds {sorted(f.name for f in files)}"
    )
    assert "15 runs" in " ".join(status_lines(out)) and "pending  0" in "\n".join(status_lines(out))


def test_failing_run_is_recorded_and_retried(tmp_path, monkeypatch, capsys, no_figures):
    exp = write_experiment(tmp_path, months=24, replicates=3)
    out = tmp_path / "out"

    def broken(exp_, spec):
        if spec.scenario.name == "national_sui_mandate" and spec.replicate == 1:
            raise RuntimeError("injected failure")
        return run_one(exp_, spec)

    monkeypatch.setattr("model.experiments.experiment.run_one", broken)
    code = main(["run", str(exp), "--out", str(out), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, f"exit {code}: {err}"
    assert "1 of 6 runs failed (first: RuntimeError: injected failure)" in err, err
    failures = list(read_failures(out))
    assert len(failures) == 1 and failures[0]["replicate"] == 1, failures
    assert "injected failure" in failures[0]["traceback"] and len(failures[0]["run_id"]) == 32
    assert len(stored_infos(out)) == 5, "the other runs were not stored"
    assert not (out / "runs.csv").exists(), "tables written although a run failed"
    status = "\n".join(status_lines(out))
    assert "done     5" in status and "failed   1" in status and "injected failure" in status, status

    calls = []
    monkeypatch.setattr("model.experiments.experiment.run_one", lambda e, s: calls.append(s) or run_one(e, s))
    assert main(["run", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert [(s.scenario.name, s.replicate) for s in calls] == [("national_sui_mandate", 1)], "retry re-ran stored runs"
    reference = run_tables(exp, tmp_path / "reference")
    assert tables_of(out) == tables_of(reference), "tables after a retried failure differ from a clean run"
    assert "failed   0" in "\n".join(status_lines(out))


@pytest.mark.parametrize(("tolerance", "expected_replicates"), [(1e9, 2), (1e-9, 6)])
def test_target_mcse_adds_replicates_until_met_or_capped(tmp_path, tolerance, expected_replicates):
    effect = "lost_safeguarding_contacts_per_10k"
    target = {"effects": {effect: tolerance}, "max_replicates": 6, "batch_replicates": 2}
    # at 0.05 of Wigan (not the tiny default) some families avoid services, so the effect has replicate noise
    exp = write_experiment(tmp_path, scale=0.05, replicates=2, design={"target_mcse": target})
    out = run_tables(exp, tmp_path / "o")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates_run"] == expected_replicates, f"ran {manifest['replicates_run']} replicates"
    runs = read_rows(out / "runs.csv")
    by_key = {
        (r["scenario"], r["replicate"]): {k: float(v) for k, v in r.items() if k not in ("scenario",)} for r in runs
    }
    diffs = [
        paired_effects(by_key[("national_sui_mandate", str(r))], by_key[("baseline", str(r))])[effect]
        for r in range(expected_replicates)
    ]
    row = next(r for r in read_rows(out / "effects.csv") if r["outcome"] == effect)
    assert row["point"] == "0" and int(row["n"]) == expected_replicates, row
    assert math.isclose(float(row["mcse"]), mcse(diffs), rel_tol=1e-12), f"mcse {row['mcse']} vs {mcse(diffs)}"
    assert float(row["mcse"]) > 0, "the effect has no replicate noise, so the test cannot tell met from capped"


def test_changed_config_is_refused_unless_force_new(tmp_path, capsys, no_figures):
    out = tmp_path / "out"
    run_tables(write_experiment(tmp_path, months=24), out)
    before = tables_of(out)
    changed = write_experiment(tmp_path, months=24, seed=8)
    code = main(["run", str(changed), "--out", str(out), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "--force-new" in err, f"exit {code}: {err}"
    assert tables_of(out) == before, "a refused run changed the results"
    assert main(["run", str(changed), "--out", str(out), "--workers", "1", "--quiet", "--force-new"]) == 0
    assert tables_of(out) != before, "--force-new did not run the changed experiment"
    runs = read_rows(out / "runs.csv")
    assert {int(r["seed"]) for r in runs} == {derive_seed(8, 0), derive_seed(8, 1)}


def test_second_process_on_the_same_folder_is_refused(tmp_path, capsys):
    exp = write_experiment(tmp_path, months=24)
    resolved_out = tmp_path / "out"
    from model.experiments.experiment import resolved_config
    from model.experiments.provenance import config_hash

    resolved = resolved_config(load_experiment(exp))
    with ResultStore.open(resolved_out, resolved, config_hash(resolved), force_new=False):
        code = main(["run", str(exp), "--out", str(resolved_out), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "no other `disengage run` is writing to" in err, f"exit {code}: {err}"


def test_tables_stream_one_run_at_a_time(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, months=24, replicates=3))
    specs = plan_runs(exp)
    counters = {i: run_one(exp, s) for i, s in enumerate(specs)}
    alive = []
    peak = []

    def stream():
        for i, spec in enumerate(specs):
            array = counters.pop(i)  # the generator's copy is the only one left
            alive.append(weakref.ref(array))
            peak.append(sum(r() is not None for r in alive))
            yield spec, array, None
            del array

    write_tables(tmp_path, exp, stream())
    assert max(peak) <= 2, f"write_tables held {max(peak)} runs' counters at once"
    assert len(read_rows(tmp_path / "timeseries.csv")) == len(specs) * 24


def test_progress_prints_plain_lines_off_a_terminal():
    lines = []
    progress = Progress(3, lines.append, tty=False, every_seconds=0.0)
    for _ in range(3):
        progress.advance()
    assert len(lines) == 3 and lines[-1].startswith("runs 3/3 (100%)") and "runs/min" in lines[-1], lines
    quiet = Progress(3, lines.append, tty=True)
    quiet.advance()
    quiet.close()
    assert len(lines) == 3, "a terminal got plain lines as well as the bar"
    silent = Progress(3, None, tty=False)
    silent.advance()
    assert silent.bar is None


def test_store_round_trips_counters_exactly(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, months=24))
    spec = plan_runs(exp)[1]
    counters = run_one(exp, spec)
    from model.experiments.experiment import resolved_config
    from model.experiments.provenance import config_hash

    resolved = resolved_config(exp)
    with ResultStore.open(tmp_path / "out", resolved, config_hash(resolved), force_new=False) as store:
        store.put("abc", counters, {"scenario": spec.scenario.name, "point": 0, "replicate": 1, "seed": spec.seed})
        back = store.load("abc")
    assert back.dtype == counters.dtype and np.array_equal(back, counters), "stored counters differ from the run's"
    assert not list((tmp_path / "out" / STORE / "runs").glob(".*")), "a temp file was left behind"
