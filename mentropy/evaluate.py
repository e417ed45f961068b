"""Segmentation scores: word precision, recall and F1 by character-span matching (DESIGN §9).

A predicted word is correct when a gold word covers exactly the same character span of the same
line. With the training words (a lexicon or word list), recall of the gold words outside it is the
OOV recall. Files of words separated by whitespace and People's Daily PKU-tagged gold files are
read directly; :func:`new_words` lists the lexicon entries a base dictionary does not have.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import asdict, dataclass
from itertools import zip_longest
from typing import Any, Iterable, Iterator

import numpy as np

from mentropy.pd1998 import is_pd1998_line, read_pd1998
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


def score(gold: Iterable[list[str] | str], pred: Iterable[list[str] | str],
          train_words: set[str] | None = None) -> Scores:
    """Score `pred` against `gold`, two aligned sequences of lines, each given as a list of
    words or as a string of words separated by whitespace.

    Whitespace is not text: whitespace-only tokens are ignored and whitespace inside tokens is
    removed. Each pair of lines must join to the same text, else AlignmentError names the line
    (1-based) and the first differing character. Memory is linear in the words of one line,
    with no string per word unless `train_words` is given.
    """
    n_gold = n_pred = n_correct = n_lines = 0
    n_oov = n_oov_correct = 0
    missing = object()
    for line_no, (g, p) in enumerate(zip_longest(gold, pred, fillvalue=missing), 1):
        if g is missing or p is missing:
            longer, shorter = ("prediction", "gold") if g is missing else ("gold", "prediction")
            raise AlignmentError(f"{longer} has more lines than {shorter} "
                                 f"({shorter} ends after line {line_no - 1})", line=line_no)
        g_key, g_ends = _line_spans(g)
        p_key, p_ends = _line_spans(p)
        if g_key != p_key:
            raise _mismatch(line_no, _line_text(g), _line_text(p))
        n_lines += 1
        hit = _matched(g_ends, p_ends)
        n_gold += int(g_ends.shape[0])
        n_pred += int(p_ends.shape[0])
        n_correct += int(np.count_nonzero(hit))
        if train_words is not None:
            g_text = _line_text(g)
            ends = g_ends.tolist()
            for k, (a, b) in enumerate(zip([0] + ends[:-1], ends)):
                if g_text[a:b] not in train_words:
                    n_oov += 1
                    n_oov_correct += bool(hit[k])
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    oov_recall = n_oov_correct / n_oov if train_words is not None and n_oov else None
    return Scores(precision=precision, recall=recall, f1=f1, n_gold=n_gold, n_pred=n_pred,
                  n_correct=n_correct, oov_recall=oov_recall, n_lines=n_lines,
                  n_oov=n_oov if train_words is not None else None)


def _line_spans(line: list[str] | str) -> tuple[bytes, np.ndarray]:
    """(digest of the line's text without whitespace, end offset of every word in that text),
    without a copy of the text or a string per word when the line is a string."""
    if isinstance(line, str):
        return _text_spans(line)
    words = _words(line)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    text = "".join(words).encode("utf-32-le", "surrogatepass")
    return hashlib.sha256(text).digest(), np.cumsum(lengths)


def _words(line: list[str]) -> list[str]:
    if _SPACE.search("".join(line)):
        line = _no_space(line)
    return [w for w in line if w] if "" in line else line


def _line_text(line: list[str] | str) -> str:
    """The text of a line without whitespace."""
    return "".join(line.split() if isinstance(line, str) else _words(line))


_WINDOW = 1 << 20  # characters looked at at once: bounds the per-character arrays


def _text_spans(text: str) -> tuple[bytes, np.ndarray]:
    """_line_spans of a string of words separated by whitespace, window by window."""
    is_space = _space_table()
    digest = hashlib.sha256()
    dtype = np.int32 if len(text) < 1 << 31 else np.int64  # word ends: 4 bytes a word
    parts: list[np.ndarray] = []
    base, word_open = 0, False  # non-space characters before the window; last one non-space?
    for lo in range(0, len(text), _WINDOW):
        cps = np.frombuffer(text[lo:lo + _WINDOW].encode("utf-32-le", "surrogatepass"),
                            dtype=np.uint32)
        space = np.zeros(cps.shape[0], dtype=bool)
        bmp = cps < 0x10000
        space[bmp] = is_space[cps[bmp]]
        digest.update(cps[~space].tobytes())
        count = np.cumsum(~space, dtype=np.int64)
        if word_open and space[0]:
            parts.append(np.array([base], dtype=dtype))
        ends = ~space
        ends[:-1] &= space[1:]
        ends[-1] = False  # decided by the next window
        parts.append((count[ends] + base).astype(dtype))
        base += int(count[-1])
        word_open = not space[-1]
    if word_open:
        parts.append(np.array([base], dtype=dtype))
    ends = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    return digest.digest(), ends


_SPACE_TABLE: np.ndarray | None = None


def _space_table() -> np.ndarray:
    """bool[65536]: str.isspace of every BMP code point (no astral character is a space)."""
    global _SPACE_TABLE
    if _SPACE_TABLE is None:
        _SPACE_TABLE = np.array([chr(c).isspace() for c in range(0x10000)], dtype=bool)
    return _SPACE_TABLE


def _matched(gold_ends: np.ndarray, pred_ends: np.ndarray,
             step: int = 1 << 20) -> np.ndarray:
    """For each gold word (given by the word ends of one line), whether a predicted word has
    exactly its span: both its ends are predicted boundaries, with none in between. Works
    `step` gold words at a time, to bound the temporary arrays."""
    bounds = np.concatenate([np.zeros(1, dtype=pred_ends.dtype), pred_ends])
    hit = np.empty(gold_ends.shape[0], dtype=bool)
    prev_at, prev_ok = 0, True  # the start of the first word: offset 0, a boundary
    for lo in range(0, gold_ends.shape[0], step):
        ends = gold_ends[lo:lo + step]
        at = np.searchsorted(bounds, ends)
        end_ok = bounds[np.minimum(at, bounds.shape[0] - 1)] == ends
        start_ok = np.concatenate([[prev_ok], end_ok[:-1]])
        start_at = np.concatenate([[prev_at], at[:-1]])
        hit[lo:lo + ends.shape[0]] = end_ok & start_ok & (at - start_at == 1)
        prev_at, prev_ok = int(at[-1]), bool(end_ok[-1])
    return hit


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


def _segmented_lines(path: str, delimiter: str | None) -> Iterator[list[str] | str]:
    """The lines of a segmented file as `score` takes them: whole strings when words are
    separated by whitespace (no string per word), else lists of words."""
    if delimiter is not None:
        return read_segmented(path, delimiter)
    return (text for _, text in _lines(path))


def read_words(path: str | os.PathLike) -> set[str]:
    """The set of first columns of a word list or jieba-format dictionary (blank lines skipped)."""
    words = set()
    for _, text in _lines(os.fspath(path)):
        first = text.split(None, 1)
        if first:
            words.add(first[0])
    return words


_HEAD_CHARS = 4096


def detect_format(path: str | os.PathLike, n_lines: int = 5) -> str:
    """``"pd1998"`` if the first non-blank lines are ``word/TAG`` tokens, else ``"segmented"``."""
    seen = 0
    for _, text in _lines(os.fspath(path)):
        if len(text) > _HEAD_CHARS:  # the tokens of the head tell (no string per word of it all)
            text = text[:_HEAD_CHARS].rsplit(None, 1)[0]
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
        gold = _segmented_lines(gold_path, delimiter)
    else:
        raise MentropyError(f"unknown gold format {gold_format!r} (auto, pd1998 or segmented)")
    train_words = read_words(words_path) if words_path is not None else None
    try:
        return score(gold, _segmented_lines(pred_path, delimiter), train_words)
    except AlignmentError as exc:
        raise AlignmentError(f"{gold_path} (gold) vs {pred_path} (prediction): {exc}",
                             line=exc.line,
                             position=exc.position) from None


def new_words(base_words: Iterable[str], words: Iterable[str], counts: Iterable[int], *,
              min_count: int = 1, top: int | None = None,
              single_chars: bool = False) -> list[tuple[str, int]]:
    """Entries ``(word, count)`` absent from `base_words`, count descending then word ascending.

    Only counts >= `min_count` are kept, and at most `top` entries when given. Single
    characters are left out (a character missing from a base dictionary is rarely a new word:
    mostly a traditional or variant form) unless `single_chars`.
    """
    from mentropy.dictionary import rank_entries

    base = base_words if isinstance(base_words, (set, frozenset)) else set(base_words)
    found = [(w, int(c)) for w, c in zip(words, counts)
             if c >= min_count and w not in base and (single_chars or len(w) > 1)]
    order = rank_entries([w for w, _ in found], [c for _, c in found]).tolist()
    found = [found[i] for i in order]
    return found if top is None else found[:top]
