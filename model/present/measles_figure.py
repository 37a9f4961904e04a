"""The measles figure: communities ranked by contact-adjusted immunity under the status quo and a policy, the
outbreak threshold marked, and beside them the chance that one importation causes more than 20 cases.

Reads communities.csv of a measles results folder (model/analysis/measles_run.py); never re-runs anything.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from model.present.style import DPI, SCENARIO_COLOURS, STYLE, plt

FIGURE_STEM = "measles_communities"


def community_intervals(communities: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Mean and 5th-95th percentiles of a measure over replicates, per scenario and community."""
    g = communities.groupby(["scenario", "community"], sort=False)[measure]
    out = g.agg(mean="mean", lo=lambda x: np.percentile(x, 5), hi=lambda x: np.percentile(x, 95)).reset_index()
    # equal values can give a mean a rounding error outside its own percentiles: hold the interval around the mean
    out["lo"] = np.minimum(out["lo"], out["mean"])
    out["hi"] = np.maximum(out["hi"], out["mean"])
    return out


def draw_measles_figure(folder: str | Path, policy: str, threshold: float) -> Path:
    """communities ranked by immunity under baseline and `policy`, with P(>20 cases) per importation beside them."""
    folder = Path(folder)
    comm = pd.read_csv(folder / "communities.csv")
    scenarios = ["baseline", policy]
    comm = comm[comm.scenario.isin(scenarios)]
    cai = community_intervals(comm, "contact_adjusted")
    base = cai[cai.scenario == "baseline"].sort_values("mean", ascending=False)
    order = list(base.community)
    children = comm[comm.scenario == "baseline"].groupby("community").children_0_14.mean()
    has_outbreaks = "p_over_20" in comm
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, 2 if has_outbreaks else 1, figsize=(13.0, 0.32 * len(order) + 2.4), sharey=True, squeeze=False,
            gridspec_kw={"width_ratios": [3, 2] if has_outbreaks else [1]},
        )
        y = np.arange(len(order))
        offsets = {"baseline": -0.17, policy: 0.17}
        for scen in scenarios:
            part = cai[cai.scenario == scen].set_index("community").loc[order]
            ax = axes[0, 0]
            ax.errorbar(
                100 * part["mean"], y + offsets[scen],
                xerr=[100 * (part["mean"] - part["lo"]), 100 * (part["hi"] - part["mean"])],
                fmt="o", ms=4, color=SCENARIO_COLOURS.get(scen, "#000000"), label=scen.replace("_", " "),
            )
            if has_outbreaks:
                p20 = community_intervals(comm, "p_over_20")
                p = p20[p20.scenario == scen].set_index("community").loc[order]
                axes[0, 1].errorbar(
                    100 * p["mean"], y + offsets[scen],
                    xerr=[100 * (p["mean"] - p["lo"]), 100 * (p["hi"] - p["mean"])],
                    fmt="s", ms=4, color=SCENARIO_COLOURS.get(scen, "#000000"),
                )
        ax = axes[0, 0]
        ax.axvline(100 * threshold, color="#000000", lw=1, ls="--")
        note = f" threshold {100 * threshold:.0f}%:\n outbreaks expected below"
        ax.text(100 * threshold, -0.8, note, fontsize=9, va="bottom")
        ax.set_yticks(y, [f"{c.replace('_', ' ')} ({children[c]:,.0f} children)" for c in order])
        ax.invert_yaxis()
        ax.set_xlabel("contact-adjusted immunity, %\n(Funk et al. 2019, with POLYMOD's UK contacts)")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=9)
        if has_outbreaks:
            n_imp = int(comm.importations.iloc[0])
            label = f"chance one importation causes over 20 cases, %\n({n_imp} importations per community per run)"
            axes[0, 1].set_xlabel(label)
            axes[0, 1].set_xlim(0, 100)
        n_rep = comm.replicate.nunique()
        fig.suptitle(
            "Measles: communities ranked by immunity under the status quo, and the outbreak risk beside them\n"
            f"mean and 90% interval over {n_rep} replicates; children aged 0-14 in brackets",
            x=0.01, ha="left", fontsize=12,
        )
        fig.tight_layout()
        path = folder / f"{FIGURE_STEM}.png"
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path
