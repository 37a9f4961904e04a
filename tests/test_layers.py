"""The package's rooms import one way: core < inputs < sim < experiments < present < analysis < explore < the top.

Every import is read with `ast`, those inside functions included, so a cycle
cannot hide behind a late import.
"""

import ast
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`)

PACKAGE = REPO / "model"
# A room may import its own rank and those below; the top files (api, cli, __init__) may import anything.
RANKS = {"core": 0, "inputs": 1, "sim": 2, "experiments": 3, "present": 4, "analysis": 5, "explore": 6}
TOP = max(RANKS.values()) + 1


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    parts = module.split(".")
    return RANKS.get(parts[1], TOP) if len(parts) > 1 else TOP


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Modules of the package that the file imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m in modules}


def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    edges = {module_name(p): imports_of(p, modules) for p in files}
    # edges to a package a module sits in (its __init__ only hands names on) are not imports of interest
    return {m: {t for t in ts if t != m and not m.startswith(t + ".")} for m, ts in edges.items()}


def test_every_room_is_a_known_layer():
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms <= set(RANKS), f"subpackages without a layer in RANKS: {sorted(rooms - set(RANKS))}"


def test_no_import_points_up():
    upward = [
        f"{src} (rank {rank(src)}) imports {dst} (rank {rank(dst)})"
        for src, targets in graph().items()
        for dst in targets
        if rank(dst) > rank(src)
    ]
    assert not upward, "imports that point up a layer:\n" + "\n".join(sorted(upward))


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_a_late_upward_import(tmp_path):
    """The walk reads imports inside functions (as a cycle hidden that way is what it must catch)."""
    f = tmp_path / "late.py"
    f.write_text("def f():\n    from model.present.report import write_report\n")
    assert imports_of(f, {"model.present.report"}) == {"model.present.report"}
