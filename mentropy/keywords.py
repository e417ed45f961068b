"""Keywords in a corpus: every occurrence of a set of words, found by one pyahocorasick pass per
line (``mentropy grep``). For looking at where new words or phrases are used, counting them, or
pulling the lines that mention them out of a large corpus.

Matching is on the normalised text (full-width ASCII as ASCII, :func:`mentropy.atoms.normalise`),
so ``ｉＰｈｏｎｅ`` matches ``iPhone``; offsets always refer to the original line.
"""
from __future__ import annotations

import os
from typing import Iterable, Iterator

from mentropy import atoms
from mentropy.errors import MentropyError


class KeywordMatcher:
    """Find a set of keywords in text with a pyahocorasick automaton (one pass per text)."""

    def __init__(self, words: Iterable[str]) -> None:
        """Build the automaton over the normalised `words`; a keyword's id is its index in
        :attr:`words` (a repeated word keeps its first index)."""
        import ahocorasick

        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self.words: list[str] = []
        seen: set[str] = set()
        for w in words:
            if not isinstance(w, str) or not w.strip():
                raise MentropyError(f"a keyword must be a non-blank string, not {w!r}")
            key = atoms.normalise_text(w)
            if key in seen:
                continue
            seen.add(key)
            self.automaton.add_word(key, len(self.words))
            self.words.append(w)
        if not self.words:
            raise MentropyError("no keywords given")
        self.automaton.make_automaton()
        self._lengths = [len(w) for w in self.words]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every occurrence (start, end, keyword id) in `text`, offsets into `text`, sorted by
        start then end; overlapping occurrences are all reported."""
        if not text:
            return []
        lengths = self._lengths
        out = [(end + 1 - lengths[i], end + 1, i)
               for end, i in self.automaton.iter(atoms.normalise_text(text))]
        out.sort()
        return out


def grep(sources: str | os.PathLike | Iterable[str | os.PathLike], words: Iterable[str], *,
         encoding: str = "utf-8", errors: str = "strict", progress: bool | None = None
         ) -> Iterator[tuple[str, int, str, list[tuple[int, int, int]]]]:
    """(path, 1-based line number, line, occurrences) for every line of `sources` (paths,
    folders, globs, '-') holding at least one of `words`; occurrences as
    :meth:`KeywordMatcher.find` gives them."""
    from mentropy.corpus import iter_lines

    matcher = KeywordMatcher(words)
    for path, line, line_no in iter_lines(sources, encoding=encoding, errors=errors,
                                          progress=progress, desc="searching"):
        found = matcher.find(line)
        if found:
            yield path, line_no, line, found


def count_keywords(sources: str | os.PathLike | Iterable[str | os.PathLike],
                   words: Iterable[str], **options) -> dict[str, int]:
    """How often each of `words` occurs in `sources` (overlapping occurrences counted);
    options as for :func:`grep`."""
    words = list(words)
    matcher = KeywordMatcher(words)
    totals = [0] * len(matcher.words)
    for _, _, _, found in grep(sources, matcher.words, **options):
        for _, _, i in found:
            totals[i] += 1
    return dict(zip(matcher.words, totals))
