"""Reading YAML safely and checking fields, with errors that name the file and the field.

A file is read as UTF-8 text of bounded size, parsed with the safe loader (tags that build Python objects are
refused), and refused when a key is written twice, nesting is deeper than MAX_DEPTH or aliases expand to more
than MAX_VALUES values, so no input can hang the loader or make an error line of megabytes.
"""

import copy
import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from model.inputs.errors import InputError

MAX_FILE_BYTES = 2 * 1024 * 1024  # the largest shipped file (params/sources.yaml) is about 31 kB
MAX_DEPTH = 32  # levels of nesting; shipped files use at most 6
MAX_VALUES = 200_000  # values in a file once its aliases are expanded (a YAML alias bomb expands to billions)
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,95}")
IDENTIFIER_RULE = "a name of letters, digits, '_' or '-' (at most 96, starting with a letter)"
REFUSED_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("binary", "set", "omap", "pairs"))
MERGE_TAG = "tag:yaml.org,2002:merge"


class StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys, deep nesting and alias expansion beyond the limits."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.path: list[str | int | None] = []  # the field being composed: keys and list positions
        self.sizes: dict[int, int] = {}  # node id -> values it holds once aliases are expanded

    def field(self) -> str:
        """The dotted path of the node being composed (as errors name fields)."""
        out = ""
        for label in self.path:
            if isinstance(label, int):
                out = join(out, label)
            elif label is not None:
                out = join(out, label)
        return out

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, tracking its field path, its depth and its expanded size."""
        if isinstance(index, yaml.ScalarNode):
            label: str | int | None = str(index.value)
        elif isinstance(index, int):
            label = index
        else:
            label = None
        self.path.append(label)
        try:
            if len(self.path) > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise InputError(self.file, f"line {mark.line + 1}", f"at most {MAX_DEPTH} levels of nesting")
            node = super().compose_node(parent, index)
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self.sizes.get(id(c), 1) for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(self.sizes.get(id(k), 1) + self.sizes.get(id(v), 1) for k, v in node.value)
            else:
                size = 1
            self.sizes[id(node)] = size
            if size > MAX_VALUES:
                raise InputError(
                    self.file,
                    self.field() or f"line {node.start_mark.line + 1}",
                    f"at most {MAX_VALUES} values once aliases are expanded (line {node.start_mark.line + 1})",
                )
            return node
        finally:
            self.path.pop()

    def compose_mapping_node(self, anchor: Any) -> Any:
        """A mapping whose keys are each written once (a repeated key is refused, never silently replaced)."""
        node = super().compose_mapping_node(anchor)
        seen: dict[Any, int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == MERGE_TAG:
                continue
            if key.value in seen:
                raise InputError(
                    self.file,
                    join(self.field(), str(key.value)),
                    f"each key once (written again at line {key.start_mark.line + 1}, first at line {seen[key.value]})",
                )
            seen[key.value] = key.start_mark.line + 1
        return node


def _refuse_tag(loader: StrictLoader, node: Any) -> None:
    raise InputError(
        loader.file,
        f"line {node.start_mark.line + 1}",
        "plain YAML data (text, numbers, true/false, lists, mappings)",
        f"a {node.tag.rsplit(':', 1)[-1]} value",
    )


for _tag in REFUSED_TAGS:
    StrictLoader.add_constructor(_tag, _refuse_tag)


def read_text(path: Path) -> str:
    """A file's text: UTF-8 (a byte-order mark allowed), at most MAX_FILE_BYTES."""
    file = str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(file, "", f"a file of at most {MAX_FILE_BYTES // 1024} kB", f"{size} bytes")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:  # a device or /proc file that cannot be read as text
        raise InputError(file, "", "a plain file that can be read", exc.strerror or type(exc).__name__) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(file, "byte 0", "UTF-8 text (it looks like UTF-16); save the file as UTF-8")
    if b"\x00" in data:
        hint = " (it looks like UTF-16)" if data[:1] == b"\x00" or data[1:2] == b"\x00" else ""
        raise InputError(file, f"byte {data.index(0)}", f"UTF-8 text without NUL bytes{hint}; save the file as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(file, f"byte {exc.start}", "UTF-8 text; save the file as UTF-8") from None


def is_file(path: Path) -> bool:
    """True for an existing file; False (never OSError) for a name too long or otherwise impossible."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


_parsed: dict[bytes, Any] = {}  # sha256 of a file's text -> its data, for files parsed before (params/ is read often)
PARSED_CACHE_SIZE = 64


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file with the strict safe loader (see the module docstring for what it refuses).

    A text parsed before (the same bytes) is not parsed again: a copy of its data is returned.
    """
    path = Path(path)
    if not is_file(path):
        raise InputError(str(path), "", "an existing file")
    text = read_text(path)
    key = hashlib.sha256(text.encode("utf-8")).digest()
    if key in _parsed:
        return copy.deepcopy(_parsed[key])
    data = parse_yaml(text, str(path))
    if len(_parsed) >= PARSED_CACHE_SIZE:
        _parsed.pop(next(iter(_parsed)))
    _parsed[key] = copy.deepcopy(data)
    return data


def parse_yaml(text: str, file: str) -> Any:
    """YAML text to data with the strict loader; errors name `file`."""
    path = file
    try:
        loader = StrictLoader(text, file)  # the reader refuses control characters here
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(file, f"line {line}", "printable text", f"character {exc.character!r}") from None
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(str(path), where, "valid YAML (safe subset)", problem) from None
    except RecursionError:
        raise InputError(str(path), "", f"at most {MAX_DEPTH} levels of nesting") from None
    finally:
        loader.dispose()


def did_you_mean(name: Any, options: Iterable[str]) -> str:
    """'; did you mean X?' when a known name is close to the one given, else ''."""
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def plain_data(file: str, field: str, value: Any) -> None:
    """Refuse anything JSON cannot hold exactly (dates, bytes, NaN, non-text keys), so a manifest can record it."""
    stack = [(field, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, Mapping):
            for k, item in v.items():
                if not isinstance(k, str):
                    raise InputError(file, join(where, str(k)), "keys that are text", k)
                stack.append((join(where, k), item))
        elif isinstance(v, list):
            stack.extend((join(where, i), item) for i, item in enumerate(v))
        elif isinstance(v, float) and not math.isfinite(v):
            raise InputError(file, where, "a finite number", v)
        elif v is not None and not isinstance(v, str | int | float | bool):
            raise InputError(file, where, "text, a number, true/false, a list or a mapping", v)


def as_mapping(file: str, field: str, value: Any) -> Mapping:
    """The value as a mapping, or an error."""
    if not isinstance(value, Mapping):
        raise InputError(file, field, "a mapping", value)
    return value


def check_keys(file: str, field: str, value: Mapping, required: set[str], optional: set[str] = frozenset()) -> None:
    """Refuse unknown keys and report missing ones."""
    for key in value:
        if key not in required and key not in optional:
            known = sorted(required | set(optional))
            hint = did_you_mean(key, known)
            expected = f"a known key{hint}" if hint else f"a known key (one of: {', '.join(known)})"
            raise InputError(file, join(field, str(key)), expected, key)
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


def string(file: str, field: str, value: Any) -> str:
    """Any string (possibly empty), e.g. a description."""
    if not isinstance(value, str):
        raise InputError(file, field, "a string (quote it if YAML reads it as something else)", value)
    return value


def identifier(file: str, field: str, value: Any) -> str:
    """A name that is safe as a folder name and a table cell: letters, digits, '_' and '-'."""
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise InputError(file, field, IDENTIFIER_RULE, value)
    return value


def choice(file: str, field: str, value: Any, options: tuple[str, ...]) -> str:
    """One of a fixed set of names."""
    if not isinstance(value, str) or value not in options:
        raise InputError(file, field, "one of " + ", ".join(options) + did_you_mean(value, options), value)
    return value
