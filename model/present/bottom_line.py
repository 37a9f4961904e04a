"""The bottom line a committee quotes: what a policy changes for the real children of a place, a year and summed.

For each nation of a national experiment the counts come from its `national_counts.csv` (written beside the
nations' folders); for any other run they are made here from the run's monthly series, as counts for the whole
place (rate x the place's children), and written to figures/bottom_line.csv in the same columns. Each count is
a year of policy, or the sum over the first 3 and over all years; its interval is the 5th-95th percentile over
runs of the run's own sum against its status quo run.
"""

import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.core.layout import AGE_OUT_MONTHS
from model.experiments.counts import END_OF_RUN
from model.present.figure_data import write_rows
from model.present.results_folder import BASELINE, INTERVAL, Results

COUNTS_FILE = "national_counts.csv"  # written by the national experiment beside its nations' folders
PLACE_FILE = "bottom_line.csv"  # this run's own counts, in figures/
HEADER = ["nation", "scenario", "measure", "period", "mean", "lo", "hi", "n", "text", "unit", "note"]
SUMMED_YEARS = 3
MONTHS_0_6 = 84  # children aged 0-6: months 0-83 of age


@dataclass(frozen=True)
class Measure:
    """A count for the place: which outcome it is made from, the sign that makes the policy's cost positive, and
    how many of the place's children one unit of the outcome is over, a month."""

    name: str
    outcome: str
    sign: float  # +1: the policy's value minus the status quo's; -1: the status quo's minus the policy's
    words: str  # what the count counts, for a reader
    per_month: str  # "rate": a rate per 10,000 a year; "cohort": a share of a one-month cohort; "stock": a share


# The measures the box shows, named as the national experiment's counts are (model/experiments/counts.py there)
MEASURES = (
    Measure("safeguarding_contacts_lost", "safeguarding_contacts_per_10k", -1.0, "safeguarding contacts lost",
            "rate"),
    Measure("children_at_risk_not_identified", "identifications_per_10k", -1.0,
            "children at risk missed, net of those matching identifies (below 0: more identified)", "rate"),
    Measure("not_vaccinated_mmr1_24m", "coverage_mmr1_24m", -1.0, "more children turning 2 without a first MMR dose",
            "cohort"),
    Measure("not_registered_gp_0_6", "gp_registered_share", -1.0,
            "more children aged 0-6 off GP lists (a year: on an average day; in total: child-years)", "stock"),
    Measure("children_missing_education_found", "cme_found_per_10k", 1.0, "more children missing education found",
            "rate"),
)  # fmt: skip
WORDS = {m.name: m.words for m in MEASURES}


def periods(years: int) -> list[tuple[str, int, int]]:
    """(name, first policy month, end policy month): each year, the first SUMMED_YEARS years, and all years."""
    out = [(f"year_{y}", 12 * (y - 1), 12 * y) for y in range(1, years + 1)]
    if years > SUMMED_YEARS:
        out.append((f"years_1_{SUMMED_YEARS}", 0, 12 * SUMMED_YEARS))
    if years > 1:
        out.append((f"years_1_{years}", 0, 12 * years))
    return out


def monthly_counts(results: Results, m: Measure, scenario: str) -> tuple[np.ndarray, np.ndarray]:
    """Policy months, and per run [run, month] the month's count for the whole place against the status quo."""
    months, by_scenario = results.series(m.outcome)
    diff = m.sign * (by_scenario[scenario] - by_scenario[BASELINE])
    n = results.n_children
    scale = {
        "rate": n / 10_000 / 12,  # per 10,000 children a year -> children of the place, one month
        "cohort": n / AGE_OUT_MONTHS,  # the place's children turning that age in one month
        "stock": n * MONTHS_0_6 / AGE_OUT_MONTHS / 12,  # children aged 0-6, one month of a child-year
    }[m.per_month]
    return months - results.burn_in_months, np.nan_to_num(diff) * scale


def place_rows(results: Results) -> list[list]:
    """The run's own counts for its place, per policy, measure and period, in the national CSV's columns."""
    years = (results.months - results.burn_in_months) // 12
    spans = periods(years)
    rows = []
    for sc in results.policies:
        for m in MEASURES:
            if not results.has_series(m.outcome):
                continue
            months, counts = monthly_counts(results, m, sc)
            for period, a, b in spans:
                per_run = counts[:, (months >= a) & (months < b)].sum(axis=1)
                mean, (lo, hi) = float(np.mean(per_run)), np.percentile(per_run, INTERVAL)
                rows.append([results.place_name, sc, m.name, period, mean, float(lo), float(hi), len(per_run),
                             range_words(mean, float(lo), float(hi)), m.words, ""])  # fmt: skip
    return rows


def write_place_counts(results: Results) -> Path:
    """figures/bottom_line.csv: the run's own counts for its place."""
    return write_rows(results.folder / "figures" / PLACE_FILE, HEADER, place_rows(results))


@dataclass(frozen=True)
class Count:
    """One row of a counts table."""

    nation: str
    scenario: str
    measure: str
    period: str
    mean: float
    lo: float
    hi: float
    note: str
    unit: str
    text: str = ""  # as a reader quotes it, written by the counts file ("0.51 (0.00 to 1.37)")


def read_counts(path: Path) -> list[Count]:
    """The rows of a counts CSV (this module's or the national experiment's; extra columns are ignored)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Count(r["nation"], r["scenario"], r["measure"], r["period"], number(r["mean"]), number(r["lo"]),
                  number(r["hi"]), r.get("note", "") or "", r.get("unit", "") or "", r.get("text", "") or "")
            for r in csv.DictReader(fh)
        ]  # fmt: skip


def number(text: str) -> float:
    """A CSV cell as a number (an empty cell is NaN)."""
    return float(text) if text.strip() else math.nan


def counts_source(results: Results) -> tuple[Path, bool] | None:
    """The counts to show and whether they are national: the national experiment's CSV in the folder or the
    folder above it, else this run's own figures/bottom_line.csv; None if neither exists."""
    for folder in (results.folder, results.folder.parent):
        if (folder / COUNTS_FILE).is_file():
            return folder / COUNTS_FILE, True
    own = results.folder / "figures" / PLACE_FILE
    return (own, False) if own.is_file() else None


def quoted(value: float) -> str:
    """A count as a reader quotes it: 'fewer than 1', '7', '810', '12,000' (two significant figures from 100)."""
    if math.isnan(value):
        return "no data"
    size = abs(value)
    if size < 1:
        return "fewer than 1"
    if size >= 100:
        size = round(size, 1 - int(math.floor(math.log10(size))))
    text = f"{size:,.0f}"
    return f"-{text}" if value < 0 else text


def range_words(mean: float, lo: float, hi: float) -> str:
    """'about 810 (90% range 300 to 1,400)'; one number when the range is no wider at this rounding."""
    spread = spread_words(mean, lo, hi)
    return f"{middle_words(mean)} ({spread})" if spread else middle_words(mean)


def range_end(value: float) -> str:
    """An end of a range as a whole number ('0', '1', '31', '1,400'): 'fewer than 1' reads badly as an end."""
    return quoted(value) if abs(value) >= 1 else f"{abs(value):.0f}" if value > -0.5 else "-1"


BILL = "national_sui_mandate"
# a mean delay, not a count: no yearly average of a sum, so not in the box (the national file names it in days)
NOT_SUMMED = {"months_to_identification_later", "days_to_identification_later"}


def esc(text: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text), quote=True)


def whole_run(rows: list[Count]) -> str | None:
    """The period covering every year ('years_1_10'), or None for a run of one year."""
    spans = sorted({r.period for r in rows if r.period.startswith("years_1_")}, key=lambda p: int(p.rsplit("_", 1)[1]))
    return spans[-1] if spans else None


def cell(c: Count | None, divide: int = 1, period: str = "") -> str:
    """A table cell holding a count and its range, its numbers in data attributes (the test reads them)."""
    if c is None:
        return '<td class="num">no data</td>'
    mean, lo, hi = c.mean / divide, c.lo / divide, c.hi / divide
    said, spread = middle_words(mean), spread_words(mean, lo, hi)
    spread = f'<br><span class="interval">{esc(spread)}</span>' if spread else ""
    why = c.note.replace("replicate", "run")  # the reader's word; the note itself is written under the box
    note = f'<sup class="note" title="{esc(why)}">*</sup>' if c.note else ""
    return f"<td {cell_attributes(c, mean, lo, hi, period)}>{esc(said)}{spread}{note}</td>"


def cell_attributes(c: Count, mean: float, lo: float, hi: float, period: str = "") -> str:
    """A count cell's class and data attributes: what it shows, as numbers (the tests read them)."""
    return (
        f'class="num" data-scenario="{esc(c.scenario)}" data-measure="{esc(c.measure)}" '
        f'data-period="{esc(period or c.period)}" data-mean="{mean!r}" data-lo="{lo!r}" data-hi="{hi!r}"'
    )


def middle_words(mean: float) -> str:
    """'about 810' or 'fewer than 1': the count a cell leads with."""
    middle = quoted(mean)
    return middle if middle in ("fewer than 1", "no data") else f"about {middle}"


def spread_words(mean: float, lo: float, hi: float) -> str:
    """'90% range 300 to 1,400' under a cell's count, or '' when the range is no wider at this rounding."""
    if quoted(lo) == quoted(hi) == quoted(mean):
        return ""
    return f"90% range {range_end(lo)} to {range_end(hi)}"


def measure_words(rows: list[Count], measure: str) -> str:
    """What a measure counts, in the report's words (or the counts file's own)."""
    return WORDS.get(measure) or next((r.unit for r in rows if r.measure == measure and r.unit), measure)


# measure -> how the lead sentence says its total ({n}: the count's words); the net at risk is said on its own
SAID = {
    "safeguarding_contacts_lost": ("{n} safeguarding {contacts} with a health professional would be lost"),
    "not_vaccinated_mmr1_24m": "{n} more {children} would turn 2 without a first MMR dose",
    "children_missing_education_found": "data matching would find {n} more {children} missing education",
}


def say(template: str, value: float) -> str:
    """A SAID template filled with a count, its nouns in the count's number ('fewer than 1 child')."""
    n = middle_words(value)
    one = n in ("fewer than 1", "about 1")
    return template.format(n=n, contacts="contact" if one else "contacts", children="child" if one else "children")


def lead_sentence(by: dict, policy: str, label: str, where: str, every: str | None, years: int) -> str:
    """The box in one sentence: what the policy changes over all its years, in plain words, with the ranges."""
    period = every or "year_1"
    parts = [say(words, c.mean) + bracket(c.mean, c.lo, c.hi) for name, words in SAID.items()
             if (c := by.get((policy, name, period))) is not None]  # fmt: skip
    c = by.get((policy, "children_at_risk_not_identified", period))
    if c is not None and abs(c.mean) < 1:
        parts.append("the number of children at risk identified would hardly change (by fewer than 1 either way)")
    elif c is not None and c.mean > 0:
        parts.append(f"{say('{n} fewer {children}', c.mean)} at risk would be identified, after those data matching "
                     f"finds{bracket(c.mean, c.lo, c.hi)}")  # fmt: skip
    elif c is not None:
        parts.append(f"{say('{n} more {children}', -c.mean)} at risk would be identified, data matching\u2019s finds "
                     f"outweighing those missed{bracket(-c.mean, -c.hi, -c.lo)}")  # fmt: skip
    if c is not None and c.lo < 0 < c.hi:
        parts[-1] += ", a range either side of zero, so even its sign is not settled (see the trade-off below)"
    if not parts:
        return ""
    span = f"for {years} years" if every else "for a year"
    return (f"<p class='lead-line'>If \u201c{esc(label)}\u201d were in force in {esc(where)} {span}, then against "
            f"the status quo {esc('; '.join(parts))}.</p>")  # fmt: skip


def bracket(mean: float, lo: float, hi: float) -> str:
    """' (90% range 300 to 1,400)' after a count in a sentence, or ''."""
    spread = spread_words(mean, lo, hi)
    return f" ({spread})" if spread else ""


def nation_box(rows: list[Count], nation: str, labels: dict[str, str], national: bool) -> str:
    """One nation's (or place's) bottom line: the Bill's counts a year, over 3 years and over all years, a year-by-year
    table, and every policy's total."""
    mine = [r for r in rows if r.nation == nation]
    scenarios = list(dict.fromkeys(r.scenario for r in mine))
    if not scenarios:
        return ""
    policy = BILL if BILL in scenarios else scenarios[0]
    measures = [m for m in list(dict.fromkeys(r.measure for r in mine)) if m not in NOT_SUMMED]
    ends = [m for m in measures if all(r.period == END_OF_RUN for r in mine if r.measure == m)]
    measures = [m for m in measures if m not in ends]
    order = {m.name: i for i, m in enumerate(MEASURES)}
    measures.sort(key=lambda m: order.get(m, len(order)))
    by = {(r.scenario, r.measure, r.period): r for r in mine}
    every = whole_run(mine)
    years = int(every.rsplit("_", 1)[1]) if every else 1
    first = f"years_1_{SUMMED_YEARS}"
    head = (
        "<tr><th>What changes</th><th>A year, on average</th>"
        + (f"<th>First {SUMMED_YEARS} years</th>" if years > SUMMED_YEARS else "")
        + f"<th>All {years} years</th></tr>"
    )
    body = []
    for m in measures:
        row = f"<td>{esc(measure_words(mine, m))}</td>"
        row += cell(by.get((policy, m, every)), years, "average") if every else cell(by.get((policy, m, "year_1")))
        if years > SUMMED_YEARS:
            row += cell(by.get((policy, m, first)))
        row += cell(by.get((policy, m, every))) if every else ""
        body.append(f"<tr>{row}</tr>")
    where = nation_name(nation) if national else nation
    label = labels.get(policy, policy)
    yearly = "".join(
        f"<tr><td>Year {y}</td>{''.join(cell(by.get((policy, m, f'year_{y}'))) for m in measures)}</tr>"
        for y in range(1, years + 1)
    )
    others = "".join(
        f"<tr><td>{esc(labels.get(sc, sc))}</td>{''.join(cell(by.get((sc, m, every))) for m in measures)}</tr>"
        for sc in scenarios
    ) if every else ""  # fmt: skip
    names = "".join(f"<th>{esc(measure_words(mine, m))}</th>" for m in measures)
    return (
        f'<div class="nation" data-nation="{esc(nation)}"><h3>{esc(where)}: \u201c{esc(label)}\u201d</h3>'
        + lead_sentence(by, policy, label, where, every, years)
        + f'<table class="bottom-line">{head}{"".join(body)}</table>'
        f"<p class='small'>Counts for all of {esc(where)}\u2019s children, against the status quo on the same "
        "simulated families; under each count the range holding the middle 90% of runs. A year, on average: the "
        f"{years}-year total divided by {years}. The tables further down give the final year of the run only, so "
        "their yearly counts differ from this average.</p>"
        f"<details open><summary>Year by year, \u201c{esc(label)}\u201d</summary>"
        f'<div class="scroll"><table class="by-year"><tr><th>Year of the policy</th>{names}</tr>{yearly}</table></div>'
        "</details>"
        + (
            f"<details><summary>All {years} years, every policy</summary>"
            "<div class='scroll'><table class='every-policy'>"
            f"<tr><th>Policy</th>{names}</tr>{others}</table></div></details>"
            if others
            else ""
        )
        + end_of_run_html(mine, by, policy, label, ends, years)
        + notes_html(mine, measures + ends)
        + "</div>"
    )


def end_of_run_html(rows: list[Count], by: dict, policy: str, label: str, ends: list[str], years: int) -> str:
    """The changes of the state each run ends in (measles, docs/ODD.md 7.13), which have no yearly figures: the
    policy's change and its range as the counts file writes them, one row a measure."""
    body = []
    for m in ends:
        c = by.get((policy, m, END_OF_RUN))
        if c is None:
            continue
        mark = '<sup class="note">*</sup>' if c.note else ""
        shown = esc(c.text or f"{c.mean:.2f}")
        what = esc(measure_words(rows, m))
        body.append(f"<tr><td>{what}</td><td {cell_attributes(c, c.mean, c.lo, c.hi)}>{shown}{mark}</td></tr>")
    if not body:
        return ""
    return (
        f"<details open><summary>When the run ends, after {years} years of \u201c{esc(label)}\u201d</summary>"
        "<table class='end-of-run'><tr><th>What changes</th><th>Change (middle 90% of runs)</th></tr>"
        f"{''.join(body)}</table></details>"
    )


def nation_name(nation: str) -> str:
    """'england_and_wales' as a reader writes it: 'England and Wales'."""
    return " ".join(w if w == "and" else w.capitalize() for w in nation.split("_"))


def notes_html(rows: list[Count], measures: list[str]) -> str:
    """The counts' notes, each once, under the box (a cell with a note carries a *)."""
    notes = list(dict.fromkeys(r.note for r in rows if r.note and r.measure in measures))
    if not notes:
        return ""
    said = [n[0].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in notes]
    said = [n.replace("replicates", "runs").replace("replicate", "run") for n in said]  # the reader's word
    return "<p class='small'>* " + " * ".join(esc(n) for n in said) + "</p>"


def box_html(results: Results) -> str:
    """The bottom-line section: one box per nation when the folder has national counts, else the run's place."""
    found = counts_source(results)
    if found is None:
        return "<p>No counts were written for this run.</p>"
    path, national = found
    rows = read_counts(path)
    nations = list(dict.fromkeys(r.nation for r in rows))
    labels = {sc: results.label(sc) for sc in results.scenarios}
    boxes = "".join(nation_box(rows, n, labels, national) for n in nations)
    source = f"<code>{esc(path.name)}</code>"
    return (
        f'<div class="bottom" id="bottom-line">{boxes}<p class="small">The numbers: {source}'
        + (" (the national experiment)" if national else f" (this run, {esc(results.place_name)})")
        + ".</p></div>"
    )
