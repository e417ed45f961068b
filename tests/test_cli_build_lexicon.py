"""`mentropy build-lexicon`: output format and order, input forms, errors, determinism, --quiet."""
from __future__ import annotations

import gzip
import shutil

import pytest
from click.testing import CliRunner

from mentropy.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def build(runner: CliRunner, *args: str, input: bytes | None = None):
    return runner.invoke(main, ["build-lexicon", *args], input=input)


def parse(text: str) -> list[tuple[str, int]]:
    rows = []
    for line in text.splitlines():
        word, freq = line.split(" ")
        rows.append((word, int(freq)))
    return rows


@pytest.fixture(scope="module")
def baseline(sample_path, tmp_path_factory) -> bytes:
    """The jieba-format lexicon of corpora/sample.txt, built once through the CLI."""
    out = tmp_path_factory.mktemp("cli") / "out.dict"
    result = CliRunner().invoke(main, ["build-lexicon", str(sample_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return out.read_bytes()


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob(".mentropy-tmp-*"))


# --- output -----------------------------------------------------------------------------------


def test_jieba_output_sorted(baseline):
    rows = parse(baseline.decode("utf-8"))
    assert len(rows) > 1000
    assert rows == sorted(rows, key=lambda r: (-r[1], r[0]))
    assert len({w for w, _ in rows}) == len(rows)
    assert all(c > 0 for _, c in rows)
    words = [w for w, _ in rows]
    assert rows[0] == ("的", rows[0][1])
    multi = [w for w in words if len(w) > 1]
    for word in ("中国", "发展", "经济"):
        assert word in multi[:20], multi[:20]
    assert baseline.endswith(b"\n") and b"\r" not in baseline


def test_summary_on_stderr(runner, sample_path, tmp_path):
    out = tmp_path / "out.dict"
    result = build(runner, str(sample_path), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "words; entropy per char" in result.stderr and "bits" in result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f"{len(lines):,} words" in result.stderr


def test_stdout_output(runner, sample_path, baseline):
    result = build(runner, str(sample_path), "--quiet")
    assert result.exit_code == 0
    assert result.stdout_bytes == baseline
    assert result.stderr == ""


def test_tsv_format(runner, sample_path, baseline, tmp_path):
    out = tmp_path / "out.tsv"
    result = build(runner, str(sample_path), "-o", str(out), "--format", "tsv", "-q")
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tcount\tpmi\tleft_entropy\tright_entropy"
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == 5 for r in rows)
    # same words and counts, same order, as the jieba output
    assert [(r[0], int(r[1])) for r in rows] == parse(baseline.decode("utf-8"))
    stats = {r[0]: r for r in rows}
    assert float(stats["中国"][2]) > 0  # PMI of a real word
    assert stats["的"][2] == ""  # single chars have no PMI
    assert float(stats["中国"][3]) > 0 and float(stats["中国"][4]) > 0


def test_multi_char_only(runner, sample_path, baseline, tmp_path):
    out = tmp_path / "multi.dict"
    assert build(runner, str(sample_path), "-o", str(out), "-q", "--multi-char-only").exit_code == 0
    rows = parse(out.read_text(encoding="utf-8"))
    assert rows == [r for r in parse(baseline.decode("utf-8")) if len(r[0]) > 1]


# --- input forms ------------------------------------------------------------------------------


def test_stdin_gives_the_same_output(runner, sample_path, baseline, tmp_path):
    out = tmp_path / "stdin.dict"
    result = build(runner, "-", "-o", str(out), "-q", input=sample_path.read_bytes())
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == baseline


def test_gz_gives_the_same_output(runner, sample_path, baseline, tmp_path):
    gz = tmp_path / "sample.txt.gz"
    gz.write_bytes(gzip.compress(sample_path.read_bytes(), mtime=0))
    out = tmp_path / "gz.dict"
    result = build(runner, str(gz), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == baseline


def test_folder_gives_the_same_output(runner, sample_path, baseline, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(sample_path, folder / "sample.txt")
    out = tmp_path / "folder.dict"
    assert build(runner, str(folder), "-o", str(out), "-q").exit_code == 0
    assert out.read_bytes() == baseline


def test_two_runs_are_byte_identical(runner, sample_path, baseline, tmp_path):
    out = tmp_path / "again.dict"
    assert build(runner, str(sample_path), "-o", str(out), "-q").exit_code == 0
    assert out.read_bytes() == baseline
    assert leftovers(tmp_path) == []


def test_quiet_leaves_stderr_empty(runner, sample_path, tmp_path):
    result = build(runner, str(sample_path), "-o", str(tmp_path / "q.dict"), "--quiet")
    assert result.exit_code == 0
    assert result.stderr == "" and result.stdout == ""


# --- errors -----------------------------------------------------------------------------------


def assert_fails_cleanly(result, tmp_path, *names: str) -> str:
    """Exit code 1, one line naming the file(s), no traceback, no output or temporary file."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message.startswith("Error: ") and "\n" not in message, message
    for name in names:
        assert name in message, message
    assert not (tmp_path / "out.dict").exists()
    assert leftovers(tmp_path) == []
    return message


def test_missing_file(runner, tmp_path):
    result = build(runner, str(tmp_path / "absent.txt"), "-o", str(tmp_path / "out.dict"))
    assert "no such file" in assert_fails_cleanly(result, tmp_path, "absent.txt")


def test_empty_folder(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = build(runner, str(tmp_path / "empty"), "-o", str(tmp_path / "out.dict"))
    assert_fails_cleanly(result, tmp_path, "empty")


def test_folder_without_chinese_text(runner, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("hello, world\n", encoding="utf-8")
    (folder / "b.txt").write_text("123 456 —— !!!\n", encoding="utf-8")
    result = build(runner, str(folder), "-o", str(tmp_path / "out.dict"))
    assert "no Chinese text" in assert_fails_cleanly(result, tmp_path, "texts")


@pytest.mark.parametrize("content", ["only latin letters here\n", "，。！？——……\n123 456\n", ""])
def test_file_without_chinese_text(runner, tmp_path, content):
    path = tmp_path / "plain.txt"
    path.write_text(content, encoding="utf-8")
    result = build(runner, str(path), "-o", str(tmp_path / "out.dict"))
    assert "no Chinese text" in assert_fails_cleanly(result, tmp_path, "plain.txt")


def test_invalid_utf8_names_file_and_byte(runner, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("中文分词\n第二行".encode("utf-8") + b"\xff\xfe\n")
    result = build(runner, str(path), "-o", str(tmp_path / "out.dict"))
    message = assert_fails_cleanly(result, tmp_path, "bad.txt")
    assert "byte 22" in message and "line 2" in message


def test_png_file(runner, tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = build(runner, str(path), "-o", str(tmp_path / "out.dict"))
    assert "PNG" in assert_fails_cleanly(result, tmp_path, "image.png")


def test_output_into_missing_folder(runner, tmp_path):
    (tmp_path / "in.txt").write_text("中文分词中文分词中文分词\n", encoding="utf-8")
    target = tmp_path / "no" / "such" / "out.dict"
    result = build(runner, str(tmp_path / "in.txt"), "-o", str(target))
    message = assert_fails_cleanly(result, tmp_path, "out.dict")
    assert "does not exist" in message
    assert not (tmp_path / "no").exists()


def test_output_onto_a_folder(runner, tmp_path):
    (tmp_path / "in.txt").write_text("中文分词中文分词中文分词\n", encoding="utf-8")
    (tmp_path / "out.dict").mkdir()
    result = build(runner, str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.dict"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "folder" in result.stderr
    assert leftovers(tmp_path) == []


def test_failure_keeps_an_existing_output(runner, tmp_path):
    out = tmp_path / "out.dict"
    out.write_text("旧 1\n", encoding="utf-8")
    result = build(runner, str(tmp_path / "absent.txt"), "-o", str(out))
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8") == "旧 1\n"
    assert leftovers(tmp_path) == []


def test_bad_option_is_a_usage_error(runner, sample_path):
    result = build(runner, str(sample_path), "--max-n", "9")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_help(runner):
    result = runner.invoke(main, ["build-lexicon", "--help"])
    assert result.exit_code == 0
    assert "CORPUS" in result.output and "--format" in result.output
