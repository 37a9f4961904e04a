"""The numbers behind each figure, as drawn: rolling means, changes against the status quo, and the CSV beside it.

Figures draw from these helpers and `draw_figures` writes their rows to
figures/<stem>.csv, so a reader can take away exactly what a figure shows
(and the raw monthly values the rolling mean smooths).
"""

import csv
import math
from pathlib import Path

import numpy as np

from model.core.layout import SEGMENTS
from model.present.results_folder import BASELINE, Results, band
from model.present.words import place_count

ROLLING_MONTHS = 12  # coverage and registration lines: the mean of the previous 12 months
MIN_MONTHS_IN_WINDOW = 6  # a rolling value needs at least this many months with a value
MIN_STABLE_CHILDREN = 500  # a group with fewer simulated children is greyed, not drawn (its rates are noise)


def rolling(values: np.ndarray, window: int = ROLLING_MONTHS) -> np.ndarray:
    """Trailing mean over `window` months of each run (axis 1), ignoring months without a value."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    sums = np.cumsum(filled, axis=1)
    counts = np.cumsum(finite, axis=1)
    lagged_s = np.concatenate([np.zeros((values.shape[0], window)), sums[:, :-window]], axis=1)[:, : values.shape[1]]
    lagged_c = np.concatenate([np.zeros((values.shape[0], window)), counts[:, :-window]], axis=1)[:, : values.shape[1]]
    n = counts - lagged_c
    with np.errstate(all="ignore"):
        out = (sums - lagged_s) / n
    out[n < min(MIN_MONTHS_IN_WINDOW, window)] = np.nan
    return out


def paired_series(results: Results, outcome: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Months, and per policy [run, month] of its rolling mean minus the status quo's in the same run."""
    months, by_scenario = results.series(outcome)
    base = rolling(by_scenario[BASELINE])
    out = {}
    for sc in results.policies:
        mine = rolling(by_scenario[sc])
        if mine.shape != base.shape:
            raise ValueError(f"{outcome}: {sc} has {mine.shape[0]} runs, the status quo {base.shape[0]}")
        out[sc] = mine - base
    return months, out


def simulated_children(results: Results) -> dict[str, float]:
    """Children of each group in one simulated run: the place's children x scale x the group's share of households."""
    shares = results.resolved["place"]["segment_shares"]
    return {seg: results.n_children * results.scale * float(s) for seg, s in zip(SEGMENTS, shares, strict=True)}


def stable_segments(results: Results) -> tuple[list[str], dict[str, float]]:
    """Groups with enough simulated children for a stable rate, and every group's simulated children."""
    children = simulated_children(results)
    return [s for s in SEGMENTS if children[s] >= MIN_STABLE_CHILDREN], children


def effect_rows(results: Results, names: list[str], by_segment: bool = False) -> tuple[list[str], list[list]]:
    """Each policy's effects (overall, or per group) with interval and the count for the whole place a year."""
    header = ["scenario", "label", "effect", "segment", "mean", "lo", "hi", "n", "per_year_in_place"]
    stable, children = stable_segments(results)
    if by_segment:
        header += ["children_simulated", "stable"]
    rows = []
    for sc in results.policies:
        for name in names:
            for seg in SEGMENTS if by_segment else [""]:
                e = results.effect(sc, f"{name}__{seg}" if seg else name)
                count = place_count(name, e.mean, results.n_children) if not seg else None
                row = [sc, results.label(sc), name, seg, e.mean, e.lo, e.hi, e.n, math.nan if count is None else count]
                if by_segment:
                    row += [round(children[seg]), int(seg in stable)]
                rows.append(row)
    return header, rows


def series_rows(results: Results, outcomes: list[str], change: tuple[str, ...] = ()) -> tuple[list[str], list[list]]:
    """Month by month per scenario: the raw mean and 90% band over runs, the rolling mean drawn, and its band.

    For outcomes in `change` (drawn as change against the status quo) the paired change is added.
    """
    header = ["scenario", "label", "outcome", "month", "years_since_policy", "raw_mean", "raw_lo", "raw_hi"]
    header += [f"rolling{ROLLING_MONTHS}_mean", f"rolling{ROLLING_MONTHS}_lo", f"rolling{ROLLING_MONTHS}_hi"]
    header += ["change_vs_status_quo_mean", "change_vs_status_quo_lo", "change_vs_status_quo_hi"]
    rows = []
    for outcome in outcomes:
        months, by_scenario = results.series(outcome)
        diffs = paired_series(results, outcome)[1] if outcome in change else {}
        for sc in results.scenarios:
            raw = band(by_scenario[sc])
            smooth = band(rolling(by_scenario[sc]))
            nan = np.full(months.shape, np.nan)
            delta = band(diffs[sc]) if sc in diffs else (nan, nan, nan)
            for i, m in enumerate(months):
                years = (int(m) - results.burn_in_months) / 12
                rows.append(
                    [sc, results.label(sc), outcome, int(m), years, *(float(a[i]) for a in (*raw, *smooth, *delta))]
                )
    return header, rows


def cell(value: object) -> str:
    """A CSV cell: floats in their shortest exact form, NaN as an empty cell."""
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    return str(value)


def write_rows(path: Path, header: list[str], rows: list[list]) -> Path:
    """A CSV (quoted where a label holds a comma) with a header; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows([[cell(v) for v in row] for row in rows])
    return path
