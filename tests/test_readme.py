"""Nothing the README shows is untested: every command in its shell blocks, and its Python example, run here from a
fresh-clone layout (the repository's files copied to a new folder: no .venv, no results/).

Quick commands run as written (on tiny results folders named as the README names them); long ones by their
dry-run (`make -n`) and the `disengage check` of each experiment they would run; a command with placeholders
(DIR, EXPERIMENT.yaml) runs on a tiny folder or experiment. A command added to the README without a way to test
it here fails `test_every_command_in_the_readme_is_tested`.
"""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.cli import finished_line, main

from .conftest import REPO, run_tables, write_experiment

README = (REPO / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.M | re.S)
SHELL = ("", "sh", "shell", "bash", "console")
TINY = {"months": 24, "scale": 0.01, "replicates": 2}  # a few seconds a folder


def readme_commands() -> list[str]:
    """Each command line of the README's shell blocks, its trailing comment removed, in order."""
    out = []
    for lang, body in FENCE.findall(README):
        if lang in SHELL:
            for line in body.splitlines():
                cmd = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
                if cmd and not cmd.startswith("#"):
                    out.append(cmd)
    return out


MAKE = re.compile(r"^make ([a-z-]+)$")
# commands with placeholders, each tested here on a tiny experiment or folder (see test_placeholder_commands)
PLACEHOLDERS = {
    "disengage run EXPERIMENT.yaml [--workers N] [--executor local|dask] [--scheduler ADDRESS] [--force-new]",
    "disengage status DIR",
    "disengage sensitivity DIR",
}
AS_WRITTEN = {  # run as written, in the fresh layout, on tiny folders named as the README names them
    "git clone <this repository> disengage && cd disengage",
    "source .venv/bin/activate",
    "disengage run experiments/headline.yaml --set network.degree=20 --set replicates=4 --out results/what_if",
    "disengage compare results/headline results/what_if",
    "disengage reproduce results/headline",
}


def test_every_command_in_the_readme_is_tested():
    commands = readme_commands()
    assert len(commands) >= 10, f"the README's shell blocks were not found: {commands}"
    untested = [c for c in commands if not MAKE.match(c) and c not in PLACEHOLDERS | AS_WRITTEN]
    assert not untested, f"README commands no test runs (add them to tests/test_readme.py): {untested}"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The repository as a fresh clone has it: tracked files and new ones not ignored, nothing git ignores."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO, capture_output=True,
        check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    root = tmp_path_factory.mktemp("clone") / "disengage"
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / name)
    assert not (root / ".venv").exists() and not (root / "results").exists()
    return root


@pytest.fixture(scope="module")
def folders(fresh, tmp_path_factory) -> dict[str, Path]:
    """results/headline and results/what_if in the fresh layout: a tiny experiment named headline, and the same
    with the README's --set (shared seeds, as the README's what-if has)."""
    exp = write_experiment(tmp_path_factory.mktemp("tiny"), name="headline", **TINY)
    headline = run_tables(exp, fresh / "results" / "headline")
    what_if = run_tables(exp, fresh / "results" / "what_if", sets=["network.degree=20"])
    return {"headline": headline, "what_if": what_if}


def dry_run(fresh: Path, target: str) -> list[str]:
    """`make -n TARGET` in the fresh layout: the commands it would run (exit 0 required)."""
    proc = subprocess.run(["make", "-n", target], cwd=fresh, capture_output=True, text=True)
    assert proc.returncode == 0, f"make -n {target}: {proc.stderr[-500:]}"
    return proc.stdout.splitlines()


@pytest.mark.parametrize("target", sorted({m.group(1) for c in readme_commands() if (m := MAKE.match(c))}))
def test_make_targets_dry_run_and_check_what_they_would_run(fresh, target, monkeypatch, capsys):
    lines = dry_run(fresh, target)
    monkeypatch.chdir(fresh)
    runs = [line for line in lines if ".venv/bin/disengage run " in line]
    for line in runs:
        args = shlex.split(line.split(".venv/bin/disengage run ", 1)[1])
        experiment = args[0]
        assert main(["check", experiment, "--workers", "1"]) == 0, f"make {target}: {capsys.readouterr().err}"
    checks = [line for line in lines if ".venv/bin/disengage check " in line]
    for line in checks:  # `make check` is quick: run it as written
        files = [str(p.relative_to(fresh)) for pat in shlex.split(line)[2:] for p in sorted(fresh.glob(pat))]
        assert len(files) > 10 and main(["check", *files]) == 0, capsys.readouterr().err
    for line in lines:  # files a target reads exist in a fresh clone
        for word in shlex.split(line.replace(";", " ")) if "tests/data/" in line else []:
            if word.startswith("tests/data/"):
                assert (fresh / word).is_file(), f"make {target} reads {word}, not in a fresh clone"
    assert runs or checks or target in ("test",), f"make {target} runs nothing the test can check: {lines}"


def test_make_test_runs_ruff_and_pytest(fresh):
    lines = "\n".join(dry_run(fresh, "test"))
    assert "ruff check model tests benchmarks tools" in lines and "-m pytest" in lines, lines


def test_make_puts_disengage_in_the_venv_the_readme_activates(fresh):
    """`source .venv/bin/activate` then `disengage`: make's venv is .venv and the package installs `disengage`."""
    assert re.search(r"^VENV := \.venv$", (fresh / "Makefile").read_text(), re.M)
    assert 'disengage = "model.cli:main"' in (fresh / "pyproject.toml").read_text()
    assert (Path(sys.executable).parent / "activate").is_file(), "venv's activate script missing"
    assert (Path(sys.executable).parent / "disengage").is_file(), "the installed disengage command is missing"


def test_the_what_if_command_is_checked_as_run_would_and_run_gets_its_options(fresh, monkeypatch, capsys):
    cmd = next(c for c in AS_WRITTEN if c.startswith("disengage run"))
    args = shlex.split(cmd)[1:]
    monkeypatch.chdir(fresh)
    sets = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    assert main(["check", "experiments/headline.yaml", "--workers", "1", *[x for s in sets for x in ("--set", s)]]) == 0
    capsys.readouterr()
    called = {}
    monkeypatch.setattr("model.api.run_experiment", lambda path, out, driver, **kw: called.update(kw, path=path,
                        out=out) or Path(out))  # fmt: skip
    assert main(args) == 0
    assert called["path"] == "experiments/headline.yaml" and called["out"] == "results/what_if"
    assert called["sets"] == ["network.degree=20", "replicates=4"], called


def test_compare_and_reproduce_as_written(fresh, folders, monkeypatch, capsys):
    monkeypatch.chdir(fresh)
    for cmd in ("disengage compare results/headline results/what_if", "disengage reproduce results/headline"):
        assert cmd in AS_WRITTEN
        code = main(shlex.split(cmd)[1:] + (["--quiet"] if "reproduce" in cmd else []))
        out = capsys.readouterr()
        assert code == 0, f"{cmd}: exit {code}\n{out.out[-600:]}\n{out.err[-600:]}"
    named = re.search(r"`(results/compare_[a-z_]+\.csv)`", README).group(1)
    wrote = sorted(p.name for p in (fresh / "results").glob("*.csv"))
    assert (fresh / named).is_file(), f"the README names {named}; compare wrote {wrote}"


def test_run_ends_by_naming_the_report_as_the_readme_shows(fresh, folders, monkeypatch):
    shown = next(body for lang, body in FENCE.findall(README) if body.startswith("results written to")).strip()
    monkeypatch.chdir(fresh)
    assert finished_line(Path("results/headline")) == "results written to results/headline"  # no report drawn
    (folders["headline"] / "report.html").write_text("<html></html>", encoding="utf-8")
    assert finished_line(Path("results/headline")) == shown


def test_placeholder_commands(fresh, folders, tmp_path, monkeypatch, capsys, no_figures):
    monkeypatch.chdir(fresh)
    assert main(["status", "results/headline"]) == 0 and "runs" in capsys.readouterr().out
    exp = write_experiment(tmp_path, name="placeholder", **TINY)
    assert main(["run", str(exp), "--workers", "1", "--executor", "local", "--force-new", "--quiet", "--out",
                 str(tmp_path / "p")]) == 0  # fmt: skip
    capsys.readouterr()
    # `disengage sensitivity DIR` needs a Sobol or Morris design: tests/test_design.py runs it on one (and on a
    # folder without); here, that it answers a plain folder with one line and exit 2
    assert main(["sensitivity", "results/headline"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    # `--executor dask --scheduler ADDRESS`: tests/test_sweep.py runs a Dask LocalCluster by its address


def test_the_python_example_runs_and_writes_where_git_ignores(fresh, smoke_results, monkeypatch):
    """The README's Python block, with its sizes made smaller (scale and months only: the calls are the same).

    Its smoke experiment finds the session's smoke runs already stored in the folder it names (a copy of the
    smoke_results fixture), so it resumes them and writes the tables: the same call, without 15 runs again."""
    code = next(body for lang, body in FENCE.findall(README) if lang == "python")
    smaller = {"scale=0.1, seed=1, months=120, burn_in_months=60": "scale=0.01, seed=1, months=24, burn_in_months=12",
               "scale=0.05, policy=": "scale=0.005, policy=", "months=60, burn_in_months=12, rng=1":
               "months=18, burn_in_months=6, rng=1"}  # fmt: skip
    for old, new in smaller.items():
        assert old in code, f"the README's Python example changed ({old!r} gone): update this test"
        code = code.replace(old, new)
    written = re.search(r'run_experiment\("experiments/smoke.yaml", "([^"]+)"\)', code).group(1)
    shutil.copytree(smoke_results, fresh / written)
    (fresh / written / "effects.csv").unlink()
    monkeypatch.chdir(fresh)
    monkeypatch.setattr("model.api.figures_and_report", lambda folder, manifest=None: [])  # drawn elsewhere
    exec(compile(code, "README.md", "exec"), {})
    assert (fresh / written / "effects.csv").read_bytes() == (smoke_results / "effects.csv").read_bytes()
    git = shutil.which("git")
    subprocess.run([git, "init", "-q"], cwd=fresh, check=True)
    ignored = subprocess.run([git, "check-ignore", "-q", f"{written}/effects.csv"], cwd=fresh)
    assert ignored.returncode == 0, f"{written} is not covered by .gitignore"
