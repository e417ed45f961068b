"""Skip-gram pair counts and candidate chains against plain-Python oracles."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_templates as naive
from mentropy._kernels import ngrams as KN
from mentropy._kernels import skipgrams as K

lines_st = st.lists(st.lists(st.integers(0, 6), max_size=12), max_size=8)


def csr(lines):
    ids = np.array([x for line in lines for x in line], dtype=np.int32)
    offsets = np.zeros(len(lines) + 1, np.int64)
    np.cumsum([len(x) for x in lines], out=offsets[1:])
    return ids, offsets


def table(lines, window):
    keys, counts = K.count_pairs(*csr(lines), window)
    u, v, gapped = K.unpack_pairs(keys)
    rows = zip(u.tolist(), v.tolist(), gapped.tolist(), counts.tolist())
    return {(a, b, g): c for a, b, g, c in rows}, keys


@settings(max_examples=150, deadline=None)
@given(lines=lines_st, window=st.integers(1, 5))
def test_counts_match_naive(lines, window):
    got, keys = table(lines, window)
    assert got == dict(naive.skip_pairs(lines, window))
    assert np.all(np.diff(keys.astype(np.float64)) > 0) or keys.shape[0] <= 1
    assert sum(got.values()) == K.n_pairs(csr(lines)[1], window)


@settings(max_examples=80, deadline=None)
@given(lines=lines_st, cut=st.integers(0, 8), window=st.integers(1, 5))
def test_merge_of_shards_is_the_whole(lines, cut, window):
    cut = min(cut, len(lines))
    k1, c1 = K.count_pairs(*csr(lines[:cut]), window)
    k2, c2 = K.count_pairs(*csr(lines[cut:]), window)
    k, c = K.count_pairs(*csr(lines), window)
    rows = [x.reshape(-1, 1) for x in (k1, k2)]  # the one merge of every count table
    for a, b in (KN.merge_sorted(rows[0], c1, rows[1], c2),
                 KN.merge_sorted(rows[1], c2, rows[0], c1)):
        np.testing.assert_array_equal(a[:, 0], k)
        np.testing.assert_array_equal(b, c)


def test_buckets_fold_into_pair_totals():
    keys, counts = K.count_pairs(*csr([[1, 2, 1, 2], [1, 3, 2]]), 3)
    pairs, adj, tot = K.pair_totals(keys, counts)
    got = {(int(p >> np.uint64(33)), int((p >> np.uint64(1)) & np.uint64(0xFFFFFFFF))): (a, t)
           for p, a, t in zip(pairs, adj.tolist(), tot.tolist())}
    # (1, 2): adjacent twice in line 1, at distance 3 once, at distance 2 in line 2
    assert got[(1, 2)] == (2, 4)
    assert got[(2, 1)] == (1, 1)
    assert got[(1, 3)] == (1, 1)


def naive_chains(line, punct, links, window, max_fixed, min_words):
    """Element tuples of the candidates of one line (see chain_candidates)."""
    def nxt(a):
        for j in range(a + 1, min(len(line), a + window + 1)):
            if (line[a], line[j]) in links:
                return j
        return -1

    out = []
    for i in range(len(line)):
        if punct[line[i]] == K.SEP:
            continue
        for j in range(i + 1, min(len(line), i + window + 1)):
            if (line[i], line[j]) not in links:
                continue
            pos = [i, j]
            while True:
                fixed = sum(punct[line[p]] != K.SEP for p in pos)
                words = sum(punct[line[p]] == 0 for p in pos)
                gaps = sum(b > a + 1 for a, b in zip(pos, pos[1:]))
                if (punct[line[pos[0]]] != K.SEP and punct[line[pos[-1]]] != K.SEP
                        and fixed >= 2 and words >= min_words and gaps):
                    el = []
                    for k, p in enumerate(pos):
                        if k and p > pos[k - 1] + 1:
                            el.append(-1)
                        el.append(line[p])
                    last = pos[-1]
                    if (last < len(line) - 1 and punct[line[last]] == 0
                            and punct[line[last + 1]] == 0):
                        el.append(-1)
                    out.append(tuple(el))
                if len(pos) == max_fixed:
                    break
                k = nxt(pos[-1])
                if k < 0:
                    break
                pos.append(k)
    return out


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.lists(st.integers(0, 5), max_size=14), min_size=1, max_size=5),
       link_list=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=12),
       window=st.integers(1, 4), max_fixed=st.integers(2, 4), min_words=st.integers(1, 2))
def test_chain_candidates_match_naive(lines, link_list, window, max_fixed, min_words):
    punct = np.array([0, 0, 0, 0, K.SEP, K.MARK], dtype=np.int8)
    links = set(link_list)
    keys = np.array(sorted({(u << 32) | v for u, v in links}), dtype=np.uint64)
    ids, offsets = csr(lines)
    hashes, starts, seconds, lengths = K.chain_candidates(ids, offsets, punct, keys, window,
                                                          max_fixed, min_words)
    line_of = np.searchsorted(offsets, starts, side="right") - 1
    ptr, elems = K.chain_elements(ids, offsets, punct, keys, window, line_of.astype(np.int64),
                                  starts, seconds, lengths)
    got = [tuple(elems[ptr[r]:ptr[r + 1]].tolist()) for r in range(len(starts))]
    want = [c for line in lines
            for c in naive_chains(line, punct, links, window, max_fixed, min_words)]
    assert sorted(got) == sorted(want)
    # equal templates hash equally
    by_elems = {}
    for h, e in zip(hashes.tolist(), got):
        assert by_elems.setdefault(e, h) == h


@settings(max_examples=150, deadline=None)
@given(lines=lines_st, window=st.integers(1, 4), min_count=st.integers(1, 3),
       min_pmi=st.sampled_from([-5.0, 0.0, 0.5, 1.5]))
def test_strong_pairs_match_the_formula(lines, window, min_count, min_pmi):
    import math

    ids, offsets = csr(lines)
    from mentropy.mining import pair_table

    pairs, counts, n_slots = pair_table(ids, offsets, window)
    n_slots = max(n_slots, 1)
    n_tok = max(ids.shape[0], 1)
    unigram = np.bincount(ids, minlength=7).astype(np.float64)
    got = K.strong_pairs(pairs, counts, unigram, float(n_slots), float(n_tok), min_count, 0.0,
                         min_pmi)
    totals: dict = {}
    for (u, v, _), c in naive.skip_pairs(lines, window).items():
        totals[(u, v)] = totals.get((u, v), 0) + c
    base = 2.0 * math.log(n_tok) - math.log(n_slots)  # the kernel's order of operations
    want = sorted((u << 32) | v for (u, v), c in totals.items()
                  if c >= min_count and math.log(c) + base - math.log(unigram[u])
                  - math.log(unigram[v]) > min_pmi)
    assert got.tolist() == want
