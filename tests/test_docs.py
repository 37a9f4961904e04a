"""The documentation says what the code does: the ODD parameter table is the one params/ generates."""

import pytest

from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present import paramtable

from .conftest import REPO

pytestmark = pytest.mark.fast  # the fast tier (`make test-fast`)


def test_odd_parameter_table_matches_params():
    from model.inputs.params import load_parameters

    params = load_parameters(DEFAULT_PARAMS_DIR)
    odd = (REPO / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert paramtable.with_table(odd, params) == odd, (
        "docs/ODD.md's parameter table is out of date with params/: run `disengage params-table`"
    )
    for path in params.entries:
        assert f"`{path}`" in odd, f"{path} missing from the ODD table"


def test_readme_file_map_names_real_files():
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    file_map = readme.split("\n## Files\n", 1)[1]
    names = re.findall(r"^\| `([^`]+)` \|", file_map, re.M)
    assert len(names) > 10, "the README's file map is missing"
    for name in names:
        assert (REPO / name.rstrip("/")).exists(), f"README lists {name}, which does not exist"


def test_readme_file_map_lists_every_module_of_every_room():
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    file_map = readme.split("\n## Files\n", 1)[1]
    for room in sorted(p for p in (REPO / "model").iterdir() if (p / "__init__.py").exists()):
        row = re.search(rf"^\| `model/{room.name}/` \|(.*)$", file_map, re.M)
        assert row, f"README's file map has no row for model/{room.name}/"
        listed = set(re.findall(r"`([a-z_]+\.py)`", row.group(1)))
        present = {p.name for p in room.glob("*.py")} - {"__init__.py"}
        assert listed == present, (
            f"model/{room.name}/: README lists {sorted(listed - present)} that do not exist "
            f"and leaves out {sorted(present - listed)}"
        )


def test_every_evidence_section_cited_is_in_docs_evidence():
    """params/, docs/ODD.md and the code cite "EVIDENCE.md section N": docs/EVIDENCE.md must hold each section."""
    import re

    evidence = (REPO / "docs" / "EVIDENCE.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", evidence, re.M))
    assert "Origin" in evidence.split("\n# ", 1)[0], "docs/EVIDENCE.md should say where it was copied from"
    cited = {}
    files = [*(REPO / "params").rglob("*.yaml"), REPO / "docs" / "ODD.md", *(REPO / "model").rglob("*.py")]
    for path in files:
        for n in re.findall(r"EVIDENCE\.md section (\d+)", path.read_text(encoding="utf-8")):
            cited.setdefault(n, path.relative_to(REPO))
    assert cited, "no citation of EVIDENCE.md found: the pattern changed"
    missing = {n: str(p) for n, p in cited.items() if n not in sections}
    assert not missing, f"sections cited but not in docs/EVIDENCE.md: {missing}"
