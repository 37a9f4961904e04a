"""What we do not know about behaviour: per-replicate draws of behavioural parameters from their ranges.

An experiment's `uncertainty:` section names parameters (paths, `*` wildcards, or the groups below)
and a distribution over each parameter's range. Each replicate draws its own values, keyed by the
experiment's seed, the replicate and the parameter (or group) name with the counter-based hash of
model/core/rng.py, so a draw never depends on order or on a global generator. Every scenario of a
replicate runs with the same draw, so effects stay paired: intervals then hold what we do not know
about behaviour as well as chance.

Where the ranges of the segments' response to perceived risk come from is model/analysis/chilling.py.
"""

import fnmatch
import math
import zlib
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any

from model.core.rng import uniform
from model.inputs import config
from model.inputs.errors import InputError
from model.inputs.params import CHOICES, Parameters

DISTRIBUTIONS = ("uniform", "triangular")
DRAW_MONTH_KEY = (1 << 30) + 2  # month key of parameter draws (set-up uses 2^30, the network 2^30 + 1)
UNCERTAINTY_KEYS = {"distribution", "parameters"}

# name -> (parameter patterns, whether the group shares one quantile)
GROUPS: dict[str, tuple[tuple[str, ...], bool]] = {
    # One quantile for every segment: what people do is a fraction of what they say, and that fraction
    # (0.2-0.4) is uncertain in the same way for all of them.
    "chilling_response": (("segments.*.rel_risk",), True),
    # The same fraction, read as the share of families who start avoiding services (household decision), and how
    # long they keep away: persistence is as uncertain for every segment as the one segment it was measured in.
    "avoidance_entry": (("segments.*.rel_avoid",), True),
    "avoidance_duration": (("segments.*.dur_avoid_months",), True),
    "awareness_speed": (
        (
            "awareness.p_word_of_mouth",
            "awareness.p_word_of_mouth_letter",
            "awareness.p_notice_per_month",
            "awareness.p_forget_per_month",
            "awareness.media_decay_months",
        ),
        False,
    ),
    "trust_dynamics": (("trust.erosion_unexpected", "trust.erosion_told", "trust.recovery_per_month"), False),
}


@dataclass(frozen=True)
class Uncertainty:
    """Which parameters each replicate draws, and from what distribution over their ranges."""

    distribution: str
    names: tuple[str, ...]  # as written: groups, paths or patterns
    draws: tuple[tuple[str, tuple[str, ...]], ...]  # (draw key, paths sharing that draw's quantile)


def uncertainty_paths(name: str, params: Parameters) -> tuple[str, ...]:
    """The parameter paths a name of `uncertainty.parameters` draws: a group's, or those its pattern matches."""
    patterns = GROUPS.get(name, ((name,), False))[0]
    return tuple(p for p in params.entries if any(fnmatch.fnmatchcase(p, pat) for pat in patterns))


def load_uncertainty(file: str, raw: Any, params: Parameters) -> Uncertainty:
    """Check an experiment's `uncertainty:` section against the parameters it will draw."""
    section = config.as_mapping(file, "uncertainty", raw)
    config.check_keys(file, "uncertainty", section, UNCERTAINTY_KEYS)
    distribution = config.choice(file, "uncertainty.distribution", section["distribution"], DISTRIBUTIONS)
    names = section["parameters"]
    if not isinstance(names, list) or not names:
        raise InputError(file, "uncertainty.parameters", "a non-empty list of groups or parameter paths", names)
    draws: list[tuple[str, tuple[str, ...]]] = []
    taken: set[str] = set()
    for i, name in enumerate(names):
        field = f"uncertainty.parameters[{i}]"
        name = config.text(file, field, name)
        shared = GROUPS.get(name, ((), False))[1]
        paths = uncertainty_paths(name, params)
        if not paths:
            groups = ", ".join(GROUPS)
            raise InputError(file, field, f"a group ({groups}) or a parameter path (wildcards allowed)", name)
        for path in paths:
            p = params.entries[path]
            if path in CHOICES:
                raise InputError(file, field, f"parameters with a range of numbers to draw from ({path} takes one of "
                                 f"{', '.join(CHOICES[path])}: choose it in overrides, or run a design over it)",
                                 name)  # fmt: skip
            if path in taken:
                raise InputError(file, field, "parameters named once only", path)
            if not p.lo <= p.value <= p.hi:
                raise InputError(file, field, f"parameters whose value lies in their range ({path}: {p.value})", name)
            taken.add(path)
        draws.extend([(name, paths)] if shared else [(path, (path,)) for path in paths])
    return Uncertainty(distribution, tuple(names), tuple(draws))


def quantile(distribution: str, u: float, lo: float, mode: float, hi: float) -> float:
    """The value at quantile u of a uniform distribution on [lo, hi], or a triangular one peaking at `mode`."""
    if hi <= lo:
        return lo
    if distribution == "uniform":
        return lo + u * (hi - lo)
    cut = (mode - lo) / (hi - lo)
    if u < cut:
        return lo + math.sqrt(u * (hi - lo) * (mode - lo))
    return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode))


def draw_key(name: str) -> int:
    """The purpose key of a draw: a checksum of its name, so adding a parameter leaves the others' draws alone."""
    return zlib.crc32(name.encode("utf-8"))


def drawn_values(unc: Uncertainty, params: Parameters, seed: int, replicate: int) -> dict[str, float]:
    """The values replicate `replicate` draws, by parameter path."""
    out: dict[str, float] = {}
    for key, paths in unc.draws:
        u = uniform(seed, replicate, DRAW_MONTH_KEY, draw_key(key))
        for path in paths:
            p = params.entries[path]
            v = quantile(unc.distribution, u, p.lo, p.value, p.hi)
            out[path] = float(round(v)) if p.integer else v
    return out


def replicate_draw(unc: Uncertainty, params: Parameters, file: str, seed: int, replicate: int) -> Parameters:
    """The parameters of one replicate: the named ones drawn, the rest as given."""
    values = drawn_values(unc, params, seed, replicate)
    return params.with_overrides({k: int(v) if params.entries[k].integer else v for k, v in values.items()}, file)


def uncertainty_record(unc: Uncertainty, params: Parameters) -> dict[str, Any]:
    """The section as resolved, with the range of every drawn parameter: all a re-run needs to draw the same."""
    ranges = {path: [params.entries[path].lo, params.entries[path].hi] for _, paths in unc.draws for path in paths}
    return asdict(unc) | {"ranges": dict(sorted(ranges.items()))}


def uncertainty_from_record(file: str, raw: Any, params: Parameters) -> tuple[Uncertainty, Parameters]:
    """The section and the parameters' drawn ranges back from a manifest's `resolved.uncertainty`."""
    field = "resolved.uncertainty"
    rec = config.as_mapping(file, field, raw)
    config.check_keys(file, field, rec, {"distribution", "names", "draws", "ranges"})
    distribution = config.choice(file, f"{field}.distribution", rec["distribution"], DISTRIBUTIONS)
    if not isinstance(rec["draws"], list) or not isinstance(rec["names"], list):
        raise InputError(file, f"{field}.draws", "lists of names and of [draw key, [parameter paths]]", rec["draws"])
    draws = []
    for i, item in enumerate(rec["draws"]):
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], list)):
            raise InputError(file, f"{field}.draws[{i}]", "[draw key, [parameter paths]]", item)
        draws.append((config.text(file, f"{field}.draws[{i}][0]", item[0]), tuple(item[1])))
    ranges = config.as_mapping(file, f"{field}.ranges", rec["ranges"])
    entries = dict(params.entries)
    for _, paths in draws:
        for path in paths:
            if path not in entries or path not in ranges:
                raise InputError(file, f"{field}.ranges.{path}", "a recorded range for every drawn parameter", path)
            lo, hi = (config.number(file, f"{field}.ranges.{path}[{j}]", x) for j, x in enumerate(ranges[path]))
            entries[path] = replace(entries[path], lo=lo, hi=hi)
    unc = Uncertainty(distribution, tuple(str(n) for n in rec["names"]), tuple(draws))
    return unc, Parameters(MappingProxyType(entries))
