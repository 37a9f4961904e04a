"""The two drivers run the same rules: identical tables for every scenario, and on any thread count."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from model.core.jitcache import sources_hash
from model.experiments.experiment import load_experiment
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.sim.simulate import simulate

from .conftest import ALL_SCENARIOS, REPO, write_experiment

TABLES = ("runs.csv", "timeseries.csv", "effects.csv")


def run_cli(exp, out, driver, threads, cwd):
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    code = (  # the runner alone: tables and manifest, not the figures nobody here reads (about 8 s a folder)
        "import sys; from model.experiments import runner; "
        "runner.run_experiment(sys.argv[1], sys.argv[2], driver=sys.argv[3], workers=1)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(exp), str(out), driver],  # one process: NUMBA_NUM_THREADS threads
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drivers")
    exp = write_experiment(tmp, scenarios=ALL_SCENARIOS, scale=0.02, months=48, replicates=2)
    return {
        ("agents", 1): run_cli(exp, tmp / "agents", "agents", 1, tmp),
        ("kernel", 1): run_cli(exp, tmp / "kernel1", "kernel", 1, tmp),
        ("kernel", 2): run_cli(exp, tmp / "kernel2", "kernel", 2, tmp),
    }


@pytest.mark.parametrize("table", TABLES)
def test_agents_and_kernel_write_identical_tables(runs, table):
    a, k = runs[("agents", 1)] / table, runs[("kernel", 1)] / table
    assert a.read_bytes() == k.read_bytes(), f"{table}: the agents and kernel drivers differ"


@pytest.mark.parametrize("table", TABLES)
def test_one_and_two_threads_write_identical_tables(runs, table):
    one, two = runs[("kernel", 1)] / table, runs[("kernel", 2)] / table
    assert one.read_bytes() == two.read_bytes(), f"{table}: 1 and 2 numba threads differ"


def test_counters_identical_for_every_scenario_at_larger_scale():
    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    for scenario in exp.scenarios:
        a = simulate(exp.params, exp.place, 0.05, scenario, 40, 12, 11, "agents")
        k = simulate(exp.params, exp.place, 0.05, scenario, 40, 12, 11, "kernel")
        assert np.array_equal(a, k), f"{scenario.name}: counters differ between drivers"


def test_compiled_code_cache_follows_every_simulation_source_file(tmp_path):
    """An edit to a rule in a subpackage moves the compile cache and run ids; an edit to a caption does not."""
    src_pkg = DEFAULT_PARAMS_DIR.parent / "model"
    pkg = tmp_path / "model"
    shutil.copytree(src_pkg, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    before = sources_hash(pkg)
    assert before == sources_hash(src_pkg), "the hash must depend on file contents and relative paths only"
    figures = pkg / "present" / "figures.py"
    figures.write_text(figures.read_text() + "\n# a caption edit\n")
    assert sources_hash(pkg) == before, "editing a figure must keep the compile cache and stored run ids"
    rules = pkg / "core" / "rules.py"
    rules.write_text(rules.read_text() + "\n# a change to a rule\n")
    assert sources_hash(pkg) != before, "editing core/rules.py must move compiled code to a fresh cache"
    after_rule = sources_hash(pkg)
    nested = pkg / "inputs" / "deeper"
    nested.mkdir()
    (nested / "extra.py").write_text("X = 1\n")
    assert sources_hash(pkg) != after_rule, "a file in a nested folder of a simulation room must count"


def test_drivers_agree_where_the_kernel_prefetches():
    """Above PREFETCH_MIN_HOUSEHOLDS the kernel asks for neighbours' words ahead; a hint must not change results."""
    from model.core.kernel import PREFETCH_MIN_HOUSEHOLDS
    from model.inputs.scenario import load_place

    exp = load_experiment(REPO / "experiments" / "smoke.yaml")
    england = load_place(DEFAULT_PARAMS_DIR / "places" / "england.yaml")
    scale = 1.05 * PREFETCH_MIN_HOUSEHOLDS / england.n_families
    assert england.scaled_families(scale) > PREFETCH_MIN_HOUSEHOLDS
    scenario = next(s for s in exp.scenarios if s.name == "national_sui_mandate")
    a = simulate(exp.params, england, scale, scenario, 3, 0, 5, "agents")
    k = simulate(exp.params, england, scale, scenario, 3, 0, 5, "kernel")
    assert np.array_equal(a, k), "counters differ between drivers in a population the kernel prefetches for"
