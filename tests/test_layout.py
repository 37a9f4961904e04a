"""The shared vocabulary holds together: indices follow their names, random-stream purposes never collide,
and the bits of a child's flags word do not overlap. Every list here is read from model/core/layout.py and the
registry, not written out, so a new name cannot be left out of a check."""

import pytest

from model.core import layout as L
from model.core import registry

pytestmark = pytest.mark.fast


def constants(prefix: str) -> dict[str, int]:
    """The module's integer constants whose names start with `prefix` (upper case after it)."""
    return {n: v for n, v in vars(L).items() if n.startswith(prefix) and n[len(prefix):].isupper() and type(v) is int}


def test_contiguous_blocks_follow_their_name_tuples():
    for k, contact in enumerate(L.CONTACTS):
        assert L.P_NAMES[L.P_DETECT0 + k] == f"p_detect_{contact}", f"P_DETECT0 + {k} is not p_detect_{contact}"
    for r, recipient in enumerate(L.RECIPIENTS):
        assert L.SEGP_NAMES[L.S_FEAR0 + r] == f"fear_{recipient}", f"S_FEAR0 + {r} is not fear_{recipient}"


def test_every_column_has_its_index_constant_and_every_constant_its_column():
    for prefix, names in (("P_", L.P_NAMES), ("S_", L.SEGP_NAMES), ("K_", L.COUNTERS)):
        for i, name in enumerate(names):
            assert getattr(L, prefix + name.upper(), None) == i, f"{prefix}{name.upper()} is not {i}"
        assert len(set(names)) == len(names), f"a name appears twice in the {prefix} columns"
    for name, value in vars(L).items():
        for prefix, names in (("P_", L.P_NAMES), ("S_", L.SEGP_NAMES), ("K_", L.COUNTERS)):
            if name.startswith(prefix) and type(value) is int and name[2:].lower() in names:
                assert names[value] == name[2:].lower(), f"{name} = {value} points at {names[value]}"


def test_every_registry_entry_fills_known_columns_and_every_column_is_filled():
    filled = {c for e in registry.PARAMETERS for c in e.columns} | set(registry.PLACE_COLUMNS)
    assert filled == set(L.P_NAMES) | set(L.SEGP_NAMES)
    for e in registry.PARAMETERS:
        assert bool(e.columns) != bool(e.reader), f"{e.path}: a kernel column or a reader, exactly one"
        assert e.read_by and set(e.read_by) <= set(L.DECISIONS), f"{e.path}: read_by {e.read_by}"


def keys(prefix: str, skip: tuple[str, ...] = ()) -> list[int]:
    """Every key of every purpose named `prefix*`, each purpose over its span (layout.PURPOSE_SPANS)."""
    out = []
    for name, value in constants(prefix).items():
        if name not in skip:
            out += range(value, value + L.PURPOSE_SPANS.get(name, 1))
    return out


def test_random_stream_purposes_are_distinct():
    household = keys("R_", skip=("R_CHILD", "R_CHILD_STRIDE"))
    child = keys("RC_")
    assert len(household) >= 10 and len(child) >= 20, "the purpose constants were not found"
    assert len(set(child)) == len(child), f"two child purposes share a key: {sorted(child)}"
    assert max(child) < L.R_CHILD_STRIDE, "a child purpose runs into the next slot's keys"
    children = [L.R_CHILD + s * L.R_CHILD_STRIDE + p for s in range(L.MAX_CHILDREN) for p in child]
    all_keys = household + children
    assert len(set(all_keys)) == len(all_keys), "two random streams share a purpose key"


def test_child_flag_bits_do_not_overlap():
    fields = list(constants("F_").values()) + list(constants("MASK_").values())
    fields += [((1 << len(L.HV_REVIEWS)) - 1) << L.SHIFT_HV]
    assert len(fields) >= 10, "the flag constants were not found"
    seen = 0
    for f in fields:
        assert not seen & f, f"flag bits {f:#06x} overlap others"
        seen |= f
    assert seen < 1 << 16, "child flags must fit the 16-bit word"
