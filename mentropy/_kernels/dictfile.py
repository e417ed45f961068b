"""Parse jieba-format dictionary text (``word freq [tag]`` lines) without Python objects per line."""
import numpy as np
from numba import njit

CP_LF = 10
CP_CR = 13
CP_SPACE = 32
CP_TAB = 9
CP_0 = 48
CP_9 = 57

ERR_NONE = 0
ERR_NO_COUNT = 1  # a word and nothing after it
ERR_BAD_COUNT = 2  # the second field is not a non-negative integer
ERR_TOO_LARGE = 3  # more than 18 digits
ERR_CR = 4  # a carriage return inside the line


@njit(cache=True)
def _blank(c):
    return c == CP_SPACE or c == CP_TAB


@njit(cache=True)
def parse_dictionary(cps):
    """Entries of a dictionary text, one per non-blank line.

    cps : uint32[n]   code points of the decoded file
    Returns (word_starts int64[k], word_ends int64[k], counts int64[k], error int64,
    error_line int64): word e is cps[word_starts[e]:word_ends[e]]; `error` is ERR_NONE or the
    ERR_* code of the first bad line, whose 1-based number is `error_line` (entries before it
    are returned).
    Line grammar: [blanks] word blanks digits [blanks tag...] [blanks] [CR], blanks being
    spaces or tabs; a line of blanks (and a final CR) is skipped.
    """
    n = cps.shape[0]
    cap = 16
    for i in range(n):
        if cps[i] == CP_LF:
            cap += 1
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    counts = np.empty(cap, np.int64)
    k = 0
    line = 0
    error = ERR_NONE
    i = 0
    # one exit (a bad line breaks out): every return statement compiles its own copies
    while i < n:
        line += 1
        # the line is cps[i:e], without its LF and a final CR
        e = i
        while e < n and cps[e] != CP_LF:
            e += 1
        nxt = e + 1
        while e > i and cps[e - 1] == CP_CR:
            e -= 1
        p = i
        while p < e and _blank(cps[p]):
            p += 1
        if p == e:
            i = nxt
            continue
        for q in range(p, e):
            if cps[q] == CP_CR:
                error = ERR_CR
        if error != ERR_NONE:
            break
        ws = p
        while p < e and not _blank(cps[p]):
            p += 1
        we = p
        while p < e and _blank(cps[p]):
            p += 1
        if p == e:
            error = ERR_NO_COUNT
            break
        ds = p
        value = np.int64(0)
        while p < e and CP_0 <= cps[p] <= CP_9:
            if p - ds >= 18:
                error = ERR_TOO_LARGE
                break
            value = value * 10 + np.int64(cps[p] - CP_0)
            p += 1
        if error != ERR_NONE:
            break
        if p == ds or (p < e and not _blank(cps[p])):
            error = ERR_BAD_COUNT
            break
        starts[k] = ws
        ends[k] = we
        counts[k] = value
        k += 1
        i = nxt
    if error == ERR_NONE:
        line = 0
    return starts[:k].copy(), ends[:k].copy(), counts[:k].copy(), np.int64(error), \
        np.int64(line)
