"""Write experiments/explorer/*.yaml: the Bill as drafted with each combination of the five safeguards.

The explorer (`disengage explore`) shows a precomputed grid of policies x
safeguards x assumption sets; experiments/explorer.yaml runs it. Each variant
here is the Bill's flows with the chosen safeguards switched on for every flow
(and the police flow dropped when police are excluded). Run from the repository
root: `python -m tools.explorer_scenarios`; the files are committed.
"""

import itertools
from pathlib import Path

import yaml

from model.explore.safeguards import SAFEGUARDS, apply, variant_name
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_scenario

BASE = "national_sui_mandate"
OUT = Path(__file__).resolve().parent.parent / "experiments" / "explorer"


def main() -> None:
    """Write one scenario file per combination of safeguards (the empty combination is the Bill itself)."""
    base = load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{BASE}.yaml")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.yaml"):
        old.unlink()
    for bits in itertools.product((False, True), repeat=len(SAFEGUARDS)):
        chosen = dict(zip(SAFEGUARDS, bits, strict=True))
        if not any(bits):
            continue
        sc = apply(base, chosen)
        words = ", ".join(SAFEGUARDS[k] for k, on in chosen.items() if on)
        data = {
            "name": variant_name(BASE, chosen),
            "label": f"{base.label}, with {words}",
            "description": f"{base.description.strip()} Variant for the explorer: {words}.",
            "flows": [
                {k: v for k, v in vars(f).items() if not (k == "match_interval_months" and f.purpose != "matching")}
                for f in sc.flows
            ],
        }
        path = OUT / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, width=100), encoding="utf-8")
    print(f"wrote {len(list(OUT.glob('*.yaml')))} scenarios to {OUT}")


if __name__ == "__main__":
    main()
