"""Repeated lines counted once: exact duplicates (after trimming white space) are dropped.

Copied text (boilerplate, re-posted reviews, a file read twice) otherwise makes whole clauses
look like words: their n-grams are as frequent as the copies. Lines are compared by a 64-bit
BLAKE2b digest (stable across processes and hash seeds), so memory grows with the number of
distinct lines, not with their length. A line longer than LONG_LINE characters is never dropped
and never held whole: it passes through in pieces of LONG_LINE characters.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Iterator

CHUNK_CHARS = 1 << 20  # kept lines are handed on in chunks of about this many characters
LONG_LINE = 1 << 16


@dataclass
class DuplicateStats:
    """Lines seen (not counting blank ones) and lines dropped as repeats of an earlier line."""

    n_lines: int = 0
    n_dropped: int = 0


class KeepAll:
    """A `seen` for unique_lines that drops nothing (``keep_duplicates``)."""

    def __contains__(self, digest: bytes) -> bool:
        return False

    def add(self, digest: bytes) -> None:
        pass


def distinct_lines(lines: Iterable[str], stats: DuplicateStats) -> Iterator[str]:
    """`lines` (no newline inside) less every line that repeats an earlier one: unique_lines'
    rule (blank lines dropped, a line over LONG_LINE characters kept, in pieces)."""
    for chunk in unique_lines(((line, True) for line in lines), stats):
        yield from chunk.split("\n")


def unique_lines(pieces: Iterable[tuple[str, bool]], stats: DuplicateStats,
                 chunk_chars: int = CHUNK_CHARS, seen=None) -> Iterator[str]:
    """The text of `pieces` less every line that repeats an earlier one, in chunks.

    pieces: (text, starts_line) pairs; a piece continues the line the previous piece left
    open unless `starts_line` (a new file, or a whole text). Kept lines are joined by newlines
    into chunks of about `chunk_chars`; blank lines are dropped. `stats` is updated as the
    chunks are consumed. `seen` (a set of line digests by default) decides: a line whose
    digest is ``in seen`` is dropped, the others are ``seen.add``-ed; batch.py passes an
    object that answers from a plan made over every shard, so the lines a shard drops are
    those a single pass over all of the input would drop.
    """
    if seen is None:
        seen = set()
    blake2b = hashlib.blake2b
    out: list[str] = []
    size = 0
    pending: list[str] = []  # the open line, in pieces
    pending_len = 0
    long_line = False  # the open line is long: its pieces were passed on as they came

    def close_line() -> Iterator[str]:
        nonlocal pending_len, long_line, size, out
        line = "".join(pending)
        pending.clear()
        pending_len = 0
        if long_line:
            long_line = False
            if line:
                yield line
            return
        if keep(line):
            yield "\n".join(out)
            out, size = [], 0

    def keep(line: str) -> bool:
        """The rule, for a short line: a blank line is dropped uncounted; a line seen before
        (its stripped text's digest in `seen`) is counted and dropped; another one is counted,
        remembered and kept. True when the chunk is then full."""
        nonlocal size
        key = line.strip()
        if not key:
            return False
        stats.n_lines += 1
        digest = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        if digest in seen:
            stats.n_dropped += 1
            return False
        seen.add(digest)
        out.append(line)
        size += len(line) + 1
        return size >= chunk_chars

    def extend_line(text: str) -> Iterator[str]:
        nonlocal pending_len, long_line, out, size
        pending.append(text)
        pending_len += len(text)
        if pending_len > LONG_LINE:
            if not long_line:
                stats.n_lines += 1
                long_line = True
                if out:
                    yield "\n".join(out)
                    out, size = [], 0
            # pieces of exactly LONG_LINE chars from the start of the line: where a long line
            # is cut does not depend on how the input was split into blocks or shards
            line = "".join(pending)
            pending.clear()
            cut = len(line) - len(line) % LONG_LINE
            for at in range(0, cut, LONG_LINE):
                yield line[at:at + LONG_LINE]
            if cut < len(line):
                pending.append(line[cut:])
            pending_len = len(line) - cut

    for text, starts_line in pieces:
        if starts_line and (pending or long_line):
            yield from close_line()
        parts = text.split("\n")
        yield from extend_line(parts[0])
        if len(parts) == 1:
            continue
        yield from close_line()
        for line in parts[1:-1]:  # whole lines: a short one goes straight to keep()
            if len(line) > LONG_LINE:
                yield from extend_line(line)
                yield from close_line()
            elif keep(line):
                yield "\n".join(out)
                out, size = [], 0
        if parts[-1]:
            yield from extend_line(parts[-1])
    if pending or long_line:
        yield from close_line()
    if out:
        yield "\n".join(out)
