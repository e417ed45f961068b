"""A corpus as word ids: the input of phrases and templates (DESIGN §5).

Lines are cut by a :class:`~mentropy.segment.Segmenter` (its batch API, many lines per kernel
pass); every distinct word gets an id ranked by count descending, then word ascending (code
points), so id 0 is the most frequent word and the ids are the same for the same input.

``words[ids[offsets[i]:offsets[i + 1]]]`` joined is line i, exactly.

Word kinds (``WordCorpus.kinds``):

* ``HAN`` (0): every character is a Han character (incl. Han numerals, 〇);
* ``PUNCT`` (1): punctuation and/or whitespace only (a run of one mark, a space, a tab);
* ``NUMBER`` (2): holds a digit and no letter (``3.14``, ``40%``, ``1998年``, ``３万``);
* ``LATIN`` (3): holds a non-Han letter (``iPhone7``, ``COVID-19``);
* ``OTHER`` (4): anything else (symbols, emoji, a mix the classes above do not cover).
"""
from __future__ import annotations

import hashlib
import itertools
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

import numpy as np

from mentropy import atoms
from mentropy._kernels import atoms as KA
from mentropy.errors import MentropyError

if TYPE_CHECKING:
    from mentropy.segment import Segmenter

HAN, PUNCT, NUMBER, LATIN, OTHER = 0, 1, 2, 3, 4
KIND_NAMES = ("han", "punct", "number", "latin", "other")

# class bits of a character, or-ed over a word
_B_HAN, _B_DIGIT, _B_LETTER, _B_PUNCT, _B_OTHER = 1, 2, 4, 8, 16


@dataclass(frozen=True, eq=False)
class WordCorpus:
    """Lines as word ids (CSR): line i is ``ids[offsets[i]:offsets[i + 1]]``."""

    words: list[str]  # id -> word; ids ranked by count desc, then word asc
    counts: np.ndarray  # int64[n_words] occurrences of each id
    kinds: np.ndarray  # int8[n_words] HAN, PUNCT, NUMBER, LATIN or OTHER
    ids: np.ndarray  # int32[n_tokens] the tokens of all lines, concatenated
    offsets: np.ndarray  # int64[n_lines + 1]

    @property
    def n_lines(self) -> int:
        """Number of lines."""
        return int(self.offsets.shape[0] - 1)

    @property
    def n_tokens(self) -> int:
        """Number of tokens (words, punctuation runs, atoms) in all lines."""
        return int(self.ids.shape[0])

    def __len__(self) -> int:
        return len(self.words)

    def token_ids(self, a: int, b: int) -> np.ndarray:
        """The ids of tokens a..b-1 (int32; the mining reads the corpus by such ranges, from
        memory here, from disk in :class:`mentropy.wordshards.WordShards`)."""
        return self.ids[a:b]

    def line(self, i: int) -> list[str]:
        """The words of line i."""
        return [self.words[k] for k in self.ids[self.offsets[i]:self.offsets[i + 1]].tolist()]

    def text(self, i: int) -> str:
        """Line i as text (the words joined)."""
        return "".join(self.line(i))

    def digest(self) -> str:
        """sha256 (hex) of the vocabulary: the words in id order joined by "\\n"."""
        data = "\n".join(self.words).encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()

    def fragments(self, boundary_kinds: Sequence[int] = (PUNCT,)) -> tuple[np.ndarray, np.ndarray]:
        """(ids int32, offsets int64) of the maximal runs of tokens of no kind in
        `boundary_kinds`, inside each line, in order; empty runs are left out."""
        kinds = np.asarray(list(boundary_kinds), dtype=np.int64)
        if np.any((kinds < 0) | (kinds > OTHER)):
            raise MentropyError(f"word kinds are 0..{OTHER}, not {list(boundary_kinds)}")
        boundary = np.isin(self.kinds.astype(np.int64), kinds)
        return runs_between(self.ids, self.offsets, boundary[self.ids] if self.ids.size
                            else np.zeros(0, bool))


def runs_between(ids: np.ndarray, offsets: np.ndarray,
                 is_boundary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximal runs of `ids` (CSR lines) whose tokens are not boundaries: (ids, offsets)."""
    n = ids.shape[0]
    keep = ~is_boundary
    line_start = np.zeros(n, bool)
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    line_start[starts] = True
    prev_keep = np.concatenate([[False], keep[:-1]]) if n else keep
    run_start = keep & (line_start | ~prev_keep)
    pos = np.flatnonzero(keep)
    # runs numbered along the kept tokens
    run_of = np.cumsum(run_start)[pos] - 1
    out_off = np.zeros(int(run_start.sum()) + 1, np.int64)
    if pos.shape[0]:
        np.cumsum(np.bincount(run_of, minlength=out_off.shape[0] - 1), out=out_off[1:])
    return np.ascontiguousarray(ids[pos], dtype=np.int32), out_off


def word_kinds(words: Sequence[str]) -> np.ndarray:
    """The kind (HAN, PUNCT, NUMBER, LATIN, OTHER) of each word, as int8."""
    out = np.full(len(words), OTHER, np.int8)
    if not words:
        return out
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    cps = atoms.codepoints("".join(words))
    _, cls = atoms.normalise(cps)
    bits = np.zeros(cls.shape[0], np.int64)
    bits[(cls == KA.C_HAN) | (cls == KA.C_HANNUM)] = _B_HAN
    bits[cls == KA.C_DIGIT] = _B_DIGIT
    bits[cls == KA.C_LETTER] = _B_LETTER
    bits[cls == KA.C_SPACE] = _B_PUNCT
    # marks and unclassified characters: punctuation (P*, controls) or something else
    rest = np.flatnonzero((cls == KA.C_OTHER) | (cls == KA.C_MARK))
    if rest.shape[0]:
        uniq, inverse = np.unique(cps[rest], return_inverse=True)
        punct = np.array([_is_punct(int(c)) for c in uniq.tolist()], dtype=bool)
        bits[rest] = np.where(punct[inverse], _B_PUNCT, _B_OTHER)
    starts = np.zeros(len(words), np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    nonempty = lengths > 0
    word_bits = np.zeros(len(words), np.int64)
    if bits.shape[0]:
        word_bits[nonempty] = np.bitwise_or.reduceat(bits, starts[nonempty])
    out[word_bits == _B_HAN] = HAN
    out[(word_bits & ~_B_PUNCT) == 0] = PUNCT
    out[((word_bits & _B_DIGIT) != 0) & ((word_bits & (_B_LETTER | _B_OTHER)) == 0)] = NUMBER
    out[((word_bits & _B_LETTER) != 0) & ((word_bits & _B_OTHER) == 0)] = LATIN
    out[~nonempty] = OTHER
    return out


def _is_punct(cp: int) -> bool:
    cat = unicodedata.category(chr(cp))
    return cat[0] in "PZ" or cat == "Cc"


def encode_words(texts: Iterable[str], segmenter: "Segmenter", *,
                 chunksize: int = 2000) -> WordCorpus:
    """Cut every text (one line each) with `segmenter` and number the words.

    `texts` is an iterable of str (a str itself is refused: pass ``[text]`` or read a file
    with :func:`mentropy.corpus.iter_lines`). Ids are ranked by count desc, then word asc.
    """
    if isinstance(texts, (str, bytes)):
        raise MentropyError("encode_words expects an iterable of texts, not a single "
                            f"{type(texts).__name__}: pass [text], or read files with "
                            "mentropy.corpus.iter_lines")
    index: dict[str, int] = {}
    first: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for raw_ids, line_lengths in cut_chunks(texts, segmenter, index, chunksize):
        first.append(raw_ids)
        lengths.append(line_lengths)
    raw = np.concatenate(first) if first else np.zeros(0, np.int64)
    offsets = line_offsets(lengths)
    seen = list(index)
    counts = np.bincount(raw, minlength=len(seen)).astype(np.int64)
    words, counts, new_id = ranked(seen, counts)
    return WordCorpus(words=words, counts=counts, kinds=word_kinds(words),
                      ids=new_id[raw].astype(np.int32) if raw.size else np.zeros(0, np.int32),
                      offsets=offsets)


def cut_chunks(texts: Iterable[str], segmenter: "Segmenter", index: dict[str, int],
               chunksize: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Cut `texts` by chunks of `chunksize` lines: per chunk, the first-seen id of every token
    (int64; `index` maps each word to its id and grows as words are seen) and the number of
    tokens of each line (int64)."""
    setdefault = index.setdefault
    it = iter(texts)
    while True:
        chunk = list(itertools.islice(it, chunksize))
        if not chunk:
            break
        lists = segmenter.cut_many(chunk, chunksize=chunksize)
        flat = [w for words in lists for w in words]
        # first-seen ids (len(index) is read before setdefault adds the word)
        yield (np.array([setdefault(w, len(index)) for w in flat], dtype=np.int64),
               np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)))


def line_offsets(lengths: Sequence[np.ndarray]) -> np.ndarray:
    """int64 offsets (CSR) of lines from chunks of line lengths."""
    n = sum(x.shape[0] for x in lengths)
    offsets = np.zeros(n + 1, np.int64)
    if n:
        np.cumsum(np.concatenate(lengths), out=offsets[1:])
    return offsets


def ranked(seen: Sequence[str], counts: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(words by rank, their counts, the rank of each first-seen id) of the words `seen`
    (first-seen order) with `counts`: ranked by count desc, then word asc."""
    order = rank(seen, counts)
    new_id = np.empty(len(seen), np.int64)
    new_id[order] = np.arange(len(seen))
    return [seen[i] for i in order.tolist()], counts[order], new_id


def rank(words: Sequence[str], counts: np.ndarray) -> np.ndarray:
    """Order: count descending, then word ascending (code points)."""
    by_word = np.array(sorted(range(len(words)), key=words.__getitem__), dtype=np.int64)
    return by_word[np.argsort(-np.asarray(counts)[by_word], kind="stable")]
