"""Read and write dictionaries in jieba's text format: ``word freq [tag]`` per line (DESIGN §8).

The files are UTF-8, one entry per line, fields separated by spaces or tabs; blank lines are
skipped; a part-of-speech tag after the count is accepted and ignored. A later line for the same
word replaces the earlier one (jieba does the same). Anything else (a missing, non-numeric or
negative count, a byte-order mark, invalid UTF-8) raises :class:`~mentropy.errors.FormatError`
naming the file and the line.
"""
from __future__ import annotations

import os
import re
from typing import IO, Iterable, Sequence

import numpy as np

from mentropy.errors import FormatError, MentropyError

MAX_COUNT = 10**18 - 1  # 18 digits: sums of many counts still fit int64

# user dictionaries (jieba.load_userdict): word, optional count, optional tag
_USER_LINE = re.compile(r"^(\S+?)(?:[ \t]+([0-9]+))?(?:[ \t]+([A-Za-z][\w-]*))?$")


def _read_text(path: str | os.PathLike) -> tuple[str, str]:
    """Decode a dictionary file strictly; returns (name for messages, text)."""
    name = os.fspath(path)
    with open(name, "rb") as f:
        data = f.read()
    _check_text(name, data)
    if data.startswith(b"\xef\xbb\xbf"):
        raise FormatError(name, "starts with a UTF-8 byte-order mark (BOM); save the file "
                          "as UTF-8 without BOM", line=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        raise FormatError(name, f"invalid UTF-8 at byte {exc.start} (column {col}): "
                          f"{exc.reason}", line=line) from None
    return name, text


def _check_text(name: str, data: bytes) -> None:
    """Raise FormatError for a binary file (compressed, an image, UTF-16, NUL bytes)."""
    from mentropy.corpus import SNIFF_BYTES, binary_kind

    kind = binary_kind(data[:SNIFF_BYTES])
    if kind is not None:
        hint = "; save it as UTF-8" if kind.endswith("text") else ""
        raise FormatError(name, f"looks like {kind}, not a UTF-8 dictionary{hint}", line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FormatError(name, f"NUL byte at byte {nul}: not a text file",
                          line=data.count(b"\n", 0, nul) + 1)


def _bad_line(name: str, lineno: int, line: str, code: int) -> FormatError:
    from mentropy._kernels import dictfile as K

    fields = line.split()
    shown = line if len(line) <= 60 else line[:57] + "..."
    if code == K.ERR_CR:
        reason = "carriage return inside the line (expected one entry per line)"
    elif code == K.ERR_TOO_LARGE:
        reason = f"count {fields[1]!r} is too large"
    elif code == K.ERR_NO_COUNT:
        reason = f"no count after the word in {shown!r} (expected 'word freq [tag]')"
    elif fields[1].startswith("-") and fields[1][1:].isdigit():
        reason = f"negative count {fields[1]!r}"
    else:
        reason = f"count {fields[1]!r} is not a non-negative integer (expected 'word freq [tag]')"
    return FormatError(name, reason, line=lineno)


def _parse(path: str | os.PathLike) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(text, code points, word starts, word ends, counts) of a dictionary file, one entry
    per non-blank line, in file order (duplicates kept)."""
    from mentropy._kernels import dictfile as K

    name, text = _read_text(path)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts, ends, counts, error, line = K.parse_dictionary(cps)
    if error != K.ERR_NONE:
        raise _bad_line(name, int(line), text.split("\n")[int(line) - 1], int(error))
    return text, cps, starts, ends, counts


def read_dictionary(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Read a jieba-format dictionary; returns (words, counts int64), one entry per distinct word.

    Words keep the order of their first line; a repeated word takes the count of its last line.
    """
    text, _, starts, ends, counts = _parse(path)
    words = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    table = dict(zip(words, counts.tolist()))  # a later line for the same word wins
    if len(table) == len(words):
        return words, counts
    return list(table), np.array(list(table.values()), dtype=np.int64)


def read_dictionary_arrays(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dictionary as arrays, without a Python string per word (fast, little memory):
    (code points uint32 of the words concatenated, offsets int64[k + 1], counts int64[k]),
    one entry per non-blank line in file order (a repeated word appears again)."""
    from mentropy._kernels import dictfile as K

    _, cps, starts, ends, counts = _parse(path)
    word_cps, offsets = K.gather(cps, starts, ends)
    return word_cps, offsets, counts


def read_user_dictionary(path: str | os.PathLike) -> list[tuple[str, int | None]]:
    """Read a jieba user dictionary: ``word [freq] [tag]`` per line; returns (word, freq or None).

    Entries keep file order (a later line for the same word is applied later, so it wins).
    """
    name, text = _read_text(path)
    out: list[tuple[str, int | None]] = []
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(" \t\r")
        if not line:
            continue
        m = _USER_LINE.match(line)
        if m is None:
            fields = line.split()
            if len(fields) >= 2 and fields[1].startswith("-") and fields[1][1:].isdigit():
                raise FormatError(name, f"negative count {fields[1]!r}", line=lineno)
            raise FormatError(name, f"cannot read {line[:60]!r} (expected 'word [freq] [tag]')",
                              line=lineno)
        word, freq, _tag = m.groups()
        value = int(freq) if freq is not None else None
        if value is not None and value > MAX_COUNT:
            raise FormatError(name, f"count {freq} is too large", line=lineno)
        out.append((word, value))
    return out


def _sorted_entries(words: Sequence[str], counts: Iterable[int]) -> list[tuple[str, int]]:
    pairs = list(zip(words, (int(c) for c in counts)))
    if len(pairs) != len(words):
        raise MentropyError("write_dictionary: words and counts differ in length")
    # count descending, then word in code point order (Python compares str by code point)
    pairs.sort(key=lambda p: p[0])
    pairs.sort(key=lambda p: -p[1])
    return pairs


def format_dictionary(words: Sequence[str], counts: Iterable[int]) -> str:
    """The text of a dictionary: ``word freq`` lines sorted by count desc, then word."""
    pairs = _sorted_entries(words, counts)
    for w, c in pairs:
        if not w or any(ch in w for ch in " \t\r\n") or c < 0:
            raise MentropyError(f"cannot write entry {w!r} {c}: words must be non-empty without "
                                "spaces or line breaks and counts non-negative")
    return "".join(f"{w} {c}\n" for w, c in pairs)


def write_dictionary(file: str | os.PathLike | IO, words: Sequence[str],
                     counts: Iterable[int]) -> None:
    """Write ``word freq`` lines (count desc, then word) to a path or an open text/binary file.

    A path is written atomically (temporary file + rename): no partial file on error.
    """
    text = format_dictionary(words, np.asarray(counts, dtype=np.int64).tolist())
    if isinstance(file, (str, os.PathLike)):
        from mentropy.io import atomic_output

        with atomic_output(file) as out:
            out.write(text)
        return
    try:
        file.write(text)
    except TypeError:
        file.write(text.encode("utf-8"))
