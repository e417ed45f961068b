"""A trie over char-id sequences (open addressing on (node, char)) and unigram Viterbi over ids.

Words are given as CSR: word w is chars[woff[w]:woff[w + 1]] (ids >= 1). The trie is
(table_keys uint64[cap], table_vals int64[cap], node_word int64[nodes]); node 0 is the root and
node_word[v] is the word ending at node v, or -1.
"""
import numpy as np
from numba import njit, prange

HASH_MULT = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def _slot(key, mask):
    return np.int64((key * HASH_MULT) >> np.uint64(40)) & mask


@njit(cache=True)
def trie_child(table_keys, table_vals, node, c):
    """Child of `node` by char id `c`, or -1."""
    key = np.uint64(node) * np.uint64(65536) + np.uint64(c) + np.uint64(1)
    mask = table_keys.shape[0] - 1
    s = _slot(key, mask)
    while True:
        k = table_keys[s]
        if k == key:
            return table_vals[s]
        if k == 0:
            return -1
        s = (s + 1) & mask


@njit(cache=True)
def build_trie(chars, woff):
    """Build the trie of all words. Returns (table_keys, table_vals, node_word)."""
    n_words = woff.shape[0] - 1
    max_nodes = chars.shape[0] + 1
    cap = 16
    while cap < 2 * max_nodes:
        cap *= 2
    table_keys = np.zeros(cap, np.uint64)
    table_vals = np.full(cap, -1, np.int64)
    node_word = np.full(max_nodes, -1, np.int64)
    mask = cap - 1
    n_nodes = 1
    for w in range(n_words):
        node = 0
        for i in range(woff[w], woff[w + 1]):
            key = np.uint64(node) * np.uint64(65536) + np.uint64(chars[i]) + np.uint64(1)
            s = _slot(key, mask)
            while True:
                k = table_keys[s]
                if k == key:
                    node = table_vals[s]
                    break
                if k == 0:
                    table_keys[s] = key
                    table_vals[s] = n_nodes
                    node = n_nodes
                    n_nodes += 1
                    break
                s = (s + 1) & mask
        node_word[node] = w
    return table_keys, table_vals, node_word[:n_nodes].copy()


@njit(cache=True)
def viterbi_span(ids, a, b, table_keys, table_vals, node_word, log_p, active, unk_log_p,
                 max_len, best, back_w, back_pos):
    """Best segmentation of ids[a:b] into active words (unknown single chars cost unk_log_p).

    Fills best/back_w/back_pos (float64/int64 scratch of length >= b - a + 1) and returns the
    number of tokens. Ties go to the longer last word (checked first), deterministically.
    """
    n = b - a
    best[0] = 0.0
    for j in range(1, n + 1):
        best[j] = -np.inf
    for i in range(n):
        if best[i] == -np.inf:
            continue
        base = best[i]
        # unknown single char
        single_done = False
        node = 0
        for L in range(1, min(max_len, n - i) + 1):
            node = trie_child(table_keys, table_vals, node, ids[a + i + L - 1])
            if node < 0:
                break
            w = node_word[node]
            if w >= 0 and active[w]:
                score = base + log_p[w]
                if score > best[i + L]:
                    best[i + L] = score
                    back_w[i + L] = w
                    back_pos[i + L] = i
                if L == 1:
                    single_done = True
        if not single_done:
            score = base + unk_log_p
            if score > best[i + 1]:
                best[i + 1] = score
                back_w[i + 1] = -1
                back_pos[i + 1] = i
    count = 0
    j = n
    while j > 0:
        count += 1
        j = back_pos[j]
    return count


@njit(cache=True, parallel=True)
def segment_fragments(ids, offsets, table_keys, table_vals, node_word, log_p, active, unk_log_p,
                      max_len, chunks):
    """Unigram Viterbi over every fragment, chunks of fragments in parallel.

    chunks : int64[c + 1]  fragment ranges processed by one task (from data size only, so the
                          result is the same for any thread count)
    Returns (tok_start int64[t], tok_word int64[t]): start position (into ids) and word index
    (-1 = unknown single char) of each token, in order; a token ends where the next starts or
    at its fragment's end.
    """
    total = ids.shape[0]
    is_start = np.zeros(total, np.bool_)
    word_at = np.empty(total, np.int64)
    for c in prange(chunks.shape[0] - 1):
        longest = 0
        for f in range(chunks[c], chunks[c + 1]):
            longest = max(longest, offsets[f + 1] - offsets[f])
        best = np.empty(longest + 1, np.float64)
        back_w = np.empty(longest + 1, np.int64)
        back_pos = np.empty(longest + 1, np.int64)
        for f in range(chunks[c], chunks[c + 1]):
            a = offsets[f]
            b = offsets[f + 1]
            viterbi_span(ids, a, b, table_keys, table_vals, node_word, log_p, active,
                         unk_log_p, max_len, best, back_w, back_pos)
            j = b - a
            while j > 0:
                is_start[a + back_pos[j]] = True
                word_at[a + back_pos[j]] = back_w[j]
                j = back_pos[j]
    tok_start = np.flatnonzero(is_start).astype(np.int64)
    tok_word = np.empty(tok_start.shape[0], np.int64)
    for t in range(tok_start.shape[0]):
        tok_word[t] = word_at[tok_start[t]]
    return tok_start, tok_word
