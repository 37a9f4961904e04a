"""`disengage compare A B`: every effect of two results folders side by side, and whether it moved beyond chance.

Each effect (a scenario's paired difference from baseline, overall and by group) has a mean over replicates in
each folder. The difference B - A lies beyond Monte Carlo error when it exceeds `mc_error.Z_LIMIT` standard
errors. When both folders ran the same replicate seeds (common random numbers: a `--set` what-if of the same
experiment), replicate r of A pairs with replicate r of B and the standard error is that of the paired
differences, sd / sqrt(n), usually far smaller; otherwise the folders are independent and the standard error of
the difference of the two means is sqrt(mcse_A^2 + mcse_B^2), as `make streams-check` uses (model/analysis/mc_error.py).
"""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from model.analysis.mc_error import Z_LIMIT, Comparison, replicate_effects
from model.experiments import tables
from model.present.results_folder import Results, ordered_scenarios

COLUMNS = (
    "scenario", "effect", "a_mean", "a_mcse", "a_n", "b_mean", "b_mcse", "b_n", "difference", "se", "z",
    "beyond_mc_error", "pairing",
)  # fmt: skip
PAIRED = "paired (same replicate seeds)"
INDEPENDENT = "independent (different seeds)"
MAX_LISTED = 8  # differing parameters named on screen


@dataclass(frozen=True)
class EffectComparison:
    """One effect in both folders: the Comparison (old = A, new = B, se) and each side's MCSE and replicates."""

    cmp: Comparison
    a_mcse: float
    b_mcse: float
    a_n: int
    b_n: int
    paired: bool

    @property
    def judged(self) -> bool:
        """Whether there is a standard error to judge the difference by (2 or more replicates on each side)."""
        return not math.isnan(self.cmp.se) and not math.isnan(self.cmp.new - self.cmp.old)

    @property
    def beyond(self) -> str:
        """'yes' or 'no' beyond Monte Carlo error; '' when it cannot be judged."""
        return ("no" if self.cmp.within else "yes") if self.judged else ""

    def row(self) -> dict:
        """The CSV row (full float precision)."""
        c = self.cmp
        values = {
            "scenario": c.scenario, "effect": c.effect, "a_mean": c.old, "a_mcse": self.a_mcse, "a_n": self.a_n,
            "b_mean": c.new, "b_mcse": self.b_mcse, "b_n": self.b_n, "difference": c.new - c.old, "se": c.se,
            "z": c.z if self.judged else math.nan, "beyond_mc_error": self.beyond,
            "pairing": PAIRED if self.paired else INDEPENDENT,
        }  # fmt: skip
        return {k: repr(v) if isinstance(v, float) else v for k, v in values.items()}


def same_seeds(a: Results, b: Results) -> bool:
    """Whether replicate r of A and of B ran the same seed, for every replicate of the shorter of the two."""
    sa, sb = a.resolved.get("seeds") or [], b.resolved.get("seeds") or []
    n = min(len(sa), len(sb))
    return n > 0 and sa[:n] == sb[:n]


def paired_se(a: list[float], b: list[float]) -> float:
    """MCSE of the mean of the replicate-by-replicate differences b - a (pairs with a NaN left out)."""
    diffs = [y - x for x, y in zip(a, b, strict=True) if not (math.isnan(x) or math.isnan(y))]
    return tables.mcse(diffs)


def compare_folders(folder_a: str | Path, folder_b: str | Path) -> list[EffectComparison]:
    """Every (scenario, effect) present in both folders, in the project's scenario order then effects.csv's; paired
    folders are compared over the replicates both ran (the first n: a replicate's seed depends on its index only)."""
    a, b = Results(folder_a), Results(folder_b)
    paired = same_seeds(a, b)
    va, vb = replicate_effects(a.folder), replicate_effects(b.folder)
    order = {sc: i for i, sc in enumerate(ordered_scenarios(list(dict.fromkeys(sc for sc, _ in va))))}
    out = []
    for key in sorted((k for k in va if k in vb), key=lambda k: order[k[0]]):
        xa, xb = va[key], vb[key]
        if paired:  # the replicates both ran, so each mean is over the same seeds and draws
            n = min(len(xa), len(xb))
            xa, xb = xa[:n], xb[:n]
        (ma, _, _, na), (mb, _, _, nb) = tables.summarise(xa), tables.summarise(xb)
        ea, eb = tables.mcse(xa), tables.mcse(xb)
        se = paired_se(xa, xb) if paired else math.sqrt(ea**2 + eb**2)
        out.append(EffectComparison(Comparison(key[0], key[1], ma, mb, se), ea, eb, na, nb, paired))
    return out


def config_differences(folder_a: str | Path, folder_b: str | Path) -> list[str]:
    """What differs between the two folders' resolved configs: the reader's "why might these differ"."""
    ra, rb = Results(folder_a).resolved, Results(folder_b).resolved
    lines = [
        f"{key}: {ra.get(key)!r} in A, {rb.get(key)!r} in B"
        for key in ("scale", "months", "burn_in_months", "replicates", "seed")
        if ra.get(key) != rb.get(key)
    ]
    if ra.get("place") != rb.get("place"):
        lines.append(f"place: {ra['place'].get('name')} in A, {rb['place'].get('name')} in B")
    pa, pb = ra.get("parameters") or {}, rb.get("parameters") or {}
    keys = sorted(set(pa) | set(pb))
    moved = [f"{k} {number(pa.get(k))} -> {number(pb.get(k))}" for k in keys if pa.get(k) != pb.get(k)]
    if moved:
        more = f"; and {len(moved) - MAX_LISTED} more" if len(moved) > MAX_LISTED else ""
        lines.append(f"parameters (A -> B): {'; '.join(moved[:MAX_LISTED])}{more}")
    return lines


def number(value: object) -> str:
    """A parameter value as a reader writes it: 10, not 10.0."""
    return f"{value:g}" if isinstance(value, float) else repr(value)


def write_csv(rows: list[EffectComparison], path: Path) -> Path:
    """Every compared effect as CSV (COLUMNS); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(r.row() for r in rows)
    return path


def cell(value: float) -> str:
    """A mean or difference in the screen table: 'no value' (a group with no children in the runs), not NaN."""
    return f"{'no value':>9}" if math.isnan(value) else f"{value:9.3f}"


def screen(rows: list[EffectComparison], every: bool) -> list[str]:
    """The table printed: the overall effects (every group too with `every`), then a count of what moved."""
    shown = [r for r in rows if every or "__" not in r.cmp.effect]
    lines = [f"{'scenario':26} {'effect':40} {'A':>9} {'B':>9} {'B - A':>9} {'se':>7} {'z':>6}  beyond MC error"]
    for r in shown:
        c = r.cmp
        z, se = (f"{c.z:6.2f}", f"{c.se:7.3f}") if r.judged else (f"{'':6}", f"{'':7}")
        lines.append(
            f"{c.scenario:26} {c.effect:40} {cell(c.old)} {cell(c.new)} {cell(c.new - c.old)} {se} {z}  "
            f"{r.beyond or 'cannot say'}"
        )
    judged = [r for r in rows if r.judged]
    beyond = [r for r in judged if r.beyond == "yes"]
    lines.append(
        f"{len(beyond)} of {len(judged)} effects beyond {Z_LIMIT:g} standard errors "
        f"({'paired' if rows and rows[0].paired else 'independent'} replicates"
        + ("" if every else f"; {len(shown)} overall effects shown, all {len(rows)} in the CSV") + ")"
    )
    return lines


def unjudged_words(rows: list[EffectComparison]) -> str:
    """Why these effects cannot be judged: no value (a group with no children in the runs) or one replicate."""
    empty = sum(1 for r in rows if min(r.a_n, r.b_n) == 0)
    single = len(rows) - empty
    parts = []
    if empty:
        parts.append(f"{empty} have no value in a folder (no children of that group in its runs: the scale is too "
                     "small)")  # fmt: skip
    if single:
        parts.append(f"{single} have fewer than 2 replicates with a value, so no Monte Carlo error "
                     "(run more: --set replicates=N)")  # fmt: skip
    return "; ".join(parts)


def too_small(rows: list[EffectComparison], every: bool) -> tuple[str | None, str | None]:
    """(why some printed effects cannot be judged, or None; a note on effects only in the CSV that cannot be)."""
    if not rows:
        return "the two folders share no scenario with effects: nothing to compare", None
    shown = [r for r in rows if not r.judged and (every or "__" not in r.cmp.effect)]
    rest = [r for r in rows if not r.judged and r not in shown]
    problem = f"{len(shown)} effects shown cannot be judged: {unjudged_words(shown)}" if shown else None
    note = f"{len(rest)} group effects in the CSV cannot be judged: {unjudged_words(rest)}" if rest else None
    return problem, note
