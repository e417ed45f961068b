"""A code point trie in flat arrays, and the kernel that lists dictionary words found in text.

Layout (all arrays; nothing here touches Python objects):

root : int32[65536]      child of the root for each BMP code point, -1 when absent
table : int64[2 * cap]   open-addressing hash of every other edge: slot s holds the key
                         ``parent * 2**21 + code point`` at ``2 * s`` (-1 = empty) and the child
                         node at ``2 * s + 1``; cap is a power of two, load kept <= 1/2
parent : int32[n_nodes], cp : uint32[n_nodes]   the edge into each node (node 0 is the root)
count : int64[n_nodes]   count of the word that ends at the node, 0 when no word ends there
filt : uint64[2**(bits + 3) / 64]  a one-hash Bloom filter of the keys in `table` (8 bits per
                         slot, so about 16 per key). Most lookups while matching are of absent
                         edges (where a word stops); the filter answers most of them from 1 MB
                         that stays in cache instead of probing a table ten times larger.

Probing is linear from a fixed multiplicative hash of the key, so the layout depends only on the
order of insertion, never on Python's hash.
"""
import numpy as np
from numba import njit

CP_BITS = 21
EMPTY = -1
HASH_MUL = 0x9E3779B97F4A7C15
FILTER_EXTRA_BITS = 3
FILTER_MUL = 0xC2B2AE3D27D4EB4F


def new_filter(bits):
    """An empty filter for a table of 2**bits slots."""
    return np.zeros(max(1, 1 << (bits + FILTER_EXTRA_BITS - 6)), np.uint64)


@njit(cache=True, inline="always")
def _slot(key, bits):
    h = np.uint64(key) * np.uint64(HASH_MUL)
    return np.int64(h >> np.uint64(64 - bits))


@njit(cache=True, inline="always")
def _filter_bit(key, bits):
    h = np.uint64(key) * np.uint64(FILTER_MUL)
    return np.int64(h >> np.uint64(64 - bits - FILTER_EXTRA_BITS))


@njit(cache=True, inline="always")
def child(root, table, filt, bits, node, c):
    """Child of `node` along code point `c`, or -1."""
    if node == 0 and c < 65536:
        return np.int64(root[c])
    key = (np.int64(node) << CP_BITS) | np.int64(c)
    f = _filter_bit(key, bits)
    if (filt[f >> 6] >> np.uint64(f & 63)) & np.uint64(1) == np.uint64(0):
        return np.int64(-1)
    mask = (np.int64(1) << bits) - 1
    s = _slot(key, bits)
    while True:
        k = table[2 * s]
        if k == key:
            return table[2 * s + 1]
        if k == EMPTY:
            return np.int64(-1)
        s = (s + 1) & mask


@njit(cache=True, inline="always")
def _set_child(root, table, filt, bits, node, c, new):
    if node == 0 and c < 65536:
        root[c] = new
        return
    key = (np.int64(node) << CP_BITS) | np.int64(c)
    f = _filter_bit(key, bits)
    filt[f >> 6] |= np.uint64(1) << np.uint64(f & 63)
    mask = (np.int64(1) << bits) - 1
    s = _slot(key, bits)
    while table[2 * s] != EMPTY:
        s = (s + 1) & mask
    table[2 * s] = key
    table[2 * s + 1] = new


@njit(cache=True)
def rehash(table, bits, new_bits):
    """A copy of `table` (2**bits slots) with 2**new_bits slots, and its filter (see the
    module docstring): (table int64[2 << new_bits], filt uint64[.])."""
    out = np.full(2 << new_bits, EMPTY, np.int64)
    filt = np.zeros(max(1, 1 << (new_bits + FILTER_EXTRA_BITS - 6)), np.uint64)
    mask = (np.int64(1) << new_bits) - 1
    for s in range(1 << bits):
        key = table[2 * s]
        if key != EMPTY:
            t = _slot(key, new_bits)
            while out[2 * t] != EMPTY:
                t = (t + 1) & mask
            out[2 * t] = key
            out[2 * t + 1] = table[2 * s + 1]
            f = _filter_bit(key, new_bits)
            filt[f >> 6] |= np.uint64(1) << np.uint64(f & 63)
    return out, filt


@njit(cache=True)
def insert_words(root, table, filt, bits, parent, cp, count, n_nodes, cps, offsets, counts, mode,
                 first, nodes):
    """Insert words into the trie, in order, while there is room.

    root, table, filt, parent, cp, count : the trie (see the module docstring)
    n_nodes : int        nodes in use
    cps : uint32[m]      code points of the words, concatenated (already normalised)
    offsets : int64[w+1] word i is cps[offsets[i]:offsets[i + 1]]; empty words are skipped
    counts : int64[w]    count of each word
    mode : int           0: set the count (a later word replaces an earlier equal one);
                         1: keep the larger of the old and new count
    first : int          index of the first word to insert
    nodes : int64[w]     filled with the node of each inserted word
    Returns (n_nodes, stop): nodes in use afterwards and the first word not inserted (w when
    all were). A word is inserted only if its new nodes fit both the node arrays and the
    table at load <= 1/2; the caller grows them and calls again from `stop`.
    """
    w = offsets.shape[0] - 1
    room = parent.shape[0]
    slots = np.int64(1) << bits
    for i in range(first, w):
        length = offsets[i + 1] - offsets[i]
        if n_nodes + length > room or 2 * (n_nodes + length) > slots:
            return n_nodes, i
        node = np.int64(0)
        for k in range(offsets[i], offsets[i + 1]):
            c = np.int64(cps[k])
            nxt = child(root, table, filt, bits, node, c)
            if nxt < 0:
                nxt = np.int64(n_nodes)
                parent[nxt] = node
                cp[nxt] = c
                count[nxt] = 0
                n_nodes += 1
                _set_child(root, table, filt, bits, node, c, nxt)
            node = nxt
        nodes[i] = node
        if node == 0:
            continue
        if mode == 0 or counts[i] > count[node]:
            count[node] = counts[i]
    return n_nodes, w


@njit(cache=True)
def find_words(root, table, filt, bits, cps, offsets):
    """Node of each word (int64[w]), or -1 when the word's path is not in the trie."""
    w = offsets.shape[0] - 1
    nodes = np.empty(w, np.int64)
    for i in range(w):
        node = np.int64(0)
        for k in range(offsets[i], offsets[i + 1]):
            node = child(root, table, filt, bits, node, np.int64(cps[k]))
            if node < 0:
                break
        nodes[i] = node
    return nodes


@njit(cache=True)
def node_words(parent, cp, nodes):
    """Spell the words ending at `nodes`: (cps uint32[m], offsets int64[len(nodes) + 1])."""
    k = nodes.shape[0]
    offsets = np.zeros(k + 1, np.int64)
    for i in range(k):
        d = 0
        x = nodes[i]
        while x != 0:
            d += 1
            x = parent[x]
        offsets[i + 1] = offsets[i] + d
    out = np.empty(offsets[k], np.uint32)
    for i in range(k):
        x = nodes[i]
        j = offsets[i + 1]
        while x != 0:
            j -= 1
            out[j] = cp[x]
            x = parent[x]
    return out, offsets


@njit(cache=True)
def _match_into(root, table, filt, bits, log_p, cps, may_cut, line_starts, line_ends, cap):
    # the output never grows inside the loop (reassigning arrays there slows the walk ~10x):
    # returns ok=False when `cap` is too small and the caller retries with more room
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    scores = np.empty(cap, np.float64)
    k = 0
    ninf = -np.inf
    pinf = np.inf
    for line in range(line_starts.shape[0]):
        b = line_ends[line]
        for i in range(line_starts[line], b):
            if may_cut[i] == 0 and i != line_starts[line]:
                continue
            c = np.int64(cps[i])
            if c < 65536:
                node = np.int64(root[c])
            else:
                node = child(root, table, filt, bits, np.int64(0), c)
            j = i + 1
            while node > 0:
                s = log_p[node]
                if (may_cut[j] != 0 or j == b) and s > ninf and s < pinf:
                    if k == cap:
                        return starts[:0], ends[:0], scores[:0], False
                    starts[k] = i
                    ends[k] = j
                    scores[k] = s
                    k += 1
                if j >= b:
                    break
                node = child(root, table, filt, bits, node, np.int64(cps[j]))
                j += 1
    return starts[:k].copy(), ends[:k].copy(), scores[:k].copy(), True


@njit(cache=True)
def match_lines(root, table, filt, bits, log_p, cps, may_cut, line_starts, line_ends):
    """Every dictionary word occurrence that starts and ends on a cut position, per line.

    root, table, filt, bits : the trie;  log_p : float64[n_nodes] score of the word ending at each
        node (-inf where no word ends; non-finite scores are never reported)
    cps : uint32[n]        normalised code points of the concatenated lines
    may_cut : uint8[n + 1] nonzero where a cut is allowed (atom boundaries); a line's start
        and end always are
    line_starts, line_ends : int64[L]  line l is cps[line_starts[l]:line_ends[l]], lines in
        increasing order; a match never crosses a line end
    Returns (starts int64[k], ends int64[k], scores float64[k]) sorted by start, then end.
    """
    cap = 2 * cps.shape[0] + 16
    while True:
        starts, ends, scores, ok = _match_into(root, table, filt, bits, log_p, cps, may_cut,
                                               line_starts, line_ends, cap)
        if ok:
            return starts, ends, scores
        cap *= 4
