"""Copy the evidence entries that params/ cites into params/sources.yaml (a maintainer's tool).

The model never reads outside this repository at run time; this script refreshes the copy from
the shared evidence file: `python tools/copy_sources.py ../shared/data/uk_figures.yaml`. Sources the shared
file does not hold are kept in params/evidence_local.yaml (same fields): each of its entries is copied too,
cited in params/ or not (a validation reference is cited in docs/ODD.md only), unless the shared file holds
the id, which then wins.
"""

import glob
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path("params") / "evidence_local.yaml"  # the project's own sources, beside the shared file's
NOT_PARAMS = ("sources.yaml", LOCAL.name)  # files of params/ that hold sources rather than cite them
FIELDS = ("id", "value", "unit", "geography", "year", "source", "url", "confidence", "note")
HEADER = """# Sources behind parameter values: copied with their citations from the project's evidence
# file (compiled 2026-11 from public sources) so the model never reads anything outside this repository.
# Each `source:` id in params/ must appear here (checked at load). 'DERIVED'/'ESTIMATE' in a note
# mark values not stated by the source. Refresh with tools/copy_sources.py.
"""


class FlowLists(yaml.SafeDumper):
    """Dump lists inline, as the params files write ranges."""


FlowLists.add_representer(list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def figures_of(path: Path) -> dict[str, dict]:
    """An evidence file's entries by id (none when the file does not exist)."""
    if not path.is_file():
        return {}
    return {x["id"]: x for x in yaml.safe_load(path.read_text(encoding="utf-8"))["figures"]}


def main(evidence: str, root: Path = ROOT) -> None:
    """Write params/sources.yaml with every cited id and every local one; fail naming any id neither file holds."""
    used: set[str] = set()
    for f in glob.glob(str(root / "params" / "**" / "*.yaml"), recursive=True):
        if f.endswith(NOT_PARAMS):
            continue
        text = Path(f).read_text(encoding="utf-8")
        used |= set(re.findall(r"source: (\w+)", text))
        used |= set(re.findall(r"^  - (\w+) \(", text, re.M))
    if not Path(evidence).is_file():
        sys.exit(f"{evidence}: no such evidence file (give the shared file's path: ../shared/data/uk_figures.yaml)")
    local = figures_of(root / LOCAL)
    figures = local | figures_of(Path(evidence))  # the shared file wins an id both hold
    used |= set(local)
    missing = sorted(used - set(figures))
    if missing:
        sys.exit(f"{evidence}: ids cited in params/ but absent (add them to {LOCAL}): {', '.join(missing)}")
    out = [{k: figures[i][k] for k in FIELDS if k in figures[i]} for i in sorted(used)]
    body = yaml.dump({"sources": out}, Dumper=FlowLists, sort_keys=False, width=110, allow_unicode=True)
    (root / "params" / "sources.yaml").write_text(HEADER + body, encoding="utf-8")
    print(f"params/sources.yaml: {len(out)} sources ({len(set(local) - set(figures_of(Path(evidence))))} from {LOCAL})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT.parent / "shared" / "data" / "uk_figures.yaml"))
