"""Edit a saved table in place, a row at a time: for tests that show a figure or page follows its data."""

import csv
from collections.abc import Callable
from pathlib import Path


def edit_rows(path: Path, change: Callable[[dict[str, str]], dict[str, str] | None]) -> int:
    """Rewrite the CSV with change(row) for each row (a dict of its cells; None keeps it); returns rows changed."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    changed = 0
    for i, r in enumerate(rows):
        new = change(dict(r))
        if new is not None and new != r:
            rows[i], changed = new, changed + 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return changed
