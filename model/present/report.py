"""DIR/report.html: one self-contained page a policy team can read, built from the results folder only.

The page holds the question, the scenarios, the headline effects with their
intervals, the figures (embedded as base64 SVG, so it needs no network), the key
assumptions with their sources, the main caveats and what made the results.
"""

import base64
import fnmatch
import html
import math
from datetime import UTC, datetime
from pathlib import Path
from string import Template

import numpy as np

from model.core.registry import DECISIONS, read_under
from model.inputs import config
from model.inputs.params import Param, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present import measles_section
from model.present.bottom_line import box_html, write_place_counts
from model.present.drivers import drivers_table, grade, sources
from model.present.figure_data import avoidance_summary, avoiding_band, sampled_households
from model.present.figures import CAPTIONS, draw_figures
from model.present.figures_design import MEASURES, pick_method
from model.present.figures_discover import section as discovery_section
from model.present.headlines import percent
from model.present.results_folder import Effect, Results
from model.present.style import colour, fmt_value
from model.present.tradeoff import tradeoff_html
from model.present.words import (
    SEGMENT_PHRASES,
    cite_plainly,
    count_phrase,
    counted,
    definition,
    outcome_of,
    parameter_words,
    place_count,
    say_count,
)

QUESTION = (
    "If the NHS numbers in children's health records flow to local authorities (and beyond), how many families "
    "stop registering children with a GP, skip vaccinations or avoid care, and what does that cost in vaccination "
    "coverage and in missed chances to spot a child at risk, set against what the data matching finds?"
)
# effect -> (what it is, unit); the rows of the headline table, in order
HEADLINE_EFFECTS = {
    "lost_safeguarding_contacts_per_10k": ("Safeguarding contacts lost", "per 10,000 children a year"),
    "lost_identifications_per_10k": ("Children at risk missed (identifications lost)", "per 10,000 children a year"),
    "avoiding_share_change_pp": ("Families avoiding health services", "change, percentage points of households"),
    "cme_found_per_10k_change": (
        "Children truly missing education found by data matching",
        "per 10,000 children a year",
    ),
    "matching_flagged_per_10k_change": (
        "Children flagged by data matching, missing education or not",
        "per 10,000 children a year",
    ),
    "coverage_6in1_12m_change_pp": ("6-in-1 vaccine by 12 months", "change, percentage points"),
    "coverage_6in1_24m_change_pp": ("6-in-1 vaccine by 24 months", "change, percentage points"),
    "coverage_mmr1_24m_change_pp": ("MMR first dose by 24 months", "change, percentage points"),
    "coverage_mmr1_5y_change_pp": ("MMR first dose by 5 years", "change, percentage points"),
    "coverage_mmr2_5y_change_pp": ("MMR both doses by 5 years", "change, percentage points"),
    "gp_registered_share_change_pp": ("Children aged 0-6 registered with a GP", "change, percentage points"),
    "hv_review_coverage_change_pp": ("Health visitor reviews done", "change, percentage points"),
}
# The assumptions that carry the chilling effect and its cost, shown with their sources: those the run's decision
# structure reads (the household's engagement state by default; w_risk only under the per-contact decision)
KEY_PARAMETERS = (
    "engagement.rel_avoid_aware",
    "engagement.rel_object_per_risk",
    "engagement.rel_register_avoiding",
    "engagement.rel_unscheduled_avoiding",
    "behaviour.w_risk",
    "behaviour.w_peer",
    "trust.erosion_unexpected",
    "trust.erosion_told",
    "trust.recovery_per_month",
    "awareness.p_word_of_mouth",
    "awareness.p_word_of_mouth_letter",
    "awareness.p_forget_per_month",
    "safeguards.rel_risk_objection_respected",
    "safeguards.rel_risk_confidentiality_kept",
    "safeguards.rel_risk_direct_care_only",
    "safeguarding.p_detect_hv_review",
    "safeguarding.p_detect_other_per_month",
    "safeguarding.p_detect_matching",
)
TOP_SENSITIVE = 5  # parameters a sensitivity analysis ranks highest, added to the key assumptions
SMALL_SCALE = 0.1
FEW_REPLICATES = 5
CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: #1a1a1a;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; background: #ffffff; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.6em;
     border-bottom: 2px solid #0072B2; padding-bottom: 0.15em; }
.lede { font-size: 1.1em; color: #333333; } .warning { background: #fff4e0; border-left: 5px solid #E69F00;
     padding: 0.6em 1em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #dddddd; padding: 0.35em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; white-space: nowrap; } td.wrap { white-space: normal; }
.assumptions td.wrap { min-width: 10em; }
.scroll { overflow-x: auto; max-width: 100%; }
.interval { color: #555555;
     font-size: 0.85em; } .swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
     vertical-align: -0.1em; border-radius: 2px; }
figure { margin: 1.2em 0; } figure img { width: 100%; height: auto; border: 1px solid #eeeeee; }
figcaption { color: #444444; font-size: 0.95em; } code { font-size: 0.9em; }
.count { color: #8a3b00; font-size: 0.8em; white-space: normal; display: inline-block; max-width: 14em; }
.provenance td:first-child { white-space: nowrap; color: #444444; } .small { font-size: 0.85em; color: #555555; }
.bottom { background: #f4f8fb; border-left: 5px solid #0072B2; padding: 0.4em 1em 0.6em; }
.bottom h3 { margin: 0.6em 0 0.2em; } .bottom table { background: #ffffff; } details { margin: 0.4em 0; }
summary { cursor: pointer; color: #0072B2; } .told { background: #f7f7f7; padding: 0.5em 1em; }
@media print { body { margin: 0; max-width: none; } figure { break-inside: avoid; } }
"""
PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$css</style>
</head>
<body>
<h1>$title</h1>
<p class="lede">$lede</p>
$warning
<h2>The bottom line</h2>
$bottom
<h2>The question</h2>
<p>$question</p>
<h2>What is measured</h2>
$definitions
<h2>In brief</h2>
$brief
<h2>The trade-off in one currency</h2>
$tradeoff
<h2>The scenarios</h2>
$scenarios
$told
<h2>Headline effects against the status quo</h2>
$effects
<h2>What drives the result</h2>
$drivers
$measles
<h2>Figures</h2>
$figures
$discovery
<h2>Key assumptions and their sources</h2>
$assumptions
<h2>Main caveats</h2>
$caveats
<h2>Words used here</h2>
$glossary
<h2>What made these results</h2>
$provenance
</body>
</html>
""")


def esc(text: object) -> str:
    """Text made safe for HTML: escaped, and any control character (a NUL written `\\0` in YAML) shown as its
    escape (`\\x00`), never written raw into the page."""
    shown = "".join(c if c.isprintable() or c in "\t\n\r" else repr(c)[1:-1] for c in str(text))
    return html.escape(shown, quote=True)


def with_interval(e: Effect) -> str:
    """'+12 (90% interval +8 to +15)' as plain text."""
    if math.isnan(e.mean):
        return "no data"
    mean, lo, hi = fmt_value(e.mean), fmt_value(e.lo), fmt_value(e.hi)
    if mean == lo == hi:  # too small to show a spread at this precision: one number, never '0.00 (0 to 0.00)'
        return mean
    return f"{mean} (90% interval {lo} to {hi})"


def cell(results: Results, name: str, e: Effect) -> str:
    """A table cell: the mean, the interval under it, and the count for the whole place a year."""
    if math.isnan(e.mean):
        return '<td class="num">no data</td>'
    count = count_phrase(name, e.mean, results.n_children, results.place_name, results.n_families)
    mean, lo, hi = fmt_value(e.mean), fmt_value(e.lo), fmt_value(e.hi)
    spread = "" if mean == lo == hi else f'<br><span class="interval">{esc(lo)} to {esc(hi)}</span>'
    return (
        f'<td class="num">{esc(mean)}{spread}'
        + (f'<br><span class="count">{esc(count)}</span>' if count else "")
        + "</td>"
    )


def scale_note(results: Results) -> str:
    """How counts for the place are made from the rates, in one sentence."""
    sampled = sampled_households(results)
    simulated = (
        f"a stratified sample of {sum(sampled.values()):,.0f} households, at least {min(sampled.values()):,.0f} in "
        "every group, each household weighted by the families it stands for, so counts are the weighted rates "
        "applied to all of its children"
        if sampled is not None
        else "all of its households, so counts are the rates applied to all of its children"
        if results.scale >= 1
        else f"{results.scale:g} of its households, so counts are the rates scaled to all of its children (the "
        f"model's own counts times 1/{results.scale:g})"
    )
    return (
        f"Counts are for the whole of {esc(results.place_name)} ({results.n_children:,} children) in a year. The "
        f"experiment simulated {simulated}; vaccination and registration counts take the place's children as "
        "spread evenly over ages 0-17 (a one-year cohort is 1/18 of them)."
    )


def definitions_list(results: Results) -> str:
    """A one-line definition of each outcome the page's headline numbers use, where a reader first meets them."""
    names = [n for n in HEADLINE_EFFECTS if n in results.effect_names()]
    outcomes = list(dict.fromkeys(outcome_of(n) for n in names))
    items = "".join(f"<li>{esc(definition(o))}</li>" for o in outcomes)
    return (
        f"<ul>{items}</ul><p class='small'>Every number compares a policy with the status quo on the same "
        "simulated families with the same random numbers, so the difference is the policy's effect.</p>"
    )


def swatch(results: Results, scenario: str) -> str:
    """The scenario's colour as a small square, as in the figures."""
    return f'<span class="swatch" style="background:{colour(scenario, results.scenarios)}"></span>'


def effects_table(results: Results) -> str:
    """Rows: the headline effects; columns: the policies; cells: mean and 90% interval."""
    names = [n for n in HEADLINE_EFFECTS if n in results.effect_names()]
    head = "".join(f"<th>{swatch(results, sc)}{esc(results.label(sc))}</th>" for sc in results.policies)
    rows = []
    for name in names:
        what, unit = HEADLINE_EFFECTS[name]
        cells = "".join(cell(results, name, results.effect(sc, name)) for sc in results.policies)
        rows.append(f'<tr><td>{esc(what)}<br><span class="small">{esc(unit)}</span></td>{cells}</tr>')
    note = (
        f'<p class="small">Final 12 months of the run. Each cell: the policy\u2019s result minus the status '
        "quo\u2019s on the same simulated families with the same chance events, averaged over "
        f"{esc(results.interval_basis())}; under it the range holding the middle 90% of those runs (a 90% interval), "
        "and under them the count for the place. Positive \u201clost\u201d numbers are chances to "
        "protect a child that the policy cost; negative coverage changes are children not vaccinated on time. "
        f"{matching_note(results)}{scale_note(results)}</p>"
    )
    return f'<table class="effects"><tr><th>Effect</th>{head}</tr>{"".join(rows)}</table>{note}'

MATCH_FOUND, MATCH_FLAGGED = "cme_found_per_10k_change", "matching_flagged_per_10k_change"


def matching_note(results: Results) -> str:
    """What the two data-matching rows say together, read from effects.csv: flags against children truly found."""
    names = results.effect_names()
    if MATCH_FOUND not in names or MATCH_FLAGGED not in names:
        return ""
    pairs = [(results.effect(sc, MATCH_FLAGGED).mean, results.effect(sc, MATCH_FOUND).mean) for sc in results.policies]
    pairs = [(flagged, found) for flagged, found in pairs if not (math.isnan(flagged) or math.isnan(found))]
    if not pairs:
        return ""
    if all(math.isclose(flagged, found, rel_tol=1e-9, abs_tol=1e-9) for flagged, found in pairs):
        return (
            "Data matching flags exactly the children it finds truly missing education in every policy here (the "
            "two matching rows are equal): the model does not yet flag children who turn out not to be missing. "
        )
    flagged, found = max(pairs)
    share = found / flagged if flagged > 0 else math.nan
    return (
        f"Of the children data matching flags, {100 * share:.0f}% are truly missing education under the policy "
        "that flags most. "
        if not math.isnan(share)
        else ""
    )


def brief(results: Results) -> str:
    """One sentence per policy with its headline numbers."""
    items = []
    for sc in results.policies:
        lost = results.effect(sc, "lost_safeguarding_contacts_per_10k")
        ids = results.effect(sc, "lost_identifications_per_10k")
        mmr1 = results.effect(sc, "coverage_mmr1_24m_change_pp")
        found = results.effect(sc, "cme_found_per_10k_change")
        where = results.place_name

        def said(name: str, e: Effect) -> str:
            count = place_count(name, e.mean, results.n_children)
            return "no data" if count is None else counted(name, count)

        items.append(
            f"<li>{swatch(results, sc)}<strong>{esc(results.label(sc))}</strong>: in {esc(where)}, "
            f"{esc(said('lost_safeguarding_contacts_per_10k', lost))} a year "
            f"({esc(with_interval(lost))} per 10,000 children) and "
            f"{esc(said('lost_identifications_per_10k', ids))} ({esc(with_interval(ids))} per 10,000); MMR "
            f"first-dose coverage changes by {esc(with_interval(mmr1))} percentage points "
            f"({esc(said('coverage_mmr1_24m_change_pp', mmr1))} a year); data matching: "
            f"{esc(said('cme_found_per_10k_change', found))} a year "
            f"({esc(with_interval(found))} per 10,000){flagged_clause(results, sc, found)}"
            f"{avoiding_clause(results, sc)}.</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


AVOIDING = "avoiding_share_change_pp"
FLAGGED = "matching_flagged_per_10k_change"


def flagged_clause(results: Results, scenario: str, found: Effect) -> str:
    """'; it flags about 1,100 children a year and writes to their families (169 per 10,000), 27% of them missing
    education' when matching flags children, '' otherwise."""
    if FLAGGED not in results.effect_names():
        return ""
    e = results.effect(scenario, FLAGGED)
    if math.isnan(e.mean) or e.mean <= 0:
        return ""
    share = "" if math.isnan(found.mean) else f", {100 * found.mean / e.mean:.0f}% of them missing education"
    return (f"; it flags {say_count(place_count(FLAGGED, e.mean, results.n_children), 'children')} a year and "
            "writes to their families "
            f"({e.mean:.0f} per 10,000){share}")  # fmt: skip


def avoiding_clause(results: Results, scenario: str) -> str:
    """'; the share of families avoiding health services changes by ... (about 30 families)', or '' without it."""
    if AVOIDING not in results.effect_names():
        return ""
    e = results.effect(scenario, AVOIDING)
    if math.isnan(e.mean):
        return ""
    count = place_count(AVOIDING, e.mean, results.n_children, results.n_families)
    families = f" ({say_count(count, 'families')})" if count is not None else ""
    return (
        f"; the share of families avoiding health services changes by {esc(with_interval(e))} percentage points"
        f"{esc(families)}"
    )


def scenarios_list(results: Results) -> str:
    """Each scenario: its name for readers, its file name, and its description as run."""
    items = [
        f"<li>{swatch(results, sc)}<strong>{esc(results.label(sc))}</strong> (<code>{esc(sc)}</code>): "
        f"{esc(results.description(sc))}</li>"
        for sc in results.scenarios
    ]
    return f"<ul>{''.join(items)}</ul>"


TOLD = "awareness.rel_fear_told"
NOTICE = "awareness.p_notice_per_month"


def told_scenarios(results: Results) -> list[str]:
    """Policies in which families are told of at least one flow by a transparency notice."""
    return [
        s["name"] for s in results.resolved["scenarios"]
        if s["name"] != "baseline" and any(f.get("families_told") for f in s.get("flows") or [])
    ]  # fmt: skip


def told_note(results: Results) -> str:
    """Where the reader meets 'families told': why telling families can raise avoidance in the model, and the one
    assumption it rests on, with its value and range as run."""
    told = told_scenarios(results)
    values = results.resolved["parameters"]
    if not told or TOLD not in values:
        return ""
    names = " and ".join(f"\u201c{esc(results.label(sc))}\u201d" for sc in told)
    notice = values.get(NOTICE, math.nan)
    reach = 1 - (1 - notice) ** 12 if not math.isnan(notice) else math.nan
    drawn = results.drawn_ranges.get(TOLD)
    how = (
        f"varied from run to run between {drawn[0]:g} and {drawn[1]:g}, so the intervals hold it"
        if drawn
        else f"held at {values[TOLD]:g} here"
    )
    return (
        f'<p class="told"><strong>Why telling families can cost more.</strong> In {names} families are told of each '
        f"flow by a transparency notice. A notice reaches {percent(notice)} of families a month ({percent(reach)} "
        "within a year), far more than the media and word of mouth reach, and in the model a family that knows of "
        "a flow weighs the risk it sees in it: telling families makes almost all of them aware, and some of the "
        "newly aware keep away from health services. Whether a notice frightens families as much as hearing of "
        "the flow by word of mouth is one assumption: the fear a notice carries, relative to word of mouth, is "
        f"{values[TOLD]:g} (1 = the same), {how}. No study measures it. Notices have raised objection to data "
        "use (the 2014 care.data leaflet, about 2% opting out; the 2021 GP data plan, opt-outs up by 2.2 points "
        "of the population in about five weeks), but opting out of data use is not keeping away from care, and a "
        "notice that states purposes and safeguards may reassure rather than alarm.</p>"
    )


GLOSSARY = {
    "Status quo": "today's arrangements, with no new sharing; every number is a policy against it.",
    "Run": "one simulation of the place's families over 15 years; each policy and the status quo are run on the "
    "same families with the same chance events, so their difference is the policy's effect.",
    "90% interval (or range)": "the range holding the middle 90% of the runs' results: chance, and what we do not "
    "know about how families behave.",
    "Percentage point": "the difference between two percentages (88% to 87% is one point).",
    "Safeguarding contact": "a time a child is seen by a health professional who could notice a child at risk.",
    "Per 10,000 children a year": "a rate; the count for the whole place is written beside it.",
}
GLOSSARY_HTML = "<dl>" + "".join(f"<dt><strong>{esc(k)}</strong></dt><dd>{esc(v)}</dd>" for k, v in GLOSSARY.items())
GLOSSARY_HTML += "</dl>"


def figures_html(results: Results) -> str:
    """Every figure drawn, embedded as its SVG (sharp in print, a third the size of the PNG), with its caption."""
    out = []
    for stem, caption in CAPTIONS.items():
        svg = results.folder / "figures" / f"{stem}.svg"
        if svg.is_file():
            data = base64.b64encode(svg.read_bytes()).decode("ascii")
            said = caption(results)
            out.append(
                f'<figure id="figure-{esc(stem)}"><img alt="{esc(said)}" src="data:image/svg+xml;base64,{data}">'
                f"<figcaption><strong>{esc(said)}</strong> The figure's data: <code>figures/{esc(stem)}.csv"
                "</code>.</figcaption></figure>"
            )
    return "\n".join(out)


def source_citations(params_dir: Path) -> dict[str, str]:
    """Citation text of each source id in params/sources.yaml."""
    data = config.load_yaml(params_dir / "sources.yaml")
    return {s["id"]: cite_plainly(str(s.get("source", ""))) for s in data["sources"]}


def key_parameters(results: Results) -> list[str]:
    """The assumptions to show: the key list, the experiment's overrides and the most sensitive parameters."""
    overrides = list((results.manifest.get("config") or {}).get("overrides") or {})
    rows = results.sensitivity_rows
    sensitive = []
    if rows:
        method = pick_method(rows)
        measure = MEASURES.get(method, MEASURES["morris"])[0]
        mine = [r for r in rows if r["method"].lower() == method]
        mine.sort(key=lambda r: -np.nan_to_num(r.get(measure, np.nan), nan=-np.inf))
        sensitive = list(dict.fromkeys(r["parameter"] for r in mine))[:TOP_SENSITIVE]
    drawn = list(results.drawn_ranges)
    values = results.resolved.get("parameters") or {}
    decision = (DECISIONS[int(values["behaviour.decision"])],) if "behaviour.decision" in values else DECISIONS
    key = [p for p in KEY_PARAMETERS if read_under(p, decision)]  # a parameter the run never read carries nothing
    design = [p for d in results.design_parameters for p in (fnmatch.filter(values, d) if "*" in d else [d])]
    return list(dict.fromkeys(overrides + sensitive + key + design + drawn))


def evidence(param: Param, citations: dict[str, str], cited: dict[str, dict] | None = None) -> str:
    """Where a parameter's value comes from: the cited source with its evidence grade, or the stated assumption."""
    if param.source:
        graded = f" <span class='grade'>(evidence: {esc(grade(param, cited))})</span>" if cited is not None else ""
        return f"<strong>{esc(param.source)}</strong>{graded}: {esc(citations.get(param.source, ''))}"
    return f"<em>Assumption</em>: {esc(cite_plainly(param.assumption))}"


def assumptions_table(results: Results) -> str:
    """Key parameters with their value as run, plausible range, unit and source or stated assumption."""
    params = load_parameters(DEFAULT_PARAMS_DIR).entries
    citations = source_citations(DEFAULT_PARAMS_DIR)
    values = results.resolved["parameters"]
    overrides = set((results.manifest.get("config") or {}).get("overrides") or {})
    drawn = results.drawn_ranges
    cited = sources()
    rows = []
    for path in key_parameters(results):
        if path not in params or path not in values:
            continue
        p = params[path]
        flag = " <strong>(set by this experiment)</strong>" if path in overrides else ""
        in_design = any(fnmatch.fnmatchcase(path, d) for d in results.design_parameters)
        varied = " <strong>(varied by the design)</strong>" if in_design else ""
        used = f"{values[path]:g}"
        if path in drawn:
            lo, hi = drawn[path]
            most = f", most often near {values[path]:g}" if results.draw_distribution == "triangular" else ""
            between = f"varied from run to run between {lo:g} and {hi:g}{most}"
            used = f"{values[path]:g}<br><span class='small'>{between}</span>"
        else:
            used = esc(used)
        rows.append(
            f"<tr><td>{esc(parameter_words(path))}<br><span class='small'>{esc(p.unit)}; <code>{esc(path)}</code>"
            f"</span></td><td class=\"num wrap\">{used}{flag}{varied}</td><td class=\"num\">{p.lo:g} to {p.hi:g}</td>"
            f"<td>{evidence(p, citations, cited)}</td></tr>"
        )
    return (
        "<table class='assumptions'><tr><th>Assumption</th><th>Value used</th><th>Plausible range</th>"
        "<th>Evidence (its grade: how firm the source is)</th></tr>"
        f"{''.join(rows)}</table><p class='small'>Every parameter, with its source or stated assumption, is in "
        "<code>params/</code> and the parameter table of <code>docs/ODD.md</code>; each group's fear of each "
        "recipient of data is in <code>params/segments.yaml</code>; the full citations, with links, are in "
        "<code>params/sources.yaml</code>.</p>"
    )


def interval_caveat(results: Results) -> str:
    """What the intervals hold: chance, and behaviour drawn per replicate when the experiment drew it."""
    if results.drawn_ranges and not results.design_parameters:
        groups = ", ".join(results.draw_groups)
        return (
            "Intervals hold the middle 90% of the policy-minus-status-quo differences over "
            f"{esc(results.interval_basis())}. They hold chance (which families have children at "
            "risk, who hears of the sharing and when) and what we do not know about behaviour: each run took "
            f"{len(results.drawn_ranges)} behavioural assumptions (<code>{esc(groups)}</code>) at values picked "
            "within their plausible ranges, most often near the usual value, the same values for every scenario of "
            "that run. Every "
            "other assumption stays at the value in the table below, so the intervals do not hold uncertainty in "
            "those (each group's fear of each recipient, the safeguards' effect, detection rates)."
        )
    if results.design_parameters:
        varied = ", ".join(results.design_parameters)
        return (
            f"Intervals span the {esc(results.interval_basis())} of the design, so they show how results depend on "
            f"the assumptions it varied (<code>{esc(varied)}</code>); all other assumptions stay at their values."
        )
    then = (
        "the sensitivity figure shows which assumptions matter most."
        if results.sensitivity_rows
        else "a sensitivity analysis over the parameters' plausible ranges is needed for that."
    )
    return (
        "Intervals hold the middle 90% of the policy-minus-status-quo differences over "
        f"{esc(results.interval_basis())} of the simulation with the same assumptions: they show chance, not "
        f"uncertainty in the assumptions; {then}"
    )


def timing_caveat(results: Results) -> str:
    """Which months the effects describe and, read from the avoidance series, whether they peaked earlier."""
    text = "Results are for the final 12 months of the run."
    summary = avoidance_summary(results)
    if summary is None or not summary["peaks"]:
        return text + " Trust and awareness change slowly, so effects may still be growing at the end of the run."
    top = max(summary["peaks"], key=lambda seg: summary["peaks"][seg][0])
    share, month = summary["peaks"][top]
    months, mean, _, _ = avoiding_band(results, summary["policy"], top)
    final = float(np.nanmean(mean[months >= results.months - 12])) if np.isfinite(mean[-12:]).any() else math.nan
    if month >= results.months - results.burn_in_months - 12 or math.isnan(final):
        return text + " Avoidance is still at its highest in the final year, so effects may still be growing."
    return text + (
        f" Under \u201c{esc(results.label(summary['policy']))}\u201d, avoidance among "
        f"{esc(SEGMENT_PHRASES.get(top, top))} peaks in year {month // 12 + 1} of the policy ({percent(share)}) and "
        f"averages {percent(final)} in the final year, so the effects of the first years were probably larger than "
        "these (the avoidance figure shows the whole course)."
    )


def caveats(results: Results) -> str:
    """The limits a reader must keep in mind, some of them measured on this run."""
    items = [
        "The families are synthetic: a population shaped like "
        f"{esc(results.place_name)}, not real records. The results show how the "
        "mechanisms could play out; they are not a forecast.",
        "How strongly families react to perceived surveillance, and how much each group fears each recipient of "
        "data, come from analogous evidence (for example the US public-charge rule and the 2021 opt-out surge) and "
        "stated assumptions. No pilot has yet published data on families disengaging.",
        "Data matching's finds are the only benefit of sharing counted. Other benefits of a shared identifier, such "
        "as quicker record linking between agencies, are not modelled, so the page sets costs against matching "
        "finds rather than giving a full balance of costs and benefits.",
        interval_caveat(results),
        scale_note(results),
        "Groups that make up under 1% of households have few children in the model, so their rates per 10,000 "
        "children have wide intervals.",
        timing_caveat(results),
    ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def warning(results: Results) -> str:
    """A visible warning when the results come from a small test run."""
    scale, reps = float(results.resolved["scale"]), results.replicates
    if scale >= SMALL_SCALE and reps >= FEW_REPLICATES:
        return ""
    return (
        f'<p class="warning"><strong>Small test run</strong>: {scale:g} of the place\u2019s households and '
        f"{reps} runs of each scenario. The numbers are noisy and should not be quoted.</p>"
    )


def provenance(results: Results) -> str:
    """Experiment, config hash, code and package versions, seeds and dates."""
    m, r = results.manifest, results.resolved
    seeds = ", ".join(str(s) for s in r.get("seeds", []))
    versions = ", ".join(f"{k} {v}" for k, v in sorted(m.get("versions", {}).items()))
    rows = [
        ("Experiment", f"{r['name']} ({m.get('experiment_file', '')})"),
        ("Config hash (sha256)", m["config_hash"]),
        ("Code version", m["code_version"]),
        ("Driver", m.get("driver", "")),
        ("Place and scale", f"{r['place']['name']} at scale {r['scale']}"),
        ("Months", f"{r['months']} in all; the policy starts after {r['burn_in_months']} months of burn-in"),
        ("Runs of each scenario and seeds", f"{r['replicates']}; master seed {r['seed']}; seed of each run {seeds}"),
        ("Versions", versions),
        ("Runs started / finished (UTC)", f"{m.get('started_utc', '')} / {m.get('finished_utc', 'not recorded')}"),
        ("This page written (UTC)", datetime.now(UTC).isoformat(timespec="seconds")),
    ]
    body = "".join(f"<tr><td>{esc(k)}</td><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    return (
        f'<table class="provenance">{body}</table><p class="small">Re-run with <code>disengage run '
        f"{esc(m.get('experiment_file', 'EXPERIMENT.yaml'))}</code>; the same config hash and code version give "
        "byte-identical runs.csv, timeseries.csv and effects.csv.</p>"
    )


def measles_html(results: Results) -> str:
    """The measles section with its heading ('' when the experiment did not ask for measles outcomes)."""
    body = measles_section.section_html(results)
    return f"<h2>Measles: what the lost doses mean</h2>\n{body}" if body else ""


def write_report(folder: str | Path, manifest: dict | None = None) -> Path:
    """Write folder/report.html from the results folder (figures must already be drawn) and return its path."""
    results = Results(folder, manifest)
    place = results.resolved["place"]["name"].capitalize()
    page = PAGE.substitute(
        title=esc("Sharing children's NHS numbers beyond health: what it could cost"),
        css=CSS,
        lede=esc(
            f"Results of the disengage model, experiment \u201c{results.name}\u201d: {len(results.policies)} "
            f"policies compared with the status quo on synthetic families shaped like {place}, "
            f"{results.replicates} runs of each, made {results.date}."
        ),
        warning=warning(results),
        bottom=box_html(results),
        told=told_note(results),
        tradeoff=tradeoff_html(results),
        drivers=drivers_table(results),
        measles=measles_html(results),
        glossary=GLOSSARY_HTML,
        question=esc(QUESTION),
        definitions=definitions_list(results),
        brief=brief(results),
        scenarios=scenarios_list(results),
        effects=effects_table(results),
        figures=figures_html(results),
        discovery=discovery_section(results),  # empty unless `disengage discover` has run on the folder
        assumptions=assumptions_table(results),
        caveats=caveats(results),
        provenance=provenance(results),
    )
    path = results.folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def figures_and_report(folder: str | Path, manifest: dict | None = None) -> list[Path]:
    """Draw every figure, then write the report that embeds them; returns the files written."""
    drawn = draw_figures(folder, manifest)
    counts = write_place_counts(Results(folder, manifest))
    return drawn + [counts, write_report(folder, manifest)]
