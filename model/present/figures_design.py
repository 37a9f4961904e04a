"""Figures of a sweep or sensitivity design: which assumptions matter most, and a two-parameter heat map.

Drawn only when the results folder holds a design: sensitivity.csv for the
ranking, and effects.csv with exactly two design-parameter columns that form a
full grid for the heat map. Otherwise each builder returns None.
"""

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from model.present.results_folder import Results
from model.present.style import SLIDE, STYLE, colour, framed, label, pad_zero

# Effects to rank, most wanted first (sensitivity.csv may name effects or outcomes)
RANKED_OUTCOMES = (
    "lost_safeguarding_contacts_per_10k",
    "lost_identifications_per_10k",
    "coverage_mmr1_24m_change_pp",
    "safeguarding_contacts_per_10k",
    "identifications_per_10k",
    "coverage_mmr1_24m",
)
OUTCOME_WORDS = {
    "lost_safeguarding_contacts_per_10k": "Safeguarding contacts lost",
    "lost_identifications_per_10k": "Children at risk no longer spotted",
    "coverage_mmr1_24m_change_pp": "Change in MMR1 coverage",
    "safeguarding_contacts_per_10k": "Safeguarding contacts",
    "identifications_per_10k": "Identifications of children at risk",
    "coverage_mmr1_24m": "MMR1 coverage at 24 months",
}
# method -> (bar measure, its confidence, second measure drawn as a dot, axis label)
MEASURES = {
    "sobol": (
        "ST",
        "ST_conf",
        "S1",
        "share of the outcome's spread due to the assumption\n(bar: total, with interactions; dot: on its own)",
    ),
    "morris": (
        "mu_star",
        "mu_star_conf",
        None,
        "average size of the outcome's change when the assumption moves\n"
        "across its range (Morris mu*, in the outcome's units)",
    ),
}
MAX_PANELS = 3
MAX_PARAMETERS = 10
GRID_EFFECT = "lost_safeguarding_contacts_per_10k"


def pick_method(rows: list[dict[str, str]]) -> str:
    """Sobol indices when present, else Morris, else whatever method the file holds."""
    methods = [r["method"].lower() for r in rows]
    return next((m for m in MEASURES if m in methods), methods[0])


def sensitivity_ranking(results: Results) -> Figure | None:
    """The assumptions that move the headline effects most, from sensitivity.csv."""
    rows = results.sensitivity_rows
    if not rows:
        return None
    if "scenario" in rows[0]:
        chosen = next(sc for sc in results.policies + [rows[0]["scenario"]] if any(r["scenario"] == sc for r in rows))
        rows = [r for r in rows if r["scenario"] == chosen]
    method = pick_method(rows)
    rows = [r for r in rows if r["method"].lower() == method]
    measure, conf, second, unit = MEASURES.get(method, (MEASURES["morris"][0], None, None, method))
    present = list(dict.fromkeys(r["outcome"] for r in rows))
    outcomes = [o for o in RANKED_OUTCOMES if o in present] + [o for o in present if o not in RANKED_OUTCOMES]
    outcomes = outcomes[:MAX_PANELS]
    with plt.rc_context(STYLE):
        fig, _, axes = framed(
            results,
            "Which uncertain assumptions matter most",
            f"Assumptions ranked by how much they move each result ({method.capitalize()} sensitivity analysis over "
            "the parameters' plausible ranges; lines: confidence intervals). Longer bars: the result depends more on "
            "that assumption, so it most needs better evidence.",
            ncols=len(outcomes),
        )
        for ax, outcome in zip(axes[0], outcomes, strict=True):
            mine = [r for r in rows if r["outcome"] == outcome]
            mine.sort(key=lambda r: -np.nan_to_num(r[measure], nan=-np.inf))
            mine = mine[:MAX_PARAMETERS]
            ys = np.arange(len(mine))
            vals = np.array([r[measure] for r in mine])
            ax.barh(ys, np.nan_to_num(vals), color="#0072B2", height=0.6, gid="sensitivity")
            if conf and conf in mine[0]:
                err = np.array([r[conf] for r in mine])
                ax.errorbar(vals, ys, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3)
            if second and second in mine[0]:
                ax.plot([r[second] for r in mine], ys, "o", color="#E69F00", markersize=6, gid="first_order")
            ax.set_yticks(ys, [r["parameter"] for r in mine], fontsize=9)
            ax.set_ylim(len(mine) - 0.5, -0.5)
            pad_zero(ax, 0.05)
            ax.set_title(textwrap.fill(OUTCOME_WORDS.get(outcome, outcome), 34), weight="bold")
            ax.set_xlabel(unit, fontsize=9)
    return fig


def grid_of(results: Results) -> tuple[list[float], list[float], dict[str, np.ndarray]] | None:
    """Values of the two design parameters and, per policy, the effect on that grid; None when not a full grid."""
    params = results.design_parameters
    if len(params) != 2:
        return None
    a_name, b_name = params
    rows = [r for r in results.effect_rows if r["outcome"] == GRID_EFFECT]
    a_vals = sorted({r[a_name] for r in rows})
    b_vals = sorted({r[b_name] for r in rows})
    if len(a_vals) < 2 or len(b_vals) < 2:
        return None
    grids = {}
    for sc in results.policies:
        cells = {(r[a_name], r[b_name]): r["mean"] for r in rows if r["scenario"] == sc}
        mine = [r for r in rows if r["scenario"] == sc]
        if len(cells) != len(a_vals) * len(b_vals) or len(mine) != len(cells):
            return None
        grids[sc] = np.array([[cells[(a, b)] for a in a_vals] for b in b_vals])
    return a_vals, b_vals, grids


def axis_words(path: str) -> str:
    """A design parameter's path with its unit, for an axis."""
    from model.inputs.params import load_parameters
    from model.inputs.paths import DEFAULT_PARAMS_DIR

    entries = load_parameters(DEFAULT_PARAMS_DIR).entries
    unit = entries[path].unit if path in entries else ""
    return textwrap.fill(f"{path} ({unit})" if unit else path, 48)


def design_grid(results: Results) -> Figure | None:
    """Lost safeguarding contacts over a two-parameter grid, one heat map per policy on one colour scale."""
    grid = grid_of(results)
    if grid is None:
        return None
    a_vals, b_vals, grids = grid
    a_name, b_name = results.design_parameters
    policies = list(grids)
    values = np.concatenate([g.ravel() for g in grids.values()])
    finite = values[np.isfinite(values)]
    norm = Normalize(float(finite.min()) if finite.size else 0.0, float(finite.max()) if finite.size else 1.0)
    ncols = min(len(policies), 2 if len(policies) == 4 else 3)
    nrows = math.ceil(len(policies) / ncols)
    size = (SLIDE[0], max(SLIDE[1], 1.4 + 3.6 * nrows))
    with plt.rc_context(STYLE):
        fig, body, axes = framed(
            results,
            "How the lost safeguarding contacts depend on two uncertain assumptions",
            "Safeguarding contacts lost per 10,000 children per year against the status quo, at each combination "
            "of the two assumptions the design varied (average over the runs of each combination).",
            nrows=nrows,
            ncols=ncols,
            size=size,
        )
        flat = axes.ravel()
        image = None
        for ax, sc in zip(flat, policies, strict=False):
            g = grids[sc]
            image = ax.imshow(g, cmap="cividis", norm=norm, origin="lower", aspect="auto", gid=sc)
            for (i, j), v in np.ndenumerate(g):
                dark = norm(v) < 0.5 if np.isfinite(v) else False
                ax.text(
                    j,
                    i,
                    f"{v:.0f}" if abs(v) >= 10 else f"{v:.1f}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if dark else "black",
                )
            ax.set_xticks(range(len(a_vals)), [f"{a:g}" for a in a_vals])
            ax.set_yticks(range(len(b_vals)), [f"{b:g}" for b in b_vals])
            ax.set_xlabel(axis_words(a_name), fontsize=9)
            ax.set_ylabel(axis_words(b_name), fontsize=9)
            ax.set_title(textwrap.fill(label(sc), 40), weight="bold", color=colour(sc, results.scenarios))
        for ax in flat[len(policies) :]:
            ax.set_visible(False)
        body.colorbar(image, ax=list(flat[: len(policies)]), label="contacts lost per 10,000 children per year")
    return fig
