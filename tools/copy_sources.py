"""Copy the evidence entries that params/ cites into params/sources.yaml (a maintainer's tool).

The model never reads outside this repository at run time; this script refreshes the copy from
the shared evidence file: `python tools/copy_sources.py ../shared/data/uk_figures.yaml`.
"""

import glob
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("id", "value", "unit", "geography", "year", "source", "url", "confidence", "note")
HEADER = """# Sources behind parameter values: copied with their citations from the project's evidence
# file (compiled 2026-11 from public sources) so the model never reads anything outside this repository.
# Each `source:` id in params/ must appear here (checked at load). 'DERIVED'/'ESTIMATE' in a note
# mark values not stated by the source. Refresh with tools/copy_sources.py.
"""


class FlowLists(yaml.SafeDumper):
    """Dump lists inline, as the params files write ranges."""


FlowLists.add_representer(list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def main(evidence: str) -> None:
    """Write params/sources.yaml with every cited id; fail naming any id the evidence lacks."""
    used: set[str] = set()
    for f in glob.glob(str(ROOT / "params" / "**" / "*.yaml"), recursive=True):
        if f.endswith("sources.yaml"):
            continue
        text = Path(f).read_text(encoding="utf-8")
        used |= set(re.findall(r"source: (\w+)", text))
        used |= set(re.findall(r"^  - (\w+) \(", text, re.M))
    figures = {x["id"]: x for x in yaml.safe_load(Path(evidence).read_text(encoding="utf-8"))["figures"]}
    missing = sorted(used - set(figures))
    if missing:
        sys.exit(f"{evidence}: ids cited in params/ but absent: {', '.join(missing)}")
    out = [{k: figures[i][k] for k in FIELDS if k in figures[i]} for i in sorted(used)]
    body = yaml.dump({"sources": out}, Dumper=FlowLists, sort_keys=False, width=110, allow_unicode=True)
    (ROOT / "params" / "sources.yaml").write_text(HEADER + body, encoding="utf-8")
    print(f"params/sources.yaml: {len(out)} sources")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT.parent / "shared" / "data" / "uk_figures.yaml"))
