"""`mentropy segment` on bad input (issue 4): each case of badinput.segment_cases() fails with
one line naming the file (and line or byte), no traceback and no file left behind, or, where the
input is legitimately fine, succeeds as documented. The large cases run as real processes with
their peak memory measured; the others in-process."""
from __future__ import annotations

import pytest

import badinput as B
import naive


@pytest.mark.parametrize("case", B.params(B.segment_cases()))
def test_bad_input(case: B.Case, tmp_path, big):
    try:
        B.run_case(case, tmp_path / "case", big)
    finally:
        B.reset_permissions(tmp_path)


@pytest.fixture(scope="module")
def sample_lexicon(sample_path, tmp_path_factory):
    """A lexicon learnt from corpora/sample.txt, saved in jieba format."""
    from mentropy.lexicon import build_lexicon

    path = tmp_path_factory.mktemp("seg") / "sample.dict"
    build_lexicon(str(sample_path), progress=False).save(path)
    return path


@pytest.fixture(scope="module")
def long_lines(sample_lines, tmp_path_factory):
    """The sample's paragraphs joined 40 at a time, plus spaces and latin: lines of ~10k chars."""
    text = [line.rstrip("\n") for line in sample_lines]
    rows = ["".join(text[i:i + 40]) + " and so on, 1,234 items。完" for i in range(0, len(text), 40)]
    path = tmp_path_factory.mktemp("seg") / "long.txt"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, rows


@pytest.mark.parametrize("workers", [1, 2])
def test_long_lines_in_pieces_segment_as_whole_lines(monkeypatch, sample_lexicon, long_lines,
                                                     tmp_path, workers):
    """Cutting long lines in pieces (here every ~64 chars) does not change a single word."""
    from mentropy import pieces
    from mentropy.lexicon import Lexicon
    from mentropy.segment import Segmenter

    path, rows = long_lines
    seg = Segmenter.from_lexicon(Lexicon.load(sample_lexicon))
    expected = "".join(" ".join(seg.lcut(row)) + "\n" for row in rows)
    monkeypatch.setattr(pieces, "PIECE_CHARS", 64)
    out = tmp_path / "seg.txt"
    outcome = B.run_in_process(["segment", "--lexicon", str(sample_lexicon), str(path), "-o",
                                str(out), "--workers", str(workers), "-q"])
    assert outcome.code == 0, outcome.stderr
    assert out.read_text(encoding="utf-8") == expected


def test_pieces_join_to_the_lines(tmp_path):
    from mentropy.pieces import iter_line_pieces

    lines = ["短行。", "中国人民，银行今天宣布。" * 30, "a b c " * 50, "", "１，２３４元，很多。" * 20]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got: dict[int, list[str]] = {}
    for _, piece, line, last in iter_line_pieces(path, max_chars=16, block_bytes=7):
        assert len(piece) <= 16 or last
        got.setdefault(line, []).append(piece)
    assert ["".join(got[i + 1]) for i in range(len(lines))] == lines
    assert len(got[2]) > 10 and len(got[1]) == 1
    # no cut between a comma and a digit (1,234 is one atom)
    assert not any(p.endswith("，") and q[:1].isdigit() for p, q in zip(got[5], got[5][1:]))


def test_marks_inside_lexicon_words_are_not_cut_points():
    from mentropy.pieces import CUT_MARKS

    def cut_marks(words):
        return naive.cut_marks(words, CUT_MARKS)

    assert cut_marks(["中国", "人民"]) == CUT_MARKS
    assert "，" not in cut_marks(["你好，世界", "中国"])
    assert "，" not in cut_marks(["a,b"])  # "，" is matched as ","
    assert " " not in cut_marks(["New York"]) and "。" in cut_marks(["New York"])
    assert "。" in cut_marks(["句号。"])  # at the end of a word it cuts nothing


@pytest.mark.parametrize("words", [["中国", "人民"], ["你好，世界", "中国"], ["a,b"],
                                   ["New York"], ["句号。"], ["全角　空格", "！？x", "；、。"],
                                   ["a\tb", "x!y", "1;2"]])
def test_segmenter_safe_marks_equal_cut_marks(words):
    from mentropy.pieces import CUT_MARKS
    from mentropy.segment import Segmenter

    seg = Segmenter(words, [5] * len(words))
    assert seg.safe_cut_marks(CUT_MARKS) == naive.cut_marks(words, CUT_MARKS)


def test_line_without_cut_points_is_cut_with_a_warning(tmp_path, caplog):
    from mentropy.pieces import FORCED_CUT_CHARS, iter_line_pieces

    line = "中国人民银行" * (FORCED_CUT_CHARS // 3)
    path = tmp_path / "classical.txt"
    path.write_text(line + "\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="mentropy"):
        pieces = [p for _, p, _, _ in iter_line_pieces(path, max_chars=100)]
    assert "".join(pieces) == line
    assert max(map(len, pieces)) <= FORCED_CUT_CHARS and len(pieces) == 2
    assert len(caplog.records) == 1 and "classical.txt, line 1" in caplog.text
