"""tools/copy_sources.py keeps the project's own sources (params/evidence_local.yaml) through a refresh from a
shared evidence file that lacks them, and the shared file wins an id both hold."""

import shutil
import sys

import pytest
import yaml

from .conftest import REPO

pytestmark = pytest.mark.fast

sys.path.insert(0, str(REPO / "tools"))
import copy_sources  # noqa: E402

MEASLES_IDS = {"funk_2019_contact_adjusted_immunity", "mossong_2008_polymod", "masters_2020_clustered_nonvaccination",
               "liu_2015_fred_measles"}  # fmt: skip


def test_local_sources_survive_a_refresh_from_a_shared_file_without_them(tmp_path):
    shutil.copytree(REPO / "params", tmp_path / "params")
    local = {x["id"] for x in yaml.safe_load((REPO / copy_sources.LOCAL).read_text(encoding="utf-8"))["figures"]}
    assert MEASLES_IDS <= local, f"params/evidence_local.yaml lacks {sorted(MEASLES_IDS - local)}"
    current = yaml.safe_load((REPO / "params" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    shared = [dict(x) for x in current if x["id"] not in local]  # a shared file that lacks every local id
    shared.append({"id": "mossong_2008_polymod", "value": "shared", "unit": "u", "source": "the shared entry"})
    evidence = tmp_path / "uk_figures.yaml"
    evidence.write_text(yaml.safe_dump({"figures": shared}), encoding="utf-8")
    copy_sources.main(str(evidence), tmp_path)
    out = {x["id"]: x for x in yaml.safe_load((tmp_path / "params" / "sources.yaml").read_text())["sources"]}
    assert local <= set(out), f"lost in the refresh: {sorted(local - set(out))}"
    assert out["mossong_2008_polymod"]["source"] == "the shared entry", "the shared file should win an id both hold"


def test_a_cited_id_neither_file_holds_fails_naming_it(tmp_path):
    shutil.copytree(REPO / "params", tmp_path / "params")
    evidence = tmp_path / "uk_figures.yaml"
    evidence.write_text(yaml.safe_dump({"figures": []}), encoding="utf-8")
    with pytest.raises(SystemExit) as err:
        copy_sources.main(str(evidence), tmp_path)
    assert "jcwi_2021_fear_of_healthcare" in str(err.value) and "evidence_local.yaml" in str(err.value)
