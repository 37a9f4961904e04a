"""Measles immunity of the model's own children, read from a finished run's state (nothing in it is changed).

A child is immune with probability
    1                     if younger than dur_maternal_months (maternal antibodies),
    eff_mmr2 / eff_mmr1   if it has had two / one MMR doses,
    0                     otherwise (natural infection of children is not modelled: measles has been rare);
the 15+ age group (adults, whom the model does not hold) is immune with the sourced share p_immune_adult.

Communities are the ones the network is built from (model/core/population.py, `_wire_network`): households sit in
contiguous blocks by segment, and a same-segment contact is drawn among the `neighbourhood_households` nearest
slots of that segment. A community is a run of `neighbourhood` consecutive slots of one segment's block; the
block's remainder joins its last run, so a segment smaller than `neighbourhood` is one community. (The network's
windows slide with the household, so neighbouring runs share some contacts: a community's edge is soft.)
"""

from dataclasses import dataclass

import numpy as np

from model.core.layout import F_EXISTS, MASK_MMR, N_SEG, SEGMENTS, SHIFT_MMR
from model.core.population import State
from model.inputs.measles_params import MeaslesParams

AGE_GROUP_NAMES = ("under_1", "1_to_4", "5_to_14", "15_plus")  # POLYMOD's groups (params/measles.yaml)


@dataclass(frozen=True)
class Communities:
    """Each household's community, and each community's segment and household count."""

    of_household: np.ndarray  # int64 [n_families]
    segment: np.ndarray  # int64 [n_communities]
    households: np.ndarray  # int64 [n_communities]

    @property
    def n(self) -> int:
        """Number of communities."""
        return self.segment.shape[0]

    def label(self, c: int) -> str:
        """A readable name: segment and the community's rank within it, e.g. 'general/3'."""
        s = int(self.segment[c])
        first = int(np.flatnonzero(self.segment == s)[0])
        return f"{SEGMENTS[s]}/{c - first}"


def find_communities(seg: np.ndarray, neighbourhood: int | np.ndarray) -> Communities:
    """Runs of `neighbourhood` consecutive slots within each segment's contiguous block (see the module docstring);
    `neighbourhood` may be one per segment (a stratified sample's windows, population.community_windows)."""
    window = np.broadcast_to(np.asarray(neighbourhood, dtype=np.int64), (N_SEG,))
    if np.any(window < 1):
        raise ValueError(f"neighbourhood must be at least 1 household, got {neighbourhood}")
    seg = np.asarray(seg, dtype=np.int64)
    if seg.size and np.any(np.diff(seg) < 0):
        raise ValueError("households must sit in contiguous segment blocks (population.build_population)")
    counts = np.bincount(seg, minlength=N_SEG)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    n_runs = np.where(counts > 0, np.maximum(counts // window, 1), 0)
    first_run = np.concatenate(([0], np.cumsum(n_runs)[:-1]))
    pos = np.arange(seg.size) - starts[seg]
    run = np.minimum(pos // window[seg], n_runs[seg] - 1)
    of_household = first_run[seg] + run
    segment = np.repeat(np.arange(N_SEG), n_runs)
    households = np.bincount(of_household, minlength=segment.size)
    return Communities(of_household, segment, households)


def age_group_of(age_months: np.ndarray, lower_age_months: tuple[int, ...]) -> np.ndarray:
    """Index of the age group each age falls in (groups given by their lower limits)."""
    return np.searchsorted(np.asarray(lower_age_months), age_months, side="right") - 1


def p_immune_child(age_months: np.ndarray, mmr_doses: np.ndarray, mp: MeaslesParams) -> np.ndarray:
    """Probability each child is immune: maternal protection when young, else by MMR doses received."""
    by_dose = np.where(mmr_doses >= 2, mp.eff_mmr2, np.where(mmr_doses == 1, mp.eff_mmr1, 0.0))
    return np.where(age_months < mp.dur_maternal_months, 1.0, by_dose)


@dataclass(frozen=True)
class Children:
    """The children present at the snapshot, one entry each: household, age, MMR doses, chance of immunity."""

    household: np.ndarray
    age_months: np.ndarray
    mmr_doses: np.ndarray
    p_immune: np.ndarray


def children_of(state: State, month: int, mp: MeaslesParams) -> Children:
    """Every existing child of the state at the end of `month` (the run's last month)."""
    exists = (state.ch_flags & F_EXISTS) != 0
    fam, _slot = np.nonzero(exists)
    age = month - state.ch_birth[exists].astype(np.int64)
    doses = ((state.ch_flags[exists] & MASK_MMR) >> SHIFT_MMR).astype(np.int64)
    return Children(fam.astype(np.int64), age, doses, p_immune_child(age, doses, mp))


@dataclass(frozen=True)
class Profile:
    """Children and expected immune children by community and age group; adults' share immune for the 15+ group.

    `immunity(c)` is each age group's share immune in community c: the children's expected share, except the 15+
    group, which is the adults' share (the model's 15-17 year-olds are a few per cent of it); a group with no
    children in the community takes the place's share.
    """

    communities: Communities
    n: np.ndarray  # float [community, age group]: children
    immune: np.ndarray  # float [community, age group]: expected immune children
    p_immune_adult: float

    def shares(self, n: np.ndarray, immune: np.ndarray) -> np.ndarray:
        """Share immune per age group from counts (15+ is the adults' share; empty groups the place's share)."""
        place = np.divide(self.immune.sum(0), self.n.sum(0), out=np.zeros(self.n.shape[1]), where=self.n.sum(0) > 0)
        r = np.divide(immune, n, out=np.broadcast_to(place, n.shape).copy(), where=n > 0)
        r[..., -1] = self.p_immune_adult
        return r

    def community_immunity(self) -> np.ndarray:
        """[community, age group] share immune."""
        return self.shares(self.n, self.immune)

    def segment_immunity(self) -> np.ndarray:
        """[segment, age group] share immune, pooling the segment's communities."""
        seg = self.communities.segment
        n = np.stack([self.n[seg == s].sum(0) for s in range(N_SEG)])
        imm = np.stack([self.immune[seg == s].sum(0) for s in range(N_SEG)])
        return self.shares(n, imm)

    def place_immunity(self) -> np.ndarray:
        """[age group] share immune over the whole place."""
        return self.shares(self.n.sum(0), self.immune.sum(0))

    def children_0_14(self) -> np.ndarray:
        """Children under 15 in each community (the groups whose immunity the model decides)."""
        return self.n[:, :-1].sum(1)


def immunity_profile(state: State, month: int, neighbourhood: int | np.ndarray, mp: MeaslesParams) -> Profile:
    """The measles immunity profile of a finished run, by community and POLYMOD age group."""
    comm = find_communities(state.seg, neighbourhood)
    kids = children_of(state, month, mp)
    group = age_group_of(kids.age_months, mp.lower_age_months)
    n_groups = len(mp.lower_age_months)
    cell = comm.of_household[kids.household] * n_groups + group
    size = comm.n * n_groups
    n = np.bincount(cell, minlength=size).astype(np.float64).reshape(comm.n, n_groups)
    immune = np.bincount(cell, weights=kids.p_immune, minlength=size).reshape(comm.n, n_groups)
    return Profile(comm, n, immune, mp.p_immune_adult)
