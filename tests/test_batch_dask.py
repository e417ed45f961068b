"""The Dask backend on a real LocalCluster of 2 worker processes: the same lexicon as one
process, and one clear error for a dead worker, an unreachable scheduler or a missing dask."""
from __future__ import annotations

import io
import os
import sys

import pytest

distributed = pytest.importorskip("distributed")

import mentropy.batch as B  # noqa: E402
from mentropy.errors import MentropyError  # noqa: E402
from mentropy.lexicon import build_lexicon  # noqa: E402

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def tsv(lex) -> str:
    out = io.StringIO()
    lex.write(out, "tsv")
    return out.getvalue()


def test_dask_gives_the_lexicon_of_one_process_and_of_workers(client, sample_path, tmp_path,
                                                              monkeypatch):
    monkeypatch.setattr(B, "SHARD_BYTES", 30_000)
    text = sample_path.read_text(encoding="utf-8")
    path = tmp_path / "in.txt"
    path.write_text(text + text[: len(text) // 3], encoding="utf-8")  # repeated lines too
    one = build_lexicon(str(path), progress=False, stats=True)
    on_dask = build_lexicon(str(path), progress=False, stats=True, client=client,
                            tmp_dir=str(tmp_path))
    assert tsv(on_dask) == tsv(one)
    assert on_dask.report.n_duplicate_lines == one.report.n_duplicate_lines > 0
    assert on_dask.report.workers == 2
    assert [p for p in os.listdir(tmp_path) if p.startswith("mentropy-")] == []

    def models():
        from mentropy import passes

        return len(passes._MODEL)
    assert set(client.run(models).values()) == {0}  # the user's cluster keeps no word model
    two = build_lexicon(str(path), progress=False, stats=True, workers=2)
    assert tsv(two) == tsv(one)


def test_a_dead_dask_worker_is_one_clear_error(client):
    pool = B.DaskPool(client)
    with pytest.raises(MentropyError, match="Dask worker died"):
        pool.run(os._exit, [(9,)], lambda i, r: None)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it


def test_unreachable_scheduler(monkeypatch, sample_path):
    monkeypatch.setattr(B, "DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(MentropyError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build_lexicon(str(sample_path), backend="dask", scheduler="tcp://127.0.0.1:9",
                      progress=False)


def test_without_dask_the_error_says_how_to_install_it(monkeypatch, sample_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MentropyError, match=r"pip install 'mentropy\[dask\]'"):
        build_lexicon(str(sample_path), backend="dask", progress=False)


def test_cli_backend_dask_starts_a_local_cluster(sample_path, tmp_path):
    from click.testing import CliRunner

    from mentropy.cli import main

    one, two = tmp_path / "one.dict", tmp_path / "dask.dict"
    runner = CliRunner()
    assert runner.invoke(main, ["build-lexicon", str(sample_path), "-o", str(one), "-q",
                                "--workers", "1"]).exit_code == 0
    result = runner.invoke(main, ["build-lexicon", str(sample_path), "-o", str(two),
                                  "--backend", "dask", "--tmp-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert two.read_bytes() == one.read_bytes()
    assert "(2 processes + parent)" in result.stderr.splitlines()[-1]
    bad = runner.invoke(main, ["build-lexicon", str(sample_path), "--scheduler", "tcp://x:1"])
    assert bad.exit_code == 2 and "--backend dask" in bad.output



def test_an_own_local_cluster_keeps_freed_memory_on_its_workers(monkeypatch):
    """The LocalCluster a build starts: its nanny sets MALLOC_TRIM_THRESHOLD_, so the plain
    rule (respect the user's malloc settings) would leave glibc handing back every large
    temporary; the pool overrides it on the workers of its own cluster only."""
    from mentropy import batch as B

    pool = B.DaskPool()
    try:
        def state():
            import os

            from mentropy import memory

            tuned = memory.freed_memory_kept() or memory._glibc() is None  # by the pool
            return (tuned, "MALLOC_TRIM_THRESHOLD_" in os.environ, memory.keep_freed_memory(),
                    memory.keep_freed_memory(override=True) or memory._glibc() is None)
        for tuned, in_env, plain, forced in pool.client.run(state).values():
            assert tuned is True and forced is True
            assert plain is False or not in_env  # the plain rule defers to the nanny
    finally:
        pool.close(abort=False)


def test_ctrl_c_at_a_terminal_stops_a_dask_build_with_one_line(big, tmp_path):
    """A terminal's Ctrl-C reaches the whole process group, the LocalCluster's worker
    processes too: exit 130, one line, nothing left. (Each worker printed its own
    KeyboardInterrupt traceback: about 70 lines.)"""
    import signal

    import badinput

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out.dict"
    ready = lambda: any(any(d.iterdir()) for d in tmp.iterdir() if d.is_dir())  # noqa: E731
    code, stderr, children = badinput.interrupt(
        ["build-lexicon", str(big.long_lines_reference()), "--keep-duplicates", "--backend",
         "dask", "--tmp-dir", str(tmp), "-o", str(out), "-q"], signal.SIGINT, ready,
        workers=2, group=True)
    assert code == 130, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists() and os.listdir(tmp) == []
    badinput.assert_workers_gone(children)
