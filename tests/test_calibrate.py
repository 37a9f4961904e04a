"""Calibration: targets are read and checked, a small fit improves on its start, and bad input fails in one line."""

import csv

import numpy as np
import pytest
import yaml

from model.analysis.calibrate import calibrate, from_unit, load_calibration, to_unit
from model.analysis.targets import QUANTITIES, load_targets
from model.cli import main
from model.core.layout import COUNTERS, N_SEG, SEGMENTS
from model.inputs.params import load_parameters, load_source_ids
from model.inputs.paths import DEFAULT_PARAMS_DIR

from .conftest import REPO

HV_AND_6IN1 = [
    {
        "name": "hv",
        "place": "wigan",
        "quantity": "hv_review_coverage",
        "role": "fit",
        "value": 84.05,
        "tolerance": 2.0,
        "source": "hv_12m_review_by_15m_2024_25",
    },
    {
        "name": "mmr1_5y",
        "place": "wigan",
        "quantity": "coverage_mmr1_5y",
        "role": "validate",
        "value": 91.9,
        "tolerance": 1.0,
        "source": "eng_mmr1_5y_2023_24",
    },
]


def write_calibration(folder, targets=None, **fields):
    """A tiny calibration of Wigan at 2% that starts the health visitor intercept far from its target."""
    (folder / "targets.yaml").write_text(yaml.safe_dump({"targets": targets or HV_AND_6IN1}), encoding="utf-8")
    cal = {
        "name": "tiny_calibration",
        "place": "wigan",
        "scale": 0.02,
        "months": 48,
        "window_months": 24,
        "targets": "targets.yaml",
        "free": ["contacts.p_hv_review"],
        "overrides": {"contacts.p_hv_review": 0.6},
        "replicates": 1,
        "check_replicates": 2,
        "seed": 3,
        "max_evaluations": 8,
    }
    cal.update(fields)
    path = folder / "cal.yaml"
    path.write_text(yaml.safe_dump(cal, sort_keys=False), encoding="utf-8")
    return path


def read_rows(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_small_fit_improves_on_its_start_under_fresh_seeds(tmp_path):
    out = calibrate(write_calibration(tmp_path), tmp_path / "out")
    evaluations = read_rows(out / "evaluations.csv")
    start, best = float(evaluations[0]["objective"]), min(float(r["objective"]) for r in evaluations)
    assert float(evaluations[0]["contacts.p_hv_review"]) == pytest.approx(0.6), "the fit did not start at the start"
    assert best < 0.25 * start, f"objective {start:.2f} at the start, {best:.2f} at best: the fit barely moved"
    rows = {r["target"]: r for r in read_rows(out / "calibration.csv")}
    hv = rows["hv"]
    miss_start, miss_fit = abs(float(hv["start_mean"]) - 84.05), abs(float(hv["model_mean"]) - 84.05)
    assert miss_fit < 0.5 * miss_start, f"under fresh seeds the HV miss went from {miss_start:.2f} to {miss_fit:.2f}"
    assert rows["mmr1_5y"]["role"] == "validate"
    fitted = yaml.safe_load((out / "fitted.yaml").read_text(encoding="utf-8"))["overrides"]
    entry = load_parameters(DEFAULT_PARAMS_DIR).entries["contacts.p_hv_review"]
    assert entry.lo <= fitted["contacts.p_hv_review"] <= entry.hi, f"fitted value {fitted} outside its range"


def test_check_only_table_is_byte_identical_and_passes_only_inside_the_band(tmp_path):
    path = write_calibration(tmp_path)
    a = calibrate(path, tmp_path / "a", max_evaluations=0)
    b = calibrate(path, tmp_path / "b", max_evaluations=0)
    assert (a / "calibration.csv").read_bytes() == (b / "calibration.csv").read_bytes()
    for row in read_rows(a / "calibration.csv"):
        inside = float(row["accept_lo"]) <= float(row["model_mean"]) <= float(row["accept_hi"])
        assert row["pass"] == ("yes" if inside else "no"), row
        assert row["start_mean"] == row["model_mean"], "with no evaluations the fitted point is the start"


def test_fitting_scale_maps_the_range_onto_0_1_and_back():
    for x in (0.5, 0.7, 0.95):
        assert from_unit(to_unit(x, 0.5, 0.95), 0.5, 0.95) == pytest.approx(x)
    assert (to_unit(0.5, 0.5, 0.95), to_unit(0.95, 0.5, 0.95)) == (0.0, 1.0)


def test_quantities_are_ratios_of_counters_and_gaps_between_segments():
    sums = np.zeros((N_SEG, len(COUNTERS)))
    k = {name: i for i, name in enumerate(COUNTERS)}
    general, grt = SEGMENTS.index("general"), SEGMENTS.index("grt")
    sums[general, k["cohort_12m"]], sums[general, k["full_6in1_12m"]] = 100, 92
    sums[grt, k["cohort_12m"]], sums[grt, k["full_6in1_12m"]] = 10, 7
    assert QUANTITIES["coverage_6in1_12m"].value(sums) == pytest.approx(99 / 110 * 100)
    assert QUANTITIES["grt_gap_coverage_6in1_12m"].value(sums) == pytest.approx(92 - 70)


def test_repository_targets_cite_known_sources_and_cover_the_issue():
    targets = load_targets(REPO / "params" / "targets.yaml", load_source_ids(DEFAULT_PARAMS_DIR))
    fitted = {(t.place, t.quantity) for t in targets if t.role == "fit"}
    every_cover_milestone = ("coverage_6in1_12m", "coverage_6in1_24m", "coverage_6in1_5y", "coverage_mmr1_24m",
                             "coverage_mmr1_5y", "coverage_mmr2_5y")  # fmt: skip
    for quantity in (*every_cover_milestone, "hv_review_coverage", "missing_education_known_per_10k"):
        assert ("england", quantity) in fitted, f"no England target for {quantity}"
    assert any(t.role == "validate" for t in targets), "no validation targets"
    hv = next(t for t in targets if t.quantity == "hv_review_coverage")
    assert len(hv.sources) == 4 and hv.value == pytest.approx((85.2 + 81.8 + 88.4 + 80.8) / 4)
    for name in ("calibration", "calibration_vaccination", "calibration_wales"):
        load_calibration(REPO / "experiments" / f"{name}.yaml")


@pytest.mark.parametrize(
    ("fields", "targets", "expected"),
    [
        ({"free": ["contacts.nonsense"]}, None, "cal.yaml: free[0]: expected a known parameter path"),
        ({"free": ["network.degree"]}, None, "cal.yaml: free[0]: expected a real-valued parameter"),
        ({"window_months": 100}, None, "cal.yaml: window_months: expected an integer in [1, 48], got 100"),
        ({"overrides": {"contacts.p_hv_review": 0.3}}, None, "cal.yaml: free[0]: expected a parameter starting inside"),
        (
            {"scale": 0.0001, "months": 1, "window_months": 1},
            [dict(HV_AND_6IN1[0], quantity="coverage_mmr2_5y")],
            "cal.yaml: scale: expected a run large and long enough to give every target a value, got ['hv']",
        ),
        ({}, [dict(HV_AND_6IN1[0], source="made_up")], "targets.yaml: targets[0].source: expected an id listed"),
        ({}, [dict(HV_AND_6IN1[0], quantity="joy")], "targets.yaml: targets[0].quantity: expected one of"),
        ({}, [dict(HV_AND_6IN1[0], range=[80, 90])], "targets.yaml: targets[0]: expected exactly one of 'tolerance'"),
        ({}, [dict(HV_AND_6IN1[0], place="atlantis")], "targets.yaml: targets: expected at least one target"),
    ],
)
def test_bad_calibration_input_fails_in_one_line(capsys, tmp_path, fields, targets, expected):
    path = write_calibration(tmp_path, targets, **fields)
    code = main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, f"exit {code}: {err}"
    assert expected in err, err
    assert not (tmp_path / "out").exists()
