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


# Operating-system errors: one line naming the path and what to do, exit 2, what was stored kept


def one_line_exit_2(code, err, *words):
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, f"exit {code}: {err}"
    assert all(w in err for w in words), err


def test_out_under_a_file_and_a_name_too_long(capsys, finished, tmp_path):
    exp, _ = finished
    (tmp_path / "a_file").write_text("mine", encoding="utf-8")
    one_line_exit_2(*run(capsys, exp, tmp_path / "a_file" / "res"), "a_file", "is a file, not a folder")
    one_line_exit_2(*run(capsys, exp, tmp_path / ("x" * 300)), "too long", "choose a shorter one")
    assert (tmp_path / "a_file").read_text() == "mine"


def test_a_lock_that_is_a_folder(capsys, res):
    exp, out, _ = res
    (out / STORE / "lock").unlink()
    (out / STORE / "lock").mkdir()
    one_line_exit_2(*run(capsys, exp, out), "lock")


def test_a_full_disk_by_injection_keeps_the_store(capsys, monkeypatch, finished, tmp_path):
    """Where tmpfs cannot be mounted (CI): the first run file written meets ENOSPC."""
    import errno

    exp, reference = finished
    out = tmp_path / "res"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr("model.experiments.store.pq.write_table", full)
        one_line_exit_2(*run(capsys, exp, out), "the disk is full", "what was stored is kept")
    assert (out / STORE / MARKER).is_file() and not list((out / STORE / "runs").glob(".*"))
    code, err = run(capsys, exp, out)
    assert code == 0, err
    assert all((out / t).read_bytes() == (reference / t).read_bytes() for t in TABLES)


@pytest.fixture
def tmpfs(tmp_path):
    """A tiny tmpfs at tmp_path/disk (root on Linux); the test is skipped where mounting is not allowed."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40k", "tmpfs", str(disk)],
                                                      capture_output=True).returncode != 0:  # fmt: skip
        pytest.skip("tmpfs cannot be mounted here (not root, or a container without mount rights)")

    def remount(options):
        subprocess.run(["mount", "-o", f"remount,{options}", str(disk)], check=True, capture_output=True)

    yield disk, remount
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_full_disk_then_a_resume_gives_the_same_tables(capsys, finished, tmpfs):
    exp, reference = finished
    disk, remount = tmpfs
    out = disk / "res"
    one_line_exit_2(*run(capsys, exp, out), "the disk is full", "free some space")
    remount("size=20m")
    code, err = run(capsys, exp, out)
    assert code == 0, err
    assert all((out / t).read_bytes() == (reference / t).read_bytes() for t in TABLES), "tables differ after resume"


def test_a_read_only_file_system(capsys, finished, tmpfs):
    exp, reference = finished
    disk, remount = tmpfs
    remount("size=20m")
    shutil.copytree(reference, disk / "done")
    remount("ro")
    before = hashes(disk)
    one_line_exit_2(*run(capsys, exp, disk / "new"), "read-only", "choose a folder on a writable disk")
    code, err = run(capsys, exp, disk / "done", "--force-new")
    one_line_exit_2(code, err, "read-only")
    assert hashes(disk) == before


@pytest.mark.parametrize("errno_name", ["EACCES", "EROFS", "ENOSPC", "ENOTDIR", "EISDIR", "ENAMETOOLONG", "EDQUOT"])
def test_every_os_error_is_one_line_with_its_path_and_what_to_do(errno_name):
    import errno

    from model.cli import OS_ADVICE, os_error_line

    code = getattr(errno, errno_name)
    line = os_error_line(OSError(code, os.strerror(code), "/some/where"), None)
    assert line.startswith("/some/where: ") and OS_ADVICE[code] in line and "\n" not in line, line


# Damaged tables, Ctrl-C while drawing


@pytest.mark.parametrize("damage", ["manifest holds 5", "timeseries cut short"])
def test_figures_of_a_damaged_folder_is_one_line(capsys, res, damage):
    _, out, _ = res
    if damage == "manifest holds 5":
        (out / "manifest.json").write_text("5\n", encoding="utf-8")
    else:
        text = (out / "timeseries.csv").read_bytes()
        (out / "timeseries.csv").write_bytes(text[: len(text) // 2])
    before = hashes(out)
    code = main(["figures", str(out)])
    err = capsys.readouterr().err.strip()
    name = "manifest.json" if damage == "manifest holds 5" else "timeseries.csv"
    one_line_exit_2(code, err, f"{out / name}")
    assert hashes(out) == before and not [p for p in out.iterdir() if p.name.startswith(".tables")]


def test_ctrl_c_while_drawing_exits_130_and_publishes_nothing(capsys, monkeypatch, res):
    import signal

    exp, out, _ = res
    (out / "runs.csv").unlink()

    def interrupted_drawing(stage, manifest=None):
        os.kill(os.getpid(), signal.SIGINT)  # as a user pressing Ctrl-C while matplotlib draws
        return fake_figures(stage, manifest)

    monkeypatch.setattr("model.api.figures_and_report", interrupted_drawing)
    code, err = run(capsys, exp, out)
    assert code == 130 and "interrupted" in err, f"exit {code}: {err}"
    assert not (out / "runs.csv").exists() and not [p for p in out.iterdir() if p.name.startswith(".tables")]
    monkeypatch.setattr("model.api.figures_and_report", fake_figures)
    assert run(capsys, exp, out)[0] == 0 and (out / "runs.csv").exists()


def test_control_characters_never_reach_the_report_raw():
    from model.present.report import esc

    assert esc("before\x00after\x1b<b>") == "before\\x00after\\x1b&lt;b&gt;"
