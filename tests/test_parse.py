"""The shallow parse: the span DP against brute force, trees that cover their lines, bad input."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_templates as naive
from mentropy._kernels import spans as KS
from mentropy.errors import FormatError, MentropyError
from mentropy.lexicon import Lexicon
from mentropy.parse import Parser, parse_features
from mentropy.segment import Segmenter
from mentropy.templates import Template, Templates, _csr, build_trie, lexicon_digest


def collapse(tp):
    out = []
    for x in tp:
        if not (x < 0 and out and out[-1] < 0):
            out.append(x)
    return tuple(out)


def tree_score(kind, start, end, tmpl, parent, elems, wlp, flp, tlp, gap_cost):
    """Log-probability of the reading the kernel returned, computed from the tree itself."""
    children = {i: [] for i in range(-1, len(kind))}
    for i, p in enumerate(parent.tolist()):
        children[p].append(i)

    def item(i):
        if kind[i] == 0:
            return wlp[start[i]]
        if kind[i] == 2:
            return sum(item(c) for c in children[i])
        t = tmpl[i]
        assert len(children[i]) == len(elems[t])
        total = tlp[t]
        for c, el in zip(children[i], elems[t]):
            if el >= 0:
                assert kind[c] == 0 and end[c] == start[c] + 1
                total += flp[start[c]]
            else:
                total += item(c) - gap_cost * (end[c] - start[c])
        return total

    return sum(item(c) for c in children[-1])


@settings(max_examples=250, deadline=None)
@given(data=st.data(), n=st.integers(0, 14), max_span=st.integers(2, 9),
       chunk=st.sampled_from([4, 7, 1000]))
def test_span_dp_matches_brute_force(data, n, max_span, chunk):
    raw = data.draw(st.lists(st.lists(st.integers(-1, 3), min_size=1, max_size=5), min_size=1,
                             max_size=4))
    templates = [collapse(tp) for tp in raw if any(x >= 0 for x in tp)]
    if data.draw(st.booleans()):  # as mined: no leading placeholder (the DP stops earlier)
        templates = [tp[1:] if tp[0] < 0 else tp for tp in templates]
    if not templates:
        templates = [(0, -1, 1)]
    templates = list(dict.fromkeys(templates))
    toks = data.draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n))
    sep = data.draw(st.lists(st.sampled_from([0, 0, 0, 1, 2]), min_size=n, max_size=n))
    wlp = data.draw(st.lists(st.floats(-9, -0.5), min_size=n, max_size=n))
    flp = data.draw(st.lists(st.sampled_from([0.0, 0.0, -1.5]), min_size=n, max_size=n))
    tlp = data.draw(st.lists(st.floats(-6, -0.1), min_size=len(templates),
                             max_size=len(templates)))
    gap_cost = data.draw(st.sampled_from([0.0, 0.05]))
    ptr, elems = _csr(templates)
    kind, start, end, tmpl, parent, line, logp, overflow = KS.parse_lines(
        np.array(toks, np.int32), np.array(wlp), np.array(flp), np.array(sep, np.int8),
        np.array([0, n], np.int64), *build_trie(templates), np.array(tlp), ptr, elems,
        gap_cost, max_span, 64, chunk)
    # a line longer than `chunk` is parsed piece by piece
    want = sum(naive.best_parse(templates, tlp, toks[a:b], wlp[a:b], flp[a:b], sep[a:b],
                                gap_cost, max_span)
               for a, b in naive.pieces(n, sep, chunk, max_span))
    assert math.isclose(logp[0], want, rel_tol=1e-9, abs_tol=1e-9)
    # the tree read back is a reading of exactly that score, and its leaves tile the line
    assert math.isclose(tree_score(kind, start, end, tmpl, parent, templates, wlp, flp, tlp,
                                   gap_cost), want, rel_tol=1e-9, abs_tol=1e-9)
    leaves = [(s, e) for k, s, e in zip(kind, start, end) if k == 0]
    assert [s for s, _ in leaves] == list(range(n)) and all(e == s + 1 for s, e in leaves)
    for k, s, e, t in zip(kind, start, end, tmpl):
        if k == 1:
            assert e - s <= max_span and naive.matches(templates[t], toks[s:e])


# -- the Parser on words ----------------------------------------------------------------------

WORDS = {"苹果": 50, "的": 500, "颜色": 40, "是": 400, "什么": 60, "呢": 80, "？": 100,
         "我": 300, "很": 100, "爱": 50, "你": 200, "和": 300, "。": 300, "，": 400,
         "北京": 30, "上海": 30, "天津": 30}


@pytest.fixture(scope="module")
def seg():
    return Segmenter.from_lexicon(Lexicon(list(WORDS), list(WORDS.values())))


def make(seg, entries, n_units=10_000):
    templates = [Template(tuple(tp), count, 0.0) for tp, count in entries]
    return Templates(templates, lexicon_digest=lexicon_digest(seg), n_units=n_units)


def test_brackets_of_a_question(seg):
    parser = Parser(make(seg, [((None, "的", None, "是", None, "呢"), 3000)]), seg)
    tree = parser.parse("苹果的颜色是什么呢")
    assert tree.to_json_line() == json.dumps(tree.to_json(), ensure_ascii=False)
    assert tree.to_brackets() == "(苹果)的(颜色)是(什么)呢"
    assert tree.tree.template == (None, "的", None, "是", None, "呢")
    assert [c.start for c in tree.tree.children] == [0, 2, 3, 5, 6, 8]
    assert "[X的X是X呢] 苹果的颜色是什么呢" in tree.pretty()
    feats = parse_features(tree)
    assert feats["fixed"].tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1]
    assert feats["depth"].tolist() == [1] * 9
    assert feats["boundary"].tolist()[:3] == [1, 2, 0]


def test_flat_when_no_template_compresses(seg):
    parser = Parser(make(seg, [((None, "的", None, "是", None, "呢"), 1)], n_units=10**9), seg)
    tree = parser.parse("苹果的颜色是什么呢")
    assert tree.tree.template is None and len(tree.tree.children) == 6
    assert tree.blocks() == [] and tree.to_brackets() == "苹果的颜色是什么呢"


def test_nlp_zero_skip_defect_in_the_parser(seg):
    parser = Parser(make(seg, [(("我", "爱", "你"), 5000)]), seg)
    assert parser.parse("我很爱你").blocks() == []
    assert parser.parse("我爱你").blocks() == [(0, 3, ("我", "爱", "你"))]


def leaves(node):
    if not node.children:
        return [node]
    return [x for c in node.children for x in leaves(c)]


def test_every_tree_covers_its_line(seg):
    parser = Parser(make(seg, [((None, "和", None), 4000), (("我", None, "你"), 2000)]), seg)
    lines = ["", "。。，", "我爱你和北京和上海", "苹果", "我很爱北京和上海的你。", "ＡＢＣ 123"]
    for text, tree in zip(lines, parser.parse_many(lines)):
        got = leaves(tree.tree)
        assert "".join(text[x.start:x.end] for x in got) == text
        assert [x.start for x in got] == sorted(x.start for x in got)
        assert tree.to_json_line() == json.dumps(tree.to_json(), ensure_ascii=False)
        data = json.loads(tree.to_json_line())
        assert data["text"] == text and data["tree"]["start"] == 0
        assert data["tree"]["end"] == len(text)
    empty = parser.parse("")
    assert empty.to_json()["tree"] == {"start": 0, "end": 0, "template": None, "children": []}
    punct = parser.parse("。。，")
    assert punct.blocks() == [] and punct.to_brackets() == "。。，"


def test_a_long_coordination_parses(seg):
    parser = Parser(make(seg, [((None, "和", None), 4000)]), seg)
    text = "和".join(["北京", "上海", "天津"] * 10)  # 30 conjuncts
    tree = parser.parse(text)
    assert "".join(text[x.start:x.end] for x in leaves(tree.tree)) == text
    assert tree.blocks()


def test_a_long_line_without_punctuation_is_capped(seg):
    parser = Parser(make(seg, [((None, "和", None), 4000)]), seg)
    text = ("北京和上海" * 2000)[:10_000]
    tree = parser.parse(text)
    assert tree.capped and tree.to_json()["capped"] is True
    assert sum(len(text[x.start:x.end]) for x in leaves(tree.tree)) == 10_000
    assert all(e - s <= 2 * parser.max_span for s, e, _ in tree.blocks())


def test_parser_refuses_another_lexicon(seg):
    other = Segmenter.from_lexicon(Lexicon(["苹果"], [3]))
    with pytest.raises(MentropyError, match="another lexicon"):
        Parser(make(seg, [(("我", None, "你"), 3)]), other)
    with pytest.raises(MentropyError, match="iterable of lines"):
        Parser(make(seg, [(("我", None, "你"), 3)]), seg).parse_many("我爱你")


def test_parse_is_deterministic_and_batch_invariant(seg):
    parser = Parser(make(seg, [((None, "和", None), 4000), (("我", None, "你"), 2000)]), seg)
    lines = ["我爱北京和上海和你", "北京和天津", "", "我和你"]
    one = [json.dumps(parser.parse(x).to_json(), ensure_ascii=False) for x in lines]
    many = [json.dumps(t.to_json(), ensure_ascii=False) for t in parser.parse_many(lines)]
    assert one == many


def test_parse_on_mined_sample(sample_path, tmp_path):
    import mentropy

    lex = mentropy.build_lexicon(str(sample_path), progress=False)
    found = mentropy.mine_templates(str(sample_path), lex)
    assert len(found) > 20
    parser = Parser(found, lex)
    lines = sample_path.read_text(encoding="utf-8").splitlines()[:200]
    trees = parser.parse_many(lines)
    assert sum(len(t.blocks()) for t in trees) > 20
    for text, tree in zip(lines, trees):
        assert "".join(text[x.start:x.end] for x in leaves(tree.tree)) == text
        assert tree.to_json_line() == json.dumps(tree.to_json(), ensure_ascii=False)
        for s, e, template in tree.blocks():
            assert any(w is None for w in template) and e > s


def test_parser_takes_a_templates_path(seg, tmp_path):
    found = make(seg, [((None, "的", None, "是", None, "呢"), 3000)])
    found.save(tmp_path / "t.jsonl")
    parser = Parser(str(tmp_path / "t.jsonl"), seg)
    assert parser.parse("苹果的颜色是什么呢").to_brackets() == "(苹果)的(颜色)是(什么)呢"
    other = Segmenter.from_lexicon(Lexicon(["苹果"], [3]))
    with pytest.raises(FormatError, match="another lexicon") as info:
        Parser(tmp_path / "t.jsonl", other)
    assert "t.jsonl" in str(info.value)
