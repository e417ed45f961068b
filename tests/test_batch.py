"""Batch reading and counting by shards (batch.py): in-process, worker processes and Dask give
the corpus, counts and lexicon of one process, byte for byte; faults end with one clear error
and leave no temporary files."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentropy.batch as B
from mentropy.counts import NgramCounts
from mentropy.fragments import read_corpus
from mentropy.errors import InputError, MentropyError
from mentropy.lexicon import build_lexicon


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory, sample_lines):
    """Files that exercise the shard edges: lines repeated across files and shards, a UTF-8
    BOM, CRLF line ends, no final newline, a line longer than dedupe.LONG_LINE, a blank file."""
    d = tmp_path_factory.mktemp("batch")
    lines = sample_lines[:600]
    (d / "a.txt").write_bytes(b"\xef\xbb\xbf" + "\n".join(lines[:300] + lines[:40]).encode())
    (d / "b.txt").write_bytes("\r\n".join(lines[250:600] + lines[10:30]).encode() + b"\r\n")
    long_line = "".join(lines).replace("\n", "") * 2
    assert len(long_line) > 70_000
    (d / "c.txt").write_text("\n".join(lines[500:560]) + "\n" + long_line + "\n"
                             + "\n".join(lines[:5]), encoding="utf-8")
    (d / "d.txt").write_text("\n\n", encoding="utf-8")
    return d


def same_corpus(a, b):
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.vocab.cps, b.vocab.cps)
    np.testing.assert_array_equal(a.vocab.counts, b.vocab.counts)
    assert (a.n_lines, a.n_duplicate_lines) == (b.n_lines, b.n_duplicate_lines)


@pytest.mark.parametrize("keep_duplicates", [False, True])
@pytest.mark.parametrize("shard_bytes,block_chars", [(700, 1 << 22), (5000, 7), (1 << 30, 300)])
def test_shards_give_the_corpus_and_counts_of_one_pass(corpus_dir, shard_bytes, block_chars,
                                                       keep_duplicates):
    whole = read_corpus(str(corpus_dir), progress=False, keep_duplicates=keep_duplicates)
    corpus, counts = B.read_and_count(str(corpus_dir), max_n=6, shard_bytes=shard_bytes,
                                      block_chars=block_chars, progress=False,
                                      keep_duplicates=keep_duplicates)
    same_corpus(corpus, whole)
    expected = NgramCounts.from_corpus(whole, 6)
    np.testing.assert_array_equal(counts.keys, expected.keys)
    np.testing.assert_array_equal(counts.counts, expected.counts)
    assert whole.n_duplicate_lines > 0 or keep_duplicates


def test_plan_cuts_after_newlines(corpus_dir):
    shards = B.plan_shards([str(corpus_dir / "b.txt")], "utf-8", 1000)
    data = (corpus_dir / "b.txt").read_bytes()
    assert len(shards) > 3 and shards[0].start == 0 and shards[-1].end is None
    for s in shards[1:]:
        assert data[s.start - 1:s.start] == b"\n"
    assert B.plan_shards(["-"], "utf-8", 1000) is None
    assert len(B.plan_shards([str(corpus_dir / "b.txt")], "utf-16", 1000)) == 1


def lexicon_bytes(lex) -> str:
    out = io.StringIO()
    lex.write(out, "tsv")
    return out.getvalue()


def test_workers_give_the_lexicon_of_one_process(corpus_dir, monkeypatch, tmp_path):
    """Two spawned worker processes, small shards: the same TSV lexicon as one process; the
    temporary folder is left empty."""
    monkeypatch.setattr(B, "SHARD_BYTES", 20_000)
    one = build_lexicon(str(corpus_dir), progress=False, stats=True)
    two = build_lexicon(str(corpus_dir), progress=False, stats=True, workers=2,
                        tmp_dir=str(tmp_path))
    assert lexicon_bytes(two) == lexicon_bytes(one)
    assert two.report.n_duplicate_lines == one.report.n_duplicate_lines > 0
    assert os.listdir(tmp_path) == []


def test_a_sharded_build_never_assembles_the_corpus(corpus_dir, monkeypatch):
    """Seed, refinement rounds and statistics run shard by shard (tasks in this process
    here): the whole corpus is never put together, and the lexicon is the same."""
    one = build_lexicon(str(corpus_dir), progress=False, stats=True)

    def fail(self):
        raise AssertionError("the corpus was assembled")

    monkeypatch.setattr(B.ShardedCorpus, "assemble", fail)
    monkeypatch.setattr(B, "SHARD_BYTES", 7_000)
    sharded = build_lexicon(str(corpus_dir), progress=False, stats=True, memory="64M")
    assert lexicon_bytes(sharded) == lexicon_bytes(one)


def test_small_input_stays_in_process(corpus_dir, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(B, "LocalPool", fail)
    monkeypatch.setattr(B, "default_workers", lambda: 4)
    assert len(build_lexicon(str(corpus_dir), progress=False, workers=None)) > 0
    monkeypatch.setattr(B, "AUTO_PARALLEL_BYTES", 1000)
    monkeypatch.setattr(B, "default_workers", lambda: 1)  # one core: no pool either
    assert len(build_lexicon(str(corpus_dir), progress=False, workers=None)) > 0
    monkeypatch.setattr(B, "default_workers", lambda: 2)
    with pytest.raises(AssertionError, match="a pool was started"):
        build_lexicon(str(corpus_dir), progress=False, workers=None)


def test_an_input_too_large_for_memory_is_built_by_shards_even_on_one_core(corpus_dir,
                                                                          monkeypatch):
    """workers=None on one core: by shards (tasks in this process, bounded memory) once one
    process would need more than a quarter of the RAM; the same lexicon."""
    one = build_lexicon(str(corpus_dir), progress=False)

    def fail(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(B, "LocalPool", fail)
    monkeypatch.setattr(B, "default_workers", lambda: 1)
    monkeypatch.setattr(B, "in_memory_limit", lambda: 1000)
    sharded = build_lexicon(str(corpus_dir), progress=False, workers=None)
    assert sharded.report.temp_bytes > 0  # the shards' ids went to the temporary folder
    assert sharded.most_common() == one.most_common()


def test_bad_utf8_in_a_later_shard_names_the_file_line_and_byte(tmp_path, sample_lines):
    path = tmp_path / "bad.txt"
    good = "\n".join(sample_lines[:200]).encode() + b"\n"
    path.write_bytes(good + "中文".encode() + b"\xff\n" + good)
    with pytest.raises(InputError) as whole:
        read_corpus(str(path), progress=False)
    with pytest.raises(InputError) as sharded:
        B.read_and_count(str(path), max_n=4, shard_bytes=1000, progress=False)
    assert str(sharded.value) == str(whole.value)
    n_lines = good.count(b"\n")
    assert f"line {n_lines + 1}" in str(sharded.value)
    assert f"byte {len(good) + 6}" in str(sharded.value)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", "stdin"])
def test_compressed_files_and_stdin_are_unpacked_into_shards(corpus_dir, tmp_path, suffix,
                                                             monkeypatch):
    """A compressed file or standard input is read once and cut into parts in the temporary
    folder, one shard each: the corpus, counts and lexicon of one pass, nothing left behind."""
    import bz2
    import gzip
    import io as stdio
    import lzma
    import sys

    data = b"".join((corpus_dir / n).read_bytes() + b"\n" for n in ("a.txt", "b.txt"))
    plain = tmp_path / "all.txt"
    plain.write_bytes(data)
    if suffix == "stdin":
        source = "-"
        monkeypatch.setattr(sys, "stdin", stdio.TextIOWrapper(stdio.BytesIO(data)))
    else:
        source = str(tmp_path / f"all.txt{suffix}")
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
        with opener(source, "wb") as f:
            f.write(data)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    shards = B.plan_shards([source], "utf-8", 3000, unpack_to=str(tmp))
    assert len(shards) > 5 and shards[0].head and not shards[1].head
    assert sum(s.size for s in shards) == len(data)
    assert b"".join(open(s.path, "rb").read() for s in shards) == data
    for s in shards[:-1]:
        assert open(s.path, "rb").read().endswith(b"\n")
    if suffix == "stdin":
        monkeypatch.setattr(sys, "stdin", stdio.TextIOWrapper(stdio.BytesIO(data)))
    corpus, counts = B.read_and_count(source, max_n=4, shard_bytes=3000, tmp_dir=str(tmp),
                                      progress=False)
    whole = read_corpus(str(plain), progress=False)
    np.testing.assert_array_equal(corpus.ids, whole.ids)
    np.testing.assert_array_equal(counts.keys, NgramCounts.from_corpus(whole, 4).keys)
    assert [f.name for f in tmp.iterdir() if f.name.startswith("mentropy-")] == []


def test_gz_and_stdin_builds_with_workers_give_the_lexicon_of_the_plain_file(corpus_dir,
                                                                             tmp_path,
                                                                             monkeypatch):
    import gzip
    import subprocess
    import sys

    monkeypatch.setattr(B, "SHARD_BYTES", 20_000)
    data = b"".join((corpus_dir / n).read_bytes() + b"\n" for n in ("a.txt", "b.txt", "c.txt"))
    plain = tmp_path / "all.txt"
    plain.write_bytes(data)
    with gzip.open(tmp_path / "all.txt.gz", "wb") as f:
        f.write(data)
    one = lexicon_bytes(build_lexicon(str(plain), progress=False, stats=True))
    gz = build_lexicon(str(tmp_path / "all.txt.gz"), progress=False, stats=True, workers=2)
    assert lexicon_bytes(gz) == one and gz.report.temp_bytes > len(data)
    out = tmp_path / "stdin.dict"
    subprocess.run([sys.executable, "-m", "mentropy", "build-lexicon", "-", "--workers", "2",
                    "--format", "tsv", "-o", str(out), "-q"], input=data, check=True)
    assert out.read_text(encoding="utf-8") == one


def test_bad_bytes_in_a_later_part_of_a_gz_file_name_it_and_its_line(tmp_path, sample_lines):
    import gzip

    good = "\n".join(sample_lines[:200]).encode() + b"\n"
    data = good + "中文".encode() + b"\xff\n" + good
    path = tmp_path / "bad.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write(data)
    with pytest.raises(InputError) as whole:
        read_corpus(str(path), progress=False)
    with pytest.raises(InputError) as sharded:
        B.read_and_count(str(path), max_n=4, shard_bytes=1000, progress=False)
    assert str(sharded.value) == str(whole.value)
    n_lines = good.count(b"\n")
    assert str(path) in str(sharded.value) and f"line {n_lines + 1}" in str(sharded.value)


def test_errors_leave_no_temporary_files(tmp_path, sample_lines):
    path = tmp_path / "in.txt"
    path.write_bytes("\n".join(sample_lines[:300]).encode() + b"\n\xff\n")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with pytest.raises(InputError):
        B.read_and_count(str(path), max_n=4, shard_bytes=2000, tmp_dir=str(tmp), progress=False)
    assert os.listdir(tmp) == []
    with pytest.raises(InputError, match="no such file"):
        B.read_and_count(str(tmp_path / "missing.txt"), max_n=4, tmp_dir=str(tmp))
    with pytest.raises(MentropyError, match="no such folder"):
        B.read_and_count(str(path), max_n=4, tmp_dir=str(tmp_path / "nope"))


def test_a_killed_worker_is_one_clear_error():
    pool = B.LocalPool(1)
    try:
        with pytest.raises(MentropyError, match="worker process died"):
            pool.run(os._exit, [(9,)], lambda i, r: None)
    finally:
        pool.close(abort=True)


def test_the_pool_hands_over_each_result_as_it_comes(tmp_path):
    """done() for a finished task runs while another still runs: here the second task waits
    for the file the first one's done() writes (a pool that waited for every task would make
    it time out)."""
    import badinput

    marker = tmp_path / "first-done"
    got: dict = {}

    def done(i, result):
        got[i] = result
        if i == 0:
            marker.write_text("")

    pool = B.LocalPool(2)
    try:
        pool.run(badinput.wait_for_file, [(str(tmp_path), 1.0), (str(marker), 20.0)], done)
    finally:
        pool.close(abort=False)
    assert got == {0: "seen", 1: "seen"}


def test_bad_options():
    with pytest.raises(MentropyError, match="backend"):
        build_lexicon("x.txt", backend="spark")
    with pytest.raises(MentropyError, match="workers"):
        build_lexicon("x.txt", workers=0)


def test_summary_line_and_bars(corpus_dir, tmp_path):
    """One bar per pass on stderr, then one line with time, speed, memory and temporary files."""
    from click.testing import CliRunner

    from mentropy.cli import main

    out = tmp_path / "out.dict"
    result = CliRunner().invoke(
        main, ["build-lexicon", str(corpus_dir), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for part in ("words;", " s, ", "M chars/s", "peak memory", "MB (1 process)",
                 "temporary files 0 B"):
        assert part in last
    lex = build_lexicon(str(corpus_dir), progress=True)
    assert lex.report.peak_memory > 0


def test_progress_bars_name_each_pass(corpus_dir, monkeypatch, capsys):
    B.read_and_count(str(corpus_dir), max_n=4, shard_bytes=20_000, progress=True)
    build_lexicon(str(corpus_dir), progress=True)
    err = capsys.readouterr().err
    for desc in ("dedupe:", "reading:", "counting:", "seed:", "refining:"):
        assert desc in err
    # by shards: a bar per pass of the build, each refinement round's segmentation too
    build_lexicon(str(corpus_dir), progress=True, workers=2)
    err = capsys.readouterr().err
    for desc in ("dedupe:", "reading:", "counting:", "seed:", "segmenting 1:",
                 "segmenting 2:", "refining:"):
        assert desc in err


@pytest.mark.parametrize("workers", [1, 2])
def test_a_tiny_memory_budget_spills_and_gives_the_same_lexicon(corpus_dir, tmp_path, workers):
    one = build_lexicon(str(corpus_dir), progress=False, stats=True)
    tight = build_lexicon(str(corpus_dir), progress=False, stats=True, memory="200k",
                          workers=workers, tmp_dir=str(tmp_path))
    assert lexicon_bytes(tight) == lexicon_bytes(one)
    assert tight.report.spilled_bytes > 0 and tight.report.temp_bytes > tight.report.spilled_bytes
    assert os.listdir(tmp_path) == []


def test_spilled_runs_give_the_pruned_counts(corpus_dir):
    whole = read_corpus(str(corpus_dir), progress=False)
    expected = NgramCounts.from_corpus(whole, 4).prune(3)
    stats = B.BatchStats()
    _, counts = B.read_and_count(str(corpus_dir), max_n=4, memory=150_000, min_count=3,
                                 progress=False, stats=stats)
    assert stats.spilled_bytes > 0
    np.testing.assert_array_equal(counts.keys, expected.keys)
    np.testing.assert_array_equal(counts.counts, expected.counts)


def test_key_ranges_and_memory_sizes():
    counts = np.array([50, 20, 10, 10, 5, 5], np.int64)
    bounds = B.key_ranges(counts, 4, 1, 100, 100)
    assert bounds[0] == 1 and (np.diff(bounds) > 0).all() and bounds[-1] <= 6
    assert B.key_ranges(counts, 4, 1, 100, 1 << 30) is None  # fits: nothing spilled
    assert B.parse_memory("4G") == 4 << 30 and B.parse_memory("500M") == 500 << 20
    assert 0 < B.parse_memory("50%") < B.parse_memory("100%")
    for bad in ("lots", "-1G", "0"):
        with pytest.raises(MentropyError, match="memory size"):
            B.parse_memory(bad)


def test_a_full_temporary_disk_is_one_clear_error(corpus_dir, tmp_path, monkeypatch):
    import errno

    real_save = np.save

    def save(path, array):
        if "ids-" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(path, array)

    monkeypatch.setattr(np, "save", save)
    with pytest.raises(MentropyError, match="No space left on device.*--tmp-dir"):
        B.read_and_count(str(corpus_dir), max_n=4, shard_bytes=20_000, tmp_dir=str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_a_full_disk_during_the_refinement_is_one_clear_error(corpus_dir, tmp_path,
                                                               monkeypatch):
    import errno

    real_save = np.save

    def save(path, array):
        if "counts-3" in str(path):  # the third segmentation of the corpus
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(path, array)

    monkeypatch.setattr(np, "save", save)
    monkeypatch.setattr(B, "SHARD_BYTES", 20_000)
    with pytest.raises(MentropyError, match="No space left on device.*--tmp-dir"):
        build_lexicon(str(corpus_dir), progress=False, memory="64M", tmp_dir=str(tmp_path))
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(2, 130), (15, 143)], ids=["SIGINT", "SIGTERM"])
def test_interrupted_batch_leaves_nothing(big, tmp_path, sig, code):
    """Ctrl-C or SIGTERM while workers count and spill: exit 130/143, one line, no traceback,
    no output file, the temporary folder emptied and the workers gone."""
    import badinput

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out.dict"
    ready = lambda: any(any(d.iterdir()) for d in tmp.iterdir())  # noqa: E731
    code_got, stderr, children = badinput.interrupt(
        ["build-lexicon", str(big.long_lines_reference()), "--keep-duplicates", "--workers",
         "2", "--memory", "8M", "--tmp-dir", str(tmp), "-o", str(out), "-q"], sig, ready,
        workers=2)
    assert code_got == code, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert not out.exists() and os.listdir(tmp) == []
    badinput.assert_workers_gone(children)


def test_a_file_that_grows_or_vanishes_during_the_run(tmp_path, sample_lines, monkeypatch):
    path = tmp_path / "in.txt"
    path.write_text("\n".join(sample_lines[:300]) + "\n", encoding="utf-8")
    real = B.shard_digests

    def then_append(shard, *args):
        out = real(shard, *args)
        with open(shard.path, "a", encoding="utf-8") as f:
            f.write("又一行中文\n")
        return out

    monkeypatch.setattr(B, "shard_digests", then_append)
    with pytest.raises(MentropyError, match="changed while it was being read"):
        B.read_and_count(str(path), max_n=4, shard_bytes=5000, progress=False)

    def then_remove(shard, *args):
        out = real(shard, *args)
        if os.path.exists(shard.path):
            os.unlink(shard.path)
        return out

    monkeypatch.setattr(B, "shard_digests", then_remove)
    with pytest.raises(InputError, match="in.txt"):
        B.read_and_count(str(path), max_n=4, shard_bytes=5000, progress=False)


def test_count_ngrams_by_shards_and_workers(corpus_dir, tmp_path):
    from mentropy.counts import count_ngrams

    whole = count_ngrams(str(corpus_dir), max_n=6, min_count=2, progress=False)
    for kwargs in ({"workers": 2}, {"memory": "300k", "tmp_dir": str(tmp_path)}):
        got = count_ngrams(str(corpus_dir), max_n=6, min_count=2, progress=False, **kwargs)
        np.testing.assert_array_equal(got.keys, whole.keys)
        np.testing.assert_array_equal(got.counts, whole.counts)
        assert got.vocab.digest() == whole.vocab.digest()
    assert whole.counts.min() == 2


@pytest.mark.parametrize("name,content,needle", [
    ("missing.txt", None, "no such file"),
    ("bad.txt", "中文分词\n".encode() * 3000 + b"\xe4\xb8\n", "line 3001"),
    ("binary.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary"),
    ("latin.txt", b"just ascii text\n" * 100, "no Chinese text"),
])
def test_bad_input_with_workers_and_budget(tmp_path, sample_path, name, content, needle):
    """The bad-input cases through the sharded path (2 workers, a budget that spills): one
    line naming the file, exit 1, no output file, no temporary files."""
    from click.testing import CliRunner

    from mentropy.cli import main

    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out.dict"
    first = [str(sample_path)] if name != "latin.txt" else []  # a later file is the bad one
    result = CliRunner().invoke(main, ["build-lexicon", *first, str(path), "-o",
                                       str(out), "-q", "--workers", "2", "--memory", "4M",
                                       "--tmp-dir", str(tmp)])
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and name in message and needle in message, message
    assert "Traceback" not in result.output
    assert not out.exists() and os.listdir(tmp) == []


def test_fsspec_urls_give_the_lexicon_of_the_paths(corpus_dir, tmp_path):
    """file:// URLs (any fsspec URL the workers can read) are sharded and read like paths."""
    pytest.importorskip("fsspec")
    import gzip

    files = sorted(str(p) for p in corpus_dir.iterdir())
    packed = tmp_path / "c.txt.gz"
    packed.write_bytes(gzip.compress((corpus_dir / "c.txt").read_bytes(), mtime=0))
    local = build_lexicon(files + [str(packed)], progress=False, stats=True)
    urls = [f"file://{p}" for p in files] + [f"file://{packed}"]
    for workers in (1, 2):
        assert lexicon_bytes(build_lexicon(urls, progress=False, stats=True,
                                           workers=workers)) == lexicon_bytes(local)
    corpus, _ = B.read_and_count(urls, max_n=3, shard_bytes=3000, progress=False)
    same_corpus(corpus, read_corpus(files + [str(packed)], progress=False))
    with pytest.raises(InputError, match="missing.txt: no such file"):
        build_lexicon([f"file://{tmp_path}/missing.txt"], progress=False)


class _Recorder:
    def __init__(self):
        self.parts = []

    def __contains__(self, digest):
        self.parts.append(digest)
        return False

    def add(self, digest):
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["中文", "分词", " 中文 ", "a", "", "\n", "\n\n", "中文\n",
                                 "长" * 7, "\u3000中\u3000"]), max_size=30),
       st.lists(st.integers(1, 9), min_size=1, max_size=20), st.integers(3, 12))
def test_line_digests_are_those_unique_lines_looks_up(parts, cuts, long_line):
    import mentropy.dedupe as D
    from mentropy.dedupe import DuplicateStats, unique_lines

    text = "".join(parts)
    pieces, i, k = [], 0, 0
    while i < len(text):
        step = cuts[k % len(cuts)]
        pieces.append((text[i:i + step], i == 0 or k % 7 == 3))
        i, k = i + step, k + 1
    recorder = _Recorder()
    saved = D.LONG_LINE
    D.LONG_LINE = long_line
    try:
        for _ in unique_lines(iter(pieces), DuplicateStats(), seen=recorder):
            pass
    finally:
        D.LONG_LINE = saved
    assert B.line_digests(iter(pieces), long_line) == recorder.parts


def test_make_corpus_copies_with_swaps(tmp_path, sample_lines):
    """benchmarks/make_corpus.py: the sources first, then copies with characters swapped
    (new n-grams, few repeated lines), the same bytes for the same seed."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import make_corpus

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("\n".join(sample_lines[:200]) + "\n", encoding="utf-8")
    assert make_corpus.parse_size("1G") == 1 << 30 and make_corpus.parse_size("100M") == 100 << 20
    outs = []
    for seed in (0, 0, 1):
        out = io.BytesIO()
        n = make_corpus.write_corpus(out, 200_000, 0.03, seed, src)
        assert n >= 200_000 and len(out.getvalue()) == n
        outs.append(out.getvalue())
    assert outs[0] == outs[1] != outs[2]
    text = outs[0].decode("utf-8")
    real = (src / "a.txt").read_text(encoding="utf-8")
    assert text.startswith(real.strip().split("\n")[0])
    lines = [x for x in text.split("\n") if x.strip()]
    assert len(set(lines)) > 0.6 * len(lines)  # copies mostly differ from their source


def test_scaling_plot_is_an_svg_with_a_line_per_kind_of_run():
    """benchmarks/plot_scaling.py: two panels, one polyline per kind of run in each."""
    import sys
    import xml.dom.minidom
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import plot_scaling

    def run(args, wall, peak):
        return {"args": args, "wall_s": wall, "peak_memory": peak}

    result = {"scaling": [
        {"size": size, "bytes": n, "runs": [
            run(["--workers", "1"], wall, f"{mb} MB"), run(["--workers", "2"], wall / 2, "1.2 GB"),
            run(["--backend", "dask"], wall / 1.8, "1.3 GB"), {"args": ["x"], "error": "boom"}]}
        for size, n, wall, mb in (("10M", 10 << 20, 3.0, 300), ("1G", 1 << 30, 300.0, 900))]}
    svg = plot_scaling.plot(result)
    doc = xml.dom.minidom.parseString(svg)
    assert len(doc.getElementsByTagName("polyline")) == 2 * 3
    assert plot_scaling.parse_bytes("1.9 GB") == 1.9e9 and plot_scaling.parse_bytes("x") is None
    assert plot_scaling.kind(["--workers", "2", "--memory", "1G"]) == "--workers 2 + --memory"


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_a_real_full_temporary_disk_is_one_clear_line(tmp_path, tiny_tmpfs, sample_lines,
                                                      suffix):
    """--tmp-dir on a 1 MB tmpfs (see conftest.tiny_tmpfs): the build stops with one line
    naming the folder and the way out, writes no output and leaves the tmpfs empty."""
    import gzip
    import subprocess
    import sys

    tiny = tiny_tmpfs
    corpus = tmp_path / f"corpus.txt{suffix}"
    text = "".join(f"{i}{x}\n" for i in range(4) for x in sample_lines).encode()
    corpus.write_bytes(gzip.compress(text) if suffix else text)
    out = tmp_path / "out.dict"
    done = subprocess.run([sys.executable, "-m", "mentropy", "build-lexicon", str(corpus),
                           "--workers", "2", "--tmp-dir", str(tiny), "-o", str(out), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "No space left on device" in lines[0] and "--tmp-dir" in lines[0]
    assert not out.exists() and os.listdir(tiny) == []
