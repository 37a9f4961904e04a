"""How every figure looks: scenario colours, segment names, the slide frame, footer and file formats.

One place for the visual vocabulary, so the effects figures and the design
figures (model/present/figures_design.py) draw alike.
"""

import math
import textwrap
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure, SubFigure  # noqa: E402

from model.present.results_folder import Results  # noqa: E402
from model.present.words import SEGMENT_LABELS  # noqa: E402, F401  (figures import it from here)

# Okabe-Ito, colour-blind safe; one colour per scenario everywhere
SCENARIO_COLOURS = {
    "baseline": "#999999",
    "wigan_direct_care": "#0072B2",
    "wales_cme_matching": "#E69F00",
    "national_sui_mandate": "#D55E00",
    "national_mandate_repealed": "#CC79A7",
    "national_with_safeguards": "#009E73",
}
# One colour per group of families where lines are groups (Paul Tol's muted scheme, colour-blind safe)
SEGMENT_COLOURS = {
    "insecure_immigration": "#882255",
    "grt": "#332288",
    "ehe": "#117733",
    "domestic_abuse": "#AA4499",
    "csc_known": "#44AA99",
    "general": "#555555",
    "adoptive": "#DDCC77",
    "disabled_parents": "#88CCEE",
}
FALLBACK = ("#56B4E9", "#000000", "#F0E442", "#882255")
FOOTER_GID = "footer"
SLIDE = (13.0, 7.3)  # inches: 16:9 at 150 dpi is about 1950 x 1100 pixels
HEAD_IN, FOOT_IN = 1.2, 0.35
TITLE_LINE_IN, SUBTITLE_LINE_IN = 0.27, 0.2  # inches per line of a 14 pt title and a 10 pt subtitle
DPI = 150
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, and sharp in print
    "svg.hashsalt": "disengage",  # element ids from a fixed salt rather than a random one
}


def colour(scenario: str, scenarios: list[str]) -> str:
    """The scenario's fixed colour; scenarios outside the project's six take the spare colours in turn."""
    if scenario in SCENARIO_COLOURS:
        return SCENARIO_COLOURS[scenario]
    extras = [s for s in scenarios if s not in SCENARIO_COLOURS]
    return FALLBACK[extras.index(scenario) % len(FALLBACK)]


def fmt_value(v: float) -> str:
    """A signed number with as many decimals as its size deserves."""
    if math.isnan(v):
        return "no data"
    if v == 0:
        return "0"
    digits = 0 if abs(v) >= 10 else 1 if abs(v) >= 1 else 2
    text = f"{v:+.{digits}f}"
    return text[1:] if float(text) == 0 else text  # a value that rounds to zero has no sign


def footer_text(results: Results) -> str:
    """What made the figure: experiment, config hash, replicates (and whether each drew its behaviour), place, date."""
    res = results.resolved
    draws = ", each taking behaviour from its ranges" if results.drawn_ranges else ""
    return (
        f"Made by disengage from experiment '{results.name}' | config {results.manifest['config_hash'][:12]} | "
        f"code {results.manifest['code_version']} | {results.replicates} runs of each scenario{draws} | "
        f"{results.place_name} at scale {res['scale']} (synthetic families) | {results.date}"
    )


def framed(
    results: Results, title: str, subtitle: str, nrows: int = 1, ncols: int = 1, size=SLIDE, **kw
) -> tuple[Figure, SubFigure, np.ndarray]:
    """A figure with a title and subtitle on top, a footer below, and a grid of axes between."""
    heading = textwrap.wrap(title, int(size[0] * 8.8))  # the headline sentence, whole
    lines = textwrap.wrap(subtitle, int(size[0] * 12))
    head_in = max(HEAD_IN, 0.25 + TITLE_LINE_IN * len(heading) + SUBTITLE_LINE_IN * len(lines))
    fig = plt.figure(figsize=size, layout="constrained")
    head, body, foot = fig.subfigures(3, 1, height_ratios=[head_in, size[1] - head_in - FOOT_IN, FOOT_IN])
    top = 1.0 - 0.08 / head_in
    head.text(0.005, top, "\n".join(heading), fontsize=14, weight="bold", va="top")
    below = top - (TITLE_LINE_IN * len(heading) + 0.1) / head_in
    head.text(0.005, below, "\n".join(lines), fontsize=10, va="top", color="#333333")
    foot.text(0.005, 0.5, footer_text(results), fontsize=8, color="#555555", va="center", gid=FOOTER_GID)
    axes = body.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, body, axes


def year_axis(ax: Axes, years: np.ndarray) -> None:
    """The x axis over the years shown; a run of one month is shown a month either side (not an empty span)."""
    first, last = float(years[0]), float(years[-1])
    if last <= first:
        first, last = first - 1 / 12, last + 1 / 12
    ax.set_xlim(first, last)


def pad_zero(ax: Axes, share: float = 0.18) -> None:
    """Room either side of zero for the written values, and a zero line."""
    lo, hi = ax.get_xlim()
    if max(abs(lo), abs(hi)) < 1e-6:  # nothing but zeros: show a readable unit range around zero
        lo, hi = -1.0, 1.0
    span = hi - lo
    ax.set_xlim(min(lo, 0.0) - share * span, max(hi, 0.0) + share * span)
    ax.axvline(0, color="black", linewidth=0.8)


def save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """The figure as PNG (slides) and SVG (print), without the drawing software's own date stamp."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    with plt.rc_context(STYLE):
        fig.savefig(paths[0], dpi=DPI, bbox_inches="tight", metadata={"Software": None})
        fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return paths
