"""The documentation says what the code does: the ODD parameter table is the one params/ generates."""

from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.present import paramtable

from .conftest import REPO


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
