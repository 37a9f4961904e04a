"""What a plan will cost, estimated before any run: the number of runs and the memory they need at once.

An experiment is refused, with the numbers, when it plans more than MAX_RUNS runs or MAX_POINTS design points,
or when the runs in flight would need more than MEMORY_FRACTION of this machine's memory. The estimate is
arithmetic on the plan's sizes (households x bytes, replicates x points x scenarios), so `check` answers at once
however large the experiment asks to be.
"""

import psutil

from model.core.layout import MAX_CHILDREN, N_COUNTERS, N_SEG
from model.inputs.errors import InputError

MAX_RUNS = 200_000  # runs in one experiment (the plan holds each run's parameters in memory)
MAX_POINTS = 50_000  # design points in one experiment
MEMORY_FRACTION = 0.8  # of this machine's physical memory, for the runs in flight together
# Bytes of state per household (model/core/population.py State): seg, trust, propensity, social[2], ever,
# children's birth, flags and need start, the CSR offset, and 4 bytes per neighbour.
STATE_BYTES = 1 + 4 + 4 + 4 + 1 + MAX_CHILDREN * (2 + 2 + 2) + 8
# Margin over that state for the temporaries of building and stepping a population. Measured once: a kernel
# run of Wigan at scale 1 (39,300 households) raised ru_maxrss by 67 bytes a household, below STATE_BYTES plus
# the neighbour lists, so 3x is a margin, not a fit. AGENT_BYTES (Mesa Family agents) is an assumption: the one
# attempt to measure it (7,860 households) stayed under the process's earlier peak and gave no figure.
KERNEL_PEAK_FACTOR = 3.0
AGENT_BYTES = 4_000
PROCESS_BYTES = 400 * 2**20  # one Python process with numpy, numba and the compiled kernel loaded


def machine_memory() -> int:
    """This machine's physical memory in bytes."""
    return int(psutil.virtual_memory().total)


def run_bytes(households: int, degree: int, months: int, driver: str) -> int:
    """Estimated peak memory of one run: its population, its monthly counters, and (agents) the Mesa agents."""
    state = households * (STATE_BYTES + 4 * degree) * KERNEL_PEAK_FACTOR
    if driver == "agents":
        state += households * AGENT_BYTES
    return int(state + months * N_SEG * N_COUNTERS * 8)


def check_runs(file: str, field: str, n_runs: int, what: str) -> None:
    """Refuse a plan of more than MAX_RUNS runs, naming how the count arose."""
    if n_runs > MAX_RUNS:
        raise InputError(file, field, f"at most {MAX_RUNS} runs in one experiment", f"{n_runs} runs ({what})")


def check_points(file: str, field: str, n_points: int) -> None:
    """Refuse a design of more than MAX_POINTS points (before any point is drawn)."""
    if n_points > MAX_POINTS:
        raise InputError(file, field, f"at most {MAX_POINTS} design points", f"{n_points} points")


def check_memory(file: str, field: str, households: int, degree: int, months: int, driver: str, workers: int) -> int:
    """Refuse when `workers` runs at once would need more than MEMORY_FRACTION of the machine; the estimate."""
    per_run = run_bytes(households, degree, months, driver)
    need = workers * (per_run + PROCESS_BYTES)
    limit = int(machine_memory() * MEMORY_FRACTION)
    if need > limit:
        raise InputError(
            file,
            field,
            f"runs that fit in memory: {workers} at once x {gib(per_run + PROCESS_BYTES)} each is more than "
            f"{MEMORY_FRACTION:.0%} of this machine's {gib(machine_memory())}",
            f"{households} households a run",
        )
    return need


def gib(n: float) -> str:
    """Bytes for a reader."""
    return f"{n / 2**30:.3g} GiB" if n >= 2**30 else f"{n / 2**20:.3g} MiB"
