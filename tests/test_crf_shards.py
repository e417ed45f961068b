"""CRF training by shards (mentropy.crf_data): the same features, labels and loss as one array,
the same model for any worker count, bounded memory (never the whole text at once), and no
temporary file left behind."""
from __future__ import annotations

import os

import numpy as np
import pytest

from mentropy import crf_data
from mentropy import crf_features as F
from mentropy.crf import CRFSegmenter, iter_gold
from mentropy.crf_train import ArrayData
from mentropy.errors import InputError

SHARD = 20_000  # characters per shard in these tests: corpora/sample_gold.txt is ~7 shards


@pytest.fixture(scope="module")
def gold(repo_root):
    path = repo_root / "corpora" / "sample_gold.txt"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory, sample_path):
    from mentropy.lexicon import build_lexicon

    path = tmp_path_factory.mktemp("crf-shards") / "sample.dict"
    build_lexicon(str(sample_path), progress=False).save(path)
    return path


@pytest.fixture
def small_shards(monkeypatch):
    monkeypatch.setattr(crf_data, "SHARD_CHARS", SHARD)


def _model_bytes(crf: CRFSegmenter, path) -> bytes:
    crf.save(path)
    return path.read_bytes()


def _one_array_and_shards(gold, tmp_path, monkeypatch):
    """The training data of `gold` as one shard and as shards of SHARD characters."""
    crf = CRFSegmenter(F.FeatureOptions(hash_bits=18, pmi_features=True))
    whole = _data(crf, gold, None)
    monkeypatch.setattr(crf_data, "SHARD_CHARS", SHARD)
    sharded = _data(crf, gold, str(tmp_path))
    return crf, whole, sharded


def _data(crf, gold, tmp_dir):
    from mentropy.crf_data import TAG_BITS, TrainingData, chunk_lines
    from mentropy.crf import _chars_of_words

    data = TrainingData(tmp_dir)
    crf.pairs = F.PairCounts.empty()
    for chunk in chunk_lines(iter_gold(gold), _chars_of_words, crf_data.SHARD_CHARS):
        texts = ["".join(ws) for ws in chunk]
        units = F.make_units(texts)
        data.add(texts, units, mask=TAG_BITS[F.gold_tags(units, chunk)])
        crf.pairs = crf.pairs.merge(F.PairCounts.from_units(units))
    return data


def test_shards_hold_the_same_features_and_labels(gold, tmp_path, monkeypatch):
    crf, whole, sharded = _one_array_and_shards(gold, tmp_path, monkeypatch)
    with whole, sharded:
        assert len(whole.shards) == 1 and len(sharded.shards) >= 5
        assert sharded.store.folder is not None and whole.store.folder is None
        assert sharded.n_sentences == whole.n_sentences and sharded.n_units == whole.n_units
        assert [t for i in range(len(sharded.shards)) for t in sharded.texts(i)] == \
            whole.texts(0)
        for data in (whole, sharded):
            data.extract(crf._features, crf.features.n_buckets)
        assert sharded.n_features == whole.n_features
        assert np.array_equal(sharded.table, whole.table)
        feats = np.concatenate([sharded.features(i)[0] for i in range(len(sharded.shards))])
        assert np.array_equal(feats, whole.features(0)[0])
        mask = np.concatenate([sharded.get("mask", i) for i in range(len(sharded.shards))])
        assert np.array_equal(mask, whole.get("mask", 0))
        assert sharded.digest() == whole.digest()
        assert sharded.labelled_share() == whole.labelled_share() == 1.0


def test_shard_loss_and_gradient_match_one_array(gold, tmp_path, monkeypatch):
    crf, whole, sharded = _one_array_and_shards(gold, tmp_path, monkeypatch)
    with whole, sharded:
        for data in (whole, sharded):
            data.extract(crf._features, crf.features.n_buckets)
        feats, offsets = whole.features(0)
        arrays = ArrayData(feats, offsets, whole.get("mask", 0), whole.n_features)
        rng = np.random.default_rng(7)
        w = rng.normal(0, 0.1, size=(whole.n_features, 4))
        trans = rng.normal(0, 0.1, size=(4, 4))
        picked = np.sort(rng.choice(whole.n_sentences, whole.n_sentences // 2, replace=False))
        for sentences in (np.arange(whole.n_sentences), picked):
            got = [np.zeros_like(w), np.zeros((4, 4))]
            want = [np.zeros_like(w), np.zeros((4, 4))]
            loss, bad = sharded.nll_grad(w, trans, sentences, *got)
            loss0, bad0 = arrays.nll_grad(w, trans, sentences, *want)
            assert bad == bad0 == 0
            assert loss == pytest.approx(loss0, rel=1e-12)
            assert np.allclose(got[0], want[0], rtol=1e-9, atol=1e-9)
            assert np.allclose(got[1], want[1], rtol=1e-9, atol=1e-9)
            assert np.abs(got[0]).sum() > 0  # a gradient, not zeros on both sides


def test_sharded_model_is_the_same_for_any_worker_count(gold, tmp_path, small_shards):
    opts = dict(max_iterations=6, holdout=0.1, progress=False)
    one = CRFSegmenter().train_gold(gold, tmp_dir=str(tmp_path), **opts)
    two = CRFSegmenter().train_gold(gold, workers=2, tmp_dir=str(tmp_path), **opts)
    assert one.report.iterations == 6 and one.report.n_heldout > 0
    assert _model_bytes(one, tmp_path / "one.crf") == _model_bytes(two, tmp_path / "two.crf")
    assert sorted(os.listdir(tmp_path)) == ["one.crf", "two.crf"]  # the shards are gone


def test_sharded_model_is_close_to_one_array(gold, tmp_path, monkeypatch):
    opts = dict(max_iterations=4, progress=False)
    whole = CRFSegmenter().train_gold(gold, **opts)
    monkeypatch.setattr(crf_data, "SHARD_CHARS", SHARD)
    sharded = CRFSegmenter().train_gold(gold, tmp_dir=str(tmp_path), **opts)
    assert sharded.meta["data"] == whole.meta["data"]  # the same text and labels
    assert sharded.report.loss == pytest.approx(whole.report.loss, rel=1e-9)
    assert np.allclose(sharded.weights, whole.weights, rtol=1e-6, atol=1e-9)
    text = "他说的确实在理，１９９８年的新年贺词。"
    assert sharded.lcut(text) == whole.lcut(text)


def test_no_shard_holds_more_than_its_share(gold, tmp_path, small_shards, monkeypatch):
    seen = []
    make_units = F.make_units

    def spy(texts):
        seen.append(sum(map(len, texts)))
        return make_units(texts)

    monkeypatch.setattr(F, "make_units", spy)
    longest = max(sum(map(len, ws)) for ws in iter_gold(gold))
    CRFSegmenter().train_gold(gold, tmp_dir=str(tmp_path), max_iterations=2, progress=False)
    total = sum(sum(map(len, ws)) for ws in iter_gold(gold))
    assert len(seen) >= 10 and max(seen) < SHARD + longest < total / 4


def test_silver_by_shards_matches_one_array(sample_path, lexicon, tmp_path, monkeypatch):
    opts = dict(max_iterations=3, rounds=2, confident=0.9, progress=False)
    whole = CRFSegmenter(F.FeatureOptions(lexicon_features=True)).train_silver(
        sample_path, lexicon, **opts)
    monkeypatch.setattr(crf_data, "SHARD_CHARS", SHARD)
    one = CRFSegmenter(F.FeatureOptions(lexicon_features=True)).train_silver(
        sample_path, lexicon, tmp_dir=str(tmp_path), **opts)
    two = CRFSegmenter(F.FeatureOptions(lexicon_features=True)).train_silver(
        sample_path, lexicon, tmp_dir=str(tmp_path), workers=2, **opts)
    assert _model_bytes(one, tmp_path / "one.crf") == _model_bytes(two, tmp_path / "two.crf")
    assert np.array_equal(one.alone, whole.alone) and whole.alone.shape[0] > 0
    assert one.meta["data"]["round"] == 2
    # round 1's labels are the same text and tags; round 2's come from slightly different
    # weights (summation order), so only their share is compared
    assert one.meta["data"]["labelled_share"] == pytest.approx(
        whole.meta["data"]["labelled_share"], abs=1e-3)
    assert sorted(os.listdir(tmp_path)) == ["one.crf", "two.crf"]


def test_an_error_in_a_later_shard_leaves_no_file(tmp_path, small_shards):
    lines = ["中国 人民 银行 发行 新 的 纸币 。"] * 3000 + ["这" * 40]  # raw text, not words
    gold = tmp_path / "gold.txt"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(InputError) as err:
        CRFSegmenter().train_gold(gold, tmp_dir=str(work), progress=False)
    assert err.value.line == 3001 and "not words" in str(err.value)
    assert os.listdir(work) == []


def test_train_crf_cli_by_shards(gold, tmp_path, small_shards):
    from click.testing import CliRunner

    from mentropy.cli import main

    runner = CliRunner()
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.crf"
        result = runner.invoke(main, ["train-crf", "--gold", str(gold), "-o", str(out),
                                      "--iterations", "3", "-q", "--workers", str(workers),
                                      "--tmp-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    result = runner.invoke(main, ["train-crf", "--gold", str(gold), "-o", str(tmp_path / "x"),
                                  "--tmp-dir", str(tmp_path / "nowhere")])
    assert result.exit_code != 0 and "nowhere" in result.output
    assert not (tmp_path / "x").exists()


def test_remap_continues_across_shards():
    from mentropy._kernels import crf_features as KF

    rng = np.random.default_rng(11)
    feats = rng.integers(-1, 300, size=(500, 6)).astype(np.int32)
    whole = feats.copy()
    n_whole = KF.remap(whole, np.full(300, -1, np.int32), np.int64(0))
    table = np.full(300, -1, np.int32)
    n = 0
    parts = []
    for lo in range(0, 500, 77):
        part = feats[lo:lo + 77].copy()
        n = KF.remap(part, table, np.int64(n))
        parts.append(part)
    assert n == n_whole and np.array_equal(np.concatenate(parts), whole)


def test_chunk_lines_keeps_every_line_in_order():
    lines = [f"{i}" * (i % 7 + 1) for i in range(200)]
    chunks = list(crf_data.chunk_lines(lines, len, 50))
    assert [x for c in chunks for x in c] == lines
    longest = max(map(len, lines))
    assert all(sum(map(len, c)) < 50 + longest for c in chunks)
    assert all(sum(map(len, c)) >= 50 for c in chunks[:-1])



def test_a_real_full_temporary_disk_is_one_clear_line(gold, tmp_path, tiny_tmpfs):
    """--tmp-dir on a 1 MB tmpfs (see conftest.tiny_tmpfs): training stops with one line
    naming the folder and the way out, writes no model and leaves the tmpfs empty."""
    import subprocess
    import sys

    big = tmp_path / "gold.txt"
    big.write_text(gold.read_text(encoding="utf-8") * 18, encoding="utf-8")  # 2 shards
    out = tmp_path / "out.crf"
    done = subprocess.run([sys.executable, "-m", "mentropy", "train-crf", "--gold", str(big),
                           "--tmp-dir", str(tiny_tmpfs), "-o", str(out), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "No space left on device" in lines[0] and "--tmp-dir" in lines[0]
    assert str(tiny_tmpfs) in lines[0]
    assert not out.exists() and os.listdir(tiny_tmpfs) == []


@pytest.mark.slow
def test_a_killed_worker_is_one_clear_line(gold, tmp_path):
    """A worker killed while it computes a shard's gradient: exit 1, one line naming the
    cause, no model, no temporary file, no worker left."""
    import signal
    import subprocess
    import sys
    import time

    import badinput

    big = tmp_path / "gold.txt"
    big.write_text(gold.read_text(encoding="utf-8") * 18, encoding="utf-8")  # 2 shards
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out.crf"
    proc = subprocess.Popen([sys.executable, "-m", "mentropy", "train-crf", "--gold", str(big),
                             "--workers", "2", "--tmp-dir", str(tmp), "-o", str(out), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        workers: list[str] = []
        while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
            time.sleep(0.05)
            workers = badinput.workers_among(badinput.children_of(proc.pid))
        assert proc.poll() is None and workers, "no workers before the end"
        time.sleep(0.5)  # inside a gradient pass
        os.kill(int(workers[0]), signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.communicate()
    stderr = err.decode("utf-8", "replace")
    assert proc.returncode == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "worker process died" in lines[0], stderr
    assert not out.exists() and os.listdir(tmp) == []
    assert [w for w in workers if os.path.exists(f"/proc/{w}")] == []


def test_bad_pool_options_are_refused_before_reading():
    from mentropy.errors import MentropyError

    def never():  # the text must not be read
        raise AssertionError("read")
        yield

    with pytest.raises(MentropyError, match="workers must be a positive integer"):
        CRFSegmenter().train_gold(never(), workers=0)
    with pytest.raises(MentropyError, match="unknown backend 'spark'"):
        CRFSegmenter().train_gold(never(), backend="spark")
