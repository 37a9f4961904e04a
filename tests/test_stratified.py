"""A stratified, weighted population: the design, the network's neighbourhoods, weighted outcomes, and that a
proportional place runs as before (docs/ODD.md, Sampling and weights)."""

import dataclasses
import math

import numpy as np
import pytest
import yaml

from model.core import outcomes
from model.core.layout import SEGMENTS
from model.core.population import NetworkSpec, build_population, community_windows
from model.inputs.params import load_parameters, to_arrays
from model.inputs.paths import DEFAULT_PARAMS_DIR
from model.inputs.scenario import load_place, load_scenario
from model.sim.simulate import simulate

PLACES = DEFAULT_PARAMS_DIR / "places"
MIN_CHILDREN = 2000  # the floor: every segment of every place resolved
K = outcomes.K


@pytest.fixture(scope="module")
def params():
    return load_parameters(DEFAULT_PARAMS_DIR)


def scenario(name: str):
    return load_scenario(DEFAULT_PARAMS_DIR / "scenarios" / f"{name}.yaml")


@pytest.mark.parametrize("name", ["england", "wales", "wigan"])
def test_the_design_gives_every_segment_its_floor_and_weights_that_restore_the_place(name):
    place = load_place(PLACES / f"{name}.yaml", stratified=True)
    design = place.design(1.0)
    assert design.counts[0] == place.sample.general_households, "the general population is sampled as written"
    assert design.counts.min() >= place.sample.min_households, f"a segment under its floor: {design.counts}"
    real = np.asarray(place.segment_shares) * place.n_families
    assert np.allclose(design.counts * design.weights, real), "weights x counts must give the real households"
    assert design.weights.argmax() == 0 and design.oversampling[0] == 1.0, "the general population is least sampled"
    assert place.scaled_families(1.0) == design.counts.sum()


def test_a_place_runs_proportionally_unless_the_experiment_asks_for_its_sample():
    plain = load_place(PLACES / "wigan.yaml")
    assert plain.sample is None and plain.design(1.0) is None
    assert plain.scaled_families(0.5) == round(plain.n_families * 0.5), "a proportional place sizes as before"


def test_a_stratified_experiment_needs_a_place_with_a_sample(tmp_path, tmp_experiment):
    from model.experiments.experiment import load_experiment, place_record
    from model.inputs.errors import InputError

    exp = load_experiment(tmp_experiment(sample="stratified"))
    assert exp.place.sample is not None and place_record(exp.place)["sample"]["min_households"] == 1500
    assert "sample" not in place_record(load_experiment(tmp_experiment()).place), "a proportional record is as before"
    data = yaml.safe_load((PLACES / "wigan.yaml").read_text())
    del data["stratified_sample"]
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="stratified_sample"):
        load_experiment(tmp_experiment(sample="stratified", place=str(bare)))


def neighbour_segments(state) -> np.ndarray:
    """[own segment, neighbour's segment] counts over every edge of the network."""
    degree = int(state.nbr_ptr[1] - state.nbr_ptr[0])
    own = np.repeat(state.seg, degree)
    out = np.zeros((len(SEGMENTS), len(SEGMENTS)), dtype=np.int64)
    np.add.at(out, (own, state.seg[state.nbr_idx]), 1)
    return out


def test_neighbours_come_from_the_unweighted_mix_and_every_household_keeps_its_degree(params):
    """A household's contacts: p_same its own segment, the rest drawn by weight, so from each segment in proportion
    to its real households (not to its simulated ones, which oversample small segments by up to 9 times)."""
    place = load_place(PLACES / "wigan.yaml", stratified=True)
    P, SEGP = to_arrays(params, place.mean_children, place.need_rate_factor)
    net = NetworkSpec.from_params(params)
    design = place.design(0.5)
    state = build_population(0, place.segment_shares, net, P, SEGP, 3, design)
    assert np.all(np.diff(state.nbr_ptr) == net.degree), "every household hears from `degree` others"
    assert np.all(state.nbr_idx != np.repeat(np.arange(state.n_families), net.degree)), "nobody is their own contact"
    mix = neighbour_segments(state)
    shares = np.asarray(place.segment_shares)
    for s in range(len(SEGMENTS)):
        n = mix[s].sum()
        expected = (1 - net.p_same_segment) * shares + net.p_same_segment * (np.arange(len(SEGMENTS)) == s)
        sd = np.sqrt(n * expected * (1 - expected))
        z = (mix[s] - n * expected) / np.maximum(sd, 1.0)
        assert np.all(np.abs(z) < 5), f"{SEGMENTS[s]}: neighbours {mix[s]} against {np.round(n * expected)}"
    # the same formula holds for the unweighted population (the reference it copies)
    plain = build_population(place.scaled_families(1.0), place.segment_shares, net, P, SEGP, 3)
    general = neighbour_segments(plain)[0]
    expected = (1 - net.p_same_segment) * shares + net.p_same_segment * (np.arange(len(SEGMENTS)) == 0)
    assert np.allclose(general / general.sum(), expected, atol=0.003)


def test_a_community_holds_the_real_households_it_held_unweighted(params):
    """A same-segment contact is drawn among `neighbourhood` households of the unweighted population; a segment
    sampled k times as densely holds them in k times the slots. Wigan's 157 Gypsy, Roma and Traveller households are
    one community unweighted (under 2,000); oversampled they still are, while the general population stays local."""
    place = load_place(PLACES / "wigan.yaml", stratified=True)
    design = place.design(1.0)
    neighbourhood = NetworkSpec.from_params(params).neighbourhood
    window = community_windows(neighbourhood, design.counts, design.oversampling)
    grt = SEGMENTS.index("grt")
    assert design.oversampling[grt] > 5 and window[grt] == design.counts[grt], "GRT families are one community"
    assert window[0] == neighbourhood < design.counts[0], "general-population communities stay local"
    unweighted = community_windows(neighbourhood, design.counts, np.ones(len(SEGMENTS)))
    assert np.all(unweighted == np.minimum(neighbourhood, design.counts)), "unweighted: the rule before stratification"


def test_births_and_moves_keep_the_design_and_every_segment_has_its_children(params):
    """England's sample at scale 1 for five years: households per segment never change (a mover or a new family
    takes its slot's segment) and every segment holds over 2,000 children in every month."""
    place = load_place(PLACES / "england.yaml", stratified=True)
    counters = simulate(params, place, 1.0, scenario("baseline"), 60, 12, 4)
    families = counters[:, :, K["families"]]
    assert np.all(families == place.design(1.0).counts), "households per segment moved"
    least = counters[:, :, K["children"]].min(axis=0)
    fewest = dict(zip(SEGMENTS, least.tolist(), strict=True))
    assert least.min() >= MIN_CHILDREN, f"fewest children by segment over the months: {fewest}"


def test_weighted_outcomes_estimate_the_unweighted_place_and_plain_sums_would_not(params):
    """Trust and missing education differ by segment, so summing an oversampled population plainly is biased (home
    educating families are 1.2% of Wigan's households but 5% of the sample); weighted, the stratified Wigan gives the
    proportional Wigan's overall values."""
    strat = load_place(PLACES / "wigan.yaml", stratified=True)
    plain = load_place(PLACES / "wigan.yaml")
    base = scenario("baseline")
    a = simulate(params, strat, 0.3, base, 24, 12, 8)
    b = simulate(params, plain, 0.3, base, 24, 12, 8)
    weighted, ref, naive = (outcomes.window_values(a, strat.design(0.3).weights), outcomes.window_values(b),
                            outcomes.window_values(a))  # fmt: skip
    # about 90 children missing education a month in each run, episodes of 4 months: a standard error near 2 per 10k
    missing = "missing_education_per_10k"
    assert abs(weighted[missing] - ref[missing]) < 8, f"weighted {weighted[missing]:.1f} against {ref[missing]:.1f}"
    assert naive[missing] > 2 * ref[missing], f"plain sums should be biased here ({naive[missing]:.1f})"
    assert abs(weighted["mean_trust"] - ref["mean_trust"]) < 0.005, (weighted["mean_trust"], ref["mean_trust"])
    assert abs(naive["mean_trust"] - ref["mean_trust"]) > 0.03, (naive["mean_trust"], ref["mean_trust"])


def test_a_policy_that_changes_nothing_has_exactly_zero_effect_weighted(params):
    place = load_place(PLACES / "wales.yaml", stratified=True)
    base = scenario("baseline")
    same = dataclasses.replace(base, name="same_as_baseline")
    w = place.design(0.05).weights
    rows = [outcomes.final_year(simulate(params, place, 0.05, sc, 30, 12, 6), w) for sc in (same, base)]
    effects = outcomes.paired_effects(rows[0], rows[1])
    assert all(v == 0 or math.isnan(v) for v in effects.values()), "a policy that changes nothing moved an effect"
    assert effects["lost_safeguarding_contacts_per_10k"] == 0.0


def test_drivers_agree_on_a_stratified_population(params):
    place = load_place(PLACES / "wales.yaml", stratified=True)
    bill = scenario("national_sui_mandate")
    a = simulate(params, place, 0.03, bill, 20, 6, 12, "agents")
    k = simulate(params, place, 0.03, bill, 20, 6, 12, "kernel")
    assert np.array_equal(a, k), "counters differ between drivers on a stratified population"
