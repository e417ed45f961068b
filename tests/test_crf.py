"""CRFSegmenter (issue 10): the Segmenter contract, training, user words, marginals, files."""
from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_crf
from badinput_crf import DAMAGES, damaged_model, rewrite_model
from mentropy import crf_features as F
from mentropy.crf import CRFSegmenter
from mentropy.crf_features import FeatureOptions
from mentropy.errors import FormatError, InputError, MentropyError
from mentropy.evaluate import score

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "corpora" / "sample_gold.txt"
FAST = dict(max_iterations=25, progress=False)
BITS = FeatureOptions(hash_bits=18)


@pytest.fixture(scope="session")
def gold_lines() -> list[str]:
    if not GOLD.is_file():
        pytest.skip(f"{GOLD} is missing")
    return GOLD.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def crf(gold_lines) -> CRFSegmenter:
    return CRFSegmenter(BITS).train_gold(gold_lines[:1000], **FAST)


@pytest.fixture(scope="session")
def model_path(crf, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crf") / "m.crf"
    crf.save(path)
    return path


def test_learns_the_standard(crf, gold_lines):
    """Trained on 1,000 gold lines, it scores well above the one-char-per-word baseline."""
    test = [line.split() for line in gold_lines[1000:1300]]
    pred = crf.cut_many(["".join(ws) for ws in test])
    s = score(test, pred)
    assert s.f1 > 0.8, s


def test_atoms_never_split(crf):
    text = "他在2000年买了iPhone7和COVID-19试剂，价格３.１４万元，３．１４％。"
    words = crf.lcut(text)
    assert "".join(words) == text
    for atom in ("2000年", "iPhone7", "COVID-19"):
        assert any(atom in w for w in words), (atom, words)
    units = F.make_units([text])
    bounds = set(units.starts.tolist()) | {len(text)}
    for _, s, e in crf.tokenize(text):
        assert s in bounds and e in bounds


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Lo", "Nd", "P", "Zs", "Lu", "Mn", "Cc"]),
               max_size=40))
def test_lossless_and_offsets(crf, text):
    tokens = crf.tokenize(text)
    assert "".join(w for w, _, _ in tokens) == text
    assert all(text[s:e] == w and w for w, s, e in tokens)
    assert crf.lcut(text) == [w for w, _, _ in tokens] == list(crf.cut(text))


def test_cut_many_and_blocks_agree_with_lcut(crf, gold_lines):
    texts = ["".join(line.split()) for line in gold_lines[1300:1360]] + ["", " ", "a\nb", "。。"]
    many = crf.cut_many(texts)
    assert many == [crf.lcut(t) for t in texts]
    joined = "".join(crf.segmented_blocks(texts, " | ", chunksize=7))
    assert joined == "".join(" | ".join(ws) + "\n" for ws in many)


def test_workers_give_the_same_words_and_blocks(crf, gold_lines):
    """A process pool (the Segmenter's, tests run it from 0 characters) decodes the same
    words and text blocks as one process, user words included."""
    texts = ["".join(line.split()) for line in gold_lines[1300:1400]] + ["", "a\nb", "。。"]
    crf.add_word("确实在理")
    try:
        texts.append("他说的确实在理，确实在理。")
        one = crf.cut_many(texts)
        assert crf.cut_many(texts, workers=2) == one
        blocks = "".join(crf.segmented_blocks(texts, "/", workers=2, chunksize=9))
        assert blocks == "".join("/".join(ws) + "\n" for ws in one)
        assert "确实在理" in one[-1]
    finally:
        crf.del_word("确实在理")
    with pytest.raises(MentropyError, match="workers"):
        crf.cut_many(texts, workers=0)


def test_user_words_are_forced(crf):
    text = "他说的确实在理，确实在理。"
    assert "确实在理" not in crf.lcut(text)
    crf.add_word("确实在理")
    try:
        words = crf.lcut(text)
        assert words.count("确实在理") == 2 and "".join(words) == text
        m = crf.marginals(text)
        assert m[3, 0] == pytest.approx(1.0) and m[6, 2] == pytest.approx(1.0)
    finally:
        crf.del_word("确实在理")
    assert "确实在理" not in crf.lcut(text)


def test_user_word_inside_an_atom_is_not_used(crf):
    crf.add_word("14万")
    try:
        assert "3.14万" in crf.lcut("卖了3.14万部")
    finally:
        crf.del_word("14万")


def test_marginals(crf):
    text = "１９９８年他说：iPhone很好"
    m = crf.marginals(text)
    assert m.shape == (len(text), 4)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-9)
    assert m[0, 0] == pytest.approx(1.0)  # 1998年 is one atom: its first char begins a word
    assert m[1:4, 1].tolist() == [1.0, 1.0, 1.0]


def test_marginals_match_enumeration_on_a_short_text(crf):
    text = "他说好"
    units = F.make_units([text])
    feats = crf._features(units, [text])
    h = [[sum(crf.weights[f, y] for f in row if f >= 0) for y in range(4)] for row in feats]
    want = naive_crf.marginals(h, crf.trans.tolist())
    np.testing.assert_allclose(crf.marginals(text), want, atol=1e-9)


def test_save_load_round_trip_and_same_bytes(crf, model_path, tmp_path, gold_lines):
    again = tmp_path / "again.crf"
    crf.save(again)
    assert again.read_bytes() == model_path.read_bytes()
    loaded = CRFSegmenter.load(model_path)
    texts = ["".join(line.split()) for line in gold_lines[1300:1400]]
    assert loaded.cut_many(texts) == crf.cut_many(texts)
    meta = json.loads(np.load(model_path)["meta"].tobytes())
    assert meta["format"] == 1 and meta["features"]["hash_bits"] == 18
    assert len(meta["data"]["sha256"]) == 64


def test_training_is_reproducible(gold_lines, tmp_path):
    paths = []
    for k in range(2):
        m = CRFSegmenter(BITS).train_gold(gold_lines[:300], max_iterations=10, holdout=0.1,
                                          check_every=3, progress=False)
        paths.append(tmp_path / f"{k}.crf")
        m.save(paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_same_model_bytes_across_hash_seeds(tmp_path):
    """Hash randomisation of str must not reach the model (run in fresh interpreters)."""
    gold = tmp_path / "gold.txt"
    gold.write_text("中国  人民  银行  今天  宣布\n经济  发展  很  快\n他  说  的  确实  在理\n" * 5,
                    encoding="utf-8")
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.crf"
        code = ("from mentropy.crf import CRFSegmenter\n"
                "from mentropy.crf_features import FeatureOptions\n"
                f"CRFSegmenter(FeatureOptions(hash_bits=12)).train_gold({str(gold)!r}, "
                f"max_iterations=5, progress=False).save({str(out)!r})")
        subprocess.run([sys.executable, "-c", code], check=True,
                       env={**__import__("os").environ, "PYTHONHASHSEED": seed})
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_early_stopping_keeps_the_best_heldout_model(gold_lines):
    m = CRFSegmenter(BITS).train_gold(gold_lines[:400], max_iterations=200, holdout=0.2,
                                      check_every=2, patience=1, c2=0.0, progress=False)
    assert m.report.n_heldout == 80 and m.report.heldout_loss is not None
    assert m.report.iterations < 200 and m.report.stopped in ("held-out loss", "delta",
                                                              "gradient")


def test_train_from_pku_file_and_lists(tmp_path):
    pku = tmp_path / "pku.txt"
    pku.write_text("中国/ns  人民/n  银行/n\n\n[经济/n  发展/vn]nz  很/d  快/a\n", encoding="utf-8")
    a = CRFSegmenter(FeatureOptions(hash_bits=12)).train_gold(pku, max_iterations=5,
                                                               progress=False)
    b = CRFSegmenter(FeatureOptions(hash_bits=12)).train_gold(
        [["中国", "人民", "银行"], ["经济", "发展", "很", "快"]], max_iterations=5, progress=False)
    assert a.meta["data"]["sha256"] == b.meta["data"]["sha256"]
    np.testing.assert_array_equal(a.weights, b.weights)


def test_silver_training_runs_all_options(tmp_path):
    from mentropy.segment import Segmenter

    texts = ["中国人民银行今天宣布下调存款利率。", "经济发展需要稳定的金融环境。",
             "人民群众关心的问题就是我们工作的重点。"] * 10
    seg = Segmenter(["中国", "人民", "银行", "今天", "宣布", "经济", "发展", "人民群众"],
                    [50, 40, 30, 20, 20, 60, 25, 5])
    m = CRFSegmenter(FeatureOptions(hash_bits=14, lexicon_features=True)).train_silver(
        texts, seg, rounds=2, confident=0.9, max_iterations=15, progress=False)
    assert m.meta["data"]["round"] == 2 and 0 < m.meta["data"]["labelled_share"] <= 1
    assert "".join(m.lcut(texts[0])) == texts[0]
    m.save(tmp_path / "s.crf")
    assert CRFSegmenter.load(tmp_path / "s.crf").lexicon_words == m.lexicon_words


def test_pmi_features(gold_lines, tmp_path):
    m = CRFSegmenter(FeatureOptions(hash_bits=16, pmi_features=True)).train_gold(
        gold_lines[:200], max_iterations=5, progress=False)
    units = F.make_units(["中国人民", "人民"])
    cols = m.pairs.columns(units)
    assert cols.tolist()[0][0] == -1 and cols.tolist()[3][1] == -1 and cols[1, 0] == cols[0, 1]
    # PMI by formula for 中国 (both counted in the training text)
    text_units = F.make_units(["".join(x.split()) for x in gold_lines[:200]])
    syms = text_units.sym.tolist()
    lines = text_units.line_units.tolist()
    pairs = [(syms[p - 1], syms[p]) for i in range(len(lines) - 1)
             for p in range(lines[i] + 1, lines[i + 1])]
    n_ab = pairs.count((ord("中"), ord("国")))
    pmi = math.log(n_ab) + math.log(len(syms)) - math.log(syms.count(ord("中"))) - math.log(
        syms.count(ord("国")))
    assert cols[0, 1] == min(max(math.floor(pmi), -4), 12) + 4 + 1
    m.save(tmp_path / "p.crf")
    loaded = CRFSegmenter.load(tmp_path / "p.crf")
    texts = ["".join(x.split()) for x in gold_lines[300:340]]
    assert loaded.cut_many(texts) == m.cut_many(texts)


def test_lexicon_guided_keeps_the_lexicon_words(tmp_path):
    from mentropy.segment import Segmenter

    texts = ["中国人民银行今天宣布下调存款利率。", "经济发展需要稳定的金融环境。"] * 10
    seg = Segmenter(["中国", "人民", "银行", "今天", "宣布", "经济", "发展"],
                    [50, 40, 30, 20, 20, 60, 25])
    m = CRFSegmenter(FeatureOptions(hash_bits=14)).train_silver(
        texts, seg, free_single_runs=0.5, lexicon_guided=True, max_iterations=10,
        progress=False)
    words = m.lcut(texts[0])
    assert words[:5] == ["中国", "人民", "银行", "今天", "宣布"] and "".join(words) == texts[0]
    m.save(tmp_path / "g.crf")
    loaded = CRFSegmenter.load(tmp_path / "g.crf")
    assert loaded.lexicon_guided and loaded.cut_many(texts) == m.cut_many(texts)


def test_single_runs():
    from mentropy.crf import _single_runs

    texts = ["中国的了吧", "了", "他a吗呢"]
    units = F.make_units(texts)
    tags = np.array(naive_crf.tags_of_words([2, 1, 1, 1]) + [3] + [3, 3, 3, 3], dtype=np.int8)
    got = _single_runs(units, tags, np.zeros(0, np.uint32)).tolist()
    # 的了吧 is a run; a lone 了 on its own line is not; a latin unit breaks 他 from 吗呢
    assert got == [False, False, True, True, True, False, False, False, True, True]
    from mentropy.crf import _often_alone

    alone = _often_alone(units, tags, 0.9)  # 了 and the rest are always alone here, 中国 not
    assert ord("了") in alone.tolist() and ord("中") not in alone.tolist()
    assert _single_runs(units, tags, alone).tolist() == [False] * 10


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lines,msg", [([], "empty training set"), (["", "  "], "empty"),
                                       (["中国 人民"], "one training sentence")])
def test_too_little_training_data(lines, msg):
    with pytest.raises(InputError, match=msg):
        CRFSegmenter(BITS).train_gold(lines, **FAST)


def test_gold_line_that_is_raw_text_names_file_and_line(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("中国  人民\n" + "中国人民银行今天宣布下调存款利率经济发展需要稳定的金融环境银行要支持\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"gold\.txt, line 2: not words separated by spaces"):
        CRFSegmenter(BITS).train_gold(gold, **FAST)


def test_bad_pku_line_names_file_and_line(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("中国/ns  人民/n\n" * 6 + "经济/n  发展\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"gold\.txt, line 7"):
        CRFSegmenter(BITS).train_gold(gold, **FAST)


def test_bad_options():
    with pytest.raises(MentropyError, match="c2"):
        CRFSegmenter(BITS).train_gold(["a b", "c d"], c2=float("nan"), progress=False)
    with pytest.raises(MentropyError, match="unknown training option"):
        CRFSegmenter(BITS).train_gold(["a b", "c d"], iterations=3)
    with pytest.raises(MentropyError, match="hash_bits"):
        CRFSegmenter(FeatureOptions(hash_bits=40))
    with pytest.raises(MentropyError, match="not trained"):
        CRFSegmenter().lcut("中国")
    with pytest.raises(MentropyError, match="str"):
        CRFSegmenter(BITS).train_gold(["a b", "c d"], max_iterations=1,
                                      progress=False).lcut(b"x")


def test_nan_weights_decode_without_crashing(crf):
    broken = CRFSegmenter(BITS)
    broken.weights = np.full_like(crf.weights, np.nan)
    broken.trans = crf.trans
    assert broken.lcut("中国人民") == ["中", "国", "人", "民"]


def test_newer_format_is_refused(model_path, tmp_path):
    bad = tmp_path / "newer.crf"
    rewrite_model(model_path, bad, lambda m, a: m.update(format=99))
    with pytest.raises(FormatError, match="newer"):
        CRFSegmenter.load(bad)


def test_other_feature_options_are_refused(model_path, tmp_path):
    with pytest.raises(FormatError, match="feature options"):
        CRFSegmenter.load(model_path, features=FeatureOptions(hash_bits=20))
    bad = tmp_path / "templates.crf"
    rewrite_model(model_path, bad, lambda m, a: m["features"].update(templates=2))
    with pytest.raises(FormatError, match="templates v2"):
        CRFSegmenter.load(bad)


def test_corrupt_weights_fail_the_self_test(model_path, tmp_path):
    bad = tmp_path / "weights.crf"

    def scramble(meta, arrays):
        arrays["weights"] = np.random.default_rng(0).normal(0, 50, arrays["weights"].shape)

    rewrite_model(model_path, bad, scramble)
    with pytest.raises(FormatError, match="self-test"):
        CRFSegmenter.load(bad)


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_model_files(model_path, tmp_path, damage):
    bad = damaged_model(model_path, tmp_path / "bad.crf", damage)
    with pytest.raises(FormatError, match=r"bad\.crf"):
        CRFSegmenter.load(bad)


def test_missing_model_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        CRFSegmenter.load(tmp_path / "none.crf")
