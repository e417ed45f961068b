"""CRF feature extraction: hashed feature ids of every unit (atom) of a batch of lines.

A unit is an atom (mentropy.atoms): one Han character, a number or latin run, a time word, a
run of one punctuation mark or space. Each unit has a symbol (its width-folded code point, or a
class token for number, latin, time and space atoms) and a class. Features (template k):

  0..4   symbol at offset -2, -1, 0, +1, +2
  5..9   symbol pairs (-2,-1), (-1,0), (0,1), (1,2), (-1,+1)
  10     class trigram (-1, 0, +1)
  11     bias
  12..   optional lexicon features (see lexicon_features)

Outside a line the symbol is BOS (left) or EOS (right) and the class 0. A feature is the
splitmix64 hash of (template, values) modulo the table size.
"""
import numpy as np
from numba import njit

N_BASE = 12
SYM_BOS = 0x110010
SYM_EOS = 0x110011


@njit(cache=True)
def _mix(x):
    """splitmix64 finaliser of a uint64."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def _hash(k, a, b, n_buckets):
    """Bucket of template k with values a, b (each < 2**24)."""
    key = (np.uint64(k) << np.uint64(48)) | (np.uint64(a) << np.uint64(24)) | np.uint64(b)
    return np.int32(_mix(key + np.uint64(0x9E3779B97F4A7C15)) % np.uint64(n_buckets))


@njit(cache=True)
def base_features(sym, cls, offsets, n_buckets, n_cols, feats):
    """Write the N_BASE base features of every unit into feats[:, :N_BASE].

    sym : uint32[n_units] symbols; cls : uint8[n_units] classes; offsets : int64[n_lines + 1]
    (line i is units offsets[i]:offsets[i + 1]); n_buckets : int64 table size; n_cols : int64
    columns of feats (>= N_BASE); feats : int32[n_units, n_cols], filled in place.
    """
    for line in range(offsets.shape[0] - 1):
        lo = offsets[line]
        hi = offsets[line + 1]
        for p in range(lo, hi):
            s_m2 = sym[p - 2] if p - 2 >= lo else SYM_BOS
            s_m1 = sym[p - 1] if p - 1 >= lo else SYM_BOS
            s_0 = sym[p]
            s_p1 = sym[p + 1] if p + 1 < hi else SYM_EOS
            s_p2 = sym[p + 2] if p + 2 < hi else SYM_EOS
            c_m1 = cls[p - 1] if p - 1 >= lo else 0
            c_p1 = cls[p + 1] if p + 1 < hi else 0
            feats[p, 0] = _hash(0, s_m2, 0, n_buckets)
            feats[p, 1] = _hash(1, s_m1, 0, n_buckets)
            feats[p, 2] = _hash(2, s_0, 0, n_buckets)
            feats[p, 3] = _hash(3, s_p1, 0, n_buckets)
            feats[p, 4] = _hash(4, s_p2, 0, n_buckets)
            feats[p, 5] = _hash(5, s_m2, s_m1, n_buckets)
            feats[p, 6] = _hash(6, s_m1, s_0, n_buckets)
            feats[p, 7] = _hash(7, s_0, s_p1, n_buckets)
            feats[p, 8] = _hash(8, s_p1, s_p2, n_buckets)
            feats[p, 9] = _hash(9, s_m1, s_p1, n_buckets)
            feats[p, 10] = _hash(10, np.uint32(c_m1) * np.uint32(16) + np.uint32(cls[p]),
                                 np.uint32(c_p1), n_buckets)
            feats[p, 11] = _hash(11, 0, 0, n_buckets)
            for k in range(N_BASE, n_cols):
                feats[p, k] = -1


@njit(cache=True)
def unit_symbols(norm, starts, kinds, cls_of_cp, sym_num, sym_latin, sym_time, sym_space):
    """Symbol (uint32) and class (uint8) of every atom.

    norm : uint32[n] width-folded code points; starts : int64[m + 1] atom bounds; kinds :
    int8[m] atom kinds (mentropy._kernels.atoms K_*); cls_of_cp : uint8[n] code point classes
    (C_*); sym_* : the class tokens. Class: the atom kind, 7 for a one-character Han numeral.
    """
    m = kinds.shape[0]
    sym = np.empty(m, np.uint32)
    cls = np.empty(m, np.uint8)
    for a in range(m):
        k = kinds[a]
        c = norm[starts[a]]
        cls[a] = k
        if k == 2:
            sym[a] = sym_num
        elif k == 3:
            sym[a] = sym_latin
        elif k == 6:
            sym[a] = sym_time
        elif k == 4:
            sym[a] = sym_space
        else:
            sym[a] = c
            if k == 1 and cls_of_cp[starts[a]] == 6:
                cls[a] = 7
    return sym, cls


@njit(cache=True)
def remap(feats, table, first):
    """Replace bucket ids by dense ids in order of first appearance; table : int32[n_buckets]
    holds the map (-1: no id yet; filled with -1 for a first call), new ids start at `first`.
    Returns the number of dense ids after this call."""
    n = first
    for p in range(feats.shape[0]):
        for k in range(feats.shape[1]):
            f = feats[p, k]
            if f >= 0:
                d = table[f]
                if d < 0:
                    d = n
                    table[f] = d
                    n += 1
                feats[p, k] = d
    return n


@njit(cache=True)
def tags_from_bounds(unit_starts, unit_ends, is_bound):
    """BMES tag (int8) of every unit from word bounds: is_bound : uint8[n_chars + 1] (1 where a
    word starts or ends); a unit starting on a bound begins a word, one ending on a bound ends
    one (bounds inside a unit are ignored: atoms are never split)."""
    m = unit_starts.shape[0]
    tags = np.empty(m, np.int8)
    for a in range(m):
        b = is_bound[unit_starts[a]] == 1
        e = is_bound[unit_ends[a]] == 1
        if b and e:
            tags[a] = 3
        elif b:
            tags[a] = 0
        elif e:
            tags[a] = 2
        else:
            tags[a] = 1
    return tags


@njit(cache=True)
def hash_extra(extra, n_buckets, first_col, feats):
    """feats[p, first_col + k] = hash of (template first_col + k, extra[p, k]), or -1 where
    extra[p, k] < 0. extra : int32[n_units, k]; feats : int32[n_units, >= first_col + k]."""
    for p in range(extra.shape[0]):
        for k in range(extra.shape[1]):
            v = extra[p, k]
            feats[p, first_col + k] = _hash(first_col + k, v, 0, n_buckets) if v >= 0 else -1


@njit(cache=True)
def lexicon_columns(m_starts, m_ends, unit_at_start, unit_at_end, n_units, max_bin):
    """Lexicon features of every unit from word matches (int32[n_units, 3], -1 = none).

    m_starts, m_ends : int64[k] character spans of lexicon words found in the text (on unit
    bounds); unit_at_start / unit_at_end : int64[n_chars + 1] index of the unit starting /
    ending at a character offset (-1 elsewhere). Columns: the longest word of >= 2 units
    starting at the unit, ending at it, covering it strictly inside; lengths capped at max_bin.
    """
    out = np.full((n_units, 3), -1, np.int32)
    for k in range(m_starts.shape[0]):
        a = unit_at_start[m_starts[k]]
        b = unit_at_end[m_ends[k]]
        if a < 0 or b < 0:
            continue
        ln = b - a + 1
        if ln < 2:
            continue
        v = min(ln, max_bin)
        if v > out[a, 0]:
            out[a, 0] = v
        if v > out[b, 1]:
            out[b, 1] = v
        for u in range(a + 1, b):
            if v > out[u, 2]:
                out[u, 2] = v
    return out


@njit(cache=True)
def join_tagged(joined, starts, ends, tags, line_units, delimiter, newline):
    """Segmented text as code points: each line's units, `delimiter` (uint32[d]) before every
    unit tagged B (0) or S (3) but the first of its line, `newline` after every line.

    joined : uint32[n + L - 1] the lines joined by one separator each; starts, ends : int64[m]
    unit bounds in the lines without separators (line i is shifted by i in `joined`);
    tags : int8[m]; line_units : int64[L + 1].
    """
    n_lines = line_units.shape[0] - 1
    d = delimiter.shape[0]
    n_delim = 0
    for line in range(n_lines):
        for u in range(line_units[line] + 1, line_units[line + 1]):
            if tags[u] == 0 or tags[u] == 3:
                n_delim += 1
    n_chars = 0
    for u in range(starts.shape[0]):
        n_chars += ends[u] - starts[u]
    out = np.empty(n_chars + n_lines + d * n_delim, np.uint32)
    k = 0
    for line in range(n_lines):
        for u in range(line_units[line], line_units[line + 1]):
            if u > line_units[line] and (tags[u] == 0 or tags[u] == 3):
                for t in range(d):
                    out[k] = delimiter[t]
                    k += 1
            for p in range(starts[u] + line, ends[u] + line):
                out[k] = joined[p]
                k += 1
        out[k] = newline
        k += 1
    return out


@njit(cache=True)
def pair_keys(sym, line_units):
    """uint64 key (left symbol << 32 | right symbol) of every adjacent unit pair in a line."""
    n = 0
    for line in range(line_units.shape[0] - 1):
        n += max(line_units[line + 1] - line_units[line] - 1, 0)
    keys = np.empty(n, np.uint64)
    k = 0
    for line in range(line_units.shape[0] - 1):
        for p in range(line_units[line] + 1, line_units[line + 1]):
            keys[k] = (np.uint64(sym[p - 1]) << np.uint64(32)) | np.uint64(sym[p])
            k += 1
    return keys


@njit(cache=True)
def _count_of(sorted_keys, counts, key):
    i = np.searchsorted(sorted_keys, key)
    if i < sorted_keys.shape[0] and sorted_keys[i] == key:
        return counts[i]
    return 0


@njit(cache=True)
def pmi_columns(sym, line_units, pair_k, pair_c, uni_k, uni_c, log_total, lo_bin, hi_bin):
    """Binned PMI of the boundary before and after every unit (int32[n_units, 2], -1 at a
    line's edge): bin = clip(floor(PMI), lo_bin, hi_bin) - lo_bin + 1, 0 for an unseen pair.

    PMI(a, b) = ln N_ab + ln N - ln N_a - ln N_b over unit symbols; pair_k / uni_k : uint64
    sorted keys (pair_keys / symbols), pair_c / uni_c : int64 counts; log_total : ln N.
    """
    n_units = sym.shape[0]
    out = np.full((n_units, 2), -1, np.int32)
    for line in range(line_units.shape[0] - 1):
        for p in range(line_units[line] + 1, line_units[line + 1]):
            a = np.uint64(sym[p - 1])
            b = np.uint64(sym[p])
            c_ab = _count_of(pair_k, pair_c, (a << np.uint64(32)) | b)
            v = 0
            if c_ab > 0:
                c_a = _count_of(uni_k, uni_c, a)
                c_b = _count_of(uni_k, uni_c, b)
                pmi = np.log(c_ab) + log_total - np.log(c_a) - np.log(c_b)
                f = int(np.floor(pmi))
                f = min(max(f, lo_bin), hi_bin)
                v = f - lo_bin + 1
            out[p - 1, 1] = v
            out[p, 0] = v
    return out
