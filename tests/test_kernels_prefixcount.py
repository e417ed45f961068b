"""Window counting (prefixcount.py) against plain-Python oracles: windows, run sorting, the
prefix counts of a block, and the tree merge of block tables."""
from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from mentropy._kernels import ngrams as K
from mentropy._kernels import prefixcount as KP
from mentropy.counts import block_table, key_width, merge_tables, pack, sort_rows, unpack

IDS = st.one_of(st.integers(1, 3), st.sampled_from([1, 2, 255, 256, 65534, 65535]),
                st.integers(1, 65535))
FRAGMENTS = st.lists(st.lists(IDS, min_size=1, max_size=12), max_size=10)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def csr(fragments):
    ids = np.array([c for f in fragments for c in f], dtype=np.int32)
    offsets = np.zeros(len(fragments) + 1, np.int64)
    np.cumsum([len(f) for f in fragments], out=offsets[1:])
    return ids, offsets


def as_counter(keys, counts) -> Counter:
    return Counter({tuple(ids): int(c) for ids, c in zip(unpack(keys), counts)})


@PROPS
@given(FRAGMENTS, st.integers(1, 8))
def test_windows_are_the_longest_ngram_at_each_position(fragments, max_n):
    ids, offsets = csr(fragments)
    got = unpack(KP.pack_windows(ids, offsets, max_n, key_width(max_n)))
    expected = [list(f[i:i + max_n]) for f in fragments for i in range(len(f))]
    assert got == expected


@PROPS
@given(st.lists(st.lists(IDS, min_size=1, max_size=8), max_size=60), st.randoms())
def test_sort_runs_finishes_a_first_word_sort(rows, rnd):
    keys = pack(rows, 2)
    assert [tuple(r) for r in unpack(sort_rows(keys))] == sorted(tuple(r) for r in rows)
    keys = np.ascontiguousarray(keys[np.argsort(keys[:, 0], kind="stable")])
    long_runs = KP.sort_runs(keys)  # short runs sorted in place, long ones returned
    assert all(hi - lo > 24 for lo, hi in long_runs.tolist())
    if long_runs.shape[0] == 0:
        assert [tuple(r) for r in unpack(keys)] == sorted(tuple(r) for r in rows)


def test_sort_runs_long_run():
    """A run longer than the insertion-sort limit (same first four chars, 60 tails)."""
    rng = np.random.default_rng(7)
    rows = [[5, 5, 5, 5] + rng.integers(1, 4, int(rng.integers(0, 4))).tolist()
            for _ in range(60)] + [[1], [9, 9]]
    keys = pack(rows, 2)
    first = np.ascontiguousarray(keys[np.argsort(keys[:, 0], kind="stable")])
    assert KP.sort_runs(first).tolist() == [[1, 61]]  # the long run, left to numpy
    assert [tuple(r) for r in unpack(sort_rows(keys))] == sorted(tuple(r) for r in rows)


@PROPS
@given(FRAGMENTS, st.integers(1, 8))
def test_block_table_matches_counter(fragments, max_n):
    ids, offsets = csr(fragments)
    expected = naive.ngram_counts(fragments, max_n)
    for width in sorted({key_width(max_n), 2}):
        keys, counts = block_table(ids, offsets, max_n, width)
        assert keys.dtype == np.uint64 and counts.dtype == np.int64
        assert as_counter(keys, counts) == expected
        assert [tuple(r) for r in unpack(keys)] == sorted(expected)  # strictly ascending


@PROPS
@given(FRAGMENTS, st.integers(1, 6), st.lists(st.integers(0, 10), max_size=6))
def test_merge_tables_any_split(fragments, max_n, cuts):
    """Blocks cut anywhere between fragments and merged as a tree: the one-block table."""
    ids, offsets = csr(fragments)
    width = key_width(max_n)
    bounds = sorted({0, len(fragments), *[min(c, len(fragments)) for c in cuts]})
    parts = [block_table(ids[offsets[a]:offsets[b]], offsets[a:b + 1] - offsets[a], max_n, width)
             for a, b in zip(bounds[:-1], bounds[1:])]
    keys, counts = merge_tables(iter(parts), width)
    whole = block_table(ids, offsets, max_n, width)
    np.testing.assert_array_equal(keys, whole[0])
    np.testing.assert_array_equal(counts, whole[1])


@PROPS
@given(st.sets(st.integers(1, 2 ** 64 - 1), max_size=200),
       st.lists(st.integers(1, 2 ** 64 - 1), max_size=50))
def test_key_set_membership(keys, others):
    table = KP.key_set(np.array(sorted(keys), dtype=np.uint64))
    assert table.shape[0] >= 2 * len(keys) and (table.shape[0] & (table.shape[0] - 1)) == 0
    for k in list(keys) + others:
        assert KP._in_set(table, np.uint64(k)) == (k in keys)


def test_merge_tables_of_nothing_is_empty():
    keys, counts = merge_tables(iter([]), 2)
    assert keys.shape == (0, 2) and counts.shape == (0,)


def test_block_table_equals_sort_and_run_length_on_real_text(sample_lines):
    from mentropy.counts import sort_rows
    from mentropy.fragments import encode_texts

    corpus = encode_texts(sample_lines[:300])
    for max_n in (4, 6):
        width = key_width(max_n)
        old = K.run_length(sort_rows(K.pack_ngrams(corpus.ids, corpus.offsets, max_n, width)))
        new = block_table(corpus.ids, corpus.offsets, max_n, width)
        np.testing.assert_array_equal(new[0], old[0])
        np.testing.assert_array_equal(new[1], old[1])


@PROPS
@given(FRAGMENTS, st.integers(1, 8), st.integers(1, 5), st.integers(1, 30))
def test_pruned_count_is_the_full_count_pruned(fragments, max_n, min_count, block_chars):
    """min_count during counting (windows cut at rare pairs) loses nothing that reaches it."""
    from mentropy.counts import count_table

    ids, offsets = csr(fragments)
    expected = Counter({k: c for k, c in naive.ngram_counts(fragments, max_n).items()
                        if c >= min_count})
    keys, counts = count_table(ids, offsets, max_n, block_chars, None, min_count)
    assert as_counter(keys, counts) == expected
    assert [tuple(r) for r in unpack(keys)] == sorted(expected)


@PROPS
@given(FRAGMENTS, st.integers(2, 8), st.integers(1, 4))
def test_frequent_spans_by_hand(fragments, max_n, min_count):
    ids, offsets = csr(fragments)
    pairs = naive.ngram_counts(fragments, 2)
    frequent = {k for k, c in pairs.items() if len(k) == 2 and c >= min_count}
    pair_keys = np.sort(pack([list(k) for k in frequent], 1)[:, 0]) if frequent else \
        np.zeros(0, np.uint64)
    got = KP.frequent_spans(ids, offsets, KP.key_set(pair_keys), max_n).tolist()
    expected = []
    for f in fragments:
        for i in range(len(f)):
            n = 1
            while n < max_n and i + n < len(f) and (f[i + n - 1], f[i + n]) in frequent:
                n += 1
            expected.append(n)
    assert got == expected
