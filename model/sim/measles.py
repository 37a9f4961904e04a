"""Measles outcomes of one run, read from its end state (docs/ODD.md section 7.13), for an experiment that asks for
them (`measles:` in the experiment file): runs.csv and effects.csv carry them beside the counters' outcomes.

Nothing here changes the state. Per run, overall and for each segment:
  measles_contact_adjusted_immunity       Funk et al.'s r' of the pooled age-immunity profile
  measles_children_below_threshold        children 0-14 in communities whose r' is below the threshold (the real
                                          place's count: each simulated child stands for its segment's weight)
  measles_share_children_below_threshold  the same as a share of the children 0-14
  measles_p_outbreak                      chance that one importation causes more than OUTBREAK_CASES cases
  measles_cases_per_importation           mean cases of an importation, chains stopped at the cap (a lower bound)
Importations land in each community alike (`importations_per_community`); a scope's chance and mean weight
communities by their real households (importations in proportion to size). In a stratified sample the shares
weight each segment's children by its weight, and the transmission runs on the simulated network as it is
(each household keeps the real number of contacts; docs/ODD.md says what that misses).
"""

from dataclasses import dataclass

import numpy as np

from model.core.layout import SEGMENTS
from model.core.population import Design, State, community_windows
from model.inputs.measles_params import MeaslesParams
from model.sim.contact_immunity import contact_adjusted_many
from model.sim.immunity import Communities, children_of, immunity_profile
from model.sim.outbreak import importation_households, p_net_for_r0, people_of, run_importations, symmetric_network

OUTBREAK_CASES = 20  # an importation causing more than this many cases is counted as an outbreak


@dataclass(frozen=True)
class MeaslesEnd:
    """The measles layer's reading of one run's end state: its outcomes (outcomes.MEASLES, overall and by segment)
    and one entry per community in each list of `communities` (COMMUNITY_FIELDS)."""

    values: dict[str, float]
    communities: dict[str, list]


# a community's entries: name, segment, children 0-14 (the real place's), r', below the threshold, P(>20), mean cases
COMMUNITY_FIELDS = ("community", "segment", "children_0_14", "contact_adjusted", "below_threshold", "p_over_20",
                    "mean_cases_capped")  # fmt: skip


@dataclass(frozen=True)
class MeaslesSetup:
    """What an experiment's `measles:` section asks for: the layer's parameters and how many importations."""

    params: MeaslesParams
    importations_per_community: int = 8
    cap_cases: int = 100  # an importation's chain stops once its cases reach this (P(>20) stays exact)


def outbreaks(
    state: State, month: int, comm: Communities, mp: MeaslesParams, seed: int, per_community: int, cap: int
) -> np.ndarray:
    """Cases of `per_community` importations into each community, each chain stopped at `cap` cases:
    [community, importation]."""
    kids = children_of(state, month, mp)
    adults = int(mp.adults_per_household)
    person_ptr, p_immune = people_of(kids.household, kids.p_immune, state.n_families, adults, mp.p_immune_adult)
    net_ptr, net_idx = symmetric_network(state.nbr_ptr, state.nbr_idx)
    p_net = p_net_for_r0(mp.r0, mp.p_infect_household, person_ptr, net_ptr, net_idx)
    start = np.concatenate(([0], np.cumsum(comm.households)[:-1])).astype(np.int64)
    homes = importation_households(seed, start, comm.households.astype(np.int64), per_community)
    p_hh = mp.p_infect_household
    cases = run_importations(seed, 0, homes, p_immune, person_ptr, net_ptr, net_idx, p_hh, p_net, cap)
    return cases.reshape(comm.n, per_community)


def windows(neighbourhood: int, design: Design | None) -> int | np.ndarray:
    """Households of one community by segment: the network's neighbourhood, which a stratified sample holds in as
    many more slots as it oversamples the segment (population.community_windows), so a community stands for about
    the same number of real households in every segment."""
    if design is None:
        return neighbourhood
    return np.maximum(community_windows(neighbourhood, design.counts, design.oversampling), 1)


def measles_end(
    state: State,
    month: int,
    neighbourhood: int | np.ndarray,
    setup: MeaslesSetup,
    seed: int,
    real_weights: np.ndarray,
    share_weights: np.ndarray | None = None,
) -> MeaslesEnd:
    """The measles outcomes of a run's end state (`month` its last month), overall and `<outcome>__<segment>`, and
    each community's.

    real_weights: real households per simulated one, by segment (the counts are the real place's);
    share_weights: the same for a stratified sample, None for a proportional one (shares are plain, as the
    counters' outcomes are: model/core/outcomes.over_segments)."""
    mp = setup.params
    prof = immunity_profile(state, month, neighbourhood, mp)
    comm = prof.communities
    cai = contact_adjusted_many(prof.community_immunity(), mp.contacts)
    below = cai < mp.threshold_contact_adjusted
    children = prof.children_0_14()
    share_w = np.ones(len(SEGMENTS)) if share_weights is None else np.asarray(share_weights, dtype=np.float64)
    w_share, w_real = share_w[comm.segment], np.asarray(real_weights, dtype=np.float64)[comm.segment]
    cases = None
    if setup.importations_per_community > 0:
        cases = outbreaks(state, month, comm, mp, seed, setup.importations_per_community, setup.cap_cases)
    scopes = [("", np.ones(comm.n, dtype=bool))] + [(f"__{s}", comm.segment == i) for i, s in enumerate(SEGMENTS)]
    out: dict[str, float] = {}
    for suffix, part in scopes:
        n = (prof.n[part] * w_share[part, None]).sum(0)
        immune = (prof.immune[part] * w_share[part, None]).sum(0)
        has_children = n[:-1].sum() > 0
        out["measles_contact_adjusted_immunity" + suffix] = (
            float(contact_adjusted_many(prof.shares(n, immune), mp.contacts)[0]) if has_children else np.nan
        )
        kids = float((children * w_share)[part].sum())
        out["measles_children_below_threshold" + suffix] = float((children * w_real)[part & below].sum())
        out["measles_share_children_below_threshold" + suffix] = (
            float((children * w_share)[part & below].sum()) / kids if kids > 0 else np.nan
        )
        homes = (comm.households * w_real)[part]
        if cases is None or homes.sum() <= 0:
            out["measles_p_outbreak" + suffix] = np.nan
            out["measles_cases_per_importation" + suffix] = np.nan
            continue
        share = homes / homes.sum()
        out["measles_p_outbreak" + suffix] = float((share * (cases[part] > OUTBREAK_CASES).mean(1)).sum())
        out["measles_cases_per_importation" + suffix] = float((share * cases[part].mean(1)).sum())
    nan = [float("nan")] * comm.n
    rows = {
        "community": [comm.label(c) for c in range(comm.n)],
        "segment": [SEGMENTS[s] for s in comm.segment],
        "children_0_14": [float(x) for x in children * w_real],
        "contact_adjusted": [float(x) for x in cai],
        "below_threshold": [bool(x) for x in below],
        "p_over_20": nan if cases is None else [float(x) for x in (cases > OUTBREAK_CASES).mean(1)],
        "mean_cases_capped": nan if cases is None else [float(x) for x in cases.mean(1)],
    }
    return MeaslesEnd(out, rows)
