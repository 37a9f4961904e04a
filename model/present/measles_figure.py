"""The measles figure: communities ranked by contact-adjusted immunity under the status quo and a policy, the
outbreak threshold marked, and beside them the chance that one importation causes more than 20 cases.

Reads a table of communities (one row per scenario, replicate and community): communities.csv of `disengage
measles` (model/analysis/measles_run.py) or measles_communities.csv of an experiment run with `measles:`
(model/experiments/tables.py); never re-runs anything.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.present.style import DPI, SCENARIO_COLOURS, STYLE, plt
from model.present.words import SEGMENT_PHRASES

FIGURE_STEM = "measles_communities"
THRESHOLD_BAND = (0.93, 0.95)  # Funk et al. 2019: outbreaks expected below 93%; 95% their target at school entry


def community_intervals(communities: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Mean and 5th-95th percentiles of a measure over replicates, per scenario and community."""
    g = communities.groupby(["scenario", "community"], sort=False)[measure]
    out = g.agg(mean="mean", lo=lambda x: np.percentile(x, 5), hi=lambda x: np.percentile(x, 95)).reset_index()
    # equal values can give a mean a rounding error outside its own percentiles: hold the interval around the mean
    out["lo"] = np.minimum(out["lo"], out["mean"])
    out["hi"] = np.maximum(out["hi"], out["mean"])
    return out


def figure_rows(comm: pd.DataFrame, policy: str) -> tuple[list[str], list[list]]:
    """The figure's numbers, one row per scenario and community in the figure's order: (header, rows)."""
    scenarios = ["baseline", policy]
    cai = community_intervals(comm[comm.scenario.isin(scenarios)], "contact_adjusted")
    order = list(cai[cai.scenario == "baseline"].sort_values("mean", ascending=False).community)
    children = comm[comm.scenario == "baseline"].groupby("community").children_0_14.mean()
    has_outbreaks = "p_over_20" in comm
    p20 = community_intervals(comm[comm.scenario.isin(scenarios)], "p_over_20") if has_outbreaks else None
    header = ["scenario", "community", "children_0_14", "contact_adjusted_mean", "contact_adjusted_lo",
              "contact_adjusted_hi"]  # fmt: skip
    header += ["p_over_20_mean", "p_over_20_lo", "p_over_20_hi"] if has_outbreaks else []
    rows = []
    for scen in scenarios:
        c = cai[cai.scenario == scen].set_index("community")
        p = p20[p20.scenario == scen].set_index("community") if p20 is not None else None
        for name in order:
            row = [scen, name, float(children[name]), *(float(c.loc[name, k]) for k in ("mean", "lo", "hi"))]
            rows.append(row + ([float(p.loc[name, k]) for k in ("mean", "lo", "hi")] if p is not None else []))
    return header, rows


def community_name(community: str, all_names: list[str]) -> str:
    """'general/3' as a reader reads it: the group's name, and the community's number when the group has several."""
    segment, _, rank = community.partition("/")
    words = SEGMENT_PHRASES.get(segment, segment.replace("_", " "))
    words = words[0].upper() + words[1:]
    several = sum(n.partition("/")[0] == segment for n in all_names) > 1
    return f"{words}, community {int(rank) + 1}" if several else words


def measles_figure(comm: pd.DataFrame, policy: str, threshold: float, labels: dict[str, str] | None = None) -> Figure:
    """Communities ranked by immunity under baseline and `policy` (mean and 90% interval over replicates), the
    threshold band marked, with P(>20 cases) per importation beside them; `labels` name the scenarios."""
    labels = labels or {}
    scenarios = ["baseline", policy]
    header, rows = figure_rows(comm, policy)
    table = pd.DataFrame(rows, columns=header)
    order = list(table[table.scenario == "baseline"].community)
    children = table[table.scenario == "baseline"].set_index("community").children_0_14
    has_outbreaks = "p_over_20_mean" in table
    fig, axes = plt.subplots(
        1, 2 if has_outbreaks else 1, figsize=(13.0, 0.34 * len(order) + 2.6), sharey=True, squeeze=False,
        gridspec_kw={"width_ratios": [3, 2] if has_outbreaks else [1]},
    )  # fmt: skip
    y = np.arange(len(order))
    offsets = {"baseline": -0.17, policy: 0.17}
    ax = axes[0, 0]
    ax.axvspan(100 * THRESHOLD_BAND[0], 100 * THRESHOLD_BAND[1], color="#dddddd", zorder=0)
    ax.axvline(100 * threshold, color="#000000", lw=1, ls="--", zorder=1)
    for scen in scenarios:
        part = table[table.scenario == scen].set_index("community").loc[order]
        colour = SCENARIO_COLOURS.get(scen, "#000000")
        mean = 100 * part.contact_adjusted_mean
        ax.errorbar(mean, y + offsets[scen], xerr=[mean - 100 * part.contact_adjusted_lo,
                    100 * part.contact_adjusted_hi - mean], fmt="o", ms=4, color=colour,
                    label=labels.get(scen, scen.replace("_", " ")))  # fmt: skip
        if has_outbreaks:
            p = 100 * part.p_over_20_mean
            axes[0, 1].errorbar(p, y + offsets[scen], xerr=[p - 100 * part.p_over_20_lo, 100 * part.p_over_20_hi - p],
                                fmt="s", ms=4, color=colour)  # fmt: skip
    note = f"{100 * THRESHOLD_BAND[0]:.0f}-{100 * THRESHOLD_BAND[1]:.0f}%:\noutbreaks\nexpected\nbelow\n(Funk\n2019)"
    ax.text(100 * sum(THRESHOLD_BAND) / 2, -0.4, note, fontsize=8, ha="center", va="top", color="#333333")
    ax.set_yticks(y, [f"{community_name(c, order)} ({children[c]:,.0f} children)" for c in order])
    ax.invert_yaxis()
    ax.set_xlabel("contact-adjusted immunity, %\n(Funk et al. 2019, with POLYMOD's UK contacts)")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16 if len(order) > 12 else -0.3), ncol=2, fontsize=9,
              frameon=False)  # fmt: skip
    if has_outbreaks:
        n_imp = int(comm.importations.iloc[0])
        axes[0, 1].set_xlabel(f"chance one imported case causes over 20 cases, %\n({n_imp} importations per "
                              "community in each run)")  # fmt: skip
        axes[0, 1].set_xlim(0, 100)
    n_rep = comm.replicate.nunique()
    fig.suptitle(
        "Measles: communities ranked by immunity under the status quo, and the outbreak risk beside them\n"
        f"mean and 90% interval over {n_rep} replicates; children aged 0-14 in brackets",
        x=0.01, ha="left", fontsize=12,
    )  # fmt: skip
    fig.tight_layout()
    return fig


def draw_measles_figure(folder: str | Path, policy: str, threshold: float) -> Path:
    """`disengage measles`'s figure from folder/communities.csv, saved as folder/measles_communities.png."""
    folder = Path(folder)
    with plt.rc_context(STYLE):
        fig = measles_figure(pd.read_csv(folder / "communities.csv"), policy, threshold)
        path = folder / f"{FIGURE_STEM}.png"
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path
