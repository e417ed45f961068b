"""The People's Daily 1998 format (PKU standard): ``word/TAG`` tokens separated by spaces, bracketed
compounds ``[中央/n 人民/n 广播/vn 电台/n]nt``, an optional paragraph id first.

:func:`read_pd1998` turns its lines into gold words; :func:`make_sample` writes the small raw +
gold slice committed as ``corpora/sample.txt`` and ``corpora/sample_gold.txt``.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Iterator

from mentropy.errors import FormatError
from mentropy.io import atomic_output

log = logging.getLogger(__name__)

SAMPLE_MAX_RAW_BYTES = 450_000
SAMPLE_MAX_GOLD_BYTES = 550_000

# a paragraph id such as 19980101-01-001-001/m (present in some releases of the corpus)
_DOC_ID = re.compile(r"\d{8}(?:-\d+)+/m")
# the tag of a bracketed compound, as in 电台/n]nt
_COMPOUND_TAG = re.compile(r"\][A-Za-z]+$")
# one token of the tagged format: 中央/n, [中央/n, 电台/n]nt
_PD_TOKEN = re.compile(r"\[?\S+/[A-Za-z]+(?:\][A-Za-z]+)?")


def is_pd1998_line(line: str) -> bool:
    """True when every token of a non-blank `line` is ``word/TAG`` (PKU tagged format)."""
    tokens = line.split()
    return bool(tokens) and all(_PD_TOKEN.fullmatch(t) for t in tokens)


def pd1998_words(line: str, *, path: str = "<text>", line_no: int | None = None) -> list[str]:
    """The gold words of one PKU-tagged line (``word/TAG`` tokens); [] for a blank line.

    A leading document id token is dropped, bracketed compounds ``[中央/n 人民/n]nt`` give their
    inner words, and each token keeps the part before its last ``/``.
    """
    tokens = line.split()
    if tokens and _DOC_ID.fullmatch(tokens[0]):
        del tokens[0]
    if "[" in line or "]" in line:
        tokens = [_strip_brackets(t) for t in tokens]
    try:
        words = [t[: t.rindex("/")] for t in tokens]
    except ValueError:
        bad = next(t for t in tokens if "/" not in t)
        raise FormatError(path, f"token {bad!r} has no /TAG (not the PKU tagged format)",
                          line=line_no) from None
    if "" in words:
        bad = tokens[words.index("")]
        raise FormatError(path, f"token {bad!r} has an empty word", line=line_no)
    return words


def _strip_brackets(token: str) -> str:
    """``[中央/n`` -> ``中央/n`` and ``电台/n]nt`` -> ``电台/n``; the words ``[`` and ``]`` stay."""
    if token.startswith("[") and token.rfind("/") > 1:
        token = token[1:]
    m = _COMPOUND_TAG.search(token)
    if m is not None and token.rfind("/", 0, m.start()) > 0:
        token = token[: m.start()]
    return token


def read_pd1998(path: str | os.PathLike) -> Iterator[list[str]]:
    """Yield the gold words of each non-empty line of a People's Daily PKU-tagged file."""
    from mentropy.corpus import file_lines

    path = os.fspath(path)
    for line_no, line in file_lines(path):
        if not line.strip():
            continue
        yield pd1998_words(line, path=path, line_no=line_no)


def pd1998_raw_and_gold(path: str | os.PathLike) -> tuple[list[str], list[list[str]]]:
    """Raw text lines (gold words joined with nothing) and gold word lists of a PKU-tagged file."""
    gold = list(read_pd1998(path))
    return ["".join(words) for words in gold], gold


def make_sample(source: str | os.PathLike, raw_out: str | os.PathLike,
                gold_out: str | os.PathLike, *, max_raw_bytes: int = SAMPLE_MAX_RAW_BYTES,
                max_gold_bytes: int = SAMPLE_MAX_GOLD_BYTES) -> int:
    """Write the first lines of a PKU-tagged file as raw text and as gold (words + two spaces).

    Takes whole lines from the start while both outputs stay within their byte limits; returns
    the number of lines written. Deterministic: the same source gives the same bytes.
    """
    raw_lines: list[str] = []
    gold_lines: list[str] = []
    raw_bytes = gold_bytes = 0
    for words in read_pd1998(source):
        raw = "".join(words) + "\n"
        gold = "  ".join(words) + "\n"
        raw_bytes += len(raw.encode("utf-8"))
        gold_bytes += len(gold.encode("utf-8"))
        if raw_bytes > max_raw_bytes or gold_bytes > max_gold_bytes:
            break
        raw_lines.append(raw)
        gold_lines.append(gold)
    with atomic_output(raw_out) as f:
        f.writelines(raw_lines)
    with atomic_output(gold_out) as f:
        f.writelines(gold_lines)
    log.info("wrote %d lines: %d + %d bytes", len(raw_lines),
             sum(len(x.encode("utf-8")) for x in raw_lines),
             sum(len(x.encode("utf-8")) for x in gold_lines))
    return len(raw_lines)
