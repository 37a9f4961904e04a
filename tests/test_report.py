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
from model.present.words import definition, round_count

from .conftest import ALL_SCENARIOS
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
            assert cell.startswith(mean) and f"{lo} to {hi}" in cell, f"{effect} {sc}: cell {cell!r}, saved {r}"


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
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?!data:|#)([^"']*)""", html) + re.findall(r"url\(", html)
    assert external == [], f"report loads from outside itself: {external}"
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    drawn = sorted((smoke_results / "figures").glob("*.svg"))
    assert len(images) == len(drawn) == len(FIGURES), f"{len(images)} embedded images for {len(drawn)} figures"
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
    contacts = f"{round_count(by_hand)} safeguarding contacts lost a year in Wigan"
    unvaccinated = f"{round_count(cohort_by_hand)} children turning 2 without a first MMR dose a year in Wigan"
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
    assert len(captions) == len(FIGURES) and all(c.endswith(".") for c in captions), captions


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
    assert f"drawn from {lo:g}-{hi:g} (triangular, mode {mode:g})" in text, "drawn parameter shown as one value"


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
    assert "average of the paired differences" in text and "90% interval of those differences" in text
    assert "5th to 95th percentiles" in text and "Intervals span" not in text


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
