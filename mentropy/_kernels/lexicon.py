"""Kernels of lexicon induction: cohesion, the seed's pieces and branching entropy (the
pruning runs the Segmenter's Viterbi, in viterbi.py)."""
import numpy as np
from numba import njit


CODE_BITS = 16  # ngrams.CODE_BITS (a copy: see the cache policy in __init__; a test checks)


HASH_MULT = np.uint64(0x9E3779B97F4A7C15)
FILTER_MULT = np.uint64(0xC2B2AE3D27D4EB4F)


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
    one = np.uint64(1)
    # ln N of each row as a part (T when its count is 0)
    part_ln = np.empty(m, np.float64)
    for r in range(m):
        part_ln[r] = ln_n[r] if counts[r] > 0 else ln_absent
    # tails: the one-char rows by char id, the 2..3-char rows in an open-addressing table of
    # (key, row) pairs (key 0 = empty slot)
    by_char = np.full(1 << CODE_BITS, -1, np.int64)
    n_mid = 0
    for r in range(m):
        if lengths[r] == 1:
            by_char[np.int64(keys[r] >> np.uint64(64 - CODE_BITS))] = r
        elif lengths[r] <= 3:
            n_mid += 1
    bits = 4
    while (1 << bits) < 2 * n_mid:
        bits += 1
    table = np.zeros(2 << bits, np.uint64)
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)  # the product's top bits: every char of the key counts
    for r in range(m):
        if 2 <= lengths[r] <= 3:
            s = np.int64((keys[r] * HASH_MULT) >> shift)
            while table[2 * s] != 0:
                s = (s + 1) & mask
            table[2 * s] = keys[r]
            table[2 * s + 1] = np.uint64(r)
    # heads: rows ascend, so a row's k-char prefix, when in the table, is the last row of k
    # chars before it (every row between them starts with that prefix)
    last = np.full(64 // CODE_BITS + 1, -1, np.int64)
    coh = np.empty(m, np.float64)  # every row is set below (inf for one char)
    for r in range(m):
        n = lengths[r]
        key = keys[r]
        best = np.inf
        for k in range(1, n):
            head = key & ~((one << np.uint64(64 - CODE_BITS * k)) - one)
            h = last[k]
            ln_head = part_ln[h] if h >= 0 and keys[h] == head else ln_absent
            tail = key << np.uint64(CODE_BITS * k)
            ln_tail = ln_absent
            if n - k == 1:
                t = by_char[np.int64(tail >> np.uint64(64 - CODE_BITS))]
                if t >= 0:
                    ln_tail = part_ln[t]
            else:
                s = np.int64((tail * HASH_MULT) >> shift)
                while table[2 * s] != 0:
                    if table[2 * s] == tail:
                        ln_tail = part_ln[np.int64(table[2 * s + 1])]
                        break
                    s = (s + 1) & mask
            value = ln_n[r] + ln_total - ln_head - ln_tail
            if value < best:
                best = value
            if best < floor[r]:
                break
        coh[r] = best
        last[n] = r
    return coh


@njit(cache=True, nogil=True)
def seed_piece_keys(ids, offsets, kept_keys, max_n, max_word_len, width, n_vocab):
    """The seed's pieces (DESIGN §3 stage 2): neighbours covered by a kept n-gram are glued,
    every fragment is cut at the other boundaries.

    ids : int32[k], offsets : int64[f + 1]  fragments
    kept_keys : uint64[q] left-aligned keys (one word) of distinct kept 2..max_n-grams
    max_word_len : longest piece kept; width : uint64 words of its key (>= 1)
    n_vocab : largest char id
    Returns (short uint64[a], longer uint64[b, width], single int64[n_vocab + 1]): the
    left-aligned keys of the 2..4-char pieces (one word) and of the 5..max_word_len-char
    ones, in corpus order, and the count of the one-char pieces by char id.
    """
    one = np.uint64(1)
    # the kept keys and their proper prefixes of 2+ chars in an open-addressing set of (key,
    # flags) pairs, flag 1 = kept, 2 = a kept key starts with it (key 0 = empty slot; keys are
    # nonzero); sized for the distinct entries, counted in a first, larger table
    per_key = max(max_n - 1, 1)
    bits = 4
    while (1 << bits) < 2 * kept_keys.shape[0] * per_key:
        bits += 1
    for attempt in range(2):
        mask = (1 << bits) - 1
        shift = np.uint64(64 - bits)
        table = np.zeros(2 << bits, np.uint64)
        distinct = 0
        for key in kept_keys:
            n = 0
            while n < 64 // CODE_BITS and (key >> np.uint64(64 - CODE_BITS * (n + 1))) & \
                    np.uint64((1 << CODE_BITS) - 1) != 0:
                n += 1
            for k in range(2, n + 1):
                part = key if k == n else key & ~((one << np.uint64(64 - CODE_BITS * k)) - one)
                s = np.int64((part * HASH_MULT) >> shift)
                while table[2 * s] != 0 and table[2 * s] != part:
                    s = (s + 1) & mask
                if table[2 * s] == 0:
                    distinct += 1
                table[2 * s] = part
                table[2 * s + 1] |= one if k == n else np.uint64(2)
        if attempt == 1:
            break
        small = 4
        while (1 << small) < 2 * distinct:
            small += 1
        if small >= bits:
            break
        bits = small
    # a one-hash bit filter of the set's keys (in cache, unlike the table): most n-grams of
    # the text that are not in the set stop there
    fbits = 4
    while (1 << fbits) < 8 * (mask + 1):
        fbits += 1
    fshift = np.uint64(64 - fbits)
    filt = np.zeros(1 << max(fbits - 6, 0), np.uint64)
    for s in range(mask + 1):
        if table[2 * s] != 0:
            h = np.int64((table[2 * s] * FILTER_MULT) >> fshift)
            filt[h >> 6] |= one << np.uint64(h & 63)
    # one pass: i and i + 1 are glued when a kept n-gram starting at or before i reaches past
    # i (reach: the furthest char such an n-gram covers); a piece ends where they are not
    single = np.zeros(n_vocab + 1, np.int64)
    short = np.empty(ids.shape[0] // 2 + 1, np.uint64)  # pieces of 2+ chars: at most k / 2
    longer = np.zeros((ids.shape[0] // 5 + 1, width), np.uint64)
    n_short = 0
    n_long = 0
    for f in range(offsets.shape[0] - 1):
        a = offsets[f]
        b = offsets[f + 1]
        p = a
        reach = a
        for i in range(a, b):
            key = np.uint64(ids[i]) << np.uint64(64 - CODE_BITS)
            for n in range(2, max_n + 1):
                if i + n > b:
                    break
                key |= np.uint64(ids[i + n - 1]) << np.uint64(64 - CODE_BITS * n)
                h = np.int64((key * FILTER_MULT) >> fshift)
                if (filt[h >> 6] >> np.uint64(h & 63)) & one == 0:
                    break
                s = np.int64((key * HASH_MULT) >> shift)
                while table[2 * s] != 0 and table[2 * s] != key:
                    s = (s + 1) & mask
                if table[2 * s] != key:  # neither kept nor the start of a kept n-gram
                    break
                flags = table[2 * s + 1]
                if flags & one:
                    reach = max(reach, i + n - 1)
                if flags & np.uint64(2) == 0:
                    break
            if reach > i:
                continue
            length = i + 1 - p
            if length == 1:
                single[ids[p]] += 1
            elif length <= min(4, max_word_len):
                key = np.uint64(0)
                for j in range(length):
                    key |= np.uint64(ids[p + j]) << np.uint64(64 - CODE_BITS * (j + 1))
                short[n_short] = key
                n_short += 1
            elif length <= max_word_len:
                for j in range(length):
                    longer[n_long, j // 4] |= np.uint64(ids[p + j]) << np.uint64(
                        64 - CODE_BITS * (j % 4 + 1))
                n_long += 1
            p = i + 1
    short = short[:n_short]
    longer = longer[:n_long]
    return short, longer, single


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
