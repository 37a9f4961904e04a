"""Benchmark: how many household-months have something happen, the most an event-driven kernel could skip.

Run `python -m benchmarks.events [--place wigan] [--scenario national_sui_mandate] [--months 120]`. The kernel
steps every household every month; a kernel that stepped a household only in a month with an event due would
still have to step each household-month counted here. Read from the state before and after each month of the
kernel (no change to it), as shares of household-months:

- child due: a child is stepped in full (its scheduled month came, `schedule.children_due`);
- match month: a flow's match runs (every household with children is stepped in full, `M_FINDS`);
- moved or born: a new household took the slot or a child was born (propensity or children changed);
- learnt, forgot: the household's awareness bits gained or lost a flow;
- engagement: its objecting or avoiding state changed;
- trust recovering: trust stood off its usual level as the month began or ended (eroded, recovering);
- an unknown running flow: a flow runs that the household has not heard of (its chance of learning depends on
  the neighbours, so today's kernel reads them);
- any event, and any event but trust's recovery (which a closed form could carry between events).
"""

import argparse
import sys

import numpy as np

import benchmarks.kernel as bk
from model.core.kernel import chunk_buffer, month_record, step_month
from model.core.layout import F_EXISTS, SOCIAL_AWARE_SHIFT
from model.core.month import M_ACTIVE, M_FINDS
from model.core.population import State
from model.inputs.errors import InputError

KINDS = (
    "child due",
    "match month",
    "moved or born",
    "learnt",
    "forgot",
    "engagement",
    "trust recovering",
    "an unknown running flow",
    "any event",
    "any event but trust",
)


def below_usual(trust: np.ndarray) -> np.ndarray:
    """Households whose trust word (usual level << 16 | current level) holds a current level off the usual one."""
    return (trust & 0xFFFF) != (trust >> 16)


def month_events(before: dict, state: State, month: int, masks: np.ndarray) -> dict[str, np.ndarray]:
    """Each household's events in `month`, one boolean array a kind, from its state `before` the month (arrays
    copied from the state) and `state` after it."""
    has_children = (before["ch_flags"] & F_EXISTS).any(axis=1)
    aware_before = (before["social"][month % 2] >> SOCIAL_AWARE_SHIFT) & 0xFF
    aware_after = (state.social[(month + 1) % 2] >> SOCIAL_AWARE_SHIFT) & 0xFF
    exists_before = (before["ch_flags"] & F_EXISTS).sum(axis=1)
    exists_after = (state.ch_flags & F_EXISTS).sum(axis=1)
    ev = {
        "child due": (before["ch_sched"][:, :, 0] <= month).any(axis=1),
        "match month": has_children & (int(masks[M_FINDS]) != 0),
        "moved or born": (state.propensity != before["propensity"]) | (exists_after > exists_before),
        "learnt": (aware_after & ~aware_before) != 0,
        "forgot": (aware_before & ~aware_after) != 0,
        "engagement": state.engagement != before["engagement"],
        "trust recovering": below_usual(before["trust"]) | below_usual(state.trust),
        "an unknown running flow": (int(masks[M_ACTIVE]) & ~aware_before) != 0,
    }
    happened = KINDS[:7]
    ev["any event"] = np.logical_or.reduce([ev[k] for k in happened])
    ev["any event but trust"] = np.logical_or.reduce([ev[k] for k in happened if k != "trust recovering"])
    return ev


BEFORE = ("ch_flags", "ch_sched", "social", "propensity", "engagement", "trust", "ever")  # copied before each month


def monthly_events(place: str, scenario: str, months: int, scale: float = 1.0):
    """Run the kernel month by month, yielding (month, the state's arrays before it, the state after it, each
    household's events in it: `month_events`)."""
    P, SEGP, flows, _, build = bk.setup(scale, place, scenario)
    state = build()
    chunks = chunk_buffer(state)
    for month in range(months):
        before = {f: getattr(state, f).copy() for f in BEFORE}
        masks = month_record(P, SEGP, flows, month, 1).masks
        step_month(state, P, SEGP, flows, month, 1, chunks)
        yield month, before, state, month_events(before, state, month, masks)


def event_shares(place: str, scenario: str, months: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Share of households with each kind of event, month by month ([kind] -> array of `months`)."""
    shares = {k: np.zeros(months) for k in KINDS}
    for month, _, _, events in monthly_events(place, scenario, months, scale):
        for kind, hit in events.items():
            shares[kind][month] = hit.mean()
    return shares


def main() -> None:
    """Print the shares over the run, its first two years and its last year."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--place", default="wigan")
    ap.add_argument("--scenario", default=bk.SCENARIO)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    if args.months < 1 or args.scale <= 0:
        sys.exit("benchmarks.events: --months must be at least 1 and --scale above 0")
    try:
        shares = event_shares(args.place, args.scenario, args.months, args.scale)
    except InputError as exc:  # an unknown place or scenario: its file and what was expected, in one line
        sys.exit(f"benchmarks.events: {exc}")
    print(f"{args.place}, scale {args.scale}, {args.scenario}, {args.months} months: share of household-months with")
    print(f"{'':26s} {'all months':>10s} {'months 0-23':>12s} {'last year':>10s}")
    for kind in KINDS:
        s = shares[kind]
        print(f"{kind:26s} {s.mean():10.3f} {s[:24].mean():12.3f} {s[-12:].mean():10.3f}")


if __name__ == "__main__":
    main()
