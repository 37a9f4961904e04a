"""A results folder touches only what it wrote: links, --force-new, look-alike folders and files in the way.

Every case puts a user's files outside (or inside) the folder, runs `disengage run` as a careless user would,
and asserts the user's files are byte for byte as they were. Runs are one replicate of a tiny experiment,
and figures are a stand-in (one PNG and the report) so each case takes seconds.
"""

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from model.cli import main
from model.experiments import runner
from model.experiments.folder import MARKER, STORE

from .conftest import write_experiment

TABLES = ("runs.csv", "timeseries.csv", "effects.csv")


def fake_figures(stage, manifest=None):
    """Stand-in for the figures and report: files at the names the project draws, in a second, not minutes."""
    stage = Path(stage)
    (stage / "figures").mkdir(exist_ok=True)
    (stage / "figures" / "headline.png").write_bytes(b"a headline figure")
    (stage / "report.html").write_text("<html>report</html>", encoding="utf-8")
    return [stage / "figures" / "headline.png", stage / "report.html"]


@pytest.fixture(autouse=True)
def quick_figures(monkeypatch):
    monkeypatch.setattr("model.api.figures_and_report", fake_figures)


def hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (links not followed), by relative path."""
    out = {}
    for here, _, files in os.walk(root):
        for name in files:
            p = Path(here) / name
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run(capsys, exp, out, *flags):
    code = main(["run", str(exp), "--out", str(out), "--quiet", "--workers", "1", *flags])
    return code, capsys.readouterr().err.strip()


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One finished results folder (copied by each case) and its tables."""
    folder = tmp_path_factory.mktemp("hostile")
    exp = write_experiment(folder, months=24, replicates=1)
    out = runner.run_experiment(exp, folder / "res", finish=fake_figures)
    return exp, out


@pytest.fixture
def res(finished, tmp_path):
    """A copy of the finished folder, the experiment, and a user's folder `paper` beside it."""
    exp, out = finished
    dst = tmp_path / "res"
    shutil.copytree(out, dst, symlinks=True)
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "mine.svg").write_text("mine", encoding="utf-8")
    (paper / "headline.png").write_text("my own headline", encoding="utf-8")
    (paper / "runs.csv").write_text("my,own\n1,2\n", encoding="utf-8")
    (paper / "thesis.tex").write_text("years of work", encoding="utf-8")
    return exp, dst, paper


def refused_by_link(code, err):
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "symbolic link" in err, err


@pytest.mark.parametrize("flags", [(), ("--force-new",)])
@pytest.mark.parametrize("where", ["figures", f"{STORE}/runs", f"{STORE}/quarantine", ".tables.partial", "runs.csv",
                                   f"{STORE}/lock", f"{STORE}/config.json"])  # fmt: skip
def test_a_link_inside_is_refused_and_followed_nowhere(capsys, res, where, flags):
    exp, out, paper = res
    target = paper / "runs.csv" if where in ("runs.csv", f"{STORE}/lock", f"{STORE}/config.json") else paper
    if where == f"{STORE}/runs":
        for p in sorted((out / where).glob("*.parquet")):
            shutil.copy(p, paper / p.name)  # the user's copies of run files, which --force-new must not touch
    before, inside = hashes(paper), hashes(out)
    victim = out / where
    if victim.is_dir():
        shutil.rmtree(victim)
    else:
        victim.unlink(missing_ok=True)
    victim.symlink_to(target)
    code, err = run(capsys, exp, out, *flags)
    refused_by_link(code, err)
    assert hashes(paper) == before, "a file outside the results folder was changed"
    assert {k: v for k, v in hashes(out).items() if not k.startswith(where)} == {
        k: v for k, v in inside.items() if not k.startswith(where)
    }, "the refused folder was changed"


def test_figures_command_follows_no_link(capsys, res):
    _, out, paper = res
    before = hashes(paper)
    shutil.rmtree(out / "figures")
    (out / "figures").symlink_to(paper)
    code = main(["figures", str(out)])
    refused_by_link(code, capsys.readouterr().err.strip())
    assert hashes(paper) == before


def test_force_new_removes_only_what_the_record_proves(capsys, res):
    exp, out, _ = res
    tables = {name: (out / name).read_bytes() for name in TABLES}
    (out / "figures" / "my_plot.png").write_bytes(b"my plot")  # a user's file under a name the project uses
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, err = run(capsys, exp, out, "--force-new")
    assert code == 0, err
    assert "--force-new left 2 files it did not write" in err and "figures/my_plot.png" in err, err
    assert (out / "figures" / "my_plot.png").read_bytes() == b"my plot"
    assert (out / "notes.txt").read_text() == "mine"
    assert {name: (out / name).read_bytes() for name in TABLES} == tables, "the re-run tables differ"


def test_an_edited_file_in_the_way_is_not_replaced(capsys, res):
    exp, out, _ = res
    (out / "figures" / "headline.png").write_bytes(b"the user's own figure")
    (out / TABLES[0]).unlink()  # a table to write again, so the resume publishes
    code, err = run(capsys, exp, out)
    assert code == 2 and len(err.splitlines()) == 1 and "headline.png" in err and "move it away" in err, err
    assert (out / "figures" / "headline.png").read_bytes() == b"the user's own figure"
    (out / "figures" / "headline.png").unlink()
    code, err = run(capsys, exp, out)
    assert code == 0 and (out / TABLES[0]).exists(), err


@pytest.mark.parametrize("flags", [(), ("--force-new",)])
def test_an_empty_lock_file_does_not_make_a_results_folder(capsys, finished, tmp_path, flags):
    exp, _ = finished
    mine = tmp_path / "mine"
    (mine / STORE).mkdir(parents=True)
    (mine / STORE / "lock").touch()
    (mine / "figures").mkdir()
    (mine / "figures" / "holiday.png").write_bytes(b"holiday")
    (mine / "runs.csv").write_text("my,own\n", encoding="utf-8")
    before = hashes(mine)
    code, err = run(capsys, exp, mine, *flags)
    assert code == 2 and len(err.splitlines()) == 1 and "a results folder of this project" in err, err
    assert hashes(mine) == before and sorted(p.name for p in mine.iterdir()) == ["figures", "runs.csv", STORE]


def test_a_folder_made_before_the_marker_is_adopted(capsys, res):
    exp, out, _ = res
    (out / STORE / MARKER).unlink()  # as a folder written by an earlier version
    code, err = run(capsys, exp, out)
    assert code == 0, err
    assert (out / STORE / MARKER).is_file()
