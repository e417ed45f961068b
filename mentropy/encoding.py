"""Text to int arrays, once: Han fragments as dense char ids (CSR) for counting and learning."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from mentropy import atoms
from mentropy._kernels import atoms as KA
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
