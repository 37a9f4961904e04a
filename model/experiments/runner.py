"""The runner: an experiment file in, a results folder out (store, tables, manifest; figures by a caller's hook).

All input is read and checked before any run starts, so bad input fails with
one line and writes nothing. Results are built in a side folder and renamed
into place at the end, so a folder that looks complete is complete. The
figures and report are drawn by `finish` (model.present.report.figures_and_report
when called through `model.run_experiment` or the CLI), so this layer does not
import the presentation above it.
"""

import json
import platform
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.core.rng import derive_seed
from model.experiments.experiment import Experiment, load_experiment, resolved_config
from model.experiments.folder import staged
from model.experiments.provenance import (
    code_dirty,
    code_sources_hash,
    code_version,
    config_hash,
    input_hashes,
    package_versions,
)
from model.experiments.store import ResultStore
from model.experiments.sweep import Plan, Settings, run_all
from model.experiments.tables import write_tables
from model.experiments.uncertainty import drawn_values

Finish = Callable[[Path, dict[str, Any]], None]  # (staged folder, manifest): draws figures and the report


def run_experiment(
    path: str | Path,
    out: str | Path | None = None,
    driver: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force_new: bool = False,
    finish: Finish | None = None,
    sets: Sequence[str] = (),
) -> Path:
    """Run every scenario for every replicate (and design point) and write the results folder; returns its path.

    Runs go to the folder's store as they finish; runs already stored are skipped, so a
    killed or failed experiment resumes where it stopped. Tables are written from the
    store in plan order, so they do not depend on the executor or the order runs finished.
    `finish(stage, manifest)`, when given, adds figures and the report before the folder is published.
    `sets` are `--set path=value` texts applied to the experiment before it is checked (model/experiments/sets.py).
    """
    exp = load_experiment(path, driver, workers if executor == "local" else 1, sets)
    return run_loaded(exp, out, progress, workers, executor, scheduler, force_new, finish)


def run_loaded(
    exp: Experiment,
    out: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force_new: bool = False,
    finish: Finish | None = None,
) -> Path:
    """`run_experiment` for an experiment already loaded and checked (a nation of a national experiment)."""
    out = Path(out) if out is not None else Path("results") / exp.name  # the name is an identifier: no escape
    started = datetime.now(UTC).isoformat(timespec="seconds")
    resolved = resolved_config(exp)
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    with ResultStore.open(out, resolved, config_hash(resolved), force_new) as store:
        for line in exp.warnings:  # shown even with --quiet, and recorded in the manifest
            say(f"warning: {line}")
        for line in store.notes:  # what --force-new or a killed run's side folder left in place
            say(line)
        plan = run_all(exp, store, Settings(workers, executor, scheduler), progress)
        with staged(out, store.ledger) as stage:  # published into `out` (manifest last) as the block ends
            build(stage, exp, store, plan, resolved, executor, workers, started, finish)
    return out


def build(stage: Path, exp: Experiment, store: ResultStore, plan: Plan, resolved: dict[str, Any], executor: str,
          workers: int, started: str, finish: Finish | None) -> None:  # fmt: skip
    """Write the tables, the manifest and (by `finish`) the figures and report into the stage.

    Ctrl-C while `finish` draws is held until it returns, then raised (matplotlib would swallow it).
    """
    (stage / "figures").mkdir(parents=True, exist_ok=True)
    runs = zip(plan.specs, plan.ids, strict=True)
    measles = (lambda rid: store.measles(rid)) if exp.measles else (lambda rid: None)
    write_tables(stage, exp, ((spec, store.load(rid), measles(rid)) for spec, rid in runs))
    replicates_run = max(spec.replicate for spec in plan.specs) + 1
    version = code_version()
    manifest: dict[str, Any] = {
        "experiment_file": str(exp.file),
        "config": exp.raw,
        "resolved": resolved,
        "config_hash": config_hash(resolved),
        "hashes": input_hashes(exp.raw, resolved, version),
        "warnings": list(exp.warnings),
        "code_version": version,
        "code_dirty": code_dirty(version),
        "code_sources_hash": code_sources_hash(),
        "versions": package_versions(),
        "machine": platform.machine(),
        "driver": exp.driver,
        "seeds": {str(r): derive_seed(exp.seed, r) for r in range(replicates_run)},
        "replicates_run": replicates_run,
        "store": {
            "runs": f"store/runs ({len(set(plan.ids))} Parquet files)",
            "executor": executor,
            "workers": workers,
        },
        "started_utc": started,
    }
    if exp.sets:  # the command line's what-if; "config" holds the experiment with them applied
        manifest["sets"] = list(exp.sets)
    if exp.uncertainty:
        manifest["replicate_parameters"] = {
            str(r): drawn_values(exp.uncertainty, exp.params, exp.seed, r) for r in range(replicates_run)
        }
    manifest["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    text = json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False)  # strict JSON, or fail before publishing
    (stage / "manifest.json").write_text(text + "\n", encoding="utf-8")
    if finish is not None:
        with interrupt_after():
            finish(stage, manifest)


@contextmanager
def interrupt_after() -> Iterator[None]:
    """Hold a first Ctrl-C until the block ends, then raise KeyboardInterrupt; a second one raises at once.

    Drawing runs through C code that reports an interrupt as "Exception ignored" and carries on, so a Ctrl-C
    there would be lost. Only the main thread receives signals; elsewhere the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hit: list[int] = []

    def hold(signum: int, frame: object) -> None:
        if hit:
            raise KeyboardInterrupt
        hit.append(signum)

    before = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
    if hit:
        raise KeyboardInterrupt
