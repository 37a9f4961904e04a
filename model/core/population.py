"""A synthetic population: households in segments, their children, and a homophilous network.

All of it is compiled code driven by counter-based draws, so a population is a
pure function of (place, scale, parameters, seed) and builds at England scale
without a Python loop per household.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from model.core.demography import new_household
from model.core.keys import INIT_MONTH_KEY
from model.core.layout import MAX_CHILDREN, N_WAITS, SOCIAL_ENGAGED
from model.core.month import StepArrays
from model.core.rng import uniform

NETWORK_KEY = (1 << 30) + 1  # month key of the draws that wire the network


@dataclass
class State:
    """Struct of arrays, indexed by household slot; `*[2]` buffers are last month's and this month's."""

    seg: np.ndarray  # int8: the household's segment
    trust: np.ndarray  # uint32: trust in health-service confidentiality, fixed point: usual << 16 | current
    propensity: np.ndarray  # float32: the household's own logit shift in taking up any contact
    social: np.ndarray  # uint16 [2, n]: aware, letter and engaged bits, read by neighbours (layout.SOCIAL_*)
    ever: np.ndarray  # uint8: a bit per flow the household has ever learnt of (private: trust erodes on first learning)
    engagement: np.ndarray  # uint16: objecting (a bit per flow) and avoiding (layout.ENG_*), private to the household
    ch_birth: np.ndarray  # int16 [n, MAX_CHILDREN]: birth month of each child
    ch_flags: np.ndarray  # uint16 [n, MAX_CHILDREN]: registration, doses, reviews, need (layout.F_*)
    ch_need_start: np.ndarray  # int16 [n, MAX_CHILDREN]: month a latent need began
    ch_sched: np.ndarray  # int16 [n, MAX_CHILDREN, 4]: month of the child's next full step, its streams' next events
    nbr_ptr: np.ndarray  # int64 [n + 1]: CSR offsets of each household's neighbours
    nbr_idx: np.ndarray  # int32: CSR neighbour list

    @property
    def n_families(self) -> int:
        """Household slots in the population."""
        return self.seg.shape[0]

    def step_arrays(self, month: int) -> StepArrays:
        """The arrays a month's step reads and writes; the month's parity picks last month's buffers."""
        prev, nxt = month % 2, (month + 1) % 2
        return StepArrays(
            self.nbr_ptr,
            self.nbr_idx,
            self.seg,
            self.trust,
            self.propensity,
            self.social[prev],
            self.social[nxt],
            self.ever,
            self.engagement,
            self.ch_birth,
            self.ch_flags,
            self.ch_need_start,
            self.ch_sched,
        )

    def nbytes(self) -> int:
        """Bytes held by the state and the network."""
        return sum(getattr(self, f).nbytes for f in self.__dataclass_fields__)


def segment_counts(n_families: int, shares: tuple[float, ...]) -> np.ndarray:
    """Households per segment by largest remainder, so counts sum exactly to n_families."""
    raw = np.asarray(shares, dtype=np.float64) * n_families
    counts = np.floor(raw).astype(np.int64)
    short = n_families - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


@njit(cache=True)
def _fill_households(seed, P, SEGP, seg, trust, propensity, ch_birth, ch_flags, ch_need_start, ch_sched):
    """Every slot gets a household of its segment, with children of any age and a set-up history."""
    for f in range(seg.shape[0]):
        new_household(
            f,
            0,
            INIT_MONTH_KEY,
            seed,
            P,
            SEGP,
            seg,
            trust,
            propensity,
            ch_birth,
            ch_flags,
            ch_need_start,
            ch_sched,
            False,
            True,
        )


@njit(cache=True)
def _pick_weighted(u, f, s, weight, block_start, block_size):
    """Another household than f, each chosen with chance proportional to its weight: a segment by its share of
    real households, then a household of it uniformly (a segment's households share one weight)."""
    total = 0.0
    for t in range(block_size.shape[0]):
        total += weight[t] * (block_size[t] - (1 if t == s else 0))
    x = u * total
    last = -1
    for t in range(block_size.shape[0]):
        others = block_size[t] - (1 if t == s else 0)
        if others <= 0 or weight[t] <= 0.0:
            continue
        last = t
        mass = weight[t] * others
        if x < mass:
            i = min(int(x / weight[t]), others - 1)
            g = block_start[t] + i
            if t == s and g >= f:
                g += 1  # skip self
            return g
        x -= mass
    t = last  # rounding left x at the very top: the last household of the last segment with any
    g = block_start[t] + block_size[t] - 1
    return g - 1 if g == f else g


@njit(cache=True)
def _wire_network(seed, degree, p_same, window, block_start, block_size, seg, weight, weighted, nbr_idx):
    """Each household listens to `degree` others: with chance p_same one of its own segment among the
    `window[s]` nearest households of that segment (communities are local), else anyone; in a weighted sample
    anyone is chosen with chance proportional to weight, so each household's neighbours are the unweighted mix."""
    n = seg.shape[0]
    for f in range(n):
        s = seg[f]
        for j in range(degree):
            same = uniform(seed, f, NETWORK_KEY, 2 * j) < p_same and block_size[s] > 1
            u = uniform(seed, f, NETWORK_KEY, 2 * j + 1)
            if weighted and not same:
                nbr_idx[f * degree + j] = _pick_weighted(u, f, s, weight, block_start, block_size)
                continue
            if same:
                end = block_start[s] + block_size[s]
                size = window[s]
                lo = min(max(block_start[s], f - size // 2), end - size)
            else:
                lo, size = 0, n
            g = lo + int(u * (size - 1))
            if g >= f and lo <= f < lo + size:
                g += 1  # skip self: draw among the other size - 1 households
            nbr_idx[f * degree + j] = g


@dataclass(frozen=True)
class NetworkSpec:
    """How households are wired: contacts each, share within the segment, size of a local community."""

    degree: int
    p_same_segment: float
    neighbourhood: int

    @classmethod
    def from_params(cls, params) -> "NetworkSpec":
        """The network section of the parameters."""
        v = params.value
        return cls(int(v("network.degree")), v("network.p_same_segment"), int(v("network.neighbourhood_households")))


@dataclass(frozen=True)
class Design:
    """A stratified sample: households simulated in each segment and the real households each one stands for.

    Small segments are sampled at higher rates than the general population, so every segment is resolved;
    a household's weight is its segment's, and weighted sums over segments are estimates for the real place.
    """

    counts: np.ndarray  # int64 [N_SEG]: simulated households of each segment
    weights: np.ndarray  # float64 [N_SEG]: real households per simulated household (0 for an empty segment)

    @property
    def oversampling(self) -> np.ndarray:
        """Each segment's sampling rate over the lowest rate of any segment (1 for the least sampled)."""
        base = float(self.weights.max())
        return np.array([base / w if w > 0 else 1.0 for w in self.weights])


def segment_weights(n_families: int, shares: tuple[float, ...], counts: np.ndarray) -> np.ndarray:
    """Real households per simulated household in each segment: the segment's share of the place over its count."""
    real = np.asarray(shares, dtype=np.float64) * n_families
    return np.array([r / c if c > 0 else 0.0 for r, c in zip(real, counts, strict=True)])


def stratified_design(
    n_families: int, shares: tuple[float, ...], scale: float, general_households: int, min_households: int
) -> Design:
    """`general_households` x scale households of the general population (segment 0), the same sampling rate in
    every segment, raised where a segment would get fewer than `min_households` x scale; then the weights."""
    real = np.asarray(shares, dtype=np.float64) * n_families
    base_rate = general_households / real[0] if real[0] > 0 else 1.0
    rates = np.array([max(base_rate, min_households / r) if r > 0 else 0.0 for r in real])
    counts = np.round(real * rates * scale).astype(np.int64)
    counts[(real > 0) & (counts < 1)] = 1
    return Design(counts, segment_weights(n_families, shares, counts))


def community_windows(neighbourhood: int, counts: np.ndarray, oversampling: np.ndarray) -> np.ndarray:
    """Households among which a same-segment contact is drawn, by segment: `neighbourhood` of the unweighted
    population, which a segment sampled k times as densely holds in k times as many slots (at most the segment)."""
    return np.array(
        [min(int(round(neighbourhood * k)), int(c)) for c, k in zip(counts, oversampling, strict=True)],
        dtype=np.int64,
    )


def build_population(
    n_families: int,
    shares: tuple[float, ...],
    network: NetworkSpec,
    P: np.ndarray,
    SEGP: np.ndarray,
    seed: int,
    design: Design | None = None,
) -> State:
    """Households in contiguous segment blocks, their children at set-up, and the CSR network.

    Without a design the segments hold their shares of `n_families` (every household stands for as many real
    ones); with one they hold its counts and the network draws anyone by weight (docs/ODD.md, Sampling and weights).
    """
    counts = segment_counts(n_families, shares) if design is None else design.counts
    n_families = int(counts.sum())
    seg = np.repeat(np.arange(len(counts), dtype=np.int8), counts)
    trust = np.zeros(n_families, dtype=np.uint32)
    propensity = np.zeros(n_families, dtype=np.float32)
    ch_birth = np.zeros((n_families, MAX_CHILDREN), dtype=np.int16)
    ch_flags = np.zeros((n_families, MAX_CHILDREN), dtype=np.uint16)
    ch_need_start = np.zeros((n_families, MAX_CHILDREN), dtype=np.int16)
    ch_sched = np.zeros((n_families, MAX_CHILDREN, 1 + N_WAITS), dtype=np.int16)
    _fill_households(seed, P, SEGP, seg, trust, propensity, ch_birth, ch_flags, ch_need_start, ch_sched)
    block_start = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    degree = network.degree if n_families > 1 else 0
    nbr_idx = np.zeros(n_families * degree, dtype=np.int32)
    oversampling = np.ones(len(counts)) if design is None else design.oversampling
    window = community_windows(network.neighbourhood, counts, oversampling)
    weight = np.ones(len(counts)) if design is None else design.weights
    _wire_network(
        seed, degree, network.p_same_segment, window, block_start, counts, seg, weight, design is not None, nbr_idx
    )
    nbr_ptr = np.arange(n_families + 1, dtype=np.int64) * degree
    social = np.full((2, n_families), SOCIAL_ENGAGED, dtype=np.uint16)  # unaware, no letters, engaged
    return State(
        seg=seg,
        trust=trust,
        propensity=propensity,
        social=social,
        ever=np.zeros(n_families, dtype=np.uint8),
        engagement=np.zeros(n_families, dtype=np.uint16),  # everyone engaged, objecting to nothing
        ch_birth=ch_birth,
        ch_flags=ch_flags,
        ch_need_start=ch_need_start,
        ch_sched=ch_sched,
        nbr_ptr=nbr_ptr,
        nbr_idx=nbr_idx,
    )
