"""The training data of the CRF segmenter, by shards of whole sentences (bounded memory).

A training text is read once, in shards of about SHARD_CHARS characters. Each shard's text,
labels and (after :meth:`TrainingData.extract`) dense feature ids are kept in memory while the
text is one shard; from the second shard on they go to files of a temporary folder and are
loaded one shard at a time. The loss and its gradient are computed shard by shard (in worker
processes with ``workers > 1``, or on a Dask cluster whose workers can read the temporary
folder) and the shards' sums are added in shard order, so the weights are the same bit for bit
for any worker count or backend. A text of one shard is trained exactly as one
array.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from mentropy import crf_features as F
from mentropy._kernels import crf as K
from mentropy._kernels import crf_features as KF
from mentropy.errors import MentropyError

SHARD_CHARS = 1 << 21  # characters of training text per shard (~100 MB of features)
TAG_BITS = np.array([1, 2, 4, 8], dtype=np.uint8)  # the label of one tag B, M, E, S


@dataclass(frozen=True)
class ShardInfo:
    """Where a shard's sentences sit in the whole training text."""

    first_sentence: int
    n_sentences: int
    n_units: int


class ShardStore:
    """Named arrays of each shard: in memory while there is one shard, else one .npy file each
    in a temporary folder (under `tmp_dir`), removed by :meth:`close`."""

    def __init__(self, tmp_dir: str | None = None) -> None:
        if tmp_dir is not None and not os.path.isdir(tmp_dir):
            raise MentropyError(f"{tmp_dir}: no such folder (for temporary files)")
        self.tmp_dir = tmp_dir
        self.folder: str | None = None
        self.arrays: dict[tuple[str, int], np.ndarray] = {}

    def path(self, name: str, index: int) -> str:
        """The file of array `name` of shard `index` (on disk only)."""
        assert self.folder is not None
        return os.path.join(self.folder, f"{name}-{index}.npy")

    def put(self, name: str, index: int, array: np.ndarray) -> None:
        """Keep `array` as `name` of shard `index` (replacing an earlier one)."""
        if self.folder is None and index > 0:
            self.spill()
        if self.folder is None:
            self.arrays[(name, index)] = array
        else:
            self.save(self.path(name, index), array)

    def get(self, name: str, index: int) -> np.ndarray:
        """Array `name` of shard `index`."""
        if self.folder is None:
            return self.arrays[(name, index)]
        return np.load(self.path(name, index), allow_pickle=False)

    def spill(self) -> None:
        """Move the arrays kept in memory to a new temporary folder."""
        self.folder = tempfile.mkdtemp(prefix="mentropy-crf-", dir=self.tmp_dir)
        for (name, index), array in sorted(self.arrays.items()):
            self.save(self.path(name, index), array)
        self.arrays.clear()

    def save(self, path: str, array: np.ndarray) -> None:
        """np.save to `path` in the folder; a full disk or quota is one clear error."""
        from mentropy.batch import save_array

        try:
            save_array(path, np.ascontiguousarray(array))
        except OSError as exc:
            raise self.write_error(exc) from None

    def write_error(self, exc: OSError) -> MentropyError:
        """The error to raise for a temporary file that could not be written."""
        where = os.path.dirname(self.folder) if self.folder else (self.tmp_dir or "")
        return MentropyError(f"cannot write temporary files in {where} "
                             f"({exc.strerror or exc}); free some space there or pass "
                             "--tmp-dir")

    def close(self) -> None:
        """Forget the arrays and remove the temporary folder."""
        self.arrays.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def chunk_lines(lines: Iterable, size: Callable[[object], int],
                shard_chars: int) -> Iterator[list]:
    """Consecutive lists of `lines` holding about `shard_chars` characters each (``size`` of a
    line gives its characters; a longer line is a list of its own)."""
    chunk: list = []
    chars = 0
    for line in lines:
        chunk.append(line)
        chars += size(line)
        if chars >= shard_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


class TrainingData:
    """Texts, per-unit arrays (``mask``: labels as tag bit sets; ``teacher``: silver tags) and
    dense feature ids of a training text, by shards. Use as a context manager: the temporary
    files and the worker processes go when the block ends."""

    def __init__(self, tmp_dir: str | None = None, workers: int = 1, *, backend: str = "local",
                 client=None, scheduler: str | None = None) -> None:
        from mentropy.batch import check_pool_options, require_distributed

        check_pool_options(workers, backend)
        if backend == "dask" or client is not None:
            require_distributed()  # before the text is read
        self.store = ShardStore(tmp_dir)
        self.shards: list[ShardInfo] = []
        self.workers = workers
        # where the shards' gradients run (mentropy.batch.open_pool's arguments)
        self.backend, self.client, self.scheduler = backend, client, scheduler
        self.n_features = 0
        self.table: np.ndarray | None = None  # hashed bucket -> dense id, -1 = unseen
        self._gradients: "ShardGradients | None" = None
        self.temp_bytes = 0  # in the temporary folder once the features are extracted

    def __enter__(self) -> "TrainingData":
        return self

    def __exit__(self, *exc) -> None:
        self.close(abort=exc[0] is not None)

    def close(self, abort: bool = False) -> None:
        """Stop the workers and remove the temporary files."""
        if self._gradients is not None:
            self._gradients.close(abort)
            self._gradients = None
        self.store.close()

    def run_stats(self) -> dict[str, int]:
        """Shards, gradient processes, peak resident bytes (this process plus the workers')
        and temporary bytes, for the training report."""
        from mentropy.batch import peak_memory

        grads = self._gradients
        pool = None if grads is None else grads.pool
        peaks = {} if pool is None else pool.peaks
        return {"shards": len(self.shards), "workers": 1 if pool is None else pool.workers,
                "peak_memory": peak_memory() + sum(peaks.values()),
                "temp_bytes": self.temp_bytes}

    @property
    def n_sentences(self) -> int:
        """Sentences (lines) of the whole text."""
        return sum(s.n_sentences for s in self.shards)

    @property
    def n_units(self) -> int:
        """Units of the whole text."""
        return sum(s.n_units for s in self.shards)

    # -- the text --------------------------------------------------------------------------

    def add(self, texts: Sequence[str], units: F.Units, **arrays: np.ndarray) -> int:
        """A new shard: `texts` (one per sentence), their units and per-unit `arrays`;
        returns its index."""
        index = len(self.shards)
        cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"),
                            dtype=np.uint32)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        first = self.n_sentences
        self.shards.append(ShardInfo(first, len(texts), len(units)))
        self.store.put("text", index, cps)
        self.store.put("lengths", index, lengths)
        for name, array in arrays.items():
            self.store.put(name, index, array)
        return index

    def texts(self, index: int) -> list[str]:
        """The sentences of shard `index`."""
        text = self.store.get("text", index).tobytes().decode("utf-32-le", "surrogatepass")
        bounds = np.zeros(self.shards[index].n_sentences + 1, np.int64)
        np.cumsum(self.store.get("lengths", index), out=bounds[1:])
        b = bounds.tolist()
        return [text[b[i]:b[i + 1]] for i in range(len(b) - 1)]

    def units(self, index: int) -> tuple[list[str], F.Units]:
        """The sentences of shard `index` and their units."""
        texts = self.texts(index)
        return texts, F.make_units(texts)

    def get(self, name: str, index: int) -> np.ndarray:
        """Per-unit array `name` of shard `index`."""
        return self.store.get(name, index)

    def put(self, name: str, index: int, array: np.ndarray) -> None:
        """Replace per-unit array `name` of shard `index`."""
        if array.shape[0] != self.shards[index].n_units:
            raise MentropyError(f"{name} of shard {index}: {array.shape[0]} values for "
                                f"{self.shards[index].n_units} units")
        self.store.put(name, index, array)

    def digest(self) -> str:
        """sha256 of the texts (each followed by a newline) and then the labels (``mask``)."""
        h = hashlib.sha256()
        for i, s in enumerate(self.shards):
            if s.n_sentences:
                h.update(("\n".join(self.texts(i)) + "\n").encode("utf-8", "surrogatepass"))
        for i in range(len(self.shards)):
            h.update(np.ascontiguousarray(self.get("mask", i), np.uint8).tobytes())
        return h.hexdigest()

    def labelled_share(self) -> float:
        """Share of the units whose label is one tag (not a set of tags)."""
        one = sum(int(np.count_nonzero(np.isin(self.get("mask", i), TAG_BITS)))
                  for i in range(len(self.shards)))
        return one / max(self.n_units, 1)

    # -- features --------------------------------------------------------------------------

    def extract(self, features: Callable[[F.Units, list[str]], np.ndarray],
                n_buckets: int, progress: bool | None = None,
                each: Callable[[int, F.Units], None] | None = None) -> None:
        """The hashed features of every shard (``features(units, texts)``), numbered densely
        in order of first appearance over the whole text (as one array would be); a bar
        over the shards when there are several. ``each(index, units)`` runs first for every
        shard (what else needs its units, made once here)."""
        from mentropy.batch import bar

        table = np.full(n_buckets, -1, dtype=np.int32)
        n = 0
        with bar(len(self.shards), "shard", "features",
                 False if len(self.shards) < 2 else progress) as b:
            for i in range(len(self.shards)):
                texts, units = self.units(i)
                if each is not None:
                    each(i, units)
                feats = features(units, texts)
                n = int(KF.remap(feats, table, np.int64(n)))
                self.store.put("feats", i, feats)
                self.store.put("offsets", i, units.line_units)
                del texts, units, feats
                b.update(1)
        self.table, self.n_features = table, n
        from mentropy.memory import release_free_memory

        release_free_memory()  # the reading's temporaries, before the optimiser's vectors
        if self.store.folder is not None:
            self.temp_bytes = sum(e.stat().st_size for e in os.scandir(self.store.folder))

    def features(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Dense feature ids and sentence bounds (offsets into the units) of shard `index`."""
        return self.store.get("feats", index), self.store.get("offsets", index)

    # -- the loss --------------------------------------------------------------------------

    def nll_grad(self, w: np.ndarray, trans: np.ndarray, sentences: np.ndarray,
                 grad_w: np.ndarray, grad_trans: np.ndarray) -> tuple[float, int]:
        """Negative log-likelihood of `sentences` (sorted global indices) and its gradient,
        added to grad_w / grad_trans; returns (loss, sentences with no valid labelling)."""
        if len(self.shards) == 1:
            feats, offsets = self.features(0)
            loss, bad = K.nll_grad(feats, offsets, self.get("mask", 0), w, trans, sentences,
                                   grad_w, grad_trans)
            return float(loss), int(bad)
        if self._gradients is None:
            self._gradients = ShardGradients(self)
        return self._gradients.run(w, trans, sentences, grad_w, grad_trans)

    def local(self, sentences: np.ndarray) -> list[np.ndarray]:
        """`sentences` (sorted global indices) split by shard, as indices inside each."""
        starts = np.array([s.first_sentence for s in self.shards] + [self.n_sentences])
        cuts = np.searchsorted(sentences, starts)
        return [np.ascontiguousarray(sentences[cuts[i]:cuts[i + 1]] - starts[i], np.int64)
                for i in range(len(self.shards))]


def shard_nll_grad(folder: str, index: int, params_path: str, n_features: int,
                   sentences: np.ndarray, grad_path: str) -> tuple[float, int]:
    """(loss, bad sentences) of one shard stored in `folder`, at the parameters saved in
    `params_path`; the gradient of the flat parameters goes to the file `grad_path` (a task
    run in a worker: a file in the page cache is cheaper than a pickle through a pipe)."""
    from mentropy.batch import save_array

    params = _load_params(params_path)
    n_w = n_features * 4
    feats = np.load(os.path.join(folder, f"feats-{index}.npy"), allow_pickle=False)
    offsets = np.load(os.path.join(folder, f"offsets-{index}.npy"), allow_pickle=False)
    mask = np.load(os.path.join(folder, f"mask-{index}.npy"), allow_pickle=False)
    grad = np.zeros(params.shape[0])
    loss, bad = K.nll_grad(feats, offsets, mask, params[:n_w].reshape(n_features, 4),
                           params[n_w:].reshape(4, 4), sentences,
                           grad[:n_w].reshape(n_features, 4), grad[n_w:].reshape(4, 4))
    del feats, offsets, mask
    save_array(grad_path, grad)
    return float(loss), int(bad)


_PARAMS: dict[str, np.ndarray] = {}  # the parameters a worker loaded last, by file


def _load_params(path: str) -> np.ndarray:
    if path not in _PARAMS:
        _PARAMS.clear()
        _PARAMS[path] = np.load(path, allow_pickle=False)
    return _PARAMS[path]


class ShardGradients:
    """The loss and gradient of a text of several shards: one shard at a time in this
    process, or one task per shard in worker processes; the shards' sums are added in shard
    order either way (the same bits for any worker count)."""

    def __init__(self, data: TrainingData) -> None:
        self.data = data
        self.pool = None
        self.calls = 0
        on_dask = data.backend == "dask" or data.client is not None
        if data.workers > 1 or on_dask:
            from mentropy.batch import open_pool, warmup

            warmup()
            self.pool = open_pool(min(data.workers, len(data.shards)), data.backend,
                                  data.client, data.scheduler)

    def run(self, w: np.ndarray, trans: np.ndarray, sentences: np.ndarray,
            grad_w: np.ndarray, grad_trans: np.ndarray) -> tuple[float, int]:
        """As TrainingData.nll_grad."""
        data = self.data
        parts = data.local(sentences)
        n_w = w.size
        total, n_bad = 0.0, 0
        if self.pool is None:
            part_w, part_t = np.zeros_like(grad_w), np.zeros_like(grad_trans)
            for i, idx in enumerate(parts):
                feats, offsets = data.features(i)
                part_w[:] = 0.0
                part_t[:] = 0.0
                loss, bad = K.nll_grad(feats, offsets, data.get("mask", i), w, trans, idx,
                                       part_w, part_t)
                del feats, offsets
                total += float(loss)
                n_bad += int(bad)
                grad_w += part_w
                grad_trans += part_t
            return total, n_bad
        folder = data.store.folder
        assert folder is not None
        self.calls += 1
        params_path = os.path.join(folder, f"params-{self.calls}.npy")
        data.store.save(params_path, np.concatenate([w.reshape(-1), trans.reshape(-1)]))
        waiting: dict[int, tuple] = {}
        next_shard = [0]
        sums = [0.0, 0]

        grad_paths = [os.path.join(folder, f"grad-{i}.npy") for i in range(len(parts))]

        def add(i: int, result: tuple) -> None:  # in shard order, whatever order they finish
            waiting[i] = result
            while next_shard[0] in waiting:
                j = next_shard[0]
                loss, bad = waiting.pop(j)
                sums[0] += loss
                sums[1] += bad
                grad = np.load(grad_paths[j], mmap_mode="r")
                np.add(grad_w, grad[:n_w].reshape(grad_w.shape), out=grad_w)
                np.add(grad_trans, grad[n_w:].reshape(4, 4), out=grad_trans)
                del grad
                os.unlink(grad_paths[j])
                next_shard[0] += 1

        try:
            self.pool.run(shard_nll_grad, [(folder, i, params_path, data.n_features, idx,
                                            grad_paths[i]) for i, idx in enumerate(parts)],
                          add)
        except OSError as exc:  # a worker could not write its gradient
            raise data.store.write_error(exc) from None
        finally:
            for path in [params_path] + grad_paths:
                if os.path.exists(path):
                    os.unlink(path)
        return sums[0], sums[1]

    def close(self, abort: bool) -> None:
        """Stop the worker processes (a user's Dask cluster lives on, without the
        parameters its workers loaded)."""
        if self.pool is None:
            return
        client = getattr(self.pool, "client", None)
        if client is not None and not self.pool.owned and not abort:
            try:
                client.run(forget_params)
            except Exception:  # noqa: BLE001  (a worker gone by now keeps nothing)
                pass
        self.pool.close(abort)
        self.pool = None


def forget_params() -> None:
    """Drop the parameters this process loaded for a shard's gradient."""
    _PARAMS.clear()
