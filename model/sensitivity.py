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

import csv
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from model import outcomes
from model.errors import InputError
from model.experiment import BASELINE, write_csv
from model.store import atomic_write

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
FIGURE_EFFECTS = ("lost_safeguarding_contacts_per_10k", "coverage_mmr1_24m_change_pp")


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
    finals: dict[tuple[str, int, int], dict[str, float]] = {}
    with (folder / "runs.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["scenario"], int(row["point"]), int(row["replicate"]))
            finals[key] = {c: float(row[c]) for c in outcomes.columns()}
    replicates = 1 + max(r for _, _, r in finals)
    out = {(sc, e): np.full((n_points, replicates), math.nan) for sc in scenarios for e in outcomes.EFFECTS}
    for (sc, point, r), row in finals.items():
        if sc != BASELINE:
            paired = outcomes.paired_effects(row, finals[(BASELINE, point, r)])
            for e in outcomes.EFFECTS:
                out[(sc, e)][point, r] = paired[e]
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
    """Write sensitivity.csv and figures/sensitivity.png for a finished Sobol or Morris sweep; returns the csv."""
    folder = Path(folder)
    manifest, design = read_design(folder)
    scenarios = [s["name"] for s in manifest["resolved"]["scenarios"] if s["name"] != BASELINE]
    by_point = effects_by_point(folder, scenarios, len(design["points"]))
    rows = []
    for sc in scenarios:
        for effect in outcomes.EFFECTS:
            rows += [[sc, effect, *r] for r in analyse(design, by_point[(sc, effect)])]
    path = folder / "sensitivity.csv"
    atomic_write(path, lambda tmp: write_csv(tmp, COLUMNS, rows))
    sensitivity_figure(folder, manifest, design["method"], [dict(zip(COLUMNS, r, strict=True)) for r in rows])
    return path


EFFECT_TITLES = {
    "lost_safeguarding_contacts_per_10k": "health contacts lost per 10,000 children per year",
    "coverage_mmr1_24m_change_pp": "change in MMR1 coverage at 24 months (pp)",
}


def _ranked_bars(ax: Any, rows: list[dict[str, Any]], method: str) -> None:
    """One panel: parameters ranked by total index (Sobol) or mu* (Morris), with their confidence intervals."""
    key, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    params = [r for r in rows if r["method"] == method]
    if all(math.isnan(r[key]) for r in params):
        ax.text(0.5, 0.5, "this effect does not vary over the design:\nindices undefined", ha="center", va="center",
                transform=ax.transAxes, fontsize=9, color="#444444")  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        return
    params.sort(key=lambda r: -r[key] if not math.isnan(r[key]) else math.inf)
    noise = [r for r in rows if r["method"] == NOISE_METHOD]
    for i, r in enumerate(params):
        value = 0.0 if math.isnan(r[key]) else r[key]
        ax.barh(i, value, height=0.6, color="#0072B2", label="total index ST" if i == 0 and method == "sobol" else None)
        if not math.isnan(r[conf]):
            ax.errorbar(value, i, xerr=r[conf], fmt="none", ecolor="black", capsize=3)
        if method == "sobol" and not math.isnan(r["S1"]):
            ax.plot(r["S1"], i, "D", color="#E69F00", markersize=5, label="first-order S1" if i == 0 else None)
        if method == "morris" and not math.isnan(r["sigma"]):
            ax.plot(r["sigma"], i, "D", color="#E69F00", markersize=5, label="sigma (interactions)" if i == 0 else None)
    labels = [r["parameter"] for r in params]
    if noise and method == "sobol":
        ax.barh(len(params), noise[0]["ST"], height=0.6, color="#999999", label="replicate noise share")
        labels.append(NOISE_PARAMETER)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
    ax.axvline(0, color="black", linewidth=0.8)
    what = "Sobol index (share of output variance)" if method == "sobol" else "Morris mu* (effect units)"
    ax.set_xlabel(f"{what}; lines: {CONF_LEVEL:.0%} bootstrap intervals")
    ax.legend(fontsize=7, loc="lower right")


def sensitivity_figure(folder: Path, manifest: dict[str, Any], method: str, rows: list[dict[str, Any]]) -> Path:
    """Ranked bars of each parameter's index for the headline effects, one panel per scenario and effect."""
    from model.figures import LABELS, footer_text, plt

    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    n_params = len(manifest["resolved"]["design"]["parameters"]) + 1
    fig, axes = plt.subplots(
        max(len(scenarios), 1),
        len(FIGURE_EFFECTS),
        figsize=(13, 0.8 + (1.0 + 0.35 * n_params) * max(len(scenarios), 1)),
        constrained_layout=True,
        squeeze=False,
    )
    for i, sc in enumerate(scenarios):
        for j, effect in enumerate(FIGURE_EFFECTS):
            ax = axes[i][j]
            _ranked_bars(ax, [r for r in rows if r["scenario"] == sc and r["outcome"] == effect], method)
            ax.set_title(f"{LABELS.get(sc, sc).replace(chr(10), ' ')}: {EFFECT_TITLES[effect]}", loc="left", fontsize=9)
    what = "Sobol indices" if method == "sobol" else "Morris screening"
    fig.suptitle(f"Which uncertain parameters drive each policy's effect ({what})", fontsize=12, x=0.01, ha="left")
    fig.text(0.01, -0.01, footer_text(manifest), fontsize=7, color="#444444", ha="left", va="top")
    path = folder / "figures" / "sensitivity.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=150, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path
