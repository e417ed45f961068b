"""Phrases: the lexicon's minimum-description-length rule one level up (DESIGN §5).

Words are to phrases what characters are to words. The corpus is cut into words by a
:class:`~mentropy.segment.Segmenter`, each word becomes one unit (an int id), and the lexicon
pipeline of :mod:`mentropy.lexicon` runs over the units unchanged: seed by n-gram cohesion over
runs of 2..4 adjacent Han words, glue what kept n-grams cover, keep solid pieces of up to
``max_words`` words, then refine: segment the word corpus by a unigram Viterbi over word ids
with all candidates at once, recount, delete the entries that do not pay for themselves (longest
first, against their best split by the other entries), until the description length stops
falling. Overlapping candidates thus compete in one description length: a whole fixed phrasing
(且听下回分解) takes the counts of its fragments (听下回), which are then deleted.

Units are the Han words (kind 0 of :mod:`mentropy.wordcorpus`) counted at least ``min_count``
times: a rarer word cannot be part of a phrase that frequent, so it becomes a boundary, as
punctuation, numbers and latin runs are. Unit ids are ranked by count, so the 16-bit keys of
the n-gram kernels hold them (at most 65,534 units: the rarest beyond are boundaries too).

Phrases live in their own layer: a phrase file (``entry freq`` lines, the lexicon's format,
entries as they appear in text: ``王夫人 1065``) and a coarse segmentation level,
``seg.lcut(text, level="phrase")``, which joins runs of words that form a phrase by a unigram
Viterbi over the words of each line (:class:`PhraseLayer`). The word level is never changed.
"""
from __future__ import annotations

import itertools
import logging
import math
import os
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from mentropy.dedupe import DuplicateStats
from mentropy.errors import InputError, MentropyError
from mentropy.lexicon import BuildReport
from mentropy.wordcorpus import HAN, WordCorpus, encode_words, runs_between

if TYPE_CHECKING:
    from mentropy.lexicon import Lexicon
    from mentropy.segment import Segmenter

log = logging.getLogger(__name__)

MAX_UNITS = 0xFFFE  # unit ids 1..MAX_UNITS fit the 16-bit packed keys and the id trie


@dataclass(frozen=True)
class PhraseOptions:
    """Knobs of build_phrases; the defaults adapt to corpus size and are meant to be left alone."""

    max_n: int = 4  # longest word n-gram of the cohesion seed (2..4 words)
    min_count: int | None = None  # count floor of units and candidates; None = scales with size
    thresholds: tuple[float, ...] = (1.0, 2.0, 3.0)  # cohesion theta for n = 2, 3, 4 words (nats)
    max_words: int = 8  # longest phrase, in words
    prune_lambda: float = 1.0  # weight of a phrase's spelling cost (nats)
    min_pmi: float = 3.5  # tau: nats each use of a phrase must earn over its best split
    max_rounds: int = 10  # description-length refinement rounds at most
    keep_duplicates: bool = False  # count every copy of a repeated line (else once)

    def validate(self) -> "PhraseOptions":
        """Raise MentropyError for out-of-range values; return self."""
        if not 2 <= self.max_n <= 4:
            raise MentropyError(f"max_n must be 2..4 (words), got {self.max_n}")
        if not 2 <= self.max_words <= 16:
            raise MentropyError(f"max_words must be 2..16, got {self.max_words}")
        self.lexicon_options().validate()
        return self

    def lexicon_options(self) -> Any:
        """The same knobs as :class:`mentropy.lexicon.LexiconOptions` over word units."""
        from mentropy.lexicon import LexiconOptions

        return LexiconOptions(max_n=min(self.max_n, self.max_words),
                              min_count=self.min_count, thresholds=tuple(self.thresholds),
                              max_word_len=self.max_words,
                              prune_lambda=self.prune_lambda, min_pmi=self.min_pmi,
                              max_rounds=self.max_rounds)


@dataclass
class PhraseReport(BuildReport):
    """What a phrase build measured: the lexicon's report over word units (description
    lengths in nats, one per refinement round) plus the sizes of the word corpus."""

    n_lines: int = 0
    n_tokens: int = 0
    n_units: int = 0  # Han word tokens inside fragments (the units the rule sees)
    n_candidates: int = 0

    def summary(self) -> str:
        """One line for the end of a run."""
        dl = self.description_length or [0.0]
        repeats = (f"; {self.n_duplicate_lines:,} of {self.n_lines:,} lines dropped as repeats"
                   if self.n_duplicate_lines else "")
        return (f"{self.n_units:,} word units; {self.n_candidates:,} candidate phrases; "
                f"DL {dl[0]:,.0f} -> {dl[-1]:,.0f} nats in {len(self.deleted)} rounds"
                f"{repeats}")


def unit_corpus(corpus: WordCorpus, min_count: int) -> tuple[Any, np.ndarray]:
    """The word corpus as an :class:`~mentropy.fragments.EncodedCorpus` of units: (corpus,
    word id of each unit, 0-based, unit id = index + 1)."""
    from mentropy.fragments import EncodedCorpus
    from mentropy.vocab import CharVocab

    units = np.flatnonzero((corpus.kinds == HAN) & (corpus.counts >= min_count))[:MAX_UNITS]
    code = np.zeros(len(corpus) + 1, np.int32)
    code[units] = np.arange(1, units.shape[0] + 1, dtype=np.int32)
    coded = code[corpus.ids]
    ids, offsets = runs_between(coded, corpus.offsets, coded == 0)
    vocab = CharVocab(units.astype(np.uint32), corpus.counts[units].astype(np.int64))
    return EncodedCorpus(ids, offsets, vocab, corpus.n_tokens), units


def build_phrases(corpus: str | os.PathLike | Iterable[str | os.PathLike] | WordCorpus | None,
                  lexicon_or_segmenter: Any, *, texts: Iterable[str] | None = None,
                  options: PhraseOptions | None = None, encoding: str = "utf-8",
                  errors: str = "strict", progress: bool | None = None,
                  **overrides: Any) -> "Lexicon":
    """Learn the phrases of a corpus: runs of adjacent Han words whose gluing lowers the
    description length of the word-level corpus.

    corpus: paths (files, folders, globs, '-'), or a :class:`WordCorpus` already cut by the
        same segmenter; or None with ``texts=`` (an iterable of lines).
    lexicon_or_segmenter: a :class:`~mentropy.segment.Segmenter`, a Lexicon, or a lexicon path.
    Keyword overrides are :class:`PhraseOptions` fields (``min_pmi=3.0``).
    Returns a :class:`~mentropy.lexicon.Lexicon` of phrases (entries as they appear in text,
    counts = uses in the final segmentation), with ``.report`` a :class:`PhraseReport`.
    Deterministic: the same input and options give the same phrases.
    """
    from mentropy.lexicon import Lexicon, default_min_count, refine, seed_by_cohesion
    from mentropy.passes import CorpusPasses

    opts = replace(options or PhraseOptions(), **overrides).validate()
    seg = as_segmenter(lexicon_or_segmenter)
    t0 = time.perf_counter()
    repeats = None if opts.keep_duplicates else DuplicateStats()
    words = word_corpus(corpus, seg, texts=texts, encoding=encoding, errors=errors,
                        progress=progress, repeats=repeats)
    report = PhraseReport(n_lines=words.n_lines, n_tokens=words.n_tokens)
    if repeats is not None:
        report.n_lines, report.n_duplicate_lines = repeats.n_lines, repeats.n_dropped
    report.seconds["segment"] = time.perf_counter() - t0
    n_han = int((words.kinds[words.ids] == HAN).sum()) if words.n_tokens else 0
    if n_han == 0:
        raise InputError(_names(corpus, texts), "no Chinese words found (phrases need Han text)")

    min_count = opts.min_count or default_min_count(n_han)
    report.min_count = min_count
    t1 = time.perf_counter()
    units, unit_words = unit_corpus(words, min_count)
    report.n_units = units.n_han
    if units.n_han == 0 or units.offsets.shape[0] < 2:
        return Lexicon([], np.zeros(0, np.int64), report=report)
    lex_opts = opts.lexicon_options()
    table = seed_by_cohesion(units, lex_opts, min_count)
    report.n_candidates = int((table.lengths() > 1).sum())
    report.seconds["seed"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    refine(CorpusPasses(units), table, lex_opts, report)
    report.seconds["refine"] = time.perf_counter() - t2
    keep = np.flatnonzero((table.counts > 0) & (table.lengths() > 1))
    texts_out: dict[str, int] = {}
    for w in keep.tolist():
        parts = unit_words[table.chars[table.woff[w]:table.woff[w + 1]] - 1]
        text = "".join(words.words[p] for p in parts.tolist())
        texts_out[text] = texts_out.get(text, 0) + int(table.counts[w])
    # a run of words that is itself a word (cut apart in some contexts) is no phrase
    entries = sorted((t, c) for t, c in texts_out.items() if t not in seg)
    log.info("%s; %d phrases", report.summary(), len(entries))
    return Lexicon([t for t, _ in entries], np.array([c for _, c in entries], dtype=np.int64),
                   report=report)


def as_segmenter(lexicon_or_segmenter: Any) -> "Segmenter":
    """A Segmenter from a Segmenter, a Lexicon-like object (.words, .counts) or a path."""
    from mentropy.segment import Segmenter

    if isinstance(lexicon_or_segmenter, Segmenter):
        return lexicon_or_segmenter
    if isinstance(lexicon_or_segmenter, (str, os.PathLike)):
        path = os.fspath(lexicon_or_segmenter)
        if not os.path.exists(path):
            raise InputError(path, "no such lexicon file")
        if os.path.isdir(path):
            raise InputError(path, "is a folder, not a lexicon file")
        from mentropy.lexicon import Lexicon

        return Segmenter.from_lexicon(Lexicon.load(path))
    return Segmenter.from_lexicon(lexicon_or_segmenter)


def word_corpus(corpus: Any, segmenter: "Segmenter", *, texts: Iterable[str] | None = None,
                encoding: str = "utf-8", errors: str = "strict",
                progress: bool | None = None, repeats=None) -> WordCorpus:
    """The :class:`WordCorpus` of paths or ``texts=`` (a WordCorpus passes through); with
    `repeats` (a DuplicateStats) repeated lines are dropped (corpus_lines)."""
    if isinstance(corpus, WordCorpus):
        if texts is not None:
            raise MentropyError("give a corpus or texts=, not both")
        return corpus
    from mentropy.corpus import corpus_lines

    return encode_words(corpus_lines(corpus, texts=texts, encoding=encoding, errors=errors,
                                     progress=progress, desc="phrases", repeats=repeats),
                        segmenter)


def _names(corpus: Any, texts: Any) -> str:
    if texts is not None or corpus is None:
        return "<texts>"
    if isinstance(corpus, WordCorpus):
        return "<word corpus>"
    if isinstance(corpus, (str, os.PathLike)):
        return os.fspath(corpus)
    return ", ".join(os.fspath(p) for p in corpus)


class PhraseLayer:
    """Phrases over a segmenter's words: joins runs of words that form a phrase.

    Each phrase is cut into words by the segmenter once; in a line, a run of words equal to a
    phrase's words may become one token. Where phrases overlap, a unigram Viterbi over the
    words of the line decides: a word scores ln(count / total) with its lexicon count, a
    phrase ln(phrase count / total) (unknown words cannot be in a phrase). Word counts are
    those of the segmenter when the layer is made.
    """

    def __init__(self, segmenter: "Segmenter", phrases: Any) -> None:
        entries = _phrase_entries(phrases)
        names = [p for p, _ in entries]
        cuts = segmenter.cut_many(names) if names else []
        index: dict[str, int] = {}
        rows: list[list[int]] = []
        counts: list[int] = []
        self.phrases: list[str] = []
        for (text, count), parts in zip(entries, cuts):
            if len(parts) < 2 or count <= 0:
                continue  # one word already: nothing to join
            rows.append([index.setdefault(w, len(index) + 1) for w in parts])
            counts.append(count)
            self.phrases.append(text)
        if len(index) > MAX_UNITS:
            raise MentropyError(f"the phrases hold {len(index):,} distinct words; at most "
                                f"{MAX_UNITS:,} are supported")
        self.index = index
        vocab = list(index)
        total = max(segmenter.total, 1)
        n_words = len(vocab)
        unk = math.log(segmenter.unknown_count)
        word_counts = [segmenter.count(w) for w in vocab]
        # the layer is a Segmenter whose "characters" are word ids (1..n_words): one Viterbi
        # for every segmentation (DESIGN §4), scored ln(count / the word lexicon's total)
        from mentropy.segment import Segmenter

        lens = np.array([1] * n_words + [len(r) for r in rows], dtype=np.int64)
        chars = np.array(list(range(1, n_words + 1)) + [i for r in rows for i in r],
                         dtype=np.uint32)
        woff = np.zeros(lens.shape[0] + 1, np.int64)
        np.cumsum(lens, out=woff[1:])
        self.layer = Segmenter(unknown_count=segmenter.unknown_count)
        nodes = self.layer.trie.update_encoded(chars, woff, np.array(word_counts + counts,
                                                                    dtype=np.int64))
        self.layer._log_p = self.layer.trie.log_p(math.log(total))
        self.layer._unk = unk - math.log(total)
        self.node_phrase = np.zeros(self.layer.trie.n_nodes + 1, bool)  # slot -1: unknown
        self.node_phrase[nodes[n_words:]] = True

    def __len__(self) -> int:
        return len(self.phrases)

    def join(self, lists: Sequence[list[str]]) -> list[list[str]]:
        """The word lists with every run of words chosen as a phrase joined into one token."""
        if not self.phrases or not lists:
            return [list(x) for x in lists]
        get = self.index.get
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        offsets = np.zeros(len(lists) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = [w for words in lists for w in words]
        ids = np.fromiter(map(get, flat, itertools.repeat(0)), dtype=np.int32, count=len(flat))
        glue = self.glue(ids, offsets)
        # the chunk as one text; a token ends after every word not joined to the next (never
        # across lines: a line's last word is not joined), and is sliced out of the text
        ends = np.cumsum(np.fromiter(map(len, flat), dtype=np.int64, count=len(flat)))[~glue]
        starts = np.concatenate([[0], ends[:-1]]).tolist()
        text = "".join(flat)
        tokens = [text[a:b] for a, b in zip(starts, ends.tolist())]
        n_tokens = np.zeros(len(lists) + 1, np.int64)
        np.cumsum(np.bincount(np.repeat(np.arange(len(lists)), lengths)[~glue],
                              minlength=len(lists)), out=n_tokens[1:])
        bounds = n_tokens.tolist()
        return [tokens[bounds[i]:bounds[i + 1]] for i in range(len(lists))]

    def glue(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """bool[n]: token k is joined to token k + 1 (lines are CSR `offsets` over `ids`,
        int32 layer ids with 0 = a word in no phrase)."""
        glue = np.zeros(ids.shape[0], bool)
        is_pos = np.arange(ids.shape[0], dtype=np.int64)
        frag_pos, frag_off = runs_between(is_pos, offsets, ids == 0)
        if frag_pos.shape[0] == 0:
            return glue
        cps = ids[frag_pos].astype(np.uint32)
        starts_of_lines = np.ascontiguousarray(frag_off[:-1], dtype=np.int64)
        ends_of_lines = np.ascontiguousarray(frag_off[1:], dtype=np.int64)
        ends, tok_off, nodes = self.layer.segment_codepoints(
            cps, np.ones(cps.shape[0] + 1, np.uint8), starts_of_lines, ends_of_lines,
            nodes=True)
        tok_start = np.empty_like(ends)
        tok_start[1:] = ends[:-1]
        first = tok_off[:-1] < tok_off[1:]
        tok_start[tok_off[:-1][first]] = starts_of_lines[first]
        phrase_tok = np.flatnonzero(self.node_phrase[nodes])
        if phrase_tok.shape[0] == 0:
            return glue
        starts = tok_start[phrase_tok]
        ends = ends[phrase_tok]
        # every position of a phrase token but its last is joined to the next
        n_inner = ends - starts - 1
        first = np.repeat(starts - np.cumsum(n_inner) + n_inner, n_inner)
        glue[frag_pos[first + np.arange(first.shape[0])]] = True
        return glue


def _phrase_entries(phrases: Any) -> list[tuple[str, int]]:
    """(phrase, count) pairs from a path, a Lexicon-like object or (phrase, count) pairs."""
    if isinstance(phrases, (str, os.PathLike)):
        path = os.fspath(phrases)
        if not os.path.exists(path):
            raise InputError(path, "no such phrase file")
        from mentropy.lexicon import Lexicon

        phrases = Lexicon.load(path)
    if hasattr(phrases, "words") and hasattr(phrases, "counts"):
        return list(zip(phrases.words, np.asarray(phrases.counts).tolist()))
    out = []
    for item in phrases:
        if isinstance(item, str):
            out.append((item, 1))
        else:
            text, count = item
            out.append((str(text), int(count)))
    return out
