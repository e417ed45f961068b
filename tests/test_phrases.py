"""Phrases: the lexicon's description-length rule over word ids (DESIGN §5), the phrase level."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive
from mentropy.errors import InputError, MentropyError
from mentropy.lexicon import Lexicon
from mentropy.phrases import PhraseLayer, build_phrases
from mentropy.segment import Segmenter
from mentropy.wordcorpus import encode_words

# words spelt with distinct characters, so that the segmentation of the text is unambiguous
_CHARS = [chr(c) for c in range(0x4E00, 0x4E00 + 600)]
VOCAB = ["".join(_CHARS[2 * i:2 * i + 2]) if i % 3 else _CHARS[2 * i] for i in range(240)]
# planted phrases: runs of 2..4 vocabulary words
PLANTED = [VOCAB[200] + VOCAB[201], VOCAB[202] + VOCAB[203] + VOCAB[204],
           VOCAB[205] + VOCAB[206] + VOCAB[207] + VOCAB[208]]
# a fixed phrasing of four words (且 听 下回 分解) and one of its fragments in other contexts
FIXED = ["且", "听", "下回", "分解"]


def synthetic_lines(n_lines: int, seed: int) -> list[str]:
    """Random lines of Zipf-distributed words with the planted phrases and the fixed phrasing."""
    rng = random.Random(seed)
    weights = [1.0 / (r + 1) for r in range(200)]
    lines = []
    for _ in range(n_lines):
        parts = []
        for _ in range(rng.randint(4, 12)):
            x = rng.random()
            if x < 0.03:
                parts.append(rng.choice(PLANTED))
            elif x < 0.04:
                parts.append("".join(FIXED))
            elif x < 0.045:
                parts.append("听下回")  # a fragment of the phrasing, seen alone a little
            else:
                parts.append(rng.choices(VOCAB[:200], weights)[0])
            if rng.random() < 0.15:
                parts.append("，")
        lines.append("".join(parts) + "。")
    return lines


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    words = VOCAB + FIXED
    return Segmenter(words, [1000 // (i % 200 + 1) + 5 for i in range(len(words))])


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return synthetic_lines(3000, seed=7)


@pytest.fixture(scope="module")
def phrases(seg, lines) -> Lexicon:
    return build_phrases(None, seg, texts=lines)


def test_planted_phrases_are_recovered(phrases, lines):
    for p in PLANTED:
        assert p in phrases, p
        # nearly every occurrence is used as the phrase
        assert phrases[p] >= 0.9 * sum(line.count(p) for line in lines)
    assert all(c > 0 for c in phrases.counts)
    assert len(phrases) < 40  # random word pairs do not pay for themselves


def test_the_whole_phrasing_wins_over_its_fragments(phrases, lines):
    """Overlapping candidates compete in one description length: the fragments of 且听下回分解
    get no count from its occurrences (听下回 keeps only the uses where it stands alone)."""
    whole = "".join(FIXED)
    text = "\n".join(lines)
    assert phrases[whole] >= 0.9 * text.count(whole)
    for a in range(len(FIXED)):
        for b in range(a + 2, len(FIXED) + 1):
            part = "".join(FIXED[a:b])
            if part == whole:
                continue
            alone = text.count(part) - text.count(whole)
            if alone == 0:
                assert part not in phrases, part
            elif part in phrases:
                assert phrases[part] <= alone, part
    assert text.count("听下回") - text.count(whole) > 0  # the case is exercised


def test_word_level_is_unchanged(seg, phrases, lines):
    layered = Segmenter(seg.entries()[0], seg.entries()[1])
    layered.add_phrases(phrases)
    assert layered.cut_many(lines[:200]) == seg.cut_many(lines[:200])
    text = lines[0]
    assert layered.lcut(text) == seg.lcut(text)


def test_phrase_level(seg, phrases, lines):
    layered = Segmenter.from_lexicon(Lexicon(*seg.entries()), phrases=phrases)
    text = "".join(FIXED) + "，" + PLANTED[0] + VOCAB[3] + "。"
    assert layered.lcut(text, level="phrase") == ["".join(FIXED), "，", PLANTED[0], VOCAB[3],
                                                  "。"]
    assert list(layered.cut(text, level="phrase")) == layered.lcut(text, level="phrase")
    toks = layered.tokenize(text, level="phrase")
    assert all(text[a:b] == w for w, a, b in toks) and toks[-1][2] == len(text)
    some = lines[:300]
    expected = [layered.lcut(t, level="phrase") for t in some]
    assert layered.cut_many(some, level="phrase") == expected
    assert list(layered.cut_stream(some, level="phrase", chunksize=7)) == expected
    block = "".join(layered.segmented_blocks(some, "/", chunksize=50, level="phrase"))
    assert block == "".join("/".join(ws) + "\n" for ws in expected)
    with pytest.raises(MentropyError, match="unknown level"):
        layered.lcut(text, level="sentence")
    with pytest.raises(MentropyError, match="needs phrases"):
        seg.lcut(text, level="phrase")


def test_determinism_and_file_round_trip(seg, lines, phrases, tmp_path):
    again = build_phrases(encode_words(lines, seg), seg)
    assert again.words == phrases.words and again.counts.tolist() == phrases.counts.tolist()
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from_file = build_phrases(str(path), seg)
    assert from_file.words == phrases.words
    out = tmp_path / "p.dict"
    phrases.save(out)
    loaded = Lexicon.load(out)
    assert loaded.words == phrases.words and loaded.counts.tolist() == phrases.counts.tolist()
    first = out.read_text(encoding="utf-8").splitlines()[0].split(" ")
    assert first == [phrases.words[0], str(phrases.counts[0])]


def test_bad_input(seg, tmp_path):
    with pytest.raises(InputError, match="no Chinese words"):
        build_phrases(None, seg, texts=[])
    with pytest.raises(InputError, match="no Chinese words"):
        build_phrases(None, seg, texts=["abc 123", "，。"])
    with pytest.raises(InputError, match="missing.dict"):
        build_phrases(None, str(tmp_path / "missing.dict"), texts=["王夫人"])
    with pytest.raises(MentropyError, match="not both"):
        build_phrases(str(tmp_path / "x.txt"), seg, texts=["王夫人"])
    with pytest.raises(MentropyError, match="max_n must be 2..4"):
        build_phrases(None, seg, texts=["王夫人"], max_n=9)
    with pytest.raises(MentropyError, match="max_words must be 2..16"):
        build_phrases(None, seg, texts=["王夫人"], max_words=1)
    with pytest.raises(MentropyError, match="iterable"):
        build_phrases(None, seg, texts="王夫人笑道")
    missing = tmp_path / "nothing.txt"
    with pytest.raises(InputError):
        build_phrases(str(missing), seg)


def test_max_words(seg, lines):
    pairs = build_phrases(encode_words(lines, seg), seg, max_words=2)
    assert PLANTED[0] in pairs
    assert all(len(seg.lcut(p)) == 2 for p in pairs.words)


def test_a_tiny_corpus_gives_no_phrases_and_no_error(seg):
    assert len(build_phrases(None, seg, texts=[VOCAB[1] + VOCAB[2]])) == 0


# -- the phrase layer against a brute-force Viterbi -------------------------------------------

LAYER_WORDS = ["甲", "乙", "丙", "丁", "戊", "己"]


def _oracle_score(words: list[str], seg: Segmenter, table: dict[str, int]) -> float:
    """Best total score of one line: brute force over every way of grouping its words."""
    total = seg.total
    parts = {}
    for text, count in table.items():
        parts[tuple(seg.lcut(text))] = math.log(count) - math.log(total)
    for w in {w for key in parts for w in key}:
        parts.setdefault((w,), math.log(max(seg.count(w), 1)) - math.log(total))
    score, run = 0.0, []
    for w in words + [None]:  # a word in no phrase ends a run and scores nothing here
        if w is not None and (w,) in parts:
            run.append(w)
            continue
        if run:
            score += naive.best_segmentation(run, parts)[0]
        run = []
    return score


def _layer_score(out: list[str], seg: Segmenter, table: dict[str, int]) -> float:
    total = seg.total
    known = {w for text in table for w in seg.lcut(text)}
    score = 0.0
    for tok in out:
        if tok in table:
            score += math.log(table[tok]) - math.log(total)
        elif tok in known:
            score += math.log(max(seg.count(tok), 1)) - math.log(total)
    return score


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(LAYER_WORDS), max_size=9),
       st.dictionaries(st.lists(st.sampled_from(LAYER_WORDS), min_size=2, max_size=4).map("".join),
                       st.integers(1, 500), max_size=6))
def test_layer_matches_brute_force(words, table):
    seg = Segmenter(LAYER_WORDS, [300, 200, 100, 50, 20, 7])
    layer = PhraseLayer(seg, list(table.items()))
    out = layer.join([words])[0]
    assert "".join(out) == "".join(words)
    assert math.isclose(_layer_score(out, seg, table), _oracle_score(words, seg, table),
                        abs_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="且听下回分解王夫人，。 a1\n", max_size=40))
def test_phrase_level_is_lossless(text):
    assert "".join(_lossless_seg().cut(text, level="phrase")) == text
    assert "".join(w for w, _, _ in _lossless_seg().tokenize(text, level="phrase")) == text


_CACHE: dict[str, Segmenter] = {}


def _lossless_seg() -> Segmenter:
    if "seg" not in _CACHE:
        seg = Segmenter(["且", "听", "下回", "分解", "王", "夫人"], [50, 40, 30, 20, 60, 30])
        seg.add_phrases([("且听下回分解", 20), ("王夫人", 25), ("听下回", 2)])
        _CACHE["seg"] = seg
    return _CACHE["seg"]


def test_glue_of_empty_input():
    seg = _lossless_seg()
    assert seg.phrases.join([]) == []
    assert seg.phrases.join([[], ["王", "夫人"]]) == [[], ["王夫人"]]
    assert seg.phrases.glue(np.zeros(0, np.int32), np.zeros(1, np.int64)).shape == (0,)


def test_unit_ids_fit_16_bits():
    """Word ids beyond the 65,534 most frequent Han words become boundaries (the packed n-gram
    keys and the id trie hold 16-bit ids)."""
    from mentropy.phrases import MAX_UNITS, unit_corpus
    from mentropy.wordcorpus import WordCorpus, word_kinds

    n = MAX_UNITS + 10
    words = [chr(0x4E00 + i // 200) + chr(0x4E00 + i % 200) for i in range(n)]
    counts = np.arange(n, 0, -1, dtype=np.int64)  # ranked: id 0 is the most frequent
    ids = np.array([0, 1, n - 1, 2, 3, n - 2, 4], dtype=np.int32)
    corpus = WordCorpus(words, counts, word_kinds(words), ids, np.array([0, 7], np.int64))
    units, unit_words = unit_corpus(corpus, 1)
    assert units.ids.max() == 5 and units.ids.min() == 1
    assert unit_words.shape[0] == MAX_UNITS and unit_words[-1] == MAX_UNITS - 1
    assert units.offsets.tolist() == [0, 2, 4, 5]  # split where the rare words were
    assert unit_words[units.ids - 1].tolist() == [0, 1, 2, 3, 4]


def test_repeated_lines_count_once(seg, lines, phrases):
    """The lexicon's rule: three copies of the corpus give the phrases of one, unless
    keep_duplicates."""
    thrice = build_phrases(None, seg, texts=lines * 3)
    assert thrice.most_common() == phrases.most_common()
    assert thrice.report.n_duplicate_lines >= 2 * len(lines)
    kept = build_phrases(None, seg, texts=lines * 3, keep_duplicates=True)
    assert kept.report.n_duplicate_lines == 0
    assert kept.most_common() != phrases.most_common()
