"""CRF feature kernels against plain-Python oracles (issue 10)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_crf
from mentropy import crf_features as F
from mentropy._kernels import crf_features as KF

MASK64 = (1 << 64) - 1


def mix(x: int) -> int:
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def bucket(k: int, a: int, b: int, n: int) -> int:
    return mix(((k << 48) | (a << 24) | b) + 0x9E3779B97F4A7C15 & MASK64) % n


def naive_base(sym: list[int], cls: list[int], n: int) -> list[list[int]]:
    bos, eos = KF.SYM_BOS, KF.SYM_EOS
    s = [bos, bos] + sym + [eos, eos]
    c = [0] + cls + [0]
    out = []
    for t in range(len(sym)):
        m2, m1, s0, p1, p2 = s[t:t + 5]
        values = [(0, m2, 0), (1, m1, 0), (2, s0, 0), (3, p1, 0), (4, p2, 0), (5, m2, m1),
                  (6, m1, s0), (7, s0, p1), (8, p1, p2), (9, m1, p1),
                  (10, c[t] * 16 + c[t + 1], c[t + 2]), (11, 0, 0)]
        out.append([bucket(k, a, b, n) for k, a, b in values])
    return out


TEXT = st.text(alphabet=st.sampled_from(list("中国人民的了１２3.14abc，。 　　-")), max_size=25)


@settings(max_examples=50, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_base_features_match_the_oracle(texts):
    units = F.make_units(texts)
    opts = F.FeatureOptions(hash_bits=16)
    feats = F.extract(units, opts)
    for i in range(len(texts)):
        lo, hi = units.line_units[i], units.line_units[i + 1]
        want = naive_base(units.sym[lo:hi].tolist(), units.cls[lo:hi].tolist(), opts.n_buckets)
        assert feats[lo:hi].tolist() == want


@settings(max_examples=50, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_units_cover_each_line(texts):
    units = F.make_units(texts)
    joined = "".join(texts)
    for i, t in enumerate(texts):
        lo, hi = units.line_units[i], units.line_units[i + 1]
        spans = list(zip(units.starts[lo:hi].tolist(), units.ends[lo:hi].tolist()))
        assert "".join(joined[s:e] for s, e in spans) == t
        base = int(units.line_chars[i])
        assert all(base <= s < e <= base + len(t) for s, e in spans)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["中", "国人", "民的了", "１２", "3.14", "，", "ab"]),
                         min_size=1, max_size=6), min_size=1, max_size=4))
def test_gold_tags_match_the_oracle(lines):
    """Where no gold word cuts into an atom, the unit tags are the words' BMES tags."""
    texts = ["".join(ws) for ws in lines]
    units = F.make_units(texts)
    tags = F.gold_tags(units, lines).tolist()
    for i, ws in enumerate(lines):
        lo, hi = units.line_units[i], units.line_units[i + 1]
        # unit count of each word (units never cross a word bound in this alphabet)
        s = units.starts[lo:hi].tolist()
        bounds, pos = [], int(units.line_chars[i])
        for w in ws:
            bounds.append(pos)
            pos += len(w)
        if not set(bounds) <= set(s):  # an atom runs across a word bound: tags differ by design
            continue
        sizes = [sum(1 for x in s if a <= x < b) for a, b in zip(bounds, bounds[1:] + [pos])]
        assert tags[lo:hi] == naive_crf.tags_of_words(sizes)


def test_remap_matches_the_oracle():
    rng = np.random.default_rng(3)
    feats = rng.integers(-1, 50, size=(40, 5)).astype(np.int32)
    table = np.full(50, -1, np.int32)
    got = feats.copy()
    n = KF.remap(got, table, np.int64(0))
    seen: dict[int, int] = {}
    want = [[-1 if f < 0 else seen.setdefault(f, len(seen)) for f in row]
            for row in feats.tolist()]
    assert got.tolist() == want and n == len(seen)


def test_lexicon_columns_match_the_oracle():
    rng = np.random.default_rng(4)
    n_units = 30
    starts = np.arange(n_units, dtype=np.int64)  # unit u is char u
    m_starts = rng.integers(0, n_units, 40).astype(np.int64)
    m_ends = np.minimum(m_starts + rng.integers(1, 9, 40), n_units).astype(np.int64)
    at_start = np.full(n_units + 1, -1, np.int64)
    at_end = np.full(n_units + 1, -1, np.int64)
    at_start[starts] = np.arange(n_units)
    at_end[starts + 1] = np.arange(n_units)
    got = KF.lexicon_columns(m_starts, m_ends, at_start, at_end, np.int64(n_units), np.int64(6))
    want = [[-1, -1, -1] for _ in range(n_units)]
    for a, e in zip(m_starts.tolist(), m_ends.tolist()):
        b = e - 1
        if b - a + 1 < 2:
            continue
        v = min(b - a + 1, 6)
        want[a][0] = max(want[a][0], v)
        want[b][1] = max(want[b][1], v)
        for u in range(a + 1, b):
            want[u][2] = max(want[u][2], v)
    assert got.tolist() == want


@pytest.mark.parametrize("delimiter", [" ", " | ", ""])
def test_join_tagged_matches_the_oracle(delimiter):
    texts = ["中国人民", "", "3.14万元 abc"]
    units = F.make_units(texts)
    tags = np.array([0, 2, 0, 2, 3, 0, 1, 2, 3], dtype=np.int8)[:len(units)]
    out = KF.join_tagged(units.joined, units.starts, units.ends, tags, units.line_units,
                         F.atoms.codepoints(delimiter).astype(np.uint32), np.uint32(10))
    joined = "".join(texts)
    want = ""
    for i in range(len(texts)):
        words: list[str] = []
        for u in range(units.line_units[i], units.line_units[i + 1]):
            piece = joined[units.starts[u]:units.ends[u]]
            if tags[u] in (0, 3) or not words:
                words.append(piece)
            else:
                words[-1] += piece
        want += delimiter.join(words) + "\n"
    assert out.tobytes().decode("utf-32-le") == want
