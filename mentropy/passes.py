"""Where the passes of a lexicon build run: over an in-memory corpus, or by shards.

A build (lexicon.py) reads its corpus through three passes, each a sum over the corpus's
fragments: the seed's pieces (`seed_pieces`: sorted tables that add up), each refinement
round's word counts (`word_counts`: a bincount of the words of a segmentation) and, with
statistics, the words' neighbours (`neighbours`: sorted tables). :class:`CorpusPasses` runs
them on an EncodedCorpus in this process; :class:`ShardPasses` runs the same functions as one
task per shard of a :class:`~mentropy.batch.ShardedCorpus` (worker processes or a Dask
cluster) and adds the results up, so that no process ever holds the whole corpus. Integer
sums: the lexicon is byte-identical either way.
"""
from __future__ import annotations

import os

import numpy as np

from mentropy.batch import save_array
from mentropy.counts import TableMerger, key_width
from mentropy.lexicon import (LATTICE_MAX_CHARS, SEGMENT_THREADS, WordModel, WordTable,
                              neighbour_tables, seed_pieces)


class Passes:
    """What every kind of passes tells the build about its corpus: the char vocabulary and
    the sizes (Han chars, chars, lines read and dropped as repeats), and the word model."""

    def __init__(self, corpus) -> None:
        self.vocab = corpus.vocab
        self.n_han = corpus.n_han
        self.n_chars = corpus.n_chars
        self.n_lines = corpus.n_lines
        self.n_duplicate_lines = corpus.n_duplicate_lines
        self.model: WordModel | None = None


class CorpusPasses(Passes):
    """The passes of a build over an in-memory corpus (the builder's Viterbi in threads)."""

    def __init__(self, corpus, progress: bool | None = False) -> None:
        super().__init__(corpus)
        self.corpus = corpus
        self.progress = progress
        self._cps: np.ndarray | None = None
        self._lattices: list | None = None

    def seed_pieces(self, kept_keys: np.ndarray, opts) -> tuple:
        """The corpus's seed pieces (lexicon.seed_pieces)."""
        from mentropy.batch import bar

        c = self.corpus
        with bar(1, "stage", "seed", self.progress) as b:
            pieces = seed_pieces(c.ids, c.offsets, kept_keys, opts.max_n, opts.max_word_len,
                                 len(self.vocab))
            b.update(1)
        return pieces

    def start(self, table: WordTable) -> WordModel:
        """The word model the next passes segment with (counts set by word_counts)."""
        self.model = WordModel(self.vocab.cps, table)
        # the trie's matches, found in the first pass (from each part's code points) and
        # reused by the next ones (about 11 bytes per char: only up to LATTICE_MAX_CHARS);
        # else the code points of the corpus, made once for every pass
        if self.corpus.ids.shape[0] <= LATTICE_MAX_CHARS:
            self._lattices, self._cps = [], None
        else:
            self._lattices, self._cps = None, self.model.vocab_cps[self.corpus.ids - 1]
        return self.model

    def word_counts(self, counts: np.ndarray) -> np.ndarray:
        """How often each entry is used when the corpus is segmented with `counts`."""
        self.model.set_counts(counts)
        return self.model.word_counts(self.corpus.ids, self.corpus.offsets, SEGMENT_THREADS,
                                      self._cps, self._lattices)

    def neighbours(self, counts: np.ndarray) -> tuple[tuple, tuple]:
        """The (word, left char) and (word, right char) tables of the corpus segmented with
        `counts` (lexicon.neighbour_tables)."""
        self.model.set_counts(counts)
        c = self.corpus
        tok_start, tok_word = self.model.segment(c.ids, c.offsets, SEGMENT_THREADS, self._cps,
                                                 self._lattices)
        return neighbour_tables(c.ids, c.offsets, tok_start, tok_word)

    def worker_peaks(self) -> dict:
        """Peak resident bytes of each worker process (none here)."""
        return {}


class ShardPasses(Passes):
    """The passes of a build as one task per shard of a ShardedCorpus (batch.py), added up
    in this process; a bar per pass over the shards' bytes."""

    def __init__(self, sharded) -> None:
        super().__init__(sharded)
        self.sharded = sharded
        self.round = 0

    def seed_pieces(self, kept_keys: np.ndarray, opts) -> tuple:
        """The seed pieces of every shard (shard_seed_pieces), added up."""
        save_array(os.path.join(self.sharded.folder, "kept.npy"), kept_keys)
        merger = TableMerger(key_width(opts.max_word_len))
        single = np.zeros(len(self.vocab) + 1, np.int64)

        def done(i, result):
            keys, counts, ones = result
            merger.add(keys, counts)
            single[:] += ones
        self.sharded.run(shard_seed_pieces, (opts.max_n, opts.max_word_len, len(self.vocab)),
                         done, "seed")
        keys, counts = merger.result()
        return keys, counts, single

    def start(self, table: WordTable) -> WordModel:
        """The word model: this process's (for pruning), and the table in the folder for the
        workers (each builds its own once)."""
        self.model = WordModel(self.vocab.cps, table)
        save_array(os.path.join(self.sharded.folder, "table.npz"), chars=table.chars,
                   woff=table.woff, vocab_cps=self.model.vocab_cps)
        return self.model

    def _counts_file(self, counts: np.ndarray) -> str:
        self.round += 1
        name = f"counts-{self.round}.npy"
        save_array(os.path.join(self.sharded.folder, name), counts.astype(np.int64))
        old = os.path.join(self.sharded.folder, f"counts-{self.round - 1}.npy")
        if os.path.exists(old):
            os.unlink(old)
        return name

    def word_counts(self, counts: np.ndarray) -> np.ndarray:
        """Every shard segmented with `counts` (shard_word_counts), the word counts added."""
        name = self._counts_file(counts)
        total = np.zeros(self.model.n_words, np.float64)

        def done(i, result):
            total[:] += result
        self.sharded.run(shard_word_counts, (name,), done, f"segmenting {self.round}")
        return total

    def neighbours(self, counts: np.ndarray) -> tuple[tuple, tuple]:
        """The neighbour tables of every shard segmented with `counts`, added up."""
        name = self._counts_file(counts)
        mergers = (TableMerger(1), TableMerger(1))

        def done(i, result):
            for side in range(2):
                mergers[side].add(*result[side])
        self.sharded.run(shard_neighbours, (name,), done, "neighbours")
        return mergers[0].result(), mergers[1].result()

    def worker_peaks(self) -> dict:
        """Peak resident bytes of each worker process (pid -> bytes)."""
        pool = self.sharded.pool
        return dict(pool.peaks) if pool.workers > 1 or hasattr(pool, "client") else {}


# -- the tasks (top-level functions: they run in spawned processes and on Dask workers) ----

_MODEL: dict = {}  # folder -> [WordModel, name of the counts file it holds]


def _model(folder: str, counts_name: str) -> WordModel:
    """This process's word model for the build in `folder`, with the counts of that file
    (built once per process and build, the counts updated per round)."""
    entry = _MODEL.get(folder)
    if entry is None:
        _MODEL.clear()  # a model of an earlier build is not needed again
        with np.load(os.path.join(folder, "table.npz"), allow_pickle=False) as z:
            chars, woff, vocab_cps = z["chars"], z["woff"], z["vocab_cps"]
        table = WordTable(chars, woff, np.zeros(woff.shape[0] - 1))
        entry = _MODEL[folder] = [WordModel(vocab_cps, table), None]
    if entry[1] != counts_name:
        entry[0].set_counts(np.load(os.path.join(folder, counts_name)))
        entry[1] = counts_name
    return entry[0]


def forget_models() -> None:
    """Drop the word model kept for the last build (this process)."""
    _MODEL.clear()


def shard_seed_pieces(index: int, folder: str, max_n: int, max_word_len: int,
                      n_vocab: int) -> tuple:
    """A task: the seed pieces of a shard (the kept n-grams in `folder`/kept.npy)."""
    from mentropy.batch import shard_ids

    ids, offsets = shard_ids(index, folder)
    kept = np.load(os.path.join(folder, "kept.npy"))
    return seed_pieces(ids, offsets, kept, max_n, max_word_len, n_vocab)


def shard_word_counts(index: int, folder: str, counts_name: str) -> np.ndarray:
    """A task: the word counts of a shard segmented with the counts in that file."""
    from mentropy.batch import shard_ids

    model = _model(folder, counts_name)
    ids, offsets = shard_ids(index, folder)
    return model.word_counts(ids, offsets)


def shard_neighbours(index: int, folder: str, counts_name: str) -> tuple:
    """A task: the neighbour tables of a shard segmented with the counts in that file."""
    from mentropy.batch import shard_ids

    model = _model(folder, counts_name)
    ids, offsets = shard_ids(index, folder)
    tok_start, tok_word = model.segment(ids, offsets)
    return neighbour_tables(ids, offsets, tok_start, tok_word)
