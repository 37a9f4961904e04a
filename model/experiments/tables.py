"""The three tables of a results folder (runs, timeseries, effects) and the summaries they hold.

Every cell is written with the shortest exact repr, so the same counters give
byte-identical files whatever wrote them. A missing value is written `NaN`,
which pandas and polars both read as a float NaN (polars reads `nan` as text).
"""

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from model.core import outcomes
from model.experiments.experiment import BASELINE, Experiment, RunSpec
from model.experiments.folder import MEASLES_COMMUNITIES
from model.experiments.uncertainty import drawn_values
from model.sim.measles import COMMUNITY_FIELDS, MeaslesEnd

INTERVAL = (0.05, 0.95)  # 90% interval over replicates
NAN = "NaN"  # how a missing value is spelt in every table


def fmt(value: float | int | str) -> str:
    """One CSV cell: shortest exact repr for floats, so equal numbers give equal bytes; NaN as `NaN`."""
    if isinstance(value, float):
        return NAN if math.isnan(value) else repr(value)
    return str(value)

def csv_line(row: list) -> str:
    """One CSV line with its '\\n'."""
    return ",".join(fmt(v) for v in row) + "\n"

def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """A plain comma-separated file with a header and '\\n' line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        for row in rows:
            fh.write(csv_line(row))

def summarise(values: list[float]) -> tuple[float, float, float, int]:
    """Mean and 90% interval (5th-95th percentiles) over replicates, ignoring NaN."""
    vals = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    if vals.size == 0:
        return math.nan, math.nan, math.nan, 0
    lo, hi = np.quantile(vals, INTERVAL)
    return float(vals.mean()), float(lo), float(hi), int(vals.size)

def mcse(values: list[float]) -> float:
    """Monte Carlo standard error of a mean over replicates: sd / sqrt(n), ignoring NaN; NaN below 2 values."""
    vals = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    return float(vals.std(ddof=1) / math.sqrt(vals.size)) if vals.size >= 2 else math.nan

def paired_effects_by_group(
    exp: Experiment, specs: list[RunSpec], final: dict[tuple[str, int, int], dict[str, float]]
) -> dict[tuple[str, int], list[dict[str, float]]]:
    """Paired effects against baseline for each (scenario, design point), one per replicate, in replicate order."""
    groups: dict[tuple[str, int], list[dict[str, float]]] = {}
    for spec in specs:
        if spec.scenario.name != BASELINE:
            row, base = (
                final[(spec.scenario.name, spec.point, spec.replicate)],
                final[(BASELINE, spec.point, spec.replicate)],
            )
            paired = outcomes.paired_effects(row, base, exp.measles is not None)
            groups.setdefault((spec.scenario.name, spec.point), []).append(paired)
    return groups

def design_header(exp: Experiment) -> list[str]:
    """`point` and the design's parameter paths (nothing when the experiment has no design)."""
    return ["point", *exp.design.paths] if exp.design is not None else []

def design_cells(exp: Experiment, point: int) -> list:
    """The design point's index and parameter values (nothing when the experiment has no design)."""
    return [point, *exp.design.points[point]] if exp.design is not None else []

def drawn_header(exp: Experiment) -> list[str]:
    """The parameter paths the replicates drew (`uncertainty:`), as columns of runs.csv, so pandas, SALib or EMA
    Workbench read each future's values without the manifest; a path the design also sets is left out (the
    design's column holds the value run). Nothing without an `uncertainty:` section."""
    if exp.uncertainty is None:
        return []
    designed = set(exp.design.paths) if exp.design is not None else set()
    return [path for _, paths in exp.uncertainty.draws for path in paths if path not in designed]


def drawn_cells(exp: Experiment, replicate: int, header: list[str]) -> list[float]:
    """Replicate `replicate`'s drawn values under `header`'s paths (the manifest's replicate_parameters)."""
    if not header:
        return []
    values = drawn_values(exp.uncertainty, exp.params, exp.seed, replicate)
    return [values[path] for path in header]


def effects_rows(
    final: dict[tuple[str, int, int], dict[str, float]], exp: Experiment, specs: list[RunSpec]
) -> list[list]:
    """For each non-baseline scenario, design point and effect: mean, lo, hi, n (and MCSE under target_mcse)."""
    groups = paired_effects_by_group(exp, specs, final)
    with_mcse = exp.design is not None and exp.design.target_mcse is not None
    rows = []
    for sc in exp.scenarios:
        for (name, point), paired in groups.items():
            if name != sc.name:
                continue
            for effect in outcomes.effect_columns(exp.measles is not None):
                values = [p[effect] for p in paired]
                rows.append(
                    [sc.name, *design_cells(exp, point), effect, *summarise(values)]
                    + ([mcse(values)] if with_mcse else [])
                )
    return rows

Result = tuple[RunSpec, np.ndarray, MeaslesEnd | None]  # a run: its spec, counters and measles reading


def write_tables(folder: Path, exp: Experiment, results: Iterable[Result]) -> None:
    """runs.csv, timeseries.csv and effects.csv from the runs' counters, given in plan order.

    Time series are written as each run arrives, so memory holds only the final-year rows.
    With a design, tables gain `point` and the design's parameter columns; with draws, runs.csv gains each drawn
    parameter's column (drawn_header). With `measles:`, runs.csv and effects.csv gain the measles outcomes of each
    run's end state (outcomes.MEASLES; the time series do not: the layer reads the end state only), and
    measles_communities.csv holds each run's communities.
    """
    measles = exp.measles is not None
    cols = outcomes.columns(measles)
    ts_cols = outcomes.columns()
    design = exp.place.design(exp.scale)
    weights = None if design is None else design.weights  # a stratified sample's overall outcomes are weighted
    has_design = exp.design is not None
    lead = ["scenario", "replicate"] + (["point"] if has_design else []) + ["seed"]
    drawn = drawn_header(exp)
    run_rows, final, specs, community_rows = [], {}, [], []
    with (folder / "timeseries.csv").open("w", encoding="utf-8", newline="") as ts:
        ts.write(",".join(lead + ["month"] + ts_cols) + "\n")
        for spec, counters, end in results:
            key = (spec.scenario.name, spec.point, spec.replicate)
            final[key] = outcomes.final_year(counters, weights) | (end.values if end is not None else {})
            specs.append(spec)
            ids = [spec.scenario.name, spec.replicate] + ([spec.point] if has_design else []) + [spec.seed]
            if end is not None:
                per = exp.measles.importations_per_community
                columns = (end.communities[f] for f in COMMUNITY_FIELDS)
                community_rows += [ids + list(row) + [per] for row in zip(*columns, strict=True)]
            run_rows.append(
                ids + design_cells(exp, spec.point)[1:] + drawn_cells(exp, spec.replicate, drawn)
                + [final[key][c] for c in cols]
            )  # fmt: skip
            for m, monthly in enumerate(outcomes.monthly(counters, weights)):
                ts.write(csv_line(ids + [m] + [monthly[c] for c in ts_cols]))
    write_csv(folder / "runs.csv", lead + design_header(exp)[1:] + drawn + cols, run_rows)
    if measles:
        write_csv(folder / MEASLES_COMMUNITIES, lead + list(COMMUNITY_FIELDS) + ["importations"], community_rows)
    mcse_col = ["mcse"] if has_design and exp.design.target_mcse is not None else []
    write_csv(
        folder / "effects.csv",
        ["scenario", *design_header(exp), "outcome", "mean", "lo", "hi", "n", *mcse_col],
        effects_rows(final, exp, specs),
    )
