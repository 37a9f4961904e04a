"""The disengage model as Mesa sees it: set-up and the order of a month.

A month, in order:
1. Month-level inputs: which flows run, their media reach, which matches run.
2. Every household steps (`model.core.step.step_family`), reading last month's buffers: each `Family`
   agent in turn (driver "agents"), or all of them in compiled chunks (driver "kernel"); the numbers
   are the same.
3. Buffers swap; the month's counters are kept and the data collector records the month's outcomes.
4. After `months` months the model stops (`running` turns False).

It is built from names, as Mesa's `batch_run` and SolaraViz build models:
`DisengageModel(place="wigan", scale=0.05, policy="national_sui_mandate", months=60, rng=1)`.
"""

from pathlib import Path

import mesa
import numpy as np

from model.core import kernel, outcomes
from model.core.layout import N_COUNTERS, N_SEG
from model.inputs import config
from model.inputs.params import Parameters
from model.inputs.scenario import Place, Scenario
from model.sim.agents import AGENT_REPORTERS, Family
from model.sim.build import build_run, load_named

DRIVERS = ("kernel", "agents")  # the first is the default of experiments; the Mesa model defaults to its agents
ORIGIN = "DisengageModel"  # how errors name the caller, in place of a file


def seed_of(model: mesa.Model, rng: object) -> int:
    """The integer seed of the counter-based draws: `rng` itself when it is one, else drawn from Mesa's generator."""
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return int(rng)
    return int(model.rng.integers(0, 2**63 - 1))


class DisengageModel(mesa.Model):
    """Families in a place under a policy; one `Family` agent per household, all calling the shared rules.

    `place` and `policy` are names in params/places/ and params/scenarios/ (or paths, or loaded objects);
    `overrides` maps dotted parameter paths to values (docs/ODD.md, parameter table). The model builds
    its own population from `rng` (an integer seed) and never changes anything passed in.
    """

    def __init__(
        self,
        place: str | Place = "wigan",
        scale: float = 0.05,
        policy: str | Scenario = "national_sui_mandate",
        months: int = 60,
        burn_in_months: int = 12,
        overrides: dict | None = None,
        driver: str = "agents",
        rng: int | None = None,
        params: Parameters | None = None,
        params_dir: str | Path | None = None,
        agent_data: bool = True,
    ) -> None:
        super().__init__(rng=rng)
        self.seed = seed_of(self, rng)
        self.scale = config.number(ORIGIN, "scale", scale, 1e-9, 1.0)
        self.months = config.integer(ORIGIN, "months", months, 1, 6000)
        self.burn_in_months = config.integer(ORIGIN, "burn_in_months", burn_in_months, 0, self.months - 1)
        self.driver = config.choice(ORIGIN, "driver", driver, DRIVERS)
        self.params, self.place, self.policy_spec = load_named(ORIGIN, place, policy, overrides, params, params_dir)
        self.policy = self.policy_spec.name  # (Mesa keeps `model.scenario` for its own use)
        run = build_run(self.params, self.place, self.scale, self.policy_spec, self.burn_in_months, self.seed)
        self.state, self.P, self.SEGP, self.FLOWS = run.state, run.P, run.SEGP, run.FLOWS
        design = self.place.design(self.scale)
        self.weights = None if design is None else design.weights  # a stratified sample's segments are weighted
        self.month = 0
        self.month_counters = np.zeros((N_SEG, N_COUNTERS), dtype=np.int64)
        self.history: list[np.ndarray] = []
        self._chunks = kernel.chunk_buffer(self.state)
        for fid in range(self.state.n_families):
            Family(self, fid)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: outcome_reporter(name) for name in outcomes.OUTCOMES},
            agent_reporters=AGENT_REPORTERS if agent_data else None,
        )

    def step(self) -> None:
        """One month (see the module docstring for the order)."""
        if self.driver == "agents":
            self.month_inputs = kernel.month_record(self.P, self.SEGP, self.FLOWS, self.month, self.seed)
            self.step_arrays = self.state.step_arrays(self.month)
            self.month_counters = np.zeros((N_SEG, N_COUNTERS), dtype=np.int64)
            self.agents.do("step")
        else:
            self.month_counters = kernel.step_month(
                self.state, self.P, self.SEGP, self.FLOWS, self.month, self.seed, self._chunks
            )
        self.history.append(self.month_counters)
        self.month += 1
        self.datacollector.collect(self)
        if self.month >= self.months:
            self.running = False

    def counters(self) -> np.ndarray:
        """Counters [month, segment, counter] of the months stepped so far (what `simulate` returns)."""
        return np.stack(self.history) if self.history else np.zeros((0, N_SEG, N_COUNTERS), dtype=np.int64)

    def outcomes_this_month(self) -> dict[str, float]:
        """Overall and by-segment outcomes of the month just stepped (a row of timeseries.csv)."""
        return outcomes.window_values(self.month_counters[np.newaxis], self.weights)

    def final_year(self) -> dict[str, float]:
        """Outcomes over the last 12 months stepped (a row of runs.csv once the run has ended)."""
        return outcomes.final_year(self.counters(), self.weights)


def outcome_reporter(name: str):
    """A model reporter: the outcome over all children in the month just stepped."""

    def report(model: DisengageModel) -> float:
        return outcomes.outcome_values(outcomes.over_segments(model.month_counters, model.weights))[name]

    report.__name__ = name
    return report
