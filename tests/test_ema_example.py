"""The EMA Workbench worked example (docs/ema_example.py, docs/EMA.md) at its reduced size: the model must move
and PRIM must find a box, or the showcase integration shows a model that does nothing (issue 29)."""

import importlib.util

import pytest

from .conftest import REPO

pytest.importorskip("ema_workbench")  # a test extra (pyproject.toml); the example needs it


def load_example():
    spec = importlib.util.spec_from_file_location("ema_example", REPO / "docs" / "ema_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_worked_example_moves_and_prim_finds_a_box():
    ex = load_example()
    experiments, table = ex.run(ex.QUICK)
    assert len(table) == ex.QUICK.futures * len(ex.QUICK.policies)
    means = table.groupby("policy").mean()
    moved = {name: float(means.loc["drafted", name]) for name in ex.OUTCOMES if means.loc["drafted", name] != 0}
    assert moved, f"every effect of the Bill as drafted is zero: {means.to_dict()}"
    assert means.loc["drafted", "avoiding_share_change_pp"] > 0, "the Bill as drafted set no family avoiding"
    box = ex.costliest_box(experiments, table)
    assert box.restricted, f"PRIM found no box: coverage {box.coverage}, density {box.density}, mass {box.mass}"
    assert box.mass < 1.0 and box.coverage > 0.0, box
