"""The trade-off in one currency: children at risk identified through data matching, less those missed because
families keep away, over matching's detection and the share of finds councils would have made anyway.

Read from the `tradeoff` experiment beside the results folder (experiments/tradeoff.yaml: the same seeds at
several values of `safeguarding.p_detect_matching`, 0 among them). For each run, children missed because
families keep away are the identifications lost with detection at 0 (`L`, matching identifies nobody then), and
matching's identifications at detection p are `G(p) = lost(0) - lost(p)` under the same seed. With a share `a`
of matching's finds that councils would have made anyway (additionality 1 - a), the net is `(1 - a) G(p) - L`
children at risk identified per 10,000 a year; positive means more children at risk identified than before.
"""

import html
import math
from pathlib import Path

import numpy as np

from model.present.results_folder import BASELINE, Results, paired_run_effects
from model.present.words import place_count

FOLDER = "tradeoff"  # the experiment's results, beside the headline's
DETECT = "safeguarding.p_detect_matching"
LOST_IDS = "lost_identifications_per_10k"
ANYWAY = (0.0, 0.25, 0.5, 0.75)  # stated range: the share of finds councils would have made anyway (no data)
HEADER = ["scenario", "p_detect_matching", "found_anyway", "net_per_10k_mean", "net_per_10k_lo", "net_per_10k_hi",
          "net_per_year_in_place", "identified_by_matching_per_10k", "missed_keeping_away_per_10k", "runs"]  # fmt: skip


def tradeoff_folder(results: Results) -> Path | None:
    """The tradeoff experiment's folder beside this one (or this one, if it is it), or None."""
    for folder in (results.folder, results.folder.parent / FOLDER):
        if (folder / "runs.csv").is_file() and (folder / "manifest.json").is_file():
            try:
                design = Results(folder).design_parameters
            except Exception:  # noqa: BLE001 - a broken neighbour is no trade-off, not an error of this page
                continue
            if DETECT in design:
                return folder
    return None


def point_values(folder: Path) -> dict[int, float]:
    """Each design point's detection chance, from the folder's effects.csv."""
    rows = Results(folder).effect_rows
    return {int(r["point"]): float(r[DETECT]) for r in rows}


def tradeoff_rows(results: Results) -> list[list]:
    """Per matching policy, detection value and share found anyway: the net children at risk identified, its range
    over runs, the count for the headline's place a year, and its two parts."""
    folder = tradeoff_folder(results)
    if folder is None:
        return []
    runs = paired_run_effects(folder)
    values = point_values(folder)
    zero = [pt for pt, v in values.items() if v == 0.0]
    if not zero:
        return []
    rows = []
    for sc in sorted({k[0] for k in runs} - {BASELINE}):
        reps = sorted({k[2] for k in runs if k[0] == sc})
        missed = np.array([runs[(sc, zero[0], r)][LOST_IDS] for r in reps])
        for pt, p in sorted(values.items(), key=lambda kv: kv[1]):
            found = missed - np.array([runs[(sc, pt, r)][LOST_IDS] for r in reps])
            for a in ANYWAY:
                net = (1.0 - a) * found - missed
                mean = float(np.mean(net))
                count = place_count(LOST_IDS, -mean, results.n_children)
                rows.append([sc, p, a, mean, float(np.min(net)), float(np.max(net)), count, float(np.mean(found)),
                             float(np.mean(missed)), len(reps)])  # fmt: skip
    return rows


def zero_at(found: float, missed: float) -> float:
    """The share found anyway at which the net crosses zero: 1 - missed / found (NaN when matching finds none)."""
    return 1.0 - missed / found if found > 0 else math.nan


BILL = "national_sui_mandate"


def esc(text: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text), quote=True)


def signed(value: float) -> str:
    """'+0.12' or '-0.08': a net per 10,000 with its sign ('0' when it rounds to zero)."""
    text = f"{value:+.2f}"
    return "0" if float(text) == 0 else text


def net_words(value: float, n_children: int) -> str:
    """'about 3 more children at risk identified a year' or '... fewer ...' for a net per 10,000."""
    count = value / 10_000 * n_children
    if abs(count) < 1:
        return "fewer than 1 child at risk either way a year"
    way = "more" if count > 0 else "fewer"
    return f"about {abs(count):,.0f} {way} children at risk identified a year"


def tradeoff_html(results: Results) -> str:
    """The section: the net in one currency at the model's values, when its sign turns, and what it hinges on."""
    rows = tradeoff_rows(results)
    p0 = float(results.resolved["parameters"].get(DETECT, math.nan))
    place = results.place_name
    if not rows:
        if LOST_IDS not in results.effect_names() or BILL not in results.policies:
            return ""
        e = results.effect(BILL, LOST_IDS)
        return (
            f"<p>In one currency, children at risk identified, the Bill as drafted nets {signed(-e.mean)} per 10,000 "
            f"children a year in {esc(place)} ({esc(net_words(-e.mean, results.n_children))}): those its data "
            "matching finds and councils then identify, less those missed because families keep away. That sign "
            f"rests on the chance that a council's enquiry spots a child at risk ({p0:g}), an assumption with no "
            "pilot data, and it counts every find as one councils would not have made anyway. Run "
            "<code>disengage run experiments/tradeoff.yaml</code> to draw it over their ranges.</p>"
        )
    policy = BILL if any(r[0] == BILL for r in rows) else rows[0][0]
    mine = [r for r in rows if r[0] == policy]
    ps = sorted({r[1] for r in mine})
    at = min(ps, key=lambda p: abs(p - p0))
    base = next(r for r in mine if r[1] == at and r[2] == 0.0)
    net, lo, hi, found, missed, n = base[3], base[4], base[5], base[7], base[8], base[9]
    turn = zero_at(found, missed)
    top = next(r for r in mine if r[1] == ps[-1] and r[2] == 0.0)
    signs = {math.copysign(1.0, r[3]) for r in mine if r[1] > 0}
    label = esc(results.label(policy))
    text = (
        f"<p>In one currency, children at risk identified: under \u201c{label}\u201d, data matching finds children "
        f"out of school and a council\u2019s enquiry identifies {found:.2f} per 10,000 children a year as at risk, "
        f"while {missed:.2f} per 10,000 are missed because their families keep away from health services. The net "
        f"is <strong>{signed(net)} per 10,000</strong> ({esc(net_words(net, results.n_children))} in "
        f"{esc(place)}; {signed(lo)} to {signed(hi)} over {n} runs), with the chance an enquiry spots a child "
        f"at risk at {at:g} and every find counted as one councils would not have made anyway.</p><ul>"
    )
    if math.isnan(turn):
        text += "<li>Matching identifies no child at risk here, so the net is the children missed.</li>"
    elif turn <= 0:
        text += "<li>The net is below zero even if councils would have made none of the finds themselves.</li>"
    else:
        text += (
            f"<li>If more than {100 * turn:.0f}% of matching\u2019s finds are children councils would have found "
            "anyway, the net turns negative: the Bill then costs more children at risk than it finds.</li>"
        )
    text += (
        f"<li>With detection at the top of its range ({ps[-1]:g}) the net is {signed(top[3])} per 10,000; at "
        f"{ps[0]:g}, matching identifies nobody and the net is {signed(-missed)}.</li>"
    )
    even = break_even(mine)
    if not math.isnan(even):
        text += (
            f"<li>With every find additional, the net is above zero only if an enquiry spots a child at risk with a "
            f"chance above about {even:.2f} (the model uses {p0:g}).</li>"
        )
    hinge = len(signs) > 1
    text += (
        "<li><strong>The sign hinges on assumptions without pilot data</strong>: the chance an enquiry spots a "
        "child at risk, and how many finds councils would have made anyway. No pilot has published either.</li>"
        if hinge
        else "<li>The sign is the same across the ranges drawn here, though both assumptions lack pilot data.</li>"
    )
    text += "</ul>"
    head = "".join(f"<th>{100 * a:.0f}% found anyway</th>" for a in ANYWAY)
    body = "".join(
        f"<tr><td>{p:g}</td>"
        + "".join(
            f'<td class="num" data-net="{r[3]!r}">{signed(r[3])}</td>' for r in mine if r[1] == p
        )
        + "</tr>"
        for p in ps
    )
    return (
        text + f"<table class='tradeoff'><tr><th>Chance an enquiry spots a child at risk</th>{head}</tr>{body}"
        "</table><p class='small'>Net children at risk identified per 10,000 children a year under "
        f"\u201c{label}\u201d (positive: more identified). How long a found child stays found is not drawn: the "
        "model finds a child once per spell out of school, and a find only counts towards children at risk "
        "through the enquiry it starts. The numbers: <code>figures/tradeoff.csv</code>.</p>"
    )



def tradeoff_sentence(results: Results) -> str:
    """The trade-off figure's sentence: the net at the model's values, and the share found anyway where it turns."""
    rows = tradeoff_rows(results)
    if not rows:
        return "Children at risk identified through data matching, less those missed because families keep away."
    policy = BILL if any(r[0] == BILL for r in rows) else rows[0][0]
    p0 = float(results.resolved["parameters"].get(DETECT, math.nan))
    mine = [r for r in rows if r[0] == policy]
    at = min({r[1] for r in mine}, key=lambda p: abs(p - p0))
    base = next(r for r in mine if r[1] == at and r[2] == 0.0)
    turn = zero_at(base[7], base[8])
    text = (
        f"Under \u201c{results.label(policy)}\u201d, children at risk identified through matching less those missed "
        f"because families keep away: {signed(base[3])} per 10,000 children a year at the model\u2019s values"
    )
    if not math.isnan(turn) and 0 < turn < 1:
        text += f", below zero once more than {100 * turn:.0f}% of finds would have been made anyway"
    even = break_even(mine)
    if not math.isnan(even) and base[3] < 0:
        text += f"; above zero only if an enquiry spots a child at risk with a chance above about {even:.2f}"
    return text + "."


def break_even(mine: list[list]) -> float:
    """The chance an enquiry spots a child at risk at which the net crosses zero with every find additional,
    interpolated between the detection values run (NaN if it does not cross within them)."""
    line = sorted((r[1], r[3]) for r in mine if r[2] == 0.0)
    for (p0, n0), (p1, n1) in zip(line, line[1:], strict=False):
        if n0 < 0 <= n1:
            return p0 + (p1 - p0) * (-n0) / (n1 - n0)
    return math.nan
