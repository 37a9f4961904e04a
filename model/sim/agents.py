"""Family agents: thin handles on a household slot in the model's arrays."""

import mesa

from model.core.layout import F_EXISTS, F_REGISTERED, MAX_CHILDREN, SEGMENTS, SOCIAL_AWARE_SHIFT, TRUST_SCALE
from model.core.step import step_family


class Family(mesa.Agent):
    """A household slot. Its state lives in the model's arrays at index `fid`; its month is the rules'."""

    def __init__(self, model: mesa.Model, fid: int) -> None:
        super().__init__(model)
        self.fid = fid

    def step(self) -> None:
        """Move this household on by one month with the shared rules (`model.core.step.step_family`)."""
        m = self.model
        step_family(self.fid, m.month_inputs, m.step_arrays, m.month_counters)

    @property
    def segment(self) -> str:
        """Name of the household's segment."""
        return SEGMENTS[int(self.model.state.seg[self.fid])]

    @property
    def trust(self) -> float:
        """Trust in health-service confidentiality, 0..1 (the current level, low 16 bits)."""
        return (int(self.model.state.trust[self.fid]) & 0xFFFF) / TRUST_SCALE

    @property
    def aware_flows(self) -> int:
        """How many of the scenario's data flows the household knows of now."""
        word = int(self.model.state.social[self.model.month % 2][self.fid])
        return ((word >> SOCIAL_AWARE_SHIFT) & 0xFF).bit_count()

    @property
    def children_registered(self) -> int:
        """Children of the household registered with a GP."""
        flags = self.model.state.ch_flags[self.fid]
        return sum(1 for k in range(MAX_CHILDREN) if flags[k] & F_EXISTS and flags[k] & F_REGISTERED)


AGENT_REPORTERS = {
    "segment": "segment",
    "trust": "trust",
    "aware_flows": "aware_flows",
    "children_registered": "children_registered",
}
