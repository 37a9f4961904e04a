"""What lost MMR doses mean for measles: runs each scenario to its end, reads the children left in the state and
writes their immunity profile and contact-adjusted immunity, by community, segment and place.

The layer only reads a finished run (`build_run` + `run_kernel`, the experiment's own path), so every existing
outcome is untouched. Scenarios of a replicate share its seed (common random numbers): the paired difference
from `baseline` is the policy's effect. Writes to the output folder:
  communities.csv  one row per scenario, replicate and community: children, share immune by age group,
                   contact-adjusted immunity, R = R0 (1 - r') and whether it is below the threshold, and from the
                   stochastic transmission (model/sim/outbreak.py) the share of importations into the
                   community causing more than 20 cases and their mean cases
  summary.csv      one row per scenario, replicate and scope (the place, each segment): the same, and the
                   children under 15 living in communities below the threshold
  effects.csv      each scenario against baseline, paired by replicate: mean and 5th-95th percentiles
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.kernel import run_kernel
from model.core.layout import SEGMENTS
from model.core.population import State
from model.core.rng import derive_seed, uniform
from model.inputs.measles_params import MeaslesParams, load_measles
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present.measles_figure import draw_measles_figure
from model.sim.build import build_run, load_named
from model.sim.contact_immunity import contact_adjusted_many, r_effective
from model.sim.immunity import AGE_GROUP_NAMES, Profile, immunity_profile
from model.sim.measles import OUTBREAK_CASES, outbreaks
from model.sim.outbreak import OUTBREAK_KEY

ORIGIN = "measles"
MEASURES = (
    "contact_adjusted",
    "r_eff",
    "children_below_threshold",
    "share_children_below_threshold",
    "p_over_20",
    "mean_cases_capped",
)


@dataclass(frozen=True)
class MeaslesSpec:
    """One measles experiment: place and size, scenarios, run length, replicates and the master seed."""

    place: str = "wigan"
    scale: float = 1.0
    scenarios: tuple[str, ...] = ("baseline", "national_sui_mandate")
    months: int = 180
    burn_in_months: int = 60
    replicates: int = 10
    seed: int = 20261124
    importations_per_community: int = 10
    cap_cases: int = 200  # an importation's chain stops once its cases reach this (costs stay a fraction of a run)
    overrides: tuple[tuple[str, float], ...] = ()  # measles parameters set for this experiment, e.g. (("r0", 18.0),)
    draw_r0: bool = False  # each replicate draws R0 uniformly from its range (the same for every scenario)


R0_DRAW_KEY = OUTBREAK_KEY - 2  # month key of a replicate's R0 draw


def replicate_r0(mp: MeaslesParams, seed: int) -> float:
    """R0 for a replicate: uniform over its range in params/measles.yaml, a pure function of the replicate's seed."""
    lo, hi = mp.ranges["r0"]
    return lo + uniform(seed, 0, R0_DRAW_KEY, 0) * (hi - lo)


def final_state(params, place, scale, scenario, months, burn_in_months, seed) -> State:
    """Run one scenario to its end with the kernel (as an experiment's run does) and hand back its state."""
    run = build_run(params, place, scale, scenario, burn_in_months, seed)
    run_kernel(run.state, run.P, run.SEGP, run.FLOWS, months, seed)
    return run.state


def community_rows(prof: Profile, mp: MeaslesParams, cases: np.ndarray | None = None) -> pd.DataFrame:
    """One row per community: children, share immune per age group, r', R and whether r' is below the threshold;
    with `cases` [community, importation], the share of importations causing more than 20 cases and the mean."""
    r = prof.community_immunity()
    cai = contact_adjusted_many(r, mp.contacts)
    comm = prof.communities
    table = pd.DataFrame(
        {
            "community": [comm.label(c) for c in range(comm.n)],
            "segment": [SEGMENTS[s] for s in comm.segment],
            "households": comm.households,
            "children_0_14": prof.children_0_14(),
        }
    )
    for g, name in enumerate(AGE_GROUP_NAMES):
        table[f"immune_{name}"] = r[:, g]
    table["contact_adjusted"] = cai
    table["r_eff"] = r_effective(cai, mp.r0)
    table["below_threshold"] = cai < mp.threshold_contact_adjusted
    if cases is not None:
        table["p_over_20"] = (cases > OUTBREAK_CASES).mean(axis=1)
        table["mean_cases_capped"] = cases.mean(axis=1)  # of chains stopped at the cap: a lower bound
        table["importations"] = cases.shape[1]
    return table


def summary_rows(prof: Profile, communities: pd.DataFrame, mp: MeaslesParams) -> pd.DataFrame:
    """The place and each segment: contact-adjusted immunity of the pooled profile, and children under 15 in
    communities below the threshold."""
    scopes = ["place", *SEGMENTS]
    profiles = np.vstack([prof.place_immunity(), prof.segment_immunity()])
    cai = contact_adjusted_many(profiles, mp.contacts)
    rows = []
    for i, scope in enumerate(scopes):
        part = communities if scope == "place" else communities[communities.segment == scope]
        children = float(part.children_0_14.sum())
        below = float(part.children_0_14[part.below_threshold].sum())
        row = {
            "scope": scope,
            "children_0_14": children,
            "contact_adjusted": cai[i],
            "r_eff": float(r_effective(cai[i], mp.r0)),
            "children_below_threshold": below,
            "share_children_below_threshold": below / children if children > 0 else float("nan"),
        }
        if "p_over_20" in part:  # importations land in proportion to households: weight communities by them
            w = part.households / part.households.sum()
            row["p_over_20"] = float((w * part.p_over_20).sum())
            row["mean_cases_capped"] = float((w * part.mean_cases_capped).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def paired_effects(summary: pd.DataFrame) -> pd.DataFrame:
    """Each scenario minus baseline, replicate by replicate, per scope and measure: mean, 5th and 95th percentiles."""
    base = summary[summary.scenario == "baseline"].set_index(["replicate", "scope"])
    rows = []
    for scenario in summary.scenario.unique():
        if scenario == "baseline":
            continue
        measures = [m for m in MEASURES if m in summary]
        diff = summary[summary.scenario == scenario].set_index(["replicate", "scope"])[measures] - base[measures]
        for scope, part in diff.groupby(level="scope", sort=False):
            for measure in measures:
                x = part[measure].dropna().to_numpy()
                if x.size:
                    lo, hi = np.percentile(x, [5, 95])
                    rows.append(
                        {"scenario": scenario, "scope": scope, "measure": measure, "mean": x.mean(), "lo": lo, "hi": hi}
                        | {"n": x.size}
                    )
    return pd.DataFrame(rows, columns=["scenario", "scope", "measure", "mean", "lo", "hi", "n"])


def run_measles(spec: MeaslesSpec, out: str | Path, params_dir: str | Path | None = None) -> list[Path]:
    """Run the experiment; write communities.csv, summary.csv, effects.csv and the figure to `out`; their paths."""
    folder = Path(params_dir) if params_dir is not None else DEFAULT_PARAMS_DIR
    mp = load_measles(folder / "measles.yaml").with_values("measles --set", **dict(spec.overrides))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    comm_tables, summary_tables = [], []
    base_mp = mp
    for rep in range(spec.replicates):
        seed = derive_seed(spec.seed, rep)
        mp = base_mp.with_values(r0=replicate_r0(base_mp, seed)) if spec.draw_r0 else base_mp
        for name in spec.scenarios:
            params, place, scenario = load_named(ORIGIN, spec.place, name, None, None, folder)
            state = final_state(params, place, spec.scale, scenario, spec.months, spec.burn_in_months, seed)
            neighbourhood = int(params.value("network.neighbourhood_households"))
            prof = immunity_profile(state, spec.months - 1, neighbourhood, mp)
            cases = None
            if spec.importations_per_community > 0:
                per, cap = spec.importations_per_community, spec.cap_cases
                cases = outbreaks(state, spec.months - 1, prof.communities, mp, seed, per, cap)
            comm = community_rows(prof, mp, cases)
            summ = summary_rows(prof, comm, mp)
            summ["r0"] = mp.r0
            for table in (comm, summ):
                table.insert(0, "seed", seed)
                table.insert(0, "replicate", rep)
                table.insert(0, "scenario", name)
            comm_tables.append(comm)
            summary_tables.append(summ)
    communities = pd.concat(comm_tables, ignore_index=True)
    summary = pd.concat(summary_tables, ignore_index=True)
    written = [out / "communities.csv", out / "summary.csv"]
    communities.to_csv(written[0], index=False)
    summary.to_csv(written[1], index=False)
    if "baseline" in spec.scenarios:
        written.append(out / "effects.csv")
        paired_effects(summary).to_csv(written[-1], index=False)
        policy = next((s for s in spec.scenarios if s != "baseline"), None)
        if policy is not None:
            written.append(draw_measles_figure(out, policy, mp.threshold_contact_adjusted))
    return written
