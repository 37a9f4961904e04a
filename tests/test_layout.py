"""The shared vocabulary holds together: indices follow their names, random-stream purposes never collide,
and the bits of a child's flags word do not overlap."""

from model.core import layout as L


def test_contiguous_blocks_follow_their_name_tuples():
    for k, contact in enumerate(L.CONTACTS):
        assert L.P_NAMES[L.P_DETECT0 + k] == f"p_detect_{contact}", f"P_DETECT0 + {k} is not p_detect_{contact}"
    for r, recipient in enumerate(L.RECIPIENTS):
        assert L.SEGP_NAMES[L.S_FEAR0 + r] == f"fear_{recipient}", f"S_FEAR0 + {r} is not fear_{recipient}"


def test_every_index_constant_names_its_tuple_entry():
    tables = {"P_": L.P_NAMES, "S_": L.SEGP_NAMES, "K_": L.COUNTERS}
    for name, value in vars(L).items():
        for prefix, names in tables.items():
            if name.startswith(prefix) and isinstance(value, int) and name[2:].lower() in names:
                assert names[value] == name[2:].lower(), f"{name} = {value} points at {names[value]}"


def child_purposes() -> list[int]:
    """Every child purpose used: ages, registration, the five doses, need, decisions, reviews."""
    single = [L.RC_AGE, L.RC_REGISTERED, L.RC_MISSING_EDU, L.RC_REGISTER, L.RC_VACC, L.RC_UNMATCHED]
    single += [L.RC_UNSCHEDULED, L.RC_DETECT, L.RC_DETECT_OTHER, L.RC_DETECT_MATCHING]
    single += [L.RC_WAIT + 2 * w + anew for w in range(L.N_WAITS) for anew in (0, 1)]
    return single + [L.RC_DOSE + d for d in range(5)] + [L.RC_HV + r for r in range(len(L.HV_REVIEWS))]


def test_random_stream_purposes_are_distinct():
    household = [L.R_MOVE, L.R_MOVE_CHILDREN, L.R_BIRTH, L.R_TRUST_INIT, L.R_PROPENSITY, L.R_AVOID, L.R_REENGAGE]
    household += [L.R_AWARE + k for k in range(L.MAX_FLOWS)] + [L.R_FORGET + k for k in range(L.MAX_FLOWS)]
    household += [L.R_OBJECT + k for k in range(L.MAX_FLOWS)]
    child = child_purposes()
    assert len(set(child)) == len(child), f"two child purposes share a key: {sorted(child)}"
    assert max(child) < L.R_CHILD_STRIDE, "a child purpose runs into the next slot's keys"
    children = [L.R_CHILD + s * L.R_CHILD_STRIDE + p for s in range(L.MAX_CHILDREN) for p in child]
    keys = household + children
    assert len(set(keys)) == len(keys), "two random streams share a purpose key"


def test_child_flag_bits_do_not_overlap():
    fields = [L.F_EXISTS, L.F_REGISTERED, L.MASK_6IN1, L.MASK_MMR, L.F_NEED, L.F_IDENTIFIED, L.F_MISSING_EDU]
    fields += [L.F_FOUND, L.F_VACC_LAST_MONTH, ((1 << len(L.HV_REVIEWS)) - 1) << L.SHIFT_HV]
    seen = 0
    for f in fields:
        assert not seen & f, f"flag bits {f:#06x} overlap others"
        seen |= f
    assert seen < 1 << 16, "child flags must fit the 16-bit word"
