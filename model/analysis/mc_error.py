"""Did a change of the random streams change a conclusion? The headline effects against those from before it.

A deliberate change of the streams (a faster way to draw the same chances) moves every number by chance alone.
It changes no conclusion if each effect's mean over replicates stays within Monte Carlo error of its old mean:
|new - old| <= 2 x the standard error of the difference of two independent means, sqrt(mcse_old^2 + mcse_new^2),
where each mcse is the sd of the per-replicate paired effect over sqrt(replicates) (`tables.mcse`).

    python -m model.analysis.mc_error summarise RESULTS_DIR OUT.csv   # mean and MCSE of every effect
    python -m model.analysis.mc_error compare BEFORE.csv RESULTS_DIR  # the headline effects against BEFORE
    python -m model.analysis.mc_error agree RESULTS_A RESULTS_B  # headline effects, overall and by segment, A against B

`agree` is the check that a stratified, weighted sample gives what the unweighted model gives (make stratified-check).
"""

import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from model.core.layout import SEGMENTS
from model.experiments import tables
from model.inputs.errors import InputError
from model.present.report import HEADLINE_EFFECTS
from model.present.results_folder import numeric_rows, paired_run_effects, read_table

SUMMARY_COLUMNS = ("scenario", "effect", "mean", "mcse", "n")
Z_LIMIT = 2.0  # an effect may move by at most 2 standard errors of the difference


def replicate_effects(folder: Path) -> dict[tuple[str, str], list[float]]:
    """Each (scenario, effect): the paired effect against baseline of every replicate, in replicate order."""
    paired = paired_run_effects(folder)
    if any(point for _, point, _ in paired):
        expected = "a folder without a design (a sweep's points are not replicates)"
        raise InputError(folder / "runs.csv", "point", expected)
    out: dict[tuple[str, str], list[float]] = {}
    for (sc, _, _), effects in paired.items():
        for effect, value in effects.items():
            out.setdefault((sc, effect), []).append(value)
    return out


def summarise(folder: Path) -> list[dict]:
    """Mean, MCSE and replicates of every effect of a results folder, as effects.csv has them (NaN ignored)."""
    out = []
    for (sc, e), values in replicate_effects(folder).items():
        mean, _, _, n = tables.summarise(values)
        out.append({"scenario": sc, "effect": e, "mean": mean, "mcse": tables.mcse(values), "n": n})
    return out


def write_summary(rows: list[dict], path: Path) -> None:
    """The summary as CSV (full float precision)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        w.writerows({k: repr(v) if isinstance(v, float) else v for k, v in r.items()} for r in rows)


def read_summary(path: Path) -> dict[tuple[str, str], dict]:
    """A summary written by `write_summary`, by (scenario, effect)."""
    header, rows = read_table(path)
    return {(r["scenario"], r["effect"]): r for r in numeric_rows(path, header, rows, {"mean", "mcse", "n"})}


@dataclass(frozen=True)
class Comparison:
    """One effect before and after: the means, the standard error of their difference and the z it gives."""

    scenario: str
    effect: str
    old: float
    new: float
    se: float

    @property
    def z(self) -> float:
        """(new - old) / se; 0 when both are exactly equal (an effect that is zero in every replicate)."""
        if self.new == self.old:
            return 0.0
        return (self.new - self.old) / self.se if self.se > 0 else math.inf

    @property
    def within(self) -> bool:
        """Whether the effect moved by at most Z_LIMIT standard errors."""
        return abs(self.z) <= Z_LIMIT


def compare(
    before: dict[tuple[str, str], dict], after: list[dict], effects: tuple[str, ...] = tuple(HEADLINE_EFFECTS)
) -> list[Comparison]:
    """The headline effects (the report's table) of every scenario, before and after."""
    out = []
    for row in after:
        key = (row["scenario"], row["effect"])
        if row["effect"] in effects and key in before:
            old = before[key]
            se = math.sqrt(old["mcse"] ** 2 + row["mcse"] ** 2)
            out.append(Comparison(row["scenario"], row["effect"], old["mean"], row["mean"], se))
    return out


def with_segments(effects: tuple[str, ...]) -> tuple[str, ...]:
    """Each effect overall and in every segment (`<effect>__<segment>`)."""
    return effects + tuple(f"{e}__{seg}" for e in effects for seg in SEGMENTS)


def print_comparisons(rows: list[Comparison], before: str, after: str) -> int:
    """One line per effect, then how many lie within Z_LIMIT standard errors; 1 if any does not."""
    print(f"{'scenario':28} {'effect':58} {before:>9} {after:>9} {'se':>7} {'z':>6}")
    for c in rows:
        flag = "" if c.within else "  outside"
        print(f"{c.scenario:28} {c.effect:58} {c.old:9.3f} {c.new:9.3f} {c.se:7.3f} {c.z:6.2f}{flag}")
    outside = [c for c in rows if not c.within]
    print(f"{len(rows) - len(outside)} of {len(rows)} effects within {Z_LIMIT:g} standard errors")
    return 1 if outside else 0


def main(argv: list[str]) -> int:
    """`summarise RESULTS OUT.csv` or `compare BEFORE.csv RESULTS`; compare exits 1 if an effect moved too far."""
    if len(argv) == 3 and argv[0] == "summarise":
        write_summary(summarise(Path(argv[1])), Path(argv[2]))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        rows = compare(read_summary(Path(argv[1])), summarise(Path(argv[2])))
        return print_comparisons(rows, "before", "after")
    if len(argv) == 3 and argv[0] == "agree":
        a = {(r["scenario"], r["effect"]): r for r in summarise(Path(argv[1]))}
        rows = compare(a, summarise(Path(argv[2])), with_segments(tuple(HEADLINE_EFFECTS)))
        return print_comparisons([c for c in rows if not (math.isnan(c.old) or math.isnan(c.new))], "A", "B")
    print("\n".join(__doc__.strip().splitlines()[-5:-2]), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
