"""Kernels of lexicon induction: the cohesion cut and branching entropy (the pruning runs the
Segmenter's Viterbi, in viterbi.py)."""
import numpy as np
from numba import njit


CODE_BITS = 16  # ngrams.CODE_BITS (a copy: see the cache policy in __init__; a test checks)


HASH_MULT = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def cohesion_rows(keys, lengths, counts, ln_n, ln_total, ln_absent, floor):
    """Cohesion of every row of a count table (DESIGN §3 stage 2): the minimum over the
    row's splits into a head and a tail of ln N_w + ln T - ln N_head - ln N_tail, a part
    absent from the table (or of count 0) counting as T.

    keys : uint64[m]  left-aligned one-word keys of a 1..4-gram table, ascending
    lengths : int64[m], counts : int64[m]  chars and count of each row
    ln_n : float64[m]  ln of each count; ln_total : float  ln T; ln_absent : float  ln T as
                       an absent part's (all from the caller, who computes them exactly as
                       lexicon.cohesion always has)
    floor : float64[m]  a row's splits are scanned until the running minimum falls below
                       its floor (-inf: every split); then the value is below the floor but
                       may not be the minimum
    Returns float64[m]: inf for a row of one char.
    """
    m = keys.shape[0]
    bits = 4
    while (1 << bits) < 2 * m:
        bits += 1
    table = np.full(1 << bits, -1, np.int64)  # row index of each key, -1 = empty slot
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)  # the product's top bits: every char of the key counts
    for r in range(m):
        s = np.int64((keys[r] * HASH_MULT) >> shift)
        while table[s] >= 0:
            s = (s + 1) & mask
        table[s] = r
    coh = np.full(m, np.inf)
    one = np.uint64(1)
    for r in range(m):
        n = lengths[r]
        if n < 2:
            continue
        key = keys[r]
        best = np.inf
        for k in range(1, n):
            head = key & ~((one << np.uint64(64 - CODE_BITS * k)) - one)
            tail = key << np.uint64(CODE_BITS * k)
            ln_head = ln_absent
            ln_tail = ln_absent
            s = np.int64((head * HASH_MULT) >> shift)
            while table[s] >= 0:
                if keys[table[s]] == head:
                    if counts[table[s]] > 0:
                        ln_head = ln_n[table[s]]
                    break
                s = (s + 1) & mask
            s = np.int64((tail * HASH_MULT) >> shift)
            while table[s] >= 0:
                if keys[table[s]] == tail:
                    if counts[table[s]] > 0:
                        ln_tail = ln_n[table[s]]
                    break
                s = (s + 1) & mask
            value = ln_n[r] + ln_total - ln_head - ln_tail
            if value < best:
                best = value
            if best < floor[r]:
                break
        coh[r] = best
    return coh


@njit(cache=True)
def cohesion_join(ids, offsets, kept_keys, max_n):
    """Glue neighbours covered by a kept n-gram (DESIGN §3 stage 2).

    ids : int32[k], offsets : int64[f + 1]  fragments
    kept_keys : uint64[q] left-aligned keys (one word) of distinct kept 2..max_n-grams
    Returns join : bool[k]; join[i] means ids[i] and ids[i + 1] belong to one piece.
    """
    # the kept keys in an open-addressing set (0 = empty slot; keys are nonzero)
    cap = 16
    while cap < 2 * kept_keys.shape[0]:
        cap *= 2
    table = np.zeros(cap, np.uint64)
    mask = cap - 1
    for key in kept_keys:
        s = np.int64((key * HASH_MULT) >> np.uint64(40)) & mask
        while table[s] != 0 and table[s] != key:
            s = (s + 1) & mask
        table[s] = key
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
                s = np.int64((key * HASH_MULT) >> np.uint64(40)) & mask
                while table[s] != 0 and table[s] != key:
                    s = (s + 1) & mask
                if table[s] == key:
                    for j in range(i, i + n - 1):
                        join[j] = True
    return join


@njit(cache=True)
def neighbour_keys(ids, offsets, tok_start, tok_word, base):
    """(word, neighbour char) keys of every token of an entry on each side: word * base +
    the char id left (right) of the token, 0 at a fragment edge. Returns (left, right)
    int64[m], in token order."""
    n_tok = tok_start.shape[0]
    m = 0
    for t in range(n_tok):
        if tok_word[t] >= 0:
            m += 1
    left = np.empty(m, np.int64)
    right = np.empty(m, np.int64)
    f = 0
    k = 0
    for t in range(n_tok):
        s = tok_start[t]
        while offsets[f + 1] <= s:
            f += 1
        if tok_word[t] < 0:
            continue
        e = tok_start[t + 1] if t + 1 < n_tok and tok_start[t + 1] < offsets[f + 1] else offsets[f + 1]
        left[k] = tok_word[t] * base + (ids[s - 1] if s > offsets[f] else 0)
        right[k] = tok_word[t] * base + (ids[e] if e < offsets[f + 1] else 0)
        k += 1
    return left, right
