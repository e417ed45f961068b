"""jieba-format dictionaries (DESIGN §8): reading, the error messages, writing, round trips."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from mentropy.dictionary import (format_dictionary, read_dictionary, read_user_dictionary,
                                 write_dictionary)
from mentropy.errors import FormatError, MentropyError


def write(tmp_path: Path, data: str | bytes, name: str = "d.txt") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_reads_words_counts_and_tags(tmp_path):
    path = write(tmp_path, "AT&T 3 nz\n中国 100 ns\n\n人民\t50\n  \n一 217830 m\r\nc++ 3\n")
    words, counts = read_dictionary(path)
    assert words == ["AT&T", "中国", "人民", "一", "c++"]
    assert counts.dtype == np.int64
    assert counts.tolist() == [3, 100, 50, 217830, 3]


def test_later_duplicate_wins(tmp_path):
    words, counts = read_dictionary(write(tmp_path, "中国 5\n人民 3\n中国 9 ns\n"))
    assert words == ["中国", "人民"]
    assert counts.tolist() == [9, 3]


def test_empty_file(tmp_path):
    words, counts = read_dictionary(write(tmp_path, ""))
    assert words == [] and counts.shape == (0,)
    words, counts = read_dictionary(write(tmp_path, "\n\n  \n"))
    assert words == [] and counts.shape == (0,)


@pytest.mark.parametrize("text,line,reason", [
    ("中国 5\n人民\n", 2, "no count"),
    ("中国 5\n人民 x3 n\n", 2, "not a non-negative integer"),
    ("中国 5\n\n人民 -3\n", 3, "negative"),
    ("中国 5.5\n", 1, "not a non-negative integer"),
    ("中国 5\n人民 3\r一 1\n", 2, "carriage return"),
])
def test_malformed_lines_name_the_line(tmp_path, text, line, reason):
    path = write(tmp_path, text)
    with pytest.raises(FormatError, match=reason) as info:
        read_dictionary(path)
    assert info.value.line == line
    assert f"line {line}" in str(info.value) and str(path) in str(info.value)


def test_bom_is_refused(tmp_path):
    with pytest.raises(FormatError, match="BOM") as info:
        read_dictionary(write(tmp_path, b"\xef\xbb\xbf" + "中国 5\n".encode()))
    assert info.value.line == 1


def test_invalid_utf8_names_the_line(tmp_path):
    data = "中国 5\n人民 3\n".encode() + b"\xe4\xb8 4\n"
    with pytest.raises(FormatError, match="invalid UTF-8") as info:
        read_dictionary(write(tmp_path, data))
    assert info.value.line == 3


def test_huge_count(tmp_path):
    with pytest.raises(FormatError, match="too large"):
        read_dictionary(write(tmp_path, "中国 5\n人民 99999999999999999999\n"))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_dictionary(tmp_path / "none.txt")


def test_write_sorts_by_count_then_code_point(tmp_path):
    words = ["b", "中国", "a", "人民", "B"]
    counts = np.array([3, 10, 3, 10, 3])
    assert format_dictionary(words, counts) == "中国 10\n人民 10\nB 3\na 3\nb 3\n"
    path = tmp_path / "out.dict"
    write_dictionary(path, words, counts)
    again_words, again_counts = read_dictionary(path)
    assert again_words == ["中国", "人民", "B", "a", "b"]
    assert again_counts.tolist() == [10, 10, 3, 3, 3]


def test_write_to_open_files():
    text = io.StringIO()
    write_dictionary(text, ["中国"], [2])
    assert text.getvalue() == "中国 2\n"
    binary = io.BytesIO()
    write_dictionary(binary, ["中国"], [2])
    assert binary.getvalue() == "中国 2\n".encode()


@pytest.mark.parametrize("word,count", [("New York", 2), ("", 1), ("a\nb", 1), ("ok", -1)])
def test_write_refuses_unwritable_entries(tmp_path, word, count):
    with pytest.raises(MentropyError):
        write_dictionary(tmp_path / "x.dict", [word], [count])
    assert not (tmp_path / "x.dict").exists()


def test_user_dictionary(tmp_path):
    path = write(tmp_path, "新冠疫苗\n云计算 5\n创新办 3 i\n\n凱特琳 nz\n")
    assert read_user_dictionary(path) == [("新冠疫苗", None), ("云计算", 5), ("创新办", 3),
                                          ("凱特琳", None)]
    with pytest.raises(FormatError) as info:
        read_user_dictionary(write(tmp_path, "好 1\n坏 -1\n", "bad.txt"))
    assert info.value.line == 2


def test_jieba_dict_txt_loads():
    """jieba's own dict.txt (349,046 lines with tags, one duplicate word) loads."""
    jieba = pytest.importorskip("jieba")
    path = Path(jieba.__file__).parent / "dict.txt"
    words, counts = read_dictionary(path)
    assert len(words) == 349045 and len(set(words)) == len(words)
    assert counts.min() >= 0 and words[0] == "AT&T"
