"""report.html: one self-contained page with every scenario, the effects table, sources and provenance; it renders."""

import base64
import csv
import json
import re
import subprocess
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from model.present.figures import FIGURES
from model.present.report import HEADLINE_EFFECTS
from model.present.style import fmt_value
from model.present.words import definition, round_count, say_count

from .conftest import ALL_SCENARIOS, REPO
from .csv_edit import edit_rows

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
WINDOW = (1200, 3000)
MIN_INK_SHARE = 0.05  # share of screenshot pixels that are not white: text, tables and figures
MIN_COLOURS = 50  # distinct colours: a page of text and figures has hundreds, a blank or error page a handful


def page(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def test_report_holds_question_every_scenario_and_the_effects_table(smoke_results):
    html = page(smoke_results)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    assert "how many families stop registering children with a GP" in text, "the question is missing"
    for sc in manifest["resolved"]["scenarios"]:
        assert f"<code>{sc['name']}</code>" in html, f"scenario {sc['name']} missing"
        assert unescape(sc["description"]) in text, f"description of {sc['name']} missing"
    table = html.split('<table class="effects">', 1)[1].split("</table>", 1)[0]
    headers = re.findall(r"<th>(.*?)</th>", table)
    labels = {s["name"]: s["label"] for s in manifest["resolved"]["scenarios"]}
    assert [unescape(re.sub(r"<[^>]+>", "", h)) for h in headers[1:]] == [labels[s] for s in ALL_SCENARIOS[1:]]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table)
    assert len(rows) == len(HEADLINE_EFFECTS), f"{len(rows)} effect rows, expected {len(HEADLINE_EFFECTS)}"
    with (smoke_results / "effects.csv").open(encoding="utf-8") as fh:
        saved = {(r["scenario"], r["outcome"]): r for r in csv.DictReader(fh)}
    for row, effect in zip(rows, HEADLINE_EFFECTS, strict=True):
        cells = re.findall(r'<td class="num">(.*?)</td>', row)
        for cell, sc in zip(cells, ALL_SCENARIOS[1:], strict=True):
            r = saved[(sc, effect)]
            mean, lo, hi = (fmt_value(float(r[k])) for k in ("mean", "lo", "hi"))
            spread = f"{lo} to {hi}" in cell if not mean == lo == hi else "interval" not in cell  # no '0 (0 to 0)'
            assert cell.startswith(mean) and spread, f"{effect} {sc}: cell {cell!r}, saved {r}"


def test_report_names_sources_caveats_and_provenance(smoke_results):
    text = unescape(re.sub(r"<[^>]+>", " ", page(smoke_results)))
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    for needed in (
        "engagement.rel_register_avoiding",
        "new_entrant_gp_registration",  # the source id behind it
        "Poor uptake of primary healthcare registration",  # and what that source is
        "Assumption",
        "Main caveats",
        "synthetic",
        manifest["config_hash"],
        manifest["code_version"],
        str(manifest["resolved"]["seed"]),
        *[str(s) for s in manifest["seeds"].values()],
        manifest["versions"]["numpy"],
        manifest["started_utc"],
        "Small test run",  # the smoke run is tiny and the page says so
    ):
        assert needed in text, f"report lacks {needed!r}"
    # the smoke run decides by household: the per-contact response, read by nothing there, is not an assumption
    assert "behaviour.w_risk" not in text, "the report lists a parameter its run never read"


def test_report_is_self_contained(smoke_results):
    html = page(smoke_results)
    external = re.findall(r"""src\s*=\s*["'](?!data:)([^"']*)""", html) + re.findall(r"url\(", html)
    external += re.findall(r"""href\s*=\s*["'](?!#|https://)([^"']*)""", html)  # links out to sources only
    assert external == [], f"report loads from outside itself: {external}"
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    drawn = sorted((smoke_results / "figures").glob("*.svg"))
    assert len(images) == len(drawn) and {p.stem for p in drawn} <= set(FIGURES), (
        f"{len(images)} embedded images for {len(drawn)} figures"
    )
    embedded = {base64.b64decode(data) for data in images}
    assert embedded == {p.read_bytes() for p in drawn}, "the embedded images are not the figures drawn"


def test_report_renders_in_headless_chromium(smoke_results, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'); `make test` installs it when CI=true")
    shot = tmp_path / "report.png"
    cmd = [
        str(CHROMIUM),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--screenshot={shot}",
        (smoke_results / "report.html").resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert shot.is_file(), f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-800:]}"
    pixels = imread(shot)[:, :, :3]
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0]), f"screenshot is {pixels.shape}"
    ink = float(np.mean(np.any(pixels < 0.94, axis=2)))
    colours = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert ink > MIN_INK_SHARE, f"screenshot nearly blank: {ink:.1%} of pixels not white"
    assert colours > MIN_COLOURS, f"screenshot has only {colours} distinct colours"


def text_of(folder: Path) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", page(folder)))


def test_report_counts_for_the_whole_place_beside_every_rate(smoke_results):
    """Counts a year for the place: rate x the place's children / 10,000 (and a one-year cohort for coverage)."""
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    children = manifest["resolved"]["place"]["n_children"]
    html = page(smoke_results)
    with (smoke_results / "effects.csv").open(encoding="utf-8") as fh:
        saved = {(r["scenario"], r["outcome"]): float(r["mean"]) for r in csv.DictReader(fh)}
    table = html.split('<table class="effects">', 1)[1].split("</table>", 1)[0]
    counts = re.findall(r'<span class="count">(.*?)</span>', table)
    lost = saved[("national_sui_mandate", "lost_safeguarding_contacts_per_10k")]
    by_hand = lost * children / 10_000
    mmr1 = saved[("national_sui_mandate", "coverage_mmr1_24m_change_pp")]
    cohort_by_hand = -mmr1 / 100 * children / 18
    contacts = f"{say_count(by_hand, 'safeguarding contacts')} lost a year in Wigan"
    unvaccinated = f"{say_count(cohort_by_hand, 'children')} turning 2 without a first MMR dose a year in Wigan"
    assert contacts in counts, (contacts, counts)
    assert unvaccinated in counts, (unvaccinated, counts)
    assert f"{children:,} children" in text_of(smoke_results) and "1/0.01" in text_of(smoke_results)


def test_report_defines_each_outcome_before_it_is_used_and_cites_no_file_outside(smoke_results):
    text = text_of(smoke_results)
    brief = text.index("In brief")
    for outcome in ("safeguarding_contacts_per_10k", "identifications_per_10k", "coverage_mmr1_24m"):
        where = text.find(unescape(definition(outcome)))
        assert 0 <= where < brief, f"{outcome} not defined before the brief"
    for outside in ("EVIDENCE.md", "policy_background.txt", "shared/"):
        assert outside not in text, f"the report cites {outside}, which is not in the repository"
    captions = re.findall(r"<figcaption><strong>(.*?)</strong>", page(smoke_results))
    drawn = list((smoke_results / "figures").glob("*.svg"))
    assert len(captions) == len(drawn) and all(c.endswith(".") for c in captions), captions


def test_report_with_drawn_behaviour_says_so_and_shows_the_ranges(tmp_experiment, tmp_path):
    from model import run_experiment

    exp = tmp_experiment(
        name="drawn", months=24, uncertainty={"distribution": "triangular", "parameters": ["trust_dynamics"]}
    )
    folder = run_experiment(exp, tmp_path / "drawn")
    text = text_of(folder)
    assert "not uncertainty in the assumptions;" not in text, "caveat contradicts the drawn behaviour"
    assert "what we do not know about behaviour" in text and "trust_dynamics" in text
    manifest = json.loads((folder / "manifest.json").read_text())
    lo, hi = manifest["resolved"]["uncertainty"]["ranges"]["trust.erosion_unexpected"]
    mode = manifest["resolved"]["parameters"]["trust.erosion_unexpected"]
    assert f"varied from run to run between {lo:g} and {hi:g}, most often near {mode:g}" in text, (
        "drawn parameter shown as one value"
    )


def test_labels_come_from_the_manifest_and_do_not_change_run_ids(smoke_results, tmp_path):
    import shutil
    from dataclasses import replace

    from model.experiments.store import run_id
    from model.inputs.paths import DEFAULT_PARAMS_DIR
    from model.inputs.scenario import load_scenario
    from model.present.results_folder import Results

    bill = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / "national_sui_mandate.yaml")
    assert bill.label == "National identifier, Bill as drafted", "the label is read from the scenario file"
    ids = {run_id({}, {}, sc, 1) for sc in (bill, replace(bill, label="Another name"), replace(bill, label=""))}
    assert len(ids) == 1, "a label edit changes the run id (stored runs would be lost)"
    copy = shutil.copytree(smoke_results, tmp_path / "copy")
    manifest = json.loads((copy / "manifest.json").read_text())
    for sc in manifest["resolved"]["scenarios"]:
        sc["label"] = "Renamed" if sc["name"] == "wigan_direct_care" else ""
    (copy / "manifest.json").write_text(json.dumps(manifest))
    results = Results(copy)
    assert results.label("wigan_direct_care") == "Renamed", "the label is not read from the manifest"
    assert results.label("national_sui_mandate") == "National sui mandate", "no fallback to the name humanised"


NEW_EFFECTS = {
    "avoiding_share_change_pp": "Families avoiding health services",
    "coverage_6in1_24m_change_pp": "6-in-1 vaccine by 24 months",
    "coverage_mmr1_5y_change_pp": "MMR first dose by 5 years",
    "matching_flagged_per_10k_change": "Children flagged by data matching",
}


def test_report_lists_the_new_effects_with_their_saved_values_and_units(smoke_results):
    html = page(smoke_results)
    table = html.split('<table class="effects">', 1)[1].split("</table>", 1)[0]
    found_rows = re.findall(r"<tr><td>(.*?)</tr>", table)
    rows = {unescape(re.sub(r"<[^>]+>", "", r.split("<br>", 1)[0])): r for r in found_rows}
    with (smoke_results / "effects.csv").open(encoding="utf-8") as fh:
        saved = {(r["scenario"], r["outcome"]): r for r in csv.DictReader(fh)}
    for effect, words in NEW_EFFECTS.items():
        (name,) = [n for n in rows if n.startswith(words)]
        unit = "per 10,000 children a year" if effect.endswith("_per_10k_change") else "change, percentage points"
        assert unit in rows[name], f"{effect}: unit missing in {rows[name]!r}"
        cells = re.findall(r'<td class="num">(.*?)</td>', rows[name])
        for c, sc in zip(cells, ALL_SCENARIOS[1:], strict=True):
            assert c.startswith(fmt_value(float(saved[(sc, effect)]["mean"]))), f"{effect} {sc}: {c!r}"
    found = next(n for n in rows if n.startswith("Children truly missing education found"))
    assert list(rows).index(found) + 1 == list(rows).index(next(n for n in rows if n.startswith("Children flagged"))), (
        "the flagged row should sit under the found row it is read against"
    )
    text = text_of(smoke_results)
    assert "minus the status quo\u2019s on the same simulated families" in text and "middle 90% of those runs" in text
    assert "Intervals span" not in text


def test_the_matching_note_reads_flags_against_finds_from_effects_csv(smoke_results, tmp_path):
    import shutil

    from model.present.report import matching_note
    from model.present.results_folder import Results

    with (smoke_results / "effects.csv").open(encoding="utf-8") as fh:
        saved = {(r["scenario"], r["outcome"]): float(r["mean"]) for r in csv.DictReader(fh)}
    equal = all(
        saved[(sc, "matching_flagged_per_10k_change")] == saved[(sc, "cme_found_per_10k_change")]
        for sc in ALL_SCENARIOS[1:]
    )
    assert ("the two matching rows are equal" in matching_note(Results(smoke_results))) == equal
    copy = shutil.copytree(smoke_results, tmp_path / "flags")
    means = {"matching_flagged_per_10k_change": "4000.0", "cme_found_per_10k_change": "1000.0"}  # flags most

    def flags(r: dict[str, str]) -> dict[str, str] | None:
        hit = r["scenario"] == "wales_cme_matching" and r["outcome"] in means
        return {**r, "mean": means[r["outcome"]]} if hit else None

    assert edit_rows(copy / "effects.csv", flags) == 2
    note = matching_note(Results(copy))
    assert "25% are truly missing education" in note, note


JARGON = ("replicate", "paired difference", "triangular", "mode ", "one or two", "almost no", "not spotted")


def readers_text(folder: Path) -> str:
    """The page a reader reads: its text without code names and without the provenance table at the end."""
    html = re.sub(r"<code>.*?</code>", " ", page(folder), flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return text.split("What made these results", 1)[0]


def test_the_readers_text_has_no_jargon_no_double_negatives_and_no_empty_intervals(smoke_results):
    text = readers_text(smoke_results).lower()
    found = [w for w in JARGON if w in text]
    assert not found, f"the reader's text says {found}: " + "; ".join(
        text[max(0, text.find(w) - 60) : text.find(w) + 60] for w in found
    )
    assert not re.search(r"\b0\.0+ \(", text), "a zero shown with an interval of zeros"


@pytest.mark.parametrize(
    ("count", "said"),
    [(0.59, "fewer than 1"), (0.2, "fewer than 1"), (-0.7, "fewer than 1"), (1.2, "about 1"), (7.4, "about 7"),
     (812.0, "about 810"), (-7.4, "about -7")],
)
def test_counts_below_one_read_fewer_than_one(count, said):
    assert round_count(count) == said, f"{count} said as {round_count(count)!r}, expected {said!r}"


def test_count_phrases_agree_in_number_and_have_no_double_negative():
    from model.present.words import count_phrase

    assert count_phrase("lost_identifications_per_10k", 0.087, 68_000, "Wigan") == (
        "fewer than 1 child at risk missed a year in Wigan"
    ), "0.59 children must read 'fewer than 1 child', not 'one or two' or 'almost no ... not spotted'"
    assert count_phrase("lost_safeguarding_contacts_per_10k", 0.2, 68_000, "Wigan") == (
        "about 1 safeguarding contact lost a year in Wigan"
    )
    assert count_phrase("lost_identifications_per_10k", -0.1, 68_000, "Wigan") == (
        "fewer than 1 child at risk missed a year in Wigan"
    ), "a gain under 1 is still under 1"


# --- the bottom line ---
BILL = "national_sui_mandate"


def bottom_rows(folder: Path) -> dict[tuple[str, str, str, str], dict[str, str]]:
    with (folder / "figures" / "bottom_line.csv").open(encoding="utf-8", newline="") as fh:
        return {(r["nation"], r["scenario"], r["measure"], r["period"]): r for r in csv.DictReader(fh)}


def test_the_bottom_line_counts_are_each_runs_own_monthly_counts_summed_by_hand(smoke_results):
    """Contacts lost in a year of policy: per run, the sum over its months of (status quo - Bill) x the place's
    children / 10,000 / 12 (rates are per 10,000 a year); the CSV holds their mean and 5th-95th percentiles."""
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    place, burn = manifest["resolved"]["place"], manifest["resolved"]["burn_in_months"]
    per: dict[tuple[str, str], dict[int, float]] = {}
    with (smoke_results / "timeseries.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["scenario"] in (BILL, "baseline"):
                per.setdefault((r["scenario"], r["replicate"]), {})[int(r["month"])] = float(
                    r["safeguarding_contacts_per_10k"]
                )
    reps = sorted({rep for _, rep in per})
    rows = bottom_rows(smoke_results)
    name = place["name"].capitalize() if place["name"].islower() else place["name"]
    nation = next(k[0] for k in rows)
    assert nation.lower() == name.lower(), f"counts for {nation}, the run's place is {name}"
    yearly = []
    for y in (1, 2, 3):
        sums = [
            sum(per[("baseline", rep)][m] - per[(BILL, rep)][m] for m in range(burn + 12 * (y - 1), burn + 12 * y))
            * place["n_children"] / 10_000 / 12
            for rep in reps
        ]
        row = rows[(nation, BILL, "safeguarding_contacts_lost", f"year_{y}")]
        assert float(row["mean"]) == pytest.approx(np.mean(sums), rel=1e-9, abs=1e-9), (y, row, sums)
        assert float(row["lo"]) == pytest.approx(np.percentile(sums, 5), rel=1e-9, abs=1e-9), (y, row, sums)
        assert float(row["hi"]) == pytest.approx(np.percentile(sums, 95), rel=1e-9, abs=1e-9), (y, row, sums)
        yearly.append(float(row["mean"]))
    total = float(rows[(nation, BILL, "safeguarding_contacts_lost", "years_1_3")]["mean"])
    assert total == pytest.approx(sum(yearly), rel=1e-9, abs=1e-9), "the 3-year sum is not the sum of its years"


def number_in(text: str) -> float | None:
    """The first count a cell says ('about 1,200 (90% range ...)' -> 1200.0); None for 'fewer than 1'."""
    if text.strip().startswith("fewer than 1"):
        return None
    return float(re.search(r"-?[\d,]+(?:\.\d+)?", text).group().replace(",", ""))


def check_cell(text: str, mean: float) -> None:
    """A cell's number is its CSV mean said to two significant figures (whole numbers below 100)."""
    said = number_in(text)
    if said is None:
        assert abs(mean) < 1, f"{text!r} for a mean of {mean}"
        return
    assert abs(said - mean) <= max(0.5, 0.05 * abs(mean)), f"{text!r} does not say {mean}"


def box_cells(html: str) -> list[dict[str, str]]:
    box = html.split('id="bottom-line"', 1)[1].split("<h2>", 1)[0]
    cells = re.findall(r"<td class=\"num\" ([^>]*)>(.*?)</td>", box)
    return [{**dict(re.findall(r'data-(\w+)="([^"]*)"', attrs)), "text": unescape(re.sub(r"<[^>]+>", " ", t))}
            for attrs, t in cells]  # fmt: skip


def test_every_number_in_the_bottom_line_box_is_its_csv_row(smoke_results):
    rows = bottom_rows(smoke_results)
    cells = box_cells(page(smoke_results))
    assert len(cells) > 10, f"the box holds only {len(cells)} counts"
    years = max(int(k[3].split("_")[1]) for k in rows if k[3].startswith("year_"))
    nation = next(k[0] for k in rows)
    for c in cells:
        period = f"years_1_{years}" if c["period"] == "average" else c["period"]
        row = rows[(nation, c["scenario"], c["measure"], period)]
        divide = years if c["period"] == "average" else 1
        for key in ("mean", "lo", "hi"):
            assert float(c[key]) == pytest.approx(float(row[key]) / divide, rel=1e-12, abs=1e-12), (c, row)
        check_cell(c["text"], float(row["mean"]) / divide)
    assert "Year 3" in page(smoke_results) and "A year, on average" in page(smoke_results)


def write_national_counts(path: Path) -> None:
    """A made national_counts.csv: England's contacts lost 1,000 a year and Wales's 50, over two years."""
    header = ["nation", "scenario", "measure", "period", "mean", "lo", "hi", "n", "text", "unit", "note"]
    lines = [",".join(header)]
    for nation, scale in (("england", 1000.0), ("wales", 50.0)):
        for period, k in (("year_1", 1), ("year_2", 2), ("years_1_2", 3)):
            mean = scale * k
            lines.append(f"{nation},{BILL},safeguarding_contacts_lost,{period},{mean},{mean / 2},{mean * 2},20,,"
                         "safeguarding contacts lost,")  # fmt: skip
    for period in ("year_1", "year_2", "years_1_2"):  # both nations together, a count that is zero with its note
        lines.append(f"england_and_wales,{BILL},children_missing_education_found,{period},0,0,0,20,,found,"
                     "zero in every replicate: no matching")  # fmt: skip
    # a change of the state the run ends in (measles): no yearly figures, its text as the counts file writes it
    lines.append(f"england,{BILL},measles_p_outbreak,end_of_run,0.51,0.0,1.37,20,0.51 (0.00 to 1.37),"
                 "change in the chance that one imported measles case causes more than 20 cases,")  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_national_run_redraws_each_nations_report_once_its_counts_are_written(smoke_results, tmp_path, monkeypatch):
    """The national experiment writes national_counts.csv after every nation's report: the API redraws each
    nation's report so its bottom line shows every nation (a made national folder stands in for the run)."""
    import shutil

    from model import api
    from model.experiments import national

    out = tmp_path / "national"
    for nation in ("england", "wales"):
        shutil.copytree(smoke_results, out / nation)
        (out / nation / "report.html").write_text("not yet redrawn", encoding="utf-8")
    write_national_counts(out / "national_counts.csv")
    monkeypatch.setattr(national, "run_national", lambda *args, **kw: out)
    assert api.run_experiment(REPO / "experiments" / "national.yaml") == out
    for nation in ("england", "wales"):
        html = (out / nation / "report.html").read_text(encoding="utf-8")
        assert 'data-nation="england"' in html and 'data-nation="wales"' in html, f"{nation}'s report not redrawn"


def test_the_bottom_line_shows_each_nation_when_the_folder_has_national_counts(smoke_results, tmp_path):
    """A folder inside a national experiment's results (national_counts.csv beside it) gets one box per nation."""
    import shutil

    from model.present.report import write_report

    copy = shutil.copytree(smoke_results, tmp_path / "england")
    write_national_counts(tmp_path / "national_counts.csv")
    html = write_report(copy).read_text(encoding="utf-8")
    box = html.split('id="bottom-line"', 1)[1].split("<h2>", 1)[0]
    assert "England" in box and "Wales" in box and "national_counts.csv" in box, box[:500]
    assert 'data-nation="england"' in box and 'data-nation="wales"' in box
    assert "England and Wales: " in unescape(box), "the nations together are not named as a reader writes them"
    text = unescape(re.sub(r"<[^>]+>", " ", box))
    assert text.count("Zero in every run: no matching.") == 1 and "replicate" not in text, "the note, once, in words"
    assert "about 3,000<br><span class=\"interval\">90% range 1,500 to 6,000" in box, "England's total not shown"
    assert "about 1,500<br><span class=\"interval\">90% range 750 to 3,000" in box, (
        "England's yearly average (3,000 / 2) not shown"
    )
    assert "were in force in England for 2 years, then against the status quo about 3,000 safeguarding contacts" in (
        unescape(box)
    ), "the lead sentence does not say England's total"
    assert "no data" not in box, "a measure with no yearly figures is shown in the yearly table"
    end = box.split("class='end-of-run'", 1)[1].split("</table>", 1)[0]
    assert "0.51 (0.00 to 1.37)" in end and "imported measles case" in end and 'data-mean="0.51"' in end, end


def test_the_bottom_line_box_read_in_headless_chromium_agrees_with_its_tables(smoke_results, tmp_path):
    """The box as a browser shows it: every count's number is its CSV row's, and the year-by-year table adds up
    to the total over all years."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'); `make test` installs it when CI=true")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a test extra) is not installed")
    rows = bottom_rows(smoke_results)
    nation = next(k[0] for k in rows)
    years = max(int(k[3].split("_")[1]) for k in rows if k[3].startswith("year_"))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        view = browser.new_page()
        view.goto((smoke_results / "report.html").resolve().as_uri())
        view.eval_on_selector_all("#bottom-line details", "ds => ds.forEach(d => { d.open = true; })")  # every table
        shown = view.eval_on_selector_all(
            "#bottom-line td[data-measure]",
            "cells => cells.map(c => ({text: c.innerText, ...c.dataset, visible: c.offsetParent !== null}))",
        )
        heading = view.inner_text("#bottom-line h3")
        browser.close()
    assert shown and nation.lower() in heading.lower(), heading
    by_year: dict[str, float] = {}
    total: dict[str, float] = {}
    for c in shown:
        period = f"years_1_{years}" if c["period"] == "average" else c["period"]
        row = rows[(nation, c["scenario"], c["measure"], period)]
        mean = float(row["mean"]) / (years if c["period"] == "average" else 1)
        if c["visible"]:
            check_cell(c["text"], mean)
        if c["scenario"] == BILL and c["period"].startswith("year_"):
            by_year[c["measure"]] = by_year.get(c["measure"], 0.0) + float(c["mean"])
        if c["scenario"] == BILL and c["period"] == f"years_1_{years}":
            total[c["measure"]] = float(c["mean"])
    assert by_year, "no year-by-year table read"
    for measure, summed in by_year.items():
        assert summed == pytest.approx(total[measure], rel=1e-9, abs=1e-6), f"{measure}: years add to {summed}"


# --- families told, what drives the result, the trade-off ---
def test_families_told_is_explained_where_the_reader_meets_it(smoke_results):
    text = text_of(smoke_results)
    note = "Why telling families can cost more."
    assert note in text, "no note on why telling families raises avoidance"
    assert text.index("The scenarios") < text.index(note) < text.index("Headline effects"), "note not at the scenarios"
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    value = manifest["resolved"]["parameters"]["awareness.rel_fear_told"]
    assert f"relative to word of mouth, is {value:g} (1 = the same)" in text, "the assumption's value is not stated"
    assert "care.data" in text and "No study measures it" in text


def test_what_drives_the_result_lists_live_assumptions_in_plain_words_with_grades_and_links(smoke_results):
    html = page(smoke_results)
    table = html.split("<table class='drivers'>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table)
    assert 6 <= len(rows) <= 12, f"{len(rows)} assumptions: the short table should hold about eight"
    words = unescape(re.sub(r"<[^>]+>", " ", table))
    assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", words), "a code name in the plain-English table"
    for dead in ("w_risk", "rel_risk", "How strongly perceived risk puts families off"):
        assert dead not in table, f"{dead}: a parameter the household decision does not read"
    assert all(any(g in r for g in ("strong", "moderate", "weak", "stated assumption")) for r in rows), rows
    assert 'href="https://' in table, "no working link to a source"


def test_the_hardest_hit_groups_key_parameter_cites_a_source_that_was_found():
    from model.inputs.params import load_parameters
    from model.inputs.paths import DEFAULT_PARAMS_DIR
    from model.present.drivers import sources

    cited = sources()
    params = load_parameters(DEFAULT_PARAMS_DIR).entries
    for path in ("segments.insecure_immigration.rel_risk", "segments.insecure_immigration.shift_engagement"):
        source = params[path].source
        if source:
            assert "NOT FOUND" not in str(cited[source]["value"]).upper(), f"{path} cites {source}, marked not found"


def test_the_trade_off_is_matchings_identifications_less_those_missed_by_hand(smoke_results, monkeypatch):
    """Per run: missed = lost identifications at detection 0; found(p) = lost(0) - lost(p); with a share a of
    finds made anyway the net is (1 - a) found - missed. Two runs, three detection values, worked by hand."""
    from model.present import tradeoff
    from model.present.results_folder import Results

    lost = {0: (0.5, 0.7), 1: (0.3, 0.4), 2: (-0.1, 0.0)}  # point -> each run's lost identifications
    runs = {(BILL, pt, rep): {"lost_identifications_per_10k": v[rep]} for pt, v in lost.items() for rep in (0, 1)}
    monkeypatch.setattr(tradeoff, "tradeoff_folder", lambda r: smoke_results)
    monkeypatch.setattr(tradeoff, "paired_run_effects", lambda f: runs)
    monkeypatch.setattr(tradeoff, "point_values", lambda f: {0: 0.0, 1: 0.1, 2: 0.3})
    results = Results(smoke_results)
    rows = {(r[1], r[2]): r for r in tradeoff.tradeoff_rows(results)}
    assert rows[(0.1, 0.0)][3] == pytest.approx(np.mean([0.2 - 0.5, 0.3 - 0.7]))
    assert rows[(0.1, 0.5)][3] == pytest.approx(np.mean([0.1 - 0.5, 0.15 - 0.7]))
    assert rows[(0.3, 0.0)][3] == pytest.approx(np.mean([0.6 - 0.5, 0.7 - 0.7]))
    assert (rows[(0.3, 0.0)][4], rows[(0.3, 0.0)][5]) == pytest.approx((0.0, 0.1)), "range over runs"
    assert rows[(0.0, 0.0)][3] == pytest.approx(-0.6), "no detection: the net is the children missed"
    text = unescape(re.sub(r"<[^>]+>", " ", tradeoff.tradeoff_html(results)))
    assert "-0.35 per 10,000" in text and "The sign hinges on assumptions without pilot data" in text, text
    assert "even if councils would have made none of the finds" in text, "found 0.25 < missed 0.6 at 0.1"


def test_what_drives_the_result_ranks_by_the_larger_of_each_policys_morris_effect(smoke_results, monkeypatch):
    """With sensitivity rows for the Bill and for the policy that tells families, the table ranks each assumption by
    the larger of its two mu*, writes each beside it, and marks a mu* whose interval is wider than itself rough."""
    from model.present import drivers
    from model.present.results_folder import Results

    def row(scenario: str, parameter: str, mu: float, conf: float) -> dict:
        return {"scenario": scenario, "outcome": drivers.HEADLINE, "parameter": parameter, "method": "morris",
                "mu_star": str(mu), "mu_star_conf": str(conf)}  # fmt: skip

    rows = [
        row(drivers.BILL, "segments.general.rel_avoid", 2.0, 0.5),
        row(drivers.SAFEGUARDS, "segments.general.rel_avoid", 1.0, 0.2),
        row(drivers.BILL, "awareness.rel_fear_told", 0.0, 0.0),
        row(drivers.SAFEGUARDS, "awareness.rel_fear_told", 3.0, 4.0),
        row(drivers.BILL, "trust.erosion_unexpected", 0.5, 0.1),
    ]
    monkeypatch.setattr(drivers, "sensitivity_rows", lambda r: (rows, "drivers"))
    table = drivers.drivers_table(Results(smoke_results))
    body = [unescape(re.sub(r"<[^>]+>", "|", r)) for r in re.findall(r"<tr><td>(.*?)</tr>", table)]
    order = [next(p for p, words in drivers.DRIVERS.items() if b.startswith(words)) for b in body]
    assert order[:3] == ["awareness.rel_fear_told", "segments.general.rel_avoid", "trust.erosion_unexpected"], order
    told = body[0]
    assert "|none seen|" in told and "|3.0 (rough)|" in told, told
    assert "|2.0||1.0|" in body[1] and "rough" not in body[1], body[1]
    assert "not measured" in body[-1], "an assumption without a row is said to be unmeasured"
    assert "with safeguards restored" in table and "results <code>drivers</code>" in table
