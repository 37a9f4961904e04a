"""The explorer: its controls render without a browser and show the store's numbers; the view lives in the URL.

A tiny grid (the Bill and one safeguard variant, three assumption sets) is run
once per module; every control is set as a reader would and the page's numbers
are checked against effects.csv.
"""

import base64
import csv
import json
import math
import subprocess
import sys
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
from tools.explorer_screenshot import free_port, wait_for  # the tool that retakes the README's screenshot

from .conftest import REPO, write_experiment

LOST = "lost_safeguarding_contacts_per_10k"
VARIANT = "national_sui_mandate__told"
WALES = "wales_cme_matching"
WALES_LABEL = "Wales pilot: health records matched to find children missing education"


@pytest.fixture(scope="module")
def grid_folder(tmp_path_factory):
    """A three-point grid over how readily families start avoiding (segments.*.rel_avoid): baseline, the Bill, the
    Bill with families told, the Welsh pilot (a policy with no police flow)."""
    from model import run_experiment

    folder = tmp_path_factory.mktemp("explorer")
    exp = write_experiment(
        folder,
        name="grid",
        months=24,
        burn_in_months=12,
        scenarios=[
            "baseline", "national_sui_mandate", str(REPO / "experiments" / "explorer" / f"{VARIANT}.yaml"), WALES
        ],  # fmt: skip
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
    assert sorted(policy.items) == ["National identifier, Bill as drafted", WALES_LABEL], "a variant listed"


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


def test_explorer_in_headless_chromium_shows_the_store_and_downloads_its_rows(grid_folder, tmp_path):
    """The Bill's numbers, a switch, the URL and the download; then the Welsh pilot (wales_in_the_browser)."""
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
        wait_for(url, proc)
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
            wales_in_the_browser(page, url)
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



def test_the_wales_pilot_opens_with_its_own_safeguards_and_police_greyed(grid_folder):
    """The pilot's one flow goes to education with no safeguard: every switch off, and "police excluded" shown as
    the file has it (no police flow), greyed out with the reason, not as a safeguard someone switched on."""
    from model.explore.app import NO_POLICE_NOTE

    own = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{WALES}.yaml")
    assert not any(f.recipient == "police" for f in own.flows), "the test assumes the pilot shares nothing with police"
    box, rc = render(grid_folder)
    assert NO_POLICE_NOTE not in page_text(box), "the Bill sends data to the police: excluding them is a choice"
    police = rc.find(v.Switch, label="police excluded").widget
    assert not police.disabled and police.v_model is False
    rc.find(v.Select, label="Policy").widget.v_model = WALES_LABEL
    for key, words in SAFEGUARDS.items():
        switch = rc.find(v.Switch, label=words).widget
        if key == "police_excluded":
            assert switch.disabled and switch.v_model is True, "police excluded: not shown as the file has it"
        else:
            assert not switch.disabled and switch.v_model is all(getattr(f, key) for f in own.flows), words
    assert NO_POLICE_NOTE in page_text(box)
    central = grid_of(str(grid_folder)).assumption_sets["central"]
    assert shown(rc, "cme_found_per_10k_change") == pytest.approx(
        float(saved(grid_folder, WALES, "cme_found_per_10k_change", central)["mean"]), abs=1e-9
    ), "the pilot as written is in the folder: its stored numbers should show"


def wales_in_the_browser(page, url: str) -> None:
    """Open the Welsh pilot by its link: its own safeguards (police excluded greyed, as its file has it);
    then families told, a combination not in the folder, run live: the "not in the results folder" notice goes."""
    page.goto(f"{url}?policy={WALES}")  # a link to the pilot, as the URL holds the view
    page.wait_for_selector(CELL, timeout=120_000)
    page.wait_for_function("() => document.body.innerText.includes('sends nothing to the police')", timeout=60_000)
    assert WALES_LABEL in page.inner_text("body")
    states = {}
    for words in SAFEGUARDS.values():
        switch = page.locator(".v-switch", has_text=words).locator("input")
        states[words] = (switch.is_checked(), switch.is_disabled())
    want = {w: (False, False) for w in SAFEGUARDS.values()} | {"police excluded": (True, True)}
    assert states == want, f"the Wales pilot's switches as shown (checked, greyed): {states}"
    page.locator("label", has_text="families told").click()
    page.wait_for_selector("text=This combination is not in the results folder", timeout=60_000)
    page.get_by_role("button", name="Run this combination live").click()
    page.wait_for_selector(CELL, timeout=120_000)
    body = page.inner_text("body")
    assert "not in the results folder" not in body and "Run live just now" in body, body[:800]


@pytest.mark.parametrize("figure", ["vaccination", "who_loses"])
def test_the_folders_own_figures_draw_each_policy_as_written_not_its_variants(grid_folder, figure):
    """The explorer's folder holds the Bill's 31 variants: its report draws each policy as written (one legend
    entry each) and says the variants are in the explorer, not 36 policies in one unreadable legend."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from model.present import figures
    from model.present.results_folder import Results

    results = Results(grid_folder)
    assert results.variants == [VARIANT] and VARIANT not in results.drawn_policies
    fig = getattr(figures, figure)(results)
    drawn = {a.get_gid() for ax in fig.axes for a in ax.get_children() if a.get_gid()}
    texts = " ".join(" ".join(t.get_text() for t in fig.findobj(Text)).split())  # lines wrapped: one space each
    plt.close(fig)
    assert "national_sui_mandate" in drawn and WALES in drawn and VARIANT not in drawn, drawn
    assert results.label(VARIANT) not in texts, "a variant is named in the figure (its title, or a legend)"
    assert "safeguard variant is not drawn" in texts, texts[:400]
