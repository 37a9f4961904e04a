"""The explorer page (Solara): place, policy, safeguards and assumptions in; effects, counts, coverage, who loses out.

`disengage explore DIR` serves this module with DISENGAGE_EXPLORE_DIR=DIR. The
view lives in the URL's query string, so a link reproduces it. A combination
the folder holds shows at once (a lookup); any other can be run live, capped at
about ten seconds, with a progress bar.
"""

import base64
import html
import io
import math
import os
from html import escape
from urllib.parse import parse_qs, urlencode

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import solara  # noqa: E402
from solara.hooks.use_thread import ResultState  # noqa: E402

from model.explore.data import HEADLINE, Cell, Grid, count_text, csv_text, grid_of  # noqa: E402
from model.explore.live import CAP_SECONDS, LiveResult, live_scale, run_live  # noqa: E402
from model.explore.safeguards import SAFEGUARDS, base_policy  # noqa: E402
from model.present.style import colour, fmt_value  # noqa: E402
from model.present.words import definition, outcome_of  # noqa: E402

FOLDER_ENV = "DISENGAGE_EXPLORE_DIR"
CONTROLS = ("place", "policy", "assumptions", *SAFEGUARDS)
TOLD_NOTE = (
    "Telling families makes more of them aware of the sharing (a notice reaches some every month, faster than "
    "they forget), and in the model families avoid services according to what they know, so \u201cfamilies "
    "told\u201d raises the costs even though each family\u2019s trust falls less."
)
NO_POLICE_NOTE = "This policy sends nothing to the police (its scenario file has no police flow): nothing to exclude."
NOTE_STYLE = "color:#555;font-size:0.85em;margin:0 0 6px 0"
WARNING_STYLE = "background:#fff4e0;border-left:5px solid #E69F00;padding:0.5em 0.8em"


def default_view(grid: Grid) -> dict:
    """The first view: the costliest policy as written (the Bill when present), central assumptions."""
    policy = "national_sui_mandate" if "national_sui_mandate" in grid.policies else grid.policies[0]
    sets = list(grid.assumption_sets)
    assumptions = "central" if "central" in sets else sets[0]
    return {"place": grid.results.place_name, "policy": policy, "assumptions": assumptions, **grid.signature(policy)}


def parse_view(search: str | None, grid: Grid) -> dict:
    """A view from a query string, unknown or bad values replaced by the default's."""
    view = default_view(grid)
    query = {k: v[-1] for k, v in parse_qs(search or "").items()}
    if query.get("policy") in grid.policies:
        view["policy"] = query["policy"]
        view.update(grid.signature(view["policy"]))
    if query.get("assumptions") in grid.assumption_sets:
        view["assumptions"] = query["assumptions"]
    for key in SAFEGUARDS:
        if query.get(key) in ("0", "1"):
            view[key] = query[key] == "1"
    return view


def query_of(view: dict) -> str:
    """A view as a query string."""
    return urlencode({k: (int(v) if isinstance(v, bool) else v) for k, v in view.items() if k in CONTROLS})


def chosen_of(view: dict) -> dict[str, bool]:
    """The safeguards of a view."""
    return {k: bool(view[k]) for k in SAFEGUARDS}


def fmt(v: float, digits: int = 1) -> str:
    """A number with a sign for changes, or 'no data'; a one-decimal change under 1 gets two decimals ('-0.02', not
    '-0.0')."""
    if math.isnan(v):
        return "no data"
    if digits == 1 and abs(v) < 1:
        return fmt_value(v)
    return f"{v:+.{digits}f}"


def effects_html(cells: dict[str, Cell], place: str, n_children: int, basis: str) -> str:
    """The headline effects as an HTML table, each cell carrying its value for tests and screen readers."""
    rows = []
    for effect, name, unit in HEADLINE:
        c = cells.get(effect)
        if c is None:
            continue
        spread = "" if math.isnan(c.lo) or c.lo == c.hi else f"{fmt(c.lo)} to {fmt(c.hi)}"
        rows.append(
            f'<tr><td title="{definition(outcome_of(effect))}">{name}<br><small>{unit}</small></td>'
            f'<td class="num" data-effect="{effect}" data-mean="{c.mean!r}">{fmt(c.mean)}</td>'
            f'<td class="num">{spread}</td><td class="num">{count_text(c, place, n_children)}</td></tr>'
        )
    return (
        '<table class="effects" style="border-collapse:collapse;width:100%">'
        "<tr><th align=left>Effect against the status quo</th><th>average</th><th>90% interval</th>"
        f"<th>for the whole place</th></tr>{''.join(rows)}</table>"
        f"<p style='color:#555;font-size:0.85em'>Averages and intervals over {basis}. Counts: the rate scaled to "
        "all of the place's children in a year (coverage and registration: a one-year cohort, 1/18 of them).</p>"
    )


PNG_CACHE: dict[tuple[str, str, str], bytes] = {}


def coverage_png(grid: Grid, scenario: str, assumptions: str, label: str) -> bytes:
    """The coverage figure as PNG, drawn once per view and kept (a change of control is then a lookup)."""
    key = (str(grid.folder), scenario, assumptions)
    if key not in PNG_CACHE:
        fig = coverage_figure(grid, scenario, assumptions, label)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        PNG_CACHE[key] = buf.getvalue()
    return PNG_CACHE[key]


def coverage_figure(grid: Grid, scenario: str, assumptions: str, label: str):
    """MMR first-dose coverage over time (12-month rolling mean), the policy against the status quo."""
    data = grid.coverage(scenario, assumptions)
    fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
    keep = data["years"] >= -1
    years = data["years"][keep]
    for who, c, name in (
        ("status_quo", colour("baseline", grid.results.scenarios), "Status quo"),
        ("policy", colour(base_policy(scenario), grid.results.scenarios), label),
    ):
        ax.fill_between(years, 100 * data[f"{who}_lo"][keep], 100 * data[f"{who}_hi"][keep], color=c, alpha=0.15, lw=0)
        ax.plot(years, 100 * data[who][keep], color=c, lw=2, ls="--" if who == "status_quo" else "-", label=name)
    ax.axvline(0, color="black", lw=1, ls=":")
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, min(hi, 100) - 10), min(100, max(hi, 96)))
    ax.set_xlabel("years since the policy started")
    ax.set_ylabel("% of children turning 2\nwith a first MMR dose")
    ax.set_title("MMR first dose by 24 months (mean of the previous 12 months)", loc="left", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return fig


def who_loses_html(grid: Grid, scenario: str, assumptions: str) -> str:
    """Lost contacts per 10,000 children of each group; groups too small for a stable estimate greyed."""
    rows = []
    for name, c, stable in grid.who_loses(scenario, assumptions):
        style = "" if stable else ' style="color:#999"'
        note = "" if stable else " (too few children simulated for a stable estimate)"
        spread = "" if math.isnan(c.lo) else f"{fmt(c.lo, 0)} to {fmt(c.hi, 0)}"
        rows.append(f"<tr{style}><td>{name}{note}</td><td class='num'>{fmt(c.mean, 0)}</td><td>{spread}</td></tr>")
    return (
        "<table style='border-collapse:collapse;width:100%'><tr><th align=left>Group of families</th>"
        "<th>contacts lost per 10,000 of its children a year</th><th>90% interval</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def unlike_words(grid: Grid, scenario: str, fields: list[str]) -> str:
    """Why a stored variant is not a like-for-like comparison with its policy, and how to make it one."""
    policy = grid.policy_label(base_policy(scenario))
    return (
        f"This variant differs from \u201c{policy}\u201d as run in more than its safeguards "
        f"({', '.join(f.replace('_', ' ') for f in fields)}), so the change from the policy is not the safeguards' "
        "alone. Its scenario file was written from an older version of the policy: rewrite the variants "
        "(python -m tools.explorer_scenarios) and run the grid again."
    )


def download_link(text: str, filename: str, words: str):
    """A link that saves `text` as a CSV file: a data URL, so it needs no server round trip or script."""
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<a class="download" download="{html.escape(filename)}" style="color:#0072B2;'
        f'text-decoration:underline" href="data:text/csv;charset=utf-8;base64,{data}">{html.escape(words)}</a>',
    )


@solara.component
def Controls(grid: Grid, view: dict, update):
    """The reader's choices: place, policy, each safeguard, assumption set."""
    labels = {grid.policy_label(p): p for p in grid.policies}
    with solara.Column(gap="4px"):
        solara.Select(label="Place", values=[grid.results.place_name], value=view["place"])
        solara.Select(
            label="Policy",
            values=list(labels),
            value=grid.policy_label(view["policy"]),
            on_value=lambda name: update(policy=labels[name]),
        )
        solara.Markdown("**Safeguards**")
        for key, words in SAFEGUARDS.items():
            if key == "police_excluded" and not grid.sends_to_police(view["policy"]):  # the file's fact, not a choice
                solara.Switch(label=words, value=True, disabled=True)
                solara.HTML(tag="p", unsafe_innerHTML=html.escape(NO_POLICE_NOTE), style=NOTE_STYLE)
                continue
            solara.Switch(label=words, value=bool(view[key]), on_value=lambda on, k=key: update(**{k: on}))
            if key == "families_told":
                solara.HTML(tag="p", unsafe_innerHTML=html.escape(TOLD_NOTE), style=NOTE_STYLE)
        solara.Select(
            label="Assumptions: response to perceived risk",
            values=list(grid.assumption_sets),
            value=view["assumptions"],
            on_value=lambda name: update(assumptions=name),
        )


@solara.component
def Explorer(folder: str):
    """The whole page for one results folder."""
    grid = solara.use_memo(lambda: grid_of(str(folder)), [folder])
    router = solara.use_router()
    first = solara.use_memo(lambda: parse_view(router.search, grid), [grid])
    view, set_view = solara.use_state(first)
    live_request, set_live_request = solara.use_state(None)
    progress = solara.use_reactive(0.0)

    def update(**changes):
        new = {**view, **changes}
        if "policy" in changes and changes["policy"] != view["policy"]:
            new.update(grid.signature(changes["policy"]))
        set_view(new)
        if router.set_path is not None:
            router.push(f"{router.path}?{query_of(new)}")

    chosen = chosen_of(view)
    scenario = grid.lookup(view["policy"], chosen)
    key = (view["policy"], tuple(sorted(chosen.items())), view["assumptions"])

    def work(cancel) -> LiveResult | None:
        if live_request is None or live_request != key:
            return None
        return run_live(
            grid, view["policy"], chosen, view["assumptions"], lambda f, _: progress.set(100 * f), CAP_SECONDS,
            cancel.is_set,
        )

    live = solara.use_thread(work, dependencies=[live_request])
    res = grid.results
    solara.Title("disengage explorer")
    with solara.Column(style={"max-width": "1150px", "margin": "0 auto", "padding": "12px"}):
        solara.Markdown(
            f"## What sharing children's NHS numbers could cost: {res.place_name}\n"
            f"Results folder `{grid.folder.name}` (experiment '{res.name}', {res.replicates} replicates at scale "
            f"{res.scale:g}, synthetic families). Config hash `{res.manifest['config_hash'][:12]}`, code version "
            f"`{res.manifest['code_version']}`."
        )
        with solara.Columns([1, 3]):
            Controls(grid, view, update)
            with solara.Column():
                if scenario is not None:
                    label = res.label(scenario)
                    solara.Markdown(f"### {label}")
                    unlike = grid.unlike(scenario)
                    if unlike:
                        solara.HTML(
                            tag="p",
                            unsafe_innerHTML=escape(unlike_words(grid, scenario, unlike)),
                            style=WARNING_STYLE,
                        )
                    cells = {e: grid.cell(scenario, view["assumptions"], e) for e, _, _ in HEADLINE}
                    basis = f"{cells[HEADLINE[0][0]].n} paired runs under these assumptions"
                    html = effects_html(cells, res.place_name, res.n_children, basis)
                    solara.HTML(tag="div", unsafe_innerHTML=html)
                    header, rows = grid.store_rows(scenario, view["assumptions"])
                    name = f"{scenario}_{view['assumptions'].replace(' ', '_')}.csv"
                    download_link(csv_text(header, rows), name, "Download these numbers (CSV: the rows of effects.csv)")
                    with solara.Columns([1, 1]):
                        solara.Image(coverage_png(grid, scenario, view["assumptions"], label), width="100%")
                        solara.HTML(tag="div", unsafe_innerHTML=who_loses_html(grid, scenario, view["assumptions"]))
                else:
                    LivePanel(grid, view, key, live_request, set_live_request, live, progress.value)


@solara.component
def LivePanel(grid: Grid, view: dict, key, live_request, set_live_request, live, progress: float):
    """A combination the folder does not hold: offer to run it live, show progress, then its effects."""
    res = grid.results
    police = grid.sends_to_police(view["policy"])
    on = [w for k, w in SAFEGUARDS.items() if view[k] and (k != "police_excluded" or police)]
    done = live_request == key and live.state == ResultState.FINISHED and live.value is not None
    how = (
        f"the policy and the status quo on {live_scale(grid):g} of {res.place_name}'s households under the folder's "
        "seeds, fewer replicates than the folder, so wider intervals"
    )
    solara.Markdown(
        f"### {grid.policy_label(view['policy'])}, with {', '.join(on) if on else 'no safeguards'}\n"
        + (f"Run live just now ({how})." if done else
           f"This combination is not in the results folder. Run it live: {how}; at most about {CAP_SECONDS:g} "
           "seconds.")  # fmt: skip
    )
    running = live_request == key and live.state in (ResultState.STARTING, ResultState.RUNNING, ResultState.WAITING)
    if live_request != key or live.value is None and not running:
        solara.Button("Run this combination live", on_click=lambda: set_live_request(key), color="primary")
    if running:
        solara.ProgressLinear(progress or True)
        solara.Text(f"running... {progress:.0f}%")
    if done:
        r = live.value
        basis = f"{r.replicates} live replicates at scale {r.scale:g} ({r.seconds:.1f} s)"
        solara.HTML(tag="div", unsafe_innerHTML=effects_html(r.cells, res.place_name, res.n_children, basis))
        rows = [[r.scenario, e, repr(c.mean), repr(c.lo), repr(c.hi), str(c.n)] for e, c in r.cells.items()]
        text = csv_text(["scenario", "outcome", "mean", "lo", "hi", "n"], rows)
        download_link(text, f"{r.scenario}_live.csv", "Download these numbers (CSV)")
    if live.state == ResultState.ERROR:
        solara.Error(f"The live run failed: {live.error}")


@solara.component
def Page():
    """Solara's entry point: the folder named by DISENGAGE_EXPLORE_DIR."""
    folder = os.environ.get(FOLDER_ENV, "")
    if not folder:
        solara.Error(f"No results folder: start the page with `disengage explore DIR` (it sets {FOLDER_ENV}).")
        return
    Explorer(folder)
