"""Candidate words: every dictionary word that occurs in a text, as arrays (DESIGN §4).

:class:`Trie` is a code point trie in flat arrays walked by a numba kernel. The segmenter uses it:
it matches a whole batch of lines in one call and supports adding and removing words in place.
(Finding a set of keywords in a corpus, where an Aho-Corasick automaton is the natural tool, is
:mod:`mentropy.keywords`' job.)

Matching is on the normalised text (full-width ASCII as ASCII, :func:`mentropy.atoms.normalise`),
so ``ｉＰｈｏｎｅ`` matches ``iPhone``; positions always refer to the original string, which has the
same length in code points.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from mentropy import atoms
from mentropy._kernels import trie as K
from mentropy.errors import MentropyError

_MIN_BITS = 10
CACHE_MIN_BYTES = 1 << 20  # dictionaries smaller than this parse faster than a cache loads
_ARRAYS = ("root", "table", "filt", "parent", "cp", "count", "log_count")


def encode_words(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Normalised code points of `words`, concatenated, and their offsets (int64[len + 1])."""
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    cps = atoms.codepoints("".join(words))
    norm, _ = atoms.normalise(cps) if cps.shape[0] else (cps, None)
    return np.ascontiguousarray(norm, dtype=np.uint32), offsets


def _logs(counts: np.ndarray) -> np.ndarray:
    """ln of each count (-inf for 0) by math.log, not np.log: the same correctly rounded
    values as jieba's scores. Computed once per distinct count."""
    if counts.shape[0] == 0:
        return np.zeros(0)
    values, inverse = np.unique(counts, return_inverse=True)
    logs = np.array([math.log(v) if v > 0 else -math.inf for v in values.tolist()])
    return logs[inverse.reshape(-1)]


class Trie:
    """Words (normalised) with counts in a code point trie; words equal after normalisation
    are one entry."""

    def __init__(self, words: Sequence[str] = (), counts: Iterable[int] | np.ndarray = (),
                 *, combine: str = "last") -> None:
        """Build from `words` and their `counts`.

        combine: ``"last"`` (a later equal word replaces the count) or ``"max"`` (keep the
        larger count) for words that are equal after normalisation.
        """
        self.root = np.full(0x10000, -1, dtype=np.int32)
        self.bits = _MIN_BITS
        self.table = np.full(2 << self.bits, K.EMPTY, dtype=np.int64)
        self.filt = K.new_filter(self.bits)
        self.parent = np.zeros(1, dtype=np.int32)
        self.cp = np.zeros(1, dtype=np.uint32)
        self.count = np.zeros(1, dtype=np.int64)
        self.log_count = np.full(1, -np.inf)
        self.n_nodes = 1
        self.total = 0
        self.n_words = 0
        self.update(words, counts, combine=combine)

    # -- building -------------------------------------------------------------------------

    def _grow(self, nodes: int) -> None:
        """Room for `nodes` nodes in the node arrays and in the table (load <= 1/2)."""
        if nodes > self.parent.shape[0]:
            cap = max(nodes, self.parent.shape[0] + self.parent.shape[0] // 2)
            for name, fill in (("parent", 0), ("cp", 0), ("count", 0), ("log_count", -np.inf)):
                old = getattr(self, name)
                new = np.full(cap, fill, dtype=old.dtype)
                new[: self.n_nodes] = old[: self.n_nodes]
                setattr(self, name, new)
        bits = self.bits
        while (1 << bits) < 2 * nodes:
            bits += 1
        if bits != self.bits:
            if self.n_nodes == 1:
                # no edge yet (a new trie, e.g. a dictionary being read): empty arrays of the
                # new size, and no rehash kernel to compile on a first run
                self.table = np.full(2 << bits, K.EMPTY, dtype=np.int64)
                self.filt = K.new_filter(bits)
            else:
                self.table, self.filt = K.rehash(self.table, np.int64(self.bits),
                                                 np.int64(bits))
            self.bits = bits

    def _fit(self) -> None:
        """Give back the room a bulk insertion did not use (arrays and table)."""
        n = self.n_nodes
        if self.parent.shape[0] > n + n // 8 + 1024:
            cap = n + n // 16 + 1024
            for name in ("parent", "cp", "count", "log_count"):
                setattr(self, name, getattr(self, name)[:cap].copy())
        bits = _MIN_BITS
        while (1 << bits) < 2 * n:
            bits += 1
        if bits < self.bits:
            self.table, self.filt = K.rehash(self.table, np.int64(self.bits), np.int64(bits))
            self.bits = bits

    def update(self, words: Sequence[str], counts: Iterable[int] | np.ndarray,
               *, combine: str = "last") -> np.ndarray:
        """Set the counts of `words` (adding them when new); returns their node ids."""
        words = list(words)
        counts = np.asarray(counts, dtype=np.int64).reshape(-1)
        if counts.shape[0] != len(words):
            raise MentropyError(f"{len(words)} words but {counts.shape[0]} counts")
        cps, offsets = encode_words(words)
        return self.update_encoded(cps, offsets, counts, combine=combine)

    def update_encoded(self, cps: np.ndarray, offsets: np.ndarray, counts: np.ndarray,
                       *, combine: str = "last") -> np.ndarray:
        """:meth:`update` for words given as normalised code points (uint32, concatenated)
        and offsets (int64[w + 1])."""
        counts = np.ascontiguousarray(counts, dtype=np.int64)
        w = counts.shape[0]
        if offsets.shape[0] != w + 1:
            raise MentropyError(f"{offsets.shape[0] - 1} words but {w} counts")
        if w and counts.min() < 0:
            raise MentropyError("word counts must not be negative")
        nodes = np.zeros(w, dtype=np.int64)
        if not w:
            return nodes
        bulk = w > 1000
        old = None if bulk else self.count[: self.n_nodes].copy()
        # a guess at the new nodes (shared prefixes: under half of the characters of a
        # dictionary); insert_words stops when it runs out of room and is called again
        self._grow(self.n_nodes + max(16, int(cps.shape[0]) // 2))
        done = 0
        while done < w:
            n_nodes, done = K.insert_words(
                self.root, self.table, self.filt, np.int64(self.bits), self.parent, self.cp,
                self.count,
                np.int64(self.n_nodes), cps, offsets, counts,
                np.int64(0 if combine == "last" else 1), np.int64(done), nodes)
            self.n_nodes = int(n_nodes)
            done = int(done)
            if done < w:
                longest = int((offsets[done + 1] - offsets[done]))
                self._grow(self.n_nodes + max(longest, (self.n_nodes + 1) // 2))
        if bulk:
            self._fit()
        used = self.count[: self.n_nodes]
        if bulk:
            self.total = int(used.sum())
            self.n_words = int((used > 0).sum())
            touched = np.arange(self.n_nodes)  # counts set to 0 become -inf too
        else:
            touched = np.unique(nodes[nodes > 0])
            before = np.zeros(touched.shape[0], dtype=np.int64)
            inside = touched < old.shape[0]
            before[inside] = old[touched[inside]]
            after = used[touched]
            self.total += int(after.sum() - before.sum())
            self.n_words += int((after > 0).sum() - (before > 0).sum())
        self.log_count[touched] = _logs(used[touched])
        return nodes

    def set_node_counts(self, nodes: np.ndarray, counts: np.ndarray) -> None:
        """Set the counts of entries already in the trie by their distinct nodes (as
        :meth:`update_encoded` returned them): what update_encoded does for words it has,
        without walking them or touching the trie's shape."""
        nodes = np.ascontiguousarray(nodes, dtype=np.int64)
        counts = np.ascontiguousarray(counts, dtype=np.int64)
        if nodes.shape != counts.shape:
            raise MentropyError(f"{nodes.shape[0]} nodes but {counts.shape[0]} counts")
        if counts.shape[0] and counts.min() < 0:
            raise MentropyError("word counts must not be negative")
        if nodes.shape[0] and (nodes.min() < 1 or nodes.max() >= self.n_nodes):
            raise MentropyError("a node that is not in the trie")
        old = self.count[nodes]
        self.count[nodes] = counts
        self.total += int(counts.sum() - old.sum())
        self.n_words += int((counts > 0).sum() - (old > 0).sum())
        self.log_count[nodes] = _logs(counts)

    # -- queries --------------------------------------------------------------------------

    def get(self, word: str) -> int:
        """Count of `word` (normalised), 0 when absent."""
        cps, offsets = encode_words([word])
        node = int(K.find_words(*self.kernel_args(), cps, offsets)[0])
        return int(self.count[node]) if node > 0 else 0

    def entries(self) -> tuple[list[str], np.ndarray]:
        """(words, counts) of every entry with a count > 0, in node order (normalised words)."""
        nodes = np.flatnonzero(self.count[: self.n_nodes] > 0).astype(np.int64)
        cps, offsets = K.node_words(self.parent, self.cp, nodes)
        text = cps.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
        bounds = offsets.tolist()
        return [text[bounds[i]:bounds[i + 1]] for i in range(nodes.shape[0])], \
            self.count[nodes].copy()

    def continued_chars(self) -> set[int]:
        """Normalised code points that some entry has followed by more characters (a word
        may run on after them)."""
        parents = self.parent[1:self.n_nodes]
        inner = parents[parents > 0]
        return set(np.unique(self.cp[inner]).tolist())

    def log_p(self, log_total: float) -> np.ndarray:
        """ln(count) - log_total per node (-inf where no word ends), the same arithmetic as
        jieba's scores."""
        return self.log_count[: self.n_nodes] - log_total

    def match(self, cps: np.ndarray, may_cut: np.ndarray, line_starts: np.ndarray,
              line_ends: np.ndarray,
              log_p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate words of normalised code points: (starts, ends, scores), sorted by start
        then end. Only matches that start and end where ``may_cut`` is set (or at a line's
        start or end), inside one line; `log_p` comes from :meth:`log_p`."""
        return K.match_lines(*self.kernel_args(), log_p, cps, may_cut, line_starts, line_ends)

    def kernel_args(self) -> tuple:
        """(root, table, filt, bits): the trie as the matching kernels take it."""
        return self.root, self.table, self.filt, np.int64(self.bits)

    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(a.nbytes for a in (self.root, self.table, self.filt, self.parent, self.cp,
                                      self.count, self.log_count))


# -- the trie of a dictionary file, cached between processes ---------------------------------


def cache_dir() -> Path | None:
    """Where built tries of large dictionaries are kept: $MENTROPY_CACHE_DIR (empty = no
    cache), else $XDG_CACHE_HOME/mentropy, else ~/.cache/mentropy."""
    env = os.environ.get("MENTROPY_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mentropy"


def _code_digest() -> str:
    # the trie's layout and the normalisation come from these files: a change invalidates
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("matcher.py", "atoms.py", "dictionary.py", "_kernels/trie.py",
                 "_kernels/atoms.py", "_kernels/dictfile.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


def dictionary_trie(path: str | os.PathLike) -> Trie:
    """The trie of a jieba-format dictionary file (words normalised, a later line for the same
    word replaces the earlier one).

    Building the trie of a large dictionary (jieba's 349k words: ~0.25 s) costs more than the
    rest of a one-sentence ``mentropy segment``; so for files of CACHE_MIN_BYTES or more the
    built arrays are kept in :func:`cache_dir` (one entry per dictionary path, ~50 MB for
    jieba's), checked against the file's size and modification time and mentropy's code,
    and mapped copy-on-write on later loads: changes to the Segmenter never reach the cache.
    Any problem with the cache (unwritable, corrupt, stale) means building as before.
    """
    from mentropy.dictionary import read_dictionary_arrays

    path = os.fspath(path)
    stat = os.stat(path)
    folder = cache_dir() if stat.st_size >= CACHE_MIN_BYTES else None
    slot = meta = None
    if folder is not None:
        real = os.path.realpath(path)
        slot = folder / ("trie-" + hashlib.sha256(real.encode("utf-8", "surrogatepass"))
                         .hexdigest()[:32])
        meta = {"format": 1, "path": real, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                "code": _code_digest()}
        trie = _load_cached(slot, meta)
        if trie is not None:
            return trie
    cps, offsets, counts = read_dictionary_arrays(path)
    trie = Trie()
    if cps.shape[0]:
        cps = np.ascontiguousarray(atoms.normalise(cps)[0], dtype=np.uint32)
    trie.update_encoded(cps, offsets, counts)
    if slot is not None:
        _save_cached(trie, slot, meta)
    return trie


def _load_cached(slot: Path, meta: dict) -> Trie | None:
    try:
        with open(slot / "meta.json", encoding="utf-8") as f:
            stored = json.load(f)
        if {k: stored.get(k) for k in meta} != meta:
            return None
        trie = Trie.__new__(Trie)
        for name in _ARRAYS:
            # a plain ndarray over the copy-on-write mapping (numba does not take np.memmap)
            setattr(trie, name, np.asarray(np.load(slot / f"{name}.npy", mmap_mode="c",
                                                   allow_pickle=False)))
        for name in ("bits", "n_nodes", "total", "n_words"):
            setattr(trie, name, int(stored[name]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if trie.parent.shape[0] < trie.n_nodes or trie.table.shape[0] != 2 << trie.bits:
        return None
    return trie


def _save_cached(trie: Trie, slot: Path, meta: dict) -> None:
    tmp = None
    try:
        slot.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=slot.parent, prefix=".tmp-"))
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(trie, name), allow_pickle=False)
        record = dict(meta, bits=trie.bits, n_nodes=trie.n_nodes, total=trie.total,
                      n_words=trie.n_words)
        with open(tmp / "meta.json", "w", encoding="utf-8") as f:
            json.dump(record, f)
        old = slot.with_name(slot.name + f".old-{os.getpid()}")
        if slot.exists():
            os.replace(slot, old)
        os.replace(tmp, slot)
        tmp = None
        shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
