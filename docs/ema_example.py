"""disengage under EMA Workbench: what we do not know about behaviour, a policy lever, and PRIM on the results.

Run from the repository root (EMA Workbench comes with disengage, for `disengage discover`):
    python docs/ema_example.py            # the run docs/EMA.md shows (its time and machine are given there)
    python docs/ema_example.py --quick    # a reduced size, as tests/test_ema_example.py runs it
EMA reserves the names `scenario`, `policy` and `model` for its own objects, so the lever that picks a disengage
scenario is called `flow_policy` here, and dotted parameter paths are written with `__`.

Every uncertainty is one the household decision reads (docs/ODD.md, Engagement state): how readily families start
to avoid services on learning of a flow and how long they keep away (one quantile for all segments, as the
experiments' `avoidance_entry` and `avoidance_duration` groups draw them), how much more readily a family that
already knows starts again, word of mouth, the fear a notice carries against word of mouth, the trust lost on
learning of an unexpected flow, and how often an enquiry after data matching finds a child's need.

The population is Wigan's stratified sample (docs/ODD.md, Sampling): the small groups the Bill reaches (insecure
immigration status, Gypsy, Roma and Traveller families, adoptive families, ...) are oversampled to at least 1,500
households each and every household carries its weight, so their losses are resolved rather than a handful of
families. Each future is run under several seeds (EMA's ReplicatorModel, one replication per seed) and its
outcomes are the mean over them, so the worst quarter of futures is where the uncertainties cost most, not where
a single run was unlucky.
"""

import argparse
import fnmatch
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ema_workbench import RealParameter, ReplicatorModel, Sample, ScalarOutcome, perform_experiments

from model import effects
from model.analysis.discover import Discovery, Feature, discover_table, group_words, summary
from model.experiments.uncertainty import GROUPS, quantile
from model.inputs.params import Parameters, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present.words import parameter_words

GROUPED = ("avoidance_entry", "avoidance_duration")  # a quantile in [0, 1] of every segment's range
PATHS = (
    "engagement.rel_avoid_aware",
    "awareness.p_word_of_mouth",
    "awareness.rel_fear_told",
    "trust.erosion_unexpected",
    "safeguarding.p_detect_matching",
)
LOST = "lost_safeguarding_contacts_per_10k"  # the effect whose costliest futures PRIM boxes
OUTCOMES = (
    LOST,
    "lost_identifications_per_10k",
    "avoiding_share_change_pp",
    "coverage_mmr1_24m_change_pp",
    "gp_registered_share_change_pp",
)
POLICIES = {"drafted": "national_sui_mandate", "with_safeguards": "national_with_safeguards"}
PARAMS = load_parameters(DEFAULT_PARAMS_DIR)


@dataclass(frozen=True)
class Size:
    """How much to run: futures sampled, the stratified sample's share simulated, seeds per future, months, and
    which of POLICIES (the test runs the Bill as drafted alone)."""

    futures: int
    scale: float
    seeds: int
    months: int
    burn_in_months: int
    policies: tuple[str, ...] = tuple(POLICIES)


FULL = Size(futures=48, scale=1.0, seeds=4, months=72, burn_in_months=24)  # all of Wigan's stratified sample
QUICK = Size(futures=20, scale=1.0, seeds=2, months=36, burn_in_months=12, policies=("drafted",))


def group_values(params: Parameters, group: str, q: float) -> dict[str, float]:
    """Every parameter of a group at quantile q of its own range (uniform), as the group's draws share one."""
    patterns, _ = GROUPS[group]
    out = {}
    for path, p in params.entries.items():
        if any(fnmatch.fnmatchcase(path, pat) for pat in patterns):
            v = quantile("uniform", q, p.lo, p.value, p.hi)
            out[path] = int(round(v)) if p.integer else v
    return out


def make_disengage(size: Size):
    """The model function EMA calls once per replication: one seed's paired run of a policy and the status quo."""

    def disengage(flow_policy: str = "national_sui_mandate", seed: int = 1, **uncertain: float) -> dict[str, float]:
        overrides: dict[str, float] = {}
        for name, value in uncertain.items():
            if name in GROUPED:
                overrides |= group_values(PARAMS, name, value)
            else:
                overrides[name.replace("__", ".")] = value
        found = effects(
            flow_policy,
            place="wigan",
            scale=size.scale,
            seed=seed,
            months=size.months,
            burn_in_months=size.burn_in_months,
            overrides=overrides,
            sample="stratified",
        )
        return {name: found[name] for name in OUTCOMES}

    return disengage


def ema_model(size: Size) -> ReplicatorModel:
    """The EMA model: uncertainties over their plausible ranges (params/), one replication per seed, and the
    outcomes to record, each the mean over the replications."""
    m = ReplicatorModel("disengage", function=make_disengage(size))
    m.uncertainties = [RealParameter(g, 0.0, 1.0) for g in GROUPED] + [
        RealParameter(p.replace(".", "__"), PARAMS.entries[p].lo, PARAMS.entries[p].hi) for p in PATHS
    ]
    m.replications = [{"seed": seed} for seed in range(1, size.seeds + 1)]
    m.outcomes = [ScalarOutcome(name, function=np.mean) for name in OUTCOMES]
    return m


def run(size: Size, rng: int = 20261207) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The experiments (sampled futures x the size's policies) and a table of outcomes, one row per experiment."""
    policies = [Sample(name, flow_policy=POLICIES[name]) for name in size.policies]
    m = ema_model(size)
    experiments, outcomes = perform_experiments(
        m, scenarios=size.futures, policies=policies, uncertainty_sampling_kwargs={"rng": rng}, log_progress=True
    )
    table = pd.DataFrame({name: outcomes[name] for name in OUTCOMES})
    table["policy"] = experiments["policy"].astype(str).to_numpy()
    return experiments, table


def costliest_box(experiments: pd.DataFrame, table: pd.DataFrame, policy: str = "drafted") -> Discovery:
    """Where the policy's costliest quarter of futures (lost safeguarding contacts) lies: EMA Workbench's PRIM box
    over the uncertainties, chosen on its trajectory as `disengage discover` chooses it, and feature scores."""
    rows = (table["policy"] == policy).to_numpy()
    feats = [
        Feature(u.name, group_words(u.name), "quantile", 0.0, 1.0)
        if u.name in GROUPED
        else Feature(u.name, parameter_words(u.name.replace("__", ".")), "value", u.lower_bound, u.upper_bound)
        for u in ema_model(QUICK).uncertainties
    ]
    x = experiments.loc[rows, [f.name for f in feats]].reset_index(drop=True)
    lost = table.loc[rows, LOST].to_numpy()
    return discover_table(POLICIES[policy], LOST, feats, x, lost)


def one_at_a_time(size: Size, seeds: tuple[int, ...] = (1, 2, 3), policy: str = "drafted") -> pd.DataFrame:
    """Which uncertainties move the policy's lost contacts at all, before any PRIM: each at the low and the high end
    of its range, the others at the parameter table's values, the mean over the seeds at each end."""
    run = make_disengage(size)
    rows = []
    for u in ema_model(size).uncertainties:
        ends = [
            np.mean([run(POLICIES[policy], seed=s, **{u.name: v})[LOST] for s in seeds])
            for v in (u.lower_bound, u.upper_bound)
        ]
        rows.append((u.name, *ends, ends[1] - ends[0]))
    return pd.DataFrame(rows, columns=["uncertainty", "low_end", "high_end", "change"]).round(2)


def main() -> None:
    """Run the example, print the mean effects by policy and the PRIM box of each policy's costliest futures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the reduced size the test runs")
    ap.add_argument("--one-at-a-time", action="store_true", help="each uncertainty's low and high end, no PRIM")
    args = ap.parse_args()
    size = QUICK if args.quick else FULL
    start = time.perf_counter()
    if args.one_at_a_time:
        print(one_at_a_time(size).to_string(index=False))
        print(f"{LOST} of the Bill as drafted, 3 seeds at each end: {time.perf_counter() - start:.0f} s")
        return
    experiments, table = run(size)
    print(
        f"{size.futures} futures x {len(size.policies)} policies x {size.seeds} seeds at {size.scale:g} of Wigan's "
        f"stratified sample, {size.months} months: {time.perf_counter() - start:.0f} s"
    )
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 10)
    print(table.groupby("policy").mean().round(2).T)
    print(summary([costliest_box(experiments, table, policy) for policy in size.policies]))


if __name__ == "__main__":
    main()
