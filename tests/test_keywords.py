"""mentropy grep: keyword occurrences by a pyahocorasick pass, against a plain str.find oracle."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mentropy.cli import main
from mentropy.errors import MentropyError
from mentropy.keywords import KeywordMatcher, count_keywords, grep


def naive_find(text: str, words: list[str]) -> list[tuple[int, int, int]]:
    out = []
    for i, w in enumerate(words):
        start = text.find(w)
        while start >= 0:
            out.append((start, start + len(w), i))
            start = text.find(w, start + 1)
    return sorted(out)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="中文分词ab", max_size=30),
       st.lists(st.text(alphabet="中文分词ab", min_size=1, max_size=3), min_size=1, max_size=5,
                unique=True))
def test_find_matches_oracle(text, words):
    assert KeywordMatcher(words).find(text) == naive_find(text, words)


def test_full_width_text_matches_ascii_keywords():
    assert KeywordMatcher(["iPhone"]).find("买了ｉＰｈｏｎｅ７") == [(2, 8, 0)]


def test_bad_keywords():
    with pytest.raises(MentropyError, match="no keywords"):
        KeywordMatcher([])
    with pytest.raises(MentropyError, match="non-blank"):
        KeywordMatcher(["中文", " "])


def test_grep_and_count_on_files(tmp_path):
    (tmp_path / "a.txt").write_text("新冠疫苗\n没有\n疫苗疫苗\n", encoding="utf-8")
    got = [(line_no, line) for _, line_no, line, _ in grep(tmp_path / "a.txt", ["疫苗"],
                                                           progress=False)]
    assert got == [(1, "新冠疫苗"), (3, "疫苗疫苗")]
    assert count_keywords(tmp_path / "a.txt", ["疫苗", "新冠", "无"], progress=False) == \
        {"疫苗": 3, "新冠": 1, "无": 0}


def test_cli_grep(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("新冠疫苗\n没有\n疫苗疫苗\n", encoding="utf-8")
    lexicon = tmp_path / "new.dict"
    lexicon.write_text("疫苗 9\n新冠 3\n没 1\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["grep", "--lexicon", str(lexicon), str(corpus), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{corpus}:1:[新冠][疫苗]\n{corpus}:3:[疫苗][疫苗]\n"
    result = runner.invoke(main, ["grep", "-w", "疫苗", "-w", "没有", "--count", str(corpus)])
    assert result.exit_code == 0 and result.output == "疫苗 3\n没有 1\n"
    result = runner.invoke(main, ["grep", str(corpus)])
    assert result.exit_code == 2 and "-w/--word or --lexicon" in result.output
