"""Atomisation kernel: split normalised code points into atoms (never cut inside one)."""
import numpy as np
from numba import njit

# character classes (mentropy.atoms computes them)
C_OTHER = 0
C_HAN = 1
C_DIGIT = 2
C_LETTER = 3
C_SPACE = 4
C_MARK = 5
C_HANNUM = 6  # a Han numeral (一二三 ... 〇 零 两 十 百 千 万 亿): a Han character too

# atom kinds
K_HAN = 1
K_NUM = 2
K_LATIN = 3
K_SPACE = 4
K_PUNCT = 5
K_TIME = 6

CP_PERCENT = 0x25
CP_PERMILLE = 0x2030
CP_DOT = 0x2E
CP_COMMA = 0x2C
CP_COLON = 0x3A
CP_APOS = 0x27
CP_HYPHEN = 0x2D
CP_YEAR = 0x5E74
CP_MONTH = 0x6708
CP_DAY = 0x65E5
CP_ORDINAL = 0x7B2C  # 第
CP_WAN = 0x4E07  # 万
CP_YI = 0x4EBF  # 亿


@njit(cache=True)
def normalise_bmp(cps, norm_table, class_table):
    """Normalised code points (uint32) and classes (uint8) of `cps` from tables of the BMP.

    Astral code points are kept as they are with class 0; returns (norm, cls, how many).
    """
    n = cps.shape[0]
    norm = np.empty(n, np.uint32)
    cls = np.empty(n, np.uint8)
    astral = 0
    for i in range(n):
        c = cps[i]
        if c < 65536:
            norm[i] = norm_table[c]
            cls[i] = class_table[c]
        else:
            norm[i] = c
            cls[i] = 0
            astral += 1
    return norm, cls, astral


@njit(cache=True)
def _is_alnum(c):
    return c == C_DIGIT or c == C_LETTER


@njit(cache=True)
def atomize(cps, cls, time_atoms, number_atoms):
    """Cut a text into atoms.

    cps : uint32[n]   normalised code points (full-width ASCII already mapped to half-width)
    cls : uint8[n]    class of each code point (C_* above)
    time_atoms : bool digit run + 年/月/日, a run of >= 2 Han numerals + 年 and a run of Han
                      numerals + 月/日 become one atom
    number_atoms : bool digit run + 万/亿 and 第 + a run of Han numerals or digits are one atom
    Returns (starts int64[m + 1], kinds int8[m]): atom a is cps[starts[a]:starts[a + 1]].
    Rules: a Han character is one atom; a run of digits and letters (inner . , : between digits,
    inner ' - between letters or digits, a trailing % after digits) is one atom; a run of the
    same space or punctuation mark is one atom; a combining mark joins the atom before it.
    """
    n = cps.shape[0]
    starts = np.empty(n + 1, np.int64)
    kinds = np.empty(n, np.int8)
    m = 0
    i = 0
    while i < n:
        c = cls[i]
        j = i + 1
        kind = K_PUNCT
        if c == C_HAN or c == C_HANNUM:
            kind = K_HAN
            k = i + 1 if number_atoms and cps[i] == CP_ORDINAL else i
            while k < n and cls[k] == C_HANNUM:
                k += 1
            if k > i + 1 and cps[i] == CP_ORDINAL:
                j = k
                kind = K_NUM
            elif time_atoms and c == C_HANNUM and k < n and (
                    (k - i >= 2 and cps[k] == CP_YEAR) or cps[k] == CP_MONTH or cps[k] == CP_DAY):
                j = k + 1
                kind = K_TIME
        elif c == C_DIGIT or c == C_LETTER:
            kind = K_NUM if c == C_DIGIT else K_LATIN
            all_digits = c == C_DIGIT
            while j < n:
                d = cls[j]
                if _is_alnum(d):
                    if d == C_LETTER:
                        all_digits = False
                    j += 1
                elif d == C_MARK:
                    j += 1
                elif j + 1 < n and _is_alnum(cls[j + 1]):
                    p = cps[j]
                    if (p == CP_DOT or p == CP_COMMA or p == CP_COLON) and \
                            cls[j - 1] == C_DIGIT and cls[j + 1] == C_DIGIT:
                        j += 2
                    elif (p == CP_APOS or p == CP_HYPHEN) and _is_alnum(cls[j - 1]):
                        j += 2
                    else:
                        break
                else:
                    break
            if j < n and cls[j - 1] == C_DIGIT and (cps[j] == CP_PERCENT or cps[j] == CP_PERMILLE):
                j += 1
            elif time_atoms and all_digits and j < n and \
                    (cps[j] == CP_YEAR or cps[j] == CP_MONTH or cps[j] == CP_DAY):
                j += 1
                kind = K_TIME
            elif number_atoms and all_digits and j < n and (cps[j] == CP_WAN or cps[j] == CP_YI):
                j += 1
        elif c == C_SPACE or c == C_OTHER:
            kind = K_SPACE if c == C_SPACE else K_PUNCT
            while j < n and cps[j] == cps[i]:
                j += 1
        # combining marks (and a leading one) stay with the atom before them
        while j < n and cls[j] == C_MARK:
            j += 1
        starts[m] = i
        kinds[m] = kind
        m += 1
        i = j
    starts[m] = n
    return starts[: m + 1].copy(), kinds[:m].copy()


@njit(cache=True)
def han_fragments(kinds, starts, char_ids):
    """Fragments for counting: maximal runs of single-Han atoms whose char id is not 0.

    kinds : int8[m], starts : int64[m + 1]  atoms of a text
    char_ids : int32[n]  id of each code point (0 = rare or unknown: a boundary)
    Returns (ids int32[k], frag_offsets int64[f + 1]) with only fragments of length >= 1.
    """
    m = kinds.shape[0]
    ids = np.empty(m, np.int32)
    offsets = np.empty(m + 1, np.int64)
    k = 0
    f = 0
    offsets[0] = 0
    in_frag = False
    for a in range(m):
        ok = kinds[a] == K_HAN and starts[a + 1] - starts[a] == 1
        cid = 0
        if ok:
            cid = char_ids[starts[a]]
            ok = cid != 0
        if ok:
            ids[k] = cid
            k += 1
            in_frag = True
        elif in_frag:
            f += 1
            offsets[f] = k
            in_frag = False
    if in_frag:
        f += 1
        offsets[f] = k
    return ids[:k].copy(), offsets[: f + 1].copy()
