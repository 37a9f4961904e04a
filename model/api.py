"""The public Python API: what a notebook, SALib, EMA Workbench or a test calls (re-exported by `model`).

- `run_experiment(path, out)`: an experiment file to a results folder (tables, figures, report).
- `simulate(params, place, scale, scenario, months, burn_in_months, seed)`: one run's monthly counters.
- `DisengageModel(place=..., policy=..., rng=...)`: the Mesa model, for batch_run, SolaraViz or stepping by hand.
- `effects(policy, ...)`: a policy's paired effects against the status quo under the same seed, as a dict.
"""

from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from model.core import outcomes
from model.experiments import runner
from model.experiments.experiment import BASELINE, SAMPLES
from model.experiments.folder import MANIFEST
from model.inputs import config
from model.present.report import figures_and_report, write_report
from model.sim.build import load_named
from model.sim.model import DRIVERS, DisengageModel
from model.sim.simulate import simulate

__all__ = ["DisengageModel", "effects", "run_experiment", "simulate", "version"]


def version() -> str:
    """The installed package's version."""
    return metadata.version("disengage")


def run_experiment(
    path: str | Path,
    out: str | Path | None = None,
    driver: str | None = None,
    progress: Callable[[str], None] | None = None,
    **options,
) -> Path:
    """Run an experiment YAML and write its results folder, figures and report included; returns the folder.

    `options` are those of model.experiments.runner.run_experiment (workers, executor, scheduler, force_new).
    """
    from model.experiments.national import is_national, run_national

    if is_national(config.load_yaml(path)):  # England and Wales: each nation's folder, then national_counts.csv
        from model.experiments.sets import refuse_unless_experiment

        refuse_unless_experiment(path, "national", options.pop("sets", ()))
        folder = run_national(path, out, driver, progress, finish=figures_and_report, **options)
        for nation in sorted(p.parent for p in folder.glob(f"*/{MANIFEST}")):
            write_report(nation)  # its bottom line reads the national_counts.csv written after its report
        return folder
    return runner.run_experiment(path, out, driver, progress, finish=figures_and_report, **options)


def effects(
    policy: str,
    place: str = "wigan",
    scale: float = 0.05,
    seed: int = 1,
    months: int = 60,
    burn_in_months: int = 12,
    overrides: dict | None = None,
    driver: str = DRIVERS[0],
    params_dir: str | Path | None = None,
    sample: str = SAMPLES[0],
) -> dict[str, float]:
    """Effects of `policy` against baseline under the same seed, over the final 12 months, overall and by segment.

    Keys are those of effects.csv (`lost_safeguarding_contacts_per_10k`, `coverage_mmr1_24m_change_pp`, ...,
    and `<effect>__<segment>`); one seed gives one paired difference, so call it over seeds for an interval.
    `sample="stratified"` runs the place's stratified sample (small groups oversampled, overall outcomes weighted),
    as an experiment's `sample: stratified` does; `scale` is then a share of that sample.
    """
    stratified = config.choice("effects", "sample", sample, SAMPLES) == "stratified"
    params, place_obj, scenario = load_named("effects", place, policy, overrides, None, params_dir, stratified)
    _, _, baseline = load_named("effects", place_obj, BASELINE, None, params, params_dir)
    design = place_obj.design(scale)
    weights = None if design is None else design.weights
    rows = [
        outcomes.final_year(simulate(params, place_obj, scale, sc, months, burn_in_months, seed, driver), weights)
        for sc in (scenario, baseline)
    ]
    return outcomes.paired_effects(rows[0], rows[1])
