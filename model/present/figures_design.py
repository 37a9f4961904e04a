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
from model.present.style import SLIDE, STYLE, colour, framed, pad_zero
from model.present.words import parameter_words

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
    "lost_identifications_per_10k": "Children at risk missed",
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
SOBOL_ROUND = 2  # Sobol sample sizes are powers of two


def chosen_rows(results: Results) -> tuple[str, list[dict]]:
    """The method shown and its rows (one scenario's, when the file holds several)."""
    rows = results.sensitivity_rows
    if not rows:
        return "", []
    if "scenario" in rows[0]:
        chosen = next(sc for sc in results.policies + [rows[0]["scenario"]] if any(r["scenario"] == sc for r in rows))
        rows = [r for r in rows if r["scenario"] == chosen]
    method = pick_method(rows)
    return method, [r for r in rows if r["method"].lower() == method]


def design_size(results: Results) -> int | None:
    """The design's base sample size N (Sobol n_samples, Morris trajectories), if the manifest says."""
    n = (results.resolved.get("design") or {}).get("n_samples")
    return int(n) if n else None


def size_to_narrow(n: int, index: float, conf: float) -> int:
    """The base sample size at which the interval would be half the index (intervals shrink as 1/sqrt(N))."""
    if index <= 0 or conf <= 0:
        return n
    need = n * (conf / (index / 2)) ** 2
    return int(SOBOL_ROUND ** math.ceil(math.log(max(need, n), SOBOL_ROUND)))


def sensitivity_table(results: Results) -> list[dict]:
    """Per outcome and parameter: the index as drawn (clipped at zero), its interval, and whether it is too wide."""
    method, rows = chosen_rows(results)
    measure, conf, second, _ = MEASURES.get(method, (MEASURES["morris"][0], None, None, method))
    n = design_size(results)
    out = []
    for r in rows:
        raw = float(r.get(measure, math.nan))
        c = float(r.get(conf, math.nan)) if conf else math.nan
        shown = max(raw, 0.0) if not math.isnan(raw) else math.nan
        wide = not math.isnan(c) and not math.isnan(raw) and c > abs(raw)
        out.append({
            "outcome": r["outcome"],
            "parameter": r["parameter"],
            "words": parameter_words(r["parameter"]),
            "method": method,
            "measure": measure,
            "index_raw": raw,
            "index_shown": shown,
            "interval": c,
            "second": float(r.get(second, math.nan)) if second else math.nan,
            "second_shown": max(float(r.get(second, math.nan)), 0.0) if second else math.nan,
            "interval_wider_than_index": int(wide),
            "design_size": n if n else "",
            "size_to_narrow": size_to_narrow(n, abs(raw), c) if (wide and n) else "",
        })
    return out


def sensitivity_rows(results: Results) -> tuple[list[str], list[list]]:
    """The sensitivity figure's data as CSV rows."""
    table = sensitivity_table(results)
    header = list(table[0]) if table else ["outcome", "parameter"]
    return header, [list(r.values()) for r in table]


def sensitivity_sentence(results: Results) -> str:
    """The sensitivity figure's sentence: the assumption that matters most for the first outcome shown."""
    table = [r for r in sensitivity_table(results) if r["outcome"] in RANKED_OUTCOMES[:1]] or sensitivity_table(results)
    if not table:
        return "Which uncertain assumptions matter most."
    top = max(table, key=lambda r: np.nan_to_num(r["index_shown"], nan=-1.0))
    outcome = OUTCOME_WORDS.get(top["outcome"], top["outcome"]).lower()
    wide = sum(r["interval_wider_than_index"] for r in table)
    text = f"{top['words']} matters most for {outcome}"
    if wide:
        text += f"; {wide} of {len(table)} indices have intervals wider than the index itself, so the ranking is rough"
    return text + "."


def pick_method(rows: list[dict[str, str]]) -> str:
    """Sobol indices when present, else Morris, else whatever method the file holds."""
    methods = [r["method"].lower() for r in rows]
    return next((m for m in MEASURES if m in methods), methods[0])


def sensitivity_ranking(results: Results) -> Figure | None:
    """The assumptions that move the headline effects most, in plain words, from sensitivity.csv.

    Indices below zero (small designs give noisy estimates) are drawn at zero, and an interval wider than the
    index itself is marked, with the design size that would narrow it.
    """
    table = sensitivity_table(results)
    if not table:
        return None
    method = table[0]["method"]
    _, _, _, unit = MEASURES.get(method, (None, None, None, method))
    present = list(dict.fromkeys(r["outcome"] for r in table))
    outcomes = [o for o in RANKED_OUTCOMES if o in present] + [o for o in present if o not in RANKED_OUTCOMES]
    outcomes = outcomes[:MAX_PANELS]
    clipped = sum(1 for r in table if r["index_raw"] < 0 or r["second"] < 0)
    wide = [r for r in table if r["interval_wider_than_index"]]
    notes = []
    if clipped:
        notes.append(
            f"{clipped} estimates below zero are drawn at zero: a share cannot be negative, and small designs give "
            "noisy estimates that can fall below it."
        )
    if wide:
        n = table[0]["design_size"]
        need = max(int(r["size_to_narrow"] or 0) for r in wide)
        size = f" (design size {n}; about {need} would halve the widest)" if n and need else ""
        notes.append(f"Hatched: {len(wide)} intervals wider than the index itself, so the order is uncertain{size}.")
    with plt.rc_context(STYLE):
        fig, _, axes = framed(
            results,
            sensitivity_sentence(results),
            f"Assumptions ranked by how much they move each result ({method.capitalize()} sensitivity analysis over "
            "the parameters' plausible ranges; lines: confidence intervals). Longer bars: the result depends more on "
            "that assumption, so it most needs better evidence. " + " ".join(notes),
            ncols=len(outcomes),
        )
        for ax, outcome in zip(axes[0], outcomes, strict=True):
            mine = [r for r in table if r["outcome"] == outcome]
            mine.sort(key=lambda r: -np.nan_to_num(r["index_shown"], nan=-np.inf))
            mine = mine[:MAX_PARAMETERS]
            ys = np.arange(len(mine))
            vals = np.nan_to_num(np.array([r["index_shown"] for r in mine]))
            hatches = ["//" if r["interval_wider_than_index"] else "" for r in mine]
            bars = ax.barh(ys, vals, color="#0072B2", height=0.6, gid="sensitivity")
            for bar, hatch in zip(bars, hatches, strict=True):
                if hatch:
                    bar.set_hatch(hatch)
                    bar.set_facecolor("#9ecae1")
            err = np.nan_to_num(np.array([r["interval"] for r in mine]))
            if err.any():
                lo = np.clip(vals - err, 0.0, None)
                ax.errorbar(vals, ys, xerr=[vals - lo, err], fmt="none", ecolor="black", capsize=3)
            seconds = [r["second_shown"] for r in mine]
            if not all(math.isnan(s) for s in seconds):
                ax.plot(seconds, ys, "o", color="#E69F00", markersize=6, gid="first_order")
            ax.set_yticks(ys, [textwrap.fill(r["words"], 34, break_on_hyphens=False) for r in mine], fontsize=9)
            ax.set_ylim(len(mine) - 0.5, -0.5)
            pad_zero(ax, 0.05)
            ax.set_xlim(left=0.0)
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
    words = parameter_words(path)
    return textwrap.fill(f"{words} ({unit}; {path})" if unit else f"{words} ({path})", 48)


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
            design_grid_sentence(results),
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
            ax.set_title(textwrap.fill(results.label(sc), 40), weight="bold", color=colour(sc, results.scenarios))
        for ax in flat[len(policies) :]:
            ax.set_visible(False)
        body.colorbar(image, ax=list(flat[: len(policies)]), label="contacts lost per 10,000 children per year")
    return fig


def design_grid_rows(results: Results) -> tuple[list[str], list[list]]:
    """The heat maps' cells as CSV rows: policy, the two parameters' values, the effect's mean."""
    grid = grid_of(results)
    if grid is None:
        return ["scenario"], []
    a_vals, b_vals, grids = grid
    a_name, b_name = results.design_parameters
    rows = [
        [sc, results.label(sc), a, b, float(g[i, j])]
        for sc, g in grids.items()
        for i, b in enumerate(b_vals)
        for j, a in enumerate(a_vals)
    ]
    return ["scenario", "label", a_name, b_name, f"{GRID_EFFECT}_mean"], rows


def design_grid_sentence(results: Results) -> str:
    """The heat map's sentence: the range of lost contacts across the grid, for the policy that varies most."""
    grid = grid_of(results)
    if grid is None:
        return "How the lost safeguarding contacts depend on two uncertain assumptions."
    spans = {sc: (float(np.nanmin(g)), float(np.nanmax(g))) for sc, g in grids_of(grid).items()}
    sc = max(spans, key=lambda s: spans[s][1] - spans[s][0])
    lo, hi = spans[sc]
    return (
        f"Under \u201c{results.label(sc)}\u201d, safeguarding contacts lost range from {lo:.0f} to {hi:.0f} per "
        "10,000 children a year across the two assumptions the design varied."
    )


def grids_of(grid: tuple[list[float], list[float], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The per-policy arrays of a grid."""
    return grid[2]
