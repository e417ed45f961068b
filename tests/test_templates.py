"""Templates: the matcher (nlp-zero's defects pinned), mining on a synthetic grammar, files."""
from __future__ import annotations

import itertools
import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_templates as naive
from mentropy.errors import FormatError, MentropyError
from mentropy.lexicon import Lexicon
from mentropy.mining import mine_templates
from mentropy.segment import Segmenter
from mentropy.templates import Template, Templates, build_trie, match_spans


def test_fixed_words_cannot_be_skipped():
    """nlp-zero defect: its matcher lets any word be skipped, so 我 爱 你 matched 我 很 爱 你."""
    assert match_spans([("我", "爱", "你")], "我 很 爱 你".split()) == []
    assert match_spans([("我", "爱", "你")], "我 爱 你".split()) == [(0, 3, 0)]


def test_a_match_covers_its_whole_span():
    """nlp-zero defect: 谢谢 matched the span 今天 谢谢 你 了; a match is exactly its span."""
    assert match_spans([("谢谢",)], "今天 谢谢 你 了".split()) == [(1, 2, 0)]


def test_a_placeholder_absorbs_one_or_more_words():
    words = "我 要 去 北京 了".split()
    got = match_spans([("我", "要", None)], words)
    assert got == [(0, 3, 0), (0, 4, 0), (0, 5, 0)]
    assert match_spans([("我", None, "要")], words) == []  # a placeholder is never empty


@settings(max_examples=200, deadline=None)
@given(templates=st.lists(st.lists(st.integers(-1, 3), min_size=1, max_size=5), min_size=1,
                          max_size=4),
       toks=st.lists(st.integers(0, 3), max_size=10), max_span=st.integers(1, 12))
def test_matcher_matches_brute_force(templates, toks, max_span):
    from mentropy._kernels import spans as KS

    # no two placeholders in a row (X X is X): collapse them, as the file format requires
    clean = []
    for tp in templates:
        out = []
        for x in tp:
            if not (x < 0 and out and out[-1] < 0):
                out.append(x)
        clean.append(tuple(out))
    first = {}
    for i, tp in enumerate(clean):
        first.setdefault(tp, i)
    s, e, t, overflow = KS.match_spans(np.array(toks, dtype=np.int32), *build_trie(clean),
                                       max_span, 64)
    got = sorted({(int(a), int(b), int(x)) for a, b, x in zip(s, e, t)})
    want = sorted({(i, j, first[clean[k]])
                   for i, j, k in naive.all_matches(clean, toks, max_span)})
    assert not overflow
    assert got == want


# -- mining a synthetic grammar -------------------------------------------------------------

FILLERS = ["北京", "上海", "天津", "重庆", "广州", "深圳", "杭州", "南京", "武汉", "成都",
           "西安", "长沙", "青岛", "大连", "厦门", "苏州", "昆明", "贵阳", "兰州", "银川"]
FIXED = ["因为", "所以", "对", "进行", "从", "到"]


def synthetic_lines(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, b, c = (rng.choice(FILLERS) for _ in range(3))
        kind = rng.randrange(4)
        if kind == 0:
            out.append(f"因为{a}{b}所以{c}。")
        elif kind == 1:
            out.append(f"{a}对{b}进行{c}。")
        elif kind == 2:
            out.append(f"从{a}到{b}{c}。")
        else:
            out.append("".join(rng.choice(FILLERS) for _ in range(rng.randrange(2, 7))) + "。")
    return out


@pytest.fixture(scope="module")
def synthetic_segmenter():
    words = FILLERS + FIXED + ["。"]
    return Segmenter.from_lexicon(Lexicon(words, [1000] * len(words)))


@pytest.fixture(scope="module")
def synthetic_templates(synthetic_segmenter):
    return mine_templates(texts=synthetic_lines(3000), segmenter_or_lexicon=synthetic_segmenter)


def test_synthetic_grammar_recovers_its_templates(synthetic_templates):
    patterns = {t.pattern(): t for t in synthetic_templates}
    assert "因为X所以X" in patterns
    assert "对X进行X" in patterns
    assert "从X到X" in patterns
    # the noise lines (fillers only) make no template, and nothing has fewer than two fixed words
    assert all(t.n_fixed >= 2 for t in synthetic_templates)
    assert not any(set(t.tokens) <= set(FILLERS) | {None, "。"} for t in synthetic_templates)
    # slot fillers: what fills X in 因为X所以X are pairs of city names
    slots = patterns["因为X所以X"].slots
    assert len(slots) == 2 and all(len(w) == 4 for w, _ in slots[0])


def test_code_length_falls_and_is_reported(synthetic_templates):
    report = synthetic_templates.report
    assert report[0].n_templates == 0
    assert report[-1].bits_per_word < report[0].bits_per_word
    assert "bits/word" in synthetic_templates.summary()


def test_save_load_round_trip(synthetic_templates, tmp_path):
    path = tmp_path / "t.jsonl"
    synthetic_templates.save(path)
    again = Templates.load(path, lexicon_digest=synthetic_templates.lexicon_digest)
    assert [t.tokens for t in again] == [t.tokens for t in synthetic_templates]
    assert [t.count for t in again] == [t.count for t in synthetic_templates]
    assert again.n_units == synthetic_templates.n_units
    again.save(tmp_path / "u.jsonl")
    assert (tmp_path / "u.jsonl").read_bytes() == path.read_bytes()
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[1])
    assert set(first) == {"template", "count", "gain", "slots"}
    assert first["template"][0] is None or isinstance(first["template"][0], str)


def test_mining_is_deterministic(synthetic_segmenter, synthetic_templates, tmp_path):
    again = mine_templates(texts=synthetic_lines(3000), segmenter_or_lexicon=synthetic_segmenter)
    synthetic_templates.save(tmp_path / "a.jsonl")
    again.save(tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_mining_input_rules(synthetic_segmenter, tmp_path):
    with pytest.raises(MentropyError, match="iterable of strings"):
        mine_templates(texts="因为北京上海所以天津。", segmenter_or_lexicon=synthetic_segmenter)
    with pytest.raises(MentropyError, match="no such file"):  # a str is always a path
        mine_templates("因为北京上海所以天津。", synthetic_segmenter)
    with pytest.raises(MentropyError, match="unknown template option"):
        mine_templates(texts=["x"], segmenter_or_lexicon=synthetic_segmenter, windw=3)
    with pytest.raises(MentropyError, match="window"):
        mine_templates(texts=["x"], segmenter_or_lexicon=synthetic_segmenter, window=0)
    empty = mine_templates(texts=["", "。。"], segmenter_or_lexicon=synthetic_segmenter)
    assert len(empty) == 0


# -- bad templates files --------------------------------------------------------------------

def write(tmp_path, lines):
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return path


def meta(**kw):
    base = {"format": "mentropy-templates", "version": 1, "lexicon_digest": "ab" * 32,
            "n_units": 100, "n_templates": 1}
    base.update(kw)
    return json.dumps(base)


GOOD = json.dumps({"template": ["我", "要", None], "count": 3, "gain": 1.0, "slots": [[["去", 2]]]},
                  ensure_ascii=False)


def test_load_good_file(tmp_path):
    t = Templates.load(write(tmp_path, [meta(), GOOD]))
    assert t[0] == Template(("我", "要", None), 3, 1.0, ((("去", 2),),))


@pytest.mark.parametrize("lines,line,reason", [
    ([meta(), '{"template": ["我", '], 2, "not JSON"),
    (["{not json"], 1, "not JSON"),
    ([meta(version=2), GOOD], 1, "newer"),
    (['{"a": 1}', GOOD], 1, "not a templates file"),
    ([meta(), '{"template": [null, null, "a"], "count": 1}'], 2, "two placeholders"),
    ([meta(), '{"template": [], "count": 1}'], 2, "list of words"),
    ([meta(), '{"template": ["a"], "count": -1}'], 2, "count"),
    ([meta(), '{"count": 1}'], 2, "bad template entry"),
])
def test_bad_files_name_file_and_line(tmp_path, lines, line, reason):
    with pytest.raises(FormatError, match=reason) as info:
        Templates.load(write(tmp_path, lines))
    assert info.value.line == line
    assert "bad.jsonl" in str(info.value) and f"line {line}" in str(info.value)


def test_truncated_and_empty_files(tmp_path):
    with pytest.raises(FormatError, match="truncated"):
        Templates.load(write(tmp_path, [meta(n_templates=2), GOOD]))
    with pytest.raises(FormatError, match="empty"):
        Templates.load(write(tmp_path, []))


def test_other_lexicon_is_refused(tmp_path):
    with pytest.raises(FormatError, match="another lexicon") as info:
        Templates.load(write(tmp_path, [meta(), GOOD]), lexicon_digest="cd" * 32)
    assert info.value.line == 1


def test_repeated_lines_count_once(synthetic_segmenter, synthetic_templates):
    """The lexicon's rule: three copies of the corpus give the templates of one, unless
    keep_duplicates."""
    lines = synthetic_lines(3000)
    thrice = mine_templates(texts=lines * 3, segmenter_or_lexicon=synthetic_segmenter)
    assert thrice.report[-1].bits_per_word == synthetic_templates.report[-1].bits_per_word
    assert len(thrice) == len(synthetic_templates)
    kept = mine_templates(texts=lines * 3, segmenter_or_lexicon=synthetic_segmenter,
                          keep_duplicates=True)
    assert kept.report[-1].uses > synthetic_templates.report[-1].uses


def test_mining_by_groups_of_lines_gives_the_same_templates(synthetic_segmenter,
                                                            synthetic_templates, monkeypatch,
                                                            tmp_path):
    """Pairs, candidate chains and every hard-EM parse run on groups of lines (bounded
    memory) and are merged: the templates, counts, gains and fillers of one pass."""
    import mentropy.mining as M

    whole = tmp_path / "whole.tpl"
    synthetic_templates.save(whole)
    monkeypatch.setattr(M, "PARSE_GROUP_TOKENS", 97)
    grouped = mine_templates(texts=synthetic_lines(3000), segmenter_or_lexicon=synthetic_segmenter)
    grouped.save(tmp_path / "grouped.tpl")
    assert (tmp_path / "grouped.tpl").read_bytes() == whole.read_bytes()
    offsets = np.array([0, 5, 5, 300, 310, 320, 700], np.int64)
    groups = M.line_groups(offsets, 100)
    assert groups[0][0] == 0 and groups[-1][1] == 6
    assert all(a < b for a, b in groups) and all(x[1] == y[0] for x, y in zip(groups, groups[1:]))
    assert M.line_groups(np.zeros(1, np.int64), 100) == []


# -- mining from disk, by groups of lines ---------------------------------------------------

def gold_lexicon_and_lines(gold_lines: list[list[str]]) -> tuple[Segmenter, list[str]]:
    """A segmenter from the words of gold segmentations, and the raw lines."""
    from collections import Counter

    counts = Counter(w for words in gold_lines for w in words)
    words = sorted(counts, key=lambda w: (-counts[w], w))
    seg = Segmenter.from_lexicon(Lexicon(words, [counts[w] for w in words]))
    return seg, ["".join(words) for words in gold_lines]


def in_memory_templates(lines: list[str], seg: Segmenter, **options) -> Templates:
    """The templates of the in-memory word corpus (mine_word_corpus, default groups)."""
    from mentropy.corpus import corpus_lines
    from mentropy.mining import mine_word_corpus
    from mentropy.templates import TemplateOptions
    from mentropy.wordcorpus import encode_words

    opts = TemplateOptions(keep_duplicates=True, **options).validate()
    return mine_word_corpus(encode_words(corpus_lines(texts=lines), seg), seg, opts)


def sample_gold(sample_path) -> list[list[str]]:
    text = (sample_path.parent / "sample_gold.txt").read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines()]


@pytest.mark.parametrize("which", ["sample", "pd199801"])
def test_disk_backed_mining_equals_in_memory_on_real_text(which, sample_path, request,
                                                           monkeypatch, tmp_path):
    """mine_templates keeps the word ids on disk and makes every per-token array per group
    of lines: with groups of a few hundred tokens, the file of the in-memory word corpus
    mined in groups of 1M tokens, byte for byte (counts, gains, fillers, code lengths)."""
    import mentropy.mining as M

    if which == "sample":
        gold = sample_gold(sample_path)
    else:
        from mentropy.pd1998 import read_pd1998

        shared = request.getfixturevalue("shared_corpora")
        gold = list(itertools.islice(read_pd1998(shared / "pd199801.txt"), 2500))
    seg, lines = gold_lexicon_and_lines(gold)
    whole = in_memory_templates(lines, seg, min_count=3)
    assert len(whole) > 20 and whole.report[-1].bits_per_word < whole.report[0].bits_per_word
    whole.save(tmp_path / "memory.tpl")
    monkeypatch.setattr(M, "PARSE_GROUP_TOKENS", 389)
    monkeypatch.setattr(M, "CANDIDATE_GROUP_TOKENS", 97)
    folder = tmp_path / "tmp"
    folder.mkdir()
    disk = mine_templates(texts=lines, segmenter_or_lexicon=seg, keep_duplicates=True,
                          min_count=3, tmp_dir=str(folder), progress=False)
    disk.save(tmp_path / "disk.tpl")
    assert (tmp_path / "disk.tpl").read_bytes() == (tmp_path / "memory.tpl").read_bytes()
    assert list(folder.iterdir()) == []


def test_word_shards_read_as_the_word_corpus(sample_path, tmp_path):
    """The ids on disk, read by any range, are the in-memory corpus's ids; same vocabulary."""
    from mentropy.wordcorpus import encode_words
    from mentropy.wordshards import encode_words_to

    seg, lines = gold_lexicon_and_lines(sample_gold(sample_path))
    wc = encode_words(lines, seg)
    with encode_words_to(iter(lines), seg, str(tmp_path), chunksize=97) as shards:
        assert shards.words == wc.words and shards.n_tokens == wc.n_tokens > 50_000
        np.testing.assert_array_equal(shards.counts, wc.counts)
        np.testing.assert_array_equal(shards.kinds, wc.kinds)
        np.testing.assert_array_equal(shards.offsets, wc.offsets)
        rng = np.random.default_rng(3)
        for a, b in [(0, wc.n_tokens), (5, 5), (wc.n_tokens - 1, wc.n_tokens),
                     *np.sort(rng.integers(0, wc.n_tokens, (20, 2)), axis=1).tolist()]:
            np.testing.assert_array_equal(shards.token_ids(a, b), wc.ids[a:b])
    with pytest.raises(MentropyError, match="closed"):
        shards.token_ids(0, 1)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 1000, 4099, 100_003])
def test_token_sum_is_numpy_sum(n, sample_path):
    """The flat code length is summed in pieces exactly as np.sum sums the whole array."""
    from mentropy._kernels.sums import pairwise_sum
    from mentropy.mining import token_sum
    from mentropy.wordcorpus import WordCorpus

    rng = np.random.default_rng(n)
    values = -np.abs(rng.standard_normal(50)) * 9
    ids = rng.integers(0, 50, n).astype(np.int32)
    wc = WordCorpus(words=[str(i) for i in range(50)], counts=np.zeros(50, np.int64),
                    kinds=np.zeros(50, np.int8), ids=ids, offsets=np.array([0, n], np.int64))
    want = float(np.sum(values[ids]))
    assert pairwise_sum(values[ids]) == want
    for leaf in (128, 200, 1 << 20):
        assert token_sum(wc, values, leaf) == want


def test_temporary_folder_removed_after_errors(synthetic_segmenter, tmp_path, monkeypatch):
    """The word ids' folder goes away when mining fails while reading, while mining (here a
    Ctrl-C in the hard EM) and after a bad line; the error names the file and line."""
    import mentropy.mining as M
    from mentropy.errors import InputError

    folder = tmp_path / "tmp"
    folder.mkdir()

    def failing():
        yield from synthetic_lines(3000)
        raise RuntimeError("the source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        mine_templates(texts=failing(), segmenter_or_lexicon=synthetic_segmenter,
                       tmp_dir=str(folder))
    assert list(folder.iterdir()) == []

    def interrupted(*args, **kwargs):
        assert len(list(folder.iterdir())) == 1  # the ids are on disk meanwhile
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(M, "parse_corpus", interrupted)
        with pytest.raises(KeyboardInterrupt):
            mine_templates(texts=synthetic_lines(3000), segmenter_or_lexicon=synthetic_segmenter,
                           tmp_dir=str(folder))
    assert list(folder.iterdir()) == []

    bad = tmp_path / "bad.txt"
    bad.write_bytes("\n".join(synthetic_lines(50)).encode("utf-8") + b"\n\xe4\xb8\xad\xff\n")
    with pytest.raises(InputError) as info:
        mine_templates(str(bad), synthetic_segmenter, tmp_dir=str(folder))
    assert "bad.txt" in str(info.value) and info.value.line == 51
    assert list(folder.iterdir()) == []
    with pytest.raises(MentropyError, match="no such folder"):
        mine_templates(texts=["从北京到上海"], segmenter_or_lexicon=synthetic_segmenter,
                       tmp_dir=str(tmp_path / "absent"))


def test_workers_give_the_same_templates(synthetic_segmenter, synthetic_templates,
                                         monkeypatch, tmp_path):
    """The parses of each round run in 2 worker processes (spawned) that read their group's
    ids from the file; merged in group order, the file is byte-identical."""
    import os

    import mentropy.batch
    import mentropy.mining as M

    pools = []

    def open_pool(workers):
        pools.append(real_open_pool(workers))
        return pools[-1]

    real_open_pool = mentropy.batch.open_pool
    monkeypatch.setattr(mentropy.batch, "open_pool", open_pool)
    monkeypatch.setattr(M, "PARSE_GROUP_TOKENS", 997)
    synthetic_templates.save(tmp_path / "one.tpl")
    found = mine_templates(texts=synthetic_lines(3000), segmenter_or_lexicon=synthetic_segmenter,
                           workers=2, tmp_dir=str(tmp_path))
    found.save(tmp_path / "two.tpl")
    assert (tmp_path / "two.tpl").read_bytes() == (tmp_path / "one.tpl").read_bytes()
    assert len(pools) == 1 and pools[0].peaks and os.getpid() not in pools[0].peaks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.tpl", "two.tpl"]
