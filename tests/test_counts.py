"""NgramCounts: exact counts vs the oracle, invariance, merge, prune, lookup, save/load."""
from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from mentropy.atoms import atom_strings
from mentropy.counts import FORMAT_VERSION, NgramCounts, pack
from mentropy.fragments import EncodedCorpus, encode_texts
from mentropy.errors import FormatError, MentropyError

# ~20 Han characters without numerals or 第/年/月/日/万/亿 (no time or number atoms), plus
# characters that end a fragment: punctuation, digits, latin letters, spaces
HAN = "的是在中国人民发展经济社会学习研究我们大小天地"
SPLITTERS = "，。、！ \n7Xx-"
CHINESE = st.lists(st.sampled_from(list(HAN + SPLITTERS) + ["𠀀", "學"]), max_size=60).map("".join)
TEXTS = st.lists(CHINESE, min_size=1, max_size=5)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def naive_counts(texts: list[str], max_n: int) -> Counter:
    """Oracle over plain Han runs (valid when no time/number atoms can occur)."""
    return naive.ngram_counts([r for t in texts for r in naive.han_runs(t)], max_n)


def naive_counts_by_atoms(texts: list[str], max_n: int) -> Counter:
    """Oracle over fragments of single-Han atoms (time and number atoms are boundaries)."""
    return naive.ngram_counts([r for t in texts for r in naive.fragments_of_atoms(atom_strings(t))],
                              max_n)


def assert_same_table(a: NgramCounts, b: NgramCounts) -> None:
    np.testing.assert_array_equal(a.keys, b.keys)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.max_n == b.max_n and a.n_chars == b.n_chars


def shard(corpus: EncodedCorpus, lo: int, hi: int) -> EncodedCorpus:
    """Fragments lo..hi of an encoded corpus, same vocabulary."""
    a, b = corpus.offsets[lo], corpus.offsets[hi]
    return EncodedCorpus(corpus.ids[a:b], corpus.offsets[lo:hi + 1] - a, corpus.vocab, 0)


@pytest.fixture(scope="module")
def real_texts(sample_lines) -> list[str]:
    return sample_lines[:200]


@pytest.fixture(scope="module")
def real_counts(real_texts) -> NgramCounts:
    return NgramCounts.from_corpus(encode_texts(real_texts), 4)


# --- against the oracle -----------------------------------------------------------------------


@PROPS
@given(TEXTS, st.integers(1, 8))
def test_counts_match_naive(texts, max_n):
    counts = NgramCounts.from_corpus(encode_texts(texts), max_n)
    expected = naive_counts(texts, max_n)
    assert counts.to_counter() == expected
    assert counts.n_chars == sum(len(r) for t in texts for r in naive.han_runs(t))
    assert len(counts) == len(expected)


def test_counts_by_hand():
    counts = NgramCounts.from_corpus(encode_texts(["中文中文，中国", "学习中文"]), 2)
    assert counts.to_counter() == Counter({
        "中": 4, "文": 3, "国": 1, "学": 1, "习": 1,
        "中文": 3, "文中": 1, "中国": 1, "学习": 1, "习中": 1,
    })
    assert counts.n_chars == 10
    assert counts.count("中文") == 3 and counts.count("文中") == 1


def test_time_atoms_do_not_leak_into_counts():
    counts = NgramCounts.from_corpus(encode_texts(["在一九九八年来临之际", "第十五届"]), 3)
    got = counts.to_counter()
    assert "九" not in got and "年来" not in got and "十五" not in got
    assert got["来临之"] == 1 and got["届"] == 1 and got["在"] == 1


@pytest.mark.parametrize("max_n", [1, 2, 4, 6])
def test_real_text_matches_naive(real_texts, max_n):
    counts = NgramCounts.from_corpus(encode_texts(real_texts), max_n)
    assert counts.to_counter() == naive_counts_by_atoms(real_texts, max_n)


def test_real_text_frequent_words(real_counts):
    """Content check on the People's Daily sample: common words are among the top bigrams."""
    top = [g for g, _ in real_counts.to_counter().most_common() if len(g) == 2][:40]
    for word in ("中国", "发展", "经济", "我们"):
        assert word in top
        assert real_counts.count(word) > 10


def test_real_text_counts_equal_text_count(real_texts, real_counts):
    """These words cannot overlap themselves, so str.count over the fragments is their count."""
    for word in ("中国", "发展", "经济", "改革开放", "社会主义"):
        expected = sum(frag.count(word) for t in real_texts
                       for frag in naive.fragments_of_atoms(atom_strings(t)))
        assert real_counts.count(word) == expected > 0


# --- invariance -------------------------------------------------------------------------------


@pytest.mark.parametrize("block_chars", [1, 7, 100])
def test_block_chars_invariance(real_texts, real_counts, block_chars):
    got = NgramCounts.from_corpus(encode_texts(real_texts), 4, block_chars=block_chars)
    assert_same_table(got, real_counts)


@PROPS
@given(TEXTS, st.sampled_from([1, 7, 100]))
def test_block_chars_invariance_random(texts, block_chars):
    corpus = encode_texts(texts)
    assert_same_table(NgramCounts.from_corpus(corpus, 3, block_chars=block_chars),
                      NgramCounts.from_corpus(corpus, 3))


def test_merge_of_shards_equals_whole(real_texts, real_counts):
    corpus = encode_texts(real_texts)
    n_frag = corpus.offsets.shape[0] - 1
    for cut in (0, 1, n_frag // 3, n_frag - 1, n_frag):
        a = NgramCounts.from_corpus(shard(corpus, 0, cut), 4)
        b = NgramCounts.from_corpus(shard(corpus, cut, n_frag), 4)
        ab, ba = a.merge(b), b.merge(a)
        np.testing.assert_array_equal(ab.keys, real_counts.keys)
        np.testing.assert_array_equal(ab.counts, real_counts.counts)
        np.testing.assert_array_equal(ba.keys, ab.keys)
        np.testing.assert_array_equal(ba.counts, ab.counts)
        assert ab.n_chars == a.n_chars + b.n_chars == corpus.n_han


@PROPS
@given(TEXTS, st.data())
def test_merge_random_shards(texts, data):
    corpus = encode_texts(texts)
    n_frag = corpus.offsets.shape[0] - 1
    cut = data.draw(st.integers(0, n_frag))
    merged = NgramCounts.from_corpus(shard(corpus, 0, cut), 3).merge(
        NgramCounts.from_corpus(shard(corpus, cut, n_frag), 3))
    assert merged.to_counter() == naive_counts(texts, 3)


def test_merge_refuses_other_vocab_or_order():
    a = NgramCounts.from_corpus(encode_texts(["中文中文"]), 2)
    with pytest.raises(MentropyError):
        a.merge(NgramCounts.from_corpus(encode_texts(["中国"]), 2))
    with pytest.raises(MentropyError):
        a.merge(NgramCounts.from_corpus(encode_texts(["中文中文"]), 3))


def test_max_n_out_of_range():
    corpus = encode_texts(["中文"])
    for bad in (0, 9):
        with pytest.raises(MentropyError, match="max_n"):
            NgramCounts.from_corpus(corpus, bad)


# --- prune, lookup ----------------------------------------------------------------------------


def test_prune(real_counts):
    pruned = real_counts.prune(5)
    expected = Counter({g: c for g, c in real_counts.to_counter().items() if c >= 5})
    assert pruned.to_counter() == expected
    assert 0 < len(pruned) < len(real_counts)
    assert pruned.count("中国") == real_counts.count("中国")
    assert real_counts.prune(1).to_counter() == real_counts.to_counter()
    assert len(real_counts.prune(10**9)) == 0


def test_absent_ngrams_count_zero(real_counts):
    assert real_counts.count("") == 0
    assert real_counts.count("国中国中国") == 0  # longer than max_n
    assert real_counts.count("xyz") == 0  # out of vocabulary
    assert real_counts.count("𠀀") == 0
    assert real_counts.count("中的的的") == 0  # in vocabulary, never seen
    ids = real_counts.vocab.ids(np.array([ord("中"), ord("国")], np.uint32)).tolist()
    queries = pack([ids, ids[:1], [ids[1], ids[0], ids[1]], [65535]], 1)
    got = real_counts.lookup(queries)
    assert got.tolist() == [real_counts.count("中国"), real_counts.count("中"),
                            real_counts.count("国中国"), 0]


def test_lookup_two_word_keys():
    counts = NgramCounts.from_corpus(encode_texts(["中文分词是基础工作", "中文分词"]), 6)
    assert counts.count("中文分词是") == 1 and counts.count("中文分词") == 2
    assert counts.count("文分词是基础") == 1 and counts.count("词是基础工作") == 1
    assert counts.count("中文分词是基") == 1 and counts.count("分词中文") == 0


def test_empty_table_lookup():
    counts = NgramCounts.from_corpus(encode_texts(["中文"]), 2).prune(100)
    assert len(counts) == 0
    assert counts.count("中文") == 0
    assert counts.lookup(pack([[1]], 1)).tolist() == [0]


# --- rare characters --------------------------------------------------------------------------


@PROPS
@given(TEXTS, st.integers(1, 4))
def test_rare_chars_split_like_a_boundary(texts, min_char_count):
    """A char below min_char_count cuts its fragment exactly as a comma would."""
    got = NgramCounts.from_corpus(encode_texts(texts, min_char_count=min_char_count), 4)
    char_counts = Counter(ch for t in texts for r in naive.han_runs(t) for ch in r)
    fragments = [r for t in texts for r in naive.han_runs(t)]
    kept = naive.split_rare(fragments, lambda ch: char_counts[ch] >= min_char_count)
    assert got.to_counter() == naive.ngram_counts(["".join(f) for f in kept], 4)
    rare = {ch for ch, c in char_counts.items() if c < min_char_count}
    replaced = ["".join("，" if ch in rare else ch for ch in t) for t in texts]
    assert got.to_counter() == NgramCounts.from_corpus(encode_texts(replaced), 4).to_counter()


def test_rare_char_by_hand():
    corpus = encode_texts(["中文甲中文", "中文"], min_char_count=2)
    assert corpus.offsets.tolist() == [0, 2, 4, 6]
    assert [corpus.fragment(f) for f in range(3)] == ["中文", "中文", "中文"]
    assert NgramCounts.from_corpus(corpus, 3).to_counter() == \
        Counter({"中": 3, "文": 3, "中文": 3})


# --- save / load ------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path, real_counts):
    path = tmp_path / "counts.npz"
    real_counts.save(path)
    loaded = NgramCounts.load(path)
    assert_same_table(loaded, real_counts)
    np.testing.assert_array_equal(loaded.vocab.cps, real_counts.vocab.cps)
    assert loaded.vocab.digest() == real_counts.vocab.digest()
    assert loaded.to_counter() == real_counts.to_counter()
    assert loaded.count("中国") == real_counts.count("中国")
    assert [p.name for p in tmp_path.iterdir()] == ["counts.npz"]  # no temporary left


def test_save_load_wide_keys(tmp_path):
    counts = NgramCounts.from_corpus(encode_texts(["中文分词是基础工作，分词是基础"]), 8)
    counts.save(tmp_path / "wide.npz")
    loaded = NgramCounts.load(tmp_path / "wide.npz")
    assert_same_table(loaded, counts)
    assert loaded.count("分词是基础") == 2


def rewrite(src, dst, **changes):
    """Copy a counts bundle with some arrays or meta fields replaced."""
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    meta.update(changes.pop("meta", {}))
    arrays.update(changes)
    arrays["meta"] = np.array(json.dumps(meta))
    with open(dst, "wb") as f:
        np.savez(f, **arrays)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, real_counts):
    path = tmp_path_factory.mktemp("counts") / "good.npz"
    real_counts.save(path)
    return path


def load_error(path) -> FormatError:
    with pytest.raises(FormatError) as info:
        NgramCounts.load(path)
    assert str(path) in str(info.value)
    return info.value


def test_newer_format_raises(saved, tmp_path):
    bad = tmp_path / "newer.npz"
    rewrite(saved, bad, meta={"format": FORMAT_VERSION + 1})
    assert "format" in str(load_error(bad))


def test_other_kind_raises(saved, tmp_path):
    bad = tmp_path / "kind.npz"
    rewrite(saved, bad, meta={"kind": "lexicon"})
    load_error(bad)


def test_size_mismatch_raises(saved, tmp_path):
    bad = tmp_path / "rows.npz"
    with np.load(saved) as z:
        counts = z["counts"][:-1]
    rewrite(saved, bad, counts=counts)
    assert "corrupt" in str(load_error(bad))
    bad2 = tmp_path / "vocab.npz"
    with np.load(saved) as z:
        cps = z["vocab_cps"][::-1].copy()
    rewrite(saved, bad2, vocab_cps=cps)
    load_error(bad2)


def test_missing_array_raises(saved, tmp_path):
    bad = tmp_path / "nokeys.npz"
    with np.load(saved) as z:
        arrays = {k: z[k] for k in z.files if k != "keys"}
    with open(bad, "wb") as f:
        np.savez(f, **arrays)
    load_error(bad)


def test_text_file_raises(tmp_path):
    bad = tmp_path / "notes.npz"
    bad.write_text("这不是计数文件\n" * 20, encoding="utf-8")
    load_error(bad)


def test_missing_file_raises(tmp_path):
    load_error(tmp_path / "absent.npz")


def test_truncated_file_raises(saved, tmp_path):
    bad = tmp_path / "truncated.npz"
    data = saved.read_bytes()
    bad.write_bytes(data[:len(data) // 2])
    load_error(bad)


def test_empty_file_raises(tmp_path):
    bad = tmp_path / "empty.npz"
    bad.write_bytes(b"")
    load_error(bad)


def test_garbled_member_raises(saved, tmp_path):
    bad = tmp_path / "garbled.npz"
    data = bytearray(saved.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 50] = b"x" * 50
    bad.write_bytes(bytes(data))
    load_error(bad)


# --- other domains (shared corpora) -----------------------------------------------------------


@pytest.mark.parametrize("name", ["reviews_pos.txt", "novels/红楼梦.txt"])
def test_shared_corpora_match_naive(shared_corpora, name):
    """Noisy reviews (mixed script, URLs, emoticons) and early-vernacular fiction."""
    path = shared_corpora / name
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    with open(path, encoding="utf-8") as f:
        texts = list(itertools.islice(f, 300))
    counts = NgramCounts.from_corpus(encode_texts(texts), 3)
    assert counts.to_counter() == naive_counts_by_atoms(texts, 3)
