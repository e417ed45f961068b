"""Batch jobs over large corpora (DESIGN §7): shards, worker processes, Dask, merged tables.

The input files are cut into *shards*: byte ranges that end just after a newline, from the data
alone. A compressed file or standard input is read once and unpacked into the temporary
folder in such parts (``unpack``), one shard each; a file in an encoding where a newline byte
can sit inside a character (UTF-16) is one shard. Three passes run the same top-level functions as tasks, in this
process, in spawned worker processes (``workers=N``) or on a Dask cluster (``client=``):

1. ``shard_digests``: the 64-bit digest of every line of a shard (dedupe.py). The parent keeps
   the first copy of each line over all shards in shard order: exactly the lines one pass over
   the whole input keeps.
2. ``shard_fragments``: the shard read again, the repeated lines dropped by that plan, its Han
   fragments written as code points to the temporary folder; the parent adds up the character
   counts into the one frequency-ranked vocabulary.
3. ``shard_count``: the shard's code points mapped to ids, its 1..max_n-grams counted into a
   sorted (keys, counts) table (counts.py); the tables are merged as a binary tree.

When the count table could outgrow the memory budget (``memory="4G"``; 25 % of RAM by
default) each shard's table is spilled instead as sorted runs, one per range of first
characters, and the runs of each range are merged and pruned to the minimum count by a task:
the whole unpruned table is never in memory.

The shards' ids stay in the temporary folder (a :class:`ShardedCorpus`) while the rest of a
lexicon build runs over them as more tasks (passes.py): the seed's pieces, each refinement
round's word counts and the statistics, added up in the parent, which never holds the corpus.

Integers only and exact merges: the corpus and the counts, and so the lexicon, are
byte-identical to a single process for any worker count, shard size, backend or budget. Inputs
reach the workers as paths (or fsspec URLs) and byte ranges, never as pickled text; outputs
come back as arrays or as files in a temporary folder that is removed on success, error and
Ctrl-C alike.
"""
from __future__ import annotations

import codecs
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from mentropy.errors import InputError, MentropyError
from mentropy.workerpool import WorkerPool, peak_memory

log = logging.getLogger(__name__)

SHARD_BYTES = 16 << 20  # bytes of input per shard (the last one of a file may be shorter)
# workers=None ("auto", the command's default): worker processes only from this much input.
# Measured on 2 cores (benchmarks/RESULTS_batch.md): reading and counting by shards costs
# about twice the CPU of the fused one-process pass and is a few percent of a build (seed and
# refinement run in the parent), so below ~1 GB one process is as fast and uses less memory.
AUTO_PARALLEL_BYTES = 1 << 30
# ...and by shards (tasks in this process on one core) from the input size at which a build in
# one process would need more than AUTO_MEMORY_SHARE of the RAM: it holds the corpus, about
# IN_MEMORY_BYTES_PER_BYTE bytes per input byte at its peak (10.5-11 measured at 100 MB-1 GB)
AUTO_MEMORY_SHARE = 0.25
IN_MEMORY_BYTES_PER_BYTE = 12


def in_memory_limit() -> int:
    """Input bytes above which workers=None builds by shards to bound its memory."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return AUTO_PARALLEL_BYTES
    return int(AUTO_MEMORY_SHARE * ram / IN_MEMORY_BYTES_PER_BYTE)
BLOCK_BYTES = 4 << 20  # bytes read at a time inside a shard
# the counting's memory budget when none is given: past it, count runs spill to disk
DEFAULT_MEMORY = "25%"
DASK_CONNECT_TIMEOUT = "10s"  # how long to try to reach a Dask scheduler
# encodings in which a newline byte is always a newline (never inside another character)
SPLITTABLE = {"utf-8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "ascii", "latin-1",
              "iso8859-1", "cp1252"}


def default_workers() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Shard:
    """Bytes [start, end) of `path` (end None: to the end of the file; start 0: the shard
    that starts the file and checks its head). `size` and `mtime_ns` are the file's when
    planned, to notice a file that changes during the run."""

    index: int
    path: str
    start: int
    end: int | None
    compression: str | None
    size: int | None
    mtime_ns: int
    url: bool = False  # an fsspec URL (s3://, gs://, file://, ...), read through fsspec
    # a part of a compressed file or of standard input, unpacked into the temporary folder:
    # errors name `origin`, at lines and bytes counted from line_base and byte_base
    origin: str | None = None
    line_base: int = 0
    byte_base: int = 0
    head: bool = True  # starts its input: its head is checked (byte-order mark, binary data)


def is_url(spec) -> bool:
    """True for an fsspec URL such as s3://bucket/a.txt or file:///data/a.txt."""
    import re

    return isinstance(spec, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+://", spec) is not None


def has_url(sources) -> bool:
    """True when `sources` (a path or a list of them) holds an fsspec URL."""
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources or [])
    return any(is_url(x) for x in items)


def open_url(url: str, compression: str | None = None):
    """A binary file object for an fsspec URL (seekable when not compressed)."""
    try:
        import fsspec
    except ImportError:
        raise MentropyError(f"{url}: reading URLs needs fsspec: pip install "
                            "'mentropy[dask]'") from None
    try:
        return fsspec.open(url, "rb", compression=compression).open()
    except FileNotFoundError:
        raise InputError(url, "no such file") from None
    except (OSError, ValueError) as exc:
        raise InputError(url, f"cannot open ({exc})") from None


def _url_stat(url: str) -> tuple[int, int]:
    """(size, mtime in ns or 0) of the file behind an fsspec URL."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
        size = int(fs.size(path))
    except FileNotFoundError:
        raise InputError(url, "no such file") from None
    except (OSError, ValueError) as exc:
        raise InputError(url, f"cannot open ({exc})") from None
    try:
        mtime = int(fs.modified(path).timestamp() * 1e9)
    except (NotImplementedError, OSError, AttributeError, ValueError):
        mtime = 0
    return size, mtime


def plan_shards(sources, encoding: str = "utf-8", shard_bytes: int | None = None,
                unpack_to: str | None = None, progress: bool | None = False
                ) -> list[Shard] | None:
    """Shards of `sources` (files, folders, globs, '-') in input order.

    A compressed file, or standard input, can only be read from its start: with `unpack_to`
    (a folder) it is read once and unpacked there into parts of about `shard_bytes` that end
    after a newline, one shard each (in an encoding where a newline byte is always a
    newline); without it such a file is one shard, and standard input makes this return None.
    """
    from mentropy.corpus import resolve_sources

    shard_bytes = shard_bytes or SHARD_BYTES
    try:
        splittable = codecs.lookup(encoding).name in SPLITTABLE
    except LookupError:
        raise MentropyError(f"unknown encoding {encoding!r}") from None
    from mentropy.corpus import COMPRESSED

    shards: list[Shard] = []
    specs = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    for spec in specs:
        if not is_url(spec):
            continue
        try:
            import fsspec  # noqa: F401
        except ImportError:
            raise MentropyError(f"{spec}: reading URLs needs fsspec: pip install "
                                "'mentropy[dask]'") from None
    for spec in specs:
        if is_url(spec):
            size, mtime = _url_stat(spec)
            compression = COMPRESSED.get(os.path.splitext(spec)[1].lower())
            bounds = [0]
            if splittable and compression is not None and unpack_to is not None:
                from mentropy.corpus import Source

                shards += unpack(Source(spec, size, compression), unpack_to, shard_bytes,
                                 len(shards), progress, url=True)
                continue
            if splittable and compression is None:
                bounds = _line_bounds(spec, size, shard_bytes, url=True)
            for a, b in zip(bounds, bounds[1:] + [None]):
                shards.append(Shard(len(shards), spec, a, b, compression, size, mtime, True))
            continue
        for source in resolve_sources([spec]):
            if splittable and unpack_to is not None and (source.stdin or source.compression):
                shards += unpack(source, unpack_to, shard_bytes, len(shards), progress)
                continue
            if source.stdin:
                return None
            try:
                st = os.stat(source.path)
            except OSError as exc:
                raise InputError(source.path, f"cannot open ({exc.strerror or exc})") from None
            bounds = [0]
            if splittable and source.compression is None and source.size is not None:
                bounds = _line_bounds(source.path, source.size, shard_bytes)
            for a, b in zip(bounds, bounds[1:] + [None]):
                shards.append(Shard(len(shards), source.path, a, b, source.compression,
                                    source.size, st.st_mtime_ns))
    return shards


def unpack(source, folder: str, shard_bytes: int, first_index: int,
           progress: bool | None = False, url: bool = False) -> list[Shard]:
    """A compressed file or standard input read once and written to `folder` as parts of
    about `shard_bytes` that end after a newline (the last one where the input ends): one
    shard per part, numbered from `first_index`. A decompression error names the input."""
    from mentropy import corpus as C

    shards: list[Shard] = []
    if url:
        stream, raw = open_url(source.path, "infer"), None
    else:
        stream, raw = source._open_raw()
    out = None
    try:
        # the bar counts compressed bytes where the raw file's position is known, else
        # decompressed ones (no total: the size on disk would not be one)
        with bar(None if raw is None else source.size, "B", "unpacking", progress) as b:
            reader = C._Reader(source, stream, raw, b)
            line_base = byte_base = 0
            size = lines = 0
            path = ""

            def close() -> None:
                nonlocal out, line_base, byte_base, size, lines
                out.close()
                out = None
                shards.append(Shard(first_index + len(shards), path, 0, None, None, size,
                                    os.stat(path).st_mtime_ns, origin=source.path,
                                    line_base=line_base, byte_base=byte_base,
                                    head=not shards))
                line_base += lines
                byte_base += size
                size = lines = 0

            while True:
                block = reader.read(BLOCK_BYTES)
                if out is None and (block or not shards):
                    path = os.path.join(folder, f"unpacked-{first_index + len(shards)}.txt")
                    out = open(path, "wb")
                if not block:
                    break
                # a part ends at the first newline from shard_bytes on (as _line_bounds cuts)
                while block and size + len(block) >= shard_bytes and \
                        (cut := block.find(b"\n", max(shard_bytes - size - 1, 0))) >= 0:
                    out.write(block[:cut + 1])
                    size += cut + 1
                    lines += block.count(b"\n", 0, cut + 1)
                    close()
                    block = block[cut + 1:]
                    if block:
                        path = os.path.join(folder, f"unpacked-{first_index + len(shards)}.txt")
                        out = open(path, "wb")
                if block:
                    out.write(block)
                    size += len(block)
                    lines += block.count(b"\n")
            if out is not None:
                close()
    finally:
        if out is not None:
            out.close()
        stream.close()
        if raw is not None:
            raw.close()
    return shards


def _line_bounds(path: str, size: int, shard_bytes: int, url: bool = False) -> list[int]:
    """Shard starts in a file: about every `shard_bytes`, each just after a newline."""
    starts = [0]
    with (open_url(path) if url else open(path, "rb")) as f:
        target = shard_bytes
        while target < size:
            f.seek(target)
            at = target
            while True:
                chunk = f.read(1 << 16)
                if not chunk:
                    return starts
                nl = chunk.find(b"\n")
                if nl >= 0:
                    at += nl + 1
                    break
                at += len(chunk)
            if at >= size:
                break
            starts.append(at)
            target = at + shard_bytes
    return starts


def save_array(path: str, array: np.ndarray | None = None, **named: np.ndarray) -> None:
    """np.save of `array` (or np.savez of `named` arrays) to a temporary file. numpy reports a
    short write (a full disk or quota) as an OSError without errno: raised as ENOSPC naming
    the file, so that the run ends with one clear line."""
    import errno

    try:
        if named:
            np.savez(path, **named)
        else:
            np.save(path, array)
    except OSError as exc:
        if exc.errno is None:
            raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)} ({exc})", path) from None
        raise


class _Range:
    """A binary file read from `start` up to `end` (None: its end)."""

    def __init__(self, path: str, start: int, end: int | None, url: bool = False,
                 compression: str | None = None) -> None:
        if url:
            self.f = open_url(path, "infer" if compression else None)
        else:
            try:
                self.f = open(path, "rb")
            except OSError as exc:
                raise InputError(path, f"cannot open ({exc.strerror or exc}); did it vanish "
                                 "during the run?") from None
        if start:
            self.f.seek(start)
        self.left = None if end is None else end - start

    def read(self, n: int = -1) -> bytes:
        if self.left is not None:
            n = self.left if n < 0 else min(n, self.left)
        data = self.f.read(n)
        if self.left is not None:
            self.left -= len(data)
        return data

    def close(self) -> None:
        self.f.close()


class _NoBar:
    def update(self, n: int) -> None:
        pass


def shard_pieces(shard: Shard, encoding: str, errors: str,
                 block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[str, bool]]:
    """(text, starts a line) of the blocks of a shard, decoded as corpus.iter_blocks does; an
    error names the line and byte in the whole file."""
    from mentropy import corpus as C

    codec = codecs.lookup(encoding)
    source = C.Source(shard.path, shard.size, shard.compression)
    try:
        if shard.start == 0 and shard.end is None and not shard.url and shard.head:
            blocks = C._source_blocks(source, codec, errors, block_bytes, _NoBar())
        else:
            blocks = _range_blocks(source, shard, codec, errors, block_bytes,
                                   sniff=shard.start == 0 and shard.head)
        first = True  # a shard starts a line (at a file's start, or after a newline)
        for block in blocks:
            yield block.text, first
            first = False
    except InputError as exc:
        if shard.origin is not None:  # an unpacked part: name the input, count from its start
            raise InputError(shard.origin, exc.reason.replace(shard.path, shard.origin),
                             line=None if exc.line is None else exc.line + shard.line_base,
                             byte_offset=None if exc.byte_offset is None else
                             exc.byte_offset + shard.byte_base) from None
        if shard.start == 0 or exc.line is None and exc.byte_offset is None:
            raise
        with (open_url(shard.path) if shard.url else open(shard.path, "rb")) as f:
            # only on this error path: the lines before the shard
            before = sum(chunk.count(b"\n") for chunk in iter(
                lambda: f.read(min(1 << 20, shard.start - f.tell())) if f.tell() < shard.start
                else b"", b""))
        utf8 = codec.name == "utf-8"
        raise InputError(exc.path, exc.reason,
                         line=None if exc.line is None else exc.line + before,
                         byte_offset=None if exc.byte_offset is None else
                         exc.byte_offset + (0 if utf8 else shard.start)) from None


def _range_blocks(source, shard: Shard, codec, errors: str, block_bytes: int, sniff: bool):
    from mentropy import corpus as C

    stream = _Range(shard.path, shard.start, shard.end, shard.url, shard.compression)
    try:
        reader = C._Reader(source, stream, None, _NoBar())
        ascii_like = C._ascii_like(codec.name)
        start = 0
        if sniff:
            start = C._sniff(source, reader.peek(C.SNIFF_BYTES), codec.name, ascii_like)
            if start:
                reader.read(start)
        if codec.name == "utf-8":
            yield from C._utf8_blocks(shard.path, reader, errors, block_bytes, shard.start + start)
        else:
            yield from C._codec_blocks(shard.path, reader, codec, errors, block_bytes, ascii_like)
    finally:
        stream.close()


class _Planned:
    """unique_lines' `seen` for pass 2: the i-th line asked about is dropped unless kept[i]."""

    def __init__(self, kept: np.ndarray) -> None:
        self.kept = kept
        self.i = 0

    def __contains__(self, digest: bytes) -> bool:
        if self.i >= self.kept.shape[0]:
            raise MentropyError("a file changed while it was being read; run again on a copy "
                                "that does not change")
        keep = self.kept[self.i]
        self.i += 1
        return not keep

    def add(self, digest: bytes) -> None:
        pass


def shard_digests(shard: Shard, encoding: str, errors: str) -> np.ndarray:
    """Pass 1 (a task): uint64 digests of the lines of a shard that unique_lines would look
    up, in order."""
    from mentropy import dedupe

    parts = line_digests(shard_pieces(shard, encoding, errors), dedupe.LONG_LINE)
    return np.frombuffer(b"".join(parts), dtype="<u8").astype(np.uint64)


def line_digests(pieces: Iterable[tuple[str, bool]], long_line: int) -> list[bytes]:
    """The digests unique_lines looks up for these pieces, in order (the same lines: not
    blank, not longer than `long_line`; the same digest of the stripped line), without
    building its output: a quicker first pass."""
    import hashlib

    blake = hashlib.blake2b
    out: list[bytes] = []
    pending: list[str] = []
    size = 0
    long = False

    def close() -> None:
        nonlocal size, long
        if not long:
            key = "".join(pending).strip()
            if key:
                out.append(blake(key.encode("utf-8", "surrogatepass"), digest_size=8).digest())
        pending.clear()
        size = 0
        long = False

    for text, starts_line in pieces:
        if starts_line and (pending or long):
            close()
        lines = text.split("\n")
        for i, part in enumerate(lines):
            if 0 < i < len(lines) - 1:  # a whole line inside this piece
                if len(part) <= long_line and (key := part.strip()):
                    out.append(blake(key.encode("utf-8", "surrogatepass"),
                                     digest_size=8).digest())
                continue
            if not long and part:
                pending.append(part)
                size += len(part)
                if size > long_line:
                    long = True
                    pending.clear()
            if i < len(lines) - 1:  # the line ends here
                close()
    if pending or long:
        close()
    return out


def shard_fragments(shard: Shard, encoding: str, errors: str, kept_bits: np.ndarray | None,
                    n_kept: int, time_atoms: bool, number_atoms: bool,
                    folder: str) -> dict:
    """Pass 2 (a task): the Han fragments of a shard less its repeated lines (kept_bits: the
    plan, one bit per digest of pass 1; None keeps every line), written as code points and
    lengths to `folder`; returns the shard's character counts and line statistics."""
    from mentropy.dedupe import DuplicateStats, KeepAll, unique_lines
    from mentropy.fragments import han_fragments
    from mentropy.vocab import MAX_CP

    seen = KeepAll() if kept_bits is None else \
        _Planned(np.unpackbits(kept_bits, count=n_kept).astype(bool))
    stats = DuplicateStats()
    cps, lens, n_chars = han_fragments(
        unique_lines(shard_pieces(shard, encoding, errors), stats, seen=seen),
        time_atoms=time_atoms, number_atoms=number_atoms)
    if kept_bits is not None and seen.i != n_kept:
        raise MentropyError(f"{shard.path}: changed while it was being read; run again on a "
                            "copy that does not change")
    save_array(os.path.join(folder, f"cps-{shard.index}.npy"), cps)
    save_array(os.path.join(folder, f"lens-{shard.index}.npy"), lens)
    char_counts = np.bincount(cps, minlength=MAX_CP)
    present = np.flatnonzero(char_counts)
    return {"cps": present.astype(np.uint32), "counts": char_counts[present].astype(np.int64),
            "n_chars": n_chars, "n_lines": stats.n_lines, "n_dropped": stats.n_dropped,
            "temp_bytes": 2 * (cps.nbytes + lens.nbytes)}  # and their ids in pass 3


def shard_ids(index: int, folder: str) -> tuple[np.ndarray, np.ndarray]:
    """A shard's code points as ids (the vocabulary in `folder`/lut.npy), saved for the parent
    (ids-INDEX.npy, idlens-INDEX.npy) the first time; (ids int32, offsets int64)."""
    from mentropy.fragments import _split_at_zero

    ids_path = os.path.join(folder, f"ids-{index}.npy")
    if os.path.exists(ids_path):
        ids = np.load(ids_path)
        lens = np.load(os.path.join(folder, f"idlens-{index}.npy"))
        offsets = np.zeros(lens.shape[0] + 1, np.int64)
        np.cumsum(lens, out=offsets[1:])
        return ids, offsets
    lut = np.load(os.path.join(folder, "lut.npy"))
    cps_path = os.path.join(folder, f"cps-{index}.npy")
    ids = lut[np.load(cps_path)]
    lens = np.load(os.path.join(folder, f"lens-{index}.npy"))
    offsets = np.zeros(lens.shape[0] + 1, np.int64)
    np.cumsum(lens, out=offsets[1:])
    if (ids == 0).any():  # beyond the 65535 most frequent characters: boundaries
        ids, offsets = _split_at_zero(ids, offsets)
    ids = ids.astype(np.int32)
    save_array(ids_path, ids)
    save_array(os.path.join(folder, f"idlens-{index}.npy"), np.diff(offsets))
    os.unlink(cps_path)
    return ids, offsets


def shard_pairs(index: int, folder: str, block_chars: int) -> tuple:
    """A task under a memory budget: the sorted (keys, counts) table of a shard's 2-grams
    (the frequent ones over all shards bound what the shard tables must hold)."""
    from mentropy.counts import count_table

    ids, offsets = shard_ids(index, folder)
    return count_table(ids, offsets, 2, block_chars)


def shard_count(index: int, folder: str, max_n: int, block_chars: int,
                bounds: np.ndarray | None = None) -> tuple:
    """Pass 3 (a task): the sorted (keys, counts) table of a shard's 1..max_n-grams (its ids
    made and saved by shard_ids).

    With `bounds` (int64 first-char ids where key ranges start, a memory budget), the table
    is written instead as one sorted run per key range (spilled) and its size returned; when
    `folder`/pairs.npy holds the set of the 2-grams frequent over all shards, n-grams holding
    any other pair are left out (they cannot reach the minimum count: exact)."""
    from mentropy.counts import count_table

    ids, offsets = shard_ids(index, folder)
    pairs_path = os.path.join(folder, "pairs.npy")
    pairs = np.load(pairs_path) if bounds is not None and os.path.exists(pairs_path) else None
    keys, counts = count_table(ids, offsets, max_n, block_chars, None, 1, pairs)
    if bounds is None:
        return keys, counts
    cut = np.searchsorted(keys[:, 0] >> np.uint64(48), bounds.astype(np.uint64))
    cut = np.concatenate([cut, [keys.shape[0]]])
    for part in range(bounds.shape[0]):
        a, b = cut[part], cut[part + 1]
        save_array(os.path.join(folder, f"run-{index}-{part}-keys.npy"), keys[a:b])
        save_array(os.path.join(folder, f"run-{index}-{part}-counts.npy"), counts[a:b])
    return (), int(keys.nbytes + counts.nbytes)


def merge_runs(folder: str, part: int, n_shards: int, width: int, min_count: int) -> tuple:
    """A task under a memory budget: the spilled runs of key range `part` of every shard
    merged (a tree), rows below min_count dropped (exact: the counts are complete here), the
    run files removed."""
    from mentropy.counts import TableMerger

    merger = TableMerger(width)
    for index in range(n_shards):
        stem = os.path.join(folder, f"run-{index}-{part}")
        merger.add(np.load(stem + "-keys.npy"), np.load(stem + "-counts.npy"))
        os.unlink(stem + "-keys.npy")
        os.unlink(stem + "-counts.npy")
    keys, counts = merger.result()
    keep = counts >= min_count
    return keys[keep], counts[keep]


def parse_memory(text: str | int | None) -> int | None:
    """A memory budget in bytes from 4G, 500M, 64k, a number of bytes, or 50% (of RAM)."""
    import re

    if text is None or isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%|[kKmMgGtT]?)[bB]?\s*", str(text))
    if not m or float(m.group(1)) <= 0:
        raise MentropyError(f"not a memory size: {text!r} (use e.g. 4G, 500M or 50%)")
    value, unit = float(m.group(1)), m.group(2).lower()
    if unit == "%":
        return int(value / 100 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    return int(value * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[unit])


def key_ranges(vocab_counts: np.ndarray, max_n: int, width: int, n_han: int,
               memory: int) -> np.ndarray | None:
    """First-char ids where the key ranges of a memory budget start (int64, first 1), or
    None when the whole table fits (merged in memory, nothing spilled).

    A table row costs 8 * width + 8 bytes and a corpus has at most max_n rows per char; the
    ranges split the chars (ids are frequency ranked) into parts of about equal counts, so
    that the runs of one range, merged, fit in a quarter of the budget."""
    bound = n_han * max_n * (8 * width + 8)
    parts = int(min(max(1, -(-4 * bound // max(memory, 1))), vocab_counts.shape[0], 4096))
    if parts <= 1:
        return None
    share = np.cumsum(vocab_counts) / max(vocab_counts.sum(), 1)
    starts = np.searchsorted(share, np.arange(1, parts) / parts, "right") + 1  # ids from 1
    return np.unique(np.concatenate([[1], starts])).astype(np.int64)


def merge_pair(a: tuple, b: tuple) -> tuple:
    """One step of the tree reduction of count tables (a task on Dask)."""
    from mentropy._kernels import ngrams as K

    return K.merge_sorted(a[0], a[1], b[0], b[1])


def warmup() -> None:
    """Compile, or load from numba's cache, the kernels the tasks call, on tiny input: done in
    the parent before workers start, so that they only load the cache."""
    from mentropy.counts import count_table
    from mentropy.fragments import han_fragments

    han_fragments(["中文1998年，分词"])
    ids = np.array([1, 2, 1, 2], np.int32)
    offsets = np.array([0, 4], np.int64)
    for max_n in (4, 8):
        keys, counts = count_table(ids, offsets, max_n, 2)
        merge_pair((keys, counts), (keys, counts))


def _task(fn: Callable, *args):
    # a task and the peak memory of the process that ran it (for the summary line)
    return fn(*args), os.getpid(), peak_memory()


def _worker_init() -> None:
    from mentropy.memory import keep_freed_memory

    keep_freed_memory()  # the tasks make many large temporaries, as a build does


def _dask_worker_setup() -> None:
    """On the workers of a LocalCluster this run started: its nanny sets
    MALLOC_TRIM_THRESHOLD_=65536, which makes glibc give back (and fault in again) every large
    temporary of a task, about half of the time of a lexicon's passes. And a terminal's Ctrl-C
    reaches these processes too: they ignore it (else each prints its KeyboardInterrupt, some
    70 lines), the command stops the cluster."""
    import signal
    import threading

    from mentropy.memory import keep_freed_memory

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_freed_memory(override=True)
    warmup()


class LocalPool(WorkerPool):
    """Tasks in `workers` spawned worker processes (workerpool.py), set up for the passes."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers, initializer=_worker_init)


class InProcess:
    """Tasks run one after the other in this process (the same functions)."""

    workers = 1
    peaks: dict = {}

    def run(self, fn: Callable, tasks: Sequence[tuple], done: Callable[[int, object], None]):
        for i, task in enumerate(tasks):
            done(i, fn(*task))

    def close(self, abort: bool) -> None:
        pass


def check_pool_options(workers: int | None, backend: str) -> None:
    """MentropyError for a worker count (None: the default) or backend out of range."""
    if backend not in ("local", "dask"):
        raise MentropyError(f"unknown backend {backend!r} (use local or dask)")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise MentropyError(f"workers must be a positive integer, not {workers!r}")


def require_distributed():
    """The dask.distributed module, or MentropyError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise MentropyError("the dask backend needs dask.distributed: pip install "
                            "'mentropy[dask]'") from None
    return distributed


class DaskPool:
    """Tasks on a dask.distributed cluster: `client`, or a LocalCluster of 2 workers."""

    def __init__(self, client=None, scheduler: str | None = None) -> None:
        distributed = require_distributed()
        self.cluster = None
        self.owned = client is None
        if client is None:
            if scheduler:
                try:
                    client = distributed.Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
                except (OSError, TimeoutError) as exc:
                    raise MentropyError(f"cannot reach the Dask scheduler at {scheduler} "
                                        f"({exc.__class__.__name__}: {exc})") from None
            else:
                # silence_logs: the nanny's warnings when a signal to the process group
                # reached the workers too ("Restarting worker") are not the user's concern
                self.cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                                        processes=True, dashboard_address=":0",
                                                        silence_logs=logging.ERROR)
                client = distributed.Client(self.cluster)
        self.client = client
        self.peaks: dict = {}
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))
        self.client.run(_dask_worker_setup if self.cluster is not None else warmup)

    def run(self, fn: Callable, tasks: Sequence[tuple], done: Callable[[int, object], None]):
        import distributed

        futures = [self.client.submit(_task, fn, *task, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in distributed.as_completed(futures):
                result, pid, peak = _dask_result(fut)
                self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                done(index[fut.key], result)
        finally:
            for fut in futures:
                fut.release()

    def tree_merge(self, futures: list, width: int) -> tuple:
        """Count tables merged pairwise on the cluster (a tree, no shuffle)."""
        from mentropy.counts import merge_tables

        while len(futures) > 1:
            nxt = [self.client.submit(merge_pair, a, b, pure=False)
                   for a, b in zip(futures[::2], futures[1::2])]
            futures = nxt + ([futures[-1]] if len(futures) % 2 else [])
        return merge_tables([_dask_result(f) for f in futures], width)

    def close(self, abort: bool) -> None:
        if self.owned:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        elif not abort:  # a cluster that lives on: drop the word model its workers keep
            try:
                self.client.run(_forget_models)
            except Exception:  # noqa: BLE001  (a worker gone by now keeps nothing)
                pass


def _forget_models() -> None:
    from mentropy.passes import forget_models

    forget_models()


def _dask_result(fut):
    try:
        return fut.result()
    except MentropyError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "KilledWorker":
            raise MentropyError("a Dask worker died while running a task (killed, or out of "
                                "memory); nothing was written") from None
        raise


def open_pool(workers: int, backend: str = "local", client=None,
              scheduler: str | None = None):
    """The task runner for these options (see read_and_count)."""
    check_pool_options(workers, backend)
    if backend == "dask" or client is not None:
        return DaskPool(client, scheduler)
    if workers <= 1:
        return InProcess()
    return LocalPool(workers)


@dataclass
class BatchStats:
    """What a batch read measured (for the summary line)."""

    shards: int = 0
    workers: int = 1
    bytes_read: int = 0
    seconds: dict | None = None
    worker_peaks: dict | None = None  # pid -> peak resident bytes of each worker process
    temp_bytes: int = 0  # written to the temporary folder (spilled runs included)
    spilled_bytes: int = 0  # count runs spilled under a memory budget


class ShardedCorpus:
    """A corpus read by shards and kept as one file of char ids per shard in a temporary
    folder, with the task runner that made them: later passes (the lexicon's seed and
    refinement, passes.py) run as tasks over the same shards, and the corpus is never whole
    in one process unless :meth:`assemble` is called."""

    def __init__(self, folder: str, pool, shards: list[Shard], sizes: list[int], vocab,
                 parts: list[dict], keep_duplicates: bool, progress: bool | None) -> None:
        self.folder = folder
        self.pool = pool
        self.shards = shards
        self.sizes = sizes
        self.vocab = vocab
        self.progress = progress
        self.n_chars = sum(p["n_chars"] for p in parts)
        self.n_lines = 0 if keep_duplicates else sum(p["n_lines"] for p in parts)
        self.n_duplicate_lines = 0 if keep_duplicates else sum(p["n_dropped"] for p in parts)
        self.n_han = sum(int(p["counts"].sum()) for p in parts)
        self.counts = None  # NgramCounts, set by open_shards

    def run(self, fn: Callable, args: tuple, done: Callable[[int, object], None],
            desc: str | None = None) -> None:
        """fn(shard index, folder, *args) for every shard; done(i, result) as they finish,
        with a bar over the shards' bytes when `desc` is given."""
        tasks = [(s.index, self.folder) + tuple(args) for s in self.shards]
        if desc is None:
            self.pool.run(fn, tasks, done)
            return
        with bar(sum(self.sizes), "B", desc, self.progress) as b:
            def step(i, result):
                done(i, result)
                b.update(self.sizes[i])
            self.pool.run(fn, tasks, step)

    def assemble(self):
        """The whole corpus as one EncodedCorpus (filled shard by shard)."""
        from mentropy.fragments import EncodedCorpus

        lens = [np.load(os.path.join(self.folder, f"idlens-{s.index}.npy"))
                for s in self.shards]
        all_ids = np.empty(int(sum(int(x.sum()) for x in lens)), np.int32)
        at = 0
        for s in self.shards:
            part = np.load(os.path.join(self.folder, f"ids-{s.index}.npy"), mmap_mode="r")
            all_ids[at:at + part.shape[0]] = part
            at += part.shape[0]
            del part
        all_lens = np.concatenate(lens) if lens else np.zeros(0, np.int64)
        offsets = np.zeros(all_lens.shape[0] + 1, np.int64)
        np.cumsum(all_lens, out=offsets[1:])
        return EncodedCorpus(all_ids, offsets, self.vocab, self.n_chars, self.n_lines,
                             self.n_duplicate_lines)


@contextmanager
def open_shards(sources, *, max_n: int, encoding: str = "utf-8", errors: str = "strict",
                keep_duplicates: bool = False, time_atoms: bool = True,
                number_atoms: bool = True, workers: int = 1, backend: str = "local",
                client=None, scheduler: str | None = None, tmp_dir: str | None = None,
                shard_bytes: int | None = None, block_chars: int | None = None,
                progress: bool | None = None, stats: BatchStats | None = None,
                memory: int | str | None = None,
                min_count: int | Callable[[int], int] = 1) -> Iterator[ShardedCorpus | None]:
    """Read and count `sources` by shards: yields a :class:`ShardedCorpus` whose ``counts``
    are the exact 1..max_n-gram counts (pruned to `min_count`, which may be a function of the
    number of Han chars), or None when the sources cannot be sharded (standard input in an
    encoding such as UTF-16; a compressed file or standard input is otherwise unpacked into
    the temporary folder in parts, one shard each). The
    temporary folder and the workers live until the block ends (removed on success, error
    and Ctrl-C alike).

    `memory` (bytes, or "4G", "50%"; None: DEFAULT_MEMORY): the budget of the counting.
    Shards are made small enough for it; when the count table could outgrow it (key_ranges),
    each shard's table is spilled to the temporary folder as sorted runs, one per range of
    keys, and the runs of each range are merged and pruned to min_count, one range at a
    time, so that the whole unpruned table is never in memory.
    """
    from mentropy.counts import DEFAULT_BLOCK_CHARS, NgramCounts, TableMerger, key_width
    from mentropy.vocab import MAX_CP, CharVocab

    block_chars = block_chars or DEFAULT_BLOCK_CHARS
    memory = parse_memory(DEFAULT_MEMORY if memory is None else memory)
    if shard_bytes is None:  # a shard's table well inside the budget
        shard_bytes = int(min(max(memory // (16 * max(workers, 1)), 1 << 20), SHARD_BYTES))
    codecs.lookup(encoding)
    stats = stats if stats is not None else BatchStats()
    if tmp_dir is not None and not os.path.isdir(tmp_dir):
        raise MentropyError(f"{tmp_dir}: no such folder (for temporary files)")
    folder = tempfile.mkdtemp(prefix="mentropy-batch-", dir=tmp_dir)
    pool = None
    ok = False
    try:
        shards = plan_shards(sources, encoding, shard_bytes or SHARD_BYTES, unpack_to=folder,
                             progress=progress)
        if shards is None:  # standard input in an encoding that cannot be cut at newlines
            ok = True
            yield None
            return
        sizes = [(s.end if s.end is not None else (s.size or 0)) - s.start for s in shards]
        total = sum(sizes)
        unpacked = sum(size for s, size in zip(shards, sizes) if s.origin is not None)
        stats.shards, stats.bytes_read, stats.seconds = len(shards), total, {}
        warmup()
        pool = open_pool(workers, backend, client, scheduler)
        stats.workers = pool.workers
        kept: list = [None] * len(shards)
        counts_of: list = [0] * len(shards)
        t0 = time.perf_counter()
        if not keep_duplicates:
            digests: list = [None] * len(shards)
            with bar(total, "B", "dedupe", progress) as b:
                def got_digests(i, d):
                    digests[i] = d
                    b.update(sizes[i])
                pool.run(shard_digests, [(s, encoding, errors) for s in shards], got_digests)
            flat = np.concatenate(digests) if digests else np.zeros(0, np.uint64)
            first = np.zeros(flat.shape[0], bool)
            first[np.unique(flat, return_index=True)[1]] = True
            bounds = np.cumsum([0] + [d.shape[0] for d in digests])
            kept = [np.packbits(first[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
            counts_of = [int(b - a) for a, b in zip(bounds[:-1], bounds[1:])]
            del flat, first, digests
        stats.seconds["dedupe"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        char_counts = np.zeros(MAX_CP, np.int64)
        parts: list = [None] * len(shards)
        with bar(total, "B", "reading", progress) as b:
            def got_fragments(i, r):
                char_counts[r["cps"]] += r["counts"]
                parts[i] = r
                b.update(sizes[i])
            pool.run(shard_fragments, [(s, encoding, errors, kept[s.index], counts_of[s.index],
                                        time_atoms, number_atoms, folder) for s in shards],
                     got_fragments)
        _check_unchanged(shards)
        vocab = CharVocab.from_counts(char_counts)
        save_array(os.path.join(folder, "lut.npy"), vocab.lookup_table())
        stats.seconds["read"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        corpus = ShardedCorpus(folder, pool, shards, sizes, vocab, parts, keep_duplicates,
                               progress)
        width = key_width(max_n)
        floor = min_count(corpus.n_han) if callable(min_count) else min_count
        bounds = key_ranges(vocab.counts, max_n, width, corpus.n_han, memory)
        tasks = [(s.index, folder, max_n, block_chars, bounds) for s in shards]
        with bar(total, "B", "counting", progress) as b:
            if bounds is not None:
                if floor > 1 and max_n > 2:  # 2-grams first: only frequent pairs go on
                    from mentropy._kernels.prefixcount import key_set

                    pair_counts = TableMerger(1)
                    pool.run(shard_pairs, [(s.index, folder, block_chars) for s in shards],
                             lambda i, table: pair_counts.add(*table))
                    pk, pc = pair_counts.result()
                    save_array(os.path.join(folder, "pairs.npy"),
                               key_set(np.ascontiguousarray(pk[pc >= floor, 0])))
                    del pk, pc, pair_counts
                spilled = [0]

                def got_run(i, result):
                    spilled[0] += result[1]
                    b.update(sizes[i])
                pool.run(shard_count, tasks, got_run)
                stats.spilled_bytes = spilled[0]
                pieces: list = [None] * bounds.shape[0]

                def got_range(i, table):
                    pieces[i] = table
                pool.run(merge_runs, [(folder, part, len(shards), width, floor)
                                      for part in range(bounds.shape[0])], got_range)
                keys = np.concatenate([k for k, _ in pieces]).reshape(-1, width)
                counts = np.concatenate([c for _, c in pieces])
                del pieces
            elif isinstance(pool, DaskPool):
                futures = [pool.client.submit(shard_count, *t, pure=False) for t in tasks]
                keys, counts = pool.tree_merge(futures, width)
                b.update(total)
            else:
                merger = TableMerger(width)

                def got_table(i, table):
                    merger.add(*table)
                    b.update(sizes[i])
                pool.run(shard_count, tasks, got_table)
                keys, counts = merger.result()
            if floor > 1 and bounds is None:
                keep = counts >= floor
                keys, counts = keys[keep], counts[keep]
        corpus.counts = NgramCounts(keys, counts, max_n, vocab, corpus.n_han)
        del keys, counts
        stats.seconds["count"] = time.perf_counter() - t2
        stats.temp_bytes = sum(p["temp_bytes"] for p in parts) + stats.spilled_bytes + unpacked
        yield corpus
        stats.worker_peaks = dict(pool.peaks) if pool.workers > 1 or isinstance(
            pool, DaskPool) else {}
        ok = True
    except OSError as exc:  # a full disk or a quota: the temporary folder could not grow
        if isinstance(exc, MentropyError) or exc.errno is None:
            raise
        if exc.filename and not str(exc.filename).startswith(folder):
            raise InputError(str(exc.filename), f"cannot read ({exc.strerror or exc})") from None
        raise MentropyError(f"cannot write temporary files in {os.path.dirname(folder)} "
                            f"({exc.strerror or exc}); free some space there or pass "
                            "--tmp-dir") from None
    finally:
        if pool is not None:
            pool.close(abort=not ok)
        shutil.rmtree(folder, ignore_errors=True)


def read_and_count(sources, *, assemble: bool = True, **options):
    """(EncodedCorpus, NgramCounts) of `sources` read and counted by shards
    (:func:`open_shards`'s options), or (None, None) when they cannot be sharded (standard
    input); ``assemble=False`` leaves the corpus out (None): only the counts.

    Byte-identical to ``read_corpus(...)`` and ``NgramCounts.from_corpus(corpus, max_n)``
    (``.prune(min_count)``).
    """
    with open_shards(sources, **options) as corpus:
        if corpus is None:
            return None, None
        return (corpus.assemble() if assemble else None), corpus.counts


def bar(total: int | None, unit: str, desc: str, progress: bool | None):
    """A tqdm bar on stderr (progress None: only when stderr is a terminal)."""
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit=unit, unit_scale=unit == "B", desc=desc, file=sys.stderr,
                disable=None if progress is None else not progress)


@contextmanager
def open_for_lexicon(sources, opts, *, encoding: str, errors: str, progress: bool | None,
                     workers: int | None, backend: str, client, scheduler: str | None,
                     tmp_dir: str | None, stats: BatchStats | None = None,
                     memory: int | str | None = None) -> Iterator[ShardedCorpus | None]:
    """`sources` read and counted by shards for build_lexicon (a :class:`ShardedCorpus`), or
    None when one process is the better choice: standard input; `workers` None (auto: the
    cores this process may use) on less than AUTO_PARALLEL_BYTES of input or on one core,
    unless the input is so large (in_memory_limit) that one process would need more than a
    quarter of the RAM: then by shards, with tasks in this process on one core."""
    from mentropy.corpus import resolve_sources
    from mentropy.corpus import source_paths
    from mentropy.lexicon import default_min_count

    check_pool_options(workers, backend)
    paths = source_paths(sources)
    if workers is None:
        workers = default_workers()
        if backend == "local" and client is None and memory is None and not has_url(paths):
            resolved = resolve_sources(paths)
            size = None if any(s.size is None for s in resolved) else \
                sum(s.size for s in resolved)
            if size is None or (size < in_memory_limit() and (
                    workers < 2 or size < AUTO_PARALLEL_BYTES)):
                yield None
                return
    with open_shards(
            paths, max_n=opts.max_n, encoding=encoding, errors=errors,
            keep_duplicates=opts.keep_duplicates, time_atoms=opts.time_atoms,
            number_atoms=opts.number_atoms, workers=workers, backend=backend, client=client,
            scheduler=scheduler, tmp_dir=tmp_dir, progress=progress, stats=stats,
            memory=memory,
            min_count=lambda n_han: opts.min_count or default_min_count(n_han)) as corpus:
        if corpus is not None and corpus.n_han == 0:
            raise InputError(", ".join(paths), "no Chinese text found (a lexicon needs Han "
                             "characters)")
        yield corpus


def _check_unchanged(shards: Iterable[Shard]) -> None:
    for s in shards:
        if s.start != 0 or s.origin is not None:  # an unpacked part is this run's own file
            continue
        if s.url:
            size, mtime = _url_stat(s.path)
            if size != s.size or mtime != s.mtime_ns:
                raise InputError(s.path, "changed while it was being read; run again on a "
                                 "copy that does not change")
            continue
        try:
            st = os.stat(s.path)
        except OSError as exc:
            raise InputError(s.path, f"vanished during the run ({exc.strerror or exc})") from None
        if st.st_mtime_ns != s.mtime_ns or (s.size is not None and st.st_size != s.size):
            raise InputError(s.path, "changed while it was being read; run again on a copy "
                             "that does not change")
