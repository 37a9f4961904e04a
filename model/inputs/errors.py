"""The one error type for bad input: it names the file, the field and what was expected."""

import reprlib

MAX_SHOWN = 80  # characters of an offending value echoed in an error line

_short = reprlib.Repr(maxlevel=2, maxtuple=4, maxlist=4, maxarray=4, maxdict=4, maxset=4, maxstring=60, maxother=60)
_short.maxlong = 40


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A value as an error shows it: its repr, bounded in depth and cut to about `limit` characters on one line.

    reprlib bounds the work before cutting, so a huge or self-similar value (a YAML alias bomb) costs nothing.
    """
    text = _short.repr(value).replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InputError(Exception):
    """Bad input in a params, scenario or experiment file; its message is a single readable line."""

    def __init__(self, file: str, field: str, expected: str, got: object = None) -> None:
        self.file, self.field, self.expected, self.got = str(file), field, expected, got
        where = f"{one_line(self.file, 100)}: {one_line(field, 60)}" if field else one_line(self.file, 100)
        tail = "" if got is None else f", got {shown(got)}"
        super().__init__(f"{where}: expected {one_line(expected, 100)}{tail}")


class InputErrors(InputError):
    """Every error of one file at once (`check` and `run` report the same list), each an InputError line."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.file, first.field, first.expected, first.got)
        self.args = ("\n".join(str(e) for e in self.errors),)


def error_lines(exc: InputError) -> list[str]:
    """The lines an input error prints: one per error of the file."""
    return [str(e) for e in exc.errors] if isinstance(exc, InputErrors) else [str(exc)]


def one_line(text: str, limit: int = 160) -> str:
    """Free text for an error line: every character that is not printable (newlines, form feeds, other controls
    that would break or garble the line) escaped as Python writes it, then cut to `limit` characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."
