"""`mine_templates`: skip-gram links -> candidate chains -> hard EM with MDL pruning.

The method is described in :mod:`mentropy.templates`; this module runs it over a word-id corpus
(:func:`mentropy.wordcorpus.encode_words`) with the kernels of
:mod:`mentropy._kernels.skipgrams` and :mod:`mentropy._kernels.spans`.
"""
from __future__ import annotations

import itertools
import logging
import math
import os
import time
from collections import Counter
from dataclasses import fields
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from mentropy.errors import MentropyError
from mentropy.templates import (LAT, NUM, SEPARATORS, RoundReport, Template, TemplateOptions,
                                Templates, as_segmenter, build_trie, lexicon_digest, mark_class,
                                word_log_p)

log = logging.getLogger(__name__)

STATES_PER_POSITION = 256  # trie states the parser keeps per position (more are dropped)
CHUNK_TOKENS = 4096  # a longer line is parsed in pieces (bounded memory)
PARSE_GROUP_TOKENS = 1 << 20  # lines are parsed in groups of about this many tokens
# candidate chains take up to 32 bytes x window x (max_fixed - 1) per token (~300 MB for a
# group of 1M tokens on news text): their groups are smaller
CANDIDATE_GROUP_TOKENS = 1 << 18
NO_PUNCT, SEP, MARK = 0, 1, 2  # as in mentropy._kernels.skipgrams
ONE_FILLER = 0.6  # a placeholder one filler fills this often is no placeholder
SETTLED = 0.005  # hard EM stops when a round would drop at most this share of the templates


def default_min_count(n_tokens: int) -> int:
    """Link and candidate count floor: 5, growing with the corpus (1 per 200k tokens)."""
    return max(5, n_tokens // 200_000)


def mine_templates(corpus: Any = None, segmenter_or_lexicon: Any = None, *,
                   texts: Iterable[str] | None = None, encoding: str = "utf-8",
                   errors: str = "strict", progress: bool | None = None,
                   tmp_dir: str | None = None, workers: int = 1,
                   **options: Any) -> Templates:
    """Mine templates from `corpus` (paths: files, folders, globs; a str is a path) or from
    `texts=` (an iterable of lines), cut into words by `segmenter_or_lexicon` (a Segmenter,
    a Lexicon or a lexicon path). `options` are the fields of
    :class:`~mentropy.templates.TemplateOptions`.

    The word ids go to a temporary folder in `tmp_dir` (default: the system's; 4 bytes per
    token), removed at the end, on errors and on Ctrl-C: memory is bounded by the groups of
    lines mined at a time and the distinct tables, not by the corpus. `workers` > 1 parses
    the groups in that many worker processes (the same templates)."""
    known = {f.name for f in fields(TemplateOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise MentropyError(f"unknown template option(s): {', '.join(unknown)}")
    opts = TemplateOptions(**options).validate()
    if segmenter_or_lexicon is None:
        raise MentropyError("mine_templates needs a segmenter or lexicon")
    from mentropy.corpus import corpus_lines
    from mentropy.dedupe import DuplicateStats
    from mentropy.wordshards import encode_words_to, temporary_folder

    repeats = None if opts.keep_duplicates else DuplicateStats()
    lines = corpus_lines(corpus, texts=texts, encoding=encoding, errors=errors,
                         progress=progress, desc="mining", repeats=repeats)
    seg = as_segmenter(segmenter_or_lexicon)
    with temporary_folder(tmp_dir) as folder:
        t0 = time.perf_counter()
        try:
            wc = encode_words_to(lines, seg, folder)
        except OSError as exc:  # a full disk or a quota: the temporary folder could not grow
            if isinstance(exc, MentropyError) or exc.errno is None or not (
                    exc.filename is None or str(exc.filename).startswith(folder)):
                raise
            raise MentropyError(f"cannot write temporary files in {os.path.dirname(folder)} "
                                f"({exc.strerror or exc}); free some space there or pass "
                                "--tmp-dir") from None
        with wc:
            log.info("cut %s lines into %s tokens in %.1f s", f"{wc.n_lines:,}",
                     f"{wc.n_tokens:,}", time.perf_counter() - t0)
            return mine_word_corpus(wc, seg, opts, progress=progress, workers=workers)


def token_table(wc: Any, classes: bool) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(token strings, token id of each word id, punctuation class of each token): numbers
    and latin runs become <NUM> / <LAT> when `classes`."""
    from mentropy.wordcorpus import LATIN, NUMBER, PUNCT

    n = len(wc.words)
    tok_of_word = np.arange(n, dtype=np.int32)
    if classes:
        tok_of_word[wc.kinds == NUMBER] = n
        tok_of_word[wc.kinds == LATIN] = n + 1
    strings = list(wc.words) + [NUM, LAT]
    punct = np.zeros(n + 2, np.int8)
    for i in np.flatnonzero(wc.kinds == PUNCT).tolist():
        w = wc.words[i]
        punct[i] = SEP if (not w.strip() or all(ch in SEPARATORS for ch in w)) else MARK
    return strings, tok_of_word, punct


def pair_table(toks: np.ndarray, offsets: np.ndarray,
               window: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The skip-gram pairs of some lines: distinct keys with the distance bucket bit cleared
    (ascending), how often each occurs in either bucket, and the number of pair slots."""
    from mentropy._kernels import skipgrams as KG

    keys = KG.pack_pairs(toks, offsets, window)
    keys &= ~np.uint64(1)  # both distance buckets count together
    keys.sort()  # numpy's sort of uint64 is several times faster than numba's
    pairs, counts = KG.run_length_keys(keys)
    return pairs, counts, int(keys.shape[0])


def word_groups(wc: Any, chunk_tokens: int | None = None) -> Iterator[tuple]:
    """The corpus by groups of whole lines of about `chunk_tokens` tokens (line_groups):
    (first line, end line, first token, ids int32, offsets int64 from 0) of each. `wc` is a
    WordCorpus (in memory) or a WordShards (on disk): anything with ``offsets`` and
    ``token_ids(a, b)``. Every per-token array of the mining is made from one group's ids."""
    offsets = wc.offsets
    for lo, hi in line_groups(offsets, chunk_tokens or PARSE_GROUP_TOKENS):
        a, b = int(offsets[lo]), int(offsets[hi])
        ids = np.ascontiguousarray(wc.token_ids(a, b), dtype=np.int32)
        yield lo, hi, a, ids, offsets[lo:hi + 1] - a


def token_sum(wc: Any, values: np.ndarray, leaf_tokens: int | None = None) -> float:
    """``np.sum(values[ids])`` over every token of `wc`, bit for bit, reading at most
    `leaf_tokens` ids at a time: numpy's pairwise split (mentropy._kernels.sums) is followed
    down to ranges that small, whose sums the kernel takes as np.sum would."""
    from mentropy._kernels import sums as KSUM

    leaf = max(leaf_tokens or PARSE_GROUP_TOKENS, KSUM.BLOCK)
    values = np.ascontiguousarray(values, dtype=np.float64)

    def part(a: int, n: int) -> float:
        if n <= leaf:
            return KSUM.pairwise_sum(values[wc.token_ids(a, a + n)])
        n2 = n // 2
        n2 -= n2 % 8
        return part(a, n2) + part(a + n2, n - n2)

    return float(part(0, int(wc.offsets[-1])))


def strong_links(wc: Any, tok_of_word: np.ndarray, n_vocab: int, opts: TemplateOptions,
                 min_count: int, chunk_tokens: int | None = None) -> np.ndarray:
    """Sorted ``u << 32 | v`` keys of the strong skip-gram links (DESIGN §5)."""
    from mentropy._kernels import ngrams as KN
    from mentropy._kernels import skipgrams as KG

    # counted by groups of lines and merged (the slots take 8 bytes per pair: 40 per token)
    merger = GroupMerger(lambda x, y: KN.merge_sorted(x[0], x[1], y[0], y[1]))
    n_slots = 0
    for _, _, _, ids, local in word_groups(wc, chunk_tokens):
        pairs, counts, slots = pair_table(tok_of_word[ids], local, opts.window)
        n_slots += slots
        merger.add((pairs.reshape(-1, 1), counts))
    pairs, counts = merger.result() or (np.zeros((0, 1), np.uint64), np.zeros(0, np.int64))
    n_slots = max(n_slots, 1)
    n_tok = max(int(wc.offsets[-1]), 1)
    # the count of each token: the counts of its words (exact in float64)
    unigram = np.bincount(tok_of_word, weights=np.asarray(wc.counts, dtype=np.float64),
                          minlength=n_vocab).astype(np.float64)
    return KG.strong_pairs(np.ascontiguousarray(pairs[:, 0]), counts, unigram, float(n_slots),
                           float(n_tok), min_count, float(opts.min_proba), float(opts.min_pmi))


def candidates(wc: Any, tok_of_word: np.ndarray, punct: np.ndarray, links: np.ndarray,
               opts: TemplateOptions, min_count: int,
               chunk_tokens: int | None = None) -> tuple[list[tuple[int, ...]], list[int]]:
    """Candidate templates (element tuples, -1 placeholder) seen >= min_count times, with
    their counts, ordered by the elements."""
    from mentropy._kernels import skipgrams as KG

    # by groups of lines (a position may start window * (max_fixed - 1) chains): each
    # group's distinct chains with their counts and first occurrence, then merged
    merger = GroupMerger(_merge_chain_tables)
    chunk_tokens = chunk_tokens or min(CANDIDATE_GROUP_TOKENS, PARSE_GROUP_TOKENS)
    for lo, hi, a, ids, local in word_groups(wc, chunk_tokens):
        hashes, starts, seconds, lengths = KG.chain_candidates(
            tok_of_word[ids], local, punct, links, opts.window, opts.max_fixed,
            opts.min_words)
        if hashes.shape[0] == 0:
            continue
        uniq, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        line_of = np.searchsorted(local, starts[first], side="right") - 1 + lo
        del hashes
        merger.add((uniq, counts.astype(np.int64), starts[first] + a, seconds[first] + a,
                    lengths[first], line_of))
        del starts, seconds, lengths
    table = merger.result()
    if table is None:
        return [], []
    _, counts, starts, seconds, lengths, line_of = table
    del table
    keep = counts >= min_count
    counts, starts, seconds, lengths = counts[keep], starts[keep], seconds[keep], lengths[keep]
    line_of = line_of[keep].astype(np.int64)
    # each kept chain is spelt out from its first occurrence, group by group
    merged: Counter = Counter()
    count_list = counts.tolist()
    for lo, hi, a, ids, local in word_groups(wc, chunk_tokens):
        rows = np.flatnonzero((line_of >= lo) & (line_of < hi))
        if not rows.shape[0]:
            continue
        ptr, elems = KG.chain_elements(tok_of_word[ids], local, punct, links, opts.window,
                                       line_of[rows] - lo, starts[rows] - a, seconds[rows] - a,
                                       lengths[rows])
        flat = elems.tolist()
        bounds = ptr.tolist()
        for j, r in enumerate(rows.tolist()):
            merged[tuple(flat[bounds[j]:bounds[j + 1]])] += count_list[r]
    items = sorted(merged.items())
    return [e for e, _ in items], [c for _, c in items]


class TokenScores:
    """What the parse needs of each token, made per group from its word ids: the token id
    (classes merged), ln p under the lexicon, the class score and the separator code."""

    def __init__(self, tok_of_word: np.ndarray, lp_word: np.ndarray, codes: np.ndarray,
                 n_words: int) -> None:
        self.tok_of_word = tok_of_word
        self.lp_word = lp_word
        self.codes = codes
        self.n_words = n_words

    def group(self, ids: np.ndarray, flat_lp: float) -> tuple[np.ndarray, ...]:
        """(toks int32, wlp, flp float64, sep int8) of the tokens `ids`; wlp = flat_lp + ln p."""
        toks = np.ascontiguousarray(self.tok_of_word[ids], dtype=np.int32)
        lp_lex = self.lp_word[ids]
        flp = np.where(toks >= self.n_words, lp_lex, 0.0)
        wlp = flat_lp + lp_lex
        return toks, wlp, flp, self.codes[toks]


def parse_corpus(wc: Any, scores: TokenScores, flat_lp: float,
                 elements: Sequence[tuple[int, ...]], tlp: np.ndarray, opts: TemplateOptions,
                 chunk_tokens: int | None = None,
                 pool: Any = None) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The span-DP parse of every line (:func:`mentropy._kernels.spans.parse_lines`), run on
    groups of whole lines of about `chunk_tokens` tokens (the parser's node arrays take ~160
    bytes per token: memory stays bounded by the group, not the corpus). Returns what a
    round needs: template uses (float64[T]), the log-probability of every line, and the
    filler table (_filler_table) of the placeholders' contents. The same for any grouping.

    With a `pool` of several workers (mentropy.batch.open_pool) and a corpus on disk (a
    WordShards), each group is parsed by a worker that reads its ids from the file; the
    results are merged in group order, so the same for any number of workers.
    """
    from mentropy.templates import _csr

    model = (elements, build_trie(elements), tlp, *_csr(elements))
    uses = np.zeros(len(elements), np.float64)
    logps: list[np.ndarray] = []
    fillers = GroupMerger(lambda x, y: _merge_filler_tables([x, y]))

    def take(result: tuple) -> None:
        nonlocal uses
        uses += result[0]
        logps.append(result[1])
        fillers.add(result[2])

    if pool is None or pool.workers <= 1 or not hasattr(wc, "ids_file"):
        for _, _, a, ids, local in word_groups(wc, chunk_tokens):
            take(parse_group(ids, local, a, scores, flat_lp, model, opts))
    else:
        from mentropy.batch import save_array

        # what every group shares goes to one file per call, loaded once per worker (not
        # pickled into each task)
        shared = os.path.join(os.path.dirname(wc.path), f"round-{next(_CALLS)}.npz")
        edge_ptr, edge_tok, edge_child, x_child, final = model[1]
        save_array(shared, new_id=wc.ids_file().new_id, tok_of_word=scores.tok_of_word,
                   lp_word=scores.lp_word, codes=scores.codes,
                   n_words=np.int64(scores.n_words), flat_lp=np.float64(flat_lp), tlp=tlp,
                   edge_ptr=edge_ptr, edge_tok=edge_tok, edge_child=edge_child,
                   x_child=x_child, final=final, ptr=model[3], elems=model[4])
        offsets = wc.offsets
        tasks = []
        for lo, hi in line_groups(offsets, chunk_tokens or PARSE_GROUP_TOKENS):
            a, b = int(offsets[lo]), int(offsets[hi])
            tasks.append((shared, wc.path, a, b, offsets[lo:hi + 1] - a, opts))
        ready: dict[int, tuple] = {}
        next_group = 0

        def done(i: int, result: tuple) -> None:  # merged in group order
            nonlocal next_group
            ready[i] = result
            while next_group in ready:
                take(ready.pop(next_group))
                next_group += 1

        try:
            pool.run(_parse_group_task, tasks, done)
        finally:
            os.unlink(shared)
    logp = np.concatenate(logps) if logps else np.zeros(0)
    return uses, logp, fillers.result() or _merge_filler_tables([])


def parse_group(ids: np.ndarray, local: np.ndarray, a: int, scores: TokenScores,
                flat_lp: float, model: tuple, opts: TemplateOptions) -> tuple:
    """The parse of one group of lines (their tokens `ids`, first token `a` of the corpus,
    `local` offsets from 0) under `model` (elements, trie, tlp, ptr, elems): (template
    uses float64[T], log-probability of each line, filler table with corpus positions)."""
    from mentropy._kernels import spans as KS

    elements, trie, tlp, ptr, elems = model
    toks, wlp, flp, sep = scores.group(ids, flat_lp)
    nodes = KS.parse_lines(toks, wlp, flp, sep, local, *trie, tlp, ptr, elems,
                           opts.gap_cost, opts.max_span, STATES_PER_POSITION, CHUNK_TOKENS)
    del toks, wlp, flp, sep
    kind, tmpl, logp = nodes[0], nodes[3], nodes[6]
    uses = np.bincount(tmpl[kind == 1], minlength=len(elements)).astype(np.float64)
    rows, counts, first, end = _filler_table(nodes, elements, local, ids)
    return uses, logp, (rows, counts, first + a, end + a)


_CALLS = itertools.count()  # numbers the files of shared data (parse_corpus)
_SHARED: dict[str, tuple] = {}  # the shared data a worker loaded last, by file


def _parse_group_task(shared: str, ids_path: str, a: int, b: int, local: np.ndarray,
                      opts: TemplateOptions) -> tuple:
    """parse_group in a worker process: the group's ids read from `ids_path`, what the groups
    share from the file `shared` (loaded once per process)."""
    from mentropy.wordshards import IdsFile

    if shared not in _SHARED:
        _SHARED.clear()
        with np.load(shared, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
        ptr, elems = d["ptr"], d["elems"]
        bounds, flat = ptr.tolist(), elems.tolist()
        elements = [tuple(flat[bounds[i]:bounds[i + 1]]) for i in range(len(bounds) - 1)]
        trie = (d["edge_ptr"], d["edge_tok"], d["edge_child"], d["x_child"], d["final"])
        _SHARED[shared] = (IdsFile(ids_path, d["new_id"]),
                           TokenScores(d["tok_of_word"], d["lp_word"], d["codes"],
                                       int(d["n_words"])),
                           float(d["flat_lp"]), (elements, trie, d["tlp"], ptr, elems))
    reader, scores, flat_lp, model = _SHARED[shared]
    ids = np.ascontiguousarray(reader.token_ids(a, b), dtype=np.int32)
    return parse_group(ids, local, a, scores, flat_lp, model, opts)


class GroupMerger:
    """Merges the tables of consecutive groups of lines as they come, with ``merge(earlier,
    later)``: the newest two are merged while the older is at most twice the newer's length,
    so the tables held add up to about twice the result, however many groups (a table of n
    groups is a binary counter's log2(n) tables when the distinct rows stop growing)."""

    def __init__(self, merge) -> None:
        self.merge = merge
        self.stack: list[tuple] = []

    def add(self, table: tuple) -> None:
        """The table (a tuple of arrays, rows along axis 0) of the next group."""
        self.stack.append(table)
        while len(self.stack) > 1 and len(self.stack[-2][0]) <= 2 * len(self.stack[-1][0]):
            later = self.stack.pop()
            self.stack[-1] = self.merge(self.stack[-1], later)

    def result(self) -> tuple | None:
        """The merge of every table added, or None when none was."""
        while len(self.stack) > 1:
            later = self.stack.pop()
            self.stack[-1] = self.merge(self.stack[-1], later)
        return self.stack[0] if self.stack else None


def _merge_chain_tables(earlier: tuple, later: tuple) -> tuple:
    """Distinct candidate chains of two runs of groups (hash ascending, count, first start,
    second, length and line): counts added, the first occurrence the earlier's."""
    uniq, first, inverse = np.unique(np.concatenate([earlier[0], later[0]]),
                                     return_index=True, return_inverse=True)
    counts = np.zeros(uniq.shape[0], np.int64)
    np.add.at(counts, inverse.reshape(-1), np.concatenate([earlier[1], later[1]]))
    return (uniq, counts, *(np.concatenate([earlier[j], later[j]])[first] for j in range(2, 6)))


def line_groups(offsets: np.ndarray, chunk_tokens: int) -> list[tuple[int, int]]:
    """(first line, end line) of consecutive groups of whole lines, each of about
    `chunk_tokens` tokens (a longer line is a group of its own)."""
    n_lines = offsets.shape[0] - 1
    if n_lines <= 0:
        return []
    targets = np.arange(chunk_tokens, int(offsets[-1]), chunk_tokens)
    cuts = np.searchsorted(offsets, targets, side="left")
    bounds = np.unique(np.concatenate([[0], np.clip(cuts, 0, n_lines), [n_lines]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def mine_word_corpus(wc: Any, seg: Any, opts: TemplateOptions, *,
                     progress: bool | None = None, workers: int = 1) -> Templates:
    """Mine templates from a word-id corpus cut by `seg` (see `mine_templates`); `progress`:
    a tqdm bar over the hard-EM rounds on stderr (None: only when stderr is a terminal).
    `workers` > 1: the parses of a corpus on disk (a WordShards) run in worker processes."""
    if workers > 1 and hasattr(wc, "ids_file"):
        from mentropy.batch import open_pool

        pool = open_pool(workers)
        ok = False
        try:
            found = _mine(wc, seg, opts, progress, pool)
            ok = True
            return found
        finally:
            pool.close(abort=not ok)
    return _mine(wc, seg, opts, progress, None)


def _mine(wc: Any, seg: Any, opts: TemplateOptions, progress: bool | None,
          pool: Any) -> Templates:
    """mine_word_corpus, its parses run by `pool` (None: in this process)."""
    import sys

    from tqdm import tqdm

    t0 = time.perf_counter()
    strings, tok_of_word, punct = token_table(wc, opts.classes)
    n_tok = int(wc.offsets[-1])
    min_count = opts.min_count or default_min_count(n_tok)
    links = strong_links(wc, tok_of_word, len(strings), opts, min_count)
    elements, cand_counts = candidates(wc, tok_of_word, punct, links, opts, min_count)
    log.info("%s strong links, %s candidate templates (min count %d) in %.1f s",
             f"{links.shape[0]:,}", f"{len(elements):,}", min_count, time.perf_counter() - t0)
    lp_word = word_log_p(seg, wc.words)
    lp_tok = np.zeros(len(strings), np.float64)
    lp_tok[:len(wc.words)] = lp_word
    codes = np.array([mark_class(w) if p else 0 for w, p in zip(strings, punct.tolist())],
                     dtype=np.int8)
    scores = TokenScores(tok_of_word, lp_word, codes, len(wc.words))
    flat_bits = -token_sum(wc, lp_word) / max(n_tok, 1) / math.log(2)
    reports = [RoundReport(0, 0, 0, flat_bits, flat_bits, 0)]
    log.info("flat: %.4f bits/word", flat_bits)
    counts = np.asarray(cand_counts, dtype=np.float64)
    fill = None
    bar = tqdm(total=opts.rounds, desc="hard EM", unit="round", file=sys.stderr,
               disable=None if progress is None else not progress, leave=False)
    for r in range(1, opts.rounds + 1):
        if not elements:
            break
        bar.update(1)
        n_fixed = np.array([sum(x >= 0 for x in e) for e in elements], dtype=np.float64)
        uses_total = counts.sum()
        flat_est = max(n_tok - float((counts * n_fixed).sum()), 1.0)
        n_units = flat_est + uses_total
        lam_t = uses_total / n_units
        tlp = np.log(counts / n_units)
        uses, logp, fill = parse_corpus(wc, scores, math.log(1 - lam_t), elements, tlp, opts,
                                        pool=pool)
        gain, cost = _gains(elements, uses, lp_tok, n_words=len(wc.words), n_tok=n_tok,
                            opts=opts)
        drop = (uses == 0) | (gain <= 0) | _one_filler(fill, uses)
        corpus_bits = -float(logp.sum()) / max(n_tok, 1) / math.log(2)
        model_bits = corpus_bits + float(cost[~drop].sum()) / max(n_tok, 1) / math.log(2)
        reports.append(RoundReport(r, len(elements), int(uses.sum()), corpus_bits, model_bits,
                                   int(drop.sum())))
        log.info("round %d: %s templates, %s uses, %.4f bits/word (%.4f with descriptions), "
                 "dropping %s", r, f"{len(elements):,}", f"{int(uses.sum()):,}", corpus_bits,
                 model_bits, f"{int(drop.sum()):,}")
        bar.set_postfix_str(f"{len(elements):,} templates, {corpus_bits:.3f} bits/word")
        if drop.sum() <= SETTLED * len(elements) or r == opts.rounds:
            break
        keep = np.flatnonzero(~drop)
        elements = [elements[i] for i in keep.tolist()]
        counts = uses[keep]
    bar.close()
    if not elements or fill is None:
        return Templates([], lexicon_digest=lexicon_digest(seg), n_units=n_tok, options=opts,
                         report=reports)
    # the last parse gives the counts and fillers; what it would still drop goes now
    fillers = _fillers(fill, elements, wc, opts.top_fillers)
    keep = np.flatnonzero(~drop)
    elements = [elements[i] for i in keep.tolist()]
    fillers = [fillers[i] for i in keep.tolist()]
    uses = uses[keep]
    n_fixed = np.array([sum(x >= 0 for x in e) for e in elements], dtype=np.float64)
    n_units = int(n_tok - float((uses * n_fixed).sum()) + uses.sum())
    gain, _ = _gains(elements, uses, lp_tok, n_words=len(wc.words), n_tok=n_tok, opts=opts)
    out = []
    for i, e in enumerate(elements):
        if uses[i] <= 0 or gain[i] <= 0:
            continue
        tokens = tuple(None if x < 0 else strings[x] for x in e)
        out.append(Template(tokens, int(uses[i]), float(gain[i]) / math.log(2), fillers[i]))
    out.sort(key=lambda t: (-t.gain, -t.count, tuple("" if x is None else x for x in t.tokens),
                            tuple(x is None for x in t.tokens)))
    log.info("%s templates in %.1f s", f"{len(out):,}", time.perf_counter() - t0)
    return Templates(out, lexicon_digest=lexicon_digest(seg), n_units=n_units, options=opts,
                     report=reports)


def _gains(elements: Sequence[tuple[int, ...]], uses: np.ndarray, lp_tok: np.ndarray, *,
           n_words: int, n_tok: int,
           opts: TemplateOptions) -> tuple[np.ndarray, np.ndarray]:
    """(gain, cost) in nats of each template: gain = uses x (nats its fixed words cost as plain
    words - nats of the template) - lam x cost; cost = the template's description (its fixed
    words spelt with the unigram, ln 2 per element and for the end)."""
    n_fixed = np.array([sum(x >= 0 for x in e) for e in elements], dtype=np.float64)
    total_uses = float(uses.sum())
    n_units = max(n_tok - float((uses * n_fixed).sum()) + total_uses, 1.0)
    lam_t = min(max(total_uses / n_units, 1e-12), 1 - 1e-12)
    flat_lp = math.log(1 - lam_t)
    gain = np.zeros(len(elements))
    cost = np.zeros(len(elements))
    for i, e in enumerate(elements):
        words = [x for x in e if 0 <= x < n_words]
        spell = -float(sum(lp_tok[x] for x in words))
        saved = spell - len(words) * flat_lp
        tlp = math.log(max(uses[i], 1e-12) / n_units)
        cost[i] = spell + (len(e) + 1) * math.log(2)
        gain[i] = uses[i] * (saved + tlp) - opts.lam * cost[i]
    return gain, cost


def _gap_children(nodes: tuple[np.ndarray, ...], elements: Sequence[tuple[int, ...]],
                  offsets: np.ndarray) -> tuple[np.ndarray, ...]:
    """The placeholder contents of every block of a parse: (template, slot number, first and
    end token index in the corpus) as arrays."""
    kind, start, end, tmpl, parent, line = nodes[:6]
    empty = np.zeros(0, np.int64)
    if not kind.shape[0]:
        return empty, empty, empty, empty
    child = np.flatnonzero(parent >= 0)
    child = child[kind[parent[child]] == 1]
    par = parent[child]
    # the children of a block follow it in pre-order, in element order: rank within parent
    order = np.argsort(par, kind="stable")
    sorted_par = par[order]
    first = np.searchsorted(sorted_par, sorted_par, side="left")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0]) - first
    ptr = np.zeros(len(elements) + 1, np.int64)
    np.cumsum([len(e) for e in elements], out=ptr[1:])
    flat = np.fromiter((x for e in elements for x in e), dtype=np.int64, count=int(ptr[-1]))
    slot_no = np.zeros(flat.shape[0], np.int64)
    for t in range(len(elements)):  # placeholders numbered within each template
        gaps = flat[ptr[t]:ptr[t + 1]] < 0
        slot_no[ptr[t]:ptr[t + 1]] = np.cumsum(gaps) - 1
    t_of = tmpl[par].astype(np.int64)
    where = ptr[t_of] + rank
    is_gap = flat[where] < 0
    base = offsets[line[child]]
    return (t_of[is_gap], slot_no[where][is_gap], (base + start[child])[is_gap],
            (base + end[child])[is_gap])


def _filler_keys(ids: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token run ids[a:b]."""
    from mentropy._kernels import spans as KS

    return KS.run_hashes(np.ascontiguousarray(ids, dtype=np.int32),
                         np.ascontiguousarray(a, dtype=np.int64),
                         np.ascontiguousarray(b, dtype=np.int64))


def _filler_table(nodes: tuple[np.ndarray, ...], elements: Sequence[tuple[int, ...]],
                  offsets: np.ndarray, ids: np.ndarray) -> tuple:
    """The placeholders' contents in a parse: distinct (template, slot, filler hash) rows
    (uint64[m, 3], sorted), how often each occurs, and where its first occurrence starts and
    ends (token positions in `ids`, the parsed lines' tokens; `offsets`: their lines in
    `ids`)."""
    t, slot, a, b = _gap_children(nodes, elements, offsets)
    if not t.shape[0]:
        empty = np.zeros(0, np.int64)
        return np.zeros((0, 3), np.uint64), empty, empty, empty
    keys = _filler_keys(ids, a, b)
    rows = np.stack([t.astype(np.uint64), slot.astype(np.uint64), keys], axis=1)
    uniq, first, counts = np.unique(rows, axis=0, return_index=True, return_counts=True)
    return uniq, counts.astype(np.int64), a[first], b[first]


def _merge_filler_tables(tables: Sequence[tuple]) -> tuple:
    """Filler tables of consecutive groups of lines as the table of all of them: counts
    added, the first occurrence the earliest group's."""
    if len(tables) == 1:
        return tables[0]
    if not tables:
        empty = np.zeros(0, np.int64)
        return np.zeros((0, 3), np.uint64), empty, empty, empty
    rows = np.concatenate([x[0] for x in tables])
    uniq, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    counts = np.zeros(uniq.shape[0], np.int64)
    np.add.at(counts, inverse.reshape(-1), np.concatenate([x[1] for x in tables]))
    a = np.concatenate([x[2] for x in tables])[first]
    b = np.concatenate([x[3] for x in tables])[first]
    return uniq, counts, a, b


def _one_filler(fill: tuple, uses: np.ndarray) -> np.ndarray:
    """Templates with a placeholder that one filler fills in more than ONE_FILLER of the uses:
    a word split apart or a phrase, not a template (`fill`: the round's filler table)."""
    uniq, counts = fill[0], fill[1]
    top = np.zeros(uses.shape[0], np.int64)
    if uniq.shape[0]:
        np.maximum.at(top, uniq[:, 0].astype(np.int64), counts)
    return top > ONE_FILLER * uses


def _fillers(fill: tuple, elements: Sequence[tuple[int, ...]], wc: Any,
             top: int) -> list[tuple[tuple[tuple[str, int], ...], ...]]:
    """The `top` most frequent fillers (text, count) of each placeholder of each template
    (`fill`: the last round's filler table); ties by text."""
    n_slots = [sum(x < 0 for x in e) for e in elements]
    result: list[list[Counter]] = [[Counter() for _ in range(k)] for k in n_slots]
    uniq, counts, a, b = fill
    if top > 0 and uniq.shape[0]:
        # the most frequent 2 * top keys of each slot (ties by key), then text and exact ties
        order = np.lexsort((uniq[:, 2], -counts, uniq[:, 1], uniq[:, 0]))
        group = uniq[order][:, :2]
        new = np.ones(order.shape[0], bool)
        new[1:] = np.any(group[1:] != group[:-1], axis=1)
        starts = np.flatnonzero(new)
        sizes = np.diff(np.append(starts, order.shape[0]))
        rank = np.arange(order.shape[0]) - np.repeat(starts, sizes)
        words = wc.words
        for k in order[rank < 2 * top].tolist():
            text = "".join(words[w] for w in wc.token_ids(a[k], b[k]).tolist())
            result[int(uniq[k, 0])][int(uniq[k, 1])][text] += int(counts[k])
    return [tuple(tuple(sorted(cnt.items(), key=lambda x: (-x[1], x[0]))[:top])
                  for cnt in slots) for slots in result]
