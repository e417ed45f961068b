"""The unigram Viterbi (DESIGN §4) and every kernel that runs it: one body, one scoring rule.

The Segmenter (:func:`segment_lines`), the lexicon builder's re-segmentation of its corpus (the
same :func:`segment_lines`) and its description-length pruning (:func:`best_split` inside
:func:`prune_by_description_length` and :func:`word_pmi`) all run :func:`_best_route` over the
code point trie of mentropy/_kernels/trie.py. The one exception: the builder's repeated
re-segmentations of an in-memory corpus find the trie's words once (:func:`match_lattice`)
and run the same recurrence over them (:func:`segment_lattice`, the body of
:func:`_best_route` for fallback 1 with every char boundary a cut, written over the found
words; tests/test_lexicon.py checks it against :func:`segment_lines`, ties included).

The path maximises the sum of the scores of its words, ``log_p[node] + shift`` for the word
ending at trie node ``node`` (``shift`` is 0 for the Segmenter, whose ``log_p`` already holds
ln(count / total); pruning passes ln(count) and -ln(total), which change as it goes). It is
computed right to left, like jieba's ``calc``: ``best[i] = max over words w = [i, e) of
score(w) + best[e]``, so the floating-point sums are the same as jieba's for the same scores.

Tie-breaking (deterministic): among equal totals the word with the larger end wins (the
longer word at the leftmost position where the paths differ), which is jieba's rule too.

Reachability: a word that starts or ends where a cut is not allowed (inside an atom), or
whose score is not finite, is ignored. An atom boundary i gets a fallback "unknown atom" word
[i, next boundary) scored ``unk_log_p + shift`` when
    fallback == 0: no word starts at i (jieba's rule: a known word is never broken up into
                   unknown pieces);
    fallback == 1: no word is exactly that single atom (every boundary stays reachable).
Either way a path always exists from a line's start to its end. The lexicon builder uses
fallback 1 and an unknown score of a count of 1, as the Segmenter does by default, so a
lexicon segments its training corpus exactly as the builder did.
"""
import numpy as np
from numba import njit


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
def _best_route(root, table, filt, bits, log_p, shift, cps, may_cut, a, b, unk_log_p, every,
                best, route, record, route_node):
    # the best path of cps[a:b]: fills best[a:b + 1] and route[a:b] (the end of the word
    # starting at each atom boundary on the path); best[a] is the path's score. With
    # `record`, route_node[i] is the trie node of that word (-1: the unknown atom).
    ninf = -np.inf
    pinf = np.inf
    unk = unk_log_p + shift
    best[b] = 0.0
    nxt = b  # the next atom boundary to the right of i
    for i in range(b - 1, a - 1, -1):
        if i != a and may_cut[i] == 0:
            continue
        # start from the unknown atom [i, nxt); the first dictionary word found replaces
        # it when it is the atom itself (every) or whatever it is (jieba's rule)
        score = unk + best[nxt]
        end = nxt
        end_node = np.int64(-1)
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
                s = s_k + shift + best[j]
                if fresh and (j == nxt or not every):
                    score = s
                    end = j
                    end_node = node
                elif s > score or (s == score and j > end):
                    score = s
                    end = j
                    end_node = node
                fresh = False
            if j >= b:
                break
            node = _trie_child(table, filt, bits, node, np.int64(cps[j]))
            j += 1
        best[i] = score
        route[i] = end
        if record:
            route_node[i] = end_node
        nxt = i


@njit(cache=True, nogil=True)
def segment_lines(root, table, filt, bits, log_p, cps, may_cut, line_starts, line_ends, unk_log_p,
                  fallback, record):
    """Best segmentation of each line of a batch, matching the trie's words as it goes.

    Parameters
    ----------
    root, table, filt, bits : the trie (mentropy/_kernels/trie.py)
    log_p : float64[n_nodes]     score of the word ending at each node (-inf: no word ends
                                 there; non-finite scores are ignored)
    cps : uint32[n]              normalised code points of the concatenated lines
    may_cut : uint8[n + 1]       nonzero where a cut is allowed (atom boundaries); a line's
                                 start and end are always allowed, whatever this says
    line_starts, line_ends : int64[L]  line l covers cps[line_starts[l]:line_ends[l]], lines
                                 in increasing order (gaps, e.g. separators, may lie between)
    unk_log_p : float            score of a fallback unknown atom (finite)
    fallback : int               0 or 1, see the module docstring
    record : bool                also return the trie node of every word

    Releases the GIL (``nogil``): threads may cut separate ranges of lines at once, each
    line's answer is the same whatever the split.

    Returns
    -------
    word_ends : int64[m]         end position of every word, line after line
    word_offsets : int64[L + 1]  the words of line l end at word_ends[word_offsets[l]:
                                 word_offsets[l + 1]] (an empty line has none)
    word_nodes : int64[m]        with `record`, the trie node of every word (-1 for an
                                 unknown atom); empty otherwise
    """
    n_lines = line_starts.shape[0]
    n = may_cut.shape[0] - 1
    best = np.empty(n + 1, np.float64)
    route = np.empty(n + 1, np.int64)
    route_node = np.empty(n + 1 if record else 1, np.int64)
    word_ends = np.empty(n, np.int64)
    word_nodes = np.empty(n if record else 0, np.int64)
    word_offsets = np.zeros(n_lines + 1, np.int64)
    every = fallback != 0
    m = 0
    for line in range(n_lines):
        a = line_starts[line]
        b = line_ends[line]
        _best_route(root, table, filt, bits, log_p, 0.0, cps, may_cut, a, b, unk_log_p, every,
                    best, route, record, route_node)
        i = a
        while i < b:
            if record:
                word_nodes[m] = route_node[i]
            i = route[i]
            word_ends[m] = i
            m += 1
        word_offsets[line + 1] = m
    return word_ends[:m].copy(), word_offsets, word_nodes[:m if record else 0].copy()


@njit(cache=True, nogil=True)
def match_lattice(root, table, filt, bits, is_word, cps, line_starts, line_ends):
    """The trie's words at every position of lines where every char boundary is a cut (the
    lexicon builder's fragments), for :func:`segment_lattice`: the words the walk of
    :func:`_best_route` meets, found once for all the Viterbi runs over the same trie shape.

    is_word : uint8[n_nodes]  nonzero at nodes whose score may ever be finite (the others are
                              left out)
    cps : uint32[n]; line_starts, line_ends : int64[L]  as for :func:`segment_lines`
    Returns
    -------
    first : int32[n]        node of the one-char word cps[i] (0 when none)
    off : int32[n + 1]      the longer words starting at i are ends[off[i]:off[i + 1]]
                            (fewer than 2 ** 31 of them: callers pass parts of a corpus)
    ends : int32[m], nodes : int32[m]  their ends (ascending per position) and trie nodes
    """
    n = cps.shape[0]
    first = np.empty(n, np.int32)
    off = np.empty(n + 1, np.int32)
    for i in range(n):  # positions between lines (if any) start no word
        first[i] = 0
    off[0] = 0
    cap = n + 16  # a guess (fewer longer words than chars); else a second pass with room
    m = 0
    for attempt in range(2):
        ends = np.empty(cap, np.int32)
        nodes = np.empty(cap, np.int32)
        m = 0
        pos = 0
        for line in range(line_starts.shape[0]):
            a = line_starts[line]
            b = line_ends[line]
            while pos < a:
                pos += 1
                off[pos] = m
            for i in range(a, b):
                c = np.int64(cps[i])
                if c < 65536:
                    node = np.int64(root[c])
                else:
                    node = _trie_child(table, filt, bits, np.int64(0), c)
                first[i] = max(node, 0)
                j = i + 1
                while node > 0 and j < b:
                    node = _trie_child(table, filt, bits, node, np.int64(cps[j]))
                    j += 1
                    if node > 0 and is_word[node] != 0:
                        if m < cap:
                            ends[m] = j
                            nodes[m] = node
                        m += 1
                pos = i + 1
                off[pos] = m
        while pos < n:
            pos += 1
            off[pos] = m
        if m <= cap:
            break
        cap = m
    return first, off, ends[:m].copy(), nodes[:m].copy()


@njit(cache=True, nogil=True)
def segment_lattice(first, off, ends, nodes, log_p, line_starts, line_ends, unk_log_p,
                    counting):
    """:func:`segment_lines` (fallback 1, nodes recorded, a cut allowed at every char
    boundary) over the words found by :func:`match_lattice`: the same scores in the same
    order, so the same segmentation, without walking the trie again.

    Returns (word_ends, word_offsets, word_nodes) as :func:`segment_lines` does; with
    `counting` (the builder's word counts), (unknown, word_offsets, uses) instead:
    unknown : int64[u]        the start of every unknown atom (a word of node -1)
    uses : int64[n_nodes + 1] how many words end at each node, at slot node + 1 (slot 0:
                              the unknown atoms)
    """
    n_lines = line_starts.shape[0]
    n = first.shape[0]
    ninf = -np.inf
    pinf = np.inf
    shift = 0.0
    unk = unk_log_p + shift
    longest = 0
    for line in range(n_lines):
        longest = max(longest, line_ends[line] - line_starts[line])
    # the path's scratch for one line at a time, indexed from the line's start: small
    # enough to stay in cache
    best = np.empty(longest + 1, np.float64)
    route = np.empty(longest + 1, np.int64)
    route_node = np.empty(longest + 1, np.int64)
    word_ends = np.empty(n, np.int64)  # counting: the unknown atoms' starts
    word_nodes = np.empty(0 if counting else n, np.int64)
    uses = np.zeros(log_p.shape[0] + 1 if counting else 0, np.int64)
    word_offsets = np.zeros(n_lines + 1, np.int64)
    u = 0
    m = 0
    for line in range(n_lines):
        a = line_starts[line]
        b = line_ends[line]
        best[b - a] = 0.0
        best_next = 0.0  # best[i + 1 - a], kept in a register
        e_stop = off[b]
        for i in range(b - 1, a - 1, -1):
            # as _best_route with every = True: the unknown atom [i, i + 1) first, replaced
            # by the one-char word, then the longer words in order of their ends, compared
            # as any other word (they do not end at the atom's end)
            nxt = i + 1
            score = unk + best_next
            end = nxt
            end_node = np.int64(-1)
            node = np.int64(first[i])
            if node > 0:
                s_k = log_p[node]
                if s_k > ninf and s_k < pinf:
                    score = s_k + shift + best_next
                    end_node = node
            e_start = off[i]
            for e in range(e_start, e_stop):
                node = np.int64(nodes[e])
                s_k = log_p[node]
                if s_k > ninf and s_k < pinf:
                    j = np.int64(ends[e])
                    s = s_k + shift + best[j - a]
                    if s > score or (s == score and j > end):
                        score = s
                        end = j
                        end_node = node
            e_stop = e_start
            best[i - a] = score
            best_next = score
            route[i - a] = end
            route_node[i - a] = end_node
        i = a
        while i < b:
            if counting:
                uses[route_node[i - a] + 1] += 1
                if route_node[i - a] < 0:
                    word_ends[u] = i
                    u += 1
                i = route[i - a]
            else:
                word_nodes[m] = route_node[i - a]
                i = route[i - a]
                word_ends[m] = i
            m += 1
        word_offsets[line + 1] = m
    if counting:
        return word_ends[:u].copy(), word_offsets, uses
    return word_ends[:m].copy(), word_offsets, word_nodes[:m].copy()


@njit(cache=True, inline="always")
def best_split(root, table, filt, bits, node_log, ln_total, cps, a, b, ones, best, route, parts):
    """Best split of the word cps[a:b] by the other words: the Viterbi of :func:`segment_lines`
    with word scores node_log[node] - ln_total and unknown single characters scored as a count
    of 1 (-ln_total); the caller sets the word's own node_log entry to -inf.

    node_log : float64[n_nodes]  ln(count) of the word at each node, -inf where none is active
    ones : uint8[>= b + 1]       all ones (every character boundary is a cut)
    best, route : float64/int64 scratch of length >= b + 1
    parts : int64[>= b + 1]      parts[:k] is filled with the node of each part (-1: an unknown
                                 character that is no node); the rest is scratch
    Returns (k, score): the number of parts and the split's log-probability. Inlined into
    its two callers (numba IR): compiling it on its own cost ~0.3 s of the first run.
    """
    on = b > a  # True, as a run-time bool: a literal True would compile _best_route again
    _best_route(root, table, filt, bits, node_log, -ln_total, cps, ones, a, b, 0.0, on, best,
                route, on, parts)
    k = 0
    i = a
    while i < b:
        node = parts[i]  # k <= i: the node of the word starting at i
        if node < 0:  # an unknown char: its node, if it has one (an entry of count 0)
            c = np.int64(cps[i])
            node = np.int64(root[c]) if c < 65536 else _trie_child(table, filt, bits,
                                                                   np.int64(0), c)
        parts[k] = node
        k += 1
        i = route[i]
    return k, best[a]


@njit(cache=True)
def prune_by_description_length(root, table, filt, bits, node_log, cps, woff, nodes, order,
                                counts, spell, lam, min_pmi):
    """Delete words that do not pay for their spelling, longest first (DESIGN §3 stage 3).

    cps : uint32[k], woff : int64[w + 1]  word w is cps[woff[w]:woff[w + 1]]
    node_log : float64[n_nodes]  ln(counts[w]) at node nodes[w], -inf elsewhere; updated
    nodes : int64[w]    trie node of each word (the trie holds every word)
    order : int64[.]    words to consider, in order (multi-char words, longest first)
    counts : float64[w] updated in place: a deleted word's count goes to its parts (count 0 =
                        not in the lexicon)
    spell : float64[w]  spelling cost of each word in nats
    A word w is deleted when N_w * PMI_w < lam * spell[w] or PMI_w < min_pmi, with PMI_w =
    ln p_w minus the log probability of its best split (:func:`best_split`). Returns the
    number deleted.
    """
    total = 0.0
    for w in range(counts.shape[0]):
        if counts[w] > 0:
            total += counts[w]
    node_word = np.full(node_log.shape[0], -1, np.int64)
    for w in range(nodes.shape[0]):
        node_word[nodes[w]] = w
    n = cps.shape[0]
    ones = np.ones(n + 1, np.uint8)
    best = np.empty(n + 1, np.float64)
    route = np.empty(n + 1, np.int64)
    parts = np.empty(n + 1, np.int64)
    deleted = 0
    for w in order:
        if counts[w] <= 0:
            continue
        own = nodes[w]
        ln_total = np.log(total)
        node_log[own] = -np.inf
        k, split_score = best_split(root, table, filt, bits, node_log, ln_total, cps, woff[w],
                                    woff[w + 1], ones, best, route, parts)
        node_log[own] = np.log(counts[w])
        pmi = (node_log[own] - ln_total) - split_score
        if counts[w] * pmi < lam * spell[w] or pmi < min_pmi:
            n_w = counts[w]
            credited = 0
            for m in range(k):
                if parts[m] < 0 or node_word[parts[m]] < 0:
                    continue
                p = node_word[parts[m]]
                counts[p] += n_w
                node_log[parts[m]] = np.log(counts[p])
                credited += 1
            total += n_w * (credited - 1)
            counts[w] = 0.0
            node_log[own] = -np.inf
            deleted += 1
    return deleted


@njit(cache=True)
def word_pmi(root, table, filt, bits, node_log, cps, woff, nodes, counts):
    """PMI (nats) of each multi-char word with a count against its best split by the other
    words (:func:`best_split`); node_log as in :func:`prune_by_description_length` (restored
    on return). Returns float64[w]; NaN for single chars and words of count 0.
    """
    n_words = woff.shape[0] - 1
    total = 0.0
    for w in range(n_words):
        if counts[w] > 0:
            total += counts[w]
    ln_total = np.log(max(total, 1.0))
    n = cps.shape[0]
    ones = np.ones(n + 1, np.uint8)
    best = np.empty(n + 1, np.float64)
    route = np.empty(n + 1, np.int64)
    parts = np.empty(n + 1, np.int64)
    out = np.full(n_words, np.nan)
    for w in range(n_words):
        if counts[w] <= 0 or woff[w + 1] - woff[w] < 2:
            continue
        own = nodes[w]
        saved = node_log[own]
        node_log[own] = -np.inf
        _, split_score = best_split(root, table, filt, bits, node_log, ln_total, cps, woff[w],
                                    woff[w + 1], ones, best, route, parts)
        node_log[own] = saved
        out[w] = (saved - ln_total) - split_score
    return out


@njit(cache=True)
def join_lines(cps, word_ends, word_offsets, line_starts, delimiter, newline):
    """Code points of every line's words joined by `delimiter` (uint32[d]), `newline` after
    every line.

    cps : uint32[n]          code points of separator-joined lines (the separators are dropped)
    word_ends, word_offsets : int64  as returned by :func:`segment_lines`
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
