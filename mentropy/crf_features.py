"""Units and hashed features of the CRF segmenter (DESIGN §6).

The CRF tags units, not characters: a unit is one of mentropy's atoms (:mod:`mentropy.atoms`),
so a number run (``3.14``, ``１９９８``), a latin run (``iPhone7``), a time word (``1998年``) or a
run of one punctuation mark is never split. Features are computed on the width-folded text
(full-width digits and letters as ASCII); the segmenter's output keeps the original characters.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Sequence

import numpy as np

from mentropy import atoms
from mentropy._kernels import atoms as KA
from mentropy._kernels import crf_features as KF
from mentropy.errors import MentropyError

FEATURES_VERSION = 1  # bump when the templates or the hashing change
SYM_NUM, SYM_LATIN, SYM_TIME, SYM_SPACE = 0x110001, 0x110002, 0x110003, 0x110004


@dataclass(frozen=True)
class FeatureOptions:
    """What changes the features of a unit: a model only works with the options it was
    trained with."""

    hash_bits: int = 22  # the weight table has 2**hash_bits rows (4 weights each)
    lexicon_features: bool = False  # words of a lexicon starting/ending/inside at a unit
    pmi_features: bool = False  # binned PMI of the unit pairs across each boundary
    # the template parse's block boundary, fixed word and binned depth at each unit: the
    # sha256 (hex) of the templates the model parses with ("" = off)
    parse_features: str = ""
    templates: int = FEATURES_VERSION

    def validate(self) -> "FeatureOptions":
        """Raise MentropyError for an option out of range; return self."""
        if not isinstance(self.hash_bits, int) or not 10 <= self.hash_bits <= 28:
            raise MentropyError(f"hash_bits must be an integer in 10..28, not {self.hash_bits!r}")
        p = self.parse_features
        if not isinstance(p, str) or (p and (len(p) != 64 or p.strip("0123456789abcdef"))):
            raise MentropyError(f"parse_features must be '' or the sha256 (hex) of a templates "
                                f"file, not {p!r}")
        return self

    @property
    def n_buckets(self) -> int:
        """Rows of the weight table."""
        return 1 << self.hash_bits

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FeatureOptions":
        """Options from :meth:`to_dict`; unknown keys raise MentropyError (a missing
        pmi_features or parse_features means off: models made before they existed)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise MentropyError(f"unknown feature options {unknown}")
        return cls(**d)


@dataclass(frozen=True)
class Units:
    """The units of a batch of lines (concatenated without separators).

    Unit u covers characters starts[u]:ends[u] of the concatenation; line i holds units
    line_units[i]:line_units[i + 1] and characters line_chars[i]:line_chars[i + 1].
    """

    starts: np.ndarray  # int64[m]
    ends: np.ndarray  # int64[m]
    line_units: np.ndarray  # int64[n_lines + 1]
    line_chars: np.ndarray  # int64[n_lines + 1]
    sym: np.ndarray  # uint32[m]
    cls: np.ndarray  # uint8[m]
    joined: np.ndarray  # uint32: code points of the lines joined by one "\n" each

    def __len__(self) -> int:
        return int(self.starts.shape[0])


def make_units(texts: Sequence[str]) -> Units:
    """Units of `texts` (one entry per line; a line may be empty)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    line_chars = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=line_chars[1:])
    # lines joined by "\n", so atoms never run across them; the separators are dropped below
    joined = "\n".join(texts)
    cps = atoms.codepoints(joined)
    n = cps.shape[0]
    norm, cls_cp = atoms.normalise(cps)
    atom_starts, kinds = KA.atomize(np.ascontiguousarray(norm, dtype=np.uint32), cls_cp,
                                    True, True)
    sep_at = line_chars[1:-1] + np.arange(len(texts) - 1, dtype=np.int64)  # in the joined text
    line_start = line_chars[:-1] + np.arange(len(texts), dtype=np.int64)
    cut = np.zeros(n + 1, dtype=bool)
    cut[atom_starts] = True
    cut[line_start] = True
    cut[sep_at] = True
    cut[sep_at + 1] = True
    bounds = np.flatnonzero(cut)
    starts_j, ends_j = bounds[:-1], bounds[1:]
    is_sep = np.zeros(n + 1, dtype=bool)
    is_sep[sep_at] = True
    keep = ~is_sep[starts_j]
    starts_j, ends_j = starts_j[keep], ends_j[keep]
    atom_of = np.searchsorted(atom_starts, starts_j, side="right") - 1
    unit_kinds = kinds[atom_of] if kinds.shape[0] else np.zeros(0, np.int8)
    sym, cls = KF.unit_symbols(norm, starts_j, np.ascontiguousarray(unit_kinds, np.int8),
                               cls_cp, SYM_NUM, SYM_LATIN, SYM_TIME, SYM_SPACE)
    line_of = np.searchsorted(line_start, starts_j, side="right") - 1
    line_units = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(line_of, minlength=len(texts)), out=line_units[1:])
    shift = line_of  # separators before each unit
    return Units(starts=starts_j - shift, ends=ends_j - shift, line_units=line_units,
                 line_chars=line_chars, sym=sym, cls=cls, joined=cps)


def extract(units: Units, options: FeatureOptions, extra: np.ndarray | None = None) -> np.ndarray:
    """Hashed feature ids (int32[n_units, n_cols]) of `units`; `extra` (int32[n_units, k],
    -1 = none) holds additional feature values hashed into the same table."""
    n_extra = 0 if extra is None else extra.shape[1]
    feats = np.empty((len(units), KF.N_BASE + n_extra), dtype=np.int32)
    KF.base_features(units.sym, units.cls, units.line_units, np.int64(options.n_buckets),
                     np.int64(feats.shape[1]), feats)
    if n_extra:
        KF.hash_extra(np.ascontiguousarray(extra, dtype=np.int32), np.int64(options.n_buckets),
                      np.int64(KF.N_BASE), feats)
    return feats


def gold_tags(units: Units, words_per_line: Sequence[Sequence[str]]) -> np.ndarray:
    """BMES tags (int8) of `units` from the gold words of each line (the lines of `units`)."""
    n = int(units.line_chars[-1])
    is_bound = np.zeros(n + 1, dtype=np.uint8)
    ends = np.cumsum(np.fromiter((len(w) for ws in words_per_line for w in ws), dtype=np.int64))
    is_bound[ends] = 1
    is_bound[units.line_chars] = 1
    return KF.tags_from_bounds(units.starts, units.ends, is_bound)


def word_bounds_from_tags(units: Units, tags: np.ndarray) -> np.ndarray:
    """Character offsets (int64, into the concatenation) where a word starts, from unit tags:
    the start of every unit tagged B or S, plus every line start."""
    starts = units.starts[(tags == 0) | (tags == 3)]
    return np.union1d(starts, units.line_chars[:-1])


PMI_BINS = (-4, 12)  # PMI floored and clipped to this range (nats)


@dataclass(frozen=True)
class PairCounts:
    """Counts of unit symbols and adjacent symbol pairs of a training text (for PMI features)."""

    pair_keys: np.ndarray  # uint64 sorted
    pair_counts: np.ndarray  # int64
    uni_keys: np.ndarray  # uint64 sorted
    uni_counts: np.ndarray  # int64

    @classmethod
    def from_units(cls, units: Units) -> "PairCounts":
        """Count the symbols and adjacent pairs of `units`."""
        pk, pc = np.unique(KF.pair_keys(units.sym, units.line_units), return_counts=True)
        uk, uc = np.unique(units.sym.astype(np.uint64), return_counts=True)
        return cls(pk.astype(np.uint64), pc.astype(np.int64), uk.astype(np.uint64),
                   uc.astype(np.int64))

    def merge(self, other: "PairCounts") -> "PairCounts":
        """The counts of both texts."""
        pk, pc = _add_counts(self.pair_keys, self.pair_counts, other.pair_keys,
                             other.pair_counts)
        uk, uc = _add_counts(self.uni_keys, self.uni_counts, other.uni_keys, other.uni_counts)
        return PairCounts(pk, pc, uk, uc)

    @classmethod
    def empty(cls) -> "PairCounts":
        """No counts (every pair unseen)."""
        z = np.zeros(0, dtype=np.uint64)
        return cls(z, np.zeros(0, np.int64), z, np.zeros(0, np.int64))

    def columns(self, units: Units) -> np.ndarray:
        """Binned PMI before and after each unit, int32[n_units, 2]."""
        total = int(self.uni_counts.sum())
        return KF.pmi_columns(units.sym, units.line_units, self.pair_keys, self.pair_counts,
                              self.uni_keys, self.uni_counts, float(np.log(max(total, 1))),
                              np.int64(PMI_BINS[0]), np.int64(PMI_BINS[1]))


def _add_counts(keys_a: np.ndarray, counts_a: np.ndarray, keys_b: np.ndarray,
                counts_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys, inverse = np.unique(np.concatenate([keys_a, keys_b]), return_inverse=True)
    counts = np.zeros(keys.shape[0], np.int64)
    np.add.at(counts, inverse.reshape(-1), np.concatenate([counts_a, counts_b]))
    return keys.astype(np.uint64), counts


DEPTH_BINS = 3  # template depth binned 0, 1, 2, >= 3


def parse_columns(units: Units, parses: Sequence[dict[str, np.ndarray]]) -> np.ndarray:
    """Template parse features of every unit, int32[n_units, 3], from
    :func:`mentropy.parse.parse_features` of each line of `units`: the block boundary (bit 1:
    a block or placeholder content starts at the unit's first character, bit 2: one ends at
    its last), whether its first character is in a template's fixed word, and the number of
    enclosing template blocks at it (capped at DEPTH_BINS)."""
    n = int(units.line_chars[-1])
    if len(parses) != units.line_chars.shape[0] - 1:
        raise MentropyError("parse_columns needs one parse per line")
    if n == 0:
        return np.zeros((len(units), 3), np.int32)
    boundary = np.concatenate([p["boundary"] for p in parses]).astype(np.int32)
    fixed = np.concatenate([p["fixed"] for p in parses]).astype(np.int32)
    depth = np.concatenate([p["depth"] for p in parses]).astype(np.int32)
    if boundary.shape[0] != n:
        raise MentropyError("the parses do not cover the lines of the units")
    out = np.empty((len(units), 3), np.int32)
    out[:, 0] = (boundary[units.starts] & 1) | (boundary[units.ends - 1] & 2)
    out[:, 1] = fixed[units.starts]
    out[:, 2] = np.minimum(depth[units.starts], DEPTH_BINS)
    return out
