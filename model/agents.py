"""Family agents: thin handles on a household slot in the model's arrays."""

import mesa

from model.layout import SEGMENTS, TRUST_SCALE
from model.step import step_family


class Family(mesa.Agent):
    """A household slot. Its state lives in the model's arrays at index `fid`; its month is the rules'."""

    def __init__(self, model: mesa.Model, fid: int) -> None:
        super().__init__(model)
        self.fid = fid

    def step(self) -> None:
        """Move this household on by one month with the shared rules (`model.step.step_family`)."""
        m = self.model
        step_family(self.fid, m.month, m.seed, *m.month_inputs, *m.state_views, m.month_counters)

    @property
    def segment(self) -> str:
        """Name of the household's segment."""
        return SEGMENTS[int(self.model.state.seg[self.fid])]

    @property
    def trust(self) -> float:
        """Trust in health-service confidentiality, 0..1 (the current level, low 16 bits)."""
        return (int(self.model.state.trust[self.fid]) & 0xFFFF) / TRUST_SCALE
