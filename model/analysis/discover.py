"""Scenario discovery over a results folder: in which futures does each policy cost most?

A future is one replicate (of one design point, in a sweep): the parameters it drew (`uncertainty:`) and a
sweep's design values. For each policy, the futures in the worst quarter of a chosen effect against the status
quo (same seed) are the cases of interest; EMA Workbench's PRIM finds a box over the parameters that holds them,
and its extra-trees feature scoring ranks the parameters. Reads runs.csv (a sweep's design values and each
replicate's drawn values are its columns) and manifest.json only; it never re-runs the model.

Parameters a group draws with one shared quantile (every segment's `rel_avoid` under `avoidance_entry`) are one
feature, the group, valued by that quantile (0-1), recomputed from the experiment's seed with the same draw as
model/experiments/uncertainty.py.
"""

import csv
import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.outcomes import EFFECTS
from model.core.rng import uniform
from model.experiments.tables import fmt
from model.experiments.uncertainty import DRAW_MONTH_KEY, draw_key
from model.inputs.errors import InputError
from model.present.results_folder import Results, paired_run_effects, read_table
from model.present.words import parameter_words

EFFECT = "lost_safeguarding_contacts_per_10k"
WORST_SHARE = 0.25  # the worst quarter of futures are the cases of interest
MIN_FUTURES = 20  # fewer futures than this leave too few cases of interest (5) for a box
PEEL_ALPHA = 0.1  # share of futures PRIM peels off at each step
MIN_COVERAGE = 0.5  # the box chosen on PRIM's trajectory holds at least half the worst futures
MAX_QUASI_P = 0.05  # restrictions less certain than this are dropped from the chosen box
SCORE_SEED = 20261207  # the extra-trees feature scoring is seeded, so a folder always gives the same table
# effects whose worst futures are their highest values; for every other effect (coverage, registration, trust and
# what matching finds, as changes) the worst futures are the lowest
HIGHER_IS_WORSE = {
    "lost_safeguarding_contacts_per_10k",
    "lost_identifications_per_10k",
    "months_to_identification_change",
    "avoiding_share_change_pp",
    "objecting_share_change_pp",
    "missing_education_per_10k_change",
}
BOX_FILE = "discovery.csv"
SCORES_FILE = "discovery_scores.csv"
BOX_COLUMNS = [
    "scenario",
    "effect",
    "worst",
    "threshold",
    "n_futures",
    "n_worst",
    "coverage",
    "density",
    "mass",
    "parameter",
    "label",
    "kind",
    "range_lo",
    "range_hi",
    "box_lo",
    "box_hi",
    "restricted",
    "quasi_p",
]
SCORE_COLUMNS = ["scenario", "effect", "parameter", "label", "score", "rank"]


class TooFewFutures(Exception):
    """The folder holds too few futures (or none that drew anything) for a box: one line says which."""


@dataclass(frozen=True)
class Feature:
    """One column PRIM reads: a drawn or design parameter (its value), or a shared group (its quantile, 0-1)."""

    name: str
    label: str
    kind: str  # "value" or "quantile"
    lo: float
    hi: float


@dataclass(frozen=True)
class Limit:
    """The box's limits on one feature; `side` says which PRIM moved in from the futures' span ('' if neither)."""

    feature: Feature
    lo: float
    hi: float
    side: str  # "", "lower", "upper" or "both"
    quasi_p: float

    @property
    def restricted(self) -> bool:
        return bool(self.side)


@dataclass(frozen=True)
class Discovery:
    """One policy's worst futures and the box that holds them."""

    scenario: str
    effect: str
    worst: str  # "highest" or "lowest"
    threshold: float  # the effect's value at the edge of the worst quarter
    n_futures: int
    n_worst: int
    coverage: float  # share of the worst futures inside the box
    density: float  # share of the futures inside the box that are among the worst
    mass: float  # share of all futures inside the box
    limits: tuple[Limit, ...]
    scores: tuple[tuple[str, float], ...]  # (feature name, extra-trees importance), highest first

    @property
    def restricted(self) -> list[Limit]:
        """The limits PRIM set, in the order of the features' scores."""
        order = {name: i for i, (name, _) in enumerate(self.scores)}
        return sorted((lim for lim in self.limits if lim.restricted), key=lambda lim: order[lim.feature.name])


def higher_is_worse(effect: str) -> bool:
    """Whether an effect's worst futures are its highest (`lost_*`, more avoiding) or its lowest (coverage)."""
    return effect.split("__", 1)[0] in HIGHER_IS_WORSE


def worst_mask(values: np.ndarray, higher_worse: bool, share: float = WORST_SHARE) -> tuple[np.ndarray, float]:
    """The futures strictly worse than the `share` quantile from the worse end, and that quantile's value.

    Strictly, so that an effect many futures share (zero, where a policy changes nothing) is never a case of
    interest just for being tied at the edge; when every future ties, none is worse and there is no box."""
    if higher_worse:
        edge = float(np.quantile(values, 1.0 - share))
        return values > edge, edge
    edge = float(np.quantile(values, share))
    return values < edge, edge


def features(results: Results) -> tuple[list[Feature], dict[tuple[int, int], dict[str, float]]]:
    """The features of a folder, and each future's values by (design point, replicate)."""
    header, rows = read_table(results.folder / "runs.csv")
    design = [c for c in results.design_parameters if c in header]  # a sweep's design paths (effects.csv's)
    i_sc, i_rep = header.index("scenario"), header.index("replicate")
    i_point = header.index("point") if "point" in header else None
    runs_path = results.folder / "runs.csv"
    futures: dict[tuple[int, int], dict[str, float]] = {}
    rows_of: dict[tuple[int, int], list[str]] = {}
    for r in rows:
        if r[i_sc] != "baseline":
            continue
        key = (int(r[i_point]) if i_point is not None else 0, int(r[i_rep]))
        futures[key] = {c: number(r[header.index(c)], runs_path, c) for c in design}
        rows_of[key] = r
    feats = [feature_of(results, c, *span([f[c] for f in futures.values()])) for c in design]
    unc = results.resolved.get("uncertainty") or {}
    if unc:
        manifest = results.folder / "manifest.json"
        drawn = results.manifest.get("replicate_parameters")
        ranges = results.drawn_ranges
        seed = int(results.resolved["seed"])
        for key, paths in unc["draws"]:
            if len(paths) > 1:  # a group sharing one quantile: the quantile is the feature
                feats.append(Feature(key, group_words(key), "quantile", 0.0, 1.0))
                for (_, rep), values in futures.items():
                    values[key] = uniform(seed, rep, DRAW_MONTH_KEY, draw_key(key))
            else:
                path = paths[0]
                feats.append(feature_of(results, path, *ranges[path]))
                if path in header and path not in design:  # the drawn value, in runs.csv since issue 29
                    for future, values in futures.items():
                        values[path] = number(rows_of[future][header.index(path)], runs_path, path)
                    continue
                if not isinstance(drawn, dict):
                    expected = "the values each replicate drew (`disengage run`)"
                    raise InputError(manifest, "replicate_parameters", expected)
                for (_, rep), values in futures.items():  # a folder written before: the manifest's record
                    if str(rep) not in drawn or path not in drawn[str(rep)]:
                        raise InputError(manifest, f"replicate_parameters.{rep}.{path}", "the value replicate drew")
                    values[path] = float(drawn[str(rep)][path])
    return feats, futures


def number(text: str, file: Path, field: str) -> float:
    """A cell of runs.csv as a float, or bad input naming the file and column."""
    try:
        return float(text)
    except ValueError:
        raise InputError(file, field, "a number", text) from None


def span(values: list[float]) -> tuple[float, float]:
    """The smallest and largest value a design gave a parameter."""
    return (min(values), max(values)) if values else (math.nan, math.nan)


def feature_of(results: Results, path: str, lo: float, hi: float) -> Feature:
    """A parameter as a feature, in plain words."""
    return Feature(path, parameter_words(path), "value", float(lo), float(hi))


def group_words(group: str) -> str:
    """A shared group in plain words: what it draws, and that one quantile stands for every segment."""
    words = {
        "avoidance_entry": "How readily families start avoiding (every segment's range)",
        "avoidance_duration": "How long families keep avoiding (every segment's range)",
        "chilling_response": "How much of their stated fear families act on (every segment's range)",
    }
    return words.get(group, f"{group.replace('_', ' ').capitalize()} (shared quantile)")


def prim_box(x: pd.DataFrame, y: np.ndarray):
    """EMA Workbench's PRIM box for the cases y, chosen on its peeling trajectory and pruned; and its index there.

    The chosen box is the densest that still holds at least MIN_COVERAGE of the cases, the earliest (widest) of
    equals: peeling on past it only narrows limits without gaining density. Then each restriction whose quasi-p
    value (EMA's binomial test of the density it adds) exceeds MAX_QUASI_P is dropped, the weakest first, as
    Bryant and Lempert (2010) advise: a peel that happened to remove only futures outside the worst quarter is
    chance, not a finding.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA warns on import that ipyparallel, which PRIM does not use, is absent
        import ema_workbench.analysis.prim as prim

        box = prim.Prim(x, y, peel_alpha=PEEL_ALPHA).find_box()
        traj = box.peeling_trajectory
        ok = traj[traj["coverage"] >= MIN_COVERAGE]
        cur = int(ok["id"].iloc[int(ok["density"].to_numpy().argmax())])  # argmax takes the first of equals
        box.select(cur)
        while True:
            weak = {name: qp(box.p_values[cur], name) for name in box.p_values[cur]}
            weak = {name: p for name, p in weak.items() if not p <= MAX_QUASI_P}
            if not weak:
                return box, cur
            box.drop_restriction(max(weak, key=lambda name: (weak[name], name)))
            cur = len(box.box_lims) - 1


def feature_scores(x: pd.DataFrame, y: np.ndarray) -> list[tuple[str, float]]:
    """EMA Workbench's extra-trees feature scores of the features for the cases y, highest first (seeded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

        table, _ = feature_scoring.get_ex_feature_scores(
            x, y.astype(int), mode=RuleInductionType.CLASSIFICATION, random_state=SCORE_SEED
        )
    scores = table.iloc[:, 0]
    return sorted(((str(k), float(v)) for k, v in scores.items()), key=lambda kv: (-kv[1], kv[0]))


def discover_table(
    scenario: str,
    effect: str,
    feats: list[Feature],
    x: pd.DataFrame,
    values: np.ndarray,
    min_futures: int = MIN_FUTURES,
) -> Discovery:
    """One policy's discovery from its table of futures (x, one column per feature) and its effect values."""
    if len(values) < min_futures:
        raise TooFewFutures(f"{scenario}: {len(values)} futures, fewer than the {min_futures} a box needs")
    if np.ptp(values) == 0:
        raise TooFewFutures(f"{scenario}: {effect} is {values[0]:g} in every future, so no future is worse")
    high = higher_is_worse(effect)
    y, edge = worst_mask(values, high)
    if not y.any():
        raise TooFewFutures(f"{scenario}: no future's {effect} is worse than its {edge:g} at the quarter's edge")
    box, cur = prim_box(x, y)
    lims, qps = box.box_lims[cur], box.p_values[cur]
    limits = tuple(
        Limit(f, float(lims[f.name].iloc[0]), float(lims[f.name].iloc[1]), side(qps, f.name), qp(qps, f.name))
        for f in feats
    )
    return Discovery(
        scenario,
        effect,
        "highest" if high else "lowest",
        edge,
        len(values),
        int(y.sum()),
        float(box.coverage),
        float(box.density),
        float(box.mass),
        limits,
        tuple(feature_scores(x, y)),
    )


def side(qps: dict, name: str) -> str:
    """Which limits of a feature PRIM moved: EMA's quasi-p pair is [lower, upper], -1 for a limit not moved."""
    lo, hi = (p >= 0 for p in qps.get(name, [-1.0, -1.0]))
    return {(False, False): "", (True, False): "lower", (False, True): "upper", (True, True): "both"}[(lo, hi)]


def qp(qps: dict, name: str) -> float:
    """The smaller quasi-p value of a restricted feature's two limits (EMA gives -1 for a limit not moved)."""
    ps = [p for p in qps.get(name, []) if p >= 0]
    return float(min(ps)) if ps else math.nan


def discover(folder: str | Path, effect: str = EFFECT) -> list[Discovery]:
    """Each policy's worst futures of a results folder and the PRIM box over its drawn parameters."""
    logging.getLogger("EMA").setLevel(logging.WARNING)
    results = Results(folder)
    base = effect.split("__", 1)[0]
    if base not in EFFECTS:
        raise InputError(results.folder / "runs.csv", "--effect", f"an effect ({', '.join(EFFECTS)})", effect)
    feats, futures = features(results)
    if not feats:
        raise TooFewFutures(f"{results.folder}: its replicates drew no parameters (no `uncertainty:` or design)")
    varied = [f for f in feats if len({v[f.name] for v in futures.values()}) > 1]
    if not varied:
        raise TooFewFutures(f"{results.folder}: every future drew the same values")
    effects = paired_run_effects(results.folder)
    out = []
    for scenario in results.policies:
        keys = sorted(k[1:] for k in effects if k[0] == scenario)
        if effect not in effects[(scenario, *keys[0])]:
            raise InputError(results.folder / "runs.csv", "header", f"the columns of the effect {effect}", effect)
        values = np.array([effects[(scenario, *k)][effect] for k in keys])
        keep = ~np.isnan(values)
        x = pd.DataFrame({f.name: [futures[k][f.name] for k in keys] for f in varied})[keep].reset_index(drop=True)
        out.append(discover_table(scenario, effect, varied, x, values[keep]))
    return out


def box_rows(found: list[Discovery]) -> list[list]:
    """discovery.csv: one row per policy and feature, the box's statistics repeated on each."""
    return [
        [
            d.scenario,
            d.effect,
            d.worst,
            d.threshold,
            d.n_futures,
            d.n_worst,
            d.coverage,
            d.density,
            d.mass,
            lim.feature.name,
            lim.feature.label,
            lim.feature.kind,
            lim.feature.lo,
            lim.feature.hi,
            lim.lo,
            lim.hi,
            lim.side,
            lim.quasi_p,
        ]
        for d in found
        for lim in d.limits
    ]


def score_rows(found: list[Discovery]) -> list[list]:
    """discovery_scores.csv: each policy's features by extra-trees score, highest first."""
    labels = {lim.feature.name: lim.feature.label for d in found for lim in d.limits}
    return [
        [d.scenario, d.effect, name, labels[name], score, i + 1]
        for d in found
        for i, (name, score) in enumerate(d.scores)
    ]


def write(folder: str | Path, found: list[Discovery]) -> list[Path]:
    """The box and score tables in the results folder; returns their paths."""
    folder = Path(folder)
    paths = [folder / BOX_FILE, folder / SCORES_FILE]
    write_quoted(paths[0], BOX_COLUMNS, box_rows(found))
    write_quoted(paths[1], SCORE_COLUMNS, score_rows(found))
    return paths


def write_quoted(path: Path, header: list[str], rows: list[list]) -> None:
    """A CSV file whose text cells may hold commas (a label: 'Fear a notice carries, against word of mouth'),
    quoted where needed so csv readers split it right; numbers as the results tables write them."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows([fmt(v) for v in row] for row in rows)


def limit_words(lim: Limit) -> str:
    """A restricted limit as a reader scans it: 'name (label): above 0.61 (of 0 to 1; quasi-p 0.01)'."""
    f = lim.feature
    said = {"lower": f"above {lim.lo:.3g}", "upper": f"below {lim.hi:.3g}"}.get(
        lim.side, f"{lim.lo:.3g} to {lim.hi:.3g}"
    )
    return f"{f.name} ({f.label}): {said} (of {f.lo:.3g} to {f.hi:.3g}; quasi-p {lim.quasi_p:.2g})"


def summary(found: list[Discovery]) -> str:
    """What `disengage discover` prints: per policy, its worst futures, the box and the top feature scores."""
    out = []
    for d in found:
        out.append(
            f"{d.scenario}: the worst quarter of {d.n_futures} futures ({d.n_worst}, {d.effect} "
            f"{'>' if d.worst == 'highest' else '<'} {d.threshold:.3g}); PRIM box: coverage {d.coverage:.2f}, "
            f"density {d.density:.2f}, mass {d.mass:.2f}"
        )
        out += [f"  {limit_words(lim)}" for lim in d.restricted] or ["  no parameter restricted"]
        out.append("  feature scores: " + ", ".join(f"{name} {score:.2f}" for name, score in d.scores[:5]))
    return "\n".join(out)


def run_discover(folder: str | Path, effect: str = EFFECT) -> str:
    """`disengage discover`: discover, write the tables, draw the figure and refresh the report; what to print."""
    from model.present.figures_discover import draw
    from model.present.report import write_report

    found = discover(folder, effect)
    written = write(folder, found) + draw(folder) + [write_report(folder)]
    return summary(found) + "\n" + "\n".join(f"written: {p}" for p in written)
