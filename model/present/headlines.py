"""One sentence per figure saying what it shows, computed from the results folder (figure titles, report captions).

A headline names the policy it speaks of by its label, gives the count for the
whole place beside the rate, and falls back to a plain description when the
numbers it needs are missing (a folder without that effect, or all NaN).
"""

import math

from model.core.layout import SEGMENTS
from model.present.figure_data import EXPOSED, avoidance_summary
from model.present.results_folder import Effect, Results
from model.present.style import fmt_value
from model.present.words import SEGMENT_PHRASES, place_count, say_count

LOST = "lost_safeguarding_contacts_per_10k"
LOST_IDS = "lost_identifications_per_10k"
FOUND = "cme_found_per_10k_change"
MMR1 = "coverage_mmr1_24m_change_pp"
FALLBACK = {
    "headline": "What each policy costs in safeguarding contacts and identifications, and what data matching finds.",
    "vaccination": "Childhood vaccination coverage under each policy.",
    "who_loses": "Who loses: safeguarding contacts lost, by group of families.",
    "awareness_trust": "What families know, how far they trust the NHS, and whether children stay registered.",
    "sensitivity": "Which uncertain assumptions matter most.",
    "design_grid": "How the lost safeguarding contacts depend on two uncertain assumptions.",
    "avoidance": "Families avoiding health services over time, by group, and what is left after a repeal.",
}


def known(results: Results, scenario: str, name: str) -> Effect | None:
    """The effect, or None when the folder lacks it or it has no value."""
    if name not in results.effect_names():
        return None
    e = results.effect(scenario, name)
    return None if math.isnan(e.mean) else e


def worst_policy(results: Results, name: str, sign: float = 1.0) -> str | None:
    """The policy with the largest mean of sign x effect (the largest loss), or None."""
    scored = [(sign * e.mean, sc) for sc in results.policies if (e := known(results, sc, name)) is not None]
    return max(scored)[1] if scored else None


def interval_words(e: Effect, digits: int = 0) -> str:
    """'90% interval 80 to 160' (or '' for a single run)."""
    if math.isnan(e.lo) or e.lo == e.hi:
        return ""
    return f"90% interval {e.lo:.{digits}f} to {e.hi:.{digits}f}"


def headline_sentence(results: Results) -> str:
    """The headline figure's sentence: the costliest policy's lost contacts and identifications, counted."""
    sc = worst_policy(results, LOST)
    lost = known(results, sc, LOST) if sc else None
    if sc is None or lost is None:
        return FALLBACK["headline"]
    rate = f"{lost.mean:.0f} per 10,000 children"
    spread = interval_words(lost)
    contacts = say_count(place_count(LOST, lost.mean, results.n_children), "safeguarding contacts")
    text = (
        f"Under \u201c{results.label(sc)}\u201d, {contacts} a year would be "
        f"lost in {results.place_name} ({rate}{'; ' + spread if spread else ''})"
    )
    ids = known(results, sc, LOST_IDS)
    if ids is not None:
        n = place_count(LOST_IDS, ids.mean, results.n_children)
        if n > -1:  # under 1 either way: 'fewer than 1 child at risk'
            text += f", and {say_count(n, 'children at risk')} a year would be missed"
        else:  # more needs identified than lost: the matching enquiries find some
            text += f", though {say_count(-n, 'more children at risk')} a year would be spotted (by its enquiries)"
    found = known(results, sc, FOUND)
    if found is not None:
        n = place_count(FOUND, found.mean, results.n_children)
        text += f"; data matching would find {say_count(n, 'more children')} missing education"
    return text + "."


def vaccination_sentence(results: Results) -> str:
    """The vaccination figure's sentence: the largest fall in MMR1 coverage, in points and children."""
    sc = worst_policy(results, MMR1, -1.0)
    e = known(results, sc, MMR1) if sc else None
    if sc is None or e is None:
        return FALLBACK["vaccination"]
    count = place_count(MMR1, e.mean, results.n_children)
    if abs(e.mean) < 0.05:
        return (
            f"No policy moves MMR first-dose coverage at 24 months by as much as 0.05 points "
            f"(largest change: {e.mean:+.2f} points, under \u201c{results.label(sc)}\u201d)."
        )
    return (
        f"Under \u201c{results.label(sc)}\u201d, MMR first-dose coverage at 24 months changes by {fmt_value(e.mean)} "
        f"percentage points: {say_count(count, 'children')} a year in {results.place_name} turning 2 without it."
    )


def who_loses_sentence(results: Results, stable: list[str], names: dict[str, str]) -> str:
    """The who-loses figure's sentence: the hardest-hit group with enough children, against the general population."""
    sc = worst_policy(results, LOST)
    if sc is None or not stable:
        return FALLBACK["who_loses"]
    per = {s: e.mean for s in stable if (e := known(results, sc, f"{LOST}__{s}")) is not None}
    if not per:
        return FALLBACK["who_loses"]
    top = max(per, key=per.get)
    text = (
        f"Under \u201c{results.label(sc)}\u201d, of the groups large enough to estimate, {names.get(top, top)} lose "
        f"most: {per[top]:.0f} safeguarding contacts per 10,000 of their children a year"
    )
    if "general" in per and top != "general":
        text += f", against {per['general']:.0f} in the general population"
    small = [s for s in SEGMENTS if s not in stable and (e := known(results, sc, f"{LOST}__{s}")) and e.mean > per[top]]
    if small:
        text += f" (the smaller groups of {' and '.join(names.get(s, s) for s in small)} may lose more; grey below)"
    return text + "."


def awareness_sentence(results: Results) -> str:
    """The mechanism figure's sentence: awareness, trust and GP registration under the costliest policy."""
    sc = worst_policy(results, LOST)
    if sc is None:
        return FALLBACK["awareness_trust"]
    parts = []
    aware = known(results, sc, "aware_share_change_pp")
    if aware is not None:
        parts.append(f"{aware.mean:.0f} percentage points more families know of the sharing")
    trust = known(results, sc, "mean_trust_change")
    if trust is not None:
        parts.append(
            "average trust in NHS confidentiality hardly changes (by less than 0.005 on a 0-1 scale)"
            if abs(trust.mean) < 0.005
            else f"average trust in NHS confidentiality changes by {trust.mean:+.2f} (on a 0-1 scale)"
        )
    gp = known(results, sc, "gp_registered_share_change_pp")
    if gp is not None:
        n = place_count("gp_registered_share_change_pp", gp.mean, results.n_children)
        parts.append(
            f"GP registration of children aged 0-6 changes by {fmt_value(gp.mean)} points ({say_count(n, 'children')} "
            "off GP lists)"
        )
    if not parts:
        return FALLBACK["awareness_trust"]
    return f"Under \u201c{results.label(sc)}\u201d, by the final year " + "; ".join(parts) + "."


YEARS_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def percent(share: float) -> str:
    """A share as a percentage with the digits its size needs: '15.9%', '0.28%', '0.07%', 'under 0.01%'."""
    value = 100.0 * share
    if math.isnan(value):
        return "no data"
    if value == 0:
        return "0%"
    if value < 0.005:
        return "under 0.01%"
    return f"{value:.1f}%" if value >= 1 else f"{value:.2f}%"


def years_words(months: int) -> str:
    """'two years' for 24 months, '1.5 years' for 18, 'one year' for 12."""
    years = months / 12
    if years == int(years) and int(years) < len(YEARS_WORDS):
        return f"{YEARS_WORDS[int(years)]} year{'' if years == 1 else 's'}"
    return f"{years:.3g} years"


def avoidance_sentence(results: Results) -> str:
    """The avoidance figure's sentence: the group that avoids most at the peak, the general population, and,
    with a repeal, how many of the exposed group still avoid at the repeal and two years later."""
    summary = avoidance_summary(results)
    if summary is None or not summary["peaks"]:
        return FALLBACK["avoidance"]
    peaks = summary["peaks"]
    top = max(peaks, key=lambda seg: peaks[seg][0])
    share, month = peaks[top]
    text = (
        f"Under \u201c{results.label(summary['policy'])}\u201d, up to {percent(share)} of "
        f"{SEGMENT_PHRASES.get(top, top)} avoid health services"
    )
    if "general" in peaks and top != "general":
        text += f" (at most {percent(peaks['general'][0])} of the general population)"
    repeal = summary["repeal"]
    if repeal is not None:
        at, later, _ = repeal["shares"][EXPOSED]
        who = "them" if top == EXPOSED else SEGMENT_PHRASES.get(EXPOSED, EXPOSED)
        text += (
            f"; repealed after {years_words(repeal['month'])}, {percent(at)} of {who} avoid at the repeal and "
            f"{percent(later)} {years_words(repeal['later'] - repeal['month'])} on"
        )
    return text + "."
