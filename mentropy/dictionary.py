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
    _, cps, starts, ends, counts = _parse(path)
    # the words' code points by one fancy index (in numpy: a kernel of its own cost ~0.2 s
    # of compilation on a first run, for a copy that takes milliseconds)
    lengths = ends - starts
    offsets = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    index = np.arange(offsets[-1], dtype=np.int64)
    index += np.repeat(starts - offsets[:-1], lengths)
    return cps[index], offsets, counts


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


def rank_entries(words: Sequence[str], counts: Sequence[int] | np.ndarray) -> np.ndarray:
    """The output order of entries: count descending, then word ascending (code points).

    The one ranking rule of every lexicon, dictionary and phrase file mentropy writes.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if len(words) != counts.shape[0]:
        raise MentropyError("words and counts differ in length")
    by_word = np.array(sorted(range(len(words)), key=words.__getitem__), dtype=np.int64)
    return by_word[np.argsort(-counts[by_word], kind="stable")]


def check_entry(word: object, count: int, separators: str = " \t\r\n") -> None:
    """Raise MentropyError unless `word` can be written as a field (non-empty, none of
    `separators`) with a non-negative count: what no reader could load back is not written."""
    if not isinstance(word, str) or not word or any(ch in word for ch in separators) or count < 0:
        raise MentropyError(f"cannot write entry {word!r} {count}: words must be non-empty "
                            "strings without spaces, tabs or line breaks, counts non-negative")


def format_dictionary(words: Sequence[str], counts: Iterable[int]) -> str:
    """The text of a dictionary: ``word freq`` lines sorted by count desc, then word."""
    counts = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts,
                        dtype=np.int64)
    order = rank_entries(words, counts).tolist()
    values = counts.tolist()
    for i in order:
        check_entry(words[i], values[i])
    return "".join(f"{words[i]} {values[i]}\n" for i in order)


TSV_HEADER = ("word", "count")


def format_tsv(words: Sequence[str], counts: np.ndarray, stats: dict[str, np.ndarray]) -> str:
    """The text of a TSV lexicon: a header, then ``word count stat...`` rows in the given order
    (nan statistics are left empty)."""
    import math

    cols = list(stats)
    rows = ["\t".join([*TSV_HEADER, *cols]) + "\n"]
    values = [stats[k].tolist() for k in cols]
    for i, (w, c) in enumerate(zip(words, np.asarray(counts).tolist())):
        check_entry(w, c, "\t\r\n")
        extra = ["" if math.isnan(v[i]) else f"{v[i]:.4f}" for v in values]
        rows.append("\t".join([w, str(c), *extra]) + "\n")
    return "".join(rows)


def is_tsv(path: str | os.PathLike) -> bool:
    """Whether `path` holds a TSV lexicon (its first line is the TSV header)."""
    with open(path, "rb") as f:
        head = f.readline(256)
    return head.rstrip(b"\r\n").split(b"\t")[:2] == [x.encode() for x in TSV_HEADER]


def read_tsv(path: str | os.PathLike) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Read a TSV lexicon (build-lexicon --format tsv): (words, counts, statistics columns)."""
    import math

    name, text = _read_text(path)
    lines = text.split("\n")
    header = lines[0].rstrip("\r").split("\t")
    words, counts, stats = [], [], {k: [] for k in header[2:]}
    for lineno, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        row = line.split("\t")
        if len(row) != len(header) or not row[1].isdigit():
            raise FormatError(name, f"expected {len(header)} tab-separated columns "
                              f"({', '.join(header)})", line=lineno)
        words.append(row[0])
        counts.append(int(row[1]))
        for k, v in zip(header[2:], row[2:]):
            try:
                stats[k].append(float(v) if v else math.nan)
            except ValueError:
                raise FormatError(name, f"{k} {v!r} is not a number", line=lineno) from None
    return words, np.array(counts, dtype=np.int64), {k: np.array(v, dtype=np.float64)
                                                     for k, v in stats.items()}


def read_lexicon(path: str | os.PathLike) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Read a lexicon in either format mentropy writes (jieba's ``word freq`` or TSV):
    (words, counts, statistics columns; empty for the jieba format)."""
    if is_tsv(path):
        return read_tsv(path)
    words, counts = read_dictionary(path)
    return words, counts, {}


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
