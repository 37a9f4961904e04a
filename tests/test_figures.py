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
from model.present.figures import (
    FIGURES,
    WHO_TARGET_PCT,
    awareness_trust,
    draw_figures,
    headline,
    vaccination,
    who_loses,
)
from model.present.figures_design import design_grid, sensitivity_ranking
from model.present.results_folder import Results
from model.present.style import FOOTER_GID, SCENARIO_COLOURS

from .conftest import ALL_SCENARIOS

POLICIES = ALL_SCENARIOS[1:]
STEMS = ("headline", "vaccination", "who_loses", "awareness_trust")
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
    for stem in STEMS:
        png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
        assert png.stat().st_size > MIN_PNG_BYTES, f"{png.name} is only {png.stat().st_size} bytes"
        assert svg.read_text(encoding="utf-8").rstrip().endswith("</svg>"), f"{svg.name} is not a whole SVG"
    leftovers = sorted(p.name for p in folder.iterdir() if p.stem not in STEMS)
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
        assert found == sorted(ALL_SCENARIOS), f"{ax.get_title(loc='left')}: lines {found}"
        starts = [ln for ln in ax.get_lines() if ln.get_gid() == "policy_start"]
        assert len(starts) == 1 and starts[0].get_xdata()[0] == 0, f"{ax.get_title(loc='left')}: policy start not at 0"
        assert ax.get_ylabel() and "years since the policy started" in ax.get_xlabel(), ax.get_title(loc="left")
        if build is vaccination:
            target = [ln for ln in ax.get_lines() if ln.get_gid() == "who_target"]
            assert len(target) == 1 and target[0].get_ydata()[0] == WHO_TARGET_PCT, (
                f"{ax.get_title(loc='left')}: WHO line"
            )
    plt.close(fig)


def test_time_series_line_is_the_mean_over_replicates_of_the_saved_month(smoke_results):
    results = Results(smoke_results)
    fig = vaccination(results)
    last_month = results.months - 1
    saved = [
        float(r["coverage_mmr1_24m"])
        for r in rows_of(smoke_results / "timeseries.csv")
        if r["scenario"] == "national_sui_mandate" and int(r["month"]) == last_month
    ]
    saved = [v for v in saved if not np.isnan(v)]
    (line,) = [ln for ln in lines(fig.axes[1], ["national_sui_mandate"])]
    assert line.get_xdata()[-1] == pytest.approx((last_month - results.burn_in_months) / 12)
    assert line.get_ydata()[-1] == pytest.approx(100 * np.mean(saved)), f"line {line.get_ydata()[-1]}, saved {saved}"
    plt.close(fig)


def test_who_loses_has_a_bar_per_policy_and_segment(smoke_results):
    fig = who_loses(Results(smoke_results))
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


@pytest.mark.parametrize("stem", STEMS)
def test_every_figure_has_a_title_labelled_axes_and_a_footer_saying_what_made_it(smoke_results, stem):
    results = Results(smoke_results)
    fig = FIGURES[stem](results)
    text = footer(fig)
    manifest = json.loads((smoke_results / "manifest.json").read_text())
    for part in ("'smoke'", manifest["config_hash"][:12], "3 replicates", manifest["started_utc"][:10]):
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
        ranked = [t.get_text() for t in ax.get_yticklabels()]
        assert ranked == [B, A, "awareness.p_word_of_mouth"], f"{ax.get_title(loc='left')}: ranking {ranked}"
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
