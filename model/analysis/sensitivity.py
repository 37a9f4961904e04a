"""Sensitivity analysis of a finished sweep: SALib's Sobol indices or Morris screening, for each effect.

The output of a design point is its effect against baseline (paired by seed)
averaged over replicates. With two or more replicates, replicate noise is
separated from parameter variance. A replicate's seed is the same at every
point, so part of its noise moves every point alike and leaves the indices
alone; what remains is the point x replicate interaction of a two-way ANOVA.
Its variance over the replicate average, as a share of the variance of the
point averages, is reported on a row of its own. An output that does not vary
over the design has undefined indices, written as nan. Reads runs.csv and
manifest.json only: it never re-runs the model.
"""

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from model.core import outcomes
from model.experiments.experiment import BASELINE
from model.experiments.store import atomic_write
from model.experiments.tables import write_csv
from model.inputs.errors import InputError
from model.present.results_folder import paired_run_effects

COLUMNS = [
    "scenario",
    "outcome",
    "parameter",
    "method",
    "S1",
    "S1_conf",
    "ST",
    "ST_conf",
    "mu_star",
    "mu_star_conf",
    "sigma",
]
ANALYSED = ("sobol", "morris")
NOISE_PARAMETER = "(replicate noise)"
NOISE_METHOD = "replicate_noise"
CONF_LEVEL = 0.95
N_RESAMPLES = 200  # bootstrap resamples for the confidence intervals


def read_design(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest of a finished results folder and its design, which must be Sobol or Morris."""
    path = folder / "manifest.json"
    if not path.exists():
        raise InputError(str(folder), "", "a finished results folder (manifest.json is written at the end of a run)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    design = manifest["resolved"].get("design", {})
    if design.get("method") not in ANALYSED:
        raise InputError(str(path), "resolved.design.method", "a sobol or morris design", design.get("method"))
    return manifest, design


def effects_by_point(folder: Path, scenarios: list[str], n_points: int) -> dict[tuple[str, str], np.ndarray]:
    """Paired effects [point, replicate] for each (scenario, overall effect), from runs.csv."""
    paired = paired_run_effects(folder)
    replicates = 1 + max((r for _, _, r in paired), default=0)
    out = {(sc, e): np.full((n_points, replicates), math.nan) for sc in scenarios for e in outcomes.effects()}
    for (sc, point, r), effects in paired.items():
        for e in outcomes.effects():
            out[(sc, e)][point, r] = effects[e]
    return out


def noise_share(values: np.ndarray) -> float:
    """Share of the variance of the point means [point, replicate] that replicate noise explains.

    Noise variance = the two-way ANOVA residual (point x replicate interaction) / replicates;
    NaN with one replicate or when the point means do not vary.
    """
    n_points, n_rep = values.shape
    point_means = values.mean(axis=1)
    total = float(np.var(point_means, ddof=1))
    if n_rep < 2 or n_points < 2 or not total > 0:
        return math.nan
    resid = values - point_means[:, None] - values.mean(axis=0)[None, :] + values.mean()
    interaction = float((resid**2).sum()) / ((n_points - 1) * (n_rep - 1))
    return interaction / n_rep / total


def analyse(design: dict[str, Any], values: np.ndarray) -> list[list]:
    """Index rows (parameter, method, S1 ... sigma) of one effect; empty cells where the method gives no value."""
    from SALib.analyze import morris, sobol

    problem = {"num_vars": len(design["parameters"]), "names": design["parameters"], "bounds": design["bounds"]}
    y = values.mean(axis=1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # a constant output gives 0/0 indices: written as nan
        if design["method"] == "sobol":
            si = sobol.analyze(
                problem,
                y,
                calc_second_order=design["second_order"],
                num_resamples=N_RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=design["seed"],
            )
            rows = [
                [p, "sobol", si["S1"][j], si["S1_conf"][j], si["ST"][j], si["ST_conf"][j], "", "", ""]
                for j, p in enumerate(design["parameters"])
            ]
        else:
            x = np.array(design["points"], dtype=np.float64)
            si = morris.analyze(
                problem,
                x,
                y,
                num_resamples=N_RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=design["levels"],
                seed=design["seed"],
            )
            rows = [
                [p, "morris", "", "", "", "", si["mu_star"][j], si["mu_star_conf"][j], si["sigma"][j]]
                for j, p in enumerate(design["parameters"])
            ]
    defined = bool(np.all(np.isfinite(y))) and float(np.var(y)) > 0
    rows = [[r[0], r[1]] + [("" if v == "" else float(v) if defined else math.nan) for v in r[2:]] for r in rows]
    share = noise_share(values)
    if not math.isnan(share):
        rows.append([NOISE_PARAMETER, NOISE_METHOD, share, "", share, "", "", "", ""])
    return rows


def run_sensitivity(folder: str | Path) -> Path:
    """Write sensitivity.csv for a finished Sobol or Morris sweep, then redraw the figures and report; returns it.

    The figures (among them figures/sensitivity.png, the ranking) are drawn from the csv by model.present.report.
    """
    from model.present.report import figures_and_report

    folder = Path(folder)
    manifest, design = read_design(folder)
    scenarios = [s["name"] for s in manifest["resolved"]["scenarios"] if s["name"] != BASELINE]
    by_point = effects_by_point(folder, scenarios, len(design["points"]))
    rows = []
    for sc in scenarios:
        for effect in outcomes.effects():
            rows += [[sc, effect, *r] for r in analyse(design, by_point[(sc, effect)])]
    path = folder / "sensitivity.csv"
    atomic_write(path, lambda tmp: write_csv(tmp, COLUMNS, rows))
    figures_and_report(folder, manifest)
    return path
