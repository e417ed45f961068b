"""Template matching and the span DP of the shallow parse (DESIGN §5).

Templates are sequences of elements: a token id (>= 0) is a fixed token, -1 a placeholder. They
are stored as a trie over elements:

edge_ptr : int64[M + 1]   the fixed-token edges of node s are edge_ptr[s]:edge_ptr[s + 1]
edge_tok : int32[E]       their tokens, ascending within a node
edge_child : int32[E]     their target nodes
x_child : int32[M]        the node reached through a placeholder, or -1
final : int32[M]          the template that ends at the node, or -1; node 0 is the root

Matching semantics (the reference implementation gets these wrong): a fixed token matches only
itself, a placeholder absorbs one or more consecutive tokens, nothing else may be skipped, and a
match covers its whole span. Tokens that no template holds are -1 and match no fixed element.
Spans are capped at `max_span` tokens, which keeps every line polynomial (linear in its length).
"""
import numpy as np
from numba import njit

NEG = -np.inf
SEP = 1  # a separator: ，。、；！？ (no gap holds one, except after an opening mark)
OPEN = 2  # an opening mark: “‘《（『「【


@njit(cache=True)
def _child(edge_ptr, edge_tok, edge_child, node, tok):
    """The child of `node` through fixed token `tok`, or -1 (binary search)."""
    lo = edge_ptr[node]
    end = edge_ptr[node + 1]
    hi = end
    while lo < hi:
        mid = (lo + hi) // 2
        if edge_tok[mid] < tok:
            lo = mid + 1
        else:
            hi = mid
    if lo < end and edge_tok[lo] == tok:
        return edge_child[lo]
    return -1


@njit(cache=True)
def _push(bnode, bscore, bn, off, node, score):
    """Put state (node, score) at offset `off`, keeping the best score per node; False when
    the offset's bucket is full (the state is dropped)."""
    for k in range(bn[off]):
        if bnode[off, k] == node:
            if score > bscore[off, k]:
                bscore[off, k] = score
            return True
    if bn[off] == bnode.shape[1]:
        return False
    bnode[off, bn[off]] = node
    bscore[off, bn[off]] = score
    bn[off] += 1
    return True


@njit(cache=True)
def match_spans(toks, edge_ptr, edge_tok, edge_child, x_child, final, max_span, cap):
    """Every (start, end, template) such that the template matches toks[start:end] exactly.

    toks : int32[n]   token ids, -1 for tokens no template holds
    max_span : int    longest span considered (tokens); cap : int  states per position
    Returns (starts int64[m], ends int64[m], templates int32[m], overflow bool) ordered by
    start, then end, then the order the trie reaches them (sort in the caller if needed).
    """
    n = toks.shape[0]
    bnode = np.empty((max_span + 2, cap), np.int32)
    bscore = np.zeros((max_span + 2, cap), np.float64)
    bn = np.zeros(max_span + 2, np.int64)
    out_s = []
    out_e = []
    out_t = []
    overflow = False
    for i in range(n):
        bn[:] = 0
        _push(bnode, bscore, bn, 0, 0, 0.0)
        hi = min(n, i + max_span)
        for off in range(0, hi - i + 1):
            p = i + off
            for k in range(bn[off]):
                s = bnode[off, k]
                if final[s] >= 0 and off > 0:
                    out_s.append(i)
                    out_e.append(p)
                    out_t.append(final[s])
                if p < hi:
                    c = _child(edge_ptr, edge_tok, edge_child, s, toks[p])
                    if c >= 0 and not _push(bnode, bscore, bn, off + 1, c, 0.0):
                        overflow = True
                xc = x_child[s]
                if xc >= 0:
                    for q in range(p + 1, hi + 1):
                        if not _push(bnode, bscore, bn, q - i, xc, 0.0):
                            overflow = True
    m = len(out_s)
    starts = np.empty(m, np.int64)
    ends = np.empty(m, np.int64)
    tmpl = np.empty(m, np.int32)
    for k in range(m):
        starts[k] = out_s[k]
        ends[k] = out_e[k]
        tmpl[k] = out_t[k]
    return starts, ends, tmpl, overflow


@njit(cache=True)
def _under_x(edge_ptr, edge_child, x_child):
    """Nodes in the subtree of the root's placeholder child (templates with a leading
    placeholder). Children always have larger ids than their parent."""
    m = x_child.shape[0]
    under = np.zeros(m, np.bool_)
    if x_child[0] >= 0:
        under[x_child[0]] = True
    for s in range(m):
        if under[s]:
            for e in range(edge_ptr[s], edge_ptr[s + 1]):
                under[edge_child[e]] = True
            if x_child[s] >= 0:
                under[x_child[s]] = True
    return under


@njit(cache=True)
def _next_sep(sep):
    """nsep[i] = the first p >= i with sep[p] == SEP, or len(sep)."""
    n = sep.shape[0]
    nsep = np.empty(n + 1, np.int64)
    nsep[n] = n
    for i in range(n - 1, -1, -1):
        nsep[i] = i if sep[i] == SEP else nsep[i + 1]
    return nsep


@njit(cache=True)
def _reach(c, off, score, final, tlp, under, blk, blk_tmpl, rest, rest_tmpl):
    """State c reached at offset `off`: record the template ending there, as a block or, for
    a template with a leading placeholder, as the rest of one (from this start)."""
    t = final[c]
    if t < 0:
        return
    score += tlp[t]
    if under[c]:
        if score > rest[off]:
            rest[off] = score
            rest_tmpl[off] = t
    elif score > blk[off]:
        blk[off] = score
        blk_tmpl[off] = t


@njit(cache=True)
def _line_tables(toks, wlp, flp, sep, edge_ptr, edge_tok, edge_child, x_child, final, under,
                 tlp, gap_cost, max_span, bnode, bscore, bn):
    """Forward pass of the span DP over one line.

    seq[i, d]  best log-probability of toks[i:i+d] as a sequence of words and blocks
    blk[i, d]  best log-probability of toks[i:i+d] as one template block (NEG if none)
    rest[i, d] best log-probability of toks[i:i+d] as what follows the leading placeholder of
               a template (so that blk[i, d] = max over p of seq[i, p - i] + rest[p, i + d - p]:
               the leading gap is not re-matched from every start)
    flp[p] is added when toks[p] is read as a fixed token (a class token such as <NUM>
    still codes which number it is). sep[p] is SEP for a separator (，。、；！？), OPEN for an
    opening mark (“‘《（『「【), else 0: a placeholder never absorbs a separator (a gap stays
    inside its clause) unless it follows an opening mark (“X” may hold a whole quotation).
    Returns (seq, seq_back, blk, blk_tmpl, top, top_back, overflow): seq_back[i, d] is the
    start of the last block of the best sequence (-1: its last item is a word), top[j] the best
    of the whole prefix toks[:j] and top_back[j] the same back-pointer for it.
    """
    n = toks.shape[0]
    L = max_span
    # seq and seq_back are written before they are read; the *_tmpl arrays are read only
    # where blk / rest are finite
    seq = np.empty((n + 1, L + 1))
    seq_back = np.empty((n + 1, L + 1), np.int32)
    blk = np.full((n + 1, L + 1), NEG)
    blk_tmpl = np.empty((n + 1, L + 1), np.int32)
    xr = x_child[0]
    rows = n + 1 if xr >= 0 else 1  # no template with a leading placeholder: no rest table
    rest = np.full((rows, L + 1), NEG)
    rest_tmpl = np.empty((rows, L + 1), np.int32)
    nsep = _next_sep(sep)
    # blocks (and rests) ending at j: linked lists through end_head / link, holding starts
    end_head = np.full(n + 1, -1, np.int64)
    rest_head = np.full(n + 1, -1, np.int64)
    link = np.empty(2 * n * (L + 1) + 1, np.int64)
    link_start = np.empty(2 * n * (L + 1) + 1, np.int64)
    n_links = 0
    overflow = False
    for i in range(n - 1, -1, -1):
        seq[i, 0] = 0.0
        hi = min(n, i + L)
        bn[:] = 0
        _push(bnode, bscore, bn, 0, 0, 0.0)
        if xr >= 0:
            _push(bnode, bscore, bn, 0, xr, 0.0)
        bi = blk[i]
        bti = blk_tmpl[i]
        ri = rest[i] if xr >= 0 else rest[0]
        rti = rest_tmpl[i] if xr >= 0 else rest_tmpl[0]
        # seq[i, d] is read only for a placeholder's content starting at i, which stops at the
        # next separator unless it follows an opening mark: no need to compute it further
        if i > 0 and sep[i - 1] == OPEN:
            seq_end = hi - i
        else:
            seq_end = min(hi, nsep[i]) - i
        last = 0  # the furthest offset a state or a block of this start has reached
        for off in range(0, hi - i + 1):
            if off > seq_end and off > last and xr < 0:
                break  # (a leading placeholder could still end a block further on)
            p = i + off
            if off > 0:
                # templates with a leading placeholder over toks[i:p]: gap i..q, rest q..p
                e = rest_head[p]
                while e >= 0:
                    q = link_start[e]
                    if nsep[i] < q:
                        e = link[e]
                        continue
                    cand = seq[i, q - i] - gap_cost * (q - i) + rest[q, p - q]
                    if cand > bi[off]:
                        bi[off] = cand
                        bti[off] = rest_tmpl[q, p - q]
                    e = link[e]
                if bi[off] > NEG:
                    link[n_links] = end_head[p]
                    link_start[n_links] = i
                    end_head[p] = n_links
                    n_links += 1
                if ri[off] > NEG:
                    link[n_links] = rest_head[p]
                    link_start[n_links] = i
                    rest_head[p] = n_links
                    n_links += 1
            if 0 < off <= seq_end:
                best = seq[i, off - 1] + wlp[p - 1]
                back = -1
                e = end_head[p]
                while e >= 0:
                    k = link_start[e]
                    if k == i:
                        cand = bi[off]
                    else:
                        cand = seq[i, k - i] + blk[k, p - k]
                    if cand > best:
                        best = cand
                        back = k
                    e = link[e]
                seq[i, off] = best
                seq_back[i, off] = back
            for k in range(bn[off]):
                s = bnode[off, k]
                sc = bscore[off, k]
                if p < hi:
                    c = _child(edge_ptr, edge_tok, edge_child, s, toks[p])
                    if c >= 0:
                        g = sc + flp[p]
                        _reach(c, off + 1, g, final, tlp, under, bi, bti, ri, rti)
                        if not _push(bnode, bscore, bn, off + 1, c, g):
                            overflow = True
                        last = max(last, off + 1)
                xc = x_child[s]
                if xc >= 0 and s != 0 and off > 0:
                    stop = hi if sep[p - 1] == OPEN else min(hi, nsep[p])
                    for q in range(p + 1, stop + 1):
                        g = sc + seq[p, q - p] - gap_cost * (q - p)
                        if nsep[p] >= q:
                            _reach(xc, q - i, g, final, tlp, under, bi, bti, ri, rti)
                            last = max(last, q - i)
                        if q < hi:
                            c = _child(edge_ptr, edge_tok, edge_child, xc, toks[q])
                            if c >= 0:
                                g2 = g + flp[q]
                                _reach(c, q + 1 - i, g2, final, tlp, under, bi, bti, ri, rti)
                                if not _push(bnode, bscore, bn, q + 1 - i, c, g2):
                                    overflow = True
                                last = max(last, q + 1 - i)
    top = np.full(n + 1, NEG)
    top_back = np.full(n + 1, -1, np.int64)
    top[0] = 0.0
    for j in range(1, n + 1):
        best = top[j - 1] + wlp[j - 1]
        back = -1
        e = end_head[j]
        while e >= 0:
            k = link_start[e]
            cand = top[k] + blk[k, j - k]
            if cand > best:
                best = cand
                back = k
            e = link[e]
        top[j] = best
        top_back[j] = back
    return seq, seq_back, blk, blk_tmpl, top, top_back, overflow


@njit(cache=True)
def _split(toks, flp, sep, nsep, i, j, t, tmpl_ptr, tmpl_elems, seq, gap_cost, bounds):
    """Best placement of template t's elements over toks[i:j]: writes element e's span start
    into bounds[e] (bounds[m] = j) and returns the number of elements m."""
    a = tmpl_ptr[t]
    m = tmpl_ptr[t + 1] - a
    w = j - i
    v = np.full((m + 1, w + 1), NEG)
    back = np.full((m + 1, w + 1), -1, np.int64)
    v[0, 0] = 0.0
    for e in range(m):
        el = tmpl_elems[a + e]
        for p in range(w + 1):
            if v[e, p] == NEG:
                continue
            if el >= 0:
                if p < w and toks[i + p] == el and v[e, p] + flp[i + p] > v[e + 1, p + 1]:
                    v[e + 1, p + 1] = v[e, p] + flp[i + p]
                    back[e + 1, p + 1] = p
            else:
                free = e > 0 and e < m - 1 and p > 0 and sep[i + p - 1] == OPEN
                for q in range(p + 1, w + 1):
                    if not free and nsep[i + p] < i + q:
                        break
                    g = v[e, p] + seq[i + p, q - p] - gap_cost * (q - p)
                    if g > v[e + 1, q]:
                        v[e + 1, q] = g
                        back[e + 1, q] = p
    p = w
    bounds[m] = j
    for e in range(m, 0, -1):
        p = back[e, p]
        bounds[e - 1] = i + p
    return m


@njit(cache=True)
def _emit(kind, start, end, tmpl, parent, line, n_out, o_kind, o_start, o_end, o_tmpl, o_parent,
          o_line):
    o_kind[n_out] = kind
    o_start[n_out] = start
    o_end[n_out] = end
    o_tmpl[n_out] = tmpl
    o_parent[n_out] = parent
    o_line[n_out] = line
    return n_out + 1


@njit(cache=True)
def _piece_end(sep, lo, line_hi, chunk, max_span):
    """End of the piece of a line that starts at lo: lo + chunk, or just after the last
    separator in the max_span tokens before it; the line's end when that comes first."""
    end = lo + chunk
    if end >= line_hi:
        return line_hi
    for k in range(end, max(lo + 1, end - max_span), -1):
        if sep[k - 1] == SEP:
            return k
    return end


@njit(cache=True)
def parse_lines(toks, wlp, flp, sep, offsets, edge_ptr, edge_tok, edge_child, x_child, final, tlp,
                tmpl_ptr, tmpl_elems, gap_cost, max_span, cap, chunk):
    """Best nested-template reading of every line (DESIGN §5): the flat reading and every
    template match compete in one log-probability, summed over the line.

    toks : int32[k]      template token ids (-1: in no template), lines concatenated
    wlp : float64[k]     log-probability of each token read as a plain word
    flp : float64[k]     added when the token is read as a fixed token of a template
    sep : int8[k]        SEP separators (，。、；！？), OPEN opening marks, 0 others (see
                         `_line_tables`)
    offsets : int64[l+1] line f is toks[offsets[f]:offsets[f + 1]]
    tlp : float64[T]     log-probability of each template
    tmpl_ptr : int64[T+1], tmpl_elems : int32[...]  the templates' elements (-1 placeholder)
    gap_cost : float     nats charged per token a placeholder absorbs (ties go to short gaps)
    max_span : int       longest block (tokens); cap : int  trie states kept per position
    chunk : int          a line longer than this is parsed in pieces of at most chunk tokens,
                         cut after a separator within max_span tokens of the limit if any
    Returns nodes in pre-order (kind int8: 0 word, 1 template block, 2 gap holding several
    items; start, end int64 token offsets within the line; tmpl int32; parent int64, -1 for
    the top items of a line; line int64), the log-probability of each line (float64[l]) and
    a per-line overflow flag (bool[l]: some state was dropped for lack of room, or a piece
    boundary fell inside a clause).
    Children of a template block are its elements in order: a fixed token (word node) or the
    content of a placeholder (a word, a block, or a kind-2 node holding its items).
    """
    n_lines = offsets.shape[0] - 1
    k_total = toks.shape[0]
    size = 4 * k_total + 16
    o_kind = np.empty(size, np.int8)
    o_start = np.empty(size, np.int64)
    o_end = np.empty(size, np.int64)
    o_tmpl = np.empty(size, np.int32)
    o_parent = np.empty(size, np.int64)
    o_line = np.empty(size, np.int64)
    n_out = 0
    logp = np.zeros(n_lines, np.float64)
    overflow = np.zeros(n_lines, np.bool_)
    bnode = np.empty((max_span + 2, cap), np.int32)
    bscore = np.zeros((max_span + 2, cap), np.float64)
    bn = np.zeros(max_span + 2, np.int64)
    bounds = np.empty(tmpl_elems.shape[0] + 1, np.int64)
    under = _under_x(edge_ptr, edge_child, x_child)
    # pre-order work stack of tasks (kind, a, b, parent): 0 word, 1 block, 2 gap, 3 line
    stack = np.empty((4 * min(k_total, chunk) + 16, 4), np.int64)
    for f in range(n_lines):
        line_lo = offsets[f]
        line_hi = offsets[f + 1]
        lo = line_lo
        while lo < line_hi:
            # a long line is parsed in pieces of at most `chunk` tokens, cut after a separator
            # where one is near: the tables stay small whatever the line's length
            hi = _piece_end(sep, lo, line_hi, chunk, max_span)
            if hi < line_hi and sep[hi - 1] != SEP:
                overflow[f] = True
            shift = lo - line_lo
            n = hi - lo
            lt = toks[lo:hi]
            seq, seq_back, blk, blk_tmpl, top, top_back, ovf = _line_tables(
                lt, wlp[lo:hi], flp[lo:hi], sep[lo:hi], edge_ptr, edge_tok, edge_child, x_child,
                final, under, tlp, gap_cost, max_span, bnode, bscore, bn)
            logp[f] += top[n]
            if ovf:
                overflow[f] = True
            lflp = flp[lo:hi]
            lsep = sep[lo:hi]
            nsep = _next_sep(lsep)
            stack[0, 0] = 3
            stack[0, 1] = 0
            stack[0, 2] = n
            stack[0, 3] = -1
            n_st = 1
            while n_st > 0:
                n_st -= 1
                task = stack[n_st, 0]
                a = stack[n_st, 1]
                b = stack[n_st, 2]
                parent = stack[n_st, 3]
                if task == 0:
                    n_out = _emit(0, a + shift, b + shift, -1, parent, f, n_out, o_kind,
                                  o_start, o_end, o_tmpl, o_parent, o_line)
                elif task == 1:
                    t = blk_tmpl[a, b - a]
                    n_out = _emit(1, a + shift, b + shift, t, parent, f, n_out, o_kind,
                                  o_start, o_end, o_tmpl, o_parent, o_line)
                    me = n_out - 1
                    m = _split(lt, lflp, lsep, nsep, a, b, t, tmpl_ptr, tmpl_elems, seq, gap_cost,
                               bounds)
                    for e in range(m - 1, -1, -1):
                        stack[n_st, 0] = 0 if tmpl_elems[tmpl_ptr[t] + e] >= 0 else 2
                        stack[n_st, 1] = bounds[e]
                        stack[n_st, 2] = bounds[e + 1]
                        stack[n_st, 3] = me
                        n_st += 1
                else:
                    # the items of the best sequence over lt[a:b], read backwards from the
                    # back-pointers and pushed in that order, so that they pop in text order
                    n_items = 0
                    j = b
                    while j > a:
                        k = top_back[j] if task == 3 else seq_back[a, j - a]
                        stack[n_st, 0] = 0 if k < 0 else 1
                        if k < 0:
                            k = j - 1
                        stack[n_st, 1] = k
                        stack[n_st, 2] = j
                        n_st += 1
                        n_items += 1
                        j = k
                    if task == 2 and n_items > 1:
                        # a gap holding several items: a node of its own, parent of the items
                        n_out = _emit(2, a + shift, b + shift, -1, parent, f, n_out, o_kind,
                                      o_start, o_end, o_tmpl, o_parent, o_line)
                        parent = n_out - 1
                    for q in range(n_st - n_items, n_st):
                        stack[q, 3] = parent
            lo = hi
    return (o_kind[:n_out].copy(), o_start[:n_out].copy(), o_end[:n_out].copy(),
            o_tmpl[:n_out].copy(), o_parent[:n_out].copy(), o_line[:n_out].copy(), logp,
            overflow)


@njit(cache=True)
def run_hashes(ids, starts, ends):
    """FNV-1a hash (uint64) of each run ids[starts[r]:ends[r]] (ids : int32, >= 0)."""
    out = np.empty(starts.shape[0], np.uint64)
    prime = np.uint64(1099511628211)
    for r in range(starts.shape[0]):
        h = np.uint64(14695981039346656037)
        for k in range(starts[r], ends[r]):
            h = (h ^ np.uint64(ids[k] + 1)) * prime
        out[r] = (h ^ np.uint64(ends[r] - starts[r])) * prime
    return out
