"""CharVocab: Han code point <-> dense id, ranked by frequency (id 0 = boundary)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

MAX_CP = 0x40000  # every Han code point lies below plane 4
MAX_IDS = 0xFFFF  # ids must fit 16 bits in packed n-gram keys


@dataclass(frozen=True)
class CharVocab:
    """Code points ranked by count desc, then code point asc; id = rank + 1."""

    cps: np.ndarray  # uint32[v]
    counts: np.ndarray  # int64[v]

    @classmethod
    def from_counts(cls, cp_counts: np.ndarray, min_count: int = 1) -> "CharVocab":
        """Build from a dense count array indexed by code point (length MAX_CP)."""
        cps = np.flatnonzero(cp_counts >= max(1, min_count)).astype(np.uint32)
        counts = cp_counts[cps].astype(np.int64)
        order = np.argsort(-counts, kind="stable")  # cps ascending already: ties by code point
        order = order[:MAX_IDS]
        return cls(cps[order], counts[order])

    def __len__(self) -> int:
        return int(self.cps.shape[0])

    def lookup_table(self) -> np.ndarray:
        """int32[MAX_CP]: id of each code point, 0 when not in the vocabulary."""
        lut = np.zeros(MAX_CP, dtype=np.int32)
        lut[self.cps] = np.arange(1, len(self) + 1, dtype=np.int32)
        return lut

    def ids(self, cps: np.ndarray) -> np.ndarray:
        """Ids of code points (0 for code points outside the vocabulary)."""
        cps = np.asarray(cps, dtype=np.uint32)
        out = np.zeros(cps.shape[0], dtype=np.int32)
        inside = cps < MAX_CP
        out[inside] = self.lookup_table()[cps[inside]]
        return out

    def chars(self, ids: np.ndarray) -> str:
        """Text of a sequence of ids (id 0 is not allowed)."""
        return self.cps[np.asarray(ids, dtype=np.int64) - 1].astype(np.uint32).tobytes().decode(
            "utf-32-le")

    def digest(self) -> str:
        """sha256 of the id assignment, to check that tables belong together."""
        return hashlib.sha256(self.cps.astype("<u4").tobytes()).hexdigest()
