"""The scenario-discovery figure and report section: where in what we do not know each policy costs most.

Both read discovery.csv (written by `disengage discover`, model/analysis/discover.py) and never re-run
anything. Each policy gets a panel: every parameter the futures drew, its range as a grey bar scaled from its low
end (0) to its high end (1), and PRIM's box on it in the policy's colour where the box restricts it.
"""

import base64
import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from model.inputs.errors import InputError
from model.present.results_folder import Results
from model.present.style import colour, framed, save
from model.present.words import outcome_name, outcome_of

BOX_FILE = "discovery.csv"
STEM = "discovery"
LEAD_POLICY = "national_sui_mandate"  # the policy the title speaks of, when the folder ran it
MAX_PANELS = 6
LABEL_WIDTH = 44


@dataclass(frozen=True)
class Row:
    """One policy's box on one parameter, as discovery.csv holds it."""

    scenario: str
    effect: str
    worst: str
    threshold: float
    n_futures: int
    n_worst: int
    coverage: float
    density: float
    mass: float
    parameter: str
    label: str
    kind: str
    range_lo: float
    range_hi: float
    box_lo: float
    box_hi: float
    restricted: str
    quasi_p: float

    @property
    def shown_lo(self) -> float:
        """The box's lower limit as drawn: the range's low end when PRIM left the lower limit alone."""
        return self.box_lo if self.restricted in ("lower", "both") else self.range_lo

    @property
    def shown_hi(self) -> float:
        """The box's upper limit as drawn: the range's high end when PRIM left the upper limit alone."""
        return self.box_hi if self.restricted in ("upper", "both") else self.range_hi

    def position(self, v: float) -> float:
        """Where a value sits in the parameter's range: 0 at its low end, 1 at its high end."""
        span = self.range_hi - self.range_lo
        return (v - self.range_lo) / span if span > 0 else 0.5


FLOATS = {"threshold", "coverage", "density", "mass", "range_lo", "range_hi", "box_lo", "box_hi", "quasi_p"}


def read_rows(folder: Path) -> list[Row]:
    """discovery.csv as rows; empty when the folder has none (discovery has not been run on it)."""
    path = folder / BOX_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    rows = []
    for i, rec in enumerate(records):
        try:
            kw = {
                k: float(v) if k in FLOATS else int(v) if k in ("n_futures", "n_worst") else v for k, v in rec.items()
            }
            rows.append(Row(**kw))
        except (TypeError, ValueError) as exc:
            raise InputError(path, f"row {i + 2}", "the columns `disengage discover` writes", str(exc)) from None
    return rows


def by_policy(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows grouped by policy, in file order."""
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(r.scenario, []).append(r)
    return out


def number_words(r: Row, v: float) -> str:
    """A limit as a reader reads it: a value, or a percentile of a shared quantile."""
    return f"its {ordinal(round(100 * v))} percentile" if r.kind == "quantile" else f"{v:.3g}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 11th, 22nd, ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def short_limit(r: Row) -> str:
    """A restricted limit in a few words: 'above 0.0011', 'below its 40th percentile', '0.2 to 0.4'."""
    if r.restricted == "lower":
        return f"above {number_words(r, r.box_lo)}"
    if r.restricted == "upper":
        return f"below {number_words(r, r.box_hi)}"
    return f"{number_words(r, r.box_lo)} to {number_words(r, r.box_hi)}"


def limit_phrase(r: Row) -> str:
    """'how fast word spreads is above 0.0011' and the like, for a restricted parameter."""
    label = r.label[0].lower() + r.label[1:]
    said = short_limit(r)
    return f"{label} is {said if r.restricted != 'both' else 'from ' + said}"


def lead_policy(groups: dict[str, list[Row]]) -> str:
    """The policy the title speaks of: the Bill as drafted when the folder ran it, else the first."""
    return LEAD_POLICY if LEAD_POLICY in groups else next(iter(groups))


def discovery_sentence(results: Results) -> str:
    """The figure's title: when the lead policy costs most, in the box's words."""
    groups = by_policy(read_rows(results.folder))
    policy = lead_policy(groups)
    rows = groups[policy]
    first = rows[0]
    what = outcome_name(outcome_of(first.effect)).lower()
    limited = [r for r in rows if r.restricted]
    if not limited:
        return f"{results.label(policy)}: no range of the drawn parameters holds its worst futures for {what}."
    lead = sorted(limited, key=lambda r: r.quasi_p if not math.isnan(r.quasi_p) else 1.0)
    return (
        f"{results.label(policy)} costs most ({what}) when {' and '.join(limit_phrase(r) for r in lead[:2])} "
        f"(coverage {first.coverage:.0%}, density {first.density:.0%} of {first.n_futures} futures)."
    )


def discovery_figure(results: Results) -> Figure | None:
    """One panel per policy: each drawn parameter's range, and PRIM's box on it; None without discovery.csv."""
    groups = by_policy(read_rows(results.folder))
    if not groups:
        return None
    policies = [p for p in results.policies if p in groups][:MAX_PANELS]
    first = groups[policies[0]][0]
    subtitle = (
        f"Each panel: the futures (replicates) in which the policy's {first.effect.replace('_', ' ')} is in its "
        f"{first.worst} quarter, and the box PRIM (EMA Workbench) finds around them. Grey: each parameter's range "
        "drawn, low end at 0, high end at 1; coloured: the box where it restricts the parameter. Coverage is the "
        "share of the worst futures inside the box; density the share of futures inside it that are among the worst."
    )
    n_params = max(len(rows) for rows in groups.values())
    height = max(4.5, 2.2 + 0.32 * n_params * math.ceil(len(policies) / 2))
    ncols = min(2, len(policies))
    nrows = math.ceil(len(policies) / ncols)
    fig, _, axes = framed(
        results, discovery_sentence(results), subtitle, nrows, ncols, size=(13.0, height), sharex=True
    )
    for ax, policy in zip(axes.flat, policies, strict=False):
        rows = groups[policy]
        c = colour(policy, results.scenarios)
        for y, r in enumerate(reversed(rows)):
            ax.barh(y, 1.0, left=0.0, height=0.6, color="#dddddd")
            if r.restricted:
                lo, hi = r.position(r.shown_lo), r.position(r.shown_hi)
                ax.barh(y, hi - lo, left=lo, height=0.6, color=c)
                said = f"{short_limit(r)} (quasi-p {r.quasi_p:.2g})"
                ax.text(1.02, y, said, va="center", fontsize=8)
        ax.set_yticks(range(len(rows)), [wrap(r.label) for r in reversed(rows)], fontsize=8)
        ax.set_xlim(0, 1.35)
        ax.set_xticks([0, 0.5, 1])
        ax.set_title(
            f"{results.label(policy)}: coverage {rows[0].coverage:.2f}, density {rows[0].density:.2f}, "
            f"mass {rows[0].mass:.2f} ({rows[0].n_worst} of {rows[0].n_futures} futures)",
            fontsize=9,
            loc="left",
        )
    for ax in list(axes.flat)[len(policies) :]:
        ax.set_visible(False)
    return fig


def wrap(text: str) -> str:
    """A label on at most two lines."""
    if len(text) <= LABEL_WIDTH:
        return text
    cut = text.rfind(" ", 0, LABEL_WIDTH)
    return text[:cut] + "\n" + text[cut + 1 :] if cut > 0 else text


def draw(folder: str | Path) -> list[Path]:
    """The discovery figure of a results folder, as PNG and SVG in its figures/ folder."""
    results = Results(folder)
    fig = discovery_figure(results)
    return [] if fig is None else save(fig, results.folder / "figures", STEM)


def section(results: Results) -> str:
    """The report's section on scenario discovery, or nothing when the folder has no discovery result."""
    svg = results.folder / "figures" / f"{STEM}.svg"
    if not (results.folder / BOX_FILE).is_file() or not svg.is_file():
        return ""
    said = discovery_sentence(results)
    data = base64.b64encode(svg.read_bytes()).decode("ascii")
    alt = html.escape(said)
    return (
        "<h2>When the policy costs most</h2>\n"
        f'<figure id="figure-{STEM}"><img alt="{alt}" src="data:image/svg+xml;base64,{data}">'
        f"<figcaption><strong>{alt}</strong> From <code>disengage discover</code>: the box and its limits are in "
        "<code>discovery.csv</code>, the parameters ranked by EMA Workbench's feature scoring in "
        "<code>discovery_scores.csv</code>.</figcaption></figure>"
    )
