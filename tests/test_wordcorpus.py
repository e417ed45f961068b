"""WordCorpus: word ids of a segmented corpus (round trip, ranking, kinds, fragments)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentropy.errors import MentropyError
from mentropy.segment import Segmenter
from mentropy.wordcorpus import HAN, LATIN, NUMBER, OTHER, PUNCT, encode_words, word_kinds

LINES = ["王夫人笑道：“你们来了。”", "", "王夫人 和 凤姐儿 说 3.14 iPhone7 ☺",
         "贾母道：“你们来了。”", "\t  ", "1998年，王夫人来了"]


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter(["王夫人", "夫人", "凤姐儿", "你们", "来了", "笑道", "贾母"],
                     [50, 40, 30, 20, 20, 10, 10])


@pytest.fixture(scope="module")
def corpus(seg):
    return encode_words(LINES, seg)


def test_round_trip(corpus):
    assert corpus.n_lines == len(LINES)
    words = np.array(corpus.words, dtype=object)
    for i, line in enumerate(LINES):
        assert "".join(words[corpus.ids[corpus.offsets[i]:corpus.offsets[i + 1]]]) == line
        assert corpus.text(i) == line


def test_same_tokens_as_the_segmenter(corpus, seg):
    assert [corpus.line(i) for i in range(len(LINES))] == [seg.lcut(t) for t in LINES]


def test_ranking_and_counts(corpus, seg):
    expected = Counter(w for t in LINES for w in seg.lcut(t))
    assert dict(zip(corpus.words, corpus.counts.tolist())) == dict(expected)
    keys = [(-int(c), w) for w, c in zip(corpus.words, corpus.counts)]
    assert keys == sorted(keys)
    assert corpus.ids.dtype == np.int32 and corpus.offsets.dtype == np.int64
    assert corpus.counts.dtype == np.int64 and corpus.kinds.dtype == np.int8
    assert len(set(corpus.words)) == len(corpus.words)


def test_kinds():
    words = ["王夫人", "〇", "：“", "。", " ", "\t", "3.14", "1998年", "40%", "iPhone7",
             "COVID-19", "☺", "", "一九九八年", "ｉＰｈｏｎｅ"]
    assert word_kinds(words).tolist() == [HAN, HAN, PUNCT, PUNCT, PUNCT, PUNCT, NUMBER,
                                          NUMBER, NUMBER, LATIN, LATIN, OTHER, OTHER, HAN,
                                          LATIN]
    assert word_kinds([]).shape == (0,)


def test_fragments(corpus):
    ids, offsets = corpus.fragments()
    runs = ["".join(corpus.words[k] for k in ids[offsets[f]:offsets[f + 1]].tolist())
            for f in range(offsets.shape[0] - 1)]
    assert runs == ["王夫人笑道", "你们来了", "王夫人", "和", "凤姐儿", "说", "3.14",
                    "iPhone7", "☺", "贾母道", "你们来了", "1998年", "王夫人来了"]
    ids2, offsets2 = corpus.fragments(boundary_kinds=(PUNCT, NUMBER, LATIN, OTHER))
    assert offsets2.shape[0] - 1 == 9 and (corpus.kinds[ids2] == HAN).all()


def test_empty_and_determinism(seg):
    empty = encode_words([], seg)
    assert empty.n_lines == 0 and len(empty) == 0 and empty.ids.shape == (0,)
    assert empty.fragments()[1].tolist() == [0]
    a, b = encode_words(LINES, seg), encode_words(iter(LINES), seg)
    assert a.words == b.words and a.digest() == b.digest()
    np.testing.assert_array_equal(a.ids, b.ids)
    assert len(a.digest()) == 64


def test_a_str_is_refused(seg):
    with pytest.raises(MentropyError, match="iterable of texts"):
        encode_words("王夫人", seg)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="王夫人凤姐儿来了，。 a1\t", max_size=12), max_size=6))
def test_round_trip_random(seg, lines):
    c = encode_words(lines, seg)
    assert [c.text(i) for i in range(c.n_lines)] == lines
    ids, offsets = c.fragments()
    assert ids.shape[0] == int((c.kinds[c.ids] != PUNCT).sum())
    assert (np.diff(offsets) > 0).all()
