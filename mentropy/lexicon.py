"""Lexicon induction by the minimum-entropy principle (DESIGN §3) and the Lexicon type.

Pipeline: atoms and Han fragments (fragments.py) -> exact n-gram counts (counts.py) -> seed by
n-gram cohesion (keep an n-gram when its weakest split still has PMI >= theta_n, glue characters a
kept n-gram covers, keep solid pieces) -> description-length refinement: segment the corpus by
unigram Viterbi, recount, delete the words whose removal lowers the description length, repeat
until no deletion lowers it.

The description length minimised is
    DL = sum_w N_w (ln N - ln N_w) + sum_{w multi-char} (lambda * spell(w) + tau * N_w)
the code length of the corpus as a word sequence, plus the spelling of every multi-char entry,
plus tau nats per use of a multi-char entry (a prior against weakly associated compounds: a word
must be e^tau times more frequent than its best split predicts). To first order, deleting w lowers
DL when N_w * PMI_w < lambda * spell(w) + tau * N_w.
"""
from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field, replace
from typing import IO, Iterable, Iterator, Sequence

import numpy as np

from mentropy._kernels import lexicon as KL
from mentropy._kernels import ngrams as KN
from mentropy._kernels import viterbi as KV
from mentropy.counts import NgramCounts, key_width, pack_ids, run_length, unpack_ids
from mentropy.fragments import EncodedCorpus, read_corpus
from mentropy.errors import MentropyError
from mentropy.io import atomic_output
from mentropy.options import LexiconOptions

log = logging.getLogger(__name__)

LN2 = math.log(2.0)
COHESION_MARGIN = 1.0  # nats below the best cohesion an n-gram of its count can reach
SETTLE_ROUNDS = 8  # re-segmentations at most after the last pruning (usually 1 or 2)
SEGMENT_PART_CHARS = 1 << 18  # the builder's Viterbi cuts its corpus in parts of this size...
SEGMENT_THREADS = min(4, os.cpu_count() or 1)  # ...with this many threads (same result)
LATTICE_MAX_CHARS = 1 << 23  # an in-memory corpus up to this size keeps its words' matches


@dataclass
class WordTable:
    """Words as CSR char ids with counts (the working form of a lexicon)."""

    chars: np.ndarray  # int32[k]
    woff: np.ndarray  # int64[w + 1]
    counts: np.ndarray  # float64[w]

    @property
    def n_words(self) -> int:
        """Number of entries (active or not)."""
        return int(self.woff.shape[0] - 1)

    def lengths(self) -> np.ndarray:
        """Length in chars of each entry."""
        return np.diff(self.woff)

    def spelling(self, char_log_p: np.ndarray) -> np.ndarray:
        """Spelling cost of each entry: sum of -ln p(c) over its chars."""
        spell = np.zeros(self.n_words)
        np.add.at(spell, np.repeat(np.arange(self.n_words), self.lengths()), -char_log_p[self.chars])
        return spell


def cohesion(counts: NgramCounts, total: int,
             floor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lengths, cohesion) of every row: min over splits of ln N_w + ln T - ln N_a - ln N_b
    (a part absent from the table counts as T; inf for a single char). `floor` (float64 per
    row): a row's remaining splits are skipped once its minimum so far is below its floor,
    so only ``cohesion >= floor`` is exact for such a row (what kept_ngrams asks)."""
    if counts.keys.shape[1] != 1:
        raise MentropyError("cohesion needs one-word keys (n-grams of up to 4 chars)")
    lengths = counts.lengths()
    c = np.ascontiguousarray(counts.counts, dtype=np.int64)
    ln_n = np.log(c.astype(np.float64))
    floor = np.full(c.shape[0], -np.inf) if floor is None else \
        np.ascontiguousarray(floor, dtype=np.float64)
    ln_absent = float(np.log(np.full(1, total, np.float64))[0])
    coh = KL.cohesion_rows(np.ascontiguousarray(counts.keys[:, 0]), lengths, c, ln_n,
                           math.log(total), ln_absent, floor)
    return lengths, coh


def default_min_count(n_han: int) -> int:
    """Minimum n-gram count: 3 on a few million characters, growing slowly with size."""
    return max(3, int(round(3 * (max(n_han, 1) / 2e6) ** 0.25)))


def kept_ngrams(counts: NgramCounts, total: int, opts: LexiconOptions,
                min_count: int) -> np.ndarray:
    """Stage 2's cohesive n-grams: the sorted uint64 keys of the 2..max_n-grams counted at
    least `min_count` times whose weakest split still has PMI >= theta_n (`total`: the
    corpus's Han chars)."""
    counts = counts.prune(min_count)
    lengths = counts.lengths()
    theta = np.full(lengths.max(initial=1) + 1, np.inf)
    for n, t in enumerate(opts.thresholds, start=2):
        if n < theta.shape[0]:
            theta[n] = t
    # a perfectly cohesive n-gram (parts seen only inside it) scores ln T - ln N_w: cap theta
    # there so that very frequent words of small corpora stay reachable
    ceiling = math.log(total) - np.log(counts.counts.astype(np.float64)) - COHESION_MARGIN
    floor = np.minimum(theta[lengths], ceiling)
    lengths, coh = cohesion(counts, total, floor)
    kept = (lengths >= 2) & (coh >= floor)
    return np.sort(counts.keys[kept, 0])


def seed_pieces(ids: np.ndarray, offsets: np.ndarray, kept_keys: np.ndarray, max_n: int,
                max_word_len: int, n_vocab: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pieces of fragments cut at every boundary no kept n-gram covers: (sorted distinct
    keys of the 2..max_word_len-char pieces, their counts, int64[n_vocab + 1] counts of the
    one-char pieces by char id). Tables of parts of a corpus add up (merge_sorted) to the
    whole corpus's."""
    width = key_width(max_word_len)
    short, longer, single = KL.seed_piece_keys(
        np.ascontiguousarray(ids, dtype=np.int32), np.ascontiguousarray(offsets, dtype=np.int64),
        np.ascontiguousarray(kept_keys, dtype=np.uint64), int(max_n), int(max_word_len), width,
        int(n_vocab))
    # the 2..4-char pieces (most of them) as one-word keys: numpy's sort, then run lengths
    short.sort()  # a fresh array: in place
    short_keys, counts = run_length(short.reshape(-1, 1))
    keys = np.zeros((short_keys.shape[0], width), np.uint64)
    keys[:, 0] = short_keys[:, 0]
    if longer.shape[0]:
        # the longer ones (few) sort apart, by numpy; each goes after the short piece of its
        # first four chars (a short key's other words are 0) and before the next: inserted
        # in order
        longer = longer[np.lexsort(longer.T[::-1])]
        first = np.flatnonzero(np.concatenate([[True], (longer[1:] != longer[:-1]).any(axis=1)]))
        long_keys = longer[first]
        long_counts = np.diff(np.append(first, longer.shape[0])).astype(np.int64)
        at = np.searchsorted(keys[:, 0], long_keys[:, 0], "right")
        keys = np.insert(keys, at, long_keys, axis=0)
        counts = np.insert(counts, at, long_counts)
    return keys, counts, single


def seed_table(kept_keys: np.ndarray, uniq: np.ndarray, pcounts: np.ndarray,
               single: np.ndarray, opts: LexiconOptions, min_count: int) -> WordTable:
    """The seed lexicon from the corpus's pieces (seed_pieces): every character, and the
    solid multi-char pieces counted at least `min_count` times (a 3..max_n-char piece must be
    a kept n-gram, a longer one needs every max_n-gram window kept)."""
    ulen = KN.key_lengths(uniq)
    ids = unpack_ids(uniq, opts.max_word_len)
    solid = pcounts >= min_count
    for j in range(max(1, opts.max_word_len - opts.max_n + 1)):
        rows = np.flatnonzero(solid & (ulen >= 3) & ((j == 0) | (ulen >= j + opts.max_n)))
        width_n = np.minimum(ulen[rows] - j, opts.max_n)
        window = np.zeros((rows.shape[0], opts.max_n), np.int64)
        for k in range(min(opts.max_n, ids.shape[1] - j)):
            window[:, k] = np.where(k < width_n, ids[rows, j + k], 0)
        keys = pack_ids(window, 1)[:, 0]
        pos = np.minimum(np.searchsorted(kept_keys, keys), max(kept_keys.shape[0] - 1, 0))
        found = kept_keys[pos] == keys if kept_keys.shape[0] else np.zeros(rows.shape[0], bool)
        solid[rows[~found]] = False
    # single chars: every char of the vocabulary, counted as single-char pieces (+1)
    n_vocab = single.shape[0] - 1
    keep = np.flatnonzero(solid)
    lens = np.concatenate([np.ones(n_vocab, np.int64), ulen[keep]])
    mask = np.arange(ids.shape[1])[None, :] < ulen[keep][:, None]
    chars = np.concatenate([np.arange(1, n_vocab + 1), ids[keep][mask]]).astype(np.int32)
    woff = np.zeros(lens.shape[0] + 1, np.int64)
    np.cumsum(lens, out=woff[1:])
    counts = np.concatenate([single[1:] + 1, pcounts[keep]]).astype(np.float64)
    log.info("seed: %d kept n-grams, %d multi-char pieces", kept_keys.shape[0], keep.shape[0])
    return WordTable(chars, woff, counts)


def seed(passes, counts: NgramCounts, opts: LexiconOptions, min_count: int) -> WordTable:
    """Stage 2 over a corpus's passes (passes.py: in memory or by shards): cut at boundaries
    not covered by a cohesive n-gram, keep the solid pieces."""
    kept = kept_ngrams(counts, passes.n_han, opts, min_count)
    uniq, pcounts, single = passes.seed_pieces(kept, opts)
    return seed_table(kept, uniq, pcounts, single, opts, min_count)


def seed_by_cohesion(corpus: EncodedCorpus, opts: LexiconOptions, min_count: int,
                     counts: NgramCounts | None = None) -> WordTable:
    """Stage 2 on an in-memory corpus (`counts`: its 1..max_n-gram counts, else counted)."""
    from mentropy.passes import CorpusPasses

    if counts is None:
        counts = NgramCounts.from_corpus(corpus, opts.max_n)
    return seed(CorpusPasses(corpus), counts, opts, min_count)


class WordModel:
    """The word table in a :class:`~mentropy.segment.Segmenter`: the builder segments with the
    Segmenter's own Viterbi and scores, so a learnt lexicon segments its training corpus as
    the builder did (one rule, DESIGN §3).

    Every entry of the table is a node of the Segmenter's trie (count 0 = not in the lexicon);
    a corpus (or a part of it) is given as char ids and fragment offsets: every Han fragment
    is a line, every character an atom. `vocab_cps`: the code point of each char id - 1.
    """

    def __init__(self, vocab_cps: np.ndarray, table: WordTable) -> None:
        from mentropy.segment import Segmenter

        self.vocab_cps = np.ascontiguousarray(vocab_cps, dtype=np.uint32)
        self.n_words = table.n_words
        self.word_cps = self.vocab_cps[table.chars - 1]
        self.woff = np.ascontiguousarray(table.woff, dtype=np.int64)
        self.segmenter = Segmenter()
        self.trie = self.segmenter.trie
        self.nodes = self.trie.update_encoded(self.word_cps, self.woff,
                                              table.counts.astype(np.int64))
        self.node_word = np.full(self.trie.n_nodes + 1, -1, np.int64)
        self.node_word[self.nodes] = np.arange(table.n_words)
        self.is_word = np.zeros(self.trie.n_nodes, np.uint8)
        self.is_word[self.nodes] = 1
        # the entry of each single char id (every char of the corpus has one)
        lens = table.lengths()
        self.single_word = np.full(self.vocab_cps.shape[0] + 1, -1, np.int64)
        self.single_word[table.chars[table.woff[:-1][lens == 1]]] = np.flatnonzero(lens == 1)
        self._executor = None  # the threads of _by_parts, kept from one pass to the next
        self._executor_threads = 0

    def close(self) -> None:
        """Stop the threads kept for the passes (they also stop when the model is freed)."""
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def set_counts(self, counts: np.ndarray) -> None:
        """Segment with these counts of the entries from now on."""
        self.trie.set_node_counts(self.nodes, counts.astype(np.int64))
        self.segmenter._changed()

    def _by_parts(self, ids: np.ndarray, offsets: np.ndarray, threads: int,
                  cps: np.ndarray | None, each, lattices: list | None = None,
                  counting: bool = False) -> list:
        """each(a, starts, ends, offs, nodes) for every part of the fragments, segmented
        (the Segmenter's Viterbi, trie nodes recorded; positions relative to the part's
        first char `a`); the results in part order. With `counting` and `lattices`,
        each(a, starts, unknown, offs, uses) instead (KV.segment_lattice's counting: the
        starts of the unknown atoms, the words per trie node).

        The fragments are cut in parts of ~SEGMENT_PART_CHARS characters, run by `threads`
        threads (the kernel releases the GIL); the parts come from the data size only and
        each line's answer does not depend on them, so neither does the result, and the
        kernel's scratch is never the size of the whole input. `cps`: the ids' code points
        when already made. `lattices`: a list kept by the caller between calls over the same
        fragments, holding each part's trie matches (KV.match_lattice: the trie's shape does
        not change with the counts) so that later calls run only the Viterbi
        (KV.segment_lattice, the same segmentation); None: the trie is walked every time.
        """
        if cps is None and lattices is None:
            cps = self.vocab_cps[ids - 1]
        line_starts = np.ascontiguousarray(offsets[:-1], dtype=np.int64)
        line_ends = np.ascontiguousarray(offsets[1:], dtype=np.int64)
        may_cut = np.ones(cps.shape[0] + 1, np.uint8) if lattices is None else None
        bounds = np.searchsorted(line_starts, np.arange(
            0, ids.shape[0], SEGMENT_PART_CHARS), "right") - 1
        bounds = np.unique(np.append(np.maximum(bounds, 0), line_starts.shape[0]))
        n_parts = bounds.shape[0] - 1
        if lattices is not None and len(lattices) != n_parts:
            lattices[:] = [None] * n_parts

        def part(k: int):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            a, b = int(line_starts[lo]), int(line_ends[hi - 1])
            starts = line_starts[lo:hi] - a
            stops = line_ends[lo:hi] - a
            if lattices is None:
                ends, offs, nodes = self.segmenter.segment_codepoints(
                    cps[a:b], may_cut[a:b + 1], starts, stops, nodes=True)
            else:
                if lattices[k] is None:
                    part_cps = self.vocab_cps[ids[a:b] - 1] if cps is None else cps[a:b]
                    lattices[k] = KV.match_lattice(*self.trie.kernel_args(), self.is_word,
                                                   part_cps, starts, stops)
                log_p, unk = self.segmenter._scores()
                ends, offs, nodes = KV.segment_lattice(*lattices[k], log_p, starts, stops,
                                                       unk, counting)
            return each(a, starts, ends, offs, nodes)

        if n_parts <= 1 or threads <= 1:
            return [part(k) for k in range(n_parts)]
        if self._executor is None or self._executor_threads != threads:
            from concurrent.futures import ThreadPoolExecutor

            self.close()
            # kept for the next pass: starting threads anew costs ms each on a busy machine
            self._executor = ThreadPoolExecutor(threads)
            self._executor_threads = threads
        return list(self._executor.map(part, range(n_parts)))

    @staticmethod
    def _token_starts(starts: np.ndarray, ends: np.ndarray, offs: np.ndarray,
                      which: np.ndarray | None = None) -> np.ndarray:
        """Start of each token (or of the tokens `which`) of a segmented part: the end of the
        one before, or its line's start for a line's first token."""
        if which is None:
            tok_start = np.empty_like(ends)
            tok_start[1:] = ends[:-1]
            first = offs[:-1] < offs[1:]
            tok_start[offs[:-1][first]] = starts[first]
            return tok_start
        line = np.searchsorted(offs, which, "right") - 1
        return np.where(offs[line] == which, starts[line], ends[np.maximum(which - 1, 0)])

    def segment(self, ids: np.ndarray, offsets: np.ndarray, threads: int = 1,
                cps: np.ndarray | None = None,
                lattices: list | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Unigram Viterbi over fragments (the Segmenter's scores: ln(count / total), an
        unknown character as a count of 1); returns (token starts, token word index), by
        parts in `threads` threads (see _by_parts, also for `lattices`; the same result for
        any number)."""
        def each(a, starts, ends, offs, nodes):
            tok_start = self._token_starts(starts, ends, offs) + a
            tok_word = self.node_word[nodes]  # node -1 (unknown char) reads the last slot: -1
            # an unknown char (a single char of count 0 here) is still that single char's use
            unknown = np.flatnonzero(tok_word < 0)
            tok_word[unknown] = self.single_word[ids[tok_start[unknown]]]
            return tok_start, tok_word

        results = self._by_parts(ids, offsets, threads, cps, each, lattices)
        total = sum(r[0].shape[0] for r in results)
        tok_start = np.empty(total, np.int64)
        tok_word = np.empty(total, np.int64)
        pos = 0
        for k in range(len(results)):
            starts, words = results[k]
            results[k] = None  # freed as soon as copied
            tok_start[pos:pos + starts.shape[0]] = starts
            tok_word[pos:pos + starts.shape[0]] = words
            pos += starts.shape[0]
        return tok_start, tok_word

    def word_counts(self, ids: np.ndarray, offsets: np.ndarray, threads: int = 1,
                    cps: np.ndarray | None = None, lattices: list | None = None) -> np.ndarray:
        """How often each entry is used when these fragments are segmented (float64[w]):
        the words of :meth:`segment` counted, part by part, by their trie nodes
        (`lattices`: see _by_parts)."""
        n_nodes = self.node_word.shape[0]

        def each(a, starts, ends, offs, nodes):
            by_node = np.bincount(nodes + 1, minlength=n_nodes)  # slot 0: unknown chars
            unknown = np.flatnonzero(nodes < 0)
            chars = ids[self._token_starts(starts, ends, offs, unknown) + a] if \
                unknown.shape[0] else np.zeros(0, np.int32)
            return by_node, chars

        def each_counted(a, starts, unknown, offs, uses):
            return uses, ids[unknown + a]

        by_node = np.zeros(n_nodes, np.int64)
        unknown = []
        for counts, chars in self._by_parts(ids, offsets, threads, cps,
                                            each if lattices is None else each_counted,
                                            lattices, counting=True):
            by_node += counts
            unknown.append(chars)
        out = by_node[self.nodes + 1].astype(np.float64)
        if unknown:
            # an unknown char (a single char of count 0 here) is still that single char's use
            words = self.single_word[np.concatenate(unknown)]
            out += np.bincount(words[words >= 0], minlength=self.n_words)
        return out

    def prune(self, table: WordTable, spell: np.ndarray, lam: float, min_pmi: float) -> int:
        """Description-length pruning, longest first; updates table.counts in place."""
        lens = table.lengths()
        multi = np.flatnonzero(lens >= 2)
        order = multi[np.argsort(-lens[multi], kind="stable")]
        return KV.prune_by_description_length(
            *self.trie.kernel_args(), self.node_log(table.counts), self.word_cps, self.woff,
            self.nodes, order, table.counts, spell, float(lam), float(min_pmi))

    def word_pmi(self, counts: np.ndarray) -> np.ndarray:
        """PMI of every entry against its best split by the others (NaN: single chars and
        entries of count 0)."""
        counts = np.ascontiguousarray(counts, np.float64)
        return KV.word_pmi(*self.trie.kernel_args(), self.node_log(counts), self.word_cps,
                           self.woff, self.nodes, counts)

    def node_log(self, counts: np.ndarray) -> np.ndarray:
        """ln(count) of each entry at its trie node, -inf at nodes of no entry or count 0."""
        out = np.full(self.trie.n_nodes, -np.inf)
        has = counts > 0
        out[self.nodes[has]] = np.log(counts[has])
        return out


def description_length(table: WordTable, spell: np.ndarray, lam: float, tau: float) -> float:
    """DL (nats) of the corpus segmented with `table` (counts) plus its multi-char entries."""
    active = table.counts > 0
    c = table.counts[active]
    n = c.sum()
    multi = active & (table.lengths() > 1)
    return float((c * (math.log(n) - np.log(c))).sum() + lam * spell[multi].sum()
                 + tau * table.counts[multi].sum())


def bits_per_char(counts: np.ndarray, lengths: np.ndarray) -> float:
    """Average entropy per character (bits) of a unit distribution: H / mean length."""
    c = counts[counts > 0].astype(np.float64)
    p = c / c.sum()
    h = -(p * np.log(p)).sum()
    mean_len = (p * lengths[counts > 0]).sum()
    return float(h / mean_len / LN2)


@dataclass
class BuildReport:
    """What a build measured: entropy per char before/after, DL per round, sizes, timings."""

    n_chars: int = 0
    n_han: int = 0
    min_count: int = 0
    bits_per_char_before: float = 0.0
    bits_per_char_after: float = 0.0
    n_lines: int = 0  # non-empty lines read (when repeated lines are dropped)
    n_duplicate_lines: int = 0
    description_length: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    workers: int = 1  # processes that read and counted (batch.py)
    peak_memory: int = 0  # bytes: peak resident memory of this process plus each worker's
    temp_bytes: int = 0  # bytes written to temporary files
    spilled_bytes: int = 0  # of which count runs spilled under a memory budget

    def summary(self) -> str:
        """One line for the end of a run."""
        repeats = (f"; {self.n_duplicate_lines:,} of {self.n_lines:,} lines dropped as repeats"
                   if self.n_duplicate_lines else "")
        return (f"{self.n_han:,} Han chars; entropy {self.bits_per_char_before:.3f} -> "
                f"{self.bits_per_char_after:.3f} bits/char; DL {self.description_length[0]:,.0f}"
                f" -> {self.description_length[-1]:,.0f} nats in {len(self.deleted)} rounds"
                f"{repeats}")


def refine(passes, table: WordTable, opts: LexiconOptions, report: BuildReport,
           on_round=None) -> None:
    """Stage 3 over a corpus's passes (passes.py): segment, recount, delete what does not
    pay, until DL stops falling; table.counts end as the counts of segmenting with them.
    `on_round()` is called after each segmentation of the corpus."""
    vocab_counts = passes.vocab.counts
    char_log_p = np.concatenate([[0.0], np.log(vocab_counts / vocab_counts.sum())])
    spell = table.spelling(char_log_p)
    model = passes.start(table)

    def resegment() -> None:
        table.counts = passes.word_counts(table.counts)
        if on_round is not None:
            on_round()

    resegment()
    dl = description_length(table, spell, opts.prune_lambda, opts.min_pmi)
    report.description_length.append(dl)
    for r in range(opts.max_rounds):
        saved = table.counts.copy()
        deleted = model.prune(table, spell, opts.prune_lambda, opts.min_pmi)
        if deleted == 0:
            break
        resegment()
        new_dl = description_length(table, spell, opts.prune_lambda, opts.min_pmi)
        log.info("round %d: deleted %d words, DL %.0f -> %.0f nats", r + 1, deleted, dl, new_dl)
        if new_dl >= dl:  # the move did not pay: undo it and stop
            table.counts = saved
            break
        dl = new_dl
        report.description_length.append(dl)
        report.deleted.append(deleted)
    # the counts reported are those of segmenting with them: re-segment until they stop
    # changing, so that the Segmenter made from the lexicon reproduces them on this corpus
    for _ in range(SETTLE_ROUNDS):
        before = table.counts
        resegment()
        if np.array_equal(table.counts, before):
            break
    else:
        log.info("counts still changing after %d re-segmentations", SETTLE_ROUNDS)


class Lexicon:
    """Words with counts (and optional statistics), sorted by count desc then word.

    ``len(lex)``, ``word in lex``, ``lex[word]`` (count), ``lex.most_common(n)``; saved as
    ``word freq`` lines (jieba's dictionary format) or as TSV with statistics.
    """

    STAT_COLUMNS = ("pmi", "left_entropy", "right_entropy")

    def __init__(self, words: Sequence[str], counts: Sequence[int] | np.ndarray,
                 stats: dict[str, np.ndarray] | None = None,
                 report: BuildReport | None = None) -> None:
        counts = np.asarray(counts, dtype=np.int64)
        if len(words) != counts.shape[0]:
            raise MentropyError("words and counts differ in length")
        from mentropy.dictionary import rank_entries

        order = rank_entries(list(words), counts)
        self.words: list[str] = [words[i] for i in order]
        self.counts: np.ndarray = counts[order]
        self.stats: dict[str, np.ndarray] = {k: np.asarray(v, dtype=np.float64)[order]
                                             for k, v in (stats or {}).items()}
        self.report = report
        self._index: dict[str, int] | None = None  # word -> position, made on first use

    def _position(self) -> dict[str, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._position()

    def __getitem__(self, word: str) -> int:
        return int(self.counts[self._position()[word]])

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)

    def __repr__(self) -> str:
        head = ", ".join(self.words[:5])
        return f"<Lexicon of {len(self):,} words: {head}{', ...' if len(self) > 5 else ''}>"

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """The n most frequent (word, count) pairs (all when n is None)."""
        stop = len(self) if n is None else max(0, n)
        return [(w, int(c)) for w, c in zip(self.words[:stop], self.counts[:stop])]

    def multi_char(self) -> "Lexicon":
        """Only the entries of two or more characters."""
        keep = [i for i, w in enumerate(self.words) if len(w) > 1]
        return Lexicon([self.words[i] for i in keep], self.counts[keep],
                       {k: v[keep] for k, v in self.stats.items()})

    def length_histogram(self) -> dict[int, int]:
        """Number of entries by length in characters."""
        hist: dict[int, int] = {}
        for w in self.words:
            hist[len(w)] = hist.get(len(w), 0) + 1
        return dict(sorted(hist.items()))

    def write(self, file: IO[str], format: str = "jieba") -> None:
        """Write to an open text file: ``jieba`` (``word freq``) or ``tsv`` (with statistics).

        An entry that could not be read back (empty, or holding a space in the jieba format,
        a tab or a line break in either) raises MentropyError before anything is written.
        """
        from mentropy.dictionary import format_dictionary, format_tsv

        if format == "jieba":
            file.write(format_dictionary(self.words, self.counts))
        elif format == "tsv":
            cols = {k: self.stats[k] for k in self.STAT_COLUMNS if k in self.stats}
            file.write(format_tsv(self.words, self.counts, cols))
        else:
            raise MentropyError(f"unknown lexicon format {format!r} (use jieba or tsv)")

    def save(self, path: str | os.PathLike, format: str = "jieba") -> None:
        """Write atomically to `path` ('-' = stdout) as ``jieba`` or ``tsv``."""
        if format not in ("jieba", "tsv"):
            raise MentropyError(f"unknown lexicon format {format!r} (use jieba or tsv)")
        with atomic_output(path) as f:
            self.write(f, format)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Lexicon":
        """Read a lexicon file: jieba's ``word freq [tag]`` format or mentropy's TSV."""
        from mentropy.dictionary import read_lexicon

        words, counts, stats = read_lexicon(path)
        return cls(words, counts, stats)


def build_lexicon(sources: str | os.PathLike | Iterable[str | os.PathLike] | EncodedCorpus
                  | None = None, *, texts: Iterable[str] | None = None,
                  options: LexiconOptions | None = None, encoding: str = "utf-8",
                  errors: str = "strict", progress: bool | None = None,
                  stats: bool = False, workers: int | None = 1, backend: str = "local",
                  client=None, scheduler: str | None = None, tmp_dir: str | None = None,
                  memory: int | str | None = None, **overrides) -> Lexicon:
    """Learn a lexicon from raw text: `sources` (paths, folders, globs, '-', or an
    EncodedCorpus) or ``texts=`` (an iterable of strings).

    A str is always a path (a missing one raises InputError naming it), never text. Keyword
    overrides are LexiconOptions fields (``min_pmi=3.0``, ``keep_duplicates=True``).
    Deterministic: the same input and options give the same lexicon.

    Large inputs: ``workers=N`` reads files by shards in N spawned worker processes and
    runs every pass of the build (counting, seed, each refinement round) over the shards
    there, the corpus never whole in one process (``workers=None``: the cores this process
    may use, from batch.AUTO_PARALLEL_BYTES of input or from an input that one process would
    need over a quarter of the RAM for, batch.in_memory_limit; less stays in this process);
    ``backend="dask"`` runs the same tasks on a dask.distributed cluster (``client=``,
    ``scheduler=ADDRESS``, or a LocalCluster of 2 workers), and sources may be fsspec URLs
    (s3://..., file://...) the workers can read; `tmp_dir` holds the temporary files (the
    shards' char ids: about 4 bytes per Han character); `memory` ("4G", "50%") bounds the
    counting: sorted count runs spill to `tmp_dir` and are merged range by range.
    The lexicon is byte-identical whatever these are.
    """
    opts = replace(options or LexiconOptions(), **overrides).validate()
    from mentropy import batch

    if backend not in ("local", "dask"):
        raise MentropyError(f"unknown backend {backend!r} (use local or dask)")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise MentropyError(f"workers must be a positive integer, not {workers!r}")
    if isinstance(sources, EncodedCorpus) and texts is not None:
        raise MentropyError("give either sources or texts=, not both")
    batch_stats = batch.BatchStats()
    t0 = time.perf_counter()
    if not isinstance(sources, EncodedCorpus) and texts is None and sources is not None and (
            backend == "dask" or client is not None or workers is None or workers > 1
            or memory is not None or batch.has_url(sources)):
        with batch.open_for_lexicon(
                sources, opts, encoding=encoding, errors=errors, progress=progress,
                workers=workers, backend=backend, client=client, scheduler=scheduler,
                tmp_dir=tmp_dir, stats=batch_stats, memory=memory) as sharded:
            if sharded is not None:
                from mentropy.passes import ShardPasses, forget_models

                try:
                    return _build(ShardPasses(sharded), sharded.counts, opts, t0, progress,
                                  stats, batch_stats)
                finally:
                    forget_models()
    from mentropy.passes import CorpusPasses

    corpus = sources if isinstance(sources, EncodedCorpus) else read_corpus(
        sources, texts=texts, encoding=encoding, errors=errors, progress=progress,
        time_atoms=opts.time_atoms, number_atoms=opts.number_atoms,
        keep_duplicates=opts.keep_duplicates)
    return _build(CorpusPasses(corpus, progress), None, opts, t0, progress, stats,
                  batch_stats)


def _build(passes, counts: NgramCounts | None, opts: LexiconOptions, t0: float,
           progress: bool | None, stats: bool, batch_stats) -> Lexicon:
    """Stages 2 and 3 and the output over a corpus's passes (counts: made when None)."""
    from mentropy import batch

    report = BuildReport(n_chars=passes.n_chars, n_han=passes.n_han, n_lines=passes.n_lines,
                         n_duplicate_lines=passes.n_duplicate_lines)
    report.seconds["read"] = time.perf_counter() - t0
    if batch_stats.seconds:  # read by shards: the parts of reading (dedupe, read, count)
        report.seconds.update({f"read.{k}": v for k, v in batch_stats.seconds.items()})
    min_count = opts.min_count or default_min_count(passes.n_han)
    report.min_count = min_count
    t1 = time.perf_counter()
    if counts is None:
        # counted whole, then pruned: faster than pruning while counting (min_count=),
        # which only saves memory
        counts = NgramCounts.from_corpus(passes.corpus, opts.max_n, progress=progress)
    table = seed(passes, counts, opts, min_count)
    del counts
    report.seconds["seed"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    try:
        with batch.bar(None, "round", "refining", progress) as bar:
            refine(passes, table, opts, report, on_round=lambda: bar.update(1))
        report.seconds["refine"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        lengths = table.lengths()
        report.bits_per_char_before = bits_per_char(passes.vocab.counts,
                                                    np.ones(len(passes.vocab)))
        report.bits_per_char_after = bits_per_char(table.counts, lengths)
        keep = np.flatnonzero(table.counts > 0)
        words = decode_words(passes.vocab.cps, table.chars, table.woff, keep)
        word_stats = None
        if stats:
            word_stats = word_statistics(passes, table)
            word_stats = {k: v[keep] for k, v in word_stats.items()}
    finally:
        if passes.model is not None:
            passes.model.close()
    report.seconds["output"] = time.perf_counter() - t3
    report.workers = batch_stats.workers
    report.temp_bytes = batch_stats.temp_bytes
    report.spilled_bytes = batch_stats.spilled_bytes
    report.peak_memory = batch.peak_memory() + sum(passes.worker_peaks().values())
    log.info("%s", report.summary())
    log.info("seconds: %s", ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
    return Lexicon(words, table.counts[keep].astype(np.int64), word_stats, report)


def decode_words(cps: np.ndarray, chars: np.ndarray, woff: np.ndarray,
                 which: np.ndarray) -> list[str]:
    """Text of the CSR words `which` (one decode for all of them)."""
    lens = woff[which + 1] - woff[which]
    idx = np.repeat(woff[which], lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    text = cps[chars[idx] - 1].astype("<u4").tobytes().decode("utf-32-le")
    bounds = np.concatenate([[0], np.cumsum(lens)]).tolist()
    return [text[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


def word_statistics(passes, table: WordTable) -> dict[str, np.ndarray]:
    """PMI against the best split, left/right branching entropy (nats) of every entry, the
    corpus segmented with table.counts."""
    pmi = passes.model.word_pmi(table.counts)
    left, right = passes.neighbours(table.counts)
    return {"pmi": pmi, "left_entropy": branching_entropy(*left, table.n_words),
            "right_entropy": branching_entropy(*right, table.n_words)}


NEIGHBOUR_BASE = 131072  # a neighbour key is word * NEIGHBOUR_BASE + char id (0: an edge)


def neighbour_tables(ids: np.ndarray, offsets: np.ndarray, tok_start: np.ndarray,
                     tok_word: np.ndarray) -> tuple[tuple, tuple]:
    """The sorted (keys, counts) tables of (word, left char) and (word, right char) of a
    segmentation (key: word * NEIGHBOUR_BASE + char id, 0 at a fragment edge; tokens of no
    entry left out); tables of parts of a corpus add up (merge_sorted)."""
    left, right = KL.neighbour_keys(ids, offsets, tok_start, tok_word, NEIGHBOUR_BASE)
    return tuple(KN.run_length(np.sort(k).view(np.uint64).reshape(-1, 1)) for k in (left, right))


def branching_entropy(keys: np.ndarray, counts: np.ndarray, n_words: int) -> np.ndarray:
    """Branching entropy (nats) of each word over its neighbours, from a neighbour table
    (neighbour_tables); 0 for a word never seen."""
    word = (keys[:, 0] // np.uint64(NEIGHBOUR_BASE)).astype(np.int64)
    c = counts.astype(np.float64)
    totals = np.bincount(word, weights=c, minlength=n_words)
    sum_clogc = np.bincount(word, weights=c * np.log(np.maximum(c, 1.0)), minlength=n_words)
    out = np.zeros(n_words)
    seen = totals > 0
    out[seen] = np.log(totals[seen]) - sum_clogc[seen] / totals[seen]
    return out
