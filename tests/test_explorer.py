"""The explorer: its controls render without a browser and show the store's numbers; the view lives in the URL.

A tiny grid (the Bill and one safeguard variant, three assumption sets) is run
once per module; every control is set as a reader would and the page's numbers
are checked against effects.csv.
"""

import base64
import csv
import json
import math
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.widgets

from model.core import outcomes
from model.explore.app import TOLD_NOTE, Explorer, fmt, parse_view, query_of
from model.explore.data import Grid, csv_text, grid_of
from model.explore.live import run_live
from model.explore.safeguards import SAFEGUARDS, apply, signature
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_scenario

from .conftest import REPO, write_experiment

LOST = "lost_safeguarding_contacts_per_10k"
VARIANT = "national_sui_mandate__told"


@pytest.fixture(scope="module")
def grid_folder(tmp_path_factory):
    """A three-point grid over the response to risk: baseline, the Bill, the Bill with families told."""
    from model import run_experiment

    folder = tmp_path_factory.mktemp("explorer")
    exp = write_experiment(
        folder,
        name="grid",
        months=24,
        burn_in_months=12,
        scenarios=["baseline", "national_sui_mandate", str(REPO / "experiments" / "explorer" / f"{VARIANT}.yaml")],
        design={"grid": {"segments.*.rel_avoid": [-1, 0, 1]}},
    )
    return run_experiment(exp, folder / "out")


def saved(folder, scenario, outcome, point):
    with (folder / "effects.csv").open(encoding="utf-8", newline="") as fh:
        return next(
            r for r in csv.DictReader(fh) if (r["scenario"], r["outcome"], r["point"]) == (scenario, outcome, point)
        )


def shown(rc, effect=LOST):
    """The page's value for an effect (the cell's data-mean) and the label above the table."""
    for w in rc.find(solara.widgets.HTML).widgets:
        html = w.unsafe_innerHTML or ""
        if f'data-effect="{effect}"' in html:
            return float(html.split(f'data-effect="{effect}" data-mean="', 1)[1].split('"', 1)[0])
    return None


def page_text(box):
    """Every piece of text the page's widgets hold (Markdown lives in a template, HTML in unsafe_innerHTML)."""
    parts = []

    def walk(w):
        for attr in ("template", "unsafe_innerHTML", "label", "v_model"):
            value = getattr(w, attr, None)
            if isinstance(value, str):
                parts.append(value)
        for c in getattr(w, "children", None) or []:
            if isinstance(c, str):
                parts.append(c)
            elif isinstance(c, ipywidgets.Widget):
                walk(c)

    walk(box)
    return " ".join(parts)


def render(folder):
    return solara.render(Explorer(str(folder)), handle_error=False)


def test_safeguards_are_read_from_flows_and_applied_to_them():
    bill = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / "national_sui_mandate.yaml")
    assert signature(bill) == dict.fromkeys(SAFEGUARDS, False), signature(bill)
    told = apply(bill, {**signature(bill), "families_told": True, "police_excluded": True})
    assert all(f.families_told for f in told.flows) and not any(f.recipient == "police" for f in told.flows)
    assert len(told.flows) == len(bill.flows) - 1 and told.name == "national_sui_mandate__nopolice_told"
    variant = load_scenario(REPO / "experiments" / "explorer" / f"{VARIANT}.yaml")
    assert signature(variant) == {**signature(bill), "families_told": True}, "the committed variant drifted"


def test_page_shows_the_bill_and_its_lost_contacts_as_in_the_store(grid_folder):
    box, rc = render(grid_folder)
    grid = grid_of(str(grid_folder))
    central = grid.assumption_sets["central"]
    assert rc.find(v.Select, label="Policy").widget.v_model == "National identifier, Bill as drafted"
    row = saved(grid_folder, "national_sui_mandate", LOST, central)
    assert shown(rc) == pytest.approx(float(row["mean"]), abs=1e-9)
    text = page_text(box)
    manifest = json.loads((grid_folder / "manifest.json").read_text())
    assert manifest["config_hash"][:12] in text and manifest["code_version"] in text, "no config hash / code version"


def test_each_safeguard_switch_moves_to_its_variant_or_offers_a_live_run(grid_folder):
    box, rc = render(grid_folder)
    central = grid_of(str(grid_folder)).assumption_sets["central"]
    rc.find(v.Switch, label="families told").widget.v_model = True
    assert shown(rc) == pytest.approx(float(saved(grid_folder, VARIANT, LOST, central)["mean"]), abs=1e-9)
    assert "families told" in page_text(box)
    rc.find(v.Switch, label="families told").widget.v_model = False
    for key, words in SAFEGUARDS.items():
        if key == "families_told":
            continue
        rc.find(v.Switch, label=words).widget.v_model = True
        assert shown(rc) is None, f"{words}: a number shown for a combination the folder does not hold"
        rc.find(v.Btn, children=["Run this combination live"]).assert_single()
        rc.find(v.Switch, label=words).widget.v_model = False
        assert shown(rc) is not None, f"{words}: switching back does not return to the stored cell"


def test_assumption_set_and_policy_selects_change_the_numbers(grid_folder):
    box, rc = render(grid_folder)
    sets = grid_of(str(grid_folder)).assumption_sets
    assert list(sets) == ["low", "central", "high"]
    for name, point in sets.items():
        rc.find(v.Select, label="Assumptions: response to perceived risk").widget.v_model = name
        row = saved(grid_folder, "national_sui_mandate", LOST, point)
        assert shown(rc) == pytest.approx(float(row["mean"]), abs=1e-9), name
    place = rc.find(v.Select, label="Place").widget
    assert place.v_model == "Wigan" and place.items == ["Wigan"]
    policy = rc.find(v.Select, label="Policy").widget
    assert policy.items == ["National identifier, Bill as drafted"], "a variant listed as a policy of its own"


def test_the_download_is_the_store_rows_of_the_view(grid_folder):
    box, rc = render(grid_folder)
    grid = grid_of(str(grid_folder))
    header, rows = grid.store_rows("national_sui_mandate", "central")
    htmls = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    (link,) = [h for h in htmls if 'class="download"' in h]
    offered = base64.b64decode(link.split("base64,", 1)[1].split('"', 1)[0]).decode("utf-8")
    assert rows and all(r[header.index("scenario")] == "national_sui_mandate" for r in rows)
    with (grid_folder / "effects.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == header
        point = grid.assumption_sets["central"]
        stored = [r for r in reader if r[0] == "national_sui_mandate" and r[header.index("point")] == point]
    assert list(csv.reader(csv_text(header, rows).splitlines())) == [header, *stored]
    assert list(csv.reader(offered.splitlines())) == [header, *stored], "the link does not offer the store rows"


def test_the_url_holds_the_view():
    grid = type("G", (), {})()
    grid.policies = ["national_sui_mandate", "wigan_direct_care"]
    grid.assumption_sets = {"low": "0", "central": "1", "high": "2"}
    grid.results = type("R", (), {"place_name": "Wigan"})()
    grid.signature = lambda p: dict.fromkeys(SAFEGUARDS, p == "wigan_direct_care")
    view = {**parse_view("", grid), "assumptions": "high", "families_told": True}
    again = parse_view(query_of(view), grid)
    assert again == view, (again, view)
    bad = parse_view("policy=nonsense&assumptions=extreme&families_told=maybe", grid)
    assert bad == parse_view(None, grid), "bad URL values are not replaced by the defaults"


def test_a_live_run_is_the_paired_effect_of_simulate(grid_folder):
    """One live replicate equals the paired difference of the two runs simulate gives for that seed."""
    from model.experiments.reproduce import experiment_from_manifest
    from model.sim.simulate import simulate

    grid = Grid(grid_folder)
    chosen = {**grid.signature("national_sui_mandate"), "police_excluded": True}
    result = run_live(grid, "national_sui_mandate", chosen, "central", cap_seconds=0.0)
    assert result.replicates == 1 and result.scale == grid.results.scale
    exp = experiment_from_manifest(json.loads((grid_folder / "manifest.json").read_text()))
    params = exp.params.with_overrides({"segments.*.rel_avoid": 0}, "test")
    sc = apply(grid.scenarios["national_sui_mandate"], chosen)
    runs = [
        outcomes.final_year(simulate(params, exp.place, exp.scale, s, exp.months, exp.burn_in_months, exp.seeds[0]))
        for s in (sc, grid.scenarios["baseline"])
    ]
    expected = outcomes.paired_effects(runs[0], runs[1])[LOST]
    got = result.cells[LOST].mean
    assert math.isclose(got, expected, abs_tol=1e-9), (got, expected)


def test_cli_explore_refuses_a_folder_that_is_not_results(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "model.cli", "explore", str(tmp_path / "nowhere"), "--port", "8799"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "nowhere" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CELL = f'td[data-effect="{LOST}"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, seconds: float = 120.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the explorer stopped (exit {proc.returncode}): {proc.stderr.read()[-800:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the explorer did not answer at {url} within {seconds:.0f} s")


def test_explorer_in_headless_chromium_shows_the_store_and_downloads_its_rows(grid_folder, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'); `make test` installs it when CI=true")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a test extra) is not installed")
    port = free_port()
    url = f"http://localhost:{port}/"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "explore", str(grid_folder), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_server(url, proc)
        grid = grid_of(str(grid_folder))
        central = grid.assumption_sets["central"]
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(tmp_path / "profile"),
                executable_path=str(CHROMIUM),
                args=CHROMIUM_FLAGS,
                headless=True,
                accept_downloads=True,
            )
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector(CELL, timeout=120_000)
            assert "National identifier, Bill as drafted" in page.inner_text("body")
            bill = float(saved(grid_folder, "national_sui_mandate", LOST, central)["mean"])
            assert abs(float(page.inner_text(CELL)) - bill) <= 0.1, (page.inner_text(CELL), bill)
            before = page.get_attribute(CELL, "data-mean")
            page.locator("label", has_text="families told").click()
            page.wait_for_function(
                f"() => {{ const e = document.querySelector('{CELL}'); return e && e.dataset.mean !== '{before}'; }}",
                timeout=60_000,
            )
            told = float(saved(grid_folder, VARIANT, LOST, central)["mean"])
            assert abs(float(page.inner_text(CELL)) - told) <= 0.1, (page.inner_text(CELL), told)
            assert "families_told=1" in page.url, f"the URL does not hold the view: {page.url}"
            with page.expect_download(timeout=60_000) as info:
                page.locator("a.download").click()
            got = Path(info.value.path()).read_text(encoding="utf-8")
            header, rows = grid.store_rows(VARIANT, "central")
            assert list(csv.reader(got.splitlines())) == [header, *rows], "the CSV is not the store's rows"
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_families_told_switch_says_why_it_raises_costs_and_the_grid_bears_it_out(grid_folder):
    """The note under the switch says telling families makes more of them aware; the stored effects agree."""
    box, rc = render(grid_folder)
    text = page_text(box)
    assert TOLD_NOTE in text, "no note beside the families told switch"
    assert text.index("families told") < text.index(TOLD_NOTE) < text.index("Assumptions"), "note not at the switch"
    grid = grid_of(str(grid_folder))
    for name in grid.assumption_sets:
        bill = grid.cell("national_sui_mandate", name, "aware_share_change_pp").mean
        told = grid.cell(VARIANT, name, "aware_share_change_pp").mean
        assert told > bill, f"{name}: families told {told:.1f} points more aware, the Bill {bill:.1f}"


def with_variant_media(folder, tmp_path, name, media_of):
    """A copy of the grid folder whose told variant's flows have media_of(the Bill's flow) as their media reach."""
    import shutil

    copy = shutil.copytree(folder, tmp_path / name)
    manifest = json.loads((copy / "manifest.json").read_text())
    scenarios = {s["name"]: s for s in manifest["resolved"]["scenarios"]}
    bill = {f["name"]: f for f in scenarios["national_sui_mandate"]["flows"]}
    for f in scenarios[VARIANT]["flows"]:
        f["media_intensity"] = media_of(bill[f["name"]])
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def test_a_variant_that_differs_from_its_policy_beyond_the_safeguards_is_flagged(grid_folder, tmp_path):
    same = with_variant_media(grid_folder, tmp_path, "same", lambda f: f["media_intensity"])
    assert Grid(same).unlike(VARIANT) == [], "a like-for-like variant flagged"
    assert Grid(same).unlike("national_sui_mandate") == [], "a policy as written flagged"
    other = with_variant_media(grid_folder, tmp_path, "other", lambda f: f["media_intensity"] / 6)
    assert Grid(other).unlike(VARIANT) == ["media_intensity"]
    box, rc = solara.render(Explorer(str(other)), handle_error=False)
    rc.find(v.Switch, label="families told").widget.v_model = True
    assert "differs from \u201cNational identifier, Bill as drafted\u201d as run" in page_text(box)
    assert "media intensity" in page_text(box)
    box, rc = solara.render(Explorer(str(same)), handle_error=False)
    rc.find(v.Switch, label="families told").widget.v_model = True
    assert "as run in more than its safeguards" not in page_text(box)


def test_small_changes_are_not_written_as_minus_zero():
    assert [fmt(-0.02), fmt(-0.004), fmt(22.58), fmt(-1.25), fmt(float("nan"))] == [
        "-0.02",
        "0.00",
        "+22.6",
        "-1.2",
        "no data",
    ]


WALES = "wales_cme_matching"


@pytest.fixture(scope="module")
def wales_folder(tmp_path_factory):
    """The Welsh pilot against the status quo, tiny: the page opens on it (its only policy)."""
    from .conftest import run_tables

    folder = tmp_path_factory.mktemp("wales")
    return run_tables(write_experiment(folder, name="wales", months=24, scenarios=["baseline", WALES]), folder / "out")


def test_the_wales_pilot_opens_with_its_own_safeguards_and_police_greyed(wales_folder):
    """The pilot's one flow goes to education with no safeguard: every switch off, and "police excluded" shown as
    the file has it (no police flow), greyed out with the reason, not as a safeguard someone switched on."""
    from model.explore.app import NO_POLICE_NOTE

    own = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{WALES}.yaml")
    assert not any(f.recipient == "police" for f in own.flows), "the test assumes the pilot shares nothing with police"
    box, rc = render(wales_folder)
    for key, words in SAFEGUARDS.items():
        switch = rc.find(v.Switch, label=words).widget
        if key == "police_excluded":
            assert switch.disabled and switch.v_model is True, "police excluded: not shown as the file has it"
        else:
            assert not switch.disabled and switch.v_model is all(getattr(f, key) for f in own.flows), words
    assert NO_POLICE_NOTE in page_text(box)
    assert shown(rc) is not None, "the pilot's own combination is in the folder: its numbers should show"


def test_the_bill_keeps_police_excluded_a_choice(grid_folder):
    from model.explore.app import NO_POLICE_NOTE

    box, rc = render(grid_folder)
    switch = rc.find(v.Switch, label="police excluded").widget
    assert not switch.disabled and switch.v_model is False
    assert NO_POLICE_NOTE not in page_text(box)


def test_wales_pilot_in_headless_chromium_shows_its_safeguards_and_a_live_run_clears_the_notice(wales_folder, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'); `make test` installs it when CI=true")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a test extra) is not installed")
    port = free_port()
    url = f"http://localhost:{port}/"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "explore", str(wales_folder), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_server(url, proc)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
            )
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector(CELL, timeout=120_000)
            assert "Wales pilot" in page.inner_text("body")
            states = {}
            for words in SAFEGUARDS.values():
                box = page.locator(".v-input--switch", has_text=words)
                states[words] = (
                    box.locator("input").get_attribute("aria-checked"),
                    "v-input--is-disabled" in (box.get_attribute("class") or ""),
                )
            want = {w: ("false", False) for w in SAFEGUARDS.values()} | {"police excluded": ("true", True)}
            assert states == want, f"switches as shown (checked, greyed): {states}"
            page.locator("label", has_text="families told").click()
            page.wait_for_selector("text=This combination is not in the results folder", timeout=60_000)
            page.get_by_role("button", name="Run this combination live").click()
            page.wait_for_selector(CELL, timeout=120_000)
            body = page.inner_text("body")
            assert "not in the results folder" not in body and "Run live just now" in body, body[:800]
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
