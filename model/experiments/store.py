"""The result store: every finished run is one Parquet file named by its run id, so a sweep can stop and resume.

A results folder DIR holds:
  DIR/store/config.json          the resolved experiment and its hash (another config is refused)
  DIR/store/plan.json            the runs planned so far: run id, scenario, point, replicate, seed
  DIR/store/runs/<run id>.parquet  one run's monthly counters (the Parquet dataset; one row per month and segment)
  DIR/failures.jsonl             one line per failed attempt: run id, error and traceback
A run file appears only by renaming a finished temp file, so a file present is a run complete; a run
killed half-way leaves at most a temp file, removed at the next start. A lock keeps two processes
from running into the same folder.
"""

import fcntl
import hashlib
import json
import os
import shutil
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from model.core.layout import COUNTERS, N_COUNTERS, N_SEG, SEGMENTS
from model.experiments.provenance import code_sources_hash
from model.inputs.errors import InputError

STORE = "store"
RUNS = "runs"
FAILURES = "failures.jsonl"
META_KEY = b"disengage.run"
TMP_SUFFIX = ".tmp"


def experiment_key(place: Any, scale: float, months: int, burn_in_months: int) -> dict[str, Any]:
    """The part of a run id that every run of an experiment shares: place, scale, length and code version."""
    return {
        "place": {k: v for k, v in asdict(place).items() if k != "file"},
        "scale": scale,
        "months": months,
        "burn_in_months": burn_in_months,
        "code": code_sources_hash(),  # any edit to model/ gives new run ids (as it gives a new numba cache)
    }


def run_id(shared: Mapping[str, Any], params: Mapping[str, Any], scenario: Any, seed: int) -> str:
    """Hash of everything that determines a run: the shared key, resolved parameters, scenario and seed."""
    key = {
        **shared,
        "parameters": {k: p.value for k, p in sorted(params.items())},
        "scenario": {k: v for k, v in asdict(scenario).items() if k not in ("file", "label")},
        "seed": seed,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]


def atomic_write(path: Path, write: Any) -> None:
    """Call write(temp path), then rename the temp file onto `path`: readers see the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    """Pretty, sorted JSON, written atomically."""
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8"))


def counters_table(counters: np.ndarray, info: Mapping[str, Any]) -> pa.Table:
    """One run as a table: run identifiers, month, segment, then one int64 column per counter."""
    months = counters.shape[0]
    rows = months * N_SEG
    flat = counters.reshape(rows, N_COUNTERS)

    def constant(value: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array([value]))

    columns = {
        "run_id": constant(info["run_id"]),
        "scenario": constant(info["scenario"]),
        "point": pa.array(np.full(rows, info["point"], dtype=np.int32)),
        "replicate": pa.array(np.full(rows, info["replicate"], dtype=np.int32)),
        "seed": pa.array(np.full(rows, info["seed"], dtype=np.int64)),
        "month": pa.array(np.repeat(np.arange(months, dtype=np.int32), N_SEG)),
        "segment": pa.DictionaryArray.from_arrays(
            pa.array(np.tile(np.arange(N_SEG, dtype=np.int32), months)), pa.array(list(SEGMENTS))
        ),
    }
    columns.update({name: pa.array(flat[:, k]) for k, name in enumerate(COUNTERS)})
    table = pa.table(columns)
    return table.replace_schema_metadata({META_KEY: json.dumps(dict(info), sort_keys=True).encode()})


def read_counters(path: Path) -> np.ndarray:
    """Monthly counters [month, segment, counter] of one stored run, exactly as the model returned them."""
    table = pq.read_table(path, columns=list(COUNTERS))
    flat = np.column_stack([table.column(name).to_numpy() for name in COUNTERS])
    return flat.reshape(-1, N_SEG, N_COUNTERS)


def read_info(path: Path) -> dict[str, Any]:
    """The identifiers and timing stored beside one run's counters."""
    return json.loads(pq.read_schema(path).metadata[META_KEY])


def read_failures(folder: Path) -> Iterator[dict[str, Any]]:
    """Failure records in order; a last line cut short by a kill is skipped."""
    path = Path(folder) / FAILURES
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue


class ResultStore:
    """The store of one results folder, held under an exclusive lock while a run writes to it."""

    def __init__(self, folder: Path, lock: IO) -> None:
        self.folder = folder
        self.runs = folder / STORE / RUNS
        self._lock = lock

    @classmethod
    def open(cls, folder: str | Path, resolved: Mapping[str, Any], config_hash: str, force_new: bool) -> "ResultStore":
        """Lock the folder, check it holds this experiment (or start afresh), and clear temp files."""
        folder = Path(folder)
        config_path = folder / STORE / "config.json"
        if folder.exists() and any(folder.iterdir()):
            if not (folder / STORE).is_dir() and not (folder / "manifest.json").exists():
                raise InputError(str(folder), "", "an empty folder or a results folder for --out", "other files")
            if force_new or not (folder / STORE).is_dir():  # results without a store are replaced, as they always were
                if (folder / STORE).is_dir():
                    cls._lock_file(folder).close()  # refuses while another process is writing here
                shutil.rmtree(folder)
            elif config_path.exists():  # (a store without config.json was killed as it began: carry on)
                stored = json.loads(config_path.read_text(encoding="utf-8"))["config_hash"]
                if stored != config_hash:
                    raise InputError(
                        str(folder),
                        "",
                        f"the experiment stored in this folder (config {stored[:12]}); pass --force-new to "
                        "discard its runs, or --out for another folder",
                        f"a changed config {config_hash[:12]}",
                    )
        (folder / STORE / RUNS).mkdir(parents=True, exist_ok=True)
        store = cls(folder, cls._lock_file(folder))
        if not config_path.exists():
            write_json(config_path, {"config_hash": config_hash, "resolved": resolved})
        for tmp in store.runs.glob(f".*{TMP_SUFFIX}"):
            tmp.unlink()  # left by a run killed while writing; we hold the lock, so nobody else is writing
        return store

    @staticmethod
    def _lock_file(folder: Path) -> IO:
        """Take the folder's lock (kept until close) or refuse: another process is running into it."""
        fh = (folder / STORE / "lock").open("a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise InputError(str(folder), "", "a folder no other `disengage run` is writing to", "locked") from None
        return fh

    def close(self) -> None:
        """Release the lock."""
        self._lock.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def path(self, rid: str) -> Path:
        """Where a run's file lives."""
        return self.runs / f"{rid}.parquet"

    def stored_ids(self) -> set[str]:
        """Run ids with a complete file."""
        return {p.stem for p in self.runs.glob("*.parquet")}

    def put(self, rid: str, counters: np.ndarray, info: Mapping[str, Any]) -> None:
        """Store one finished run, atomically."""
        table = counters_table(counters, {"run_id": rid, **info})
        atomic_write(self.path(rid), lambda p: pq.write_table(table, p, compression="zstd"))

    def load(self, rid: str) -> np.ndarray:
        """A stored run's counters."""
        return read_counters(self.path(rid))

    def record_failure(self, rid: str, info: Mapping[str, Any], error: str, trace: str) -> None:
        """Append one failed attempt to failures.jsonl (the run stays pending and is retried next time)."""
        line = {"run_id": rid, **info, "error": error, "traceback": trace}
        line["time_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        with (self.folder / FAILURES).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, sort_keys=True) + "\n")

    def write_plan(self, plan: list[dict[str, Any]]) -> None:
        """The runs planned so far (status reads it)."""
        write_json(self.folder / STORE / "plan.json", plan)


def status_lines(folder: str | Path) -> list[str]:
    """What `disengage status DIR` prints: runs done, pending and failed, and the time per run."""
    folder = Path(folder)
    config_path = folder / STORE / "config.json"
    if not config_path.exists():
        raise InputError(str(folder), "", "a results folder written by `disengage run` (with store/config.json)")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    plan_path = folder / STORE / "plan.json"
    plan = json.loads(plan_path.read_text(encoding="utf-8")) if plan_path.exists() else []
    runs = folder / STORE / RUNS
    stored = {p.stem for p in runs.glob("*.parquet")}
    planned = {r["run_id"] for r in plan}
    done = planned & stored
    errors = {f["run_id"]: f["error"] for f in read_failures(folder)}
    failed = sorted((planned - done) & set(errors))
    seconds = [read_info(runs / f"{rid}.parquet")["seconds"] for rid in sorted(done)]
    lines = [
        f"{folder}: experiment '{config['resolved']['name']}' (config {config['config_hash'][:12]})",
        f"  planned  {len(planned)} runs",
        f"  done     {len(done)}",
        f"  pending  {len(planned) - len(done) - len(failed)}",
        f"  failed   {len(failed)}" + (f"  (see {folder / FAILURES}; retried on the next run)" if failed else ""),
    ]
    lines += [f"    {rid}: {errors[rid]}" for rid in failed[:5]]
    if seconds:
        lines.append(
            f"  time per run: mean {statistics.fmean(seconds):.3g} s, median {statistics.median(seconds):.3g} s, "
            f"max {max(seconds):.3g} s over {len(seconds)} runs ({sum(seconds):.1f} s in all)"
        )
    if stored - planned:
        lines.append(f"  {len(stored - planned)} stored runs are not in the plan (other code versions); ignored")
    complete = (folder / "manifest.json").exists() and len(done) == len(planned) > 0
    if "target_mcse" in config["resolved"].get("design", {}) and not complete:
        lines.append("  target_mcse: more replicates may be planned once these are done")
    lines.append("  tables: " + ("written" if complete else "not yet written"))
    return lines
