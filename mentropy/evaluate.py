"""Segmentation scores: word precision, recall and F1 by character-span matching (DESIGN §9).

A predicted word is correct when a gold word covers exactly the same character span of the same
line. With the training words (a lexicon or word list), recall of the gold words outside it is the
OOV recall. Files of words separated by whitespace and People's Daily PKU-tagged gold files are
read directly; :func:`new_words` lists the lexicon entries a base dictionary does not have.
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from itertools import accumulate, zip_longest
from typing import Any, Iterable, Iterator

from mentropy.datasets import is_pd1998_line, read_pd1998
from mentropy.errors import MentropyError

_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Scores:
    """Word-level scores of a segmentation against gold; rates are in [0, 1].

    ``oov_recall`` is None without training words or when no gold word is out of vocabulary;
    ``n_oov`` (gold words absent from the training words) is None without training words.
    """

    precision: float
    recall: float
    f1: float
    n_gold: int
    n_pred: int
    n_correct: int
    oov_recall: float | None
    n_lines: int
    n_oov: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scores as a plain dict (for JSON)."""
        return asdict(self)


class AlignmentError(MentropyError):
    """Gold and prediction do not cover the same text (line count or a line's characters)."""

    def __init__(self, message: str, *, line: int | None = None,
                 position: int | None = None) -> None:
        self.line = line
        self.position = position
        super().__init__(message)


def score(gold: Iterable[list[str]], pred: Iterable[list[str]],
          train_words: set[str] | None = None) -> Scores:
    """Score `pred` against `gold`, two aligned sequences of lines given as lists of words.

    Whitespace is not text: whitespace-only tokens are ignored and whitespace inside tokens is
    removed. Each pair of lines must join to the same text, else AlignmentError names the line
    (1-based) and the first differing character.
    """
    n_gold = n_pred = n_correct = n_lines = 0
    n_oov = n_oov_correct = 0
    missing = object()
    for line_no, (g, p) in enumerate(zip_longest(gold, pred, fillvalue=missing), 1):
        if g is missing or p is missing:
            longer, shorter = ("prediction", "gold") if g is missing else ("gold", "prediction")
            raise AlignmentError(f"{longer} has more lines than {shorter} "
                                 f"({shorter} ends after line {line_no - 1})", line=line_no)
        g_text, p_text = "".join(g), "".join(p)
        if _SPACE.search(g_text):
            g = _no_space(g)
            g_text = "".join(g)
        if _SPACE.search(p_text):
            p = _no_space(p)
            p_text = "".join(p)
        if g_text != p_text:
            raise _mismatch(line_no, g_text, p_text)
        n_lines += 1
        if "" in g:
            g = [w for w in g if w]
        if "" in p:
            p = [w for w in p if w]
        g_ends = list(accumulate(map(len, g)))
        p_ends = list(accumulate(map(len, p)))
        g_spans = list(zip([0] + g_ends[:-1], g_ends))
        p_spans = set(zip([0] + p_ends[:-1], p_ends))
        n_gold += len(g_spans)
        n_pred += len(p_spans)
        n_correct += len(p_spans.intersection(g_spans))
        if train_words is not None:
            for word, span in zip(g, g_spans):
                if word not in train_words:
                    n_oov += 1
                    n_oov_correct += span in p_spans
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    oov_recall = n_oov_correct / n_oov if train_words is not None and n_oov else None
    return Scores(precision=precision, recall=recall, f1=f1, n_gold=n_gold, n_pred=n_pred,
                  n_correct=n_correct, oov_recall=oov_recall, n_lines=n_lines,
                  n_oov=n_oov if train_words is not None else None)


def _no_space(words: list[str]) -> list[str]:
    return [w for w in ("".join(x.split()) for x in words) if w]


def _mismatch(line_no: int, gold: str, pred: str) -> AlignmentError:
    i = 0
    n = min(len(gold), len(pred))
    while i < n and gold[i] == pred[i]:
        i += 1
    lo = max(0, i - 8)

    def show(s: str) -> str:
        piece = s[lo:i + 8]
        return ("…" if lo else "") + piece + ("…" if i + 8 < len(s) else "")

    return AlignmentError(f"line {line_no}: gold and prediction differ at character {i + 1} "
                          f"(gold {show(gold)!r}, prediction {show(pred)!r})",
                          line=line_no, position=i + 1)


def _lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of one UTF-8 file (.gz/.bz2 too), or of stdin for
    ``-``; a binary file, a NUL byte or invalid UTF-8 raise InputError with the line and byte."""
    from mentropy.corpus import file_lines

    return file_lines(path)


def read_segmented(path: str | os.PathLike, delimiter: str | None = None) -> Iterator[list[str]]:
    """Yield the words of each line of a segmented file (``-`` = stdin), [] for a blank line.

    Words are separated by whitespace, or by `delimiter` (empty and whitespace-only pieces
    are dropped). Blank lines are kept so that line numbers stay aligned with the other file.
    """
    path = os.fspath(path)
    for _, text in _lines(path):
        if delimiter is None:
            yield text.split()
        else:
            yield [w for w in text.split(delimiter) if w and not w.isspace()]


def read_words(path: str | os.PathLike) -> set[str]:
    """The set of first columns of a word list or jieba-format dictionary (blank lines skipped)."""
    words = set()
    for _, text in _lines(os.fspath(path)):
        first = text.split(None, 1)
        if first:
            words.add(first[0])
    return words


def detect_format(path: str | os.PathLike, n_lines: int = 5) -> str:
    """``"pd1998"`` if the first non-blank lines are ``word/TAG`` tokens, else ``"segmented"``."""
    seen = 0
    for _, text in _lines(os.fspath(path)):
        if not text.strip():
            continue
        if not is_pd1998_line(text):
            return "segmented"
        seen += 1
        if seen == n_lines:
            break
    return "pd1998" if seen else "segmented"


def evaluate_files(gold_path: str | os.PathLike, pred_path: str | os.PathLike,
                   words_path: str | os.PathLike | None = None, *,
                   gold_format: str = "auto", delimiter: str | None = None) -> Scores:
    """Score the segmented file `pred_path` against `gold_path`, line by line.

    The gold file holds words separated by whitespace, or is People's Daily PKU-tagged text
    (``gold_format="auto"`` tells them apart by the ``/TAG`` tokens; or pass ``"pd1998"`` or
    ``"segmented"``). Blank gold lines of a tagged file are skipped, as in its raw text.
    `words_path`, a word list or jieba dictionary of the training words, enables OOV recall.
    """
    gold_path, pred_path = os.fspath(gold_path), os.fspath(pred_path)
    if gold_format == "auto":
        gold_format = detect_format(gold_path)
    if gold_format == "pd1998":
        gold = read_pd1998(gold_path)
    elif gold_format == "segmented":
        gold = read_segmented(gold_path, delimiter)
    else:
        raise MentropyError(f"unknown gold format {gold_format!r} (auto, pd1998 or segmented)")
    train_words = read_words(words_path) if words_path is not None else None
    try:
        return score(gold, read_segmented(pred_path, delimiter), train_words)
    except AlignmentError as exc:
        raise AlignmentError(f"{pred_path} vs {gold_path}: {exc}", line=exc.line,
                             position=exc.position) from None


def new_words(base_words: Iterable[str], words: Iterable[str], counts: Iterable[int], *,
              min_count: int = 1, top: int | None = None) -> list[tuple[str, int]]:
    """Entries ``(word, count)`` absent from `base_words`, count descending then word ascending.

    Only counts >= `min_count` are kept, and at most `top` entries when given.
    """
    base = base_words if isinstance(base_words, (set, frozenset)) else set(base_words)
    found = [(w, int(c)) for w, c in zip(words, counts) if c >= min_count and w not in base]
    found.sort(key=lambda wc: (-wc[1], wc[0]))
    return found if top is None else found[:top]
