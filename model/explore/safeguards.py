"""The five safeguards a reader can switch on or off, read from a scenario's flows and applied to them.

A scenario's safeguard is "on" when every flow has it (for police: when no flow
goes to the police). Applying a choice changes only the safeguards that differ
from the scenario's own, so a policy with mixed flows keeps them as written
until the reader changes that safeguard.
"""

from dataclasses import replace

from model.inputs.scenario import Scenario

# key -> words for a reader; the first four are fields of each flow, police_excluded drops the police flow
SAFEGUARDS = {
    "objection_respected": "objection respected",
    "confidentiality_kept": "confidentiality kept",
    "direct_care_only": "direct care only",
    "police_excluded": "police excluded",
    "families_told": "families told",
}
FLOW_FIELDS = ("objection_respected", "confidentiality_kept", "direct_care_only", "families_told")
POLICE = "police"
VARIANT_MARK = "__"  # a variant's name: <policy>__<safeguards on, joined by '_'>
SHORT = {
    "objection_respected": "objection",
    "confidentiality_kept": "confidentiality",
    "direct_care_only": "directcare",
    "police_excluded": "nopolice",
    "families_told": "told",
}


def signature(scenario: Scenario) -> dict[str, bool]:
    """Which safeguards the scenario has, each as on/off."""
    flows = scenario.flows
    out = {k: bool(flows) and all(getattr(f, k) for f in flows) for k in FLOW_FIELDS}
    out["police_excluded"] = not any(f.recipient == POLICE for f in flows)
    return {k: out[k] for k in SAFEGUARDS}


def apply(scenario: Scenario, chosen: dict[str, bool]) -> Scenario:
    """The scenario with the chosen safeguards: each one that differs from its own is set on every flow."""
    own = signature(scenario)
    flows = list(scenario.flows)
    for key in FLOW_FIELDS:
        if chosen.get(key, own[key]) != own[key]:
            flows = [replace(f, **{key: chosen[key]}) for f in flows]
    if chosen.get("police_excluded", own["police_excluded"]) and not own["police_excluded"]:
        flows = [f for f in flows if f.recipient != POLICE]
    if not chosen.get("police_excluded", own["police_excluded"]) and own["police_excluded"]:
        pass  # a policy without a police flow has none to add: the choice cannot make one up
    name = variant_name(base_policy(scenario.name), chosen) if chosen != own else scenario.name
    return replace(scenario, name=name, flows=tuple(flows))


def variant_name(policy: str, chosen: dict[str, bool]) -> str:
    """The name of a policy's variant with the chosen safeguards on."""
    on = [SHORT[k] for k in SAFEGUARDS if chosen.get(k)]
    return policy + VARIANT_MARK + "_".join(on) if on else policy


def base_policy(name: str) -> str:
    """The policy a scenario is a variant of (its own name when it is not one)."""
    return name.split(VARIANT_MARK, 1)[0]
