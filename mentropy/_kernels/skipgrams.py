"""Skip-gram pair counts over word ids (DESIGN §5).

A pair is an ordered (u, v) with v 1..window tokens after u inside one fragment. Its key packs
the two ids and the distance bucket: ``u << 33 | v << 1 | gapped`` (gapped = 0 when v follows u
directly, 1 when words lie between), so ids must be below 2**31. Tables are (keys uint64[m],
counts int64[m]) with keys strictly ascending: the adjacent and the gapped entry of one pair sit
side by side, and tables of shards merge into the table of the whole with the one merge of
every count table, `ngrams.merge_sorted` (keys as one-word rows).
"""
import numpy as np
from numba import njit

U_SHIFT = 33
V_SHIFT = 1


@njit(cache=True)
def n_pairs(offsets, window):
    """Number of pair slots: Σ over fragments of Σ_{d=1..window} max(0, len - d)."""
    total = 0
    for f in range(offsets.shape[0] - 1):
        length = offsets[f + 1] - offsets[f]
        for d in range(1, window + 1):
            if length > d:
                total += length - d
    return total


@njit(cache=True)
def pack_pairs(ids, offsets, window):
    """Keys of every pair slot, unsorted.

    ids : int32[k]        token ids 0..2**31-1, fragments concatenated
    offsets : int64[f+1]  fragment f is ids[offsets[f]:offsets[f + 1]]
    window : int          >= 1
    Returns uint64[n_pairs(offsets, window)].
    """
    out = np.empty(n_pairs(offsets, window), np.uint64)
    m = 0
    for f in range(offsets.shape[0] - 1):
        a = offsets[f]
        b = offsets[f + 1]
        for i in range(a, b):
            u = np.uint64(ids[i]) << np.uint64(U_SHIFT)
            for d in range(1, window + 1):
                if i + d >= b:
                    break
                key = u | (np.uint64(ids[i + d]) << np.uint64(V_SHIFT))
                if d > 1:
                    key |= np.uint64(1)
                out[m] = key
                m += 1
    return out


@njit(cache=True)
def run_length_keys(sorted_keys):
    """(distinct keys, counts) of a sorted uint64 array."""
    n = sorted_keys.shape[0]
    keys = np.empty(n, np.uint64)
    counts = np.empty(n, np.int64)
    m = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        keys[m] = sorted_keys[i]
        counts[m] = j - i
        m += 1
        i = j
    return keys[:m].copy(), counts[:m].copy()


@njit(cache=True)
def count_pairs(ids, offsets, window):
    """Sorted (keys uint64[m], counts int64[m]) of the pairs of `pack_pairs`."""
    keys = pack_pairs(ids, offsets, window)
    keys.sort()
    return run_length_keys(keys)


@njit(cache=True)
def strong_pairs(pairs, pair_counts, unigram, n_slots, n_tok, min_count, min_proba, min_pmi):
    """The strong links among distinct pair keys with their counts over both distance
    buckets (`pairs`: pack_pairs keys with the bucket bit cleared, ascending, as
    mining.pair_table gives them): ``u << 32 | v`` (uint64, ascending) of every pair (u, v) with count
    N_uv >= min_count, N_uv / n_slots > min_proba and PMI = ln N_uv - ln n_slots + 2 ln n_tok
    - ln N_u - ln N_v > min_pmi (unigram : int64 or float64 counts per id)."""
    m = pairs.shape[0]
    out = np.empty(m, np.uint64)
    n_out = 0
    mask = np.uint64(0xFFFFFFFF)
    base = 2.0 * np.log(n_tok) - np.log(n_slots)
    for i in range(m):
        pair = pairs[i]
        count = pair_counts[i]
        if count >= min_count and count / n_slots > min_proba:
            u = np.int64(pair >> np.uint64(U_SHIFT))
            v = np.int64((pair >> np.uint64(V_SHIFT)) & mask)
            pmi = np.log(count) + base - np.log(unigram[u]) - np.log(unigram[v])
            if pmi > min_pmi:
                out[n_out] = pair >> np.uint64(1)
                n_out += 1
    return out[:n_out].copy()


@njit(cache=True)
def unpack_pairs(keys):
    """(u int32[m], v int32[m], gapped int8[m]) of packed keys."""
    m = keys.shape[0]
    u = np.empty(m, np.int32)
    v = np.empty(m, np.int32)
    gapped = np.empty(m, np.int8)
    mask = np.uint64((1 << 32) - 1)
    for i in range(m):
        u[i] = np.int32(keys[i] >> np.uint64(U_SHIFT))
        v[i] = np.int32((keys[i] >> np.uint64(V_SHIFT)) & mask)
        gapped[i] = np.int8(keys[i] & np.uint64(1))
    return u, v, gapped


@njit(cache=True)
def pair_totals(keys, counts):
    """Fold the two distance buckets: (pair keys with the bucket bit cleared, strictly
    ascending, uint64[p]; adjacent counts int64[p]; all-distance counts int64[p])."""
    m = keys.shape[0]
    out = np.empty(m, np.uint64)
    adj = np.zeros(m, np.int64)
    tot = np.zeros(m, np.int64)
    p = -1
    one = np.uint64(1)
    for i in range(m):
        k = keys[i] & ~one
        if p < 0 or out[p] != k:
            p += 1
            out[p] = k
        if keys[i] & one:
            tot[p] += counts[i]
        else:
            adj[p] += counts[i]
            tot[p] += counts[i]
    return out[:p + 1].copy(), adj[:p + 1].copy(), tot[:p + 1].copy()


# -- template candidates: chains of strong links --------------------------------------------

SEP = 1  # a separating mark (，。、；！？ and spaces): never the first or last fixed token
MARK = 2  # other punctuation: may be a fixed token anywhere (X：“X”)


@njit(cache=True)
def _link_index(links, n_vocab):
    """ptr int64[n_vocab + 1]: the links of u are links[ptr[u]:ptr[u + 1]] (links sorted)."""
    ptr = np.zeros(n_vocab + 1, np.int64)
    for k in range(links.shape[0]):
        ptr[np.int64(links[k] >> np.uint64(32)) + 1] += 1
    for u in range(n_vocab):
        ptr[u + 1] += ptr[u]
    return ptr


@njit(cache=True)
def _strong(links, ptr, u, v):
    """Is (u, v) in the sorted uint64 array of `u << 32 | v` link keys? (ptr: `_link_index`)"""
    key = (np.uint64(u) << np.uint64(32)) | np.uint64(v)
    lo = ptr[u]
    hi = ptr[u + 1]
    end = hi
    while lo < hi:
        mid = (lo + hi) // 2
        if links[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo < end and links[lo] == key


@njit(cache=True)
def _next_link(toks, links, ptr, a, b, window):
    """Nearest position j in (a, a + window] before b with (toks[a], toks[j]) a strong link,
    or -1."""
    for j in range(a + 1, min(b, a + window + 1)):
        if _strong(links, ptr, toks[a], toks[j]):
            return j
    return -1


@njit(cache=True)
def _trailing(toks, punct, hi, last):
    """Does the chain ending at `last` get a trailing placeholder? When it ends with a word
    (not a mark) and a word follows it in the line. There is never a leading one: a gap before
    the first fixed word took one unrelated word (的“X”, 并对X进行X) far more often than a
    constituent."""
    return last < hi - 1 and punct[toks[last]] == 0 and punct[toks[last + 1]] == 0


@njit(cache=True)
def _chain_hash(toks, punct, lo, hi, pos, k):
    """FNV-1a hash of the template of the chain pos[0..k) in line toks[lo:hi] (see
    `chain_elements`)."""
    h = np.uint64(14695981039346656037)
    prime = np.uint64(1099511628211)
    trail = _trailing(toks, punct, hi, pos[k - 1])
    for e in range(k):
        if e > 0 and pos[e] > pos[e - 1] + 1:
            h = (h ^ np.uint64(0)) * prime
        h = (h ^ np.uint64(toks[pos[e]] + 1)) * prime
    if trail:
        h = (h ^ np.uint64(0)) * prime
    return (h ^ np.uint64(k)) * prime


@njit(cache=True)
def _valid_chain(toks, punct, pos, k, min_words):
    """At least two fixed tokens that are not separators, min_words of them words (not marks),
    no separator at either end, and a gap inside (adjacent words are a phrase, not a
    template)."""
    if punct[toks[pos[0]]] == SEP or punct[toks[pos[k - 1]]] == SEP:
        return False
    fixed = 0
    words = 0
    gaps = 0
    for e in range(k):
        if punct[toks[pos[e]]] != SEP:
            fixed += 1
        if punct[toks[pos[e]]] == 0:
            words += 1
        if e > 0 and pos[e] > pos[e - 1] + 1:
            gaps += 1
    return fixed >= 2 and words >= min_words and gaps > 0


@njit(cache=True)
def chain_candidates(toks, offsets, punct, links, window, max_fixed, min_words):
    """Template candidates of every line: from each position i, for each strong successor j
    of i within `window`, the chain i, j, then nearest strong successors, and each of its
    prefixes of 2..max_fixed tokens (at most window * (max_fixed - 1) candidates per
    position, so a long line cannot explode) that hold min_words words (not marks).

    toks : int32[k] token ids; offsets : int64[l+1] lines; punct : int8[n_tokens] 0 word,
    SEP or MARK (one per token id: every id is below len(punct)); links : uint64[m] sorted
    ``u << 32 | v`` keys of the strong links.
    Returns (hashes uint64[c], starts int64[c], seconds int64[c], lengths int64[c]): a
    candidate is rebuilt by `chain_elements` from (start, second, length).
    """
    ptr = _link_index(links, punct.shape[0])
    memo = np.full(toks.shape[0], -2, np.int64)
    has_in = np.zeros(punct.shape[0], np.bool_)
    mask = np.uint64(0xFFFFFFFF)
    for k in range(links.shape[0]):
        has_in[np.int64(links[k] & mask)] = True
    cap = 1024
    hashes = np.empty(cap, np.uint64)
    starts = np.empty(cap, np.int64)
    seconds = np.empty(cap, np.int64)
    lengths = np.empty(cap, np.int64)
    m = 0
    pos = np.empty(max_fixed, np.int64)
    for f in range(offsets.shape[0] - 1):
        lo = offsets[f]
        hi = offsets[f + 1]
        for i in range(lo, hi):
            if punct[toks[i]] == SEP or ptr[toks[i] + 1] == ptr[toks[i]]:
                continue
            for j in range(i + 1, min(hi, i + window + 1)):
                if not has_in[toks[j]] or not _strong(links, ptr, toks[i], toks[j]):
                    continue
                pos[0] = i
                pos[1] = j
                k = 2
                while True:
                    if _valid_chain(toks, punct, pos, k, min_words):
                        if m == hashes.shape[0]:
                            hashes = _grow_u64(hashes)
                            starts = _grow_i64(starts)
                            seconds = _grow_i64(seconds)
                            lengths = _grow_i64(lengths)
                        hashes[m] = _chain_hash(toks, punct, lo, hi, pos, k)
                        starts[m] = i
                        seconds[m] = j
                        lengths[m] = k
                        m += 1
                    if k == max_fixed:
                        break
                    last = pos[k - 1]
                    if memo[last] == -2:  # each position's nearest link is looked up once
                        memo[last] = _next_link(toks, links, ptr, last, hi, window)
                    nxt = memo[last]
                    if nxt < 0:
                        break
                    pos[k] = nxt
                    k += 1
    return hashes[:m].copy(), starts[:m].copy(), seconds[:m].copy(), lengths[:m].copy()


@njit(cache=True)
def _grow_u64(a):
    b = np.empty(2 * a.shape[0], np.uint64)
    b[:a.shape[0]] = a
    return b


@njit(cache=True)
def _grow_i64(a):
    b = np.empty(2 * a.shape[0], np.int64)
    b[:a.shape[0]] = a
    return b


@njit(cache=True)
def chain_elements(toks, offsets, punct, links, window, line_of, starts, seconds, lengths):
    """The elements (token id, -1 for a placeholder) of the candidates given by (start,
    second, length) in lines `line_of`, as CSR (ptr int64[c+1], elements int32[...])."""
    c = starts.shape[0]
    index = _link_index(links, punct.shape[0])
    ptr = np.zeros(c + 1, np.int64)
    out = np.empty(c * 64 + 1, np.int32)
    pos = np.empty(64, np.int64)
    m = 0
    for r in range(c):
        hi = offsets[line_of[r] + 1]
        pos[0] = starts[r]
        pos[1] = seconds[r]
        for e in range(2, lengths[r]):
            pos[e] = _next_link(toks, links, index, pos[e - 1], hi, window)
        k = lengths[r]
        for e in range(k):
            if e > 0 and pos[e] > pos[e - 1] + 1:
                out[m] = -1
                m += 1
            out[m] = toks[pos[e]]
            m += 1
        if _trailing(toks, punct, hi, pos[k - 1]):
            out[m] = -1
            m += 1
        ptr[r + 1] = m
    return ptr, out[:m].copy()
