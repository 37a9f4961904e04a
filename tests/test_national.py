"""The national experiment and national_counts.csv, checked against a hand computation from a tiny run's tables."""

import csv
import json
import math

import numpy as np
import pytest
import yaml

from model.core.layout import SEGMENTS
from model.core.registry import read_under
from model.experiments import counts
from model.experiments.national import ALL_NATIONS, load_national, run_national
from model.experiments.store import read_counters
from model.inputs.scenario import load_place

from .conftest import REPO, write_scenario

PER_10K_YEAR = 10_000 * 12


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """Two nations at a sliver of their stratified samples, two years of policy, three replicates."""
    folder = tmp_path_factory.mktemp("national")
    nothing = write_scenario(folder, "nothing", [])  # a policy that changes nothing
    spec = yaml.safe_load((REPO / "experiments" / "national.yaml").read_text())
    spec.update(months=36, burn_in_months=12, replicates=3)
    spec["nations"]["england"].update(scale=0.05, scenarios=["baseline", "national_sui_mandate", str(nothing)])
    spec["nations"]["wales"].update(scale=0.05, scenarios=["baseline", "national_sui_mandate", "wales_cme_matching"])
    path = folder / "national.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = run_national(path, folder / "out")
    with (out / counts.COUNTS_FILE).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return path, out, {(r["nation"], r["scenario"], r["measure"], r["period"]): r for r in rows}


def timeseries(folder):
    """timeseries.csv by (scenario, replicate): its rows in month order."""
    out = {}
    with (folder / "timeseries.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault((r["scenario"], int(r["replicate"])), []).append(r)
    return out


def stored(folder):
    """Each run's counters by (scenario, replicate), found through the store's plan."""
    plan = json.loads((folder / "store" / "plan.json").read_text())
    runs = plan["runs"] if isinstance(plan, dict) else plan
    return {(r["scenario"], r["replicate"]): read_counters(folder / "store" / "runs" / f"{r['run_id']}.parquet")
            for r in runs}  # fmt: skip


def by_hand(folder, place, scenario, months, reps, outcome, denominator, level):
    """Per replicate: the policy's total minus the status quo's over `months`, each segment's monthly rate or
    share from timeseries.csv times its denominator from the counters, weighted by the place's weights."""
    ts, ctr = timeseries(folder), stored(folder)
    w = place.weights(0.05)
    from model.core.outcomes import K

    def total(sc, r):
        t = 0.0
        for m in months:
            for s, seg in enumerate(SEGMENTS):
                den = ctr[(sc, r)][m, s, K[denominator]]
                value = float(ts[(sc, r)][m][f"{outcome}__{seg}"])
                if den > 0:
                    t += w[s] * level(value, den)
        return t

    return [total(scenario, r) - total("baseline", r) for r in range(reps)]


def test_counts_match_a_hand_computation_from_timeseries(national):
    path, out, rows = national
    nat = load_national(path)
    england = dict(nat.nations)["england"]
    place = england.place
    year1 = range(12, 24)
    unvacc = by_hand(out / "england", place, "national_sui_mandate", year1, 3, "coverage_mmr1_24m", "cohort_24m",
                     lambda share, den: (1 - share) * den)  # fmt: skip
    row = rows[("england", "national_sui_mandate", "not_vaccinated_mmr1_24m", "year_1")]
    assert float(row["mean"]) == pytest.approx(np.mean(unvacc), rel=1e-9, abs=1e-6)
    assert float(row["lo"]) == pytest.approx(np.quantile(unvacc, 0.05), rel=1e-9, abs=1e-6)
    contacts = by_hand(out / "england", place, "national_sui_mandate", range(12, 36), 3,
                       "safeguarding_contacts_per_10k", "children", lambda rate, den: rate * den / PER_10K_YEAR)
    row = rows[("england", "national_sui_mandate", "safeguarding_contacts_lost", "years_1_2")]
    assert float(row["mean"]) == pytest.approx(-np.mean(contacts), rel=1e-9, abs=1e-6)


def test_counts_are_for_the_real_nation(national):
    """Weighted, the sample's children are the nation's: the counts are of real children, not simulated ones."""
    path, out, _ = national
    nat = load_national(path)
    for nation, exp in nat.nations:
        ctr = stored(out / nation)[("baseline", 0)]
        from model.core.outcomes import K

        children = (ctr[:, :, K["children"]].mean(axis=0) * exp.place.weights(exp.scale)).sum()
        assert children == pytest.approx(exp.place.n_children, rel=0.1), f"{nation}: {children:.0f} children"


def test_england_and_wales_together_is_the_sum_and_a_change_of_nothing_is_an_exact_zero(national):
    _, _, rows = national
    for measure in ("safeguarding_contacts_lost", "not_vaccinated_6in1_12m", "children_missing_education_found"):
        key = ("national_sui_mandate", measure, "years_1_2")
        both = float(rows[(ALL_NATIONS, *key)]["mean"])
        assert both == pytest.approx(float(rows[("england", *key)]["mean"]) + float(rows[("wales", *key)]["mean"]))
    assert not any(k[0] == ALL_NATIONS and k[1] == "wales_cme_matching" for k in rows), "only policies both run"
    zero = rows[("england", "nothing", "children_at_risk_not_identified", "years_1_2")]
    assert zero["text"] == "0 (0 to 0)" and zero["note"].startswith("zero in every replicate")
    cme = rows[("england", "nothing", "children_missing_education_found", "year_1")]
    assert "no data matching" in cme["note"]
    before = rows[("england", "national_sui_mandate", "children_missing_education_found", "year_1")]
    assert before["text"] == "0 (0 to 0)" and "first runs 12 months after the policy starts" in before["note"]
    assert float(rows[("england", "national_sui_mandate", "children_missing_education_found", "year_2")]["mean"]) > 0
    assert all(r["note"] == "" for k, r in rows.items() if k[1] != "nothing" and r["text"] != "0 (0 to 0)")


def test_periods_are_policy_years_and_their_sums():
    spans = counts.periods(180, 60)
    assert spans[0] == ("year_1", 60, 72) and spans[9] == ("year_10", 168, 180)
    assert spans[10] == ("years_1_3", 60, 96) and spans[11] == ("years_1_10", 60, 180) and len(spans) == 12


@pytest.mark.parametrize(("value", "text"), [(0.0, "0"), (12345.6, "12,000"), (-987.0, "-990"), (42.4, "42"),
                                             (0.24, "0.2"), (-0.04, "0.0"), (-0.4, "-0.4")])  # fmt: skip
def test_count_text_reads_as_a_committee_quotes_it(value, text):
    assert counts.count_text(value) == text


# What the household decision reads and we are unsure of (issue: the national answer, live parameters): avoidance
# entry and duration, awareness, trust, the household's engagement, peers, the safeguards, matching's detection.
LIVE_SECTIONS = ("awareness", "trust", "engagement", "safeguards")
NOT_DRAWN = {"trust.trust_spread"}  # the spread of usual trust across households: not how trust moves


def test_the_national_file_draws_only_live_parameters_and_resolves_every_group():
    nat = load_national(REPO / "experiments" / "national.yaml")
    names = {n: e for n, e in nat.nations}
    assert [s.name for s in names["england"].scenarios] == [
        "baseline", "national_sui_mandate", "national_with_safeguards", "national_mandate_repealed"]
    assert [s.name for s in names["wales"].scenarios] == ["baseline", "wales_cme_matching", "national_sui_mandate"]
    for _, exp in nat.nations:
        drawn = {p for _, paths in exp.uncertainty.draws for p in paths}
        assert all(read_under(p, ("household",)) for p in drawn), "a dead knob is drawn"
        behavioural = {p for p in exp.params.entries if p.split(".")[0] in LIVE_SECTIONS or
                       p.split(".")[-1] in ("rel_avoid", "dur_avoid_months")} - NOT_DRAWN
        assert behavioural <= drawn, f"live behavioural parameters not drawn: {sorted(behavioural - drawn)}"
        assert {f"segments.{s}.rel_avoid" for s in SEGMENTS} <= drawn
        assert {"behaviour.w_peer", "safeguarding.p_detect_matching"} <= drawn
        assert exp.replicates >= 20 and exp.months - exp.burn_in_months == 120
        assert exp.place.design(exp.scale).counts.min() >= 1500
        assert exp.place == load_place(exp.place.file, stratified=True)
    assert not math.isnan(names["england"].place.weights(1.0)[0])


def test_a_zero_count_says_why():
    """The note names the reason the model gives exactly zero: no matching, matching not yet begun, or doses whose
    scheduled offers all came before the policy (MMR1 by 5 years: offered at 12 and 40 months, 20 months before)."""
    m = {x.name: x for x in counts.MEASURES}
    cme, mmr1_5y = m["children_missing_education_found"], m["not_vaccinated_mmr1_5y"]
    six_12m = m["not_vaccinated_6in1_12m"]
    assert "runs no data matching" in counts.zero_note(cme, None, 12)
    assert "first runs 12 months" in counts.zero_note(cme, 12, 12)
    assert "changes nothing" in counts.zero_note(cme, 12, 24)
    assert mmr1_5y.offers_before == 60 - 40 and six_12m.offers_before == 12 - 4
    assert "scheduled offer" in counts.zero_note(mmr1_5y, None, 12)
    assert "scheduled offer" in counts.zero_note(mmr1_5y, 0, 20)
    assert "changes nothing" in counts.zero_note(mmr1_5y, None, 24)
    assert "changes nothing" in counts.zero_note(six_12m, 0, 12)


def test_the_delay_is_in_days():
    t = np.zeros(len(counts.COUNTERS))
    t[counts.K["months_to_identification_sum"]], t[counts.K["identified_any_route"]] = 30.0, 10.0
    delay = {x.name: x for x in counts.MEASURES}["days_to_identification_later"]
    assert delay.level(t) == pytest.approx(3.0 * 365.25 / 12)


@pytest.mark.fast
def test_wales_in_the_national_experiment_runs_the_welsh_fit():
    """national.yaml's Wales carries the overrides of experiments/wales.yaml (the Welsh calibration), so a refit of
    one cannot leave the other on the old schedule."""
    national = yaml.safe_load((REPO / "experiments" / "national.yaml").read_text())["nations"]["wales"]["overrides"]
    wales = yaml.safe_load((REPO / "experiments" / "wales.yaml").read_text())["overrides"]
    assert national == wales


def test_disengage_run_takes_a_national_file_and_refuses_a_set_on_it(tmp_path, capsys):
    """`disengage run experiments/national.yaml` (what `make national` calls) runs each nation and the counts; a
    `--set` is for experiment files and is refused in one line, as `check` refuses it."""
    from model.cli import main

    spec = yaml.safe_load((REPO / "experiments" / "national.yaml").read_text())
    spec.update(months=24, burn_in_months=12, replicates=1)
    for nation in spec["nations"].values():
        nation.update(scale=0.01, scenarios=["baseline", "national_sui_mandate"])
    path = tmp_path / "national.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert main(["run", str(path), "--out", str(tmp_path / "refused"), "--set", "replicates=2"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "experiment files only" in err, err
    assert not (tmp_path / "refused").exists()
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0, capsys.readouterr().err
    assert (tmp_path / "out" / counts.COUNTS_FILE).is_file()
    assert {p.parent.name for p in (tmp_path / "out").glob("*/runs.csv")} == {"england", "wales"}


def test_a_national_file_with_under_a_year_of_policy_is_refused_in_one_line(tmp_path, capsys):
    """national_counts.csv counts whole years of policy, so a national file with less than a year after its
    burn-in is refused by name and field before anything runs (it once ended in an IndexError after the runs)."""
    from model.cli import main

    spec = yaml.safe_load((REPO / "experiments" / "national.yaml").read_text())
    spec.update(months=20, burn_in_months=12, replicates=1)
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    for verb in (["check", str(path)], ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]):
        assert main(verb) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "short.yaml" in err[0] and "months" in err[0] and "a whole year" in err[0], err
    assert not (tmp_path / "out").exists()


def test_measles_rows_per_nation_sum_and_are_zero_for_a_change_of_nothing(national):
    """national.yaml asks for measles outcomes: each nation has them, a change of nothing moves none, and the
    children in communities below the threshold add over the nations."""
    _, _, rows = national
    for measure in (m.name for m in counts.MEASLES_MEASURES):
        zero = rows[("england", "nothing", measure, counts.END_OF_RUN)]
        assert zero["text"] == "0 (0 to 0)" and zero["note"].startswith("zero in every replicate"), (measure, zero)
        assert ("wales", "national_sui_mandate", measure, counts.END_OF_RUN) in rows
    key = ("national_sui_mandate", "measles_children_below_threshold", counts.END_OF_RUN)
    both = float(rows[(ALL_NATIONS, *key)]["mean"])
    assert both == pytest.approx(float(rows[("england", *key)]["mean"]) + float(rows[("wales", *key)]["mean"]))


def test_outbreak_risk_of_both_nations_is_each_nations_weighted_by_its_households(national):
    """The chance of an outbreak and the cases per importation, importations placed by real households, pool over
    the nations as each nation's change weighted by its real households (the mean of weighted differences is the
    weighted mean of the nations' mean differences); the households are the samples' counts times weights."""
    path, _, rows = national
    spec = yaml.safe_load(path.read_text())
    assert spec["sample"] == "stratified"
    homes = {}
    for nation in ("england", "wales"):
        place = load_place(REPO / "params" / "places" / f"{spec['nations'][nation]['place']}.yaml", stratified=True)
        design = place.design(spec["nations"][nation]["scale"])
        homes[nation] = sum(float(c) * float(w) for c, w in zip(design.counts, design.weights, strict=True))
    for measure in ("measles_p_outbreak", "measles_cases_per_importation"):
        key = ("national_sui_mandate", measure, counts.END_OF_RUN)
        each = {n: float(rows[(n, *key)]["mean"]) for n in homes}
        expected = sum(homes[n] * each[n] for n in homes) / sum(homes.values())
        assert float(rows[(ALL_NATIONS, *key)]["mean"]) == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert min(each.values()) - 1e-12 <= expected <= max(each.values()) + 1e-12
    assert (ALL_NATIONS, "national_sui_mandate", "measles_contact_adjusted_immunity", counts.END_OF_RUN) not in rows
