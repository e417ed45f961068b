"""Corpus streaming: sources, block cutting, decoding errors with file/line/byte, stdin, memory."""
from __future__ import annotations

import bz2
import gzip
import io
import os
import sys
import tracemalloc

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mentropy.corpus import (Source, TextBlock, iter_blocks, iter_lines, read_texts,
                             resolve_sources)
from mentropy.errors import InputError, MentropyError

SAMPLE = "中文分词\r\n😀 iPhone7 𠀀𪚥\n\n最后一行没有换行"

# text pieces: any non-NUL, non-surrogate character, plus line ends and multi-byte favourites
PIECES = st.one_of(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    st.sampled_from(["\r\n", "\n", "\r", "中", "文", "😀", "𠀀", "é", "\ufeff"]),
)
TEXTS = st.lists(PIECES, max_size=60).map("".join)
LOOKS_BINARY = ("\ufeff", "%PDF-", "PK\x03\x04", "PK\x05\x06", "\x7fELF", "BZh", "\x1f\x8b")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder for hypothesis examples (function-scoped tmp_path cannot be used with @given)."""
    return tmp_path_factory.mktemp("corpus")


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def check_blocks(blocks: list[TextBlock], data: bytes, encoding: str = "utf-8") -> None:
    """Blocks tile the bytes exactly; each decodes alone to its text; line numbers are right."""
    decoded = data.decode(encoding)
    assert "".join(b.text for b in blocks) == decoded.removeprefix("\ufeff")
    position = blocks[0].byte_offset if blocks else 0
    for b in blocks:
        assert b.byte_offset == position
        raw = data[b.byte_offset:b.byte_offset + b.n_bytes]
        if encoding == "utf-8":  # decoding the block alone proves no character was split
            assert raw.decode("utf-8") == b.text
        assert b.first_line == 1 + data[:b.byte_offset].count(b"\n")
        position += b.n_bytes
    assert position == len(data)


# --- round trips ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, block_bytes=st.integers(1, 17))
def test_utf8_round_trip_any_block_size(scratch, text, block_bytes):
    assume(not text.startswith(LOOKS_BINARY))
    data = text.encode("utf-8")
    path = write(scratch / "rt.txt", data)
    blocks = list(iter_blocks(path, block_bytes=block_bytes, progress=False))
    check_blocks(blocks, data)
    assert all(b.path == str(path) for b in blocks)
    # no block is much longer than asked: at most one character over
    assert all(b.n_bytes <= max(block_bytes, 4) for b in blocks)


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, block_bytes=st.integers(1, 17))
def test_lines_match_str_split(scratch, text, block_bytes):
    assume(not text.startswith(LOOKS_BINARY))
    path = write(scratch / "lines.txt", text.encode("utf-8"))
    expected = text.split("\n")
    if expected[-1] == "":
        expected.pop()
    expected = [(str(path), line.removesuffix("\r"), i + 1) for i, line in enumerate(expected)]
    assert list(iter_lines(path, block_bytes=block_bytes, progress=False)) == expected


@settings(max_examples=80, deadline=None)
@given(text=TEXTS, block_bytes=st.integers(1, 17),
       encoding=st.sampled_from(["utf-16", "utf-16-le", "gb18030", "utf-8-sig"]))
def test_other_encodings_round_trip(scratch, text, block_bytes, encoding):
    assume(not text.startswith(LOOKS_BINARY))
    data = text.encode(encoding)
    path = write(scratch / "enc.txt", data)
    blocks = list(iter_blocks(path, encoding=encoding, block_bytes=block_bytes, progress=False))
    assert "".join(b.text for b in blocks) == data.decode(encoding)
    offsets = [b.byte_offset for b in blocks]
    assert offsets == sorted(set(offsets))
    for b, nxt in zip(blocks, blocks[1:]):
        assert b.byte_offset + b.n_bytes == nxt.byte_offset
        assert nxt.first_line == b.first_line + b.text.count("\n")
    if blocks:
        assert blocks[-1].byte_offset + blocks[-1].n_bytes == len(data)


def test_block_fields_on_a_small_file(tmp_path):
    data = "ab\n中\n😀".encode()
    path = write(tmp_path / "s.txt", data)
    blocks = list(iter_blocks(path, block_bytes=4, progress=False))
    assert [(b.text, b.first_line, b.byte_offset, b.n_bytes) for b in blocks] == [
        ("ab\n", 1, 0, 3), ("中\n", 2, 3, 4), ("😀", 3, 7, 4)]
    # a block ends after its last newline when it has one, keeping lines whole
    path = write(tmp_path / "n.txt", b"abc\ndefgh\nij")
    assert read_texts(path, block_bytes=6) == ["abc\n", "defgh\n", "ij"]
    assert read_texts(path, block_bytes=3) == ["abc", "\n", "def", "gh\n", "ij"]


def test_utf8_bom_is_dropped(tmp_path):
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + "中文\n".encode())
    blocks = list(iter_blocks(path, progress=False))
    assert [(b.text, b.byte_offset, b.n_bytes) for b in blocks] == [("中文\n", 3, 7)]
    assert list(iter_lines(path)) == [(str(path), "中文", 1)]


def test_compressed_equal_plain(tmp_path):
    data = (SAMPLE * 500).encode()
    plain = write(tmp_path / "c.txt", data)
    gz = write(tmp_path / "c.txt.gz", gzip.compress(data))
    bz = write(tmp_path / "c.txt.BZ2", bz2.compress(data))
    expected = read_texts(plain, block_bytes=1000)
    assert "".join(expected) == data.decode()
    for path in (gz, bz):
        blocks = list(iter_blocks(path, block_bytes=1000, progress=False))
        assert [b.text for b in blocks] == expected
        check_blocks(blocks, data)  # offsets are in the decompressed stream
    sources = resolve_sources([plain, gz, bz])
    assert [s.compression for s in sources] == [None, "gzip", "bz2"]
    assert [s.size for s in sources] == [len(data), gz.stat().st_size, bz.stat().st_size]
    with sources[1].open() as f:
        assert f.read() == data


def test_lines_of_several_sources(tmp_path):
    a = write(tmp_path / "a.txt", b"one\r\ntwo\r\n")
    b = write(tmp_path / "b.txt", b"")
    c = write(tmp_path / "c.txt", "三\n\n五".encode())
    assert list(iter_lines([a, b, c], block_bytes=3)) == [
        (str(a), "one", 1), (str(a), "two", 2), (str(c), "三", 1), (str(c), "", 2),
        (str(c), "五", 3)]
    # the same file twice is read twice, numbered from 1 each time
    assert [n for _, _, n in iter_lines([a, a])] == [1, 2, 1, 2]


# --- resolution --------------------------------------------------------------------------------


def test_folder_is_walked_sorted_skipping_hidden(tmp_path):
    root = tmp_path / "corpus"
    for rel in ["b/2.txt", "b/10.txt", "a.txt", "b/sub/z.txt.gz", ".hidden.txt", ".git/x.txt",
                "b/.cache/y.txt", "c.txt"]:
        write(root / rel, b"x\n")
    got = [os.path.relpath(s.path, root) for s in resolve_sources(str(root))]
    assert got == ["a.txt", os.path.join("b", "10.txt"), os.path.join("b", "2.txt"),
                   os.path.join("b", "sub", "z.txt.gz"), "c.txt"]
    # spec order is kept across specs; each folder is sorted inside
    single = write(tmp_path / "zz.txt", b"z")
    got = [os.path.basename(s.path) for s in resolve_sources([single, root / "b"])]
    assert got == ["zz.txt", "10.txt", "2.txt", "z.txt.gz"]


def test_glob_matches_sorted(tmp_path):
    for name in ["c.txt", "a.txt", "b.md", "b.txt"]:
        write(tmp_path / name, b"x")
    got = resolve_sources(str(tmp_path / "*.txt"))
    assert [os.path.basename(s.path) for s in got] == ["a.txt", "b.txt", "c.txt"]
    assert [s.size for s in got] == [1, 1, 1]
    write(tmp_path / "deep" / "d" / "e.txt", b"x")
    got = resolve_sources(str(tmp_path / "**" / "e.txt"))
    assert [os.path.basename(s.path) for s in got] == ["e.txt"]


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="nope.txt: no such file") as info:
        resolve_sources([path])
    assert info.value.path == path
    with pytest.raises(InputError, match="nope.txt"):
        iter_blocks(path)  # resolved at call time, before iteration


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "only_hidden" / ".x.txt", b"x")
    for name in ("empty", "only_hidden"):
        with pytest.raises(InputError, match=f"{name}: folder has no files"):
            resolve_sources(str(tmp_path / name))


def test_glob_without_match(tmp_path):
    with pytest.raises(InputError, match=r"\*\.txt: no file matches this pattern"):
        resolve_sources(str(tmp_path / "*.txt"))


def test_no_input_and_stdin_twice():
    with pytest.raises(MentropyError, match="no input"):
        resolve_sources([])
    with pytest.raises(MentropyError, match="more than once"):
        resolve_sources(["-", "-"])


# --- stdin -------------------------------------------------------------------------------------


def test_stdin(monkeypatch):
    data = (SAMPLE + "\n") * 50
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    (source,) = resolve_sources("-")
    assert source == Source("<stdin>", None, stdin=True)
    blocks = list(iter_blocks("-", block_bytes=7, progress=False))
    check_blocks(blocks, data.encode())
    assert {b.path for b in blocks} == {"<stdin>"}
    assert not sys.stdin.closed


def test_stdin_lines_between_files(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("甲\r\n乙".encode())))
    path = write(tmp_path / "f.txt", b"file\n")
    assert list(iter_lines([path, "-"], block_bytes=2)) == [
        (str(path), "file", 1), ("<stdin>", "甲", 1), ("<stdin>", "乙", 2)]


# --- decoding errors ---------------------------------------------------------------------------


def test_invalid_utf8_in_a_10mb_file(tmp_path):
    line = ("这是一个用于测试的句子，包含数字123和English。" * 3 + "\n").encode()
    head = line * (5_000_000 // len(line))
    data = head + b"bad \xff here\n" + line * (5_000_000 // len(line))
    path = write(tmp_path / "big.txt", data)
    bad_line, bad_byte = head.count(b"\n") + 1, len(head) + 4
    with pytest.raises(InputError) as info:
        for _ in iter_blocks(path, progress=False):  # default 4 MiB blocks: error in block 2
            pass
    err = info.value
    assert (err.path, err.line, err.byte_offset) == (str(path), bad_line, bad_byte)
    assert str(err) == (f"{path}, line {bad_line}, byte {bad_byte}: invalid utf-8 byte 0xff "
                        "(use --errors replace to carry on)")
    text = "".join(read_texts(path, errors="replace"))
    assert text == data.decode("utf-8", "replace")
    assert text.count("\ufffd") == 1 and "bad \ufffd here" in text
    assert "".join(read_texts(path, errors="ignore")).count("bad  here") == 1


BAD = st.sampled_from([b"\xff", b"\x80", b"\xc3", b"\xe4\xb8", b"\xf0\x9f\x98", b"\xed\xa0\x80",
                       b"\xe0\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"])


@settings(max_examples=150, deadline=None)
@given(text=TEXTS, bad=BAD, where=st.integers(0, 1 << 16), block_bytes=st.integers(1, 17))
def test_invalid_bytes_anywhere(scratch, text, bad, where, block_bytes):
    """Error offsets and replacement text do not depend on where blocks are cut."""
    data = text.encode()
    cut = where % (len(data) + 1)
    while cut < len(data) and data[cut] & 0xC0 == 0x80:  # insert between characters
        cut += 1
    data = data[:cut] + bad + data[cut:]
    assume(not data.startswith(b"\xef\xbb\xbf") and not text.startswith(LOOKS_BINARY))
    path = write(scratch / "bad.txt", data)
    with pytest.raises(UnicodeDecodeError) as expected:
        data.decode("utf-8")
    start = expected.value.start
    with pytest.raises(InputError) as info:
        read_texts(path, block_bytes=block_bytes)
    assert info.value.byte_offset == start
    assert info.value.line == data[:start].count(b"\n") + 1
    for mode in ("replace", "ignore"):
        got = read_texts(path, block_bytes=block_bytes, errors=mode)
        assert "".join(got) == data.decode("utf-8", mode)


def test_truncated_character_at_end(tmp_path):
    path = write(tmp_path / "t.txt", "中\n文".encode()[:-1])
    with pytest.raises(InputError, match="line 2, byte 4: incomplete utf-8 character at end"):
        read_texts(path)


@pytest.mark.parametrize("encoding,name", [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"),
                                           ("utf-32", "UTF-32")])
def test_unicode_bom_with_utf8(tmp_path, encoding, name):
    bom = {"utf-16": b"", "utf-16-be": b"\xfe\xff", "utf-32": b""}[encoding]
    data = bom + "中文\n第二行\n".encode(encoding)
    path = write(tmp_path / "wide.txt", data)
    with pytest.raises(InputError, match=f"wide.txt: looks like {name} text .* "
                                         f"pass --encoding {name.lower()}"):
        read_texts(path)
    assert "".join(read_texts(path, encoding=name.lower())) == "中文\n第二行\n"


@pytest.mark.parametrize("name,data,kind", [
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    ("renamed.txt", gzip.compress("中文".encode()), "gzip data; name it .gz"),
    ("doc.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
    ("a.zip.txt", b"PK\x03\x04\x14\x00\x00\x00", "ZIP archive"),
    ("prog", b"\x7fELF\x02\x01\x01\x00", "ELF executable"),
    ("data.bin", b"abc\x00\x01\x02def", "it contains NUL bytes"),
])
def test_binary_files(tmp_path, name, data, kind):
    path = write(tmp_path / name, data)
    with pytest.raises(InputError, match=f"{name}.*: looks like a binary file \\({kind}"):
        read_texts(path)


def test_binary_on_stdin_says_to_decompress(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(b"x"))))
    with pytest.raises(InputError, match="<stdin>: looks like a binary file.*decompress it"):
        read_texts("-")


def test_nul_after_the_head(tmp_path):
    data = b"ok line\n" * 2000 + b"bad\x00\n"
    path = write(tmp_path / "late.txt", data)
    with pytest.raises(InputError, match=f"late.txt, line 2001, byte {16003}: NUL byte: this "
                                         "is not a text file"):
        read_texts(path, block_bytes=100)


def test_bad_compressed_files(tmp_path):
    fake = write(tmp_path / "fake.gz", b"plain text, not gzip\n")
    with pytest.raises(InputError, match="fake.gz: cannot decompress gzip data"):
        read_texts(fake)
    cut = write(tmp_path / "cut.txt.bz2", bz2.compress(b"x" * 10000)[:-10])
    with pytest.raises(InputError, match="cut.txt.bz2: cannot decompress bz2 data"):
        read_texts(cut)


def test_other_encoding_errors_are_located(tmp_path):
    data = "第一\n第二".encode("gb18030") + b"\x81\x20" + "尾".encode("gb18030")
    path = write(tmp_path / "gb.txt", data)
    for block_bytes in (1, 3, 1000):
        with pytest.raises(InputError) as info:
            read_texts(path, encoding="gb18030", block_bytes=block_bytes)
        assert (info.value.line, info.value.byte_offset) == (2, 9)
        assert "invalid gb18030 byte 0x81" in str(info.value)
        got = read_texts(path, encoding="gb18030", errors="replace", block_bytes=block_bytes)
        assert "".join(got) == data.decode("gb18030", "replace")


def test_bad_options_fail_at_call_time(tmp_path):
    path = write(tmp_path / "a.txt", b"a")
    with pytest.raises(MentropyError, match="unknown encoding 'utf-9'"):
        iter_blocks(path, encoding="utf-9")
    with pytest.raises(MentropyError, match="not a text encoding"):
        iter_lines(path, encoding="rot13")
    with pytest.raises(MentropyError, match="errors must be one of strict, replace, ignore"):
        iter_blocks(path, errors="surrogateescape")
    with pytest.raises(MentropyError, match="block_bytes"):
        iter_blocks(path, block_bytes=0)


# --- memory and progress -----------------------------------------------------------------------


def test_50mb_line_streams_in_bounded_memory(tmp_path):
    n_chars = 17_500_000  # 52.5 MB of UTF-8, no newline anywhere
    path = tmp_path / "one_line.txt"
    with open(path, "wb") as f:
        chunk = ("中" * 500_000).encode()
        for _ in range(n_chars // 500_000):
            f.write(chunk)
    tracemalloc.start()
    try:
        seen = n_blocks = 0
        for block in iter_blocks(path, block_bytes=1 << 20, progress=False):
            seen += len(block.text)
            n_blocks += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == n_chars
    assert n_blocks >= 50
    assert peak < 8 << 20, f"peak {peak / 1e6:.1f} MB"


def test_long_line_is_yielded_whole(tmp_path):
    long = "长" * 1_000_000
    path = write(tmp_path / "long.txt", f"a\n{long}\nb".encode())
    got = list(iter_lines(path, block_bytes=4096))
    assert [(n, len(t)) for _, t, n in got] == [(1, 1), (2, len(long)), (3, 1)]
    assert got[1][1] == long


def test_progress_bar_counts_bytes(tmp_path, capsys):
    data = (SAMPLE * 200).encode()
    plain = write(tmp_path / "p.txt", data)
    gz = write(tmp_path / "p.txt.gz", gzip.compress(data))
    assert read_texts([plain, gz], block_bytes=512, progress=False)
    assert capsys.readouterr().err == ""
    read_texts([plain, gz], block_bytes=512, progress=True, desc="counting")
    err = capsys.readouterr().err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("counting: 100%")  # compressed bytes are counted for the .gz
    total = len(data) + gz.stat().st_size
    assert f"{total / 1000:.1f}k/{total / 1000:.1f}k" in last.replace("kB", "k")


# --- compression and legacy encodings (first-hour issue) -------------------------------------


def test_xz_equals_plain(tmp_path):
    import lzma

    text = "中文分词\n第二行 3.14\n" * 50
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt.xz").write_bytes(lzma.compress(text.encode("utf-8")))
    assert "".join(read_texts(tmp_path / "a.txt.xz", progress=False)) == text


@pytest.mark.parametrize("name,data,said", [
    ("a.zst", b"\x28\xb5\x2f\xfd\x00\x00", "zstd compression is not supported"),
    ("a.txt", b"\x28\xb5\x2f\xfd\x00\x00", "zstd compression is not supported"),
    ("a.txt", b"\xfd7zXZ\x00\x00\x04", "name it .xz"),
    ("a.lz4", b"\x04\x22\x4d\x18", "lz4 compression is not supported"),
])
def test_unsupported_compression_is_named(tmp_path, name, data, said):
    """Regression: a .zst or .xz file was called "a binary file (it contains NUL bytes)"."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_texts(path, progress=False)
    assert said in str(info.value) and "NUL" not in str(info.value)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "big5"])
def test_legacy_chinese_encoding_is_recognised(tmp_path, sample_path, encoding):
    """Regression: GBK input got "use --errors replace", which then learnt mojibake."""
    text = sample_path.read_text(encoding="utf-8")[:3000]
    path = tmp_path / "legacy.txt"
    data = text.encode(encoding, errors="ignore")  # Big5 lacks the simplified-only characters
    path.write_bytes(data)
    text = data.decode(encoding)
    expected = "big5" if encoding == "big5" else "gb18030"
    with pytest.raises(InputError) as info:
        read_texts(path, progress=False)
    assert f"--encoding {expected}" in str(info.value)
    assert "--errors replace" not in str(info.value)
    with pytest.raises(InputError) as info:
        read_texts(path, progress=False, errors="replace")
    assert "another encoding" in str(info.value) and f"--encoding {expected}" in str(info.value)
    assert "".join(read_texts(path, progress=False, encoding=expected)).startswith(text[:20])


def test_errors_replace_accepts_a_few_bad_bytes(tmp_path):
    path = tmp_path / "noisy.txt"
    path.write_bytes("中文分词\n".encode() * 2000 + b"\xff\xfe bad\n" + "结尾\n".encode())
    text = "".join(read_texts(path, progress=False, errors="replace"))
    assert text.count("\ufffd") == 2 and text.endswith("结尾\n")
