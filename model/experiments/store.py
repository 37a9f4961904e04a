"""The result store: every finished run is one Parquet file named by its run id, so a sweep can stop and resume.

A results folder DIR holds:
  DIR/store/config.json          the resolved experiment and its hash (another config is refused)
  DIR/store/plan.json            the runs planned so far: run id, scenario, point, replicate, seed
  DIR/store/runs/<run id>.parquet  one run's monthly counters (the Parquet dataset; one row per month and segment)
  DIR/store/quarantine/          run files found damaged on resume, moved aside (the runs are redone)
  DIR/failures.jsonl             one line per failed attempt: run id, error and traceback
A run file appears only by renaming a finished temp file, so a file present is a run complete; a run
killed half-way leaves at most a temp file, removed at the next start. On resume every stored run of the
plan is read back and checked against its name and the plan before it counts. A lock, held by the
process from opening the store until the tables are published, keeps two processes out of one folder.
Only a folder that is empty or already a results folder of this project (store/written.json, its marker and
record of the files written: model/experiments/folder.py) is ever written to, no link in it is followed, and
`--force-new` removes only the files that record (or a run file's own id and checksum) proves the project's.
"""

import hashlib
import json
import os
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from model.core.layout import COUNTERS, N_COUNTERS, N_SEG, SEGMENTS
from model.experiments.folder import (
    STORE,
    TMP_SUFFIX,
    Ledger,
    check_out_folder,
    clear_stages,
    is_plain_file,
    is_temp_name,
    ledger_of,
    left_line,
    others_files,
    remove_written,
)
from model.experiments.provenance import code_sources_hash
from model.inputs.errors import InputError
from model.sim.measles import MeaslesEnd

RUNS = "runs"
QUARANTINE = "quarantine"
FAILURES = "failures.jsonl"
META_KEY = b"disengage.run"


def experiment_key(place: Any, scale: float, months: int, burn_in_months: int) -> dict[str, Any]:
    """The part of a run id that every run of an experiment shares: place, scale, length and code version."""
    return {
        "place": {k: v for k, v in asdict(place).items() if k != "file" and not (k == "sample" and v is None)},
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


def counters_digest(counters: np.ndarray) -> str:
    """sha256 of a run's counters as int64 [month, segment, counter]: a changed byte in a run file shows."""
    return hashlib.sha256(np.ascontiguousarray(counters, dtype=np.int64).tobytes()).hexdigest()


def checked_counters(path: Path) -> np.ndarray:
    """A stored run's counters, refused (ValueError) when they do not match the checksum stored beside them."""
    counters = read_counters(path)
    digest = read_info(path).get("counters_sha256")
    if digest is not None and digest != counters_digest(counters):
        raise ValueError("its counters do not match their checksum")
    return counters


def read_info(path: Path) -> dict[str, Any]:
    """The identifiers and timing stored beside one run's counters."""
    return json.loads(pq.read_schema(path).metadata[META_KEY])


def store_measles(end: MeaslesEnd) -> dict[str, Any]:
    """The measles layer's reading of a run, as entries of the run file's metadata."""
    return {"measles": end.values, "measles_communities": end.communities}


def read_measles(path: Path) -> MeaslesEnd | None:
    """A run file's measles outcomes and communities (None when its experiment did not ask for them)."""
    info = read_info(path)
    return MeaslesEnd(info["measles"], info["measles_communities"]) if "measles" in info else None


def run_file_problem(path: Path, rid: str, expected: Mapping[str, Any], rows: int) -> str:
    """Why a stored run file cannot be trusted as run `rid` of the plan ('' when it can).

    It must open, hold every counter for `rows` rows, and carry metadata naming this run id and the plan's
    scenario, design point, replicate and seed (two swapped files fail here, not in the tables).
    """
    try:
        info = read_info(path)
        counters = checked_counters(path)
    except ValueError as exc:
        if "checksum" in str(exc):
            return str(exc)
        return f"it does not open as a run file ({type(exc).__name__})"
    except (OSError, KeyError, TypeError, pa.ArrowException) as exc:
        return f"it does not open as a run file ({type(exc).__name__})"
    if not isinstance(info, dict) or info.get("run_id") != rid:
        got = info.get("run_id") if isinstance(info, dict) else None
        return f"it holds run {str(got)[:32]!r}, not the run its name says"
    for key in ("scenario", "point", "replicate", "seed"):
        if info.get(key) != expected.get(key):
            return f"its {key} is {info.get(key)!r} where the plan has {expected.get(key)!r}"
    if counters.shape[0] * N_SEG != rows:
        return f"it holds {counters.shape[0]} months where the plan has {rows // N_SEG}"
    return ""


def read_json(path: Path, what: str) -> Any:
    """A JSON side file of the store, or a one-line error saying what it should have held."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else f"byte {exc.start}"
        raise InputError(str(path), where, f"{what} as `disengage run` writes it (delete the file or pass "
                         "--force-new to start afresh)", "invalid JSON") from None  # fmt: skip
    except OSError as exc:
        raise InputError(str(path), "", f"a readable {what}", type(exc).__name__) from None


def read_config(folder: Path) -> dict[str, Any]:
    """store/config.json: the experiment the folder holds and its hash."""
    path = folder / STORE / "config.json"
    data = read_json(path, "the stored experiment")
    if not isinstance(data, dict) or not isinstance(data.get("config_hash"), str):
        raise InputError(str(path), "config_hash", "the stored experiment's hash (pass --force-new to start afresh)",
                         data)  # fmt: skip
    if not isinstance(data.get("resolved"), dict):
        raise InputError(str(path), "resolved", "the stored experiment (pass --force-new to start afresh)")
    return data


def read_plan(folder: Path) -> list[dict[str, Any]]:
    """store/plan.json: the runs planned so far (empty when the store was killed before planning)."""
    path = folder / STORE / "plan.json"
    if not path.exists():
        return []
    plan = read_json(path, "the plan of runs")
    if not isinstance(plan, list):
        raise InputError(str(path), "", "a list of planned runs (the next `disengage run` rewrites it)", plan)
    for i, row in enumerate(plan):
        if not isinstance(row, dict) or not isinstance(row.get("run_id"), str):
            raise InputError(str(path), f"[{i}]", "a planned run with its run_id (the next `disengage run` "
                             "rewrites the file)", row)  # fmt: skip
    return plan


def read_failures(folder: Path, skipped: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Failure records in order; a line that is not one (cut short by a kill, or garbled) is skipped, its number
    appended to `skipped`: the file is a log, and runs never depend on it."""
    path = Path(folder) / FAILURES
    if not path.exists():
        return
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("run_id"), str):
            if skipped is not None and line.strip():
                skipped.append(n)
            continue
        yield record


def is_own_run_file(path: Path) -> bool:
    """A run file the project wrote: a plain Parquet file whose metadata names the run its file name does."""
    try:
        return is_plain_file(path) and read_info(path).get("run_id") == path.stem
    except (OSError, KeyError, TypeError, ValueError, AttributeError, pa.ArrowException):
        return False


class FolderLock:
    """An exclusive lock on a results folder, held on open files until released.

    filelock holds store/lock on every OS; on POSIX the store folder itself is also flocked, so a lock file
    deleted under a live run does not let a second run in.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        store = folder / STORE
        self._file = FileLock(str(store / "lock"), timeout=0)
        self._dir_fd: int | None = None
        try:
            self._file.acquire()
            if os.name == "posix":
                import fcntl

                self._dir_fd = os.open(store, os.O_RDONLY)
                fcntl.flock(self._dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (Timeout, BlockingIOError):
            self.release()
            raise InputError(str(folder), "", "a folder no other `disengage run` is writing to", "locked") from None

    def release(self) -> None:
        """Let go of both locks."""
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None
        if self._file.is_locked:
            self._file.release()


class ResultStore:
    """The store of one results folder, held under an exclusive lock while a run writes to it."""

    def __init__(self, folder: Path, lock: FolderLock, ledger: Ledger, notes: list[str]) -> None:
        self.folder = folder
        self.runs = folder / STORE / RUNS
        self.ledger = ledger  # store/written.json: every file the project writes here is recorded in it
        self.notes = notes  # lines for the user: files --force-new left in place
        self._lock = lock

    @classmethod
    def open(cls, folder: str | Path, resolved: Mapping[str, Any], config_hash: str, force_new: bool) -> "ResultStore":
        """Lock the folder, check it holds this experiment (or start afresh), and clear temp files.

        A folder that exists and holds anything is refused unless it is a results folder of this project, and
        one with a link where the project writes is refused (model/experiments/folder.py).
        """
        folder = Path(folder)
        check_out_folder(folder)
        ledger = ledger_of(folder)  # the marker is written before anything else of the store
        lock = FolderLock(folder)  # refuses while another process is writing here
        try:
            config_path = folder / STORE / "config.json"
            notes: list[str] = []
            if force_new:
                runs = folder / STORE / RUNS
                remove_written(ledger, [p for p in sorted(runs.glob("*.parquet")) if is_own_run_file(p)])
                notes += left_line("--force-new", others_files(folder))
                if config_path.exists():
                    raise InputError(str(config_path), "", "the stored experiment as `disengage run` wrote it "
                                     "(store/written.json does not record this one): move it away", "another file")
            elif config_path.exists():  # (a store without config.json was killed as it began: carry on)
                stored = read_config(folder)["config_hash"]
                if stored != config_hash:
                    raise InputError(
                        str(folder),
                        "",
                        f"the experiment stored in this folder (config {stored[:12]}); pass --force-new to "
                        "discard its runs, or --out for another folder",
                        f"a changed config {config_hash[:12]}",
                    )
            (folder / STORE / RUNS).mkdir(parents=True, exist_ok=True)
            store = cls(folder, lock, ledger, notes)
            if not config_path.exists():
                store.write_json(config_path, {"config_hash": config_hash, "resolved": resolved})
            for tmp in store.runs.glob(f".*{TMP_SUFFIX}"):
                if is_temp_name(tmp.name) and is_plain_file(tmp):
                    tmp.unlink()  # left by a run killed while writing; we hold the lock, so nobody else is writing
            notes += clear_stages(folder, ledger)
        except BaseException:
            lock.release()
            raise
        return store

    def write_json(self, path: Path, data: Any) -> None:
        """A JSON file of the store, written atomically and recorded as the project's."""
        write_json(path, data)
        self.ledger.record(path.relative_to(self.folder).as_posix())
        self.ledger.save()

    def close(self) -> None:
        """Release the lock."""
        self._lock.release()

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
        """Store one finished run, atomically, with a checksum of its counters (Parquet pages carry none)."""
        table = counters_table(counters, {"run_id": rid, **info, "counters_sha256": counters_digest(counters)})
        atomic_write(self.path(rid), lambda p: pq.write_table(table, p, compression="zstd"))

    def load(self, rid: str) -> np.ndarray:
        """A stored run's counters (a file damaged since it was verified is quarantined, with a one-line error)."""
        try:
            return checked_counters(self.path(rid))
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as exc:
            self.quarantine(rid, f"it does not open ({type(exc).__name__})")
            raise InputError(str(self.path(rid)), "", "a readable run file; it was moved to store/quarantine/, run "
                             "the same command again to redo the run", type(exc).__name__) from None  # fmt: skip

    def measles(self, rid: str) -> MeaslesEnd | None:
        """A stored run's measles outcomes and communities (None when its experiment did not ask for them)."""
        return read_measles(self.path(rid))

    def quarantine(self, rid: str, reason: str) -> str:
        """Move a damaged run file to store/quarantine/ (the run is pending again); the line that says so."""
        target_dir = self.folder / STORE / QUARANTINE
        target_dir.mkdir(exist_ok=True)
        target = target_dir / f"{rid}.parquet"
        n = 1
        while target.exists():
            target, n = target_dir / f"{rid}.{n}.parquet", n + 1
        os.replace(self.path(rid), target)
        self.ledger.record(target.relative_to(self.folder).as_posix())
        self.ledger.save()
        line = f"{self.path(rid).relative_to(self.folder)}: {reason}; moved to {target.relative_to(self.folder)}, " \
               "the run will be redone"  # fmt: skip
        self.record_failure(rid, {}, f"damaged run file quarantined: {reason}", "")
        return line

    def verify(self, expected: Mapping[str, Mapping[str, Any]], rows: int) -> list[str]:
        """Check every stored run the plan needs (see run_file_problem); quarantine the bad ones; a line each."""
        lines = []
        for rid in sorted(self.stored_ids() & set(expected)):
            problem = run_file_problem(self.path(rid), rid, expected[rid], rows)
            if problem:
                lines.append(self.quarantine(rid, problem))
        return lines

    def record_failure(self, rid: str, info: Mapping[str, Any], error: str, trace: str) -> None:
        """Append one failed attempt to failures.jsonl (the run stays pending and is retried next time)."""
        line = {"run_id": rid, **info, "error": error, "traceback": trace}
        line["time_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        with (self.folder / FAILURES).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, sort_keys=True) + "\n")
        self.ledger.record(FAILURES)
        self.ledger.save()

    def write_plan(self, plan: list[dict[str, Any]]) -> None:
        """The runs planned so far (status reads it)."""
        self.write_json(self.folder / STORE / "plan.json", plan)


def status_lines(folder: str | Path) -> list[str]:
    """What `disengage status DIR` prints: runs done, pending and failed, and the time per run."""
    folder = Path(folder)
    config_path = folder / STORE / "config.json"
    if not config_path.exists():
        raise InputError(str(folder), "", "a results folder written by `disengage run` (with store/config.json)")
    config = read_config(folder)
    plan = read_plan(folder)
    runs = folder / STORE / RUNS
    stored = {p.stem for p in runs.glob("*.parquet")}
    planned = {r["run_id"] for r in plan}
    done = planned & stored
    garbled: list[int] = []
    errors = {f["run_id"]: f["error"] for f in read_failures(folder, garbled)}
    failed = sorted((planned - done) & set(errors))
    seconds, damaged = [], 0
    for rid in sorted(done):
        try:
            seconds.append(float(read_info(runs / f"{rid}.parquet")["seconds"]))
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
            damaged += 1  # the next `disengage run` checks it and moves it to store/quarantine/
    lines = [
        f"{folder}: experiment '{config['resolved'].get('name')}' (config {config['config_hash'][:12]})",
        f"  planned  {len(planned)} runs",
        f"  done     {len(done)}",
        f"  pending  {len(planned) - len(done) - len(failed)}",
        f"  failed   {len(failed)}" + (f"  (see {folder / FAILURES}; retried on the next run)" if failed else ""),
    ]
    lines += [f"    {rid}: {errors[rid]}" for rid in failed[:5]]
    if garbled:
        lines.append(f"  {folder / FAILURES}: {len(garbled)} lines are not failure records (first: line "
                     f"{garbled[0]}); ignored")
    if damaged:
        lines.append(f"  damaged  {damaged} stored run files do not open; the next run quarantines and redoes them")
    if seconds:
        lines.append(
            f"  time per run: mean {statistics.fmean(seconds):.3g} s, median {statistics.median(seconds):.3g} s, "
            f"max {max(seconds):.3g} s over {len(seconds)} runs ({sum(seconds):.1f} s in all)"
        )
    if stored - planned:
        lines.append(f"  {len(stored - planned)} stored runs are not in the plan (other code versions); ignored")
    complete = (folder / "manifest.json").exists() and len(done) == len(planned) > 0
    design = config["resolved"].get("design")
    if isinstance(design, dict) and "target_mcse" in design and not complete:
        lines.append("  target_mcse: more replicates may be planned once these are done")
    lines.append("  tables: " + ("written" if complete else "not yet written"))
    return lines
