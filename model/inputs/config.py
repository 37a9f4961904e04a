"""Reading YAML safely and checking fields, with errors that name the file and the field."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from model.inputs.errors import InputError


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file with the safe loader (tags that build Python objects are refused)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "", "an existing file")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(str(path), where, "valid YAML (safe subset)", problem) from None


def as_mapping(file: str, field: str, value: Any) -> Mapping:
    """The value as a mapping, or an error."""
    if not isinstance(value, Mapping):
        raise InputError(file, field, "a mapping", value)
    return value


def check_keys(file: str, field: str, value: Mapping, required: set[str], optional: set[str] = frozenset()) -> None:
    """Refuse unknown keys and report missing ones."""
    for key in value:
        if key not in required and key not in optional:
            allowed = ", ".join(sorted(required | set(optional)))
            raise InputError(file, join(field, str(key)), f"a known key (one of: {allowed})", key)
    for key in sorted(required):
        if key not in value:
            raise InputError(file, join(field, key), "this key to be present")


def join(field: str, key: str | int) -> str:
    """Dotted (or indexed) path of a nested field."""
    if isinstance(key, int):
        return f"{field}[{key}]"
    return f"{field}.{key}" if field else key


def number(
    file: str, field: str, value: Any, lo: float = float("-inf"), hi: float = float("inf"), what: str = ""
) -> float:
    """A real number in [lo, hi]."""
    expected = what or f"a number in [{lo}, {hi}]"
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InputError(file, field, expected, value)
    if not lo <= value <= hi:
        raise InputError(file, field, expected, value)
    return float(value)


def integer(file: str, field: str, value: Any, lo: int = 0, hi: int | None = None) -> int:
    """A whole number in [lo, hi]."""
    expected = f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(file, field, expected, value)
    if value < lo or (hi is not None and value > hi):
        raise InputError(file, field, expected, value)
    return value


def boolean(file: str, field: str, value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise InputError(file, field, "true or false", value)
    return value


def text(file: str, field: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(file, field, "a non-empty string", value)
    return value


def choice(file: str, field: str, value: Any, options: tuple[str, ...]) -> str:
    """One of a fixed set of names."""
    if value not in options:
        raise InputError(file, field, "one of " + ", ".join(options), value)
    return value
