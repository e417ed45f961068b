"""CRFSegmenter: a linear-chain CRF over BMES tags of atoms (DESIGN §6).

Trained from gold segmented text (:meth:`CRFSegmenter.train_gold`) or from mentropy's own
lexicon segmentation of raw text (:meth:`CRFSegmenter.train_silver`), it cuts text with the
:class:`~mentropy.segment.Segmenter` contract: ``''.join(cut(s)) == s``, offsets into the
original string, atoms (number and latin runs, time words, runs of one mark) never split, user
words forced with :meth:`add_word`.

Silver training leaves unlabelled the runs of single characters the lexicon left (where it
knew no word), except characters that are usually words by themselves: the CRF cuts those runs
from its character contexts, which is what lifts it above its teacher (benchmarks/RESULTS_crf.md).

Usage::

    crf = CRFSegmenter().train_gold("gold.txt")         # words separated by spaces, or PKU
    crf = CRFSegmenter().train_silver("raw.txt", "corpus.dict")   # no gold: the lexicon labels
    crf.lcut("他说的确实在理"); crf.tokenize("…"); crf.marginals("…")
    crf.save("news.crf")                                # npz (no pickles) + JSON metadata
    crf = CRFSegmenter.load("news.crf")
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import zipfile
import zlib
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from mentropy import __version__
from mentropy import crf_features as F
from mentropy._kernels import crf as K
from mentropy._kernels import crf_features as KF
from mentropy import crf_data
from mentropy.batch import bar
from mentropy.crf_data import TAG_BITS, TrainingData, chunk_lines
from mentropy.crf_train import TrainOptions, TrainReport, train
from mentropy.errors import FormatError, InputError, MentropyError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
KIND = "crf-segmenter"
MAX_BIN = 6  # lexicon word lengths binned 2, 3, 4, 5, >= 6
CHUNK = 4096  # lines decoded per kernel call
MAX_GOLD_TOKEN = 32  # a longer "word" in a gold file is raw text, not segmented words


class CRFSegmenter:
    """A CRF word segmenter; create, then :meth:`train_gold` / :meth:`train_silver`, or
    :meth:`load` a saved model."""

    def __init__(self, features: F.FeatureOptions | None = None, *, templates: Any = None,
                 parse_lexicon: Any = None) -> None:
        """An untrained segmenter with the given feature options (the defaults if None).

        With `templates` (a Templates object or a templates file) and `parse_lexicon` (the
        lexicon they were mined with: a path, Lexicon or Segmenter), every unit also gets the
        template parse's features (see :meth:`use_parse_features`)."""
        self.features = (features or F.FeatureOptions()).validate()
        self.weights: np.ndarray | None = None  # float64[n_buckets, 4]
        self.trans: np.ndarray | None = None  # float64[4, 4]
        self.lexicon_words: list[str] = []
        self.lexicon_counts = np.zeros(0, dtype=np.int64)
        self.meta: dict[str, Any] = {}
        self.report: TrainReport | None = None
        self._trie = None
        self._segmenter = None
        self.lexicon_guided = False  # decode inside the lexicon's words (see train_silver)
        self.alone = np.zeros(0, dtype=np.uint32)  # symbols usually alone: kept as words
        self.pairs = F.PairCounts.empty()  # the training text's pair counts (PMI features)
        self._user: dict[str, None] = {}
        self._user_matcher = None
        self._parse_text = ""  # the templates file the parse features use (stored in the model)
        self.parse_words: list[str] = []  # ... and the lexicon they were mined with
        self.parse_counts = np.zeros(0, dtype=np.int64)
        self._parser = None
        if templates is not None or parse_lexicon is not None:
            self.use_parse_features(templates, parse_lexicon)
        elif self.features.parse_features:
            raise MentropyError("parse_features needs the templates: give templates= and "
                                "parse_lexicon=")

    def use_parse_features(self, templates: Any, lexicon: Any) -> "CRFSegmenter":
        """Add the template parse's features to every unit (before training): the block
        boundaries, fixed words and binned depth of :func:`mentropy.parse.parse_features`,
        parsing with `templates` (a Templates object or the path of a templates file) and
        `lexicon` (the one they were mined with: a path, Lexicon or Segmenter). The templates
        and the lexicon are stored in the model; its feature options record the templates'
        sha256 (``parse_features``). Returns self."""
        from mentropy.segment import Segmenter
        from mentropy.templates import Templates

        if templates is None or lexicon is None:
            raise MentropyError("parse features need templates and the lexicon they were "
                                "mined with")
        if self.weights is not None:
            raise MentropyError("parse features are chosen before training, not after")
        if isinstance(templates, (str, os.PathLike)):
            source = os.fspath(templates)
            if not os.path.isfile(source):
                raise InputError(source, "is a folder, not a file" if os.path.isdir(source)
                                 else "no such file")
            with open(source, "rb") as f:
                data = f.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(source, f"not UTF-8 ({exc.reason})") from None
        elif isinstance(templates, Templates):
            buf = io.StringIO()
            templates.write(buf)
            text, source = buf.getvalue(), "<templates>"
        else:
            raise MentropyError("templates must be a Templates object or a templates file path")
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if self.features.parse_features and self.features.parse_features != digest:
            raise MentropyError(f"the feature options name templates "
                                f"{_short(self.features.parse_features)}, not these "
                                f"({_short(digest)})")
        words, counts = (lexicon if isinstance(lexicon, Segmenter) else
                         _segmenter_of(lexicon)).entries()
        self._set_parse(text, source, list(words), np.asarray(counts, np.int64))
        self.features = dataclasses.replace(self.features, parse_features=digest)
        return self

    def _set_parse(self, text: str, source: str, words: list[str], counts: np.ndarray) -> None:
        """Parse with the templates file `text` (errors name `source`) and the lexicon of
        `words` and `counts`."""
        from mentropy.parse import Parser
        from mentropy.segment import Segmenter
        from mentropy.templates import Templates, lexicon_digest

        seg = Segmenter(words, counts)  # as the model rebuilds it when loaded
        templates = Templates.from_lines(text.splitlines(), source,
                                         lexicon_digest=lexicon_digest(seg))
        self._parser = Parser(templates, seg)
        self._parse_text, self.parse_words, self.parse_counts = text, words, counts

    # -- training ----------------------------------------------------------------------------

    def train_gold(self, lines: str | os.PathLike | Iterable[str | Sequence[str]], *,
                   options: TrainOptions | None = None, progress: bool | None = None,
                   workers: int = 1, tmp_dir: str | None = None, backend: str = "local",
                   client: Any = None, scheduler: str | None = None,
                   **train_options: Any) -> "CRFSegmenter":
        """Train on gold segmented lines; returns self.

        `lines`: a path (a file of words separated by spaces, or People's Daily PKU
        ``word/TAG`` text), or an iterable of lines, each a string of words separated by
        whitespace or a list of words. `train_options` override fields of `options`. The text
        is read once, by shards (:mod:`mentropy.crf_data`): a text of more than one shard is
        kept in files under `tmp_dir` and its gradient computed shard by shard, in `workers`
        processes when more than one (the same model for any number), or on a Dask cluster
        (``backend="dask"``, a `client` or a `scheduler` address; `tmp_dir` must be readable
        and writable by its workers).
        """
        if isinstance(lines, (str, os.PathLike)):
            words: Iterable[list[str]] = iter_gold(lines)
            source = os.fspath(lines)
        else:
            words = (line.split() if isinstance(line, str) else
                     [w for w in line if w] for line in lines)
            source = "<lines>"
        opts = _merge(options, train_options)
        if self.features.lexicon_features:
            raise MentropyError("lexicon features need a lexicon: they go with train_silver")
        self.lexicon_guided = False
        self.alone = np.zeros(0, dtype=np.uint32)

        def shard(chunk: list[list[str]]) -> tuple[list[str], F.Units, dict[str, np.ndarray]]:
            texts = ["".join(ws) for ws in chunk]
            units = F.make_units(texts)
            return texts, units, {"mask": TAG_BITS[F.gold_tags(units, chunk)]}

        with TrainingData(tmp_dir, workers, backend=backend, client=client,
                          scheduler=scheduler) as data:
            self._read_shards(data, (ws for ws in words if ws), _chars_of_words, shard,
                              "reading", progress, source)
            data.extract(self._features, self.features.n_buckets, progress)
            info = {"source": "gold", "sentences": data.n_sentences, "sha256": data.digest()}
            self._train(data, opts, progress, info)
        return self

    def train_silver(self, raw_texts: str | os.PathLike | Iterable[str], lexicon: Any, *,
                     rounds: int = 1, confident: float | None = None,
                     free_single_runs: float = 0.5, lexicon_guided: bool = False,
                     options: TrainOptions | None = None, progress: bool | None = None,
                     workers: int = 1, tmp_dir: str | None = None, backend: str = "local",
                     client: Any = None, scheduler: str | None = None,
                     source: str | None = None, **train_options: Any) -> "CRFSegmenter":
        """Train on mentropy's own segmentation of raw text (no gold); returns self.

        `lexicon`: a Lexicon, Segmenter, or path of a lexicon; its unigram segmentation gives
        the first labels. With ``confident=p`` only the word boundaries the previous round's
        model is sure of (marginal probability >= p, agreeing with the lexicon) are kept as
        labels; elsewhere any tag is allowed (partial labels). Round 1 trains on the lexicon's
        labels; each further round relabels the text with the model trained so far (its best
        tags, or with `confident` the confident teacher labels) and retrains. With
        ``free_single_runs=r`` (0 < r <= 1), the single-character words of runs of two or more
        that the lexicon left (where it knew no word) carry no label when their character
        stands alone in less than a share r of its occurrences in the teacher's segmentation
        of `raw_texts` (1 frees every such run; the default 0.5 keeps function words such as
        的 or 了 labelled; 0 keeps every label): the CRF decides them from what it learns
        elsewhere. On the People's Daily this is what lifts the CRF above its teacher
        (benchmarks/RESULTS_crf.md). With `lexicon_guided`, the model keeps the lexicon and
        decodes inside its segmentation: the lexicon's words stay, the CRF cuts the runs of
        single characters it left. `raw_texts`: a path or an iterable of lines (named
        `source` in errors). `workers`, `tmp_dir`, `backend`, `client`, `scheduler`: as in
        :meth:`train_gold`.
        """
        from mentropy.segment import Segmenter

        if isinstance(raw_texts, (str, os.PathLike)):
            from mentropy.corpus import iter_lines

            texts: Iterable[str] = (t for _, t, _ in iter_lines(os.fspath(raw_texts),
                                                                progress=False))
            source = os.fspath(raw_texts)
        else:
            texts = raw_texts
            source = source or "<texts>"
        if rounds < 1:
            raise MentropyError(f"rounds must be >= 1, not {rounds}")
        if confident is not None and not 0.5 <= confident < 1:
            raise MentropyError(f"confident must be in [0.5, 1), not {confident}")
        if not 0 <= free_single_runs <= 1:
            raise MentropyError(f"free_single_runs must be in [0, 1], not {free_single_runs}")
        opts = _merge(options, train_options)
        seg = lexicon if isinstance(lexicon, Segmenter) else _segmenter_of(lexicon)
        if self.features.lexicon_features or lexicon_guided:
            words, counts = seg.entries()
            self.lexicon_words, self.lexicon_counts = words, np.asarray(counts, np.int64)
            self._trie = self._segmenter = None
        self.lexicon_guided = False  # training relabels with the CRF alone
        alone = AloneCounts()

        def shard(chunk: list[str]) -> tuple[list[str], F.Units, dict[str, np.ndarray]]:
            units = F.make_units(chunk)
            teacher = _tags_of_cuts(units, seg.cut_many(chunk))
            alone.add(units, teacher)
            return chunk, units, {"teacher": teacher}

        with TrainingData(tmp_dir, workers, backend=backend, client=client,
                          scheduler=scheduler) as data:
            self._read_shards(data, (t for t in texts if t.strip()), len, shard, "labelling",
                              progress, source)
            self.alone = alone.often(free_single_runs or 1.0)

            def first_labels(i: int, units: F.Units) -> None:
                teacher = data.get("teacher", i)
                mask = TAG_BITS[teacher]
                if free_single_runs > 0:
                    mask[_single_runs(units, teacher, self.alone)] = K.FREE
                data.put("mask", i, mask)

            data.extract(self._features, self.features.n_buckets, progress, each=first_labels)
            w = None
            for r in range(rounds):
                if r > 0:  # relabel with the model of the previous round
                    self._relabel(data, w, confident, free_single_runs)
                info = {"source": "silver", "sentences": data.n_sentences, "round": r + 1,
                        "rounds": rounds, "confident": confident,
                        "labelled_share": data.labelled_share(), "sha256": data.digest()}
                w = self._train(data, opts, progress, info)
        self.lexicon_guided = bool(lexicon_guided)
        return self

    def _read_shards(self, data: TrainingData, lines: Iterable, size: Any, shard: Any,
                     desc: str, progress: bool | None, source: str) -> None:
        """`lines` into the shards of `data`: ``shard(chunk) -> (texts, units, arrays)`` makes
        each from about crf_data.SHARD_CHARS characters (``size(line)`` each); the pair counts
        of the PMI features are added up on the way. `source` names the input in errors."""
        pmi = self.features.pmi_features
        self.pairs = F.PairCounts.empty()
        with bar(None, "line", desc, progress) as b:
            for chunk in chunk_lines(lines, size, crf_data.SHARD_CHARS):
                texts, units, arrays = shard(chunk)
                data.add(texts, units, **arrays)
                if pmi:
                    self.pairs = self.pairs.merge(F.PairCounts.from_units(units))
                b.update(len(chunk))
                del chunk, texts, units, arrays
        _check_size(data.n_sentences, source)

    def _relabel(self, data: TrainingData, w: np.ndarray, confident: float | None,
                 free_single_runs: float) -> None:
        """Labels for the next round, shard by shard, from the dense weights `w`: the model's
        own best tags, or (with `confident`) the teacher's tags where model and teacher agree
        with probability >= confident, else free; the single runs freed again."""
        for i, shard in enumerate(data.shards):
            feats, offsets = data.features(i)
            teacher = data.get("teacher", i)
            free = np.full(shard.n_units, K.FREE, dtype=np.uint8)
            if confident is None:
                mask = TAG_BITS[K.viterbi(feats, offsets, free, w, self.trans)]
            else:
                post, _ = K.marginals(feats, offsets, free, w, self.trans)
                sure = post[np.arange(shard.n_units), teacher.astype(np.int64)] >= confident
                mask = np.where(sure, TAG_BITS[teacher], np.uint8(K.FREE)).astype(np.uint8)
                del post
            if free_single_runs > 0:
                mask[_single_runs(data.units(i)[1], teacher, self.alone)] = K.FREE
            data.put("mask", i, mask)

    def _train(self, data: TrainingData, options: TrainOptions, progress: bool | None,
               info: dict[str, Any]) -> np.ndarray:
        """Train on `data` (features extracted); returns the dense weights."""
        w, trans, report = train(data, options, progress=progress)
        report = dataclasses.replace(report, **data.run_stats())
        table = data.table
        assert table is not None
        buckets = np.flatnonzero(table >= 0)
        weights = np.zeros((self.features.n_buckets, 4))
        weights[buckets] = w[table[buckets]]
        self.weights, self.trans, self.report = weights, trans, report
        # the model file records what was done, not how long it took (reproducible bytes)
        summary = {k: v for k, v in report.to_dict().items() if k not in report.RUN_FIELDS}
        self.meta = {"train": options.to_dict(), "report": summary, "data": info}
        return w

    # -- features ----------------------------------------------------------------------------

    def _features(self, units: F.Units, texts: Sequence[str]) -> np.ndarray:
        extra = []
        if self.features.lexicon_features:
            extra.append(self._lexicon_columns(units, texts))
        if self.features.pmi_features:
            extra.append(self.pairs.columns(units))
        if self.features.parse_features:
            extra.append(self._parse_columns(units, texts))
        return F.extract(units, self.features, np.hstack(extra) if extra else None)

    def _parse_columns(self, units: F.Units, texts: Sequence[str]) -> np.ndarray:
        from mentropy.parse import parse_features

        if self._parser is None:
            raise MentropyError("this model's parse features have no templates: call "
                                "use_parse_features(templates, lexicon)")
        return F.parse_columns(units, [parse_features(t)
                                       for t in self._parser.parse_many(list(texts))])

    def _lexicon_columns(self, units: F.Units, texts: Sequence[str]) -> np.ndarray:
        from mentropy import atoms
        from mentropy.matcher import Trie

        if self._trie is None:
            self._trie = Trie(self.lexicon_words, self.lexicon_counts)
        n = int(units.line_chars[-1])
        cps = atoms.codepoints("".join(texts))
        norm = np.ascontiguousarray(atoms.normalise(cps)[0], dtype=np.uint32) if n else cps
        may_cut = np.zeros(n + 1, dtype=np.uint8)
        may_cut[units.starts] = 1
        may_cut[units.ends] = 1
        log_p = self._trie.log_p(0.0)
        starts, ends, _ = self._trie.match(norm, may_cut, units.line_chars[:-1],
                                           units.line_chars[1:], log_p)
        at_start = np.full(n + 1, -1, dtype=np.int64)
        at_end = np.full(n + 1, -1, dtype=np.int64)
        at_start[units.starts] = np.arange(len(units))
        at_end[units.ends] = np.arange(len(units))
        return KF.lexicon_columns(starts, ends, at_start, at_end, np.int64(len(units)),
                                  np.int64(MAX_BIN))

    # -- user words --------------------------------------------------------------------------

    def add_word(self, word: str, freq: int | None = None) -> None:
        """Force `word` to be cut as one word wherever it occurs on atom boundaries (the
        leftmost, then longest, of overlapping user words wins). `freq` is accepted for
        compatibility with Segmenter.add_word and ignored."""
        if not isinstance(word, str) or not word or word.isspace():
            raise MentropyError(f"a word must be a non-empty string, not {word!r}")
        self._user[word] = None
        self._user_matcher = None

    def del_word(self, word: str) -> None:
        """Stop forcing `word` (no error when it was not added)."""
        if self._user.pop(word, 0) is None:
            self._user_matcher = None

    def _forced_mask(self, units: F.Units, text: str) -> np.ndarray:
        mask = np.full(len(units), K.FREE, dtype=np.uint8)
        if not self._user:
            return mask
        if self._user_matcher is None:
            from mentropy.keywords import KeywordMatcher

            self._user_matcher = KeywordMatcher(list(self._user))
        unit_at_start = {int(s): i for i, s in enumerate(units.starts.tolist())}
        unit_at_end = {int(e): i for i, e in enumerate(units.ends.tolist())}
        lines = units.line_chars
        taken_to = -1
        for start, end, _ in sorted(self._user_matcher.find(text), key=lambda m: (m[0], -m[1])):
            if start < taken_to:
                continue
            a, b = unit_at_start.get(start), unit_at_end.get(end)
            if a is None or b is None:
                continue
            if np.searchsorted(lines, start, "right") != np.searchsorted(lines, end - 1, "right"):
                continue  # crosses a line end
            taken_to = end
            if a == b:
                mask[a] = 8
            else:
                mask[a], mask[b] = 1, 4
                mask[a + 1:b] = 2
        return mask

    # -- decoding ----------------------------------------------------------------------------

    def _require_model(self) -> None:
        if self.weights is None:
            raise MentropyError("this CRFSegmenter is not trained: call train_gold, "
                                "train_silver or CRFSegmenter.load first")

    def _decode(self, texts: list[str]) -> tuple[F.Units, np.ndarray]:
        """Units of `texts` and their best tags."""
        self._require_model()
        units = F.make_units(texts)
        feats = self._features(units, texts)
        mask = self._decode_mask(units, texts)
        return units, K.viterbi(feats, units.line_units, mask, self.weights, self.trans)

    def _decode_mask(self, units: F.Units, texts: Sequence[str]) -> np.ndarray:
        """Tags allowed at decoding: user words forced; with lexicon guidance, the lexicon's
        tags wherever it found words (the CRF decides its runs of single characters)."""
        mask = self._forced_mask(units, "".join(texts)) if self._user else \
            np.full(len(units), K.FREE, dtype=np.uint8)
        if self.lexicon_guided:
            teacher = _tags_of_cuts(units, self._lexicon_segmenter().cut_many(list(texts)))
            guide = TAG_BITS[teacher]
            guide[_single_runs(units, teacher, self.alone)] = K.FREE
            mask = np.where(mask == K.FREE, guide, mask)
        return mask

    def _lexicon_segmenter(self):
        if self._segmenter is None:
            from mentropy.segment import Segmenter

            self._segmenter = Segmenter(self.lexicon_words, self.lexicon_counts)
        return self._segmenter

    def _bounds(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word starts in the concatenation, int64 sorted incl. every line end, line_chars)."""
        units, tags = self._decode(texts)
        starts = units.starts[(tags == K.TAG_B) | (tags == K.TAG_S)]
        return np.union1d(starts, units.line_chars), units.line_chars

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) of every word of `text`; offsets into `text`."""
        _check_text(text)
        if not text:
            return []
        bounds, _ = self._bounds([text])
        b = bounds.tolist()
        return [(text[s:e], s, e) for s, e in zip(b[:-1], b[1:])]

    def lcut(self, text: str) -> list[str]:
        """The words of `text` as a list; ``''.join(lcut(s)) == s``."""
        return [w for w, _, _ in self.tokenize(text)]

    def cut(self, text: str) -> Iterator[str]:
        """The words of `text`, one at a time."""
        return iter(self.lcut(text))

    def cut_many(self, texts: Iterable[str], workers: int = 1) -> list[list[str]]:
        """``[self.lcut(t) for t in texts]``, decoded in batches; the same result for any
        `workers` (with ``workers > 1`` the batches go to a process pool as
        Segmenter.cut_many's do, from MIN_POOL_CHARS characters of input)."""
        out: list[list[str]] = []
        for part in self._cut_chunks(texts, workers, CHUNK, None):
            out.extend(part)
        return out

    def segmented_blocks(self, texts: Iterable[str], delimiter: str = " ", workers: int = 1,
                         chunksize: int = CHUNK) -> Iterator[str]:
        """Segmented text of `texts`: the words of each line joined by `delimiter`, a newline
        after each line; one string per `chunksize` lines (no string per word); with
        ``workers > 1`` the chunks are decoded in a process pool (the same text)."""
        if not isinstance(delimiter, str):
            raise MentropyError(f"the delimiter must be a str, not {type(delimiter).__name__}")
        return self._cut_chunks(texts, workers, chunksize, delimiter)

    def _cut_chunks(self, texts: Iterable[str], workers: int, chunksize: int,
                    delimiter: str | None) -> Iterator[Any]:
        from mentropy.segment import _map_chunks

        if not isinstance(workers, int) or workers < 1 or chunksize < 1:
            raise MentropyError("workers and chunksize must be at least 1")
        self._require_model()
        chunks = _chunks(texts, chunksize)
        if workers == 1:
            return (self._cut_batch(chunk, delimiter) for chunk in chunks)
        return _map_chunks(self, chunks, workers, delimiter)

    def _cut_batch(self, chunk: list[str], delimiter: str | None = None) -> Any:
        """The word lists of a batch of texts, or with a `delimiter` its text block."""
        if delimiter is None:
            bounds, line_chars = self._bounds(chunk)
            joined = "".join(chunk)
            b = bounds.tolist()
            lo = np.searchsorted(bounds, line_chars).tolist()
            return [[joined[s:e] for s, e in zip(b[lo[i]:lo[i + 1]], b[lo[i] + 1:lo[i + 1] + 1])]
                    for i in range(len(chunk))]
        from mentropy import atoms

        d = np.ascontiguousarray(atoms.codepoints(delimiter), dtype=np.uint32)
        units, tags = self._decode(chunk)
        out = KF.join_tagged(units.joined, units.starts, units.ends, tags, units.line_units,
                             d, np.uint32(10))
        return out.tobytes().decode("utf-32-le", "surrogatepass")

    def warmup(self) -> None:
        """Compile or load every kernel decoding uses (before starting worker processes)."""
        self._cut_batch(["预热 warm-up 1.5", "", "１２"])

    def safe_cut_marks(self, marks: str) -> str:
        """Marks after which a long line may be cut into pieces without changing its
        segmentation: none, since the features see two units to either side of every unit."""
        return ""

    def marginals(self, text: str) -> np.ndarray:
        """Per-character tag probabilities, float64[len(text), 4] (columns B, M, E, S), under
        the user words; inside an atom the tags follow from the atom's own."""
        self._require_model()
        _check_text(text)
        units = F.make_units([text])
        feats = self._features(units, [text])
        mask = self._decode_mask(units, [text])
        post, _ = K.marginals(feats, units.line_units, mask, self.weights, self.trans)
        out = np.zeros((len(text), 4))
        lengths = units.ends - units.starts
        one = lengths == 1
        out[units.starts[one]] = post[one]
        for u in np.flatnonzero(~one).tolist():
            s, e, p = int(units.starts[u]), int(units.ends[u]), post[u]
            out[s] = (p[0] + p[3], p[1] + p[2], 0.0, 0.0)
            out[s + 1:e - 1, 1] = 1.0
            out[e - 1] = (0.0, p[0] + p[1], p[2] + p[3], 0.0)
        return out

    # -- files -------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the model as an npz bundle (no pickles, byte-reproducible) atomically."""
        from mentropy.io import atomic_output

        self._require_model()
        buckets = np.flatnonzero(np.any(self.weights != 0, axis=1)).astype(np.int64)
        probe = self._self_test_texts()
        user, self._user = self._user, {}  # the self-test is of the model, not the user words
        try:
            self_test = [[t, self.lcut(t)] for t in probe]
        finally:
            self._user = user
        meta = dict(self.meta, format=FORMAT_VERSION, kind=KIND, mentropy=__version__,
                    features=self.features.to_dict(), n_weights=int(buckets.shape[0]),
                    n_lexicon=len(self.lexicon_words), lexicon_guided=self.lexicon_guided,
                    self_test=self_test)
        arrays = {"meta": np.frombuffer(json.dumps(meta, ensure_ascii=False, sort_keys=True)
                                        .encode("utf-8"), dtype=np.uint8),
                  "buckets": buckets, "weights": self.weights[buckets],
                  "trans": self.trans,
                  "lexicon_cps": _encode_words(self.lexicon_words),
                  "lexicon_counts": self.lexicon_counts.astype(np.int64),
                  "alone": self.alone.astype(np.uint32),
                  "pair_keys": self.pairs.pair_keys, "pair_counts": self.pairs.pair_counts,
                  "uni_keys": self.pairs.uni_keys, "uni_counts": self.pairs.uni_counts}
        if self.features.parse_features:
            arrays.update(parse_templates=np.frombuffer(
                self._parse_text.encode("utf-8", "surrogatepass"), dtype=np.uint8),
                parse_lexicon_cps=_encode_words(self.parse_words),
                parse_lexicon_counts=self.parse_counts.astype(np.int64))
        with atomic_output(path, binary=True) as f:
            _write_npz(f, arrays)

    def _load_parse(self, path: str, arrays: dict[str, np.ndarray], digest: str) -> None:
        if len(arrays) != 3 or arrays["parse_templates"].dtype != np.uint8:
            raise FormatError(path, "a model with parse features but no templates (corrupt)")
        data = arrays["parse_templates"].tobytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise FormatError(path, "the stored templates do not match their digest "
                                    "(corrupt file)")
        words = _decode_words(arrays["parse_lexicon_cps"])
        counts = arrays["parse_lexicon_counts"].astype(np.int64)
        if len(words) != counts.shape[0]:
            raise FormatError(path, "parse lexicon arrays do not match (corrupt file)")
        try:
            self._set_parse(data.decode("utf-8", "surrogatepass"), path, words, counts)
        except FormatError:
            raise
        except (MentropyError, UnicodeDecodeError) as exc:
            raise FormatError(path, f"bad parse templates ({exc})") from None

    def _self_test_texts(self) -> list[str]:
        return ["他说的确实在理", "１９９８年，iPhone7卖了3.14万部。"]

    @classmethod
    def load(cls, path: str | os.PathLike,
             features: F.FeatureOptions | None = None) -> "CRFSegmenter":
        """Read a model written by :meth:`save`. With `features`, a model trained with other
        feature options is refused. Raises FormatError for a corrupt, truncated, newer or
        foreign file."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise InputError(path, "no such file")
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("meta", "buckets", "weights", "trans",
                                            "lexicon_cps", "lexicon_counts")}
                arrays["alone"] = z["alone"] if "alone" in z.files else np.zeros(0, np.uint32)
                parse = {k: z[k] for k in ("parse_templates", "parse_lexicon_cps",
                                           "parse_lexicon_counts") if k in z.files}
                pairs = [z[k] if k in z.files else np.zeros(0, np.uint64 if "keys" in k else
                                                             np.int64)
                         for k in ("pair_keys", "pair_counts", "uni_keys", "uni_counts")]
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error,
                UnicodeDecodeError) as exc:
            raise FormatError(path, f"not a mentropy CRF model, or a corrupt or truncated "
                                    f"one ({type(exc).__name__}: {exc})") from None
        if not isinstance(meta, dict) or meta.get("kind") != KIND:
            raise FormatError(path, f"not a mentropy CRF model (kind {meta.get('kind')!r})"
                              if isinstance(meta, dict) else "not a mentropy CRF model")
        version = meta.get("format")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise FormatError(path, f"model format {version} is newer than this mentropy "
                                    f"{__version__} reads (format {FORMAT_VERSION}): upgrade")
        try:
            opts = F.FeatureOptions.from_dict(meta["features"]).validate()
        except (MentropyError, KeyError, TypeError) as exc:
            raise FormatError(path, f"bad feature options in the model ({exc})") from None
        if opts.templates != F.FEATURES_VERSION:
            raise FormatError(path, f"model uses feature templates v{opts.templates}, this "
                                    f"mentropy computes v{F.FEATURES_VERSION}: retrain it")
        if features is not None and features.parse_features != opts.parse_features:
            raise FormatError(path, f"model's parse features use templates "
                                    f"{_short(opts.parse_features)}, not "
                                    f"{_short(features.parse_features)}: retrain it with "
                                    f"these templates")
        if features is not None and features != opts:
            raise FormatError(path, f"model was trained with feature options "
                                    f"{opts.to_dict()}, not {features.to_dict()}")
        buckets, weights, trans = arrays["buckets"], arrays["weights"], arrays["trans"]
        k = meta.get("n_weights")
        if (buckets.dtype != np.int64 or weights.dtype != np.float64 or buckets.ndim != 1
                or weights.shape != (k, 4) or buckets.shape != (k,) or trans.shape != (4, 4)
                or (k and (buckets.min() < 0 or buckets.max() >= opts.n_buckets))
                or not np.isfinite(weights).all() or not np.isfinite(trans).all()):
            raise FormatError(path, "arrays do not match the metadata (corrupt file)")
        seg = cls(dataclasses.replace(opts, parse_features=""))  # its parser comes below
        seg.features = opts
        seg.weights = np.zeros((opts.n_buckets, 4))
        seg.weights[buckets] = weights
        seg.trans = trans.astype(np.float64)
        seg.lexicon_words = _decode_words(arrays["lexicon_cps"])
        seg.lexicon_counts = arrays["lexicon_counts"].astype(np.int64)
        if len(seg.lexicon_words) != seg.lexicon_counts.shape[0] or \
                len(seg.lexicon_words) != meta.get("n_lexicon", 0):
            raise FormatError(path, "lexicon arrays do not match the metadata (corrupt file)")
        seg.meta = {k: v for k, v in meta.items() if k in ("train", "report", "data")}
        seg.lexicon_guided = bool(meta.get("lexicon_guided", False))
        seg.alone = np.sort(arrays["alone"].astype(np.uint32))
        pk, pc, uk, uc = pairs
        if (pk.dtype != np.uint64 or uk.dtype != np.uint64 or pk.shape != pc.shape
                or uk.shape != uc.shape or np.any(pk[1:] <= pk[:-1])
                or np.any(uk[1:] <= uk[:-1])):
            raise FormatError(path, "pair count arrays are malformed (corrupt file)")
        if opts.pmi_features and not uk.shape[0]:
            raise FormatError(path, "a model with PMI features but no pair counts (corrupt)")
        seg.pairs = F.PairCounts(pk, pc.astype(np.int64), uk, uc.astype(np.int64))
        if seg.lexicon_guided and not seg.lexicon_words:
            raise FormatError(path, "lexicon-guided model without its lexicon (corrupt file)")
        if opts.parse_features:
            seg._load_parse(path, parse, opts.parse_features)
        for text, words in meta.get("self_test", []):
            if seg.lcut(text) != words:
                raise FormatError(path, f"self-test failed on {text!r} (corrupt weights)")
        return seg


# -- helpers -----------------------------------------------------------------------------------


def read_gold(path: str | os.PathLike) -> list[list[str]]:
    """Words of each non-blank line of a gold file (see :func:`iter_gold`)."""
    return list(iter_gold(path))


def iter_gold(path: str | os.PathLike) -> Iterator[list[str]]:
    """Words of each non-blank line of a gold file, line by line: words separated by
    whitespace, or PKU ``word/TAG`` text (detected). A line that is raw text rather than words
    (a token of more than MAX_GOLD_TOKEN characters) raises InputError naming the file and
    line."""
    from mentropy.corpus import file_lines
    from mentropy.evaluate import detect_format
    from mentropy.pd1998 import read_pd1998

    path = os.fspath(path)
    if not os.path.exists(path) and path != "-":
        raise InputError(path, "no such file")
    if detect_format(path) == "pd1998":
        yield from (ws for ws in read_pd1998(path) if ws)
        return
    for line_no, text in file_lines(path):
        words = text.split()
        if not words:
            continue
        longest = max(words, key=len)
        if len(longest) > MAX_GOLD_TOKEN:
            raise InputError(path, f"not words separated by spaces: a token of {len(longest)} "
                                   f"characters ({longest[:12]!r}…)", line=line_no)
        yield words


def _chars_of_words(words: Sequence[str]) -> int:
    return sum(map(len, words))


def _encode_words(words: Sequence[str]) -> np.ndarray:
    """Words joined by newlines as code points (uint32)."""
    return np.frombuffer("\n".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _decode_words(cps: np.ndarray) -> list[str]:
    text = cps.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    return text.split("\n") if text else []


def _short(digest: str) -> str:
    return f"sha256 {digest[:12]}…" if digest else "none"


def _check_size(n: int, source: str) -> None:
    if n == 0:
        raise InputError(source, "no training sentences (empty training set)")
    if n < 2:
        raise InputError(source, "only one training sentence: a CRF needs at least two")


def _check_text(text: Any) -> None:
    if not isinstance(text, str):
        raise MentropyError(f"text must be a str, not {type(text).__name__}")


def _merge(options: TrainOptions | None, overrides: dict[str, Any]) -> TrainOptions:
    import dataclasses

    base = options or TrainOptions()
    try:
        return dataclasses.replace(base, **overrides).validate()
    except TypeError as exc:
        raise MentropyError(f"unknown training option ({exc})") from None


def _segmenter_of(lexicon: Any):
    from mentropy.lexicon import Lexicon
    from mentropy.segment import Segmenter

    if isinstance(lexicon, (str, os.PathLike)):
        lexicon = Lexicon.load(lexicon)
    return Segmenter.from_lexicon(lexicon)


def _single_runs(units: F.Units, tags: np.ndarray, alone: np.ndarray) -> np.ndarray:
    """bool[n_units]: Han units tagged S next to another such unit of the same line, except
    units whose symbol is in `alone` (uint32, sorted: characters that are usually words)."""
    single = (tags == K.TAG_S) & ((units.cls == 1) | (units.cls == 7))
    first = np.zeros(len(units), dtype=bool)
    first[units.line_units[:-1][units.line_units[:-1] < len(units)]] = True
    prev_single = np.zeros(len(units), dtype=bool)
    prev_single[1:] = single[:-1]
    prev_single &= ~first
    next_single = np.zeros(len(units), dtype=bool)
    next_single[:-1] = single[1:] & ~first[1:]
    return single & (prev_single | next_single) & ~np.isin(units.sym, alone)


class AloneCounts:
    """How often each Han symbol is a word by itself (tagged S), added up shard by shard."""

    def __init__(self) -> None:
        self.sym = np.zeros(0, dtype=np.uint32)
        self.single = np.zeros(0, dtype=np.int64)
        self.total = np.zeros(0, dtype=np.int64)

    def add(self, units: F.Units, tags: np.ndarray) -> None:
        """Count the units of one shard with their tags."""
        single = (tags == K.TAG_S) & ((units.cls == 1) | (units.cls == 7))
        sym = np.concatenate([self.sym, units.sym.astype(np.uint32)])
        weights = np.concatenate([self.single, single.astype(np.int64)])
        totals = np.concatenate([self.total, np.ones(len(units), np.int64)])
        self.sym, inverse = np.unique(sym, return_inverse=True)
        self.single = np.bincount(inverse, weights=weights, minlength=self.sym.shape[0]
                                  ).astype(np.int64)
        self.total = np.bincount(inverse, weights=totals, minlength=self.sym.shape[0]
                                 ).astype(np.int64)

    def often(self, ratio: float) -> np.ndarray:
        """Symbols (uint32, sorted) tagged S in at least `ratio` of their occurrences (none
        when ratio >= 1)."""
        if ratio >= 1 or self.sym.shape[0] == 0:
            return np.zeros(0, dtype=np.uint32)
        return self.sym[self.single / self.total >= ratio].astype(np.uint32)


def _often_alone(units: F.Units, tags: np.ndarray, ratio: float) -> np.ndarray:
    """Symbols (uint32, sorted) of Han units tagged S in at least `ratio` of their
    occurrences (none when ratio >= 1)."""
    counts = AloneCounts()
    counts.add(units, tags)
    return counts.often(ratio)


def _tags_of_cuts(units: F.Units, cuts: list[list[str]]) -> np.ndarray:
    return F.gold_tags(units, cuts)


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for t in texts:
        _check_text(t)
        chunk.append(t)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    """An npz archive with fixed timestamps (byte-reproducible), deflated."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
