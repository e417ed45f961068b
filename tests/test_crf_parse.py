"""Parse features of the CRF (issue 10): the template parse's block boundaries, fixed words and
depth per unit, stored with the model and refused with other templates."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from badinput_crf import rewrite_model
from mentropy import crf_features as F
from mentropy.crf import CRFSegmenter
from mentropy.crf_features import FeatureOptions
from mentropy.errors import FormatError, MentropyError
from mentropy.lexicon import Lexicon
from mentropy.parse import Parser, parse_features
from mentropy.segment import Segmenter
from mentropy.templates import Template, Templates, lexicon_digest

REPO = Path(__file__).resolve().parent.parent
WORDS = {"苹果": 50, "的": 500, "颜色": 40, "是": 400, "什么": 60, "呢": 80, "？": 100,
         "我": 300, "很": 100, "爱": 50, "你": 200, "和": 300, "。": 300, "，": 400,
         "北京": 30, "上海": 30, "天津": 30}
TEXTS = ["苹果的颜色是什么呢", "", "我很爱你。北京和上海和天津，1998年的颜色是什么呢？",
         "iPhone7的颜色是３.14呢", "你"]
BITS = FeatureOptions(hash_bits=18)
FAST = dict(max_iterations=15, progress=False)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(list(WORDS), list(WORDS.values()))


@pytest.fixture(scope="module")
def templates(lexicon) -> Templates:
    seg = Segmenter.from_lexicon(lexicon)
    entries = [((None, "的", None, "是", None, "呢"), 3000), ((None, "和", None), 2000)]
    return Templates([Template(tp, n, 0.0) for tp, n in entries],
                     lexicon_digest=lexicon_digest(seg), n_units=10_000)


@pytest.fixture(scope="module")
def templates_file(templates, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "t.jsonl"
    templates.save(path)
    return path


def oracle_columns(texts, parses):
    """Per unit, by plain loops over the units of each line: (boundary bits, fixed, depth)."""
    rows = []
    for text, p in zip(texts, parses):
        units = F.make_units([text])
        for s, e in zip(units.starts.tolist(), units.ends.tolist()):
            b = (1 if p["boundary"][s] & 1 else 0) | (2 if p["boundary"][e - 1] & 2 else 0)
            rows.append([b, int(p["fixed"][s]), min(int(p["depth"][s]), F.DEPTH_BINS)])
    return np.array(rows, dtype=np.int32).reshape(-1, 3)


def test_columns_match_parse_features(lexicon, templates):
    parser = Parser(templates, Segmenter.from_lexicon(lexicon))
    parses = [parse_features(t) for t in parser.parse_many(TEXTS)]
    want = oracle_columns(TEXTS, parses)
    got = F.parse_columns(F.make_units(TEXTS), parses)
    assert got.tolist() == want.tolist()
    # the synthetic parse does use its templates: fixed words, blocks, nesting
    assert want[:, 1].any() and want[:, 0].any() and want[:, 2].max() >= 2
    crf = CRFSegmenter(BITS, templates=templates, parse_lexicon=lexicon)
    assert crf._parse_columns(F.make_units(TEXTS), TEXTS).tolist() == want.tolist()


def test_columns_refuse_parses_of_other_lines(lexicon, templates):
    parser = Parser(templates, Segmenter.from_lexicon(lexicon))
    parses = [parse_features(t) for t in parser.parse_many(TEXTS)]
    with pytest.raises(MentropyError, match="one parse per line"):
        F.parse_columns(F.make_units(TEXTS), parses[:-1])
    with pytest.raises(MentropyError, match="do not cover"):
        F.parse_columns(F.make_units(TEXTS), parses[::-1][:1] + parses[1:])


def gold_lines() -> list[str]:
    path = REPO / "corpora" / "sample_gold.txt"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    extra = ["苹果  的  颜色  是  什么  呢", "北京  和  上海  和  天津", "我  很  爱  你  。"]
    return path.read_text(encoding="utf-8").splitlines()[:300] + extra * 5


def train(templates, lexicon) -> CRFSegmenter:
    return CRFSegmenter(BITS, templates=templates, parse_lexicon=lexicon).train_gold(
        gold_lines(), **FAST)


def test_model_saves_loads_and_refuses_other_templates(templates_file, lexicon, tmp_path):
    crf = train(templates_file, lexicon)
    digest = hashlib.sha256(templates_file.read_bytes()).hexdigest()
    assert crf.features.parse_features == digest
    model = tmp_path / "m.crf"
    crf.save(model)
    back = CRFSegmenter.load(model)
    assert back.features == crf.features and back.parse_words == crf.parse_words
    assert [back.lcut(t) for t in TEXTS] == [crf.lcut(t) for t in TEXTS]
    assert np.array_equal(back.marginals(TEXTS[2]), crf.marginals(TEXTS[2]))
    again = tmp_path / "again.crf"
    back.save(again)
    assert again.read_bytes() == model.read_bytes()
    assert CRFSegmenter.load(model, features=crf.features).features == crf.features
    other = FeatureOptions(hash_bits=18, parse_features="ab" * 32)
    with pytest.raises(FormatError, match=r"m\.crf: model's parse features use templates "
                                          rf"sha256 {digest[:12]}…, not sha256 abababababab…"):
        CRFSegmenter.load(model, features=other)
    with pytest.raises(FormatError, match="use templates sha256 .*, not none"):
        CRFSegmenter.load(model, features=BITS)
    # the same weights with features naming other templates than those stored
    bad = rewrite_model(model, tmp_path / "bad.crf",
                        lambda m, a: m["features"].update(parse_features="ab" * 32))
    with pytest.raises(FormatError, match=r"bad\.crf: the stored templates do not match"):
        CRFSegmenter.load(bad)
    bad = rewrite_model(model, tmp_path / "bad.crf", lambda m, a: a.pop("parse_templates"))
    with pytest.raises(FormatError, match="no templates"):
        CRFSegmenter.load(bad)


def test_parse_features_change_the_model(templates_file, lexicon, tmp_path):
    """Not a no-op: the parse columns get weights, and without them the model differs."""
    with_parse = train(templates_file, lexicon)
    without = CRFSegmenter(BITS).train_gold(gold_lines(), **FAST)
    assert with_parse.report.n_features > without.report.n_features


def test_byte_reproducible(templates_file, lexicon, tmp_path):
    paths = []
    for k in range(2):
        paths.append(tmp_path / f"m{k}.crf")
        train(templates_file, lexicon).save(paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    lex = tmp_path / "lex.dict"
    lexicon.save(str(lex))
    code = ("import sys; sys.path.insert(0, 'tests'); import test_crf_parse as T; "
            "from mentropy.lexicon import Lexicon; "
            f"T.train({str(templates_file)!r}, Lexicon.load({str(lex)!r}))"
            f".save({str(tmp_path / 'child.crf')!r})")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env)
    assert (tmp_path / "child.crf").read_bytes() == paths[0].read_bytes()


def test_bad_setups(templates_file, templates, lexicon, tmp_path):
    with pytest.raises(MentropyError, match="needs the templates"):
        CRFSegmenter(FeatureOptions(parse_features="ab" * 32))
    with pytest.raises(MentropyError, match="parse features need templates"):
        CRFSegmenter(BITS, templates=templates_file)
    with pytest.raises(MentropyError, match="parse_features must be"):
        CRFSegmenter(FeatureOptions(parse_features="xyz"))
    other = Lexicon(["中国", "人民"], [5, 4])
    with pytest.raises(FormatError, match=r"t\.jsonl, line 1: made with another lexicon"):
        CRFSegmenter(BITS, templates=templates_file, parse_lexicon=other)
    with pytest.raises(MentropyError, match="name templates"):
        CRFSegmenter(FeatureOptions(hash_bits=18, parse_features="ab" * 32),
                     templates=templates, parse_lexicon=lexicon)
    with pytest.raises(MentropyError, match="no such file"):
        CRFSegmenter(BITS, templates=tmp_path / "none.jsonl", parse_lexicon=lexicon)
    trained = CRFSegmenter(BITS).train_gold(gold_lines()[:20], max_iterations=2,
                                            progress=False)
    with pytest.raises(MentropyError, match="before training"):
        trained.use_parse_features(templates, lexicon)
