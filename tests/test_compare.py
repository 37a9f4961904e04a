"""`disengage compare A B`: every effect of two folders side by side, its difference and its Monte Carlo error,
each recomputed here from the folders' runs.csv."""

import csv
import math
import shutil
import statistics

import pytest

from model.analysis.compare import INDEPENDENT, PAIRED, compare_folders
from model.cli import main

from .conftest import run_tables, write_experiment

EFFECT = "mean_trust_change"  # mean_trust under the policy - under baseline, same replicate (outcomes.EFFECTS)
POLICY = "national_sui_mandate"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny experiment (3 replicates) and the same with families hearing from fewer households (same seeds),
    and the same again under another master seed (independent)."""
    tmp = tmp_path_factory.mktemp("compare")
    exp = write_experiment(tmp, months=24, replicates=3)
    other = write_experiment(tmp, name="other_seed", months=24, replicates=3, seed=8)
    a = run_tables(exp, tmp / "a")
    b = run_tables(exp, tmp / "b", sets=["network.degree=4"])
    c = run_tables(other, tmp / "c")
    return a, b, c


def trust_effects(folder) -> list[float]:
    """mean_trust of the policy minus baseline, replicate by replicate, from runs.csv."""
    with (folder / "runs.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    value = {(r["scenario"], int(r["replicate"])): float(r["mean_trust"]) for r in rows}
    return [value[POLICY, r] - value["baseline", r] for r in range(3)]


def one(rows, effect=EFFECT):
    return next(r for r in rows if r.cmp.scenario == POLICY and r.cmp.effect == effect)


def test_same_seeds_pair_replicates(folders):
    a, b, _ = folders
    ea, eb = trust_effects(a), trust_effects(b)
    r = one(compare_folders(a, b))
    assert r.paired
    assert r.cmp.old == pytest.approx(statistics.mean(ea)) and r.cmp.new == pytest.approx(statistics.mean(eb))
    diffs = [y - x for x, y in zip(ea, eb, strict=True)]
    assert r.cmp.se == pytest.approx(statistics.stdev(diffs) / math.sqrt(3)), "paired se is sd(B - A) / sqrt(n)"
    assert r.beyond == ("yes" if abs(statistics.mean(diffs)) > 2 * r.cmp.se else "no")


def test_other_seeds_are_independent(folders):
    a, _, c = folders
    r = one(compare_folders(a, c))
    assert not r.paired
    ea, ec = trust_effects(a), trust_effects(c)
    want = math.sqrt(statistics.variance(ea) / 3 + statistics.variance(ec) / 3)
    assert r.cmp.se == pytest.approx(want), "independent se is sqrt(mcse_A^2 + mcse_B^2)"


def test_a_folder_against_itself_moves_nothing(folders):
    a, _, _ = folders
    rows = compare_folders(a, a)
    assert rows and all(r.cmp.new == r.cmp.old or math.isnan(r.cmp.old) for r in rows)
    assert not any(r.beyond == "yes" for r in rows)


def test_command_prints_the_table_and_writes_every_effect_to_csv(folders, tmp_path, capsys):
    a, b, _ = folders
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(a), str(b), "--csv", str(out)]) == 0
    said = capsys.readouterr().out
    assert "differs: parameters (A -> B): network.degree 10 -> 4" in said, said
    assert f"{POLICY:26} {EFFECT:40}" in said and "beyond 2 standard errors (paired replicates" in said, said
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with (a / "effects.csv").open(encoding="utf-8") as fh:
        effects = {(r["scenario"], r["outcome"]) for r in csv.DictReader(fh)}
    assert {(r["scenario"], r["effect"]) for r in rows} == effects, "the CSV should hold every effect of effects.csv"
    assert {r["pairing"] for r in rows} == {PAIRED}
    row = next(r for r in rows if r["scenario"] == POLICY and r["effect"] == EFFECT)
    assert float(row["difference"]) == pytest.approx(float(row["b_mean"]) - float(row["a_mean"]))
    assert INDEPENDENT != PAIRED


def test_one_replicate_says_it_cannot_judge(folders, tmp_path, capsys):
    """A folder of one replicate has no Monte Carlo error: the command says so and exits 1, not a column of NaN."""
    a, _, _ = folders
    single = shutil.copytree(a, tmp_path / "single")
    lines = (single / "runs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[1] == "0"]  # replicate 0 only
    (single / "runs.csv").write_text("".join(kept), encoding="utf-8")
    assert main(["compare", str(single), str(a), "--csv", str(tmp_path / "c.csv")]) == 1
    out = capsys.readouterr()
    assert "cannot say" in out.out and "nan" not in out.out.split("\n", 3)[-1].lower(), out.out
    assert out.err.startswith("too small:") and "fewer than 2 replicates" in out.err, out.err
