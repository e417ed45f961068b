"""Counting every 1..max_n-gram of a block from its sorted windows (one row per position).

All the n-grams that start at position i are prefixes of the *window* at i, the key of
ids[i:min(i + max_n, fragment end)]. Sorting the windows (one row per character instead of one
per n-gram: max_n times fewer rows) puts the windows that share a prefix next to each other;
the number of windows under a prefix is that prefix's count. One pass over the sorted windows
then emits each distinct prefix the first time it appears, in lexicographic order (a pre-order
walk of the trie of windows), and adds one to every prefix a window shares with the previous
one. The table comes out sorted and exact; nothing in it depends on hashing or probe order.

Keys follow ngrams.py: left-aligned 16-bit ids, `width` uint64 words per row, 0 = no char.
"""
import numpy as np
from numba import njit

CODE_BITS = 16
PER_WORD = 4


@njit(cache=True)
def pack_windows(ids, offsets, max_n, width):
    """Key of the window ids[i:min(i + max_n, end of i's fragment)] for every position i.

    ids : int32[k]        char ids 1..65535, fragments concatenated
    offsets : int64[f+1]  fragment f is ids[offsets[f]:offsets[f + 1]]
    max_n : int           1 <= max_n <= 4 * width
    width : int           uint64 words per key
    Returns uint64[k, width] (rows unsorted).
    """
    out = np.zeros((ids.shape[0], width), np.uint64)
    for f in range(offsets.shape[0] - 1):
        a = offsets[f]
        b = offsets[f + 1]
        if width == 1:  # one word: the window slides, the key shifts (no read-modify-write)
            key = np.uint64(0)
            for i in range(min(b, a + max_n) - 1, a - 1, -1):
                key = (key >> np.uint64(CODE_BITS)) | (np.uint64(ids[i]) << np.uint64(
                    64 - CODE_BITS))
            for i in range(a, b):
                out[i, 0] = key
                # the next window: drop ids[i], add ids[i + max_n] when inside the fragment
                key = key << np.uint64(CODE_BITS)
                if i + max_n < b:
                    key |= np.uint64(ids[i + max_n]) << np.uint64(64 - CODE_BITS * max_n)
            continue
        for i in range(a, b):
            stop = min(i + max_n, b)
            for j in range(stop - i):
                shift = np.uint64(64 - CODE_BITS * (j % PER_WORD + 1))
                out[i, j // PER_WORD] |= np.uint64(ids[i + j]) << shift
    return out


HASH_MULT = 0x9E3779B97F4A7C15  # Fibonacci hashing: a fixed multiplier, no seed


@njit(cache=True)
def key_set(keys):
    """Open-addressing set of non-zero uint64 keys: a table of a power-of-two size at least
    twice len(keys), 0 = empty slot, slot = (key * HASH_MULT) >> (64 - bits), linear probing.
    keys : uint64[m] distinct, non-zero. Returns uint64[2 ** bits]."""
    bits = 4
    while (1 << bits) < 2 * keys.shape[0]:
        bits += 1
    table = np.zeros(1 << bits, np.uint64)
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    for key in keys:
        slot = np.int64((key * np.uint64(HASH_MULT)) >> shift)
        while table[slot] != np.uint64(0) and table[slot] != key:
            slot = (slot + 1) & mask
        table[slot] = key
    return table


@njit(cache=True)
def _in_set(table, key):
    mask = table.shape[0] - 1
    bits = 0
    while (1 << bits) < table.shape[0]:
        bits += 1
    slot = np.int64((key * np.uint64(HASH_MULT)) >> np.uint64(64 - bits))
    while True:
        v = table[slot]
        if v == key:
            return True
        if v == np.uint64(0):
            return False
        slot = (slot + 1) & mask


@njit(cache=True)
def frequent_spans(ids, offsets, pairs, max_n):
    """How long the window at each position may be when only n-grams whose adjacent pairs are
    all frequent are wanted: an n-gram holding a rarer pair is at most as frequent as it.

    ids : int32[k], offsets : int64[f+1]  fragments as in pack_windows
    pairs : uint64[2 ** b]  key_set of the keys (one word) of the frequent 2-grams
    max_n : int
    Returns int64[k]: 1 + the number of frequent pairs in a row from each position, at most
    max_n (a single char is always kept: its count is checked afterwards).
    """
    k = ids.shape[0]
    limit = np.ones(k, np.int64)
    for f in range(offsets.shape[0] - 1):
        a = offsets[f]
        b = offsets[f + 1]
        for i in range(b - 2, a - 1, -1):
            key = (np.uint64(ids[i]) << np.uint64(48)) | (np.uint64(ids[i + 1]) << np.uint64(32))
            if _in_set(pairs, key):
                limit[i] = min(max_n, limit[i + 1] + 1)
    return limit


@njit(cache=True)
def pack_windows_upto(ids, offsets, limit, width):
    """As pack_windows, with the window at i at most limit[i] chars long.

    limit : int64[k] (1 <= limit[i] <= 4 * width). Returns uint64[k, width].
    """
    out = np.zeros((ids.shape[0], width), np.uint64)
    for f in range(offsets.shape[0] - 1):
        b = offsets[f + 1]
        for i in range(offsets[f], b):
            stop = min(i + limit[i], b)
            for j in range(stop - i):
                shift = np.uint64(64 - CODE_BITS * (j % PER_WORD + 1))
                out[i, j // PER_WORD] |= np.uint64(ids[i + j]) << shift
    return out


@njit(cache=True)
def _row_less_from(keys, i, j, first):
    # keys[i] < keys[j] comparing words first..width-1
    for w in range(first, keys.shape[1]):
        if keys[i, w] != keys[j, w]:
            return keys[i, w] < keys[j, w]
    return False


@njit(cache=True)
def sort_runs(keys):
    """Finish sorting rows already ordered by their first word: order each short run of equal
    first words by the remaining words, in place (insertion sort). keys : uint64[m, width],
    width >= 2. Returns int64[r, 2]: the (lo, hi) row ranges of the longer runs that are not
    in order yet, left for a stable sort outside (numba's mergesort costs ~1.4 s to compile).
    """
    m = keys.shape[0]
    width = keys.shape[1]
    long_runs = np.empty((m // 25 + 1, 2), np.int64)
    n_long = 0
    lo = 0
    while lo < m:
        hi = lo + 1
        while hi < m and keys[hi, 0] == keys[lo, 0]:
            hi += 1
        ordered = True
        for i in range(lo + 1, hi):
            if _row_less_from(keys, i, i - 1, 1):
                ordered = False
                break
        if not ordered:
            if hi - lo <= 24:  # insertion sort: runs are mostly short
                for i in range(lo + 1, hi):
                    j = i
                    while j > lo and _row_less_from(keys, j, j - 1, 1):
                        for w in range(1, width):
                            t = keys[j, w]
                            keys[j, w] = keys[j - 1, w]
                            keys[j - 1, w] = t
                        j -= 1
            else:
                long_runs[n_long, 0] = lo
                long_runs[n_long, 1] = hi
                n_long += 1
        lo = hi
    return long_runs[:n_long].copy()


@njit(cache=True)
def _lanes(x):
    # chars held by one key word (ids fill a word from the top: 0..4 non-zero lanes)
    if x == np.uint64(0):
        return 0
    if x & np.uint64(0xFFFF) != np.uint64(0):
        return 4
    if x & np.uint64(0xFFFFFFFF) != np.uint64(0):
        return 3
    if x & np.uint64(0xFFFFFFFFFFFF) != np.uint64(0):
        return 2
    return 1


@njit(cache=True)
def _length(keys, r):
    n = 0
    for w in range(keys.shape[1]):
        lanes = _lanes(keys[r, w])
        n += lanes
        if lanes < PER_WORD:
            break
    return n


@njit(cache=True)
def _common(keys, a, b):
    # number of leading chars rows a and b share (rows end at their first zero lane)
    n = 0
    for w in range(keys.shape[1]):
        d = keys[a, w] ^ keys[b, w]
        if d == np.uint64(0):
            lanes = _lanes(keys[a, w])
            n += lanes
            if lanes < PER_WORD:
                return n
            continue
        if d >> np.uint64(48) != np.uint64(0):
            return n
        if d >> np.uint64(32) != np.uint64(0):
            return n + 1
        if d >> np.uint64(16) != np.uint64(0):
            return n + 2
        return n + 3
    return n


@njit(cache=True)
def count_prefixes(windows):
    """Sorted (keys, counts) of every prefix of every window.

    windows : uint64[k, width]  window keys in ascending row order (sort_runs after a sort by
                                the first word), each of length >= 1
    Returns (keys uint64[u, width] strictly ascending, counts int64[u]).
    """
    k = windows.shape[0]
    width = windows.shape[1]
    if width == 1:  # n-grams of up to 4 chars (the lexicon's): the same walk on one word
        # each window's length and the chars it shares with the one before, in one byte
        # (np.ones: a signature the builder's other kernels compile anyway)
        code = np.ones(k, np.uint8)
        total = 0
        prev = np.uint64(0)
        prev_len = 0
        for i in range(k):
            x = windows[i, 0]
            n = _lanes(x)
            d = prev ^ x  # leading chars in common: the zero lanes of d from the top
            c = 0 if d >> np.uint64(48) != np.uint64(0) else 1 if d >> np.uint64(32) != \
                np.uint64(0) else 2 if d >> np.uint64(16) != np.uint64(0) else 3 if d != \
                np.uint64(0) else 4
            c = min(c, n, prev_len)
            code[i] = np.uint8(n | (c << 4))
            total += n - c
            prev = x
            prev_len = n
        keys = np.empty((total, 1), np.uint64)
        counts = np.empty(total, np.int64)
        mask1 = np.zeros(PER_WORD + 1, np.uint64)
        for level in range(1, PER_WORD):
            mask1[level] = ~((np.uint64(1) << np.uint64(64 - CODE_BITS * level))
                             - np.uint64(1))
        mask1[PER_WORD] = ~np.uint64(0)
        open1 = np.zeros(PER_WORD + 1, np.int64)
        m = 0
        for i in range(k):
            shared = np.int64(code[i]) >> 4
            for level in range(1, shared + 1):
                counts[open1[level]] += 1
            x = windows[i, 0]
            for level in range(shared + 1, (np.int64(code[i]) & 15) + 1):
                keys[m, 0] = x & mask1[level]
                counts[m] = 1
                open1[level] = m
                m += 1
        return keys, counts
    levels = width * PER_WORD
    lens = np.empty(k, np.int64)
    shared = np.empty(k, np.int64)
    total = 0
    for i in range(k):
        lens[i] = _length(windows, i)
        shared[i] = 0 if i == 0 else min(_common(windows, i - 1, i), lens[i], lens[i - 1])
        total += lens[i] - shared[i]
    # mask[level, w]: the bits of word w that a prefix of `level` chars keeps
    mask = np.zeros((levels + 1, width), np.uint64)
    for level in range(1, levels + 1):
        for w in range(width):
            rest = level - w * PER_WORD
            if rest >= PER_WORD:
                mask[level, w] = ~np.uint64(0)
            elif rest > 0:
                mask[level, w] = ~((np.uint64(1) << np.uint64(64 - CODE_BITS * rest))
                                   - np.uint64(1))
    keys = np.empty((total, width), np.uint64)
    counts = np.empty(total, np.int64)
    open_row = np.zeros(levels + 1, np.int64)
    m = 0
    for i in range(k):
        for level in range(1, shared[i] + 1):
            counts[open_row[level]] += 1
        for level in range(shared[i] + 1, lens[i] + 1):
            for w in range(width):
                keys[m, w] = windows[i, w] & mask[level, w]
            counts[m] = 1
            open_row[level] = m
            m += 1
    return keys, counts
