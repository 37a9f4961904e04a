"""Figures drawn from a results folder only: they never re-run the model."""

import csv
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Okabe-Ito, colour-blind safe; one colour per scenario everywhere
SCENARIO_COLOURS = {
    "baseline": "#999999",
    "wigan_direct_care": "#0072B2",
    "wales_cme_matching": "#E69F00",
    "national_sui_mandate": "#D55E00",
    "national_with_safeguards": "#009E73",
}
FALLBACK = ("#CC79A7", "#56B4E9", "#F0E442", "#000000")
LABELS = {
    "wigan_direct_care": "Wigan: NHS number in\nsocial care records",
    "wales_cme_matching": "Wales: health data matched\nto find children missing education",
    "national_sui_mandate": "National identifier\nas drafted",
    "national_with_safeguards": "National identifier\nwith safeguards",
}


def read_effects(results: Path) -> dict[tuple[str, str], dict[str, float]]:
    """effects.csv as {(scenario, outcome): {mean, lo, hi, n}}."""
    with (results / "effects.csv").open(encoding="utf-8") as fh:
        return {
            (r["scenario"], r["outcome"]): {k: float(r[k]) for k in ("mean", "lo", "hi", "n")}
            for r in csv.DictReader(fh)
        }


def colour(scenario: str, order: list[str]) -> str:
    """The scenario's fixed colour."""
    return SCENARIO_COLOURS.get(scenario, FALLBACK[order.index(scenario) % len(FALLBACK)])


def footer_text(manifest: dict) -> str:
    """What made the figure: experiment, config hash, replicates (and whether each drew its behaviour), date."""
    res = manifest["resolved"]
    draws = ", each drawing behaviour from its ranges" if "replicate_parameters" in manifest else ""
    return (
        f"Experiment '{res['name']}' | place {res['place']['name']} at scale {res['scale']} | "
        f"{res['replicates']} replicates{draws} | config {manifest['config_hash'][:12]} | "
        f"code {manifest['code_version']} | {manifest['started_utc'][:10]}"
    )


def _bars(ax, effects, scenarios, outcome, title, unit):
    """Horizontal bars of one effect per scenario with its 90% interval."""
    for i, sc in enumerate(scenarios):
        e = effects[(sc, outcome)]
        mean = 0.0 if math.isnan(e["mean"]) else e["mean"]
        ax.barh(i, mean, color=colour(sc, scenarios), height=0.6)
        if not math.isnan(e["lo"]):
            ax.errorbar(mean, i, xerr=[[mean - e["lo"]], [e["hi"] - mean]], fmt="none", ecolor="black", capsize=4)
        ax.annotate(
            f"{mean:+.2f}" if abs(mean) < 10 else f"{mean:+.0f}",
            (mean, i),
            xytext=(4, 8),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_yticks(range(len(scenarios)), [LABELS.get(s, s) for s in scenarios])
    lo, hi = ax.get_xlim()
    pad = 0.15 * (hi - lo)
    ax.set_xlim(min(lo, -pad), max(hi, pad))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel(unit)
    ax.invert_yaxis()


def headline_figure(results: Path, manifest: dict) -> Path:
    """Lost safeguarding contacts and vaccination coverage change by scenario, against baseline."""
    effects = read_effects(results)
    scenarios = [s["name"] for s in manifest["resolved"]["scenarios"] if s["name"] != "baseline"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 1.6 + 1.1 * max(len(scenarios), 1)), constrained_layout=True)
    if scenarios:
        _bars(
            axes[0],
            effects,
            scenarios,
            "lost_safeguarding_contacts_per_10k",
            "Health contacts lost (chances to spot a child at risk)",
            "contacts lost per 10,000 children per year, final year\n(bar: mean over replicates; line: 90% interval)",
        )
        _bars(
            axes[1],
            effects,
            scenarios,
            "coverage_mmr1_24m_change_pp",
            "Change in MMR1 coverage at 24 months",
            "percentage points against the status quo\n(negative = fewer children vaccinated)",
        )
        axes[1].set_yticklabels([])
    fig.suptitle(
        "What each data-sharing policy costs, compared with the status quo (same families, same chances)",
        fontsize=12,
        x=0.01,
        ha="left",
    )
    fig.text(0.01, -0.02, footer_text(manifest), fontsize=7, color="#444444", ha="left", va="top")
    path = results / "figures" / "headline.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path
