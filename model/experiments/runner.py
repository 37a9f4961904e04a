"""The runner: an experiment file in, a results folder out (store, tables, manifest; figures by a caller's hook).

All input is read and checked before any run starts, so bad input fails with
one line and writes nothing. Results are built in a side folder and renamed
into place at the end, so a folder that looks complete is complete. The
figures and report are drawn by `finish` (model.present.report.figures_and_report
when called through `model.run_experiment` or the CLI), so this layer does not
import the presentation above it.
"""

import json
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.core.rng import derive_seed
from model.experiments.experiment import Experiment, load_experiment, resolved_config
from model.experiments.provenance import (
    code_dirty,
    code_sources_hash,
    code_version,
    config_hash,
    input_hashes,
    package_versions,
)
from model.experiments.store import STAGE, ResultStore, remove_project_files
from model.experiments.sweep import Settings, run_all
from model.experiments.tables import write_tables
from model.experiments.uncertainty import drawn_values

Finish = Callable[[Path, dict[str, Any]], None]  # (staged folder, manifest): draws figures and the report


def publish(stage: Path, out: Path) -> None:
    """Move every staged table, figure and report into the results folder, one atomic rename each, manifest last."""
    files = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    for name in sorted(files, key=lambda f: f == Path("manifest.json")):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / name, out / name)
    for folder in sorted((p for p in stage.rglob("*") if p.is_dir()), reverse=True):
        folder.rmdir()  # empty now: every file in it was ours and has moved
    stage.rmdir()


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
) -> Path:
    """Run every scenario for every replicate (and design point) and write the results folder; returns its path.

    Runs go to the folder's store as they finish; runs already stored are skipped, so a
    killed or failed experiment resumes where it stopped. Tables are written from the
    store in plan order, so they do not depend on the executor or the order runs finished.
    `finish(stage, manifest)`, when given, adds figures and the report before the folder is published.
    """
    exp = load_experiment(path, driver, workers if executor == "local" else 1)
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
    with ResultStore.open(out, resolved, config_hash(resolved), force_new) as store:
        for line in exp.warnings:  # shown even with --quiet, and recorded in the manifest
            (progress or (lambda msg: print(msg, file=sys.stderr, flush=True)))(f"warning: {line}")
        plan = run_all(exp, store, Settings(workers, executor, scheduler), progress)
        stage = out / STAGE
        if stage.exists():
            remove_project_files(stage)  # a stage left by a killed run: our files only
        (stage / "figures").mkdir(parents=True, exist_ok=True)
        write_tables(stage, exp, ((spec, store.load(rid)) for spec, rid in zip(plan.specs, plan.ids, strict=True)))
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
        if exp.uncertainty:
            manifest["replicate_parameters"] = {
                str(r): drawn_values(exp.uncertainty, exp.params, exp.seed, r) for r in range(replicates_run)
            }
        manifest["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        text = json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False)  # strict JSON, or fail before publishing
        (stage / "manifest.json").write_text(text + "\n", encoding="utf-8")
        if finish is not None:
            finish(stage, manifest)
        publish(stage, out)
    return out
