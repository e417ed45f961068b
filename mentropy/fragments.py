"""Text to int arrays, once: Han fragments as dense char ids (CSR) for counting and learning."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

import numpy as np

from mentropy import atoms
from mentropy._kernels import atoms as KA
from mentropy.dedupe import DuplicateStats, KeepAll, unique_lines
from mentropy.errors import InputError, MentropyError
from mentropy.vocab import MAX_CP, CharVocab

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncodedCorpus:
    """Fragments (maximal runs of Han characters) of a corpus as char ids.

    Fragment f is ids[offsets[f]:offsets[f + 1]]; every id is >= 1.
    """

    ids: np.ndarray  # int32[k]
    offsets: np.ndarray  # int64[f + 1]
    vocab: CharVocab
    n_chars: int  # code points read, all classes
    n_lines: int = 0  # non-empty lines read (counted when repeated lines are dropped)
    n_duplicate_lines: int = 0  # lines dropped as exact repeats of an earlier line

    @property
    def n_han(self) -> int:
        """Number of Han characters in the fragments."""
        return int(self.ids.shape[0])

    def fragment(self, f: int) -> str:
        """Text of fragment f."""
        return self.vocab.chars(self.ids[self.offsets[f]:self.offsets[f + 1]])


def han_runs(text: str, *, time_atoms: bool = True,
             number_atoms: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the single-Han atoms of `text`, split into runs: (cps uint32, offsets)."""
    a = atoms.atomize(text, time_atoms=time_atoms, number_atoms=number_atoms)
    if len(a) == 0:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64)
    # map every Han code point to itself (as an "id"), others to 0, then reuse the kernel
    marks = np.where(a.cps < MAX_CP, a.cps, 0).astype(np.int32)
    ids, offsets = KA.han_fragments(a.kinds, a.starts, marks)
    return ids.astype(np.uint32), offsets


def encode_texts(texts: Iterable[str], *, min_char_count: int = 1,
                 time_atoms: bool = True, number_atoms: bool = True) -> EncodedCorpus:
    """Atomise and encode texts; characters rarer than `min_char_count` become boundaries."""
    cps, lens, n_chars = han_fragments(texts, time_atoms=time_atoms, number_atoms=number_atoms)
    return encode_fragments([cps], [lens], n_chars, min_char_count=min_char_count)


def han_fragments(texts: Iterable[str], *, time_atoms: bool = True,
                  number_atoms: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """Code points of the Han fragments of texts (uint32), their lengths (int64) and the
    number of code points read: the part of encode_texts a shard can do on its own."""
    cps_parts: list[np.ndarray] = []
    len_parts: list[np.ndarray] = []
    n_chars = 0
    for text in texts:
        n_chars += len(text)
        cps, offsets = han_runs(text, time_atoms=time_atoms, number_atoms=number_atoms)
        if cps.shape[0]:
            cps_parts.append(cps)
            len_parts.append(np.diff(offsets))
    cps = np.concatenate(cps_parts) if cps_parts else np.zeros(0, np.uint32)
    lens = np.concatenate(len_parts) if len_parts else np.zeros(0, np.int64)
    return cps, lens, n_chars


def encode_fragments(cps_parts: list[np.ndarray], len_parts: list[np.ndarray], n_chars: int,
                     *, min_char_count: int = 1) -> EncodedCorpus:
    """The corpus of Han fragments given in parts (code points, lengths), in order: one
    frequency-ranked vocabulary over all of them."""
    cps = np.concatenate(cps_parts) if len(cps_parts) != 1 else cps_parts[0]
    lens = np.concatenate(len_parts) if len(len_parts) != 1 else len_parts[0]
    cp_counts = np.bincount(cps, minlength=MAX_CP)
    vocab = CharVocab.from_counts(cp_counts, min_count=min_char_count)
    ids = vocab.lookup_table()[cps]
    offsets = np.zeros(lens.shape[0] + 1, np.int64)
    np.cumsum(lens, out=offsets[1:])
    if (ids == 0).any():  # rare characters split their fragment
        ids, offsets = _split_at_zero(ids, offsets)
    return EncodedCorpus(ids.astype(np.int32), offsets, vocab, n_chars)


def _split_at_zero(ids: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop id 0 and split fragments there."""
    keep = ids != 0
    break_before = np.zeros(ids.shape[0], bool)
    break_before[offsets[:-1][offsets[:-1] < ids.shape[0]]] = True
    break_before[1:] |= ~keep[:-1]
    group = np.cumsum(break_before)[keep]
    change = np.flatnonzero(np.diff(group)) + 1
    new_offsets = np.concatenate([[0], change, [group.shape[0]]]) if group.shape[0] else np.zeros(1)
    return ids[keep], new_offsets.astype(np.int64)


def read_corpus(sources: str | os.PathLike | Iterable[str | os.PathLike] | None = None, *,
                texts: Iterable[str] | None = None, encoding: str = "utf-8",
                errors: str = "strict", progress: bool | None = None,
                time_atoms: bool = True, number_atoms: bool = True,
                keep_duplicates: bool = False) -> EncodedCorpus:
    """Encode files (`sources`: paths, folders, globs, '-') or `texts` into Han fragments.

    A str is always a path, never text: a missing path is an error naming it. Texts are given
    as an explicit iterable of strings with ``texts=``. Repeated lines (exact duplicates) are
    counted once unless `keep_duplicates`.
    """
    if (sources is None) == (texts is None):
        raise MentropyError("give either sources (paths) or texts=, not both or neither")
    from mentropy.corpus import iter_blocks, source_paths, text_items

    pieces: Iterable[tuple[str, bool]]  # (text, starts a line)
    if texts is not None:
        names = "<texts>"
        pieces = ((text, True) for text in text_items(texts))
    else:
        paths = source_paths(sources)
        names = ", ".join(paths)
        pieces = _block_pieces(iter_blocks(paths, encoding=encoding, errors=errors,
                                           progress=progress, desc="reading"))
    duplicates = DuplicateStats()
    # with keep_duplicates every line is kept, but lines still pass through unique_lines: a
    # long line is then cut at the same places whatever the blocks or shards (batch.py)
    stream = unique_lines(pieces, DuplicateStats(), seen=KeepAll()) if keep_duplicates else \
        unique_lines(pieces, duplicates)
    corpus = encode_texts(stream, time_atoms=time_atoms, number_atoms=number_atoms)
    if corpus.n_han == 0:
        raise InputError(names, "no Chinese text found (a lexicon needs Han characters)")
    return replace(corpus, n_lines=duplicates.n_lines, n_duplicate_lines=duplicates.n_dropped)


def _block_pieces(blocks: Iterable) -> Iterator[tuple[str, bool]]:
    """(text, starts a line) of each block: a block that begins a file begins a line."""
    path = None
    for block in blocks:
        yield block.text, block.path != path or block.byte_offset == 0
        path = block.path
