"""Errors mentropy raises for bad input; the CLI turns each into a one-line message."""
from __future__ import annotations


class MentropyError(ValueError):
    """Base class of every error caused by the user's input or options."""


class InputError(MentropyError):
    """A corpus or input file cannot be read: names the file and, where known, line and byte."""

    def __init__(self, path: str, reason: str, *, line: int | None = None,
                 byte_offset: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        self.byte_offset = byte_offset
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if byte_offset is not None:
            where.append(f"byte {byte_offset}")
        super().__init__(f"{', '.join(where)}: {reason}")

    def __reduce__(self):  # raised in a worker process, re-raised in the parent
        return _rebuild, (type(self), (self.path, self.reason),
                          {"line": self.line, "byte_offset": self.byte_offset})


class FormatError(MentropyError):
    """A lexicon, template or model file is malformed, truncated or of an unknown version."""

    def __init__(self, path: str, reason: str, *, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):
        return _rebuild, (type(self), (self.path, self.reason), {"line": self.line})


def _rebuild(cls: type, args: tuple, kwargs: dict) -> MentropyError:
    return cls(*args, **kwargs)
