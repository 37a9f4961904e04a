"""One schema for the input files, as pydantic v2 models: `check` reports every error of a file at once, and
`disengage schema` writes the models as JSON Schema for editors.

The parameter models are built from the bounds of the registry (model/core/registry.py, through DEFAULT_SCHEMA and
SEGMENT_SCHEMA in model/inputs/params.py), the one place they are written; the loaders (params.py, scenario.py,
experiments/experiment.py) still make the cross-field checks (a value inside its own range, shares summing to 1,
known paths, no dead knob) after these pass.
Errors keep the project's one-line form through `input_errors`: FILE: field.path: expected ..., got ...
"""

import json
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from model.core.layout import PURPOSES, RECIPIENTS, SEGMENTS
from model.inputs.config import IDENTIFIER, IDENTIFIER_RULE, did_you_mean
from model.inputs.errors import InputError, InputErrors
from model.inputs.params import CHOICES, DEFAULT_SCHEMA, NEED_RATE_FACTOR, SEGMENT_SCHEMA

STRICT = ConfigDict(extra="forbid", strict=True)
Name = Annotated[str, Field(pattern=f"^{IDENTIFIER.pattern}$", description=IDENTIFIER_RULE)]
Text = Annotated[str, Field(min_length=1, description="a non-empty string")]


def bounded(lo: float, hi: float, integer: bool) -> Any:
    """A number type within [lo, hi], described as the loaders describe it."""
    if integer:
        return Annotated[int, Field(ge=int(lo), le=int(hi), description=f"an integer in [{int(lo)}, {int(hi)}]")]
    return Annotated[float, Field(ge=lo, le=hi, allow_inf_nan=False, description=f"a number in [{lo}, {hi}]")]


def entry_model(name: str, lo: float, hi: float, integer: bool) -> type[BaseModel]:
    """`{value, range: [lo, hi], unit, source | assumption, note?}` for one parameter; a parameter in CHOICES
    takes one of its names as value and names as its range."""
    choices = CHOICES.get(name)
    number = Literal[choices] if choices else bounded(lo, hi, integer)  # type: ignore[valid-type]
    bound = Literal[choices] if choices else bounded(lo, hi, False)  # type: ignore[valid-type]
    return create_model(
        name,
        __config__=STRICT,
        value=(number, ...),
        range=(Annotated[list[bound], Field(min_length=2, max_length=2, description="a list [lo, hi]")], ...),
        unit=(Text, ...),
        source=(Text | None, None),
        assumption=(Text | None, None),
        note=(str | None, None),
    )


def section_model(name: str, names: dict[str, tuple[float, float, bool]]) -> type[BaseModel]:
    """A mapping of parameter entries, every name required and no other."""
    fields = {n: (entry_model(f"{name}.{n}", *b), ...) for n, b in names.items()}
    return create_model(name, __config__=STRICT, **fields)


def _nest_segment_schema() -> dict[str, Any]:
    """SEGMENT_SCHEMA with its dotted names (fear.police) as nested models."""
    flat = {n: b for n, b in SEGMENT_SCHEMA.items() if "." not in n}
    nested: dict[str, dict[str, tuple]] = {}
    for n, b in SEGMENT_SCHEMA.items():
        if "." in n:
            head, tail = n.split(".", 1)
            nested.setdefault(head, {})[tail] = b
    fields: dict[str, Any] = {n: (entry_model(f"segment.{n}", *b), ...) for n, b in flat.items()}
    fields.update({h: (section_model(f"segment.{h}", names), ...) for h, names in nested.items()})
    return fields


ParametersFile = create_model(
    "ParametersFile", __config__=STRICT, **{s: (section_model(s, names), ...) for s, names in DEFAULT_SCHEMA.items()}
)
Segment = create_model("Segment", __config__=STRICT, **_nest_segment_schema())
SegmentsFile = create_model(
    "SegmentsFile", __config__=STRICT,
    segments=(create_model("Segments", __config__=STRICT, **{s: (Segment, ...) for s in SEGMENTS}), ...),
)  # fmt: skip


class Cited(BaseModel):
    """A place figure with its source id or stated assumption."""

    model_config = STRICT
    value: float
    source: Text | None = None
    assumption: Text | None = None
    note: str | None = None


class CitedCount(Cited):
    """A count of a place (households, children)."""

    value: Annotated[int, Field(ge=1, description="an integer >= 1")]


class Share(Cited):
    """A segment's share of households."""

    value: Annotated[float, Field(ge=0.0, le=1.0, description="a number in [0.0, 1.0]")]


NEED_LO, NEED_HI = NEED_RATE_FACTOR


class NeedFactor(Cited):
    """A place's rate of need against England's, where it defines need differently."""

    value: Annotated[
        float, Field(ge=NEED_LO, le=NEED_HI, allow_inf_nan=False, description=f"a number in [{NEED_LO}, {NEED_HI}]")
    ]


PlaceFile = create_model(
    "PlaceFile", __config__=STRICT,
    name=(Text, ...), description=(str | None, None), n_families=(CitedCount, ...), n_children=(CitedCount, ...),
    segment_shares=(create_model("SegmentShares", __config__=STRICT, **{s: (Share, ...) for s in SEGMENTS}), ...),
    need_rate_factor=(NeedFactor | None, None),
    stratified_sample=(create_model(
        "StratifiedSample", __config__=STRICT, general_households=(CitedCount, ...), min_households=(CitedCount, ...),
    ) | None, None),
)  # fmt: skip


class Flow(BaseModel):
    """One flow of a scenario; keys beyond these are left to the scenario loader (it knows the newest ones)."""

    model_config = ConfigDict(extra="allow", strict=True)
    name: Text
    recipient: Literal[RECIPIENTS]  # type: ignore[valid-type]
    purpose: Literal[PURPOSES]  # type: ignore[valid-type]
    start_month: Annotated[int, Field(ge=0, description="an integer >= 0")]
    families_told: bool
    objection_respected: bool
    confidentiality_kept: bool
    direct_care_only: bool
    media_intensity: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False,
                                            description="a number in [0.0, 1.0]")]  # fmt: skip
    match_interval_months: Annotated[int, Field(ge=1, description="an integer >= 1")] | None = None
    national: bool = False
    note: str | None = None


class ScenarioFile(BaseModel):
    """A scenario: a named list of flows."""

    model_config = STRICT
    name: Name
    label: Text | None = None  # the plain-language name figures and the report show
    description: Text
    flows: list[Flow] | None
    sources: Any = None


Override = Annotated[
    Annotated[float, Field(allow_inf_nan=False)] | str,
    Field(description="a finite number, or one of the names of a parameter whose values are names"),
]


class MeaslesSection(BaseModel):
    """`measles:` in an experiment: each run's measles outcomes from its end state (docs/ODD.md section 7.13)."""

    model_config = STRICT
    importations_per_community: Annotated[
        int, Field(ge=1, le=1000, description="an integer in [1, 1000] (importations into each community per run)")
    ] = 8
    cap_cases: Annotated[
        int, Field(ge=21, le=10**7, description="an integer in [21, 10000000] (cases at which a chain stops; above 20)")
    ] = 100


class ExperimentFile(BaseModel):
    """An experiment as written; design and uncertainty sections are checked by their loaders."""

    model_config = STRICT
    name: Name
    description: Annotated[str, Field(description="a string (quote it if YAML reads it as something else)")] = ""
    place: Text
    scale: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False, description="a number in (0, 1]")]
    months: Annotated[int, Field(ge=1, le=6000, description="an integer in [1, 6000]")]
    burn_in_months: Annotated[int, Field(ge=0, description="an integer >= 0")]
    scenarios: Annotated[list[Text], Field(min_length=1, description="a non-empty list of scenario names or paths")]
    replicates: Annotated[int, Field(ge=1, description="an integer >= 1")]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1, description=f"an integer in [0, {2**63 - 1}]")]
    # a number, or a name for a parameter whose values are names (params.CHOICES); Parameters.with_overrides checks each
    overrides: dict[str, Override] = {}
    driver: Literal["kernel", "agents"] = "kernel"
    params_dir: Text | None = None
    design: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None
    sample: Literal["proportional", "stratified"] = "proportional"
    measles: MeaslesSection | None = None


MODELS: dict[str, type[BaseModel]] = {
    "experiment": ExperimentFile,
    "scenario": ScenarioFile,
    "place": PlaceFile,
    "parameters": ParametersFile,
    "segments": SegmentsFile,
}
GENERIC = {
    "missing": "this key to be present",
    "extra_forbidden": "a known key",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "finite_number": "a finite number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "too_short": "more items",
    "too_long": "fewer items",
}


def field_path(loc: tuple) -> str:
    """A pydantic location as our dotted path: flows[0].start_month."""
    out = ""
    for part in loc:
        out = f"{out}[{part}]" if isinstance(part, int) else (f"{out}.{part}" if out else str(part))
    return out


def described(model: type[BaseModel], loc: tuple) -> tuple[str, list[str]]:
    """The description of the field at `loc` (''), and the names known beside it (for 'did you mean')."""
    tp: Any = model
    known: list[str] = []
    description = ""
    for part in loc:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            known = list(tp.model_fields)
            if part not in tp.model_fields:
                return "", known
            info = tp.model_fields[part]
            description, tp = info.description or "", info.annotation
            continue
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (typing.Union, types.UnionType) and args:
            tp = args[0]
            args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (list, dict, tuple) and args:
            tp = args[-1]
            for meta in getattr(tp, "__metadata__", ()):
                description = getattr(meta, "description", None) or description
            tp = typing.get_args(tp)[0] if typing.get_origin(tp) is Annotated else tp
    optional = typing.get_origin(tp) in (typing.Union, types.UnionType) and not description
    for member in typing.get_args(tp) if optional else ():  # an optional field: `Annotated[...] | None`
        for meta in getattr(member, "__metadata__", ()):
            description = getattr(meta, "description", None) or description
    return description, known


TYPE_TAGS = {"float", "int", "str", "bool", "none", "list", "dict", "function-after", "function-plain"}


BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def bound_words(etype: str, ctx: dict, msg: str) -> str:
    """A bound the schema states without a description, in the loaders' words ('a number >= 1')."""
    if etype in BOUNDS and ctx:
        return f"a number {BOUNDS[etype]} {next(iter(ctx.values()))}"
    return msg[0].lower() + msg[1:] if msg else "a valid value"


def user_loc(loc: tuple) -> tuple:
    """A pydantic location without the schema's own steps (the member of a union tried, a validator's name)."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in TYPE_TAGS or p.startswith(
        ("function", "constrained")))))  # fmt: skip


def input_errors(file: str, kind: str, data: Any) -> list[InputError]:
    """Every schema error of a file's data, each as an InputError line in the user's field names, one per field
    (a value that fits no member of a union is one error, not one per member)."""
    model = MODELS[kind]
    try:
        model.model_validate(data)
    except ValidationError as exc:
        out, seen = [], set()
        for err in exc.errors(include_url=False):
            loc = user_loc(err["loc"])
            if loc in seen:
                continue
            seen.add(loc)
            description, known = described(model, loc)
            etype = err["type"]
            if etype == "extra_forbidden":
                hint = did_you_mean(loc[-1], known)
                expected = f"a known key{hint}" if hint else f"a known key (one of: {', '.join(known)})"
            elif etype == "literal_error":
                expected = f"one of {err['ctx']['expected']}"
            else:
                expected = description or GENERIC.get(etype) or bound_words(etype, err.get("ctx") or {}, err["msg"])
            got = None if etype in ("missing",) else err.get("input")
            out.append(InputError(file, field_path(loc), expected, loc[-1] if etype == "extra_forbidden" else got))
        return out
    return []


def refuse_schema_errors(file: str, kind: str, data: Any) -> None:
    """Raise every schema error of the file at once (InputErrors); nothing when it passes."""
    errors = input_errors(file, kind, data)
    if errors:
        raise InputErrors(errors)


def json_schemas() -> dict[str, dict]:
    """The JSON Schema of each kind of input file."""
    return {kind: model.model_json_schema() for kind, model in MODELS.items()}


def write_json_schemas(folder: str | Path) -> list[Path]:
    """Write `<kind>.schema.json` for each kind of input file into `folder`; the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, schema in json_schemas().items():
        path = folder / f"{kind}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
