"""Did a change of the random streams change a conclusion? The headline effects against those from before it.

A deliberate change of the streams (a faster way to draw the same chances) moves every number by chance alone.
It changes no conclusion if each effect's mean over replicates stays within Monte Carlo error of its old mean:
|new - old| <= 2 x the standard error of the difference of two independent means, sqrt(mcse_old^2 + mcse_new^2),
where each mcse is the sd of the per-replicate paired effect over sqrt(replicates) (`tables.mcse`).

    python -m model.analysis.mc_error summarise RESULTS_DIR OUT.csv   # mean and MCSE of every effect
    python -m model.analysis.mc_error compare BEFORE.csv RESULTS_DIR  # the headline effects against BEFORE
    python -m model.analysis.mc_error agree RESULTS_A RESULTS_B  # headline effects, overall and by segment, A against B

`agree` is the check that a stratified, weighted sample gives what the unweighted model gives (make stratified-check).
It makes hundreds of comparisons (each headline effect overall and in every segment), so at 2 standard errors each
about 1 in 22 lies outside by chance alone even when the two samples agree exactly; its verdict therefore holds the
family of comparisons to a 5% error rate (Holm's step-down correction, statsmodels), and prints the per-comparison
2-standard-error count beside the count chance gives. A comparison where one folder's effect is the same in every
replicate (a small segment in which a rare change never happens) has no Monte Carlo error to judge by, and one where
it moves in fewer than MIN_MOVED replicates has an error the normal approximation does not describe (a mean of one
non-zero value and nineteen zeros): both are listed, not tested.
"""

import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from model.core.layout import SEGMENTS
from model.experiments import tables
from model.inputs.errors import InputError
from model.present.report import HEADLINE_EFFECTS
from model.present.results_folder import numeric_rows, paired_run_effects, read_table

SUMMARY_COLUMNS = ("scenario", "effect", "mean", "mcse", "n", "moved")
Z_LIMIT = 2.0  # an effect may move by at most 2 standard errors of the difference
FAMILY_ALPHA = 0.05  # `agree`: the chance that a family of comparisons of two agreeing samples fails the check
MIN_MOVED = 5  # `agree` tests an effect only if non-zero in at least this many replicates of each folder (np >= 5)


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
    """Mean, MCSE and replicates of every effect of a results folder, as effects.csv has them (NaN ignored), and in
    how many replicates it moved (was not zero)."""
    out = []
    for (sc, e), values in replicate_effects(folder).items():
        mean, _, _, n = tables.summarise(values)
        moved = sum(1 for v in values if v != 0 and not math.isnan(v))
        out.append({"scenario": sc, "effect": e, "mean": mean, "mcse": tables.mcse(values), "n": n, "moved": moved})
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
    """One effect before and after: the means, the standard error of their difference and the z it gives; `fixed`
    says whether the effect was the same in every replicate (old, new), `moved` in how many it was not zero."""

    scenario: str
    effect: str
    old: float
    new: float
    se: float
    fixed: tuple[bool, bool] = (False, False)
    moved: tuple[int, int] = (MIN_MOVED, MIN_MOVED)

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
            fixed = (old["mcse"] == 0, row["mcse"] == 0)
            moved = (int(old.get("moved", old["n"])), int(row.get("moved", row["n"])))  # a record may predate `moved`
            out.append(Comparison(row["scenario"], row["effect"], old["mean"], row["mean"], se, fixed, moved))
    return out


@dataclass(frozen=True)
class Family:
    """`agree`'s verdict on a family of comparisons: those where both effects move in at least MIN_MOVED replicates
    are tested together (Holm, family-wise FAMILY_ALPHA); an effect exactly equal in both is agreement; one fixed in
    one folder only, or moving in fewer replicates (sparse), cannot be judged by a normal Monte Carlo error; two
    fixed at different values is a disagreement."""

    tested: tuple[Comparison, ...]
    rejected: tuple[Comparison, ...]
    exact: tuple[Comparison, ...]
    one_fixed: tuple[Comparison, ...]
    both_fixed_apart: tuple[Comparison, ...]
    sparse: tuple[Comparison, ...] = ()

    @property
    def agrees(self) -> bool:
        """No tested comparison rejected and no effect fixed at different values in the two folders."""
        return not self.rejected and not self.both_fixed_apart


def family_verdict(rows: list[Comparison], alpha: float = FAMILY_ALPHA) -> Family:
    """Sort the comparisons into kinds and test the varying ones together: two-sided normal p-values of their z,
    Holm's step-down correction at family-wise error `alpha`."""
    exact = tuple(c for c in rows if c.old == c.new and all(c.fixed))
    both_apart = tuple(c for c in rows if all(c.fixed) and c.old != c.new)
    one_fixed = tuple(c for c in rows if c.fixed[0] != c.fixed[1])
    varying = [c for c in rows if not any(c.fixed)]
    sparse = tuple(c for c in varying if min(c.moved) < MIN_MOVED)
    tested = tuple(c for c in varying if min(c.moved) >= MIN_MOVED)
    if not tested:
        return Family((), (), exact, one_fixed, both_apart, sparse)
    p = 2.0 * norm.sf(np.abs([c.z for c in tested]))
    reject = multipletests(p, alpha=alpha, method="holm")[0]
    rejected = tuple(c for c, r in zip(tested, reject, strict=True) if r)
    return Family(tested, rejected, exact, one_fixed, both_apart, sparse)


def print_family(rows: list[Comparison], a: str, b: str) -> int:
    """One line per comparison, then the family's verdict and the 2-standard-error count beside chance's; 1 if
    the family does not agree."""
    fam = family_verdict(rows)
    rejected = {id(c) for c in fam.rejected} | {id(c) for c in fam.both_fixed_apart}
    one_fixed, sparse = {id(c) for c in fam.one_fixed}, {id(c) for c in fam.sparse}
    print(header_line(a, b))
    for c in rows:
        flag = "  REJECTED" if id(c) in rejected else "  one fixed" if id(c) in one_fixed else ""
        flag = flag or (f"  sparse (moved in {c.moved[0]} and {c.moved[1]})" if id(c) in sparse else "")
        print(row_line(c, flag or ("" if c.within else "  outside 2 se")))
    outside = sum(not c.within for c in fam.tested)
    chance = 2.0 * float(norm.sf(Z_LIMIT)) * len(fam.tested)
    print(
        f"{len(rows)} comparisons: {len(fam.exact)} exactly equal (the same in every replicate of both), "
        f"{len(fam.one_fixed)} fixed in one folder only (not testable: listed 'one fixed'), "
        f"{len(fam.sparse)} moving in under {MIN_MOVED} replicates of one folder (not testable: 'sparse'), "
        f"{len(fam.both_fixed_apart)} fixed at different values, {len(fam.tested)} tested"
    )
    print(f"tested: {outside} beyond {Z_LIMIT:g} standard errors (chance alone gives about {chance:.0f})")
    verdict = "agree" if fam.agrees else "DO NOT agree"
    print(
        f"Holm, family-wise error {FAMILY_ALPHA:g}: {len(fam.rejected)} rejected; "
        f"{len(fam.both_fixed_apart)} fixed apart: the folders {verdict}"
    )
    return 0 if fam.agrees else 1


def with_segments(effects: tuple[str, ...]) -> tuple[str, ...]:
    """Each effect overall and in every segment (`<effect>__<segment>`)."""
    return effects + tuple(f"{e}__{seg}" for e in effects for seg in SEGMENTS)


def header_line(old: str, new: str) -> str:
    """The column heads of a printed comparison."""
    return f"{'scenario':28} {'effect':58} {old:>9} {new:>9} {'se':>7} {'z':>6}"


def row_line(c: Comparison, flag: str) -> str:
    """One printed comparison: scenario, effect, both means, the standard error of the difference, z and a flag."""
    return f"{c.scenario:28} {c.effect:58} {c.old:9.3f} {c.new:9.3f} {c.se:7.3f} {c.z:6.2f}{flag}"


def print_comparisons(rows: list[Comparison], before: str, after: str) -> int:
    """One line per effect, then how many lie within Z_LIMIT standard errors; 1 if any does not."""
    print(header_line(before, after))
    for c in rows:
        print(row_line(c, "" if c.within else "  outside"))
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
        return print_family([c for c in rows if not (math.isnan(c.old) or math.isnan(c.new))], "A", "B")
    print("\n".join(__doc__.strip().splitlines()[-5:-2]), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
