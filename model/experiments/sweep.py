"""Running an experiment into its store: plan the runs, skip those stored, execute the rest.

With `design.target_mcse`, replicates are added in batches (to every design
point, so the design stays balanced) until each named effect's Monte Carlo
standard error is at most its tolerance, or the cap is reached. The decision
reads only stored results, so an interrupted sweep resumes to the same end.
"""

import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from model.core import outcomes
from model.core.layout import N_SEG
from model.experiments.executors import EXECUTORS, execute
from model.experiments.experiment import Experiment, RunSpec, measles_record, plan_runs
from model.experiments.progress import Progress
from model.experiments.store import FAILURES, ResultStore, experiment_key, run_id, store_measles
from model.experiments.tables import mcse, paired_effects_by_group

Say = Callable[[str], None] | None


class RunsFailed(Exception):
    """Some runs raised; they are recorded in failures.jsonl and retried on the next invocation."""


@dataclass(frozen=True)
class Settings:
    """How runs execute: `workers` processes on the `executor`, or the Dask cluster at `scheduler`."""

    workers: int = 1
    executor: str = EXECUTORS[0]
    scheduler: str | None = None


@dataclass(frozen=True)
class Plan:
    """The planned runs in plan order and the run id of each."""

    specs: list[RunSpec]
    ids: list[str]


def run_info(spec: RunSpec) -> dict[str, Any]:
    """What identifies a run beside its id, in the store and in failures.jsonl."""
    return {
        "scenario": spec.scenario.name,
        "point": spec.point,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "design": dict(spec.design_values),
    }


def shared_key(exp: Experiment) -> dict[str, Any]:
    """What every run id of the experiment shares; the measles layer's settings only when it asks for them, so the
    ids of every other experiment stay as they were."""
    return experiment_key(exp.place, exp.scale, exp.months, exp.burn_in_months) | measles_record(exp.measles)


def make_plan(exp: Experiment, replicates: int, shared: dict[str, Any]) -> Plan:
    """The runs of `replicates` replicates and their ids."""
    specs = plan_runs(exp, replicates)
    return Plan(specs, [run_id(shared, s.params.entries, s.scenario, s.seed) for s in specs])


def verify_stored(exp: Experiment, store: ResultStore, plan: Plan, verified: set[str], say: Say) -> None:
    """Read back every stored run the plan needs and not yet checked; damaged ones go to store/quarantine/."""
    expected = {
        rid: run_info(spec) for spec, rid in zip(plan.specs, plan.ids, strict=True) if rid not in verified
    }
    for line in store.verify(expected, exp.months * N_SEG):
        (say or (lambda msg: print(msg, file=sys.stderr, flush=True)))(line)  # shown even with --quiet
    verified.update(rid for rid in expected if store.path(rid).exists())


def run_pending(exp: Experiment, store: ResultStore, plan: Plan, settings: Settings, say: Say) -> None:
    """Execute every planned run not yet stored, storing each as it finishes; failures are recorded.

    A run lost with its worker (the OS killed the process) is recorded as a failure and retried once in a new
    pool (executors.run_local); only runs that fail for good make the sweep stop with RunsFailed.
    """
    stored = store.stored_ids()
    todo: dict[str, int] = {}  # run id -> first plan index (a design may repeat a point)
    for index, rid in enumerate(plan.ids):
        if rid not in stored and rid not in todo:
            todo[rid] = index
    if say:
        where = settings.scheduler or f"{settings.workers} worker{'s' if settings.workers != 1 else ''}"
        say(f"{len(set(plan.ids))} runs planned, {len(set(plan.ids)) - len(todo)} already stored, {len(todo)} to run "
            f"({settings.executor}, {where})")  # fmt: skip
    progress = Progress(len(todo), say)
    failed = []
    tasks = [(i, plan.specs[i]) for i in todo.values()]
    try:
        with closing(execute(exp, tasks, settings.workers, settings.executor, settings.scheduler)) as attempts:
            for a in attempts:
                spec, rid = plan.specs[a.index], plan.ids[a.index]
                info = run_info(spec) | {"worker": a.worker}
                if a.counters is None:
                    store.record_failure(rid, info | {"retried": a.retried}, a.error, a.trace)
                    if a.retried:
                        continue  # it comes back as another attempt
                    failed.append(a.error)
                else:
                    measles = {} if a.measles is None else store_measles(a.measles)
                    store.put(rid, a.counters, {**info, "seconds": a.seconds, **measles})
                progress.advance()
    finally:
        progress.close()
    if failed:
        raise RunsFailed(
            f"{len(failed)} of {len(todo)} runs failed (first: {failed[0]}); errors and tracebacks are in "
            f"{store.folder / FAILURES}. The other runs are stored: run the same command again to retry the rest."
        )


def achieved_mcse(exp: Experiment, store: ResultStore, plan: Plan, cache: dict[str, dict[str, float]]) -> dict:
    """The largest MCSE of each targeted effect over scenarios and design points (NaN if any is undefined)."""
    finals = {}
    for spec, rid in zip(plan.specs, plan.ids, strict=True):
        if rid not in cache:
            cache[rid] = outcomes.final_year(store.load(rid))
        finals[(spec.scenario.name, spec.point, spec.replicate)] = cache[rid]
    groups = paired_effects_by_group(exp, plan.specs, finals)
    target = exp.design.target_mcse
    worst = {}
    for name in target.effects:
        values = [mcse([p[name] for p in paired]) for paired in groups.values()]
        worst[name] = float("nan") if any(v != v for v in values) else max(values, default=float("nan"))
    return worst


def run_all(exp: Experiment, store: ResultStore, settings: Settings, say: Say) -> Plan:
    """Run the experiment to the end (every replicate batch that target_mcse asks for); the final plan."""
    shared = shared_key(exp)
    target = exp.design.target_mcse if exp.design is not None else None
    replicates, cache, verified = exp.replicates, {}, set()
    while True:
        plan = make_plan(exp, replicates, shared)
        store.write_plan([{"run_id": rid, **run_info(s)} for s, rid in zip(plan.specs, plan.ids, strict=True)])
        verify_stored(exp, store, plan, verified, say)
        run_pending(exp, store, plan, settings, say)
        if target is None:
            return plan
        worst = achieved_mcse(exp, store, plan, cache)
        met = all(worst[name] <= tol for name, tol in target.effects.items())  # NaN never meets a target
        if say:
            shown = ", ".join(f"{n} {worst[n]:.3g} (target {t:g})" for n, t in target.effects.items())
            say(f"after {replicates} replicates, largest MCSE: {shown}")
        if met or replicates >= target.max_replicates:
            if not met and say:
                say(f"target_mcse not met at the cap of {target.max_replicates} replicates")
            return plan
        replicates = min(target.max_replicates, replicates + target.batch_replicates)
