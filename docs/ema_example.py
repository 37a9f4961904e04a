"""disengage under EMA Workbench: what we do not know about behaviour, a policy lever, and PRIM on the results.

Run from the repository root (EMA Workbench comes with disengage, for `disengage discover`):
    python docs/ema_example.py            # the run docs/EMA.md shows (22 minutes on a loaded 2-core machine)
    python docs/ema_example.py --quick    # a reduced size, as tests/test_ema_example.py runs it
EMA reserves the names `scenario`, `policy` and `model` for its own objects, so the lever that picks a disengage
scenario is called `flow_policy` here, and dotted parameter paths are written with `__`.

Every uncertainty is one the household decision reads (docs/ODD.md, Engagement state): how readily families start
to avoid services on learning of a flow and how long they keep away (one quantile for all segments, as the
experiments' `avoidance_entry` and `avoidance_duration` groups draw them), word of mouth, the trust lost on learning
of an unexpected flow, and how often an enquiry after data matching finds a child's need.
"""

import argparse
import fnmatch
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ema_workbench import Model, RealParameter, Sample, ScalarOutcome, perform_experiments

from model import effects
from model.analysis.discover import Discovery, Feature, discover_table, summary
from model.experiments.uncertainty import GROUPS, quantile
from model.inputs.params import Parameters, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR

GROUPED = ("avoidance_entry", "avoidance_duration")  # a quantile in [0, 1] of every segment's range
PATHS = ("awareness.p_word_of_mouth", "trust.erosion_unexpected", "safeguarding.p_detect_matching")
OUTCOMES = (
    "lost_safeguarding_contacts_per_10k",
    "lost_identifications_per_10k",
    "avoiding_share_change_pp",
    "coverage_mmr1_24m_change_pp",
    "gp_registered_share_change_pp",
)
POLICIES = {"drafted": "national_sui_mandate", "with_safeguards": "national_with_safeguards"}
PARAMS = load_parameters(DEFAULT_PARAMS_DIR)


@dataclass(frozen=True)
class Size:
    """How much to run: futures sampled, the place's share simulated, seeds averaged per future, months."""

    futures: int
    scale: float
    seeds: int
    months: int
    burn_in_months: int


FULL = Size(futures=24, scale=0.5, seeds=1, months=72, burn_in_months=24)  # half of Wigan's households
QUICK = Size(futures=12, scale=0.05, seeds=1, months=36, burn_in_months=12)


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
    """The model function EMA calls: one future, averaged over `size.seeds` paired runs against the status quo."""

    def disengage(flow_policy: str = "national_sui_mandate", **uncertain: float) -> dict[str, float]:
        overrides: dict[str, float] = {}
        for name, value in uncertain.items():
            if name in GROUPED:
                overrides |= group_values(PARAMS, name, value)
            else:
                overrides[name.replace("__", ".")] = value
        runs = [
            effects(
                flow_policy,
                place="wigan",
                scale=size.scale,
                seed=seed,
                months=size.months,
                burn_in_months=size.burn_in_months,
                overrides=overrides,
            )
            for seed in range(1, size.seeds + 1)
        ]
        return {name: float(np.mean([r[name] for r in runs])) for name in OUTCOMES}

    return disengage


def ema_model(size: Size) -> Model:
    """The EMA model: uncertainties over their plausible ranges (params/), the outcomes to record."""
    m = Model("disengage", function=make_disengage(size))
    m.uncertainties = [RealParameter(g, 0.0, 1.0) for g in GROUPED] + [
        RealParameter(p.replace(".", "__"), PARAMS.entries[p].lo, PARAMS.entries[p].hi) for p in PATHS
    ]
    m.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return m


def run(size: Size, rng: int = 20261207) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The experiments (sampled futures x both policies) and a table of outcomes, one row per experiment."""
    policies = [Sample(name, flow_policy=sc) for name, sc in POLICIES.items()]
    m = ema_model(size)
    experiments, outcomes = perform_experiments(
        m, scenarios=size.futures, policies=policies, uncertainty_sampling_kwargs={"rng": rng}
    )
    table = pd.DataFrame({name: outcomes[name] for name in OUTCOMES})
    table["policy"] = experiments["policy"].astype(str).to_numpy()
    return experiments, table


def costliest_box(experiments: pd.DataFrame, table: pd.DataFrame, policy: str = "drafted") -> Discovery:
    """Where the policy's costliest quarter of futures (lost safeguarding contacts) lies: EMA Workbench's PRIM box
    over the uncertainties, chosen on its trajectory as `disengage discover` chooses it, and feature scores."""
    rows = (table["policy"] == policy).to_numpy()
    feats = [Feature(u.name, u.name, "value", u.lower_bound, u.upper_bound) for u in ema_model(QUICK).uncertainties]
    x = experiments.loc[rows, [f.name for f in feats]].reset_index(drop=True)
    lost = table.loc[rows, "lost_safeguarding_contacts_per_10k"].to_numpy()
    return discover_table(POLICIES[policy], "lost_safeguarding_contacts_per_10k", feats, x, lost, min_futures=12)


def main() -> None:
    """Run the example, print the mean effects by policy and the PRIM box of the Bill's costliest futures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the reduced size the test runs")
    size = QUICK if ap.parse_args().quick else FULL
    start = time.perf_counter()
    experiments, table = run(size)
    print(
        f"{size.futures} futures x {len(POLICIES)} policies x {size.seeds} seeds at {size.scale:g} of Wigan, "
        f"{size.months} months: {time.perf_counter() - start:.0f} s"
    )
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 10)
    print(table.groupby("policy").mean().round(2).T)
    print(summary([costliest_box(experiments, table)]))


if __name__ == "__main__":
    main()
