"""The report's measles section and figure, for a results folder run with `measles:` (docs/ODD.md section 7.13):
what the policy's lost doses mean for measles, in the words and units a public-health reader uses.

Reads runs.csv, effects.csv and measles_communities.csv of the folder; empty (no section, no figure) without them.
"""

import html
import math

import pandas as pd
from matplotlib.figure import Figure

from model.core.layout import SEGMENTS
from model.experiments.folder import MEASLES_COMMUNITIES
from model.present.measles_figure import THRESHOLD_BAND, figure_rows, measles_figure
from model.present.results_folder import Effect, Results
from model.present.style import STYLE, plt
from model.present.words import SEGMENT_PHRASES

BILL = "national_sui_mandate"  # the policy the figure shows when the folder has it


def communities(results: Results) -> pd.DataFrame | None:
    """measles_communities.csv of the folder (None when the experiment did not ask for measles)."""
    path = results.folder / MEASLES_COMMUNITIES
    return pd.read_csv(path) if path.is_file() else None


def threshold(results: Results) -> float:
    """The contact-adjusted immunity below which outbreaks are expected, as the run recorded it."""
    return float(results.resolved["measles"]["parameters"]["threshold_contact_adjusted"])


def shown_policy(results: Results) -> str:
    """The Bill as drafted when the folder has it, else its first policy."""
    return BILL if BILL in results.policies else results.policies[0]


def figure(results: Results) -> Figure | None:
    """Communities ranked by immunity under the status quo and the policy, the threshold band, the outbreak risk."""
    comm = communities(results)
    if comm is None or not results.policies:
        return None
    policy = shown_policy(results)
    labels = {s: results.label(s) for s in ("baseline", policy)}
    with plt.rc_context(STYLE):
        return measles_figure(comm, policy, threshold(results), labels)


def data(results: Results) -> tuple[list[str], list[list]]:
    """The figure's numbers."""
    comm = communities(results)
    return figure_rows(comm, shown_policy(results)) if comm is not None else ([], [])


def status_quo(results: Results) -> dict[str, float]:
    """Mean over the status quo's runs of each measles outcome (overall and by segment), from runs.csv."""
    runs = pd.read_csv(results.folder / "runs.csv")
    base = runs[runs.scenario == "baseline"]
    return {c: float(base[c].mean()) for c in runs.columns if c.startswith("measles_")}


def below_counts(results: Results) -> tuple[int, int, float]:
    """Under the status quo: communities below the threshold (in most replicates), all communities, and the
    children aged 0-14 living in those below (mean over replicates)."""
    comm = communities(results)
    base = comm[comm.scenario == "baseline"]
    by = base.groupby("community")
    below = by.below_threshold.mean() > 0.5
    kids = base[base.below_threshold.astype(bool)].groupby("replicate").children_0_14.sum()
    return int(below.sum()), int(below.size), float(kids.mean()) if kids.size else 0.0


def signed(x: float, decimals: int) -> str:
    """A change with its sign, and no sign on a zero ('0.00', not '-0.00')."""
    text = f"{x:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def pp(e: Effect) -> str:
    """A change in percentage points with its interval, to two significant figures of the largest of the three."""
    big = max(abs(e.mean), abs(e.lo), abs(e.hi))
    decimals = 2 if big >= 0.1 or big == 0 or math.isnan(big) else min(6, 1 - math.floor(math.log10(big)))
    return f"{signed(e.mean, decimals)} ({signed(e.lo, decimals)} to {signed(e.hi, decimals)})"


def count(e: Effect) -> str:
    """A change in a count with its interval ('0', not '+0')."""
    def one(x: float) -> str:
        text = f"{x:+,.0f}"
        return text[1:] if text in ("+0", "-0") else text

    return f"{one(e.mean)} ({one(e.lo)} to {one(e.hi)})"


def caption(results: Results) -> str:
    """The figure's one-sentence headline, computed from the results."""
    if communities(results) is None:
        return ""
    below, n, kids = below_counts(results)
    policy = shown_policy(results)
    e = results.effect(policy, "measles_contact_adjusted_immunity_change_pp")
    return (
        f"Under the status quo {below} of {n} communities ({kids:,.0f} children aged 0-14) are below the "
        f"{100 * threshold(results):.0f}% contact-adjusted immunity at which measles outbreaks are expected; "
        f"\u201c{results.label(policy)}\u201d moves the whole place's immunity by {pp(e)} percentage points."
    )


def worst_segment(results: Results, policy: str) -> tuple[str, Effect] | None:
    """The group of families whose immunity the policy lowers most (by mean), with its effect."""
    found = []
    for s in SEGMENTS:
        name = f"measles_contact_adjusted_immunity_change_pp__{s}"
        if name in results.effect_names():
            e = results.effect(policy, name)
            if not math.isnan(e.mean):
                found.append((e.mean, s, e))
    if not found:
        return None
    _, s, e = min(found)
    return s, e


def section_html(results: Results) -> str:
    """The report's measles section ('' without measles outcomes)."""
    if communities(results) is None or not results.policies:
        return ""
    esc = html.escape
    sq = status_quo(results)
    below, n, kids = below_counts(results)
    t = 100 * threshold(results)
    lead = (
        f"Measles spreads where fewer than about {THRESHOLD_BAND[0]:.0%}-{THRESHOLD_BAND[1]:.0%} of people are "
        "immune, and families who stop using child health services live near each other. From the MMR doses of the "
        "model's own children at the end of each run, the model works out each community's contact-adjusted "
        "immunity (Funk et al. 2019, with the UK's POLYMOD contacts) and runs measles importations on its "
        "households and network. Under the status quo the whole place's contact-adjusted immunity is "
        f"{100 * sq['measles_contact_adjusted_immunity']:.1f}%, and {below} of its {n} communities "
        f"({kids:,.0f} children aged 0-14) are below {t:.0f}%; one imported case causes more than 20 cases with "
        f"a chance of {100 * sq['measles_p_outbreak']:.0f}%."
        + (" With every community below the threshold already, no policy can add children below it: the change"
           " shows in how far below, and in the outbreak risk." if below == n else "")  # fmt: skip
    )
    head = ("<tr><th>Policy</th><th>Contact-adjusted immunity, change (percentage points)</th><th>Children in "
            f"communities below {t:.0f}%, change</th><th>Chance one imported case causes over 20 cases, change "
            "(percentage points)</th><th>Cases per imported case, change</th><th>Group hit hardest (immunity, "
            "percentage points)</th></tr>")  # fmt: skip
    body = []
    for policy in results.policies:
        cells = [
            pp(results.effect(policy, "measles_contact_adjusted_immunity_change_pp")),
            count(results.effect(policy, "measles_children_below_threshold_change")),
            pp(results.effect(policy, "measles_p_outbreak_change_pp")),
            f"{results.effect(policy, 'measles_cases_per_importation_change').mean:+.2f}",
        ]
        worst = worst_segment(results, policy)
        hardest = f"{SEGMENT_PHRASES.get(worst[0], worst[0])}: {pp(worst[1])}" if worst else ""
        numbers = "".join(f'<td class="num">{esc(c)}</td>' for c in cells)
        body.append(f'<tr><td>{esc(results.label(policy))}</td>{numbers}<td class="wrap">{esc(hardest)}</td></tr>')
    cap = int(results.resolved["measles"]["cap_cases"])
    per = int(results.resolved["measles"]["importations_per_community"])
    limits = (
        f"Each change is the policy's run minus the status quo's under the same random numbers, averaged over "
        f"{results.n_runs} runs with the 5th-95th percentile interval. {per} importations into each community per "
        f"run; a chain stops at {cap} cases, so cases per imported case are a lower bound. Not modelled: schools and "
        "other mixing outside the families' network, waning of vaccine immunity, natural immunity of children, a "
        "public-health response to an outbreak (docs/ODD.md section 7.13)."
    )
    return (
        f"<p>{esc(lead)}</p><div class=\"scroll\"><table>{head}{''.join(body)}</table></div>"
        f'<p class="small">{esc(limits)}</p>'
    )
