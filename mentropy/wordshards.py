"""A word-id corpus kept on disk, for corpora larger than memory (DESIGN §5, §7).

:func:`encode_words_to` cuts lines as :func:`mentropy.wordcorpus.encode_words` does, but writes
the token ids chunk by chunk (2,000 lines) to one file, ``ids.i32``, in a folder the caller
owns (:func:`temporary_folder`): int32 first-seen ids, 4 bytes per token. In memory stay what
grows with the vocabulary or with the number of lines, not with the tokens: the words, their
counts and kinds, the rank of each first-seen id (int64 per word) and the line offsets (int64
per line, ~0.3 bytes per token on news text). :meth:`WordShards.token_ids` reads a range of
tokens with ``os.pread`` and ranks it: file pages are never mapped into the process, so its
resident memory is the range read, whatever the corpus size.

A WordShards answers what the mining reads of a :class:`~mentropy.wordcorpus.WordCorpus`
(``words``, ``counts``, ``kinds``, ``offsets``, ``n_tokens``, ``token_ids(a, b)``): the same
words, ids and offsets for the same input, so the same templates.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Iterable, Iterator

import numpy as np

from mentropy.errors import MentropyError
from mentropy.wordcorpus import cut_chunks, line_offsets, ranked, word_kinds

if TYPE_CHECKING:
    from mentropy.segment import Segmenter

IDS_FILE = "ids.i32"
ID_BYTES = 4


class WordShards:
    """Lines as word ids, the ids on disk: line i is ``token_ids(offsets[i], offsets[i + 1])``.
    Close it (or use it as a context manager) to release the file."""

    def __init__(self, path: str, words: list[str], counts: np.ndarray, new_id: np.ndarray,
                 offsets: np.ndarray) -> None:
        self.path = path
        self.words = words
        self.counts = counts
        self.kinds = word_kinds(words)
        self.offsets = offsets
        self._new_id = new_id.astype(np.int32)
        self._fd: int | None = os.open(path, os.O_RDONLY)
        size = os.fstat(self._fd).st_size
        if size != self.n_tokens * ID_BYTES:
            self.close()
            raise MentropyError(f"{path}: {size} bytes, expected {self.n_tokens * ID_BYTES}")

    @property
    def n_lines(self) -> int:
        """Number of lines."""
        return int(self.offsets.shape[0] - 1)

    @property
    def n_tokens(self) -> int:
        """Number of tokens in all lines."""
        return int(self.offsets[-1])

    def __len__(self) -> int:
        return len(self.words)

    def token_ids(self, a: int, b: int) -> np.ndarray:
        """The (ranked) ids of tokens a..b-1, int32, read from disk."""
        if self._fd is None:
            raise MentropyError(f"{self.path}: the word corpus is closed")
        return self._new_id[read_ids(self._fd, self.path, a, b)]

    def ids_file(self) -> "IdsFile":
        """A small picklable reader of the same ids, for worker processes."""
        return IdsFile(self.path, self._new_id)

    def close(self) -> None:
        """Release the file (the folder is the caller's to remove)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "WordShards":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class IdsFile:
    """The ids file of a WordShards and its ranks: ``token_ids(a, b)`` opens the file for
    each read (what a worker process is given instead of the corpus)."""

    def __init__(self, path: str, new_id: np.ndarray) -> None:
        self.path = path
        self.new_id = new_id

    def token_ids(self, a: int, b: int) -> np.ndarray:
        """The (ranked) ids of tokens a..b-1, int32."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            return self.new_id[read_ids(fd, self.path, a, b)]
        finally:
            os.close(fd)


def read_ids(fd: int, path: str, a: int, b: int) -> np.ndarray:
    """The int32 ids a..b-1 of the file open as `fd` (os.pread: nothing is mapped)."""
    a, b = int(a), int(b)
    if b <= a:
        return np.zeros(0, np.int32)
    n = (b - a) * ID_BYTES
    buf = bytearray(n)
    view = memoryview(buf)
    done = 0
    while done < n:  # pread may return less than asked
        got = os.preadv(fd, [view[done:]], a * ID_BYTES + done)
        if got <= 0:
            raise MentropyError(f"{path}: truncated at byte {a * ID_BYTES + done}")
        done += got
    return np.frombuffer(buf, dtype=np.int32)


def encode_words_to(texts: Iterable[str], segmenter: "Segmenter", folder: str, *,
                    chunksize: int = 2000) -> WordShards:
    """Cut every text (one line each) with `segmenter`, writing the token ids to `folder`;
    the words, ids and offsets of :func:`mentropy.wordcorpus.encode_words` on the same input."""
    if isinstance(texts, (str, bytes)):
        raise MentropyError("encode_words_to expects an iterable of texts, not a single "
                            f"{type(texts).__name__}")
    path = os.path.join(folder, IDS_FILE)
    index: dict[str, int] = {}
    counts = np.zeros(0, np.int64)
    lengths: list[np.ndarray] = []
    with open(path, "wb") as f:
        for raw, line_lengths in cut_chunks(texts, segmenter, index, chunksize):
            if raw.size:
                f.write(raw.astype(np.int32).tobytes())
                part = np.bincount(raw, minlength=len(index))
                part[:counts.shape[0]] += counts
                counts = part
            lengths.append(line_lengths)
    seen = list(index)
    del index
    if counts.shape[0] < len(seen):
        counts = np.concatenate([counts, np.zeros(len(seen) - counts.shape[0], np.int64)])
    words, counts, new_id = ranked(seen, counts.astype(np.int64))
    return WordShards(path, words, counts, new_id, line_offsets(lengths))


@contextlib.contextmanager
def temporary_folder(tmp_dir: str | None = None, prefix: str = "mentropy-mining-") -> Iterator[str]:
    """A new folder in `tmp_dir` (default: the system's), removed at the end, on errors and on
    Ctrl-C too."""
    if tmp_dir is not None and not os.path.isdir(tmp_dir):
        raise MentropyError(f"{tmp_dir}: no such folder (for temporary files)")
    folder = tempfile.mkdtemp(prefix=prefix, dir=tmp_dir)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
