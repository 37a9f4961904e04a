"""Figures drawn from a results folder only: they never re-run the model.

Each figure is built by a function `Results -> Figure` (the tests inspect these)
and saved by `draw_figures` as PNG (slides) and SVG (print) into DIR/figures/.
Every figure has a plain-language title, units on its axes, the same colour and
order for each scenario, and a footer saying what made it.
"""

import math
import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.figure import Figure, SubFigure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402
from matplotlib.ticker import MultipleLocator  # noqa: E402

from model.core.layout import SEGMENTS  # noqa: E402
from model.present import headlines, measles_section  # noqa: E402
from model.present.drivers import RANKING_HEADER, drivers_results, ranking, ranking_sentence  # noqa: E402
from model.present.figure_data import (  # noqa: E402
    ALL,
    AVOIDANCE_SEGMENTS,
    EXPOSED,
    ROLLING_MONTHS,
    avoidance_policy,
    avoidance_rows,
    avoidance_summary,
    avoiding_band,
    effect_rows,
    paired_series,
    repeal_pair,
    rolling,
    series_rows,
    simulated_families,
    stable_segments,
    write_rows,
)
from model.present.figures_design import (  # noqa: E402
    design_grid,
    design_grid_rows,
    design_grid_sentence,
    sensitivity_ranking,
    sensitivity_rows,
    sensitivity_sentence,
)
from model.present.results_folder import BASELINE, Effect, Results, band  # noqa: E402
from model.present.style import (  # noqa: E402
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    SLIDE,
    STYLE,
    colour,
    fmt_value,
    framed,
    pad_zero,
    save,
    year_axis,
)
from model.present.tradeoff import BILL as TRADEOFF_BILL  # noqa: E402
from model.present.tradeoff import HEADER as TRADEOFF_HEADER  # noqa: E402
from model.present.tradeoff import tradeoff_folder, tradeoff_rows, tradeoff_sentence  # noqa: E402
from model.present.words import SEGMENT_PHRASES, round_count  # noqa: E402

WHO_TARGET_PCT = 95.0
CAP_POINTS_PER_HEIGHT = 20.0  # interval caps in points per unit of bar height (bars sit one unit apart)
LEGEND_WRAP = 44  # characters per line of a legend entry
PRE_POLICY_YEARS_SHOWN = 1  # time series start a year before the policy (earlier burn-in months are warm-up)
MIN_CHANGE_SPAN_PP = 0.1  # a change panel spans at least 0.1 points: below that the lines are noise, not effects
CHANGE_PAD = 0.12  # share of a change panel's span left free above and below its bands
GREY = "#bbbbbb"
GREY_BAND_ALPHA = 0.35
# GREY at GREY_BAND_ALPHA over white: the band's colour, behind a small group's note
GREY_BAND = to_hex([c * GREY_BAND_ALPHA + 1.0 - GREY_BAND_ALPHA for c in to_rgb(GREY)])










def final_year_words(results: Results) -> str:
    """Which months the final-year outcomes describe, in words."""
    years = (results.months - results.burn_in_months) / 12
    return f"the final 12 months of a run that ends {years:.3g} years after the policy starts"




def interval_bar(ax: Axes, y: float, e: Effect, fill: str, height: float, gid: str, annotate: bool) -> None:
    """One horizontal bar (the mean) with its interval as a line, and optionally its value written beyond."""
    mean = 0.0 if math.isnan(e.mean) else e.mean
    ax.barh(y, mean, color=fill, height=height, gid=gid)
    has_interval = not math.isnan(e.lo)
    if has_interval:
        caps = max(4.0, CAP_POINTS_PER_HEIGHT * height)
        ax.plot([e.lo, e.hi], [y, y], color="black", linewidth=1.3, marker="|", markersize=caps, gid="interval")
    if annotate:
        right = mean >= 0
        ends = [mean, e.lo, e.hi] if has_interval else [mean]
        edge = max(ends) if right else min(ends)
        ax.annotate(
            fmt_value(e.mean),
            (edge, y),
            xytext=(5 if right else -5, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=10,
        )


def bar_note(results: Results) -> str:
    """How to read the bars and lines of an effects figure."""
    return f"Bar: average over {results.interval_basis()}; line: the middle 90% of them."




HEADLINE_PANELS = (
    (
        "lost_safeguarding_contacts_per_10k",
        "Safeguarding contacts lost",
        "contacts with a health professional lost\nper 10,000 children per year",
    ),
    (
        "lost_identifications_per_10k",
        "Children at risk missed",
        "identifications of a child at risk lost\nper 10,000 children per year",
    ),
    (
        "cme_found_per_10k_change",
        "What data matching finds",
        "extra children missing education found\nper 10,000 children per year",
    ),
)


LABEL_WIDTH = 26  # characters a line of a policy's label on the headline figure (wider beyond MANY policies)
MANY, WIDE_LABEL_WIDTH = 8, 48
LINE_IN = 0.18  # inches a line of a label takes (10 pt), plus a gap between rows


def headline(results: Results) -> Figure:
    """Lost safeguarding contacts and identifications by scenario, next to what data matching finds."""
    policies = results.policies
    width = LABEL_WIDTH if len(policies) <= MANY else WIDE_LABEL_WIDTH
    labels = [textwrap.fill(results.label(s), width) for s in policies]
    row_in = LINE_IN * (max((t.count("\n") + 1 for t in labels), default=1) + 1)
    with plt.rc_context(STYLE):
        fig, body, axes = framed(
            results,
            headlines.headline_sentence(results),
            "What each way of sharing children's NHS numbers costs, and what it finds: each policy against the "
            "status quo, run on the same simulated families, "
            f"over {final_year_words(results)}. "
            "Positive numbers in the first two panels are chances to protect a child that were lost. "
            + bar_note(results),
            ncols=len(HEADLINE_PANELS),
            sharey=True,
            size=(SLIDE[0], SLIDE[1] + max(0.0, row_in * len(policies) - (SLIDE[1] - 2.8))),  # rows never overlap
        )
        for ax, (name, title, unit) in zip(axes[0], HEADLINE_PANELS, strict=True):
            for i, sc in enumerate(policies):
                interval_bar(ax, i, results.effect(sc, name), colour(sc, results.scenarios), 0.6, sc, True)
            pad_zero(ax)
            ax.set_title(title, weight="bold")
            ax.set_xlabel(unit)
            ax.tick_params(axis="y", length=0)
        axes[0][0].set_yticks(range(len(policies)), labels)
        axes[0][0].set_ylim(len(policies) - 0.5, -0.5)
    return fig


def series_note(results: Results) -> str:
    """How to read a time-series figure."""
    return (
        f"Lines: average of {results.n_runs} runs of the mean over the previous {ROLLING_MONTHS} months (monthly "
        "values jump with the few children reaching each age; the raw months are in the figure's CSV); shading: "
        "middle 90% of runs. Before the policy starts every scenario is the same simulated families, so only the "
        "status quo (dashed) is drawn there." + variants_note(results)
    )


def variants_note(results: Results) -> str:
    """A sentence saying which policies a figure leaves out (safeguard variants), or nothing."""
    n = len(results.variants)
    if not n:
        return ""
    what = "safeguard variant is" if n == 1 else f"{n} safeguard variants are"
    return f" The folder's {what} not drawn, only each policy as written: `disengage explore` shows each variant."


def time_series_panels(
    results: Results, axes: list[Axes], panels: tuple[tuple[str, str, str, float], ...], change: tuple[str, ...] = ()
) -> list[tuple[object, str]]:
    """Per panel, one line per scenario (mean over runs) and its 90% band, against years since the policy started.

    Before the policy starts every scenario runs the same families with the same random numbers; where a
    scenario's runs are indeed identical to the status quo's there, only the status quo is drawn before zero.
    The status quo is drawn last, dashed, so it stays visible where a policy changes nothing.
    """
    start = results.burn_in_months
    first_month = max(0, start - 12 * PRE_POLICY_YEARS_SHOWN)
    handles = {}
    for ax, (outcome, title, unit, scale) in zip(axes, panels, strict=True):
        if outcome in change:
            change_panel(results, ax, outcome, title, scale, first_month, handles)
            continue
        months, by_scenario = results.series(outcome)
        by_scenario = {sc: rolling(v) for sc, v in by_scenario.items()}
        keep = months >= first_month
        years = (months[keep] - start) / 12
        base = by_scenario[BASELINE][:, keep]
        from_start = max(int(np.searchsorted(years, 0.0)) - 1, 0)  # join the status quo's line at the start
        for sc in results.drawn_policies + [BASELINE]:
            values = by_scenario[sc][:, keep]
            shown = slice(None)
            if sc != BASELINE and np.array_equal(values[:, years < 0], base[:, years < 0], equal_nan=True):
                shown = slice(from_start, None)
            mean, lo, hi = band(values[:, shown] * scale)
            c = colour(sc, results.scenarios)
            ax.fill_between(years[shown], lo, hi, color=c, alpha=0.15, linewidth=0, gid=sc)
            style = {"linewidth": 2.0, "linestyle": (0, (4, 2))} if sc == BASELINE else {"linewidth": 1.8}
            (line,) = ax.plot(years[shown], mean, color=c, label=results.label(sc), gid=sc, **style)
            handles.setdefault(sc, line)
        ax.axvline(0, color="black", linewidth=1, linestyle=":", gid="policy_start")
        ax.set_title(title, weight="bold")
        ax.set_ylabel(unit)
        ax.set_xlabel("years since the policy started")
        year_axis(ax, years)
    start_line = Line2D([], [], color="black", linewidth=1, linestyle=":")
    shown = [sc for sc in results.scenarios if sc in handles]
    return [(handles[sc], results.label(sc)) for sc in shown] + [(start_line, "policy starts")]


def change_panel(
    results: Results, ax: Axes, outcome: str, title: str, scale: float, first_month: int, handles: dict
) -> None:
    """One line per policy: its change against the status quo (paired by run, rolling mean), with a zero line."""
    start = results.burn_in_months
    months, diffs = paired_series(results, outcome)
    keep = months >= first_month
    years = (months[keep] - start) / 12
    drawn = [np.zeros(1)]
    for sc in results.drawn_policies:
        mean, lo, hi = band(diffs[sc][:, keep] * scale)
        c = colour(sc, results.scenarios)
        ax.fill_between(years, lo, hi, color=c, alpha=0.15, linewidth=0, gid=sc)
        (line,) = ax.plot(years, mean, color=c, linewidth=1.8, label=results.label(sc), gid=sc)
        handles.setdefault(sc, line)
        drawn += [lo, hi, mean]
    ax.axhline(0, color="black", linewidth=1.0, gid="zero")
    ax.set_ylim(*change_limits(np.concatenate(drawn)))
    ax.axvline(0, color="black", linewidth=1, linestyle=":", gid="policy_start")
    ax.set_title(title, weight="bold")
    ax.set_ylabel("change against the status quo,\npercentage points (0 = no change)")
    ax.set_xlabel("years since the policy started")
    year_axis(ax, years)


def change_limits(values: np.ndarray) -> tuple[float, float]:
    """A change axis that holds zero and every band with a margin, spanning at least MIN_CHANGE_SPAN_PP: the
    largest change fills the panel, so a -0.07 point change is seen, not flattened on a +-1 point axis."""
    finite = values[np.isfinite(values)]
    lo, hi = (min(float(finite.min()), 0.0), max(float(finite.max()), 0.0)) if finite.size else (0.0, 0.0)
    pad = max(hi - lo, MIN_CHANGE_SPAN_PP) * CHANGE_PAD
    if hi - lo < MIN_CHANGE_SPAN_PP:
        middle = (hi + lo) / 2
        lo, hi = middle - MIN_CHANGE_SPAN_PP / 2, middle + MIN_CHANGE_SPAN_PP / 2
    return lo - pad, hi + pad


def legend_below(body: SubFigure, handles: list[tuple[object, str]]) -> None:
    """One legend for the figure, under the panels, long names wrapped."""
    body.legend(
        [h for h, _ in handles],
        [textwrap.fill(t, LEGEND_WRAP) for _, t in handles],
        loc="outside lower center",
        ncols=2 if len(handles) == 4 else min(3, len(handles)),
    )


VACCINATION_PANELS = (
    ("coverage_6in1_12m", "6-in-1 (3 doses) by 12 months", "% of children turning 1", 100.0),
    ("coverage_mmr1_24m", "MMR first dose by 24 months", "% of children turning 2", 100.0),
    ("coverage_mmr2_5y", "MMR both doses by 5 years", "% of children turning 5", 100.0),
)


def time_series_figure(
    results: Results,
    title: str,
    lead: str,
    panels: tuple[tuple[str, str, str, float], ...],
    extra: Callable[[list[Axes]], list[tuple[object, str]]] | None = None,
    change: tuple[str, ...] = (),
) -> Figure:
    """A row of time-series panels under one title, with anything `extra` draws on them, and one legend."""
    with plt.rc_context(STYLE):
        fig, body, axes = framed(results, title, lead + " " + series_note(results), ncols=len(panels))
        handles = time_series_panels(results, list(axes[0]), panels, change)
        if extra is not None:
            handles += extra(list(axes[0]))
        legend_below(body, handles)
    return fig


def status_quo_levels(results: Results) -> str:
    """'the status quo reaches 91.0%, 88.5% and 84.9% in the final year', read from the saved series."""
    levels = []
    for outcome, _, _, scale in VACCINATION_PANELS:
        months, by_scenario = results.series(outcome)
        final = by_scenario[BASELINE][:, months >= results.months - 12]
        value = float(np.nanmean(final)) * scale if np.isfinite(final).any() else math.nan
        levels.append("no data" if math.isnan(value) else f"{value:.1f}%")
    return f"{', '.join(levels[:-1])} and {levels[-1]}"


def vaccination(results: Results) -> Figure:
    """The three COVER milestones as each policy's change against the status quo, with bands and the policy start."""
    return time_series_figure(
        results,
        headlines.vaccination_sentence(results),
        "Each policy's change in the share of children vaccinated on time at the three NHS COVER milestones, "
        "against the status quo on the same simulated families (0 = no change; a fall is children not "
        f"vaccinated). In the final year the status quo reaches {status_quo_levels(results)} (the WHO target "
        f"is {WHO_TARGET_PCT:g}%).",
        VACCINATION_PANELS,
        change=tuple(p[0] for p in VACCINATION_PANELS),
    )


AWARENESS_PANELS = (
    ("aware_share", "Families aware of the data sharing", "% of families", 100.0),
    ("mean_trust", "Trust in NHS confidentiality", "average trust (0 = none, 1 = full)", 1.0),
    ("gp_registered_share", "Children 0-6 registered with a GP", "% of children aged 0-6", 100.0),
)


def awareness_trust(results: Results) -> Figure:
    """Awareness of the flows, trust in confidentiality and GP registration over time, by scenario."""
    return time_series_figure(
        results,
        headlines.awareness_sentence(results),
        "What families know, how far they trust the NHS, and whether children stay registered with a GP, under "
        "each policy; the registration panel shows the change against the status quo.",
        AWARENESS_PANELS,
        change=("gp_registered_share",),
    )


WHO_LOSES_PANELS = HEADLINE_PANELS[:2]


def hardest_hit_first(results: Results, effect: str) -> list[str]:
    """Segments ordered by the largest mean loss any policy causes there; segments with no data last."""

    def worst(segment: str) -> float:
        means = np.array([results.effect(sc, f"{effect}__{segment}").mean for sc in results.policies])
        return float(np.max(means[~np.isnan(means)], initial=-np.inf))

    return sorted(SEGMENTS, key=lambda s: -worst(s))


def who_loses(results: Results) -> Figure:
    """Lost contacts and identifications per 10,000 children of each segment, by scenario (no safeguard variant)."""
    policies = results.drawn_policies
    shares = dict(zip(SEGMENTS, results.resolved["place"]["segment_shares"], strict=True))
    stable, children = stable_segments(results)
    ranked = hardest_hit_first(results, WHO_LOSES_PANELS[0][0])
    segments = [s for s in ranked if s in stable] + [s for s in ranked if s not in stable]  # greyed groups last
    height = 0.8 / max(len(policies), 1)
    size = (SLIDE[0], max(SLIDE[1], 2.6 + 0.22 * len(segments) * max(len(policies), 1)))
    with plt.rc_context(STYLE):
        fig, body, axes = framed(
            results,
            headlines.who_loses_sentence(results, stable, SEGMENT_PHRASES),
            f"Per 10,000 children in each group, over {final_year_words(results)}, against the status quo; "
            "groups hit hardest at the top. Grey (at the bottom): too few children in the simulation for a stable "
            "estimate (the numbers are written, not drawn). " + bar_note(results) + variants_note(results),
            ncols=len(WHO_LOSES_PANELS),
            sharey=True,
            size=size,
        )
        for ax, (name, title, unit) in zip(axes[0], WHO_LOSES_PANELS, strict=True):
            for g, seg in enumerate(segments):
                if seg not in stable:
                    means = [results.effect(sc, f"{name}__{seg}").mean for sc in policies]
                    shown = ", ".join(fmt_value(m) for m in means)
                    ax.axhspan(g - 0.45, g + 0.45, color=GREY, alpha=GREY_BAND_ALPHA, linewidth=0, gid="unstable")
                    ax.annotate(  # from the panel's left edge (x in axes units), so it stays inside the panel
                        f"about {children[seg]:,.0f} children simulated:\ntoo few for a stable estimate\n({shown})",
                        (0, g),
                        xycoords=ax.get_yaxis_transform(),
                        xytext=(4, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=8,
                        color="#444444",
                        bbox={"boxstyle": "square,pad=0.2", "facecolor": GREY_BAND, "edgecolor": "none"},
                        zorder=3,  # above the zero line, which would cross the text
                    )
                    continue
                for j, sc in enumerate(policies):
                    y = g - 0.4 + height * (j + 0.5)
                    e = results.effect(sc, f"{name}__{seg}")
                    interval_bar(ax, y, e, colour(sc, results.scenarios), height * 0.9, sc, False)
                    if math.isnan(e.mean):
                        ax.annotate(
                            "no children of this group in the runs",
                            (0, y),
                            xytext=(4, 0),
                            textcoords="offset points",
                            va="center",
                            fontsize=8,
                            color="#555555",
                        )
            pad_zero(ax, 0.03)
            ax.set_title(title, weight="bold")
            ax.set_xlabel(unit.replace("per 10,000 children", "per 10,000 children in the group"))
            ax.tick_params(axis="y", length=0)
            for g in range(1, len(segments)):
                ax.axhline(g - 0.5, color="#dddddd", linewidth=0.8)
        ticks = [f"{SEGMENT_LABELS.get(s, s)}\n({100 * shares[s]:.1f}% of households)" for s in segments]
        axes[0][0].set_yticks(range(len(segments)), ticks)
        axes[0][0].set_ylim(len(segments) - 0.5, -0.5)
        handles = [plt.Rectangle((0, 0), 1, 1, color=colour(sc, results.scenarios)) for sc in policies]
        legend_below(body, list(zip(handles, [results.label(s) for s in policies], strict=True)))
    return fig


def avoidance_note(results: Results, repeal: tuple[str, str, int] | None) -> str:
    """How to read the avoidance figure."""
    text = (
        "A family avoiding health services keeps away because of the data sharing: no vaccinations or health "
        "visitor reviews, and less GP registration and unscheduled care. "
    )
    if repeal is not None:
        text += (
            "Left: each group of families; middle and right: the policy kept in force against the same policy "
            f"repealed after {headlines.years_words(repeal[2])} (its flows stop at the dashed line; before it both "
            "are the same simulated families, so one line is drawn). "
        )
    return text + (
        f"Lines: each month's average over {results.n_runs} runs; shading: middle 90% of runs. In brackets, each "
        "group's simulated families: the small groups' lines are noisy."
    )


def avoiding_lines(
    results: Results,
    ax: Axes,
    scenario: str,
    segment: str,
    c: str,
    gid: str,
    name: str,
    after: int | None = None,
    band_alpha: float = 0.13,
) -> Line2D:
    """One line (percent of families avoiding) and its 90% band, from a year before the policy (or from `after`)."""
    months, mean, lo, hi = avoiding_band(results, scenario, segment)
    start = results.burn_in_months
    first = max(0, start - 12 * PRE_POLICY_YEARS_SHOWN) if after is None else start + after - 1
    keep = months >= first
    years = (months[keep] - start) / 12
    ax.fill_between(years, 100 * lo[keep], 100 * hi[keep], color=c, alpha=band_alpha, linewidth=0, gid=gid)
    (line,) = ax.plot(years, 100 * mean[keep], color=c, linewidth=1.9, label=name, gid=gid)
    return line


def mark_value(
    ax: Axes, results: Results, scenario: str, segment: str, month: int, c: str, words: str
) -> tuple[float, float, str] | None:
    """A dot on a scenario's line at a policy month; returns (x, y, its words) for `place_labels` to write."""
    months, mean, _, _ = avoiding_band(results, scenario, segment)
    i = np.flatnonzero(months == results.burn_in_months + month)
    if i.size == 0 or not np.isfinite(mean[i[0]]):
        return None
    x, y = month / 12, 100 * float(mean[i[0]])
    ax.plot([x], [y], marker="o", color=c, markersize=5, gid="marked")
    return x, y, f"{headlines.percent(y / 100)} {words}"


LABEL_GID = "value_label"
LABEL_SPOTS = [(fx, fy) for fy in (0.9, 0.78, 0.66, 0.54, 0.42, 0.3, 0.18, 0.06) for fx in (0.55, 0.3, 0.05)]
HEADROOM = 1.45  # an avoidance panel's top is this times its highest band: room for labels above the lines


def overlaps(box, ax: Axes, renderer, bands: bool = True) -> bool:
    """Whether a box (display units) covers any drawn point of the panel's data lines (and bands), or another
    label."""
    for line in ax.get_lines():
        if line.get_gid() in ("policy_start", "repeal"):
            continue
        xy = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float))
        if np.any((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)):
            return True
    for band_ in ax.collections if bands else ():
        for path in band_.get_paths():
            xy = band_.get_transform().transform(path.vertices)
            inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
            if np.any(inside):
                return True
    return any(t.get_gid() == LABEL_GID and text_box(t, renderer).overlaps(box) for t in ax.texts)


def text_box(text: Text, renderer):
    """A label's own box (display units), without the arrow an annotation draws to its point."""
    if isinstance(text, Annotation):
        text.update_positions(renderer)  # where its words sit now (axes fraction to display)
    return Text.get_window_extent(text, renderer)


def place_labels(fig: Figure, ax: Axes, marks: list[tuple[float, float, str]]) -> None:
    """Write each mark's words in the first free spot of the panel (inside it, clear of its lines, bands and other
    labels), nearest the mark first, with an arrow to the dot; the figure must be at its final size."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panel = ax.get_window_extent(renderer)
    for x, y, words in marks:
        at = ax.transAxes.inverted().transform(ax.transData.transform((x, y)))
        spots = sorted(LABEL_SPOTS, key=lambda p: (p[0] - at[0]) ** 2 + (p[1] - at[1]) ** 2)
        text = ax.annotate(
            words, (x, y), xytext=spots[0], textcoords="axes fraction", fontsize=9, gid=LABEL_GID,
            arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.8, "shrinkB": 3},
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
        )  # fmt: skip
        text.set_in_layout(False)  # placed inside the panel: it must not move the panel it was placed in
        text.set_gid(None)  # not counted as another label while it is placed
        free = [
            spot for bands in (True, False) for spot in spots if clear_at(text, spot, panel, ax, renderer, bands)
        ]  # clear of lines and bands if it can be, else of lines
        text.set_position(free[0] if free else spots[0])
        text.set_gid(LABEL_GID)


def clear_at(text, spot: tuple[float, float], panel, ax: Axes, renderer, bands: bool) -> bool:
    """Whether the label at this spot (axes fraction) lies inside its panel and clear of what it must not cover."""
    text.set_position(spot)
    box = text_box(text, renderer)
    inside = panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 and box.y1 <= panel.y1
    return inside and not overlaps(box, ax, renderer, bands)


def avoidance(results: Results) -> Figure | None:
    """Families avoiding health services over time: by group under the Bill, and the Bill kept against repealed."""
    summary = avoidance_summary(results)
    if summary is None:
        return None
    policy = avoidance_policy(results)
    pair = repeal_pair(results)
    families = simulated_families(results)
    start = results.burn_in_months
    with plt.rc_context(STYLE):
        fig, body, axes = framed(
            results,
            headlines.avoidance_sentence(results),
            avoidance_note(results, pair),
            ncols=3 if pair else 1,
            gridspec_kw={"width_ratios": [1.7, 1, 1] if pair else [1]},
        )
        ax = axes[0][0]
        peaks = summary["peaks"]
        for seg in sorted(AVOIDANCE_SEGMENTS, key=lambda g: -peaks.get(g, (0.0, 0))[0]):
            name = f"{SEGMENT_LABELS.get(seg, seg)} ({round_count(families[seg])})"
            avoiding_lines(results, ax, policy, seg, SEGMENT_COLOURS[seg], seg, name, band_alpha=0.08)
        ax.axvline(0, color="black", linewidth=1, linestyle=":", gid="policy_start")
        ax.xaxis.set_major_locator(MultipleLocator(2))
        ax.set_title(textwrap.fill(f"Each group, under \u201c{results.label(policy)}\u201d", 48), weight="bold")
        ax.set_ylabel("% of the group's families avoiding services")
        ax.set_xlabel("years since the policy started")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, handlelength=1.5)
        if pair is not None:
            bill, repealed, end = pair
            exposed = SEGMENT_LABELS.get(EXPOSED, EXPOSED)
            panels = ((axes[0][1], EXPOSED, exposed), (axes[0][2], ALL, "All families"))
            handles = {}
            marks: dict[Axes, list[tuple[float, float, str]]] = {}
            for ax, seg, title in panels:
                for sc in (bill, repealed):
                    after = None
                    if sc == repealed:
                        before = [avoiding_band(results, s, seg)[1][: start + end] for s in (bill, repealed)]
                        after = end if np.array_equal(*before, equal_nan=True) else None
                    c = colour(sc, results.scenarios)
                    handles[sc] = avoiding_lines(results, ax, sc, seg, c, sc, results.label(sc), after)
                ax.axvline(0, color="black", linewidth=1, linestyle=":", gid="policy_start")
                ax.axvline(end / 12, color="black", linewidth=1.2, linestyle="--", gid="repeal")
                ax.xaxis.set_major_locator(MultipleLocator(2))
                c = colour(repealed, results.scenarios)
                later = summary["repeal"]["later"]
                marks[ax] = [
                    m for m in (
                        mark_value(ax, results, repealed, seg, end, c, "at the repeal"),
                        mark_value(ax, results, repealed, seg, later, c, f"{headlines.years_words(later - end)} on"),
                    ) if m is not None
                ]  # fmt: skip
                ax.set_title(f"{title}:\nthe policy kept or repealed", weight="bold")
                ax.set_ylabel("% of families avoiding services")
                ax.set_xlabel("years since the policy started")
                ax.set_ylim(0, HEADROOM * ax.get_ylim()[1])
            start_line = Line2D([], [], color="black", linewidth=1, linestyle=":")
            repeal_line = Line2D([], [], color="black", linewidth=1.2, linestyle="--")
            legend_below(
                body,
                [(handles[sc], results.label(sc)) for sc in (bill, repealed)]
                + [(start_line, "policy starts"), (repeal_line, f"repeal ({end / 12:g} years in)")],
            )
            for ax, found in marks.items():
                place_labels(fig, ax, found)
    return fig


def tradeoff(results: Results) -> Figure | None:
    """Net children at risk identified against the share of finds councils would have made anyway, one line per
    value of matching's detection, with the range over runs; None without the tradeoff experiment beside."""
    rows = tradeoff_rows(results)
    if not rows:
        return None
    policy = TRADEOFF_BILL if any(r[0] == TRADEOFF_BILL for r in rows) else rows[0][0]
    mine = [r for r in rows if r[0] == policy]
    ps = sorted({r[1] for r in mine})
    shades = ["#bbbbbb", "#E69F00", "#D55E00", "#882255", "#332288"]
    with plt.rc_context(STYLE):
        fig, _, axes = framed(
            Results(tradeoff_folder(results)),  # the footer names the experiment that made these numbers
            tradeoff_sentence(results),
            "One currency, children at risk: those a council identifies after data matching finds them, less "
            "those missed because their families keep away from health services, under the same simulated "
            "families. Each line is one value of the chance an enquiry spots a child at risk (no pilot data); "
            "across, the share of matching\u2019s finds councils would have made anyway (no data). Shading: the "
            f"range over {mine[0][9]} runs.",
        )
        ax = axes[0][0]
        for p, c in zip(ps, shades, strict=False):
            line = [r for r in mine if r[1] == p]
            x = [100 * r[2] for r in line]
            ax.fill_between(x, [r[4] for r in line], [r[5] for r in line], color=c, alpha=0.18, linewidth=0,
                            gid=f"p={p:g}")  # fmt: skip
            ax.plot(x, [r[3] for r in line], color=c, linewidth=2.2, marker="o", gid=f"p={p:g}",
                    label=f"enquiry spots a child at risk with chance {p:g}")  # fmt: skip
        ax.axhline(0, color="black", linewidth=1.0, gid="zero")
        ax.set_title(f"\u201c{results.label(policy)}\u201d", weight="bold")
        ax.set_xlabel("% of matching\u2019s finds councils would have made anyway")
        ax.set_ylabel("net children at risk identified\nper 10,000 children a year (above 0: more)")
        ax.legend(loc="best", fontsize=9)
    return fig


def drivers(results: Results) -> Figure | None:
    """What drives the result: per policy, how much each live assumption moves the lost contacts across its range
    (Morris mu* with its 95% interval, hatched when the interval is wider than the bar), from the drivers
    experiment beside this folder (experiments/drivers.yaml); None without it."""
    rows = ranking(results)
    if not rows:
        return None
    beside = drivers_results(results)
    policies = list(dict.fromkeys(r[0] for r in rows))
    with plt.rc_context(STYLE):
        fig, _, axes = framed(
            beside,
            ranking_sentence(results),
            "How much each assumption moves the safeguarding contacts lost in the final year, per 10,000 children a "
            "year, when it alone moves across its plausible range (the average over paths that move one assumption "
            "at a time; lines: 95% intervals). Hatched: the interval is wider than the bar, so its place in the "
            "order is uncertain. An assumption about notices moves only a policy that tells families.",
            ncols=len(policies),
        )
        for ax, sc in zip(axes[0], policies, strict=True):
            mine = [r for r in rows if r[0] == sc]
            ys = np.arange(len(mine))
            vals = np.array([r[3] for r in mine])
            conf = np.array([r[4] for r in mine])
            bars = ax.barh(ys, vals, color=colour(sc, beside.scenarios), height=0.6, gid=sc)
            for bar, r in zip(bars, mine, strict=True):
                if r[5]:
                    bar.set_hatch("//")
                    bar.set_alpha(0.45)
            lo = np.clip(vals - conf, 0.0, None)
            ax.errorbar(vals, ys, xerr=[vals - lo, conf], fmt="none", ecolor="black", capsize=3)
            for y, v in zip(ys, vals, strict=True):
                if v < 0.05:
                    ax.text(0, y, " none seen", va="center", fontsize=8, color="#555555", gid="none_seen")
            ax.set_yticks(ys, [textwrap.fill(r[2], 30, break_on_hyphens=False) for r in mine], fontsize=9)
            ax.set_ylim(len(mine) - 0.5, -0.5)
            ax.set_xlim(left=0.0)
            ax.set_title(textwrap.fill(f"\u201c{beside.label(sc)}\u201d", 40), weight="bold")
            ax.set_xlabel("change in safeguarding contacts lost\nper 10,000 children a year", fontsize=9)
    return fig


FIGURES: dict[str, Callable[[Results], Figure | None]] = {
    "headline": headline,
    "tradeoff": tradeoff,
    "drivers": drivers,
    "vaccination": vaccination,
    "who_loses": who_loses,
    "awareness_trust": awareness_trust,
    "avoidance": avoidance,
    "measles": measles_section.figure,  # None without `measles:` outcomes
}




DESIGN_FIGURES = {"sensitivity": sensitivity_ranking, "design_grid": design_grid}  # None without such a design
# stem -> the figure's data as (header, rows), written beside it as stem.csv
FIGURE_DATA: dict[str, Callable[[Results], tuple[list[str], list[list]]]] = {
    "headline": lambda r: effect_rows(r, [name for name, _, _ in HEADLINE_PANELS]),
    "tradeoff": lambda r: (TRADEOFF_HEADER, tradeoff_rows(r)),
    "drivers": lambda r: (RANKING_HEADER, ranking(r)),
    "vaccination": lambda r: series_rows(r, [p[0] for p in VACCINATION_PANELS], change=tuple(
        p[0] for p in VACCINATION_PANELS)),
    "who_loses": lambda r: effect_rows(r, [name for name, _, _ in WHO_LOSES_PANELS], by_segment=True),
    "awareness_trust": lambda r: series_rows(r, [p[0] for p in AWARENESS_PANELS], change=("gp_registered_share",)),
    "avoidance": avoidance_rows,
    "sensitivity": sensitivity_rows,
    "design_grid": design_grid_rows,
    "measles": measles_section.data,
}
# stem -> the sentence that heads the figure in the report
CAPTIONS: dict[str, Callable[[Results], str]] = {
    "headline": headlines.headline_sentence,
    "tradeoff": tradeoff_sentence,
    "drivers": ranking_sentence,
    "vaccination": headlines.vaccination_sentence,
    "who_loses": lambda r: headlines.who_loses_sentence(r, stable_segments(r)[0], SEGMENT_PHRASES),
    "awareness_trust": headlines.awareness_sentence,
    "avoidance": headlines.avoidance_sentence,
    "sensitivity": sensitivity_sentence,
    "design_grid": design_grid_sentence,
    "measles": measles_section.caption,
}


def draw_figures(folder: str | Path, manifest: dict | None = None) -> list[Path]:
    """Every figure the results folder supports, as PNG and SVG in folder/figures; returns the files written."""
    results = Results(folder, manifest)
    out = results.folder / "figures"
    written = []
    for stem, build in {**FIGURES, **DESIGN_FIGURES}.items():
        fig = build(results)
        if fig is not None:
            written += save(fig, out, stem)
            header, rows = FIGURE_DATA[stem](results)
            written.append(write_rows(out / f"{stem}.csv", header, rows))
    return written
