"""Two results folders' tables compared: identical byte for byte, or which outcomes differ, where and by how much.

Used by `disengage reproduce` and by the golden-results test, so a reviewer and
a failing test read the same short table.
"""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from model.inputs.errors import InputError

TABLES = ("runs.csv", "timeseries.csv", "effects.csv")
# the columns that name a row (every one a table has; `point` only in a sweep's); every other column is a value
ROW_KEYS = {
    "runs.csv": ("scenario", "replicate", "point"),
    "timeseries.csv": ("scenario", "replicate", "point", "month"),
    "effects.csv": ("scenario", "point", "outcome"),
}
OPTIONAL_KEYS = {"point"}  # absent from the tables of an experiment without a design
MAX_PER_TABLE = 6  # outcomes listed per table before "... and N more"


@dataclass(frozen=True)
class OutcomeDiff:
    """The cells of one outcome in one table that differ, and the one that differs most."""

    table: str
    outcome: str
    n_differ: int
    n_cells: int
    where: str  # the row (and column) of the largest difference
    recorded: str
    now: str


@dataclass(frozen=True)
class TableDiff:
    """One table compared: byte-identical or not, outcomes that differ, rows or columns on one side only."""

    table: str
    identical: bool
    n_rows: int
    rows_differ: int
    outcomes: tuple[OutcomeDiff, ...]
    problems: tuple[str, ...]


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one CSV table."""
    if not path.is_file():
        raise InputError(str(path), "", "an existing results table")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(str(path), "", "a CSV table with a header row")
    return rows[0], rows[1:]


def change(recorded: str, now: str) -> float:
    """now - recorded as numbers; NaN when either side is not a number (or is NaN)."""
    try:
        return float(now) - float(recorded)
    except ValueError:
        return math.nan


def size(recorded: str, now: str) -> float:
    """How far apart two differing cells are, for ranking: |change|, or infinite when they cannot be subtracted."""
    d = change(recorded, now)
    return math.inf if math.isnan(d) else abs(d)


def compare_table(recorded_dir: Path, now_dir: Path, table: str) -> TableDiff:
    """Compare one table of two folders, row by row on its key columns and cell by cell on the rest."""
    rec_path, now_path = recorded_dir / table, now_dir / table
    if rec_path.is_file() and now_path.is_file() and rec_path.read_bytes() == now_path.read_bytes():
        _, rows = read_table(rec_path)
        return TableDiff(table, True, len(rows), 0, (), ())
    rec_head, rec_rows = read_table(rec_path)
    now_head, now_rows = read_table(now_path)
    keys = tuple(k for k in ROW_KEYS[table] if k not in OPTIONAL_KEYS or k in rec_head or k in now_head)
    for head, path in ((rec_head, rec_path), (now_head, now_path)):
        missing = [k for k in keys if k not in head]
        if missing:
            raise InputError(str(path), "header", f"the columns {', '.join(keys)}", ",".join(head))
    problems = []
    if rec_head != now_head:
        only_rec = [c for c in rec_head if c not in now_head]
        only_now = [c for c in now_head if c not in rec_head]
        problems.append(
            f"{table}: columns differ (recorded only: {', '.join(only_rec) or '-'}; "
            f"now only: {', '.join(only_now) or '-'}; order or names changed)"
        )
    rec = {tuple(r[rec_head.index(k)] for k in keys): dict(zip(rec_head, r, strict=False)) for r in rec_rows}
    now = {tuple(r[now_head.index(k)] for k in keys): dict(zip(now_head, r, strict=False)) for r in now_rows}
    for label, a, b in (("recorded", rec, now), ("now", now, rec)):
        extra = [k for k in a if k not in b]
        if extra:
            problems.append(f"{table}: {len(extra)} rows {label} only, e.g. {' '.join(extra[0])}")
    if len(rec) < len(rec_rows) or len(now) < len(now_rows):
        problems.append(f"{table}: rows repeat the same {', '.join(keys)} (a table this code did not write?)")
    values = [c for c in rec_head if c in now_head and c not in keys]
    cells: dict[str, list[tuple[str, str, str]]] = {}
    totals: dict[str, int] = {}
    rows_differ = 0
    for key, row in rec.items():
        if key not in now:
            continue
        differs = False
        for col in values:
            named = dict(zip(keys, key, strict=True))
            outcome, where = (row["outcome"], f"{row_label(named)} {col}") if table == "effects.csv" else (
                col, row_label(named))  # fmt: skip
            totals[outcome] = totals.get(outcome, 0) + 1
            a, b = row.get(col, ""), now[key].get(col, "")
            if a != b:
                differs = True
                cells.setdefault(outcome, []).append((where, a, b))
        rows_differ += differs
    outcomes = []
    for outcome, found in cells.items():
        where, a, b = max(found, key=lambda c: size(c[1], c[2]))
        outcomes.append(OutcomeDiff(table, outcome, len(found), totals[outcome], where, a, b))
    order = list(totals)  # the table's own order: overall outcomes before their segments
    outcomes.sort(key=lambda o: order.index(o.outcome))
    if not outcomes and not problems:
        problems.append(f"{table}: the same values but different bytes (line ends or number format)")
    return TableDiff(table, False, len(rec_rows), rows_differ, tuple(outcomes), tuple(problems))


def row_label(key: dict[str, str]) -> str:
    """A row named for a reader: scenario, then design point, replicate and month where the table has them."""
    parts = [key["scenario"]]
    parts += [f"{k} {key[k]}" for k in ("point", "replicate", "month") if k in key]
    return " ".join(parts)


def compare_folders(recorded_dir: Path, now_dir: Path) -> list[TableDiff]:
    """The three tables of two results folders compared."""
    return [compare_table(Path(recorded_dir), Path(now_dir), t) for t in TABLES]


def short_number(text: str) -> str:
    """A cell for the report: numbers to 6 significant figures, anything else as written."""
    try:
        return f"{float(text):.6g}"
    except ValueError:
        return text or "(empty)"


def report(diffs: list[TableDiff]) -> str:
    """A short table of the outcomes that differ (the first few of each table, in its column order), then rows or
    columns found on one side only."""
    listed = [o for d in diffs for o in d.outcomes[:MAX_PER_TABLE]]
    width = max([len("outcome")] + [len(o.outcome) for o in listed])
    lines = [f"{'table':<15} {'outcome':<{width}} {'cells differ':>12}  largest difference: recorded -> now (where)"]
    for d in diffs:
        for o in d.outcomes[:MAX_PER_TABLE]:
            step = change(o.recorded, o.now)
            by = "" if math.isnan(step) else f" ({step:+.3g})"
            lines.append(
                f"{o.table:<15} {o.outcome:<{width}} {f'{o.n_differ}/{o.n_cells}':>12}  "
                f"{short_number(o.recorded)} -> {short_number(o.now)}{by} ({o.where})"
            )
        if len(d.outcomes) > MAX_PER_TABLE:
            lines.append(f"{d.table:<15} ... and {len(d.outcomes) - MAX_PER_TABLE} more outcomes differ")
    lines.extend(p for d in diffs for p in d.problems)
    return "\n".join(lines)
