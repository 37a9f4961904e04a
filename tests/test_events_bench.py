"""benchmarks.events counts household-months with events from the state before and after each month: checked
against what must hold whatever the draws (nothing runs under the baseline; a first learning is a learning)."""

import subprocess
import sys

import numpy as np

import benchmarks.kernel as bk
from benchmarks.events import KINDS, event_shares, monthly_events

from .conftest import REPO


def test_nothing_runs_under_the_baseline_so_no_awareness_or_trust_events():
    shares = event_shares("wigan", "baseline", 6, scale=0.05)
    for kind in ("learnt", "forgot", "engagement", "trust recovering", "an unknown running flow", "match month"):
        assert shares[kind].max() == 0.0, kind
    assert 0.0 < shares["child due"].mean() < 1.0
    assert np.array_equal(shares["any event"], shares["any event but trust"])
    assert bk.SCENARIO == "national_sui_mandate", "the benchmark's default scenario was changed behind its back"


def test_every_first_learning_is_counted_as_learnt_and_any_event_covers_each_kind():
    first_learnt_total = 0
    for month, before, state, ev in monthly_events("wigan", "national_sui_mandate", 12, scale=0.05):
        if month == 0:  # no one has heard of anything yet, and the Bill's flows run from the start
            assert ev["an unknown running flow"].all()
        first = (state.ever & ~before["ever"]) != 0
        first_learnt_total += int(first.sum())
        assert not (first & ~ev["learnt"]).any()
        for kind in KINDS[:7]:
            assert not (ev[kind] & ~ev["any event"]).any(), kind
    assert first_learnt_total > 0


def test_an_unknown_place_is_one_line_naming_its_file():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.events", "--place", "nowhere", "--months", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
    assert "nowhere.yaml" in run.stderr and "expected an existing file" in run.stderr, run.stderr
