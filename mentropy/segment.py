"""Segmentation with a lexicon: dictionary matching plus a unigram Viterbi (DESIGN §4).

The best segmentation of a line maximises the sum of ln(count(w) / total) over its words. Words
are found on the normalised text (full-width ASCII as ASCII), output is always the original text:
``''.join(seg.cut(s)) == s`` for every string. Atoms (:mod:`mentropy.atoms`: number runs such as
``3.14`` or ``40%``, latin runs such as ``iPhone7``, time words such as ``1998年``, runs of the same
punctuation mark or space) are never split; a dictionary word that starts or ends inside an atom
is not used. An atom that is not itself a dictionary word may always be a word of its own, with
the score of an unknown atom, ln(unknown_count / total) (jieba's count of 1 by default), so every
atom boundary stays reachable; ``jieba_unknown=True`` offers it only where no dictionary word
starts, as jieba does (on jieba's own dictionary both give the same output on our test text).
Ties between equal totals go to the longer word at the leftmost difference (jieba's rule).

Usage::

    seg = Segmenter.from_lexicon("words.dict")      # jieba format: ``word freq [tag]``
    seg.lcut("他说的确实在理")
    seg.tokenize("…")                                # [(word, start, end), ...]
    seg.cut_many(lines, workers=2)                   # == [seg.lcut(x) for x in lines]

mentropy ships no dictionary, so the module-level :func:`cut`, :func:`lcut` and :func:`tokenize`
work only after :func:`set_default` was given a segmenter; before that they raise
:class:`~mentropy.errors.MentropyError` saying how to build or load a lexicon.
"""
from __future__ import annotations

import gc
import itertools
import math
import os
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from mentropy import atoms
from mentropy._kernels import jieba_compat as KJ
from mentropy._kernels import viterbi as KV
from mentropy.errors import MentropyError
from mentropy.matcher import Trie
from mentropy.memory import release_free_memory

# code points that separate lines inside a batch; one absent from the batch is used
_SEPARATORS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + ["\ufffe", "\uffff"]
FALLBACK_JIEBA = 0  # unknown atom only where no dictionary word starts (jieba's rule)
FALLBACK_EVERY = 1  # unknown atom wherever no single-atom word exists
# inputs shorter than this (characters) are cut in this process whatever `workers` says: a
# process pool takes ~0.3-0.5 s to start and load the lexicon (benchmarks/RESULTS.md). The
# environment variable MENTROPY_MIN_POOL_CHARS overrides it (tests use 0).
MIN_POOL_CHARS = 4_000_000


def _min_pool_chars() -> int:
    value = os.environ.get("MENTROPY_MIN_POOL_CHARS", "")
    return int(value) if value.isdigit() else MIN_POOL_CHARS


class Segmenter:
    """A unigram segmenter over a lexicon of words with counts."""

    def __init__(self, words: Sequence[str] = (), counts: Iterable[int] | np.ndarray = (),
                 *, unknown_count: float = 1.0, jieba_unknown: bool = False,
                 jieba_compatible: bool = False, **atom_options: bool) -> None:
        """Build from `words` and their `counts` (a later duplicate replaces an earlier one).

        unknown_count: an atom that is no dictionary word scores ln(unknown_count / total).
        jieba_unknown: offer an unknown atom only where no dictionary word starts (jieba).
        jieba_compatible: cut exactly as ``jieba.cut(text, HMM=False)`` would with the same
            dictionary: jieba's blocks instead of mentropy's atoms (digits, latin letters and
            repeated punctuation may be cut apart; runs of one-character [a-zA-Z0-9] tokens
            are glued), the text matched as it is (not normalised), jieba's rule for unknown
            characters. One known difference: dictionary words are stored normalised, so an
            entry spelt with full-width letters matches the ASCII letters, as jieba's does not.
        atom_options: options of :func:`mentropy.atoms.atomize` (e.g. ``time_atoms=False``
            to let 1998 and 年 be separate atoms); the defaults are mentropy's atoms.
        """
        if hasattr(words, "words") and hasattr(words, "counts") or isinstance(words, str):
            raise MentropyError("Segmenter() takes a list of words and their counts; for a "
                                "Lexicon or a lexicon file use Segmenter.from_lexicon(...)")
        if not unknown_count > 0 or not math.isfinite(unknown_count):
            raise MentropyError(f"unknown_count must be a positive number, not {unknown_count!r}")
        self.unknown_count = float(unknown_count)
        self.atom_options = {k: bool(v) for k, v in atom_options.items()}
        atoms.atomize("", **self.atom_options)  # unknown options fail here, not later
        self.jieba_compatible = bool(jieba_compatible)
        if self.jieba_compatible and self.atom_options:
            raise MentropyError("jieba_compatible uses jieba's blocks: atom options do not apply")
        self.fallback = FALLBACK_JIEBA if jieba_unknown or jieba_compatible else FALLBACK_EVERY
        self.trie = Trie(words, counts)
        self.phrases: Any = None  # a mentropy.phrases.PhraseLayer, for level="phrase"
        self._log_p: np.ndarray | None = None
        self._unk = 0.0

    @classmethod
    def from_lexicon(cls, lexicon: Any, phrases: Any = None, **options: Any) -> "Segmenter":
        """A segmenter from a lexicon file (jieba's ``word freq [tag]`` format, e.g. jieba's
        dict.txt, or the TSV of ``build-lexicon --format tsv``) or any object with ``.words``
        and ``.counts`` (such as :class:`mentropy.lexicon.Lexicon`); `phrases` (a phrase file
        or table) enables ``level="phrase"`` (see :meth:`add_phrases`)."""
        seg = cls._from_lexicon(lexicon, **options)
        if phrases is not None:
            seg.add_phrases(phrases)
        return seg

    @classmethod
    def _from_lexicon(cls, lexicon: Any, **options: Any) -> "Segmenter":
        if isinstance(lexicon, (str, os.PathLike)):
            from mentropy.dictionary import is_tsv, read_tsv
            from mentropy.matcher import dictionary_trie

            if not os.path.isfile(lexicon):
                from mentropy.errors import InputError

                reason = "is a folder, not a file" if os.path.isdir(lexicon) else "no such file"
                raise InputError(os.fspath(lexicon), reason)
            if is_tsv(lexicon):
                words, counts, _ = read_tsv(lexicon)
                return cls(words, counts, **options)

            seg = cls(**options)
            seg.trie = dictionary_trie(lexicon)  # built (or loaded from a cache) once
            release_free_memory()  # the parsing's temporaries were several times the trie
            return seg
        if hasattr(lexicon, "words") and hasattr(lexicon, "counts"):
            return cls(list(lexicon.words), np.asarray(lexicon.counts, dtype=np.int64), **options)
        raise MentropyError(f"cannot make a segmenter from {type(lexicon).__name__}: give a "
                            "dictionary path or an object with .words and .counts")

    # -- the model ------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Sum of the counts of all words."""
        return self.trie.total

    def __len__(self) -> int:
        return self.trie.n_words

    def __contains__(self, word: str) -> bool:
        return self.trie.get(word) > 0

    def count(self, word: str) -> int:
        """The count of `word` in the lexicon (0 when absent)."""
        return self.trie.get(word)

    def entries(self) -> tuple[list[str], np.ndarray]:
        """(words, counts) of the lexicon, words normalised, count desc then word."""
        from mentropy.dictionary import rank_entries

        words, counts = self.trie.entries()
        order = rank_entries(words, counts)
        return [words[i] for i in order], counts[order]

    def _scores(self) -> tuple[np.ndarray, float]:
        if self._log_p is None:
            log_total = math.log(max(self.trie.total, 1))
            self._log_p = self.trie.log_p(log_total)
            self._unk = math.log(self.unknown_count) - log_total
        return self._log_p, self._unk

    def _changed(self) -> None:
        self._log_p = None

    def add_word(self, word: str, freq: int | None = None) -> int:
        """Add `word` (or change its count); returns the count used.

        With ``freq=None`` the count is chosen so that the word beats the way it is cut now,
        as jieba's ``suggest_freq`` does: one more than total * prod(p(piece)) over its
        current pieces, and never less than its current count. (In context a neighbouring
        word can still take a character from it; give a larger count to force it harder.)
        A word can only be used where it starts and ends on atom boundaries.
        """
        if not isinstance(word, str) or not word:
            raise MentropyError(f"a word must be a non-empty string, not {word!r}")
        if freq is None:
            log_p, unk = self._scores()
            pieces = self.lcut(word)
            log_total = math.log(max(self.trie.total, 1))
            lp = 0.0
            for piece in pieces:
                c = self.trie.get(piece)
                lp += (math.log(c) if c > 0 else math.log(self.unknown_count)) - log_total
            freq = max(int(math.exp(lp) * self.trie.total) + 1, self.trie.get(word), 1)
        freq = int(freq)
        if freq < 0:
            raise MentropyError(f"a word count must not be negative, not {freq}")
        self.trie.update([word], [freq])
        self._changed()
        return freq

    def del_word(self, word: str) -> None:
        """Remove `word` from the lexicon (its count becomes 0); no error when absent."""
        if isinstance(word, str) and word and self.trie.get(word) > 0:
            self.trie.update([word], [0])
            self._changed()

    def add_phrases(self, phrases: Any) -> int:
        """Use `phrases` (a phrase file path, a Lexicon of phrases or (phrase, count) pairs)
        at ``level="phrase"``, replacing earlier ones; returns the number in use. Add them
        after changing words: the layer keeps the word counts of this moment."""
        from mentropy.phrases import PhraseLayer

        self.phrases = PhraseLayer(self, phrases)
        return len(self.phrases)

    def load_userdict(self, path: str | os.PathLike) -> int:
        """Apply a jieba user dictionary (``word [freq] [tag]`` per line) with :meth:`add_word`,
        line by line; returns the number of entries."""
        from mentropy.dictionary import read_user_dictionary

        entries = read_user_dictionary(path)
        for word, freq in entries:
            self.add_word(word, freq)
        return len(entries)

    # -- segmentation ---------------------------------------------------------------------

    def _cut_positions(self, cps: np.ndarray, line_starts: np.ndarray,
                       line_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Word ends and per-line word offsets (CSR) for lines cps[line_starts:line_ends]
        of a text given as code points."""
        if self.jieba_compatible:
            return self._cut_positions_as_jieba(cps, line_starts, line_ends)
        found = atoms.atomize_codepoints(cps, **self.atom_options)
        norm, starts = found.cps, found.starts
        n = norm.shape[0]
        may_cut = np.zeros(n + 1, dtype=np.uint8)
        may_cut[starts] = 1
        # a line start is a cut even if the atomiser glued a combining mark to the separator
        may_cut[line_starts] = 1
        may_cut[line_ends] = 1
        return self.segment_codepoints(norm, may_cut, line_starts, line_ends)

    def segment_codepoints(self, cps: np.ndarray, may_cut: np.ndarray, line_starts: np.ndarray,
                           line_ends: np.ndarray, *, nodes: bool = False) -> tuple:
        """Word ends and per-line word offsets (CSR) of lines of normalised code points
        (uint32) whose atom boundaries are marked in `may_cut` (uint8[n + 1]): the Viterbi
        every segmentation runs, the lexicon builder's too. With ``nodes=True`` the trie node
        of every word comes third (-1 for an unknown atom)."""
        log_p, unk = self._scores()
        ends, offsets, word_nodes = KV.segment_lines(*self.trie.kernel_args(), log_p, cps,
                                                     may_cut, line_starts, line_ends, unk,
                                                     np.int64(self.fallback), nodes)
        return (ends, offsets, word_nodes) if nodes else (ends, offsets)

    def _cut_positions_as_jieba(self, cps: np.ndarray, line_starts: np.ndarray,
                                line_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cps = np.ascontiguousarray(cps, dtype=np.uint32)
        span_starts, span_ends, span_kind, span_offsets, may_cut = KJ.jieba_spans(
            cps, line_starts, line_ends)
        log_p, unk = self._scores()
        ends, offsets, _ = KV.segment_lines(*self.trie.kernel_args(), log_p, cps, may_cut,
                                            span_starts, span_ends, unk,
                                            np.int64(FALLBACK_JIEBA), False)
        return KJ.glue_ascii(cps, ends, offsets, span_starts, span_kind, span_offsets)

    def word_ends(self, text: str) -> np.ndarray:
        """The end offset of every word of `text` (int64)."""
        if not isinstance(text, str):
            raise MentropyError(f"expected a str, not {type(text).__name__}")
        ends, _ = self._cut_positions(atoms.codepoints(text), np.zeros(1, dtype=np.int64),
                                      np.full(1, len(text), dtype=np.int64))
        return ends

    def lcut(self, text: str, level: str = "word") -> list[str]:
        """The words of `text` as a list; ``''.join(words) == text``. With
        ``level="phrase"`` the phrases (see :meth:`add_phrases`) are kept whole."""
        check_level(level)
        ends = self.word_ends(text).tolist()
        words = [text[a:b] for a, b in zip([0] + ends[:-1], ends)]
        return words if level == "word" else at_level(self, [words], level)[0]

    def cut(self, text: str, level: str = "word") -> Iterator[str]:
        """The words of `text`, one by one; ``''.join(seg.cut(text)) == text``."""
        return iter(self.lcut(text, level))

    def tokenize(self, text: str, level: str = "word") -> list[tuple[str, int, int]]:
        """(word, start, end) for every word; ``text[start:end] == word``."""
        if level != "word":
            ends = np.cumsum([len(w) for w in self.lcut(text, level)], dtype=np.int64).tolist()
        else:
            ends = self.word_ends(text).tolist()
        return [(text[a:b], a, b) for a, b in zip([0] + ends[:-1], ends)]

    def _batch_positions(self, texts: list[str]) -> _Batch | None:
        """The texts joined by a separator and their word ends, or None when every candidate
        separator occurs in the texts."""
        for sep in _SEPARATORS:
            joined = sep.join(texts)
            if joined.count(sep) == len(texts) - 1:
                break
        else:
            return None
        cps = atoms.codepoints(joined)
        line_starts, line_ends = _line_bounds(texts)
        ends, offsets = self._cut_positions(cps, line_starts, line_ends)
        return _Batch(sep, cps, line_starts, ends, offsets)

    def _cut_batch(self, texts: list[str], delimiter: str | None = None) -> Any:
        """lcut of every text, in one pass of the kernels over the whole batch; with a
        `delimiter`, the text block of :meth:`segmented_blocks` instead."""
        batch = self._batch_positions(texts) if len(texts) > 1 else None
        if batch is not None:
            return batch.words() if delimiter is None else batch.text(delimiter)
        # one text, or every separator occurs in the texts: one text at a time
        lists = [self.lcut(t) for t in texts]
        return lists if delimiter is None else _block(lists, delimiter)

    def cut_many(self, texts: Iterable[str], workers: int = 1,
                 chunksize: int = 1000, level: str = "word") -> list[list[str]]:
        """``[self.lcut(t) for t in texts]``, faster; the same result for any `workers`.

        Texts are cut in chunks of `chunksize`, each in one pass of the kernels. With
        ``workers > 1`` the chunks go to a process pool whose workers receive the lexicon
        arrays once, at start-up (the kernels are compiled in this process first); inputs of
        fewer than MIN_POOL_CHARS characters are cut in this process anyway. The word strings
        are always made in this process (about 40 % of the time with one worker), so extra
        workers pay off only with cores to spare and large inputs: on a 2-core machine
        2 workers are slower than 1 (benchmarks/RESULTS.md), hence the default of 1.
        :meth:`segmented_blocks` leaves more to the workers.
        """
        out: list[list[str]] = []
        # the result is one container per text: collections while it grows would traverse
        # everything made so far, again and again, and free nothing
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for part in self._cut_chunks(texts, workers, chunksize, level=check_level(level)):
                out.extend(part)
        finally:
            if gc_was_enabled:
                gc.enable()
        return out

    def cut_stream(self, texts: Iterable[str], workers: int = 1,
                   chunksize: int = 1000, level: str = "word") -> Iterator[list[str]]:
        """Like :meth:`cut_many`, but lazy: yields the words of each text in order, holding
        only a few chunks in memory (for streams larger than memory)."""
        check_level(level)
        for part in self._cut_chunks(texts, workers, chunksize, level=level):
            yield from part

    def segmented_blocks(self, texts: Iterable[str], delimiter: str = " ", workers: int = 1,
                         chunksize: int = 2000, level: str = "word") -> Iterator[str]:
        """The segmented texts as text, chunk by chunk: each block holds the words of
        `chunksize` texts joined by `delimiter`, one text per line ("\\n" after each).

        ``"".join(blocks)`` equals ``"".join(delimiter.join(ws) + "\\n" for ws in
        self.cut_many(texts))`` but no string is made per word: the fastest way to write a
        segmented corpus (``mentropy segment`` uses it).
        """
        if not isinstance(delimiter, str):
            raise MentropyError(f"the delimiter must be a str, not {type(delimiter).__name__}")
        return self._cut_chunks(texts, workers, chunksize, delimiter, check_level(level))

    def _cut_chunks(self, texts: Iterable[str], workers: int, chunksize: int,
                    delimiter: str | None = None, level: str = "word") -> Iterator[Any]:
        if workers < 1 or chunksize < 1:
            raise MentropyError("workers and chunksize must be at least 1")
        if level != "word":  # phrases are joined here, on the word lists of each chunk
            at_level(self, [], level)
            for part in self._cut_chunks(texts, workers, chunksize):
                part = at_level(self, part, level)
                yield part if delimiter is None else _block(part, delimiter)
            return
        chunks = _chunks(texts, chunksize)
        if workers == 1:
            for chunk in chunks:
                yield self._cut_batch(chunk, delimiter)
        else:
            yield from _map_chunks(self, chunks, workers, delimiter)

    def safe_cut_marks(self, marks: str) -> str:
        """The marks of `marks` after which a text may be cut into pieces without changing its
        segmentation: those that no entry holds followed by more of the entry (matching is on
        normalised text, so "，" and "," are one mark)."""
        continued = self.trie.continued_chars()
        return "".join(m for m in marks if ord(atoms.normalise_text(m)) not in continued)

    def warmup(self) -> None:
        """Compile or load every kernel the segmenter uses (before starting worker processes)."""
        self._cut_batch(["预热 warm-up 1.5", "", "１２"])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_log_p"] = None
        return state


# -- worker processes for cut_many ----------------------------------------------------------

_worker_segmenter: Any = None


def _init_worker(segmenter: Any) -> None:
    global _worker_segmenter
    _worker_segmenter = segmenter
    segmenter.warmup()  # loads the kernels the parent compiled into the cache


def _worker_positions(texts: list[str], delimiter: str | None) -> tuple:
    # arrays or one text block travel back (cheap to pickle, unlike many small strings);
    # the parent turns arrays into word lists
    # (any segmenter with _cut_batch: a CRFSegmenter sends its word lists)
    seg = _worker_segmenter
    assert seg is not None
    if delimiter is not None:
        return ("text", seg._cut_batch(texts, delimiter))
    batch = seg._batch_positions(texts) if len(texts) > 1 and isinstance(seg, Segmenter) \
        else None
    if batch is None:
        return ("lists", seg._cut_batch(texts))
    return ("ends", batch.sep, batch.ends, batch.offsets)


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(texts)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        if not all(type(t) is str for t in chunk):
            for t in chunk:
                if not isinstance(t, str):
                    raise MentropyError(f"expected str items, not {type(t).__name__}")
            # str subclasses (numpy.str_, ...) as plain str: the kernels' batch joins them
            chunk = [str.__str__(t) for t in chunk]
        yield chunk


def _map_chunks(segmenter: Any, chunks: Iterator[list[str]], workers: int,
                delimiter: str | None) -> Iterator:
    """Cut every chunk in a pool of `workers` processes; yields word lists (or text blocks
    with a `delimiter`), chunk by chunk, in order, with at most 2 * workers chunks in flight.
    `segmenter`: a Segmenter, or any object with _cut_batch(chunk, delimiter) and warmup()
    that pickles (a CRFSegmenter)."""
    from collections import deque

    from mentropy.workerpool import WorkerPool

    head: list[list[str]] = []
    size = 0
    threshold = _min_pool_chars()
    for chunk in chunks:
        head.append(chunk)
        size += sum(map(len, chunk))
        if size >= threshold and len(head) > 1:
            break
    else:  # a small input: starting a pool would cost more than it saves
        for chunk in head:
            yield segmenter._cut_batch(chunk, delimiter)
        return
    segmenter.warmup()  # compile in the parent first: workers then only load the cache
    # the platform's start method (fork on Linux: the segmenter is inherited, not pickled)
    pool = WorkerPool(workers, initializer=_init_worker, initargs=(segmenter,),
                      start_method=None)
    sent: deque = deque()  # the chunks handed out and not yet answered, in order

    def tasks() -> Iterator[tuple]:
        for chunk in itertools.chain(head, chunks):
            sent.append(chunk)
            yield chunk, delimiter

    done = False
    try:
        for result in pool.imap(_worker_positions, tasks(), ahead=2):
            yield _finish(sent.popleft(), result)
        done = True
    finally:
        # on Ctrl-C, an error or an early stop the workers are terminated at once (workerpool:
        # a half-sent answer cannot leave anything waiting)
        pool.close(abort=not done)


def _finish(chunk: list[str], result: tuple) -> Any:
    if result[0] in ("lists", "text"):
        return result[1]
    _, sep, ends, offsets = result
    line_starts, _ = _line_bounds(chunk)
    return _Batch(sep, atoms.codepoints(sep.join(chunk)), line_starts, ends, offsets).words()


def _line_bounds(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of each text in the texts joined by a one-character separator."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    return starts, starts + lengths


class _Batch:
    """Lines joined by a separator (code points) and the end of every word (CSR per line)."""

    __slots__ = ("sep", "cps", "line_starts", "ends", "offsets")

    def __init__(self, sep: str, cps: np.ndarray, line_starts: np.ndarray, ends: np.ndarray,
                 offsets: np.ndarray) -> None:
        self.sep, self.cps, self.line_starts = sep, cps, line_starts
        self.ends, self.offsets = ends, offsets

    def words(self) -> list[list[str]]:
        """The words of every line, with C-speed splitting (one ``str.split``)."""
        # many new small lists would trigger useless collections of everything already made
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._words()
        finally:
            if gc_was_enabled:
                gc.enable()

    def text(self, delimiter: str) -> str:
        """The words of every line joined by `delimiter`, "\\n" after every line."""
        out = KV.join_lines(self.cps, self.ends, self.offsets, self.line_starts,
                            atoms.codepoints(delimiter), np.uint32(ord("\n")))
        return out.tobytes().decode("utf-32-le", "surrogatepass")

    def _words(self) -> list[list[str]]:
        # the separator between the words of a line and after every line: a split at it
        # gives every word, line after line (an empty line gives one empty string)
        sep = np.uint32(ord(self.sep))
        out = KV.join_lines(self.cps, self.ends, self.offsets, self.line_starts,
                            np.full(1, sep, np.uint32), sep)
        flat = out.tobytes().decode("utf-32-le", "surrogatepass").split(self.sep)
        result: list[list[str]] = []
        append = result.append
        pos = 0
        for k in np.diff(self.offsets).tolist():
            if k:
                append(flat[pos:pos + k])
                pos += k
            else:
                append([])
                pos += 1
        return result


def _block(lists: list[list[str]], delimiter: str) -> str:
    return "".join(delimiter.join(words) + "\n" for words in lists)


# -- segmentation levels --------------------------------------------------------------------

LEVELS = ("word", "phrase")  # "phrase": the phrases of Segmenter.add_phrases kept whole


def check_level(level: str) -> str:
    """`level` if it is a known segmentation level, else MentropyError."""
    if level not in LEVELS:
        raise MentropyError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    return level


def at_level(segmenter: Segmenter, lists: list[list[str]], level: str) -> list[list[str]]:
    """Word lists as they are at `level` ("word": unchanged; "phrase": phrases joined)."""
    if check_level(level) == "word":
        return lists
    layer = getattr(segmenter, "phrases", None)
    if layer is None:
        raise MentropyError('level="phrase" needs phrases: Segmenter.from_lexicon(lex, '
                            "phrases=PATH) or seg.add_phrases(phrases)")
    return layer.join(lists)


# -- the module-level default segmenter ---------------------------------------------------

_default: Segmenter | None = None

_NO_DEFAULT = ("no default segmenter: mentropy ships no dictionary. Build a lexicon "
               "(`mentropy build-lexicon CORPUS -o words.dict`) or use any jieba-format "
               "dictionary, then call mentropy.set_default('words.dict') (a path, a Lexicon or "
               "a Segmenter), or use a Segmenter directly")


def set_default(segmenter: Any) -> None:
    """Make `segmenter` the one used by the module-level :func:`cut`, :func:`lcut` and
    :func:`tokenize`: a Segmenter, a Lexicon, or a lexicon file path (``None`` removes it)."""
    global _default
    if segmenter is not None and not isinstance(segmenter, Segmenter):
        segmenter = Segmenter.from_lexicon(segmenter)
    _default = segmenter


def get_default() -> Segmenter:
    """The default segmenter; raises MentropyError when :func:`set_default` was not called."""
    if _default is None:
        raise MentropyError(_NO_DEFAULT)
    return _default


def cut(text: str) -> Iterator[str]:
    """The words of `text` with the default segmenter (see :func:`set_default`)."""
    return get_default().cut(text)


def lcut(text: str) -> list[str]:
    """The words of `text` as a list, with the default segmenter (see :func:`set_default`)."""
    return get_default().lcut(text)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) with the default segmenter (see :func:`set_default`)."""
    return get_default().tokenize(text)
