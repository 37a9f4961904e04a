"""disengage under EMA Workbench: behavioural uncertainties, a policy lever, and PRIM on the results.

Run from the repository root after `pip install ema_workbench` (not a dependency of disengage):
    python docs/ema_example.py
EMA reserves the names `scenario`, `policy` and `model` for its own objects, so the lever that picks
a disengage scenario is called `flow_policy` here.
"""

import ema_workbench.analysis.prim as prim
import pandas as pd
from ema_workbench import CategoricalParameter, Model, RealParameter, ScalarOutcome, perform_experiments

from model import effects
from model.inputs.params import load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR

UNCERTAIN = ("engagement.rel_avoid_aware", "awareness.p_word_of_mouth", "trust.erosion_unexpected")
OUTCOMES = ("lost_safeguarding_contacts_per_10k", "coverage_mmr1_24m_change_pp", "gp_registered_share_change_pp")


def disengage(flow_policy="national_sui_mandate", seed=1, **uncertain):
    """One paired run of a policy against the status quo; keyword names are the dotted paths with '.' -> '__'."""
    overrides = {k.replace("__", "."): v for k, v in uncertain.items()}
    e = effects(flow_policy, place="wigan", scale=0.02, seed=seed, months=72, burn_in_months=24, overrides=overrides)
    return {name: e[name] for name in OUTCOMES}


if __name__ == "__main__":
    params = load_parameters(DEFAULT_PARAMS_DIR)
    ema_model = Model("disengage", function=disengage)
    # each uncertainty over its plausible range from the parameter table (docs/ODD.md)
    ema_model.uncertainties = [
        RealParameter(p.replace(".", "__"), params.entries[p].lo, params.entries[p].hi) for p in UNCERTAIN
    ]
    ema_model.levers = [CategoricalParameter("flow_policy", ["national_sui_mandate", "national_with_safeguards"])]
    ema_model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    experiments, outcomes = perform_experiments(
        ema_model,
        scenarios=24,
        policies=2,
        uncertainty_sampling_kwargs={"rng": 20261201},  # seeded, so the example gives the same sample each time
        lever_sampling_kwargs={"rng": 20261201},
    )
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 10)
    table = pd.DataFrame({name: outcomes[name] for name in OUTCOMES})
    table["flow_policy"] = experiments["flow_policy"].to_numpy()
    print(table.groupby("flow_policy").mean().round(2))
    # Scenario discovery: which uncertain behaviour makes the Bill as drafted cost the most contacts?
    drafted = (experiments["flow_policy"] == "national_sui_mandate").to_numpy()
    lost = outcomes["lost_safeguarding_contacts_per_10k"][drafted]
    x = experiments.loc[drafted, [p.replace(".", "__") for p in UNCERTAIN]].reset_index(drop=True)
    y = lost > sorted(lost)[int(0.75 * len(lost))]  # the costliest quarter of futures
    box = prim.Prim(x, y, peel_alpha=0.1).find_box()
    box.inspect()
