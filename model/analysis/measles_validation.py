"""The measles layer's validation rows on a place's own households and network (docs/ODD.md section 7.13):
uniform immunity at 90, 93 and 95% (Funk et al. 2019's threshold; Liu et al. 2015's 95%), and the same number of
susceptible children placed together or at random (Masters et al. 2020's direction).

`python -m model.analysis.measles_validation [place] [seed]` prints the rows (about a minute for Wigan).
"""

import sys

import numpy as np

from model.analysis.measles_run import final_state
from model.inputs.measles_params import load_measles
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.sim.build import load_named
from model.sim.immunity import children_of
from model.sim.outbreak import p_net_for_r0, people_of, run_importations, symmetric_network

N_IMPORTATIONS = 1000
CAP = 2000
UNIFORM_SHARES = (0.90, 0.93, 0.95)
N_SUSCEPTIBLE_CHILDREN = 3000


def validation_rows(place: str = "wigan", seed: int = 5, months: int = 180, burn_in_months: int = 60) -> list[str]:
    """One line per check: P(>20 cases), P(reaching the cap) and mean cases over N_IMPORTATIONS importations."""
    mp = load_measles(DEFAULT_PARAMS_DIR / "measles.yaml")
    params, pl, scen = load_named("measles_validation", place, "baseline", None, None, None)
    st = final_state(params, pl, 1.0, scen, months, burn_in_months, seed)
    kids = children_of(st, months - 1, mp)
    adults = int(mp.adults_per_household)
    person_ptr, p_imm = people_of(kids.household, kids.p_immune, st.n_families, adults, mp.p_immune_adult)
    net_ptr, net_idx = symmetric_network(st.nbr_ptr, st.nbr_idx)
    p_hh = mp.p_infect_household
    p_net = p_net_for_r0(mp.r0, p_hh, person_ptr, net_ptr, net_idx)
    homes = (np.arange(N_IMPORTATIONS, dtype=np.int64) * 7919) % st.n_families
    rows = []

    def row(label: str, p_immune: np.ndarray, draw_seed: int) -> None:
        c = run_importations(draw_seed, 0, homes, p_immune, person_ptr, net_ptr, net_idx, p_hh, p_net, CAP)
        rows.append(
            f"{label}: P(>20) {np.mean(c > 20):.3f}, P(>={CAP}) {np.mean(c >= CAP):.3f}, mean cases {c.mean():.1f}"
        )

    for share in UNIFORM_SHARES:
        row(f"uniform immunity {share:.2f}", np.full(p_imm.shape[0], share), 1)
    # the children's positions among the people: each household's children come first (outbreak.people_of)
    n_children = np.bincount(kids.household, minlength=st.n_families)
    rank = np.arange(kids.household.shape[0]) - np.concatenate(([0], np.cumsum(n_children)[:-1]))[kids.household]
    child_people = person_ptr[kids.household] + rank
    k = N_SUSCEPTIBLE_CHILDREN
    clustered = np.ones(p_imm.shape[0])
    clustered[child_people[:k]] = 0.0  # the first k children: a run of households at the start of the general block
    spread = np.ones(p_imm.shape[0])
    spread[np.random.default_rng(1).choice(child_people, k, replace=False)] = 0.0
    row(f"{k} susceptible children together, all else immune", clustered, 2)
    row(f"{k} susceptible children at random, all else immune", spread, 2)
    return rows


if __name__ == "__main__":
    args = sys.argv[1:]
    print("\n".join(validation_rows(args[0] if args else "wigan", int(args[1]) if len(args) > 1 else 5)))
