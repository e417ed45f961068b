"""N-gram keys and sorted count tables.

Keys are left-aligned: char id j of an n-gram sits in bits [64 - 16 (j + 1), 64 - 16 j) of word
j // 4 of a row of `width` uint64 words. Ids are 1..65535 and 0 means "no char", so sorted rows
are in lexicographic order across all lengths and the extensions of an n-gram form one contiguous
range. Tables are (keys uint64[m, width], counts int64[m]) with rows strictly ascending.
"""
import numpy as np
from numba import njit

CODE_BITS = 16
PER_WORD = 4


@njit(cache=True)
def n_ngrams(offsets, max_n):
    """Number of 1..max_n-grams inside fragments. offsets : int64[f + 1]."""
    total = 0
    for f in range(offsets.shape[0] - 1):
        length = offsets[f + 1] - offsets[f]
        for n in range(1, max_n + 1):
            if length >= n:
                total += length - n + 1
    return total


@njit(cache=True)
def pack_key(ids, start, n, out, row):
    """Write the key of ids[start:start + n] into out[row] (out : uint64[m, width], zeroed)."""
    for j in range(n):
        w = j // PER_WORD
        shift = np.uint64(64 - CODE_BITS * (j % PER_WORD + 1))
        out[row, w] |= np.uint64(ids[start + j]) << shift


@njit(cache=True)
def pack_ngrams(ids, offsets, max_n, width):
    """Keys of every 1..max_n-gram inside a fragment.

    ids : int32[k]      char ids (1..65535), fragments concatenated
    offsets : int64[f+1] fragment f is ids[offsets[f]:offsets[f + 1]]
    max_n : int          1 <= max_n <= 4 * width
    Returns uint64[m, width], unsorted.
    """
    m = n_ngrams(offsets, max_n)
    out = np.zeros((m, width), np.uint64)
    row = 0
    for f in range(offsets.shape[0] - 1):
        a = offsets[f]
        b = offsets[f + 1]
        for i in range(a, b):
            for n in range(1, max_n + 1):
                if i + n > b:
                    break
                pack_key(ids, i, n, out, row)
                row += 1
    return out


@njit(cache=True)
def _row_less(k1, i, k2, j):
    for w in range(k1.shape[1]):
        if k1[i, w] != k2[j, w]:
            return k1[i, w] < k2[j, w]
    return False


@njit(cache=True)
def _row_equal(k1, i, k2, j):
    for w in range(k1.shape[1]):
        if k1[i, w] != k2[j, w]:
            return False
    return True


@njit(cache=True)
def _copy_row(src, i, dst, j):
    # dst[j] = src[i], element by element: a row assignment would compile numba's shape-error
    # formatting (about 1.5 s of the first run's compile time)
    for w in range(src.shape[1]):
        dst[j, w] = src[i, w]


@njit(cache=True)
def run_length(sorted_keys):
    """Collapse equal adjacent rows. sorted_keys : uint64[m, width] ascending.

    Returns (keys uint64[u, width], counts int64[u]).
    """
    m = sorted_keys.shape[0]
    keys = np.empty((m, sorted_keys.shape[1]), np.uint64)
    counts = np.empty(m, np.int64)
    u = -1
    for i in range(m):
        if u >= 0 and _row_equal(sorted_keys, i, keys, u):
            counts[u] += 1
        else:
            u += 1
            _copy_row(sorted_keys, i, keys, u)
            counts[u] = 1
    return keys[: u + 1].copy(), counts[: u + 1].copy()


@njit(cache=True)
def merge_sorted(k1, c1, k2, c2):
    """Union of two sorted tables; counts of equal keys are added."""
    n1 = k1.shape[0]
    n2 = k2.shape[0]
    keys = np.empty((n1 + n2, k1.shape[1]), np.uint64)
    counts = np.empty(n1 + n2, np.int64)
    i = 0
    j = 0
    m = 0
    while i < n1 or j < n2:
        if j == n2 or (i < n1 and _row_less(k1, i, k2, j)):
            _copy_row(k1, i, keys, m)
            counts[m] = c1[i]
            i += 1
        elif i == n1 or _row_less(k2, j, k1, i):
            _copy_row(k2, j, keys, m)
            counts[m] = c2[j]
            j += 1
        else:
            _copy_row(k1, i, keys, m)
            counts[m] = c1[i] + c2[j]
            i += 1
            j += 1
        m += 1
    return keys[:m].copy(), counts[:m].copy()


@njit(cache=True)
def find_rows(keys, queries):
    """Index of each query row in the sorted table `keys`, or -1. Both uint64[., width]."""
    out = np.empty(queries.shape[0], np.int64)
    m = keys.shape[0]
    for q in range(queries.shape[0]):
        lo = 0
        hi = m
        while lo < hi:
            mid = (lo + hi) >> 1
            if _row_less(keys, mid, queries, q):
                lo = mid + 1
            else:
                hi = mid
        out[q] = lo if lo < m and _row_equal(keys, lo, queries, q) else -1
    return out


@njit(cache=True)
def key_lengths(keys):
    """Number of chars in each key row (position of the first zero id)."""
    out = np.empty(keys.shape[0], np.int64)
    width = keys.shape[1]
    for r in range(keys.shape[0]):
        n = 0
        for j in range(width * PER_WORD):
            shift = np.uint64(64 - CODE_BITS * (j % PER_WORD + 1))
            if (keys[r, j // PER_WORD] >> shift) & np.uint64(0xFFFF) == 0:
                break
            n += 1
        out[r] = n
    return out
