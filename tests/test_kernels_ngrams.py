"""N-gram kernels against the plain-Python oracle: packing, sorting, run lengths, merge, lookup."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from mentropy._kernels import ngrams as K
from mentropy.counts import (count_table, key_head, key_tail, key_width, n_ngrams, pack,
                             sort_rows, unpack, unpack_ids)

# ids: mostly a small alphabet (so n-grams repeat), sometimes the extremes of the 16-bit code
IDS = st.one_of(st.integers(1, 4), st.sampled_from([1, 2, 255, 256, 4095, 65534, 65535]),
                st.integers(1, 65535))
FRAGMENTS = st.lists(st.lists(IDS, min_size=1, max_size=12), max_size=8)
MAX_N = st.integers(1, 8)
PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def csr(fragments: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([c for f in fragments for c in f], dtype=np.int32)
    offsets = np.zeros(len(fragments) + 1, np.int64)
    np.cumsum([len(f) for f in fragments], out=offsets[1:])
    return ids, offsets


def table(fragments: list[list[int]], max_n: int, width: int | None = None):
    """Sorted (keys, counts) of the fragments by the kernels."""
    width = width or key_width(max_n)
    ids, offsets = csr(fragments)
    return K.run_length(sort_rows(K.pack_ngrams(ids, offsets, max_n, width)))


def as_counter(keys: np.ndarray, counts: np.ndarray) -> Counter:
    return Counter({tuple(ids): int(c) for ids, c in zip(unpack(keys), counts)})


def widths(max_n: int) -> list[int]:
    return sorted({key_width(max_n), 2})


# --- hand-made --------------------------------------------------------------------------------


def test_pack_layout_is_left_aligned():
    keys = pack([[1], [1, 2], [0x1234, 0xABCD, 1, 2, 3]], 2)
    assert keys.tolist() == [
        [0x0001_0000_0000_0000, 0],
        [0x0001_0002_0000_0000, 0],
        [0x1234_ABCD_0001_0002, 0x0003_0000_0000_0000],
    ]


def test_pack_ngrams_by_hand():
    ids, offsets = csr([[1, 2, 3], [4]])
    keys = K.pack_ngrams(ids, offsets, 2, 1)
    assert unpack(keys) == [[1], [1, 2], [2], [2, 3], [3], [4]]
    assert n_ngrams(offsets, 2) == 6
    assert n_ngrams(offsets, 8) == 7


def test_empty_input():
    ids, offsets = csr([])
    keys = K.pack_ngrams(ids, offsets, 4, 1)
    assert keys.shape == (0, 1)
    k, c = K.run_length(keys)
    assert k.shape == (0, 1) and c.shape == (0,)
    k2, c2 = K.merge_sorted(k, c, k, c)
    assert k2.shape == (0, 1) and c2.shape == (0,)
    assert K.find_rows(k, pack([[1]], 1)).tolist() == [-1]
    assert count_table(ids, offsets, 4)[0].shape == (0, 1)


def test_run_length_by_hand():
    keys = sort_rows(pack([[2], [1, 2], [1], [2], [1, 2], [1, 2]], 1))
    k, c = K.run_length(keys)
    assert unpack(k) == [[1], [1, 2], [2]]
    assert c.tolist() == [1, 3, 2]


# --- against the oracle -----------------------------------------------------------------------


@PROPS
@given(FRAGMENTS, MAX_N)
def test_pack_ngrams_matches_naive(fragments, max_n):
    ids, offsets = csr(fragments)
    expected = naive.ngrams_in_order(fragments, max_n)
    assert n_ngrams(offsets, max_n) == len(expected)
    for width in widths(max_n):
        keys = K.pack_ngrams(ids, offsets, max_n, width)
        assert keys.shape == (len(expected), width)
        assert [tuple(r) for r in unpack(keys)] == expected
        assert K.key_lengths(keys).tolist() == [len(g) for g in expected]


@PROPS
@given(FRAGMENTS, MAX_N)
def test_run_length_matches_counter(fragments, max_n):
    expected = naive.ngram_counts(fragments, max_n)
    for width in widths(max_n):
        keys, counts = table(fragments, max_n, width)
        assert as_counter(keys, counts) == expected
        assert [tuple(r) for r in unpack(keys)] == sorted(expected)  # strictly ascending rows
        assert (counts >= 1).all()


@PROPS
@given(FRAGMENTS, st.integers(1, 8), st.integers(1, 50))
def test_count_table_any_block_size(fragments, max_n, block_chars):
    ids, offsets = csr(fragments)
    keys, counts = count_table(ids, offsets, max_n, block_chars)
    assert as_counter(keys, counts) == naive.ngram_counts(fragments, max_n)
    whole_keys, whole_counts = count_table(ids, offsets, max_n)
    np.testing.assert_array_equal(keys, whole_keys)
    np.testing.assert_array_equal(counts, whole_counts)


@PROPS
@given(st.lists(st.lists(IDS, min_size=1, max_size=8), min_size=1, max_size=40))
def test_sorted_keys_follow_tuple_order(rows):
    """Sorted keys are in lexicographic order of id tuples, across lengths (prefix first)."""
    keys = sort_rows(pack(rows, 2))
    assert [tuple(r) for r in unpack(keys)] == sorted(tuple(r) for r in rows)
    one_word = [r[:4] for r in rows]
    keys1 = sort_rows(pack(one_word, 1))
    assert [tuple(r) for r in unpack(keys1)] == sorted(tuple(r) for r in one_word)


def test_prefix_sorts_before_its_extensions():
    rows = [[1, 2, 3], [1, 2], [1], [1, 3], [2], [1, 65535], [1, 2, 3, 4, 5], [1, 2, 3, 4]]
    assert unpack(sort_rows(pack(rows, 2))) == sorted(rows)


@PROPS
@given(FRAGMENTS, FRAGMENTS, MAX_N)
def test_merge_is_commutative_and_counts_the_concatenation(a, b, max_n):
    ka, ca = table(a, max_n)
    kb, cb = table(b, max_n)
    kab, cab = K.merge_sorted(ka, ca, kb, cb)
    kba, cba = K.merge_sorted(kb, cb, ka, ca)
    np.testing.assert_array_equal(kab, kba)
    np.testing.assert_array_equal(cab, cba)
    kw, cw = table(a + b, max_n)
    np.testing.assert_array_equal(kab, kw)
    np.testing.assert_array_equal(cab, cw)
    assert as_counter(kab, cab) == naive.ngram_counts(a, max_n) + naive.ngram_counts(b, max_n)


@PROPS
@given(FRAGMENTS, MAX_N, st.lists(st.lists(IDS, min_size=1, max_size=8), max_size=20))
def test_find_rows_matches_naive(fragments, max_n, queries):
    for width in widths(max_n):
        keys, counts = table(fragments, max_n, width)
        index = {tuple(r): i for i, r in enumerate(unpack(keys))}
        queries_w = [q[:4 * width] for q in queries] + [list(g) for g in list(index)[:5]]
        got = K.find_rows(keys, pack(queries_w, width)) if queries_w else np.zeros(0, np.int64)
        assert got.tolist() == [index.get(tuple(q), -1) for q in queries_w]


@pytest.mark.parametrize("max_n", range(1, 9))
def test_seeded_random_fragments(max_n):
    rng = np.random.default_rng(1000 + max_n)
    fragments = [rng.integers(1, 6, size=rng.integers(1, 20)).tolist() for _ in range(200)]
    keys, counts = table(fragments, max_n)
    assert as_counter(keys, counts) == naive.ngram_counts(fragments, max_n)
    assert K.key_lengths(keys).max() == min(max_n, max(map(len, fragments)))


def test_key_lengths_of_full_rows():
    keys = pack([[7] * 8, [7] * 4, [7] * 5, [65535]], 2)
    assert K.key_lengths(keys).tolist() == [8, 4, 5, 1]


@PROPS
@given(st.lists(st.tuples(st.sampled_from([0, 1, 5, 2**63, 2**64 - 1]),
                          st.integers(0, 3), st.integers(0, 2**64 - 1)), max_size=60),
       st.integers(2, 3))
def test_sort_rows_is_lexicographic_on_raw_words(rows, width):
    """Many repeated first words, few rows with later words: the fast path of sort_rows."""
    keys = np.array([[a, b, c][:width] for a, b, c in rows] or np.zeros((0, width)),
                    dtype=np.uint64).reshape(-1, width)
    got = [tuple(int(v) for v in r) for r in sort_rows(keys)]
    assert got == sorted(tuple(int(v) for v in r) for r in keys)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(1, 65535), min_size=1, max_size=4), min_size=1, max_size=20),
       st.integers(1, 3))
def test_key_head_and_tail_are_the_keys_of_the_parts(rows, k):
    """The numpy key helpers follow the kernels' layout (CODE_BITS, PER_WORD): the head and
    tail of a key are the keys of the first k ids and of the rest."""
    keys = pack(rows, 1)[:, 0]
    assert key_head(keys, k).tolist() == pack([r[:k] for r in rows], 1)[:, 0].tolist()
    assert key_tail(keys, k).tolist() == [pack([r[k:]], 1)[0, 0] if r[k:] else 0 for r in rows]
    assert unpack(pack(rows, 2)) == rows
    assert unpack_ids(pack(rows, 1), 4)[:, :1].ravel().tolist() == [r[0] for r in rows]


def test_kernel_copies_of_the_key_layout_agree():
    """_kernels/lexicon.py keeps its own CODE_BITS (kernels import nothing from other kernel
    files: numba's cache would not see a change there)."""
    from mentropy._kernels import lexicon as KL

    assert KL.CODE_BITS == K.CODE_BITS and 64 % K.CODE_BITS == 0
    assert K.PER_WORD * K.CODE_BITS == 64
