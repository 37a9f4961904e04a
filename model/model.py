"""The disengage model: set-up and the order of a month.

A month, in order:
1. Month-level inputs: which flows run, their media reach, which matches run.
2. Every household steps (`model.step.step_family`), reading last month's buffers.
3. Buffers swap; the month's counters are kept for the outcomes.
"""

import mesa
import numpy as np

from model.agents import Family
from model.layout import N_COUNTERS, N_SEG
from model.population import State
from model.step import month_inputs


class DisengageModel(mesa.Model):
    """Mesa driver: one Family agent per household slot, all calling the shared rules."""

    def __init__(self, state: State, P: np.ndarray, SEGP: np.ndarray, FLOWS: np.ndarray, seed: int) -> None:
        super().__init__(rng=seed)
        self.state, self.P, self.SEGP, self.FLOWS, self.seed = state, P, SEGP, FLOWS, seed
        self.month = 0
        self.month_counters = np.zeros((N_SEG, N_COUNTERS), dtype=np.int64)
        self.history: list[np.ndarray] = []
        for fid in range(state.n_families):
            Family(self, fid)

    @property
    def state_views(self) -> tuple:
        """State arrays in step_family's order; the month's parity picks last month's buffers."""
        s, prev, nxt = self.state, self.month % 2, (self.month + 1) % 2
        return (
            s.nbr_ptr,
            s.nbr_idx,
            s.seg,
            s.trust,
            s.propensity,
            s.social[prev],
            s.social[nxt],
            s.ever,
            s.ch_birth,
            s.ch_flags,
            s.ch_need_start,
        )

    def step(self) -> None:
        """One month (see the module docstring for the order)."""
        self.month_inputs = (self.P, self.SEGP, self.FLOWS, *month_inputs(self.FLOWS, self.month, self.P, self.SEGP))
        self.month_counters = np.zeros((N_SEG, N_COUNTERS), dtype=np.int64)
        self.agents.do("step")
        self.history.append(self.month_counters)
        self.month += 1
