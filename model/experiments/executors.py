"""Where runs execute: in this process, in a pool of local processes, or on a Dask cluster.

Every executor takes (plan index, RunSpec) tasks and yields an `Attempt` per run
as runs finish, in completion order; the caller stores each and writes tables in
plan order, so results never depend on which worker finished first. Only a few
runs per worker are in flight at once, so memory stays bounded however long the
sweep. A run that raises comes back as an Attempt carrying its error, and the
others go on. A local worker process lost mid-run (killed by the OS, e.g. out of
memory) breaks its pool: each run it had in flight comes back as a failed
Attempt, and is retried once in a fresh pool (`retried` says a retry follows).
"""

import itertools
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from model.experiments import experiment
from model.experiments.experiment import Experiment, RunSpec
from model.sim.measles import MeaslesEnd

EXECUTORS = ("local", "dask")  # the first is the default
IN_FLIGHT_PER_WORKER = 2  # enough to keep a worker busy while the runner stores the last result
RETRIES_AFTER_LOST_WORKER = 1  # a run whose worker died is tried again this many times in a fresh pool
LOST_WORKER = "BrokenProcessPool: the worker process running it died (killed by the OS, e.g. for memory?)"
PARENT_CHECK_SECONDS = 1.0

Task = tuple[int, RunSpec]


@dataclass(frozen=True)
class Attempt:
    """One run's outcome: its counters, or the error it raised (with the traceback)."""

    index: int  # position in the plan
    counters: np.ndarray | None
    seconds: float
    worker: str  # host:pid of the process that ran it
    error: str = ""
    trace: str = ""
    retried: bool = False  # the run failed here but is attempted again in this sweep
    measles: MeaslesEnd | None = None  # the measles outcomes of its end state, when the experiment asks


def attempt(exp: Experiment, spec: RunSpec, index: int, single_thread: bool = False) -> Attempt:
    """Run one spec, catching any error so one bad run cannot stop the sweep.

    Workers that share a machine with other workers run numba on one thread each
    (results do not depend on the thread count).
    """
    if single_thread:
        numba.set_num_threads(1)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    measles = None
    try:
        if exp.measles is None:
            counters = experiment.run_one(exp, spec)
        else:
            counters, measles = experiment.run_measured(exp, spec)
    except Exception as exc:  # noqa: BLE001 - any error of a run is recorded, not raised
        error = f"{type(exc).__name__}: {exc}"
        return Attempt(index, None, time.perf_counter() - start, worker, error, traceback.format_exc())
    return Attempt(index, counters, time.perf_counter() - start, worker, measles=measles)


def bounded(
    submit: Callable[[Task], Any], wait_first: Callable, tasks: Iterable[Task], limit: int
) -> Iterator[Attempt]:
    """Keep at most `limit` tasks in flight; yield each result as it arrives, topping up first."""
    todo = iter(tasks)
    pending = {submit(t) for t in itertools.islice(todo, limit)}
    while pending:
        done, not_done = wait_first(pending)
        pending = set(not_done) | {submit(t) for t in itertools.islice(todo, len(done))}
        for future in done:
            yield future.result()


def run_serial(exp: Experiment, tasks: Iterable[Task]) -> Iterator[Attempt]:
    """Runs one after another in this process."""
    for index, spec in tasks:
        yield attempt(exp, spec, index)


_worker_exp: Experiment | None = None


def _exit_with_parent(parent_pid: int) -> None:
    """A worker whose runner died (even by SIGKILL) stops instead of running on as an orphan."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_worker(exp: Experiment, parent_pid: int) -> None:
    """Receive the experiment once; leave Ctrl-C to the runner, which stops the pool."""
    global _worker_exp
    _worker_exp = exp
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _attempt_in_worker(spec: RunSpec, index: int) -> Attempt:
    """A pool task: one run of the experiment the worker received at start."""
    assert _worker_exp is not None, "worker not initialised"
    return attempt(_worker_exp, spec, index, single_thread=True)


def run_local(exp: Experiment, tasks: Iterable[Task], workers: int) -> Iterator[Attempt]:
    """Runs in a pool of `workers` fresh processes (spawned: numba's threads do not survive fork).

    Runs lost with a dead worker are reported as failed Attempts and retried in a new pool, up to
    RETRIES_AFTER_LOST_WORKER times each; runs not yet sent to the broken pool go to the new one unreported.
    """
    todo = list(tasks)
    tries: dict[int, int] = {}
    while todo:
        lost: list[Task] = []
        unsent: list[Task] = []
        yield from pool_attempts(exp, todo, workers, lost, unsent)
        todo = unsent
        for task in lost:
            tries[task[0]] = tries.get(task[0], 0) + 1
            again = tries[task[0]] <= RETRIES_AFTER_LOST_WORKER
            yield Attempt(task[0], None, 0.0, f"{socket.gethostname()}:lost", LOST_WORKER, "", retried=again)
            if again:
                todo.append(task)


def pool_attempts(
    exp: Experiment, tasks: list[Task], workers: int, lost: list[Task], unsent: list[Task]
) -> Iterator[Attempt]:
    """Attempts from one process pool, at most IN_FLIGHT_PER_WORKER runs a worker in flight, until all are done
    or the pool breaks; then the runs it lost are put in `lost` and those never sent in `unsent`."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(exp, os.getpid()))
    queue = iter(tasks)
    pending: dict[Future, Task] = {}
    stopped = False
    try:
        for task in itertools.islice(queue, workers * IN_FLIGHT_PER_WORKER):
            pending[pool.submit(_attempt_in_worker, task[1], task[0])] = task
        broken = False
        while pending:
            done, _ = wait_futures(set(pending), return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    lost.append(task)
                    continue
                yield result
            if broken:
                continue  # the pool fails every run still in flight; collect them, send nothing more
            for task in itertools.islice(queue, len(done)):
                try:
                    pending[pool.submit(_attempt_in_worker, task[1], task[0])] = task
                except BrokenProcessPool:
                    unsent.append(task)
                    broken = True
                    break
        unsent.extend(queue)
    except BaseException:  # interrupted, or the caller stopped early: do not wait for runs in flight
        stopped = True
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    finally:
        if not stopped:
            pool.shutdown(wait=True)


def run_dask(exp: Experiment, tasks: Iterable[Task], workers: int, scheduler: str | None) -> Iterator[Attempt]:
    """Runs on a Dask cluster: the scheduler at `scheduler`, or a LocalCluster of `workers` processes."""
    from dask.distributed import Client, LocalCluster
    from dask.distributed import wait as wait_dask

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        slots = max(1, sum(client.nthreads().values()))
        shared = client.scatter(exp, broadcast=True)
        submit = lambda task: client.submit(attempt, shared, task[1], task[0], True, pure=False)  # noqa: E731
        yield from bounded(
            submit, lambda fs: wait_dask(fs, return_when="FIRST_COMPLETED"), tasks, slots * IN_FLIGHT_PER_WORKER
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def execute(
    exp: Experiment, tasks: list[Task], workers: int = 1, executor: str = EXECUTORS[0], scheduler: str | None = None
) -> Iterator[Attempt]:
    """Attempts of the given tasks, as they finish, on the chosen executor."""
    if executor == "dask":
        return run_dask(exp, tasks, workers, scheduler)
    if executor != "local":
        raise ValueError(f"unknown executor {executor!r}; expected one of {EXECUTORS}")
    if workers <= 1 or len(tasks) <= 1:
        return run_serial(exp, tasks)
    return run_local(exp, tasks, min(workers, len(tasks)))
