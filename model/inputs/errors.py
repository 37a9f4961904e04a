"""The one error type for bad input: it names the file, the field and what was expected."""


class InputError(Exception):
    """Bad input in a params, scenario or experiment file; its message is a single readable line."""

    def __init__(self, file: str, field: str, expected: str, got: object = None) -> None:
        self.file, self.field, self.expected, self.got = str(file), field, expected, got
        where = f"{self.file}: {field}" if field else self.file
        tail = "" if got is None else f", got {got!r}"
        super().__init__(f"{where}: expected {expected}{tail}")
