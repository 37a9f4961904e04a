"""docs/CONTRIBUTING.md cannot drift: its two walks (add a parameter, add a rule) are performed on a scratch copy
of the repository, edit by edit as the page writes them, and the fast checks pass on the result.

Each edit on the page follows a `<!-- walk: FILE | before|after|replace | ANCHOR -->` line (or `| append`), the
code block under it being what goes in; `<!-- walk: run -->` blocks are commands run in the copy.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

WALK = re.compile(r"<!-- walk: (.*?) -->\n```\w*\n(.*?)```", re.S)
COPIED = ("model", "params", "tests", "docs", "experiments", "pyproject.toml", "README.md")


def steps(page: str) -> list[tuple[list[str], str]]:
    """The page's walk steps in order: (directive parts, block)."""
    return [([p.strip() for p in head.split(" | ", 2)], block) for head, block in WALK.findall(page)]


def target(root: Path, pattern: str, anchor: str) -> Path:
    """The one file matching `pattern` whose text holds `anchor`."""
    hits = [p for p in sorted(root.glob(pattern)) if anchor in p.read_text(encoding="utf-8")]
    assert len(hits) == 1, f"docs/CONTRIBUTING.md: {anchor!r} should be in exactly one of {pattern}, found {hits}"
    return hits[0]


def apply(root: Path, parts: list[str], block: str) -> None:
    """One edit of the walk, refusing an anchor that is missing or not unique."""
    pattern, op = parts[0], parts[1]
    if op == "append":
        path = root / pattern
        path.write_text(path.read_text(encoding="utf-8") + block, encoding="utf-8")
        return
    anchor = parts[2]
    path = target(root, pattern, anchor)
    text = path.read_text(encoding="utf-8")
    assert text.count(anchor) == 1, f"docs/CONTRIBUTING.md: {anchor!r} appears more than once in {path}"
    if op == "replace":
        text = text.replace(anchor, block.rstrip("\n"))
    else:
        lines = text.splitlines(keepends=True)
        (i,) = [i for i, line in enumerate(lines) if anchor in line]
        lines.insert(i + 1 if op == "after" else i, block)
        text = "".join(lines)
    path.write_text(text, encoding="utf-8")


def run(root: Path, command: str) -> None:
    """A command of the page, in the copy, with the copy's package first on the path."""
    env = {**os.environ, "PYTHONPATH": str(root), "NUMBA_CACHE_DIR": str(root / ".numba")}
    command = command.replace("disengage ", f"{sys.executable} -m model.cli ", 1)
    command = command.replace("python ", f"{sys.executable} ", 1) if command.startswith("python ") else command
    done = subprocess.run(command, shell=True, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"docs/CONTRIBUTING.md: `{command}` failed:\n{done.stdout}\n{done.stderr}"


def test_the_contributing_walks_work_on_a_scratch_copy(tmp_path):
    root = tmp_path / "repo"
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "results"))
        else:
            shutil.copy2(src, root / name)
    walk = steps((REPO / "docs" / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    assert sum(p[0] != "run" for p, _ in walk) >= 6, "the walks' edits were not found on the page"
    for parts, block in walk:
        if parts[0] == "run":
            run(root, block.strip())
        else:
            apply(root, parts, block)
    # the new parameter is everywhere the registry generates it: a column, an index, the schema, the table
    check = (
        "from model.core import layout; from model.inputs.params import load_parameters, to_arrays; "
        "from model.inputs.paths import DEFAULT_PARAMS_DIR; import model; "
        f"assert model.__file__.startswith({str(root)!r}), model.__file__; "
        "p = load_parameters(DEFAULT_PARAMS_DIR); P, _ = to_arrays(p, 1.8); "
        "assert P[layout.P_SHIFT_ARRIVED] == p.value('contacts.shift_arrived') == 0.0"
    )
    run(root, f'python -c "{check}"')
    checks = "tests/test_layout.py tests/test_layers.py tests/test_docs.py::test_odd_parameter_table_matches_params"
    run(root, f"python -m pytest -q -p no:cacheprovider {checks}")
    run(root, f"{Path(sys.executable).parent / 'ruff'} check model tests")
