"""DIR/report.html: one self-contained page a policy team can read, built from the results folder only.

The page holds the question, the scenarios, the headline effects with their
intervals, the figures (embedded as base64 SVG, so it needs no network), the key
assumptions with their sources, the main caveats and what made the results.
"""

import base64
import html
import math
from datetime import UTC, datetime
from pathlib import Path
from string import Template

import numpy as np

from model.inputs import config
from model.inputs.params import Param, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present.figures import draw_figures
from model.present.figures_design import MEASURES, pick_method
from model.present.results_folder import Effect, Results
from model.present.style import colour, fmt_value, label

QUESTION = (
    "If the NHS numbers in children's health records flow to local authorities (and beyond), how many families "
    "stop registering children with a GP, skip vaccinations or avoid care, and what does that cost in vaccination "
    "coverage and in missed chances to spot a child at risk, set against what the data matching finds?"
)
# effect -> (what it is, unit); the rows of the headline table, in order
HEADLINE_EFFECTS = {
    "lost_safeguarding_contacts_per_10k": ("Safeguarding contacts lost", "per 10,000 children a year"),
    "lost_identifications_per_10k": ("Children at risk no longer spotted", "per 10,000 children a year"),
    "cme_found_per_10k_change": ("Children missing education found by data matching", "per 10,000 children a year"),
    "coverage_6in1_12m_change_pp": ("6-in-1 vaccine by 12 months", "change, percentage points"),
    "coverage_mmr1_24m_change_pp": ("MMR first dose by 24 months", "change, percentage points"),
    "coverage_mmr2_5y_change_pp": ("MMR both doses by 5 years", "change, percentage points"),
    "gp_registered_share_change_pp": ("Children aged 0-6 registered with a GP", "change, percentage points"),
    "hv_review_coverage_change_pp": ("Health visitor reviews done", "change, percentage points"),
}
# The assumptions that carry the chilling effect and its cost, shown with their sources
KEY_PARAMETERS = (
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
FIGURE_CAPTIONS = {
    "headline": "The net picture: what each policy costs in safeguarding contacts and identifications, "
    "next to the children missing education that data matching finds.",
    "vaccination": "Vaccination coverage at the three COVER milestones, month by month, against the WHO 95% target.",
    "who_loses": "Who loses: the same costs per 10,000 children in each group of families.",
    "awareness_trust": "The mechanism: families learn of the data sharing, trust falls, and fewer children "
    "stay registered with a GP.",
    "sensitivity": "The assumptions the results depend on most, from the sensitivity analysis.",
    "design_grid": "Lost safeguarding contacts across the two assumptions the design varied.",
}
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
th { background: #f3f3f3; } td.num { text-align: right; white-space: nowrap; } .interval { color: #555555;
     font-size: 0.85em; } .swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
     vertical-align: -0.1em; border-radius: 2px; }
figure { margin: 1.2em 0; } figure img { width: 100%; height: auto; border: 1px solid #eeeeee; }
figcaption { color: #444444; font-size: 0.95em; } code { font-size: 0.9em; }
.provenance td:first-child { white-space: nowrap; color: #444444; } .small { font-size: 0.85em; color: #555555; }
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
<h2>The question</h2>
<p>$question</p>
<h2>In brief</h2>
$brief
<h2>The scenarios</h2>
$scenarios
<h2>Headline effects against the status quo</h2>
$effects
<h2>Figures</h2>
$figures
<h2>Key assumptions and their sources</h2>
$assumptions
<h2>Main caveats</h2>
$caveats
<h2>What made these results</h2>
$provenance
</body>
</html>
""")


def esc(text: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text), quote=True)


def with_interval(e: Effect) -> str:
    """'+12 (90% interval +8 to +15)' as plain text."""
    if math.isnan(e.mean):
        return "no data"
    if e.mean == e.lo == e.hi:
        return fmt_value(e.mean)
    return f"{fmt_value(e.mean)} (90% interval {fmt_value(e.lo)} to {fmt_value(e.hi)})"


def cell(e: Effect) -> str:
    """A table cell: the mean, and the interval under it."""
    if math.isnan(e.mean):
        return '<td class="num">no data</td>'
    return (
        f'<td class="num">{esc(fmt_value(e.mean))}<br>'
        f'<span class="interval">{esc(fmt_value(e.lo))} to {esc(fmt_value(e.hi))}</span></td>'
    )


def swatch(results: Results, scenario: str) -> str:
    """The scenario's colour as a small square, as in the figures."""
    return f'<span class="swatch" style="background:{colour(scenario, results.scenarios)}"></span>'


def effects_table(results: Results) -> str:
    """Rows: the headline effects; columns: the policies; cells: mean and 90% interval."""
    names = [n for n in HEADLINE_EFFECTS if n in results.effect_names()]
    head = "".join(f"<th>{swatch(results, sc)}{esc(label(sc))}</th>" for sc in results.policies)
    rows = []
    for name in names:
        what, unit = HEADLINE_EFFECTS[name]
        cells = "".join(cell(results.effect(sc, name)) for sc in results.policies)
        rows.append(f'<tr><td>{esc(what)}<br><span class="small">{esc(unit)}</span></td>{cells}</tr>')
    note = (
        f'<p class="small">Final 12 months of the run. Each cell: the average, and under it the range holding the '
        f"middle 90%, over {esc(results.interval_basis())}. Positive \u201clost\u201d numbers are chances to protect a "
        "child that the policy cost; negative coverage changes are children not vaccinated on time.</p>"
    )
    return f'<table class="effects"><tr><th>Effect</th>{head}</tr>{"".join(rows)}</table>{note}'


def brief(results: Results) -> str:
    """One sentence per policy with its headline numbers."""
    items = []
    for sc in results.policies:
        lost = results.effect(sc, "lost_safeguarding_contacts_per_10k")
        ids = results.effect(sc, "lost_identifications_per_10k")
        mmr1 = results.effect(sc, "coverage_mmr1_24m_change_pp")
        found = results.effect(sc, "cme_found_per_10k_change")
        items.append(
            f"<li>{swatch(results, sc)}<strong>{esc(label(sc))}</strong>: {esc(with_interval(lost))} safeguarding "
            f"contacts lost and {esc(with_interval(ids))} children at risk no longer spotted per 10,000 children a "
            f"year; MMR first-dose coverage changes by {esc(with_interval(mmr1))} percentage points; data matching "
            f"finds {esc(with_interval(found))} more children missing education per 10,000.</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def scenarios_list(results: Results) -> str:
    """Each scenario: its name for readers, its file name, and its description as run."""
    items = [
        f"<li>{swatch(results, sc)}<strong>{esc(label(sc))}</strong> (<code>{esc(sc)}</code>): "
        f"{esc(results.description(sc))}</li>"
        for sc in results.scenarios
    ]
    return f"<ul>{''.join(items)}</ul>"


def figures_html(results: Results) -> str:
    """Every figure drawn, embedded as its SVG (sharp in print, a third the size of the PNG), with its caption."""
    out = []
    for stem, caption in FIGURE_CAPTIONS.items():
        svg = results.folder / "figures" / f"{stem}.svg"
        if svg.is_file():
            data = base64.b64encode(svg.read_bytes()).decode("ascii")
            out.append(
                f'<figure id="figure-{esc(stem)}"><img alt="{esc(caption)}" src="data:image/svg+xml;base64,{data}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    return "\n".join(out)


def source_citations(params_dir: Path) -> dict[str, str]:
    """Citation text of each source id in params/sources.yaml."""
    data = config.load_yaml(params_dir / "sources.yaml")
    return {s["id"]: str(s.get("source", "")) for s in data["sources"]}


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
    return list(dict.fromkeys(overrides + sensitive + list(KEY_PARAMETERS) + results.design_parameters))


def evidence(param: Param, citations: dict[str, str]) -> str:
    """Where a parameter's value comes from: the cited source, or the stated assumption."""
    if param.source:
        return f"<strong>{esc(param.source)}</strong>: {esc(citations.get(param.source, ''))}"
    return f"<em>Assumption</em>: {esc(param.assumption)}"


def assumptions_table(results: Results) -> str:
    """Key parameters with their value as run, plausible range, unit and source or stated assumption."""
    params = load_parameters(DEFAULT_PARAMS_DIR).entries
    citations = source_citations(DEFAULT_PARAMS_DIR)
    values = results.resolved["parameters"]
    overrides = set((results.manifest.get("config") or {}).get("overrides") or {})
    rows = []
    for path in key_parameters(results):
        if path not in params or path not in values:
            continue
        p = params[path]
        flag = " <strong>(set by this experiment)</strong>" if path in overrides else ""
        varied = " <strong>(varied by the design)</strong>" if path in results.design_parameters else ""
        rows.append(
            f"<tr><td><code>{esc(path)}</code><br><span class='small'>{esc(p.unit)}</span></td>"
            f'<td class="num">{values[path]:g}{flag}{varied}</td><td class="num">{p.lo:g} to {p.hi:g}</td>'
            f"<td>{evidence(p, citations)}</td></tr>"
        )
    return (
        "<table><tr><th>Assumption</th><th>Value used</th><th>Plausible range</th><th>Evidence</th></tr>"
        f"{''.join(rows)}</table><p class='small'>Every parameter, with its source or stated assumption, is in "
        "<code>params/</code> and the parameter table of <code>docs/ODD.md</code>; each group's fear of each "
        "recipient of data is in <code>params/segments.yaml</code>; the full citations, with links, are in "
        "<code>params/sources.yaml</code>.</p>"
    )


def interval_caveat(results: Results) -> str:
    """What the intervals do and do not cover."""
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
        f"Intervals show how results vary over {esc(results.interval_basis())} of the simulation with the same "
        f"assumptions, not uncertainty in the assumptions; {then}"
    )


def caveats(results: Results) -> str:
    """The limits a reader must keep in mind, some of them measured on this run."""
    items = [
        "The families are synthetic: a population shaped like "
        f"{esc(results.resolved['place']['name'].capitalize())}, not real records. The results show how the "
        "mechanisms could play out; they are not a forecast.",
        "How strongly families react to perceived surveillance, and how much each group fears each recipient of "
        "data, come from analogous evidence (for example the US public-charge rule and the 2021 opt-out surge) and "
        "stated assumptions. No pilot has yet published data on families disengaging.",
        "Data matching's finds are the only benefit of sharing counted. Other benefits of a shared identifier, such "
        "as quicker record linking between agencies, are not modelled, so the page sets costs against matching "
        "finds rather than giving a full balance of costs and benefits.",
        interval_caveat(results),
        "Groups that make up under 1% of households have few children in the model, so their rates per 10,000 "
        "children have wide intervals.",
        "Results are for the final 12 months of the run. Trust and awareness change slowly, so effects may still "
        "be growing at the end of the run.",
    ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def warning(results: Results) -> str:
    """A visible warning when the results come from a small test run."""
    scale, reps = float(results.resolved["scale"]), results.replicates
    if scale >= SMALL_SCALE and reps >= FEW_REPLICATES:
        return ""
    return (
        f'<p class="warning"><strong>Small test run</strong>: {scale:g} of the place\u2019s households and '
        f"{reps} replicates. The numbers are noisy and should not be quoted.</p>"
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
        ("Replicates and seeds", f"{r['replicates']}; master seed {r['seed']}; replicate seeds {seeds}"),
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
            f"{results.replicates} replicates, made {results.date}."
        ),
        warning=warning(results),
        question=esc(QUESTION),
        brief=brief(results),
        scenarios=scenarios_list(results),
        effects=effects_table(results),
        figures=figures_html(results),
        assumptions=assumptions_table(results),
        caveats=caveats(results),
        provenance=provenance(results),
    )
    path = results.folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def figures_and_report(folder: str | Path, manifest: dict | None = None) -> list[Path]:
    """Draw every figure, then write the report that embeds them; returns the files written."""
    return draw_figures(folder, manifest) + [write_report(folder, manifest)]
