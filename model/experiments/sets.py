"""`--set path=value` on `disengage run` and `check`: a what-if from the command line, without a new YAML file.

Each `--set` is applied to the experiment's data as if it were written in the file, before any check, so the
same schema and loader check it (model/experiments/experiment.py, load_experiment): a top-level experiment
field (`replicates=3`, `scale=0.05`, `name=what_if`) replaces that field; a dotted parameter path
(`network.degree=20`, or `overrides.network.degree=20`) is added to `overrides:`. Values are read as YAML
scalars (`3` a whole number, `0.5` a number, `true`, `[a, b]` a list). The manifest records the `--set`
texts under `sets` and the experiment with them applied under `config`, so `reproduce` needs nothing else.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from model.inputs import config
from model.inputs.errors import InputError, InputErrors

SOURCE = "--set"  # what an error about a --set text names as its file
OVERRIDES = "overrides"


def refuse_unless_experiment(path: str | Path, kind: str, sets: Sequence[str]) -> None:
    """A --set changes an experiment file only: on any other kind of file (a national one too) it is one line."""
    if sets and kind != "experiment":
        raise InputError(SOURCE, "", f"experiment files only ({path} is a {kind} file)")


def parse_set(text: str) -> tuple[str, Any]:
    """`path=value` to (path, value), the value read as a YAML scalar or flow list; one line on bad form."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key or any(c.isspace() for c in key):
        raise InputError(SOURCE, text, "path=value, e.g. network.degree=20 or replicates=3")
    if not value.strip():
        raise InputError(SOURCE, key, "a value after '='", text)
    return key, config.parse_yaml(value, f"{SOURCE} {key}")


def apply_sets(file: str, raw: Mapping[str, Any], sets: Sequence[str], fields: set[str]) -> dict[str, Any]:
    """The experiment's data with each `--set` applied in order (a later one wins); `fields` are the experiment's
    top-level keys. The caller's mapping is not changed."""
    out = dict(raw)
    for text in sets:
        key, value = parse_set(text)
        if key.startswith(OVERRIDES + "."):
            key = key[len(OVERRIDES) + 1 :]
        elif "." not in key:
            if key not in fields or key == OVERRIDES:
                raise InputError(
                    SOURCE, key, f"a parameter path (section.name) or one of the experiment's fields "
                    f"({', '.join(sorted(fields - {OVERRIDES}))})",
                )  # fmt: skip
            out[key] = value
            continue
        overrides = dict(config.as_mapping(file, OVERRIDES, out.get(OVERRIDES) or {}))
        overrides[key] = value
        out[OVERRIDES] = overrides
    return out


def set_fields(sets: Sequence[str]) -> list[str]:
    """The experiment fields the `--set`s wrote, as errors name them (`overrides.network.degree`, `scale`)."""
    out = []
    for text in sets:
        key = text.partition("=")[0].strip()
        out.append(key if key.startswith(OVERRIDES + ".") or "." not in key else f"{OVERRIDES}.{key}")
    return out


def named(exc: InputError, sets: Sequence[str]) -> InputError:
    """`exc` naming `--set` as its source when its field is one a `--set` wrote (or lies inside one); else `exc`.
    Several errors of one file (InputErrors) are each named so."""
    if isinstance(exc, InputErrors):
        return InputErrors([named(e, sets) for e in exc.errors])
    for field in set_fields(sets):
        if exc.field == field or exc.field.startswith((field + ".", field + "[")):
            return InputError(f"{SOURCE} (applied to {exc.file})", exc.field, exc.expected, exc.got)
    return exc
