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
from model.core.population import stratified_design
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


def sampled_households(results: Results) -> dict[str, float] | None:
    """Households of each group in a stratified sample's run (docs/ODD.md 5.1); None for a proportional place."""
    place = results.resolved["place"]
    if "sample" not in place:
        return None
    sample = place["sample"]
    design = stratified_design(place["n_families"], tuple(place["segment_shares"]), results.scale,
                               sample["general_households"], sample["min_households"])  # fmt: skip
    return {seg: float(c) for seg, c in zip(SEGMENTS, design.counts, strict=True)}


def simulated_children(results: Results) -> dict[str, float]:
    """Children of each group in one simulated run: the place's children x scale x the group's share of households
    (in a stratified sample: the group's households x the place's children per household)."""
    shares = results.resolved["place"]["segment_shares"]
    sampled = sampled_households(results)
    if sampled is not None:
        return {seg: n * results.n_children / results.n_families for seg, n in sampled.items()}
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


AVOIDING = "avoiding_share"
BILL = "national_sui_mandate"  # the Bill as drafted: the avoidance figure's groups are drawn under it
REPEALED = "national_mandate_repealed"  # the Bill repealed (its flows end): drawn against the Bill kept
EXPOSED = "insecure_immigration"  # the group the persistence evidence is about
ALL = "all"  # the segment column of the avoidance CSV for all families (the outcome without a segment)
AVOIDANCE_SEGMENTS = ("insecure_immigration", "grt", "ehe", "domestic_abuse", "csc_known", "general")
YEARS_AFTER_REPEAL = 2  # the persistence evidence: about two years after the US rule was rescinded


def simulated_families(results: Results) -> dict[str, float]:
    """Households of each group in one simulated run: the place's households x scale x the group's share."""
    shares = results.resolved["place"]["segment_shares"]
    sampled = sampled_households(results)
    if sampled is not None:
        return sampled
    return {seg: results.n_families * results.scale * float(s) for seg, s in zip(SEGMENTS, shares, strict=True)}


def avoidance_policy(results: Results) -> str | None:
    """The policy whose avoidance by group is drawn: the Bill as drafted, else the one most families avoid under."""
    if BILL in results.policies:
        return BILL
    name = f"{AVOIDING}_change_pp"
    if name not in results.effect_names():
        return None
    scored = [
        (m, sc) for m, sc in ((results.effect(sc, name).mean, sc) for sc in results.policies) if not math.isnan(m)
    ]
    return max(scored)[1] if scored else None


def repeal_pair(results: Results) -> tuple[str, str, int] | None:
    """(the Bill, the Bill repealed, the policy month of the repeal) when the folder holds both, else None."""
    if BILL not in results.policies or REPEALED not in results.policies:
        return None
    end = results.end_month(REPEALED)
    return None if end is None else (BILL, REPEALED, end)


def avoiding_band(
    results: Results, scenario: str, segment: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Months, and the mean and 90% band over runs of the share of families avoiding (segment ALL: all families)."""
    months, by_scenario = results.series(AVOIDING if segment == ALL else f"{AVOIDING}__{segment}")
    return (months, *band(by_scenario[scenario]))


def avoidance_rows(results: Results) -> tuple[list[str], list[list]]:
    """The avoidance figure's lines month by month: by group under the policy, and the Bill kept against repealed."""
    header = ["panel", "scenario", "label", "segment", "families_simulated", "month", "years_since_policy"]
    header += ["avoiding_share_mean", "avoiding_share_lo", "avoiding_share_hi"]
    families = simulated_families(results)
    stratified = sampled_households(results) is not None
    families[ALL] = sum(families.values()) if stratified else results.n_families * results.scale
    lines = []
    policy = avoidance_policy(results)
    if policy is not None:
        lines += [("by_group", policy, seg) for seg in AVOIDANCE_SEGMENTS]
    pair = repeal_pair(results)
    if pair is not None:
        lines += [("after_repeal", sc, seg) for seg in (EXPOSED, ALL) for sc in pair[:2]]
    rows = []
    for panel, sc, seg in lines:
        months, mean, lo, hi = avoiding_band(results, sc, seg)
        for i, m in enumerate(months):
            years = (int(m) - results.burn_in_months) / 12
            rows.append(
                [
                    panel,
                    sc,
                    results.label(sc),
                    seg,
                    round(families[seg]),
                    int(m),
                    years,
                    *(float(a[i]) for a in (mean, lo, hi)),
                ]
            )
    return header, rows


def at_policy_month(months: np.ndarray, values: np.ndarray, results: Results, month: int) -> float:
    """The value at a month counted from the policy start (NaN if the run does not reach it)."""
    where = np.flatnonzero(months == results.burn_in_months + month)
    return float(values[where[0]]) if where.size else math.nan


def avoidance_summary(results: Results) -> dict | None:
    """The numbers the avoidance figure's sentence states, read from the same series the figure draws.

    `peak` per group: the highest monthly mean share avoiding after the policy starts, and its policy month;
    with a repeal, the exposed group's and all families' shares at the repeal and YEARS_AFTER_REPEAL later.
    """
    policy = avoidance_policy(results)
    if policy is None or not results.has_series(AVOIDING):
        return None
    peaks = {}
    for seg in AVOIDANCE_SEGMENTS:
        months, mean, _, _ = avoiding_band(results, policy, seg)
        after = (months >= results.burn_in_months) & np.isfinite(mean)
        if after.any():
            i = int(np.argmax(np.where(after, mean, -np.inf)))
            peaks[seg] = (float(mean[i]), int(months[i]) - results.burn_in_months)
    out: dict = {"policy": policy, "peaks": peaks, "repeal": None}
    pair = repeal_pair(results)
    if pair is not None:
        bill, repealed, end = pair
        later = min(end + 12 * YEARS_AFTER_REPEAL, results.months - 1 - results.burn_in_months)
        shares = {}
        for seg in (EXPOSED, ALL):
            months, mean, _, _ = avoiding_band(results, repealed, seg)
            kept = avoiding_band(results, bill, seg)[1]
            shares[seg] = tuple(
                at_policy_month(months, v, results, m) for v, m in ((mean, end), (mean, later), (kept, later))
            )
        out["repeal"] = {"scenario": repealed, "month": end, "later": later, "shares": shares}
    return out


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
