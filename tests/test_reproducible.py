"""Reproducibility (issue 4): the same input and options give byte-identical lexicons and
segmentations across runs (separate processes, different hash seeds), across --workers, and
whether the corpus comes from a file, stdin or a .gz copy."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

import badinput as B


def build(args: list[str], hash_seed: str, cwd) -> bytes:
    """build-lexicon in a fresh process; its stdout."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run([sys.executable, "-m", "mentropy", "build-lexicon", *args, "-q"],
                          capture_output=True, env=env, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


@pytest.mark.parametrize("fmt", ["jieba", "tsv"])
def test_build_lexicon_twice_is_byte_identical(sample_path, tmp_path, fmt):
    first = build([str(sample_path), "--format", fmt], "1", tmp_path)
    second = build([str(sample_path), "--format", fmt], "2", tmp_path)
    assert len(first.splitlines()) > 1000
    assert first == second


@pytest.fixture(scope="module")
def lexicon_bytes(sample_path) -> bytes:
    outcome = B.run_in_process(["build-lexicon", str(sample_path), "-q"])
    assert outcome.code == 0, outcome.stderr
    return outcome.stdout


def test_stdin_gives_the_same_lexicon(sample_path, lexicon_bytes):
    outcome = B.run_in_process(["build-lexicon", "-", "-q"], stdin=sample_path)
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == lexicon_bytes


def test_gz_copy_gives_the_same_lexicon(sample_path, lexicon_bytes, tmp_path):
    packed = tmp_path / "sample.txt.gz"
    packed.write_bytes(gzip.compress(sample_path.read_bytes(), mtime=0))
    outcome = B.run_in_process(["build-lexicon", str(packed), "-q"])
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == lexicon_bytes


def test_segment_same_for_any_workers(sample_path, lexicon_bytes, tmp_path):
    lexicon = B.write(tmp_path / "sample.dict", lexicon_bytes)
    # enough lines for several chunks, so that two workers really share the work
    source = B.write(tmp_path / "in.txt", sample_path.read_bytes() * 3)
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"seg{workers}.txt"
        outcome = B.run_in_process(["segment", "--lexicon", str(lexicon), str(source), "-o",
                                    str(out), "--workers", workers, "-q"])
        assert outcome.code == 0, outcome.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == source.read_bytes().count(b"\n")
    assert outputs[0].replace(b" ", b"") == source.read_bytes().replace(b" ", b"")


def test_build_lexicon_same_for_workers_and_memory_budget(sample_path, tmp_path):
    """Fresh processes, different hash seeds: --workers 2, and a budget that spills, give the
    one-process lexicon byte for byte."""
    one = build([str(sample_path), "--workers", "1"], "3", tmp_path)
    assert build([str(sample_path), "--workers", "2"], "4", tmp_path) == one
    assert build([str(sample_path), "--workers", "2", "--memory", "1M", "--tmp-dir",
                  str(tmp_path)], "5", tmp_path) == one
    assert [p for p in os.listdir(tmp_path) if p.startswith("mentropy-")] == []
