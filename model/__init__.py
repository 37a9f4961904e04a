"""disengage: families disengaging from child health services when the NHS number is reused."""

from pathlib import Path

from model import jitcache

jitcache.configure(Path(__file__).resolve().parent)  # before any compiled function is defined

__all__ = ["run_experiment"]


def run_experiment(path, out=None, driver=None, progress=None, **options):
    """Run an experiment YAML and write its results folder (see model.experiment.run_experiment)."""
    from model.experiment import run_experiment as _run

    return _run(path, out, driver, progress, **options)
