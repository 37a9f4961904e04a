"""Figures from a results folder: a bar or line per scenario, labels and footers, design figures with a design."""

import csv
import json
import shutil
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from model.core.layout import SEGMENTS
from model.present.figure_data import MIN_STABLE_CHILDREN, rolling
from model.present.figures import (
    FIGURES,
    WHO_TARGET_PCT,
    awareness_trust,
    draw_figures,
    headline,
    vaccination,
    who_loses,
)
from model.present.figures_design import design_grid, sensitivity_ranking, sensitivity_table, size_to_narrow
from model.present.results_folder import Results
from model.present.style import FOOTER_GID, SCENARIO_COLOURS
from model.present.words import parameter_words

from .conftest import ALL_SCENARIOS

POLICIES = ALL_SCENARIOS[1:]
STEMS = ("headline", "vaccination", "who_loses", "awareness_trust")
DRAWN = (*STEMS, "avoidance")  # every figure a plain run draws (avoidance's CSV: tests/test_avoidance.py)
MIN_PNG_BYTES = 20_000  # a drawn slide-sized figure; an empty canvas is a few kilobytes


def rows_of(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def effect_means(folder):
    return {(r["scenario"], r["outcome"]): float(r["mean"]) for r in rows_of(folder / "effects.csv")}


def bars(ax, names):
    return [p for p in ax.patches if p.get_gid() in names]


def lines(ax, names):
    return [ln for ln in ax.get_lines() if ln.get_gid() in names]


def footer(fig):
    texts = [t.get_text() for sub in fig.subfigs for t in sub.texts if t.get_gid() == FOOTER_GID]
    assert len(texts) == 1, f"expected one footer, found {texts}"
    return texts[0]


def test_run_writes_every_figure_as_png_and_svg_and_no_design_figures(smoke_results):
    folder = smoke_results / "figures"
    for stem in DRAWN:
        png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
        assert png.stat().st_size > MIN_PNG_BYTES, f"{png.name} is only {png.stat().st_size} bytes"
        assert svg.read_text(encoding="utf-8").rstrip().endswith("</svg>"), f"{svg.name} is not a whole SVG"
    leftovers = sorted(p.name for p in folder.iterdir() if p.stem not in DRAWN and p.name != "bottom_line.csv")
    assert leftovers == [], f"figures of a design drawn without a design: {leftovers}"


def test_headline_has_one_bar_per_policy_in_each_panel_with_the_saved_means(smoke_results):
    fig = headline(Results(smoke_results))
    means = effect_means(smoke_results)
    panels = fig.axes
    assert len(panels) == 3, f"headline has {len(panels)} panels, expected contacts, identifications, matching"
    effects = ("lost_safeguarding_contacts_per_10k", "lost_identifications_per_10k", "cme_found_per_10k_change")
    for ax, effect in zip(panels, effects, strict=True):
        found = bars(ax, POLICIES)
        assert [p.get_gid() for p in found] == POLICIES, f"{effect}: bars {[p.get_gid() for p in found]}"
        for p in found:
            assert p.get_width() == pytest.approx(means[(p.get_gid(), effect)]), f"{effect} {p.get_gid()}"
            assert to_hex(p.get_facecolor()) == SCENARIO_COLOURS[p.get_gid()].lower(), f"{p.get_gid()} colour"
        assert ax.get_title(loc="left") and "per 10,000 children" in ax.get_xlabel(), f"{effect}: title or unit missing"
    plt.close(fig)


@pytest.mark.parametrize("build", [vaccination, awareness_trust])
def test_time_series_have_one_line_per_scenario_and_the_policy_start(smoke_results, build):
    results = Results(smoke_results)
    fig = build(results)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3, f"{build.__name__}: {len(panels)} panels"
    for ax in panels:
        found = sorted(ln.get_gid() for ln in lines(ax, ALL_SCENARIOS))
        change = [ln for ln in ax.get_lines() if ln.get_gid() == "zero"]
        expected = POLICIES if change else ALL_SCENARIOS  # a change panel: the status quo is its zero line
        assert found == sorted(expected), f"{ax.get_title(loc='left')}: lines {found}"
        starts = [ln for ln in ax.get_lines() if ln.get_gid() == "policy_start"]
        assert len(starts) == 1 and starts[0].get_xdata()[0] == 0, f"{ax.get_title(loc='left')}: policy start not at 0"
        assert ax.get_ylabel() and "years since the policy started" in ax.get_xlabel(), ax.get_title(loc="left")
        if build is vaccination:
            assert change, f"{ax.get_title(loc='left')}: vaccination is drawn as levels, not the change"
    subtitle = " ".join(t.get_text() for sub in fig.subfigs for t in sub.texts)
    if build is vaccination:
        assert f"WHO target is {WHO_TARGET_PCT:g}%" in subtitle, "the levels behind the changes are not said"
    plt.close(fig)


def test_vaccination_line_is_the_mean_over_runs_of_the_change_over_the_last_twelve_saved_months(smoke_results):
    """The change drawn at the last month: per run, the policy's mean over its last 12 months minus the status quo's
    in the same run, averaged over runs, in percentage points."""
    results = Results(smoke_results)
    fig = vaccination(results)
    last_month = results.months - 1
    per_run: dict[tuple[str, str], list[float]] = {}
    for r in rows_of(smoke_results / "timeseries.csv"):
        if r["scenario"] in ("national_sui_mandate", "baseline") and int(r["month"]) > last_month - 12:
            per_run.setdefault((r["scenario"], r["replicate"]), []).append(float(r["coverage_mmr1_24m"]))
    runs = {rep for _, rep in per_run}
    expected = np.mean(
        [np.nanmean(per_run[("national_sui_mandate", k)]) - np.nanmean(per_run[("baseline", k)]) for k in runs]
    )
    (line,) = [ln for ln in lines(fig.axes[1], ["national_sui_mandate"])]
    assert line.get_xdata()[-1] == pytest.approx((last_month - results.burn_in_months) / 12)
    assert line.get_ydata()[-1] == pytest.approx(100 * expected), f"line {line.get_ydata()[-1]}, saved {per_run}"
    plt.close(fig)


def at_full_scale(smoke, folder):
    """The smoke folder with its manifest saying the place is huge: every group then has enough simulated children."""
    shutil.copytree(smoke, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["resolved"]["place"]["n_children"] = 10**9
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_who_loses_greys_groups_too_small_for_a_stable_estimate(smoke_results):
    """Groups with under 500 simulated children get a grey band and a note instead of bars."""
    results = Results(smoke_results)
    fig = who_loses(results)
    shares = results.resolved["place"]["segment_shares"]
    children = [results.n_children * results.scale * s for s in shares]
    small = sum(c < MIN_STABLE_CHILDREN for c in children)
    assert 0 < small < len(SEGMENTS), f"the smoke run no longer mixes small and large groups: {children}"
    for ax in fig.axes:
        assert len(bars(ax, POLICIES)) == len(POLICIES) * (len(SEGMENTS) - small), "bars drawn for small groups"
        greyed = [p for p in ax.patches if p.get_gid() == "unstable"]
        assert len(greyed) == small, f"{len(greyed)} grey bands for {small} small groups"
        notes = [t.get_text() for t in ax.texts if "too few for a stable estimate" in t.get_text()]
        assert len(notes) == small, notes
    plt.close(fig)


def inside(box, panel, vertical: bool = True) -> bool:
    """Whether a text's box (display units) lies within its panel (across, and up and down unless told not to)."""
    across = panel.x0 <= box.x0 and box.x1 <= panel.x1
    return across and (not vertical or (panel.y0 <= box.y0 and box.y1 <= panel.y1))


def points_under(box, ax, line) -> int:
    """How many drawn points of a line fall inside a text's box (display units)."""
    xy = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float))
    return int(np.sum((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)))


def test_who_loses_notes_stay_inside_their_panel(smoke_results):
    """A small group's note is read inside its grey band: it may not run past the panel's edge."""
    fig = who_loses(Results(smoke_results))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        panel = ax.get_window_extent(renderer)
        for t in ax.texts:
            if "too few for a stable estimate" in t.get_text():
                box = t.get_window_extent(renderer)
                assert inside(box, panel, vertical=False), f"{t.get_text()!r} runs past its panel"
    plt.close(fig)


def test_who_loses_has_a_bar_per_policy_and_segment(smoke_results, tmp_path):
    fig = who_loses(Results(at_full_scale(smoke_results, tmp_path / "full")))
    means = effect_means(smoke_results)
    for ax, effect in zip(
        fig.axes, ("lost_safeguarding_contacts_per_10k", "lost_identifications_per_10k"), strict=True
    ):
        found = bars(ax, POLICIES)
        assert len(found) == len(POLICIES) * len(SEGMENTS), f"{effect}: {len(found)} bars"
        widths = sorted(p.get_width() for p in found)
        expected = sorted(np.nan_to_num(means[(sc, f"{effect}__{seg}")]) for sc in POLICIES for seg in SEGMENTS)
        assert widths == pytest.approx(expected), f"{effect}: bar lengths differ from effects.csv"
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == len(SEGMENTS) and all("% of households" in t for t in labels), labels
    plt.close(fig)


@pytest.mark.parametrize("stem", DRAWN)
def test_every_figure_has_a_title_labelled_axes_and_a_footer_saying_what_made_it(smoke_results, stem):
    results = Results(smoke_results)
    fig = FIGURES[stem](results)
    text = footer(fig)
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    for part in ("'smoke'", manifest["config_hash"][:12], "3 runs of each scenario", manifest["started_utc"][:10]):
        assert part in text, f"{stem}: footer lacks {part!r}: {text}"
    titles = [t.get_text() for sub in fig.subfigs for t in sub.texts if t.get_fontsize() >= 14]
    assert titles and all(titles), f"{stem}: no title"
    for ax in fig.axes:
        if ax.get_visible():
            assert ax.get_title(loc="left") and ax.get_xlabel(), f"{stem}: an axis without title or label"
    plt.close(fig)
    svg = (smoke_results / "figures" / f"{stem}.svg").read_text(encoding="utf-8")
    assert manifest["config_hash"][:12] in svg, f"{stem}.svg lacks the footer's config hash"


# --- a design: a synthetic results folder written here, not a sweep ---
A, B = "behaviour.w_risk", "trust.erosion_unexpected"
A_VALUES, B_VALUES = (0.5, 1.5, 3.0), (0.1, 0.3)


def lost(point_a, point_b, scenario):
    """A made-up effect that grows with both parameters and differs by scenario."""
    return 100 * point_a * point_b * (1 + POLICIES.index(scenario))


def write_design(folder, smoke, grid=None, extra_param=False):
    """A results folder with a two-parameter design over the smoke run's manifest and time series."""
    folder.mkdir()
    for name in ("manifest.json", "timeseries.csv"):
        shutil.copy(smoke / name, folder / name)
    grid = grid if grid is not None else [(a, b) for a in A_VALUES for b in B_VALUES]
    params = [A, B] + (["awareness.p_word_of_mouth"] if extra_param else [])
    outcomes = {r["outcome"] for r in rows_of(smoke / "effects.csv")}
    with (folder / "effects.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scenario", "point", *params, "outcome", "mean", "lo", "hi", "n"])
        for sc in POLICIES:
            for point, (a, b) in enumerate(grid):
                for outcome in sorted(outcomes):
                    v = lost(a, b, sc) if outcome.startswith("lost_") else 0.5
                    w.writerow([sc, point, a, b, *([0.01] if extra_param else []), outcome, v, v - 1, v + 1, 2])
    with (folder / "runs.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scenario", "replicate", "seed", "point", *params])
        for sc in ALL_SCENARIOS:
            for point, (a, b) in enumerate(grid):
                w.writerow([sc, 0, 1, point, a, b, *([0.01] if extra_param else [])])
    with (folder / "sensitivity.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["outcome", "parameter", "method", "S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma"]
        )
        for outcome in ("lost_safeguarding_contacts_per_10k", "coverage_mmr1_24m_change_pp"):
            for st, param in ((0.2, A), (0.7, B), (0.05, "awareness.p_word_of_mouth")):
                w.writerow([outcome, param, "sobol", st / 2, 0.02, st, 0.05, "", "", ""])
    return folder


def test_design_folder_gives_a_sensitivity_ranking_and_a_heat_map(smoke_results, tmp_path):
    folder = write_design(tmp_path / "design", smoke_results)
    written = {p.name for p in draw_figures(folder)}
    for name in ("sensitivity.png", "sensitivity.svg", "design_grid.png", "design_grid.svg"):
        assert name in written, f"{name} not drawn from a design folder: {sorted(written)}"
    results = Results(folder)
    fig = sensitivity_ranking(results)
    for ax in fig.axes:
        ranked = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
        expected = [parameter_words(p) for p in (B, A, "awareness.p_word_of_mouth")]
        assert ranked == expected, f"{ax.get_title(loc='left')}: ranking {ranked}"
        assert not any("." in r for r in ranked), f"dotted paths shown to readers: {ranked}"
    plt.close(fig)
    fig = design_grid(results)
    maps = [ax for ax in fig.axes if ax.images]
    assert [ax.images[0].get_gid() for ax in maps] == POLICIES, "one heat map per policy, in order"
    for ax in maps:
        sc = ax.images[0].get_gid()
        expected = np.array([[lost(a, b, sc) for a in A_VALUES] for b in B_VALUES])
        assert np.array_equal(ax.images[0].get_array(), expected), f"{sc}: heat map cells differ from effects.csv"
        assert A in ax.get_xlabel() and B in ax.get_ylabel(), f"{sc}: axes not named by the parameters"
    assert "design" in footer(fig) or "smoke" in footer(fig)
    plt.close(fig)
    # effects with a design: averaged over design points, interval across them
    e = results.effect("national_sui_mandate", "lost_safeguarding_contacts_per_10k")
    means = [lost(a, b, "national_sui_mandate") for a in A_VALUES for b in B_VALUES]
    assert e.mean == pytest.approx(np.mean(means)) and e.n == len(means), e


@pytest.mark.parametrize(
    "case",
    ["incomplete grid", "three parameters"],
)
def test_no_heat_map_unless_two_parameters_form_a_full_grid(smoke_results, tmp_path, case):
    if case == "incomplete grid":
        grid = [(a, b) for a in A_VALUES for b in B_VALUES][:-1]
        folder = write_design(tmp_path / "design", smoke_results, grid=grid)
    else:
        folder = write_design(tmp_path / "design", smoke_results, extra_param=True)
    assert design_grid(Results(folder)) is None, f"{case}: a heat map was drawn"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True, text=True)


def test_cli_figures_redraws_from_a_folder_and_refuses_a_broken_one(smoke_results, tmp_path):
    copy = shutil.copytree(smoke_results, tmp_path / "copy")
    shutil.rmtree(copy / "figures")
    (copy / "report.html").unlink()
    proc = run_cli("figures", str(copy))
    assert proc.returncode == 0, proc.stderr
    assert (copy / "figures" / "headline.svg").is_file() and (copy / "report.html").is_file(), proc.stdout
    effects = copy / "effects.csv"
    table = effects.read_text(encoding="utf-8").splitlines()
    first = table[1].split(",")
    first[2] = "lots"  # the mean
    effects.write_text("\n".join([table[0], ",".join(first), *table[2:]]) + "\n", encoding="utf-8")
    proc = run_cli("figures", str(copy))
    assert proc.returncode == 2 and "effects.csv: mean: expected a number" in proc.stderr, proc.stderr
    effects.unlink()
    proc = run_cli("figures", str(copy))
    assert proc.returncode == 2 and "effects.csv" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, f"not one line: {proc.stderr}"
    proc = run_cli("figures", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "nowhere" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_rolling_mean_is_the_mean_of_the_previous_twelve_months():
    values = np.array([np.arange(24, dtype=float), np.r_[np.full(6, np.nan), np.ones(18)]])
    out = rolling(values)
    assert np.isnan(out[0, 4]), "fewer than 6 months: no rolling value"
    assert out[0, 11] == pytest.approx(np.mean(np.arange(12))) and out[0, 23] == pytest.approx(np.mean(range(12, 24)))
    assert np.isnan(out[1, 10]) and out[1, 11] == 1.0, "months without a value are skipped, not taken as zero"


@pytest.mark.parametrize("stem", STEMS)
def test_every_figure_has_a_csv_of_what_it_draws(smoke_results, stem):
    path = smoke_results / "figures" / f"{stem}.csv"
    assert path.is_file(), f"{stem}.csv missing beside {stem}.png"
    rows = rows_of(path)
    assert rows, f"{stem}.csv is empty"
    results = Results(smoke_results)
    if stem in ("headline", "who_loses"):
        means = effect_means(smoke_results)
        for r in rows:
            key = (r["scenario"], r["effect"] + (f"__{r['segment']}" if r["segment"] else ""))
            saved, shown = means[key], float(r["mean"]) if r["mean"] else np.nan
            assert np.isnan(saved) and np.isnan(shown) or shown == pytest.approx(saved), f"{stem} {key}"
    else:
        fig = FIGURES[stem](results)
        outcome = "coverage_mmr1_24m" if stem == "vaccination" else "aware_share"
        drawn = "change_vs_status_quo_mean" if stem == "vaccination" else "rolling12_mean"
        ax = fig.axes[1 if stem == "vaccination" else 0]
        (line,) = lines(ax, ["national_sui_mandate"])
        mine = [r for r in rows if r["scenario"] == "national_sui_mandate" and r["outcome"] == outcome]
        by_month = {int(r["month"]): r for r in mine}
        last = by_month[results.months - 1]
        assert line.get_ydata()[-1] == pytest.approx(100 * float(last[drawn])), "line is not the CSV's"
        raw = [float(r[outcome]) for r in rows_of(smoke_results / "timeseries.csv")
               if r["scenario"] == "national_sui_mandate" and int(r["month"]) == results.months - 1]
        assert float(last["raw_mean"]) == pytest.approx(np.nanmean(raw)), "the CSV's raw month is not the saved one"
        plt.close(fig)


def test_registration_panel_is_the_change_against_the_status_quo_with_a_zero_line(smoke_results):
    fig = awareness_trust(Results(smoke_results))
    ax = fig.axes[2]
    assert [ln for ln in ax.get_lines() if ln.get_gid() == "zero"], "no zero line on the change panel"
    assert "change against the status quo" in ax.get_ylabel()
    plt.close(fig)


@pytest.mark.parametrize("build", [vaccination, awareness_trust])
def test_change_axes_fit_their_bands_so_a_small_change_is_seen(smoke_results, build):
    """A change panel holds zero and every band, and its bands fill most of it (at least the minimum span): a
    -0.07 point change must not sit flat on a +-1 point axis."""
    from model.present.figures import CHANGE_PAD, MIN_CHANGE_SPAN_PP

    fig = build(Results(smoke_results))
    for ax in fig.axes:
        if not [ln for ln in ax.get_lines() if ln.get_gid() == "zero"]:
            continue
        ys = [0.0]
        for band_ in ax.collections:
            for path in band_.get_paths():
                ys += list(path.vertices[:, 1][np.isfinite(path.vertices[:, 1])])
        for ln in lines(ax, POLICIES):
            ys += [y for y in ln.get_ydata() if np.isfinite(y)]
        lo, hi = ax.get_ylim()
        span = max(max(ys) - min(ys), MIN_CHANGE_SPAN_PP)
        assert lo <= min(ys) and max(ys) <= hi, f"{ax.get_title(loc='left')}: data {min(ys)}-{max(ys)} off {lo}-{hi}"
        assert hi - lo <= span * (1 + 2 * CHANGE_PAD) + 1e-9, f"{ax.get_title(loc='left')}: axis {lo}-{hi} for {span}"
    plt.close(fig)


def test_sensitivity_clips_negative_shares_and_says_when_an_interval_is_too_wide(smoke_results, tmp_path):
    folder = write_design(tmp_path / "design", smoke_results)
    path = folder / "sensitivity.csv"
    lines_ = path.read_text().splitlines()
    lines_.append("lost_safeguarding_contacts_per_10k,behaviour.w_peer,sobol,-0.2,0.1,-0.3,0.9,,,")
    path.write_text("\n".join(lines_) + "\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["resolved"]["design"] = {"method": "sobol", "n_samples": 16}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    results = Results(folder)
    table = {(r["outcome"], r["parameter"]): r for r in sensitivity_table(results)}
    r = table[("lost_safeguarding_contacts_per_10k", "behaviour.w_peer")]
    assert r["index_raw"] == -0.3 and r["index_shown"] == 0.0 and r["interval_wider_than_index"] == 1, r
    assert r["size_to_narrow"] == 2 ** int(np.ceil(np.log2(16 * (0.9 / 0.15) ** 2))), r
    assert size_to_narrow(16, 0.5, 0.1) == 16, "an interval already narrow needs no larger design"
    fig = sensitivity_ranking(results)
    for ax in fig.axes:
        assert all(p.get_width() >= 0 for p in ax.patches), "a negative share drawn"
    subtitle = " ".join(t.get_text() for sub in fig.subfigs for t in sub.texts)
    assert "drawn at zero" in subtitle and "wider than the index" in subtitle, subtitle
    plt.close(fig)


def test_the_headline_figure_grows_with_its_policies_so_their_labels_never_overlap(smoke_results, monkeypatch):
    """An experiment with many policies (the explorer's grid has 36) gets a taller figure, one readable row each."""
    from model.present.style import SLIDE

    results = Results(smoke_results)
    many = results.policies * 6
    monkeypatch.setattr(Results, "policies", property(lambda self: many))
    fig = headline(results)
    fig.canvas.draw()
    assert fig.get_size_inches()[1] > SLIDE[1]
    boxes = sorted((t.get_window_extent() for t in fig.axes[0].get_yticklabels()), key=lambda b: b.y0)
    assert len(boxes) == len(many)
    overlaps = [i for i in range(len(boxes) - 1) if boxes[i].y1 > boxes[i + 1].y0 + 0.5]
    plt.close(fig)
    assert not overlaps, f"labels of rows {overlaps[:5]} overlap"


def test_the_drivers_figure_draws_each_policys_ranking_hatching_rough_bars_and_naming_none_seen(
    smoke_results, monkeypatch
):
    """Made rows for two policies: one bar per assumption in each panel, in the rows' order, with the mu* as bar
    length, hatched where the interval is wider than the bar, and 'none seen' written where the bar is zero."""
    from model.present import figures

    bill, told = "national_sui_mandate", "national_with_safeguards"
    rows = [
        [bill, "segments.general.rel_avoid", "General population: how readily they start avoiding", 2.0, 0.5, 0],
        [bill, "awareness.rel_fear_told", "Fear a notice carries, against word of mouth", 0.0, 0.0, 0],
        [told, "awareness.rel_fear_told", "Fear a notice carries, against word of mouth", 3.0, 4.0, 1],
        [told, "segments.general.rel_avoid", "General population: how readily they start avoiding", 1.0, 0.2, 0],
    ]
    monkeypatch.setattr(figures, "ranking", lambda r: rows)
    monkeypatch.setattr(figures, "drivers_results", lambda r: Results(smoke_results))
    fig = figures.drivers(Results(smoke_results))
    assert fig is not None and len(fig.axes) == 2, "one panel per policy"
    for ax, sc in zip(fig.axes, (bill, told), strict=True):
        mine = [r for r in rows if r[0] == sc]
        bars = [p for p in ax.patches if p.get_gid() == sc]
        assert [b.get_width() for b in bars] == [r[3] for r in mine], f"{sc}: bar lengths are not the rows' mu*"
        assert [bool(b.get_hatch()) for b in bars] == [bool(r[5]) for r in mine], f"{sc}: rough bars not hatched"
        none_seen = [t for t in ax.texts if t.get_gid() == "none_seen"]
        assert len(none_seen) == sum(r[3] < 0.05 for r in mine), f"{sc}: 'none seen' not written at zero bars"
    plt.close(fig)


def test_a_one_month_run_sets_its_year_axis_without_a_matplotlib_warning():
    """months: 1 gives one point in time; an empty x span made matplotlib warn under --quiet (issue 28)."""
    import warnings

    from model.present.style import year_axis

    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        year_axis(ax, np.array([0.0]))
    lo, hi = ax.get_xlim()
    plt.close(fig)
    assert lo < 0.0 < hi, (lo, hi)
