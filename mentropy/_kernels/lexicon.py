"""Kernels of lexicon induction: the cohesion cut and description-length pruning."""
import numpy as np
from numba import njit

from mentropy._kernels.idtrie import trie_child

CODE_BITS = 16


HASH_MULT = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def key_set(keys):
    """Open-addressing set of nonzero uint64 keys: uint64[cap] (0 = empty), cap a power of 2."""
    cap = 16
    while cap < 2 * keys.shape[0]:
        cap *= 2
    table = np.zeros(cap, np.uint64)
    mask = cap - 1
    for key in keys:
        s = np.int64((key * HASH_MULT) >> np.uint64(40)) & mask
        while table[s] != 0 and table[s] != key:
            s = (s + 1) & mask
        table[s] = key
    return table


@njit(cache=True)
def in_set(table, key):
    """Whether `key` (nonzero) is in a key_set table."""
    mask = table.shape[0] - 1
    s = np.int64((key * HASH_MULT) >> np.uint64(40)) & mask
    while True:
        k = table[s]
        if k == key:
            return True
        if k == 0:
            return False
        s = (s + 1) & mask


@njit(cache=True)
def cohesion_join(ids, offsets, kept_keys, max_n):
    """Glue neighbours covered by a kept n-gram (DESIGN §3 stage 2).

    ids : int32[k], offsets : int64[f + 1]  fragments
    kept_keys : uint64[q] left-aligned keys (one word) of kept 2..max_n-grams
    Returns join : bool[k]; join[i] means ids[i] and ids[i + 1] belong to one piece.
    """
    table = key_set(kept_keys)
    join = np.zeros(ids.shape[0], np.bool_)
    for f in range(offsets.shape[0] - 1):
        a = offsets[f]
        b = offsets[f + 1]
        for i in range(a, b):
            key = np.uint64(ids[i]) << np.uint64(64 - CODE_BITS)
            for n in range(2, max_n + 1):
                if i + n > b:
                    break
                key |= np.uint64(ids[i + n - 1]) << np.uint64(64 - CODE_BITS * n)
                if in_set(table, key):
                    for j in range(i, i + n - 1):
                        join[j] = True
    return join


@njit(cache=True)
def pieces(offsets, join, n_ids):
    """Maximal glued runs: returns piece start positions int64[p + 1] (last = n_ids)."""
    starts = np.empty(n_ids + 1, np.int64)
    p = 0
    f = 0
    for i in range(n_ids):
        while offsets[f + 1] <= i:
            f += 1
        if i == offsets[f] or not join[i - 1]:
            starts[p] = i
            p += 1
    starts[p] = n_ids
    return starts[: p + 1].copy()


@njit(cache=True)
def best_split(chars, a, b, table_keys, table_vals, node_word, log_count, active, ln_total,
               skip, max_len, best, back_w, back_pos, parts):
    """Best split of chars[a:b] into active words other than `skip`.

    Score of a word = log_count[w] - ln_total. Fills parts[:k] with word indices and returns
    (k, score); k = 0 when no split exists.
    """
    n = b - a
    best[0] = 0.0
    for j in range(1, n + 1):
        best[j] = -np.inf
    for i in range(n):
        if best[i] == -np.inf:
            continue
        node = 0
        for L in range(1, min(max_len, n - i) + 1):
            node = trie_child(table_keys, table_vals, node, chars[a + i + L - 1])
            if node < 0:
                break
            w = node_word[node]
            if w >= 0 and w != skip and active[w]:
                score = best[i] + log_count[w] - ln_total
                if score > best[i + L]:
                    best[i + L] = score
                    back_w[i + L] = w
                    back_pos[i + L] = i
    if best[n] == -np.inf:
        return 0, -np.inf
    k = 0
    j = n
    while j > 0:
        k += 1
        j = back_pos[j]
    j = n
    m = k - 1
    while j > 0:
        parts[m] = back_w[j]
        m -= 1
        j = back_pos[j]
    return k, best[n]


@njit(cache=True)
def prune_by_description_length(chars, woff, order, counts, active, table_keys, table_vals,
                                node_word, spell, lam, min_pmi, max_len):
    """Delete words that do not pay for their spelling, longest first (DESIGN §3 stage 3).

    counts : float64[w] (updated in place: a deleted word's count goes to its parts)
    active : bool[w] (updated in place)
    spell : float64[w]  spelling cost of each word in nats
    order : int64[.]    words to consider, in order (multi-char words, longest first)
    A word w is deleted when N_w * PMI_w < lam * spell[w] or PMI_w < min_pmi, with PMI_w = ln p_w minus the log
    probability of its best split by the other active words. Returns the number deleted.
    """
    total = 0.0
    for w in range(counts.shape[0]):
        if active[w]:
            total += counts[w]
    log_count = np.log(np.maximum(counts, 1e-300))
    longest = 1
    for w in range(woff.shape[0] - 1):
        longest = max(longest, woff[w + 1] - woff[w])
    best = np.empty(longest + 1, np.float64)
    back_w = np.empty(longest + 1, np.int64)
    back_pos = np.empty(longest + 1, np.int64)
    parts = np.empty(longest, np.int64)
    deleted = 0
    for w in order:
        if not active[w] or counts[w] <= 0:
            continue
        ln_total = np.log(total)
        k, split_score = best_split(chars, woff[w], woff[w + 1], table_keys, table_vals,
                                    node_word, log_count, active, ln_total, w, max_len, best,
                                    back_w, back_pos, parts)
        if k == 0:
            continue
        pmi = (log_count[w] - ln_total) - split_score
        if counts[w] * pmi < lam * spell[w] or pmi < min_pmi:
            active[w] = False
            n_w = counts[w]
            for m in range(k):
                p = parts[m]
                counts[p] += n_w
                log_count[p] = np.log(counts[p])
            total += n_w * (k - 1)
            counts[w] = 0.0
            deleted += 1
    return deleted


@njit(cache=True)
def word_pmi(chars, woff, counts, active, table_keys, table_vals, node_word, max_len):
    """PMI of each active multi-char word against its best split by the other words (nats).

    Returns float64[w]; NaN for single chars, inactive words and words with no split.
    """
    n_words = woff.shape[0] - 1
    total = 0.0
    for w in range(n_words):
        if active[w]:
            total += counts[w]
    ln_total = np.log(max(total, 1.0))
    log_count = np.log(np.maximum(counts, 1e-300))
    longest = 1
    for w in range(n_words):
        longest = max(longest, woff[w + 1] - woff[w])
    best = np.empty(longest + 1, np.float64)
    back_w = np.empty(longest + 1, np.int64)
    back_pos = np.empty(longest + 1, np.int64)
    parts = np.empty(longest, np.int64)
    out = np.full(n_words, np.nan)
    for w in range(n_words):
        if not active[w] or woff[w + 1] - woff[w] < 2:
            continue
        k, split_score = best_split(chars, woff[w], woff[w + 1], table_keys, table_vals,
                                    node_word, log_count, active, ln_total, w, max_len, best,
                                    back_w, back_pos, parts)
        if k > 0:
            out[w] = (log_count[w] - ln_total) - split_score
    return out


@njit(cache=True)
def branching_entropy(ids, offsets, tok_start, tok_word, n_words):
    """Left and right branching entropy (nats) of each word over its neighbouring characters.

    The fragment edge counts as one more neighbour symbol (id 0). Returns (left, right) float64[w].
    """
    n_tok = tok_start.shape[0]
    # neighbour char of every token on each side (0 = fragment edge)
    left_c = np.zeros(n_tok, np.int64)
    right_c = np.zeros(n_tok, np.int64)
    f = 0
    for t in range(n_tok):
        s = tok_start[t]
        while offsets[f + 1] <= s:
            f += 1
        e = tok_start[t + 1] if t + 1 < n_tok and tok_start[t + 1] < offsets[f + 1] else offsets[f + 1]
        left_c[t] = ids[s - 1] if s > offsets[f] else 0
        right_c[t] = ids[e] if e < offsets[f + 1] else 0
    left = np.zeros(n_words)
    right = np.zeros(n_words)
    for side in range(2):
        ctx = left_c if side == 0 else right_c
        key = np.empty(n_tok, np.int64)
        m = 0
        for t in range(n_tok):
            if tok_word[t] >= 0:
                key[m] = tok_word[t] * 131072 + ctx[t]
                m += 1
        key = np.sort(key[:m])
        out = left if side == 0 else right
        totals = np.zeros(n_words)
        sum_clogc = np.zeros(n_words)
        i = 0
        while i < m:
            j = i
            while j < m and key[j] == key[i]:
                j += 1
            w = key[i] // 131072
            c = float(j - i)
            totals[w] += c
            sum_clogc[w] += c * np.log(c)
            i = j
        for w in range(n_words):
            if totals[w] > 0:
                out[w] = np.log(totals[w]) - sum_clogc[w] / totals[w]
    return left, right
