"""jieba's own pre-splitting, so that a jieba dictionary gives jieba's answer (DESIGN §4).

``jieba.cut(text, HMM=False)`` first splits a text into blocks of ``[\u4E00-\u9FD5a-zA-Z0-9+#&._%-]``
(its ``re_han_default``); only inside a block are dictionary words looked up, every other
character is a token of its own (``"\\r\\n"`` stays together). Inside a block, after the Viterbi
path, consecutive one-character tokens of ``[a-zA-Z0-9]`` are glued into one token.

The kernels here turn lines into such blocks ("spans", which the segmentation kernel treats as
lines) and glue the tokens afterwards.
"""
import numpy as np
from numba import njit

SPAN_BLOCK = 1  # a block of re_han_default characters: dictionary words are looked up
SPAN_OTHER = 0  # one character (or "\r\n") outside a block: a token as it is


@njit(cache=True)
def _in_block(c):
    if 0x4E00 <= c <= 0x9FD5:
        return True
    if (0x61 <= c <= 0x7A) or (0x41 <= c <= 0x5A) or (0x30 <= c <= 0x39):
        return True
    return c == 0x2B or c == 0x23 or c == 0x26 or c == 0x2E or c == 0x5F or c == 0x25 \
        or c == 0x2D  # + # & . _ % -


@njit(cache=True)
def _is_ascii_alnum(c):
    return (0x61 <= c <= 0x7A) or (0x41 <= c <= 0x5A) or (0x30 <= c <= 0x39)


@njit(cache=True)
def jieba_spans(cps, line_starts, line_ends):
    """Spans of every line as jieba splits it.

    cps : uint32[n]              code points of the concatenated lines (not normalised)
    line_starts, line_ends : int64[L]
    Returns (span_starts int64[s], span_ends int64[s], span_kind int8[s] (SPAN_*),
    span_offsets int64[L + 1]: the spans of line l are span_offsets[l]:span_offsets[l + 1],
    may_cut uint8[n + 1]: 0 only between "\\r" and "\\n" of a "\\r\\n" outside a block).
    """
    n = cps.shape[0]
    cap = n + line_starts.shape[0] + 1
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    kinds = np.empty(cap, np.int8)
    offsets = np.zeros(line_starts.shape[0] + 1, np.int64)
    may_cut = np.ones(n + 1, np.uint8)
    s = 0
    for line in range(line_starts.shape[0]):
        i = line_starts[line]
        b = line_ends[line]
        while i < b:
            if _in_block(cps[i]):
                j = i + 1
                while j < b and _in_block(cps[j]):
                    j += 1
                kinds[s] = SPAN_BLOCK
            else:
                j = i + 1
                if cps[i] == 0x0D and j < b and cps[j] == 0x0A:
                    may_cut[j] = 0
                    j += 1
                kinds[s] = SPAN_OTHER
            starts[s] = i
            ends[s] = j
            s += 1
            i = j
        offsets[line + 1] = s
    return starts[:s].copy(), ends[:s].copy(), kinds[:s].copy(), offsets, may_cut


@njit(cache=True)
def glue_ascii(cps, word_ends, word_offsets, span_starts, span_kind, span_offsets):
    """Word ends per line after gluing runs of one-character [a-zA-Z0-9] tokens inside a block.

    word_ends, word_offsets : the segmentation of every span (word_offsets has s + 1 entries)
    span_starts, span_kind, span_offsets : as from :func:`jieba_spans`
    Returns (word_ends int64[m], line_offsets int64[L + 1]).
    """
    n_lines = span_offsets.shape[0] - 1
    out = np.empty(word_ends.shape[0], np.int64)
    line_offsets = np.zeros(n_lines + 1, np.int64)
    m = 0
    for line in range(n_lines):
        for sp in range(span_offsets[line], span_offsets[line + 1]):
            prev = span_starts[sp]
            gluing = False  # the last word written is a glued run still open
            for w in range(word_offsets[sp], word_offsets[sp + 1]):
                e = word_ends[w]
                single = span_kind[sp] == 1 and e - prev == 1 and _is_ascii_alnum(cps[prev])
                if single and gluing:
                    out[m - 1] = e
                else:
                    out[m] = e
                    m += 1
                gluing = single
                prev = e
        line_offsets[line + 1] = m
    return out[:m].copy(), line_offsets
