"""A combination not in the folder, run while the reader waits: a local authority's worth of families, capped in time.

It runs the policy with the chosen safeguards and the status quo under the
same seeds (the folder's replicate seeds), with the folder's parameters (as
resolved in its manifest; behaviour drawn per replicate is not redrawn) and
the assumption set's value, one replicate pair at a time until the time cap or
the folder's replicate count is reached; effects are paired as in effects.csv.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from model.core import outcomes
from model.experiments.reproduce import experiment_from_manifest
from model.experiments.tables import summarise
from model.explore.data import HEADLINE, Cell, Grid
from model.explore.safeguards import apply
from model.present.words import place_count
from model.sim.simulate import simulate

CAP_SECONDS = 10.0
MAX_HOUSEHOLDS = 4000  # about a tenth of Wigan: a local authority's worth, fast enough to answer in seconds


@dataclass(frozen=True)
class LiveResult:
    """Effects of a live run, how many replicate pairs it ran and how long it took."""

    cells: dict[str, Cell]
    replicates: int
    seconds: float
    scale: float
    scenario: str


def live_scale(grid: Grid) -> float:
    """The folder's scale, or less so the place has at most MAX_HOUSEHOLDS households."""
    n_families = int(grid.results.resolved["place"]["n_families"])
    return min(grid.results.scale, MAX_HOUSEHOLDS / n_families)


def run_live(
    grid: Grid,
    policy: str,
    chosen: dict[str, bool],
    assumption: str,
    progress: Callable[[float, str], None] | None = None,
    cap_seconds: float = CAP_SECONDS,
    cancelled: Callable[[], bool] = lambda: False,
) -> LiveResult:
    """Run `policy` with the chosen safeguards against the status quo until the cap; returns its effects."""
    exp = experiment_from_manifest(grid.results.manifest, str(grid.folder / "manifest.json"))
    params = exp.params
    value = grid.assumption_value(assumption)
    if value is not None and grid.design_parameter is not None:
        params = params.with_overrides({grid.design_parameter: value}, "explorer")
    scenario = apply(grid.scenarios[policy], chosen)
    baseline = grid.scenarios["baseline"]
    seeds = list(exp.seeds)
    scale = live_scale(grid)
    place, months, burn_in = exp.place, exp.months, exp.burn_in_months
    start = time.perf_counter()
    pairs: list[dict[str, float]] = []
    for i, seed in enumerate(seeds):
        if cancelled():
            break
        if progress:
            progress(i / len(seeds), f"replicate {i + 1} of up to {len(seeds)}")
        rows = [
            outcomes.final_year(simulate(params, place, scale, s, months, burn_in, seed)) for s in (scenario, baseline)
        ]
        pairs.append(outcomes.paired_effects(rows[0], rows[1]))
        elapsed = time.perf_counter() - start
        if elapsed + elapsed / (i + 1) > cap_seconds:
            break  # the next pair would likely end past the cap
    seconds = time.perf_counter() - start
    cells = {}
    for effect, _, _ in HEADLINE:
        values = [p[effect] for p in pairs if not math.isnan(p[effect])]
        mean, lo, hi, n = summarise(values) if values else (math.nan, math.nan, math.nan, 0)
        cells[effect] = Cell(effect, mean, lo, hi, n, place_count(effect, mean, grid.results.n_children))
    if progress:
        progress(1.0, f"{len(pairs)} replicates in {seconds:.1f} s")
    return LiveResult(cells, len(pairs), seconds, scale, scenario.name)


def per_pair_seconds(result: LiveResult) -> float:
    """Seconds one replicate pair took."""
    return result.seconds / max(result.replicates, 1)

