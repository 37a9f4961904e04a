"""What drives the result: the assumptions that move the headline most, in plain words, with their evidence.

A short table for a reader: each assumption's value and plausible range, the grade of its evidence (the
`confidence` of its source in params/sources.yaml, or "stated assumption"), how much it moves the Bill's lost
safeguarding contacts across its range (from a sensitivity analysis when one was run: this folder's
sensitivity.csv or the `drivers` experiment's beside it), and a link to its source. Code names stay in the full
table further down the page. Only parameters the model's household decision reads are listed (live parameters).
"""

import html
import math
from pathlib import Path

from model.inputs import config
from model.inputs.params import Param, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present.results_folder import Results

HEADLINE = "lost_safeguarding_contacts_per_10k"
DRIVERS_FOLDER = "drivers"  # the drivers experiment's results, beside this folder (experiments/drivers.yaml)
# live parameter -> what it is, in a sentence a reader can follow
DRIVERS = {
    "segments.insecure_immigration.rel_avoid": "How many families with insecure immigration status keep away from "
    "health services once they know of the sharing",
    "segments.general.rel_avoid": "How many families in the general population keep away once they know",
    "segments.insecure_immigration.dur_avoid_months": "How long a family that keeps away stays away (months)",
    "awareness.p_notice_per_month": "How fast a transparency notice reaches families, where they are told",
    "awareness.rel_fear_told": "How much a notice frightens families, against hearing by word of mouth (1 = the same)",
    "awareness.p_word_of_mouth": "How fast word of the sharing passes between neighbours",
    "trust.erosion_unexpected": "How much trust in NHS confidentiality falls on learning of a flow unannounced",
    "engagement.rel_avoid_aware": "How likely families who already know start keeping away later, each month",
    "safeguarding.p_detect_matching": "Chance a council's enquiry after data matching spots a child at risk",
    "safeguarding.p_detect_hv_review": "Chance a health visitor review spots a child at risk",
}
GRADES = {"high": "strong", "medium": "moderate", "low": "weak"}


def esc(text: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text), quote=True)


def sources(params_dir: Path = DEFAULT_PARAMS_DIR) -> dict[str, dict]:
    """Each source of params/sources.yaml by id."""
    return {s["id"]: s for s in config.load_yaml(params_dir / "sources.yaml")["sources"]}


def grade(param: Param, cited: dict[str, dict]) -> str:
    """The evidence grade a reader sees: the source's confidence in words, and whether its figure was not found."""
    if not param.source:
        return "stated assumption (no direct source)"
    s = cited.get(param.source, {})
    words = GRADES.get(str(s.get("confidence", "")), "ungraded")
    gap = " (the figure itself was not found)" if "NOT FOUND" in str(s.get("value", "")).upper() else ""
    return f"{words}{gap}"


def link(param: Param, cited: dict[str, dict]) -> str:
    """A link to the parameter's source, or its stated reason when it has none."""
    s = cited.get(param.source)
    if s is None:
        return "see the full table below"
    url = str(s.get("url") or "")
    name = esc(str(s.get("source", param.source))[:90])
    return f'<a href="{esc(url)}">{name}</a>' if url.startswith("https://") else name


def sensitivity_rows(results: Results) -> tuple[list[dict], str]:
    """The headline's sensitivity rows (this folder's, else the drivers experiment's beside it), and their folder."""
    if results.sensitivity_rows:
        return results.sensitivity_rows, results.folder.name
    beside = results.folder.parent / DRIVERS_FOLDER
    if (beside / "sensitivity.csv").is_file():
        return Results(beside).sensitivity_rows, DRIVERS_FOLDER
    return [], ""


def moves(rows: list[dict], path: str) -> float:
    """How much the parameter moves the headline across its range: Morris mu* (in the headline's unit), else NaN."""
    for r in rows:
        if r["parameter"] == path and r["outcome"] == HEADLINE and str(r["method"]).lower() == "morris":
            value = r.get("mu_star", math.nan)
            return float(value) if value == value else math.nan
    return math.nan


def drivers_table(results: Results) -> str:
    """The short table of the assumptions that drive the result, largest effect first when measured."""
    params = load_parameters(DEFAULT_PARAMS_DIR).entries
    cited = sources()
    values = results.resolved["parameters"]
    rows, where = sensitivity_rows(results)
    live = [p for p in DRIVERS if p in params]
    sized = {p: moves(rows, p) for p in live}
    live.sort(key=lambda p: -sized[p] if not math.isnan(sized[p]) else math.inf)
    body = []
    for path in live:
        p = params[path]
        value = values.get(path, p.value)
        drawn = results.drawn_ranges.get(path)
        used = f"{value:g}" + (" (varied between runs)" if drawn else "")
        size = sized[path]
        effect = "not measured in this run" if math.isnan(size) else f"about {size:.1f} per 10,000 children a year"
        body.append(
            f"<tr><td>{esc(DRIVERS[path])}</td><td class='num'>{esc(used)}</td><td class='num'>{p.lo:g} to "
            f"{p.hi:g}</td><td>{esc(grade(p, cited))}</td><td>{esc(effect)}</td><td>{link(p, cited)}</td></tr>"
        )
    how = (
        f"How much each moves the Bill\u2019s lost safeguarding contacts is the average change when that one "
        f"assumption moves across its range with the others held (a one-at-a-time design, results "
        f"<code>{esc(where)}</code>)."
        if rows
        else "How much each moves the headline was not measured for this run: run "
        "<code>disengage run experiments/drivers.yaml</code> (a one-at-a-time design over these assumptions) and "
        "redraw this page to fill that column."
    )
    return (
        "<p>The assumptions the result leans on most, in plain words. The evidence grade is how firm the source "
        "behind the value is (strong, moderate or weak, as graded when the evidence was gathered), or a stated "
        "assumption where no source measures it.</p><table class='drivers'><tr><th>Assumption</th><th>Value "
        "used</th><th>Plausible range</th><th>Evidence</th><th>How much it moves the headline</th><th>Source</th>"
        f"</tr>{''.join(body)}</table><p class='small'>{how}</p>"
    )
