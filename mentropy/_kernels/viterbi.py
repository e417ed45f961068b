"""Unigram Viterbi: the maximum-probability path through a DAG of candidate words (DESIGN §4).

The path maximises the sum of the log-probabilities of its words. It is computed right to left,
like jieba's ``calc``: ``best[i] = max over words w = [i, e) of log_p(w) + best[e]``, so the
floating-point sums are the same as jieba's for the same scores.

Tie-breaking (deterministic): among equal totals the word with the larger end wins (the
longer word at the leftmost position where the paths differ), which is jieba's rule too.

Reachability: a candidate that starts or ends where a cut is not allowed (inside an atom), or
whose score is not finite, is ignored. An atom boundary i gets a fallback "unknown atom" word
[i, next boundary) scored `unk_log_p` when
    fallback == 0: no candidate starts at i (jieba's rule: a known word is never broken up into
                   unknown pieces);
    fallback == 1: no candidate is exactly that single atom (every boundary stays reachable).
Either way a path always exists from a line's start to its end.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _backtrack(route, a, b, word_ends, m):
    # append the word ends of the best path of [a, b) at word_ends[m:]; returns the new m
    i = a
    while i < b:
        i = route[i]
        word_ends[m] = i
        m += 1
    return m


@njit(cache=True)
def viterbi_lines(line_starts, line_ends, may_cut, starts, ends, log_p, unk_log_p, fallback):
    """Best segmentation of each line of a batch.

    Parameters
    ----------
    line_starts, line_ends : int64[L]  line l covers code points line_starts[l]:line_ends[l]
                                 of the concatenated text, lines in increasing order (gaps,
                                 e.g. separators, may lie between them)
    may_cut : uint8[n + 1]       nonzero where a cut is allowed; a line's start and end are
                                 always allowed, whatever this says
    starts, ends : int64[k]      candidate word k covers [starts[k], ends[k]); sorted by start
    log_p : float64[k]           score of candidate k; non-finite scores are ignored
    unk_log_p : float            score of a fallback unknown atom (finite)
    fallback : int               0 or 1, see the module docstring

    Returns
    -------
    word_ends : int64[m]         end position of every word, line after line
    word_offsets : int64[L + 1]  the words of line l end at word_ends[word_offsets[l]:
                                 word_offsets[l + 1]] (an empty line has none)
    """
    n_lines = line_starts.shape[0]
    n = may_cut.shape[0] - 1
    best = np.empty(n + 1, np.float64)
    route = np.empty(n + 1, np.int64)
    word_ends = np.empty(n, np.int64)
    word_offsets = np.zeros(n_lines + 1, np.int64)
    ninf = -np.inf
    pinf = np.inf
    n_cand = starts.shape[0]
    lo = 0  # first candidate with start >= line start
    m = 0
    for line in range(n_lines):
        a = line_starts[line]
        b = line_ends[line]
        while lo < n_cand and starts[lo] < a:
            lo += 1
        hi = lo
        while hi < n_cand and starts[hi] < b:
            hi += 1
        best[b] = 0.0
        nxt = b
        k = hi - 1
        for i in range(b - 1, a - 1, -1):
            if i != a and may_cut[i] == 0:
                continue
            while k >= lo and starts[k] > i:
                k -= 1
            score = ninf
            end = np.int64(-1)
            has_start = False
            has_single = False
            while k >= lo and starts[k] == i:
                e = ends[k]
                s_k = log_p[k]
                k -= 1
                if e <= i or e > b or (e != b and may_cut[e] == 0):
                    continue
                if not (s_k > ninf and s_k < pinf):
                    continue
                has_start = True
                if e == nxt:
                    has_single = True
                s = s_k + best[e]
                if s > score or (s == score and e > end):
                    score = s
                    end = e
            if (fallback == 0 and not has_start) or (fallback != 0 and not has_single):
                s = unk_log_p + best[nxt]
                if s > score or (s == score and nxt > end):
                    score = s
                    end = nxt
            best[i] = score
            route[i] = end
            nxt = i
        m = _backtrack(route, a, b, word_ends, m)
        word_offsets[line + 1] = m
        lo = hi
    return word_ends[:m].copy(), word_offsets


@njit(cache=True)
def viterbi(may_cut, starts, ends, log_p, unk_log_p, fallback):
    """Cut positions (int64, the end of every word) of one text of n = len(may_cut) - 1 code
    points; see :func:`viterbi_lines` for the arguments."""
    line_starts = np.zeros(1, np.int64)
    line_ends = np.full(1, may_cut.shape[0] - 1, np.int64)
    word_ends, _ = viterbi_lines(line_starts, line_ends, may_cut, starts, ends, log_p,
                                 unk_log_p, fallback)
    return word_ends


# -- matching and Viterbi in one pass over a trie -------------------------------------------
# The trie layout is the one of mentropy/_kernels/trie.py. Its lookup is repeated here on
# purpose: numba's cache does not notice changes to helpers in other files
# (tests/test_segment.py checks that both agree).
TRIE_CP_BITS = 21
TRIE_EMPTY = -1
TRIE_HASH_MUL = 0x9E3779B97F4A7C15
TRIE_FILTER_EXTRA_BITS = 3
TRIE_FILTER_MUL = 0xC2B2AE3D27D4EB4F


_HASH_MUL_U64 = np.uint64(TRIE_HASH_MUL)
_FILTER_MUL_U64 = np.uint64(TRIE_FILTER_MUL)


@njit(cache=True)
def _trie_child(table, filt, bits, node, c):
    # the child of `node` along code point `c` (not a root edge of a BMP character), or -1
    key = (np.int64(node) << TRIE_CP_BITS) | np.int64(c)
    f = np.int64((np.uint64(key) * _FILTER_MUL_U64)
                 >> np.uint64(64 - TRIE_FILTER_EXTRA_BITS - bits))
    if (filt[f >> 6] >> np.uint64(f & 63)) & np.uint64(1) == np.uint64(0):
        return np.int64(-1)
    mask = (np.int64(1) << bits) - 1
    s = np.int64((np.uint64(key) * _HASH_MUL_U64) >> np.uint64(64 - bits))
    while True:
        k = table[2 * s]
        if k == key:
            return table[2 * s + 1]
        if k == TRIE_EMPTY:
            return np.int64(-1)
        s = (s + 1) & mask


@njit(cache=True)
def segment_lines(root, table, filt, bits, log_p, cps, may_cut, line_starts, line_ends, unk_log_p,
                  fallback):
    """Match a trie's words and run :func:`viterbi_lines` in one pass, without candidate arrays.

    root, table, filt, bits : the trie (mentropy/_kernels/trie.py)
    log_p : float64[n_nodes]  score of the word ending at each node (-inf: no word ends there)
    cps : uint32[n]           normalised code points of the concatenated lines
    may_cut, line_starts, line_ends, unk_log_p, fallback : as in :func:`viterbi_lines`
    Returns (word_ends int64[m], word_offsets int64[L + 1]) exactly as :func:`viterbi_lines`
    given the candidates of ``trie.match_lines``.
    """
    n_lines = line_starts.shape[0]
    n = may_cut.shape[0] - 1
    best = np.empty(n + 1, np.float64)
    route = np.empty(n + 1, np.int64)
    word_ends = np.empty(n, np.int64)
    word_offsets = np.zeros(n_lines + 1, np.int64)
    ninf = -np.inf
    pinf = np.inf
    every = fallback != 0
    m = 0
    for line in range(n_lines):
        a = line_starts[line]
        b = line_ends[line]
        best[b] = 0.0
        nxt = b  # the next atom boundary to the right of i
        for i in range(b - 1, a - 1, -1):
            if i != a and may_cut[i] == 0:
                continue
            # start from the unknown atom [i, nxt); the first dictionary word found replaces
            # it when it is the atom itself (every) or whatever it is (jieba's rule)
            score = unk_log_p + best[nxt]
            end = nxt
            fresh = True
            c = np.int64(cps[i])
            if c < 65536:
                node = np.int64(root[c])
            else:
                node = _trie_child(table, filt, bits, np.int64(0), c)
            j = i + 1
            while node > 0:
                s_k = log_p[node]
                if s_k > ninf and s_k < pinf and (j == b or may_cut[j] != 0):
                    s = s_k + best[j]
                    if fresh and (j == nxt or not every):
                        score = s
                        end = j
                    elif s > score or (s == score and j > end):
                        score = s
                        end = j
                    fresh = False
                if j >= b:
                    break
                node = _trie_child(table, filt, bits, node, np.int64(cps[j]))
                j += 1
            best[i] = score
            route[i] = end
            nxt = i
        m = _backtrack(route, a, b, word_ends, m)
        word_offsets[line + 1] = m
    return word_ends[:m].copy(), word_offsets


@njit(cache=True)
def join_lines(cps, word_ends, word_offsets, line_starts, delimiter, newline):
    """Code points of every line's words joined by `delimiter` (uint32[d]), `newline` after
    every line.

    cps : uint32[n]          code points of separator-joined lines (the separators are dropped)
    word_ends, word_offsets : int64  as returned by :func:`viterbi_lines`
    line_starts : int64[L]   first position of each line
    """
    n_lines = line_starts.shape[0]
    d = delimiter.shape[0]
    inner = 0  # delimiters: one between two words of a line
    for line in range(n_lines):
        inner += max(word_offsets[line + 1] - word_offsets[line] - 1, 0)
    out = np.empty(cps.shape[0] + n_lines + d * inner, np.uint32)
    k = 0
    for line in range(n_lines):
        p = line_starts[line]
        for w in range(word_offsets[line], word_offsets[line + 1]):
            if w > word_offsets[line]:
                for t in range(d):
                    out[k] = delimiter[t]
                    k += 1
            e = word_ends[w]
            while p < e:
                out[k] = cps[p]
                k += 1
                p += 1
        out[k] = newline
        k += 1
    return out[:k].copy()
