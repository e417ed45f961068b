"""Long lines cut into pieces for segmentation, so that memory is bounded by a piece, not by the
line (DESIGN §7), with the segmentation unchanged.
"""
from __future__ import annotations

import logging
import re
from typing import Callable, Iterator, Sequence

from mentropy.corpus import SourceSpec, TextBlock, chomp, indexed_blocks
from mentropy.errors import MentropyError

log = logging.getLogger(__name__)

# Long lines are cut into pieces for segmentation, so that memory is bounded by the piece, not
# the line (DESIGN §7). A piece ends after one of CUT_MARKS when a letter, digit or Han character
# follows (not a digit after a comma, which may be inside a number): no atom spans such a point
# (DESIGN §2), so unless a lexicon word holds the mark followed by more of the word, a unigram
# segmentation of the line is the segmentations of its pieces, joined
# (Segmenter.safe_cut_marks says which marks are safe for a lexicon).
CUT_MARKS = "。，、！？； \t"
PIECE_CHARS = 2048
FORCED_CUT_CHARS = 1 << 16


def iter_line_pieces(sources: SourceSpec | Sequence[SourceSpec], *,
                     max_chars: int = PIECE_CHARS, marks: str | Callable[[], str] = CUT_MARKS,
                     encoding: str = "utf-8", errors: str = "strict",
                     block_bytes: int = 4 << 20, progress: bool | None = None,
                     desc: str = "reading") -> Iterator[tuple[str, str, int, bool]]:
    """(path, piece, 1-based line number, last piece of its line?) for every line of every
    source: like `iter_lines`, but a line longer than `max_chars` comes in pieces that join to it.

    A piece ends after a mark of `marks` (a str, or a function giving it, called at the first
    long line) followed by a letter, digit or Han character, and is at most `max_chars` long
    where the text has such a point. A line without one in FORCED_CUT_CHARS characters is cut
    there anyway, with a warning. Memory is bounded by a block and FORCED_CUT_CHARS, not by the
    longest line.
    """
    if not isinstance(max_chars, int) or max_chars < 1:
        raise MentropyError(f"max_chars must be a positive integer, not {max_chars!r}")
    blocks = indexed_blocks(sources, encoding, errors, block_bytes, progress, desc)
    return _split_pieces(blocks, _Cutter(marks, max_chars, max(max_chars, FORCED_CUT_CHARS)))


class _Cutter:
    """Finds the cut points of a long line (see `iter_line_pieces`)."""

    def __init__(self, marks: str | Callable[[], str], max_chars: int, hard: int) -> None:
        self.marks, self.max_chars, self.hard = marks, max_chars, hard
        self.pattern: re.Pattern | None = None
        self.warned: tuple[str, int] | None = None

    def _compile(self) -> re.Pattern:
        marks = self.marks() if callable(self.marks) else self.marks
        other = re.escape("".join(m for m in marks if m not in "，,"))
        parts = [f"(?<=[{other}])(?=\\w)"] if other else []
        if any(m in "，," for m in marks):
            parts.append("(?<=[，,])(?=[^\\W\\d])")
        return re.compile("|".join(parts) or "(?!)")

    def cut(self, text: str, path: str, line: int) -> tuple[list[str], str]:
        """(pieces to emit, the rest of `text` to keep); the rest is at most `hard` long."""
        if self.pattern is None:
            self.pattern = self._compile()
        pieces: list[str] = []
        start = best = 0  # best: the last cut point after start seen so far
        for m in self.pattern.finditer(text):
            p = m.start()
            if p - start > self.max_chars:
                if best > start:
                    pieces.append(text[start:best])
                    start = best
                if p - start > self.max_chars:  # no point in between: cut at p (or before)
                    start = self._force(text, start, p, pieces, path, line)
                    pieces.append(text[start:p])
                    start = p
            best = p
        if len(text) - start > self.max_chars and best > start:
            pieces.append(text[start:best])
            start = best
        start = self._force(text, start, len(text), pieces, path, line)
        return pieces, text[start:]

    def _force(self, text: str, start: int, stop: int, pieces: list[str], path: str,
               line: int) -> int:
        """Cut text[start:stop] every `hard` characters (no cut point there); new start."""
        while stop - start > self.hard:
            at = start + self.hard
            while at < stop and _joins_previous(text[at]):
                at += 1
            if self.warned != (path, line):
                log.warning("%s, line %d: no 。，、！？； or space to cut this long line at in "
                            "%d characters; cut anyway (a word may be split there)", path, line,
                            self.hard)
                self.warned = (path, line)
            pieces.append(text[start:at])
            start = at
        return start


def _joins_previous(ch: str) -> bool:
    """True for a combining mark, a joiner or a variation selector (part of the atom before)."""
    import unicodedata

    return unicodedata.category(ch)[0] == "M" or ch == "\u200d" or "\ufe00" <= ch <= "\ufe0f"


def _split_pieces(blocks: Iterator[tuple[int, TextBlock]],
                  cutter: _Cutter) -> Iterator[tuple[str, str, int, bool]]:
    current, path, line_no, pending, size = -1, "", 1, [], 0
    for index, block in blocks:
        if index != current:
            if pending and (rest := "".join(pending)):
                yield path, chomp(rest), line_no, True
            current, path, line_no, pending, size = index, block.path, 1, [], 0
        parts = block.text.split("\n")
        last = len(parts) - 1
        short = cutter.max_chars
        for k, part in enumerate(parts):
            if k < last and not pending and len(part) <= short:
                # the common case: a whole line inside the block
                yield path, (part[:-1] if part.endswith("\r") else part), line_no, True
                line_no += 1
                continue
            if part:
                pending.append(part)
                size += len(part)
            if size > cutter.max_chars:
                pieces, rest = cutter.cut("".join(pending), path, line_no)
                for piece in pieces:
                    yield path, piece, line_no, False
                pending, size = ([rest] if rest else []), len(rest)
            if k < len(parts) - 1:  # the part ends its line
                yield path, chomp("".join(pending)), line_no, True
                line_no += 1
                pending, size = [], 0
    if pending and (rest := "".join(pending)):
        yield path, chomp(rest), line_no, True
