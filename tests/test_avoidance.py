"""The avoidance figure: its CSV is the saved time series, its caption's numbers are read from it, the report shows it.

A tiny run of the Bill, the Bill repealed after three years and the status quo (a sliver of Wigan, two
replicates, long enough to see two years past the repeal) is made once per module; every number checked
here is recomputed from its timeseries.csv with the csv module, not through the code under test.
"""

import csv
import re
import shutil
from html import unescape

import matplotlib.pyplot as plt
import numpy as np
import pytest

from model.present.figure_data import AVOIDANCE_SEGMENTS, avoidance_rows
from model.present.figures import CAPTIONS, FIGURES, avoidance, draw_figures
from model.present.headlines import avoidance_sentence, percent
from model.present.report import write_report
from model.present.results_folder import Results
from model.present.words import SEGMENT_PHRASES

from .conftest import write_experiment
from .csv_edit import edit_rows

BILL, REPEALED = "national_sui_mandate", "national_mandate_repealed"
BURN_IN, REPEAL, LATER = 12, 36, 60  # policy months: the repeal, and two years after it
EXPOSED = "insecure_immigration"


@pytest.fixture(scope="module")
def repeal_results(tmp_path_factory):
    """Baseline, the Bill and the Bill repealed, on a sliver of Wigan, 61 policy months (figures and report drawn)."""
    from model import run_experiment

    folder = tmp_path_factory.mktemp("repeal")
    exp = write_experiment(
        folder,
        name="repeal",
        scale=0.02,
        months=BURN_IN + LATER + 1,
        burn_in_months=BURN_IN,
        scenarios=["baseline", BILL, REPEALED],
        replicates=2,
    )
    return run_experiment(exp, folder / "out")


def saved_series(folder, scenario: str, column: str) -> dict[int, float]:
    """Month -> mean over replicates of a timeseries.csv column, read with the csv module."""
    per_month: dict[int, list[float]] = {}
    with (folder / "timeseries.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["scenario"] == scenario:
                per_month.setdefault(int(r["month"]), []).append(float(r[column]))
    return {m: float(np.mean(v)) for m, v in per_month.items()}


def figure_rows(folder) -> list[dict]:
    with (folder / "figures" / "avoidance.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_figure_and_its_csv_are_written_beside_the_others(repeal_results):
    for suffix in ("png", "svg", "csv"):
        assert (repeal_results / "figures" / f"avoidance.{suffix}").is_file(), f"avoidance.{suffix} not written"
    assert "avoidance" in FIGURES and "avoidance" in CAPTIONS


def test_the_csv_is_the_mean_over_replicates_of_the_saved_time_series(repeal_results):
    rows = figure_rows(repeal_results)
    checked = 0
    for panel, scenario, segment, column in (
        ("by_group", BILL, EXPOSED, f"avoiding_share__{EXPOSED}"),
        ("by_group", BILL, "general", "avoiding_share__general"),
        ("after_repeal", REPEALED, EXPOSED, f"avoiding_share__{EXPOSED}"),
        ("after_repeal", REPEALED, "all", "avoiding_share"),
        ("after_repeal", BILL, "all", "avoiding_share"),
    ):
        expected = saved_series(repeal_results, scenario, column)
        key = (panel, scenario, segment)
        mine = {int(r["month"]): r for r in rows if (r["panel"], r["scenario"], r["segment"]) == key}
        assert set(mine) == set(expected), f"{panel} {scenario} {segment}: months differ"
        for month, value in expected.items():
            got = float(mine[month]["avoiding_share_mean"])
            assert got == pytest.approx(value, abs=1e-12), f"{panel} {scenario} {segment} month {month}"
            checked += 1
    assert checked > 300
    groups = {r["segment"] for r in rows if r["panel"] == "by_group"}
    assert groups == set(AVOIDANCE_SEGMENTS), groups
    at_repeal = saved_series(repeal_results, REPEALED, "avoiding_share")[BURN_IN + REPEAL]
    assert at_repeal > 0, "nobody avoids at the repeal: the run is too small to test anything"


def test_the_drawn_lines_and_repeal_mark_are_the_csv(repeal_results):
    results = Results(repeal_results)
    fig = avoidance(results)
    groups, exposed, everyone = fig.axes[:3]
    drawn = {ln.get_gid() for ln in groups.get_lines()} & set(AVOIDANCE_SEGMENTS)
    assert drawn == set(AVOIDANCE_SEGMENTS), drawn
    for ax in (exposed, everyone):
        (repeal,) = [ln for ln in ax.get_lines() if ln.get_gid() == "repeal"]
        assert repeal.get_xdata()[0] == pytest.approx(REPEAL / 12), "repeal not marked at the repealed flows' end"
    (line,) = [ln for ln in exposed.get_lines() if ln.get_gid() == REPEALED]
    expected = saved_series(repeal_results, REPEALED, f"avoiding_share__{EXPOSED}")[BURN_IN + LATER]
    assert line.get_xdata()[-1] == pytest.approx(LATER / 12) and line.get_ydata()[-1] == pytest.approx(100 * expected)
    start = line.get_xdata()[0]
    assert REPEAL / 12 - 0.1 < start <= REPEAL / 12, f"the repealed line starts at {start}, not at the repeal"
    plt.close(fig)


def test_the_caption_states_the_numbers_of_the_saved_series(repeal_results):
    results = Results(repeal_results)
    sentence = avoidance_sentence(results)
    peaks = {
        seg: max(v for m, v in saved_series(repeal_results, BILL, f"avoiding_share__{seg}").items() if m >= BURN_IN)
        for seg in AVOIDANCE_SEGMENTS
    }
    top = max(peaks, key=peaks.get)
    assert f"up to {percent(peaks[top])} of {SEGMENT_PHRASES[top]} avoid" in sentence, (sentence, peaks)
    repealed = saved_series(repeal_results, REPEALED, f"avoiding_share__{EXPOSED}")
    at, later = repealed[BURN_IN + REPEAL], repealed[BURN_IN + LATER]
    assert f"{percent(at)} of" in sentence and f"avoid at the repeal and {percent(later)} two years on" in sentence
    assert "repealed after three years" in sentence, sentence


def test_the_caption_follows_the_data_when_the_data_change(repeal_results, tmp_path):
    """Set the exposed group's share under the Bill to 0.4321 in one month: the caption's peak must say so."""
    copy = shutil.copytree(repeal_results, tmp_path / "edited")
    column = f"avoiding_share__{EXPOSED}"

    def peak(r: dict[str, str]) -> dict[str, str] | None:
        return {**r, column: "0.4321"} if r["scenario"] == BILL and int(r["month"]) == BURN_IN + 20 else None

    assert edit_rows(copy / "timeseries.csv", peak) == 2, "one month of each of the two replicates"
    sentence = avoidance_sentence(Results(copy))
    assert f"up to 43.2% of {SEGMENT_PHRASES[EXPOSED]}" in sentence, sentence
    header_, rows_ = avoidance_rows(Results(copy))
    peak = [r for r in rows_ if r[0] == "by_group" and r[3] == EXPOSED and r[5] == BURN_IN + 20]
    assert peak and peak[0][header_.index("avoiding_share_mean")] == pytest.approx(0.4321)


def test_the_report_shows_the_figure_with_its_caption(repeal_results):
    page = (repeal_results / "report.html").read_text(encoding="utf-8")
    figure = page.split('<figure id="figure-avoidance">', 1)
    assert len(figure) == 2, "the report does not embed the avoidance figure"
    caption = unescape(re.sub(r"<[^>]+>", "", figure[1].split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]))
    assert caption.startswith(avoidance_sentence(Results(repeal_results))), caption
    assert "figures/avoidance.csv" in caption


def test_without_a_repeal_the_figure_has_the_groups_alone_and_without_the_outcome_none(smoke_results, tmp_path):
    results = Results(smoke_results)
    fig = avoidance(results)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 1, "repeal panels drawn without a repealed scenario"
    plt.close(fig)
    assert {r[0] for r in avoidance_rows(results)[1]} == {"by_group"}
    assert "repeal" not in avoidance_sentence(results)
    copy = shutil.copytree(smoke_results, tmp_path / "old")
    path = copy / "timeseries.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    keep = [j for j, c in enumerate(table[0]) if not c.startswith("avoiding_share")]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([[r[j] for j in keep] for r in table])
    shutil.rmtree(copy / "figures")
    written = {p.name for p in draw_figures(copy)}
    assert "avoidance.png" not in written and "headline.png" in written, written
    write_report(copy)
    assert 'id="figure-avoidance"' not in (copy / "report.html").read_text(encoding="utf-8")


def test_avoidance_labels_sit_inside_their_panel_and_clear_of_the_lines_they_annotate(repeal_results):
    """Each value written on the avoidance figure lies wholly inside its panel and covers no point of any line
    (the measure the who-loses notes are held to, tests/test_figures.py)."""
    from model.present.figures import LABEL_GID, text_box

    from .test_figures import inside, points_under

    fig = avoidance(Results(repeal_results))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = 0
    for ax in fig.axes:
        panel = ax.get_window_extent(renderer)
        data = [ln for ln in ax.get_lines() if ln.get_gid() in (BILL, REPEALED, *AVOIDANCE_SEGMENTS)]
        for t in ax.texts:
            if t.get_gid() != LABEL_GID:
                continue
            labels += 1
            box = text_box(t, renderer)  # the words; the arrow from them ends at the dot they annotate
            assert inside(box, panel), f"{t.get_text()!r} runs off its panel: {box} outside {panel}"
            covered = {ln.get_gid(): points_under(box, ax, ln) for ln in data}
            assert not any(covered.values()), f"{t.get_text()!r} covers points of the lines {covered}"
    assert labels == 4, f"{labels} value labels, expected 2 on each of the two repeal panels"
    plt.close(fig)
