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

import numpy as np

from model.inputs import config
from model.inputs.params import Param, load_parameters
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present.results_folder import Results
from model.present.words import parameter_words

HEADLINE = "lost_safeguarding_contacts_per_10k"
BILL = "national_sui_mandate"
SAFEGUARDS = "national_with_safeguards"  # tells families: the policy an assumption about notices moves
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
        return "none: the reason given is in the full table below"
    url = str(s.get("url") or "")
    name = esc(shortened(str(s.get("source", param.source))))
    return f'<a href="{esc(url)}">{name}</a>' if url.startswith("https://") else name


def drivers_results(results: Results) -> Results | None:
    """The drivers experiment's results beside this folder, when its sensitivity.csv is written; None for a folder
    that is itself a design (it has its own sensitivity figure) or has none beside it."""
    beside = results.folder.parent / DRIVERS_FOLDER
    if results.design_parameters or beside.resolve() == results.folder.resolve():
        return None
    return Results(beside) if (beside / "sensitivity.csv").is_file() else None


def shortened(text: str, limit: int = 90) -> str:
    """A source's title cut at a word within `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def sensitivity_rows(results: Results) -> tuple[list[dict], str]:
    """The headline's sensitivity rows (this folder's, else the drivers experiment's beside it), and their folder."""
    if results.sensitivity_rows:
        return results.sensitivity_rows, results.folder.name
    beside = drivers_results(results)
    return (beside.sensitivity_rows, DRIVERS_FOLDER) if beside is not None else ([], "")


def moves(rows: list[dict], path: str, scenario: str) -> tuple[float, float]:
    """How much the parameter moves the headline under a policy across its range: Morris mu* (in the headline's
    unit) and its 95% confidence half-width; NaN when not measured."""
    for r in rows:
        if (r["parameter"], r["outcome"], r.get("scenario", scenario)) == (path, HEADLINE, scenario) and str(
            r["method"]
        ).lower() == "morris":
            return number(r.get("mu_star")), number(r.get("mu_star_conf"))
    return math.nan, math.nan


def number(value: object) -> float:
    """A sensitivity.csv cell as a number (empty or missing: NaN)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def moved_words(size: float, conf: float) -> str:
    """'1.2' (per 10,000 children a year, as the column says), 'none seen' under 0.05, '3.6 (rough)' when its
    interval is wider than itself, 'not measured' without a sensitivity analysis."""
    if math.isnan(size):
        return "not measured"
    if size < 0.05:
        return "none seen"
    return f"{size:.1f}" + (" (rough)" if not math.isnan(conf) and conf > size else "")


def drivers_table(results: Results) -> str:
    """The short table of the assumptions that drive the result, largest effect first when measured."""
    params = load_parameters(DEFAULT_PARAMS_DIR).entries
    cited = sources()
    values = results.resolved["parameters"]
    rows, where = sensitivity_rows(results)
    told = SAFEGUARDS if any(r.get("scenario") == SAFEGUARDS for r in rows) else ""
    live = [p for p in DRIVERS if p in params]
    sized = {p: moves(rows, p, BILL) for p in live}
    sized_told = {p: moves(rows, p, told) for p in live} if told else {}
    biggest = {p: max(np.nan_to_num(sized[p][0], nan=-1.0), np.nan_to_num(sized_told.get(p, (-1.0,))[0], nan=-1.0))
               for p in live}  # fmt: skip
    live.sort(key=lambda p: -biggest[p])
    body = []
    for path in live:
        p = params[path]
        value = values.get(path, p.value)
        drawn = results.drawn_ranges.get(path)
        used = f"{value:.3g}" + (" (varies from run to run)" if drawn else "")
        effect = f"<td>{esc(moved_words(*sized[path]))}</td>"
        effect += f"<td>{esc(moved_words(*sized_told[path]))}</td>" if told else ""
        body.append(
            f"<tr><td>{esc(DRIVERS[path])}</td><td class='num'>{esc(used)}</td><td class='num'>{p.lo:g} to "
            f"{p.hi:g}</td><td>{esc(grade(p, cited))}</td>{effect}<td>{link(p, cited)}</td></tr>"
        )
    moved_head = "<th>How much it moves the Bill\u2019s lost contacts (per 10,000 children a year)</th>" + (
        "<th>\u2026 and with safeguards restored (families told)</th>" if told else ""
    )
    how = (
        "How much each moves the lost safeguarding contacts is the average change, per 10,000 children a year, when "
        "that one assumption moves across its whole range with the others held where they were (paths that move "
        f"one assumption at a time, results <code>{esc(where)}</code>), in the final year of the run, as the "
        "headline effects are. \u201cRough\u201d: its 95% interval is wider than the value itself, so its place in "
        "the order is uncertain; \u201cnone seen\u201d: moving it changed the final year\u2019s lost contacts by "
        "less than 0.05. An assumption about notices moves only a policy that tells families."
        if rows
        else "How much each moves the headline was not measured for this run: run "
        "<code>disengage run experiments/drivers.yaml</code> (a one-at-a-time design over these assumptions) and "
        "redraw this page to fill that column."
    )
    return (
        "<p>The assumptions the result leans on most, in plain words. The evidence grade is how firm the source "
        "behind the value is (strong, moderate or weak, as graded when the evidence was gathered), or a stated "
        "assumption where no source measures it.</p><table class='drivers'><tr><th>Assumption</th><th>Value "
        f"used</th><th>Plausible range</th><th>Evidence</th>{moved_head}<th>Source</th>"
        f"</tr>{''.join(body)}</table><p class='small'>{how}</p>"
    )


def ranking(results: Results) -> list[list]:
    """The drivers figure's rows: per policy of the drivers experiment beside this folder (the Bill, then the one
    that tells families), each live assumption's mu* on the lost contacts, its 95% half-width and whether it is
    rough, largest first; [] without it."""
    beside = drivers_results(results)
    if beside is None:
        return []
    rows = beside.sensitivity_rows
    out = []
    for sc in (BILL, SAFEGUARDS):
        mine = [(p, *moves(rows, p, sc)) for p in DRIVERS]
        mine = [m for m in mine if not math.isnan(m[1])]
        mine.sort(key=lambda m: -m[1])
        out += [[sc, p, parameter_words(p), mu, conf, int(conf > mu)] for p, mu, conf in mine]
    return out


RANKING_HEADER = ["scenario", "parameter", "words", "mu_star", "mu_star_conf", "rough"]


def ranking_sentence(results: Results) -> str:
    """The drivers figure's sentence: what moves the lost contacts most under each policy."""
    rows = ranking(results)
    if not rows:
        return "What drives the lost safeguarding contacts."
    beside = drivers_results(results)
    parts = []
    for sc in (BILL, SAFEGUARDS):
        top = next((r for r in rows if r[0] == sc), None)
        if top is not None and top[3] >= 0.05:
            parts.append(f"under \u201c{beside.label(sc)}\u201d, {top[2][0].lower()}{top[2][1:]} "
                         f"({top[3]:.1f} per 10,000)")  # fmt: skip
    text = "What moves the lost safeguarding contacts most: " + "; ".join(parts)
    return text[0].upper() + text[1:] + "."
