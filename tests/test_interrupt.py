"""Ctrl-C (SIGINT) and SIGTERM during a long run (issue 4): a non-zero exit (130 / 143), one
short line on stderr and no traceback, no output file and no temporary file left; the next run
into the same folder completes cleanly."""
from __future__ import annotations

import signal
import time

import pytest

import badinput as B

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    return B.write(tmp_path_factory.mktemp("lex") / "lex.dict", B.LEXICON)


@pytest.mark.parametrize("command", ["build-lexicon", "segment"])
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_leaves_nothing(big, lexicon, tmp_path, command, sig, code):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "result.txt"
    source = str(big.long_lines_reference())
    if command == "segment":  # interrupted while it writes its (temporary) output file
        head, sources = ["segment", "--lexicon", str(lexicon)], [source, source]
        ready = lambda: any(folder.iterdir())
    else:  # interrupted while it reads and counts
        # the file repeats its text: --keep-duplicates, so that it is all counted (slowly)
        head, sources = [command, "--keep-duplicates"], [source]
        t0 = time.monotonic()
        ready = lambda: time.monotonic() - t0 > 1.5
    exit_code, stderr, _ = B.interrupt([*head, *sources, "-o", str(out), "-q"], sig, ready)
    assert exit_code == code, stderr
    assert "Traceback" not in stderr
    line = B.one_line(B.Outcome(exit_code, b"", stderr))
    assert "interrupted" in line and len(line) < 120
    assert list(folder.iterdir()) == []
    small = B.write(tmp_path / "small.txt", B.CORPUS)
    again = B.run_in_process([*head, str(small), "-o", str(out), "-q"])
    assert again.code == 0, again.stderr
    assert [p.name for p in folder.iterdir()] == ["result.txt"] and out.stat().st_size > 0


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_interrupted_mining_leaves_no_temporary_files(big, lexicon, tmp_path, sig, code):
    """mine-templates keeps the word ids in a folder inside --tmp-dir: a signal while they
    are written leaves neither that folder nor an output file."""
    folder, tmp = tmp_path / "out", tmp_path / "tmp"
    folder.mkdir()
    tmp.mkdir()
    ready = lambda: any(p.is_dir() and any(p.iterdir()) for p in tmp.iterdir())
    exit_code, stderr, _ = B.interrupt(["mine-templates", "--lexicon", str(lexicon),
                                   "--keep-duplicates", "--tmp-dir", str(tmp),
                                   str(big.long_lines_reference()),
                                   "-o", str(folder / "t.jsonl"), "-q"], sig, ready)
    assert exit_code == code, stderr
    assert "Traceback" not in stderr
    assert list(tmp.iterdir()) == [] and list(folder.iterdir()) == []


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_interrupted_crf_training_leaves_nothing(repo_root, tmp_path, sig, code):
    """Ctrl-C or SIGTERM while 2 workers compute the shards' gradients: exit 130/143, one
    line, no traceback, no model file, the temporary folder emptied, the workers gone."""
    gold = repo_root / "corpora" / "sample_gold.txt"
    big = B.write(tmp_path / "gold.txt", gold.read_text(encoding="utf-8") * 18)  # 2 shards
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out.crf"
    ready = lambda: any(p.name.startswith("params-") for d in tmp.iterdir()  # noqa: E731
                        for p in d.iterdir())
    exit_code, stderr, children = B.interrupt(
        ["train-crf", "--gold", str(big), "--workers", "2", "--tmp-dir", str(tmp), "-o",
         str(out), "-q"], sig, ready, workers=2)
    assert exit_code == code, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists()
    assert [(p.name, sorted(x.name for x in p.iterdir())) for p in tmp.iterdir()] == []
    B.assert_workers_gone(children)


def test_sigterm_is_handled_when_sigint_is_ignored(repo_root, tmp_path):
    """A shell starts `command &` with SIGINT ignored: SIGTERM must still remove the temporary
    files and stop the workers (it used to kill the command outright: exit -15, no message,
    the temporary folder left full)."""
    gold = repo_root / "corpora" / "sample_gold.txt"
    big = B.write(tmp_path / "gold.txt", gold.read_text(encoding="utf-8") * 18)  # 2 shards
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    ready = lambda: any(p.name.startswith("params-") for d in tmp.iterdir()  # noqa: E731
                        for p in d.iterdir())
    exit_code, stderr, children = B.interrupt(
        ["train-crf", "--gold", str(big), "--workers", "2", "--tmp-dir", str(tmp), "-o",
         str(tmp_path / "out.crf"), "-q"], signal.SIGTERM, ready, workers=2, ignore_sigint=True)
    assert exit_code == 143, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert list(tmp.iterdir()) == [] and not (tmp_path / "out.crf").exists()
    B.assert_workers_gone(children)


def test_a_signal_inside_held_signals_waits_for_the_block_end():
    """A worker process being started is not cut halfway (its start-up data would be cut off
    and it would print a traceback): the signal is raised when the block ends."""
    import os

    from mentropy import interrupts

    old = signal.signal(signal.SIGTERM, interrupts._interrupt)
    reached = []
    try:
        with pytest.raises(interrupts.Terminated):
            with interrupts.held_signals():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # the handler has run by now
                reached.append("end of block")
        assert reached == ["end of block"]
        with interrupts.held_signals():  # nothing pending: nothing raised
            reached.append("again")
        assert reached == ["end of block", "again"]
    finally:
        signal.signal(signal.SIGTERM, old)
        interrupts._pending.clear()


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_process_group_stops_segment_workers_quietly(big, lexicon, tmp_path,
                                                                     sig, code):
    """A terminal's Ctrl-C, or a service manager's SIGTERM, reaches the whole process group:
    `segment --workers 2` exits 130/143 with one line, its workers print nothing and nothing
    waits forever. (The workers inherited the command's signal handlers: they raised
    KeyboardInterrupt and printed tracebacks; a worker killed by SIGTERM while it sent a
    result left concurrent.futures' pool waiting for the rest, in 13 of 20 runs.)"""
    import os
    import subprocess
    import sys

    out = tmp_path / "out.txt"
    source = str(big.long_lines_reference())
    proc = subprocess.Popen([sys.executable, "-m", "mentropy", "segment", "--lexicon",
                             str(lexicon), "--workers", "2", source, source, source, "-o",
                             str(out)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and len(
                B.children_of(proc.pid)) < 2:
            time.sleep(0.02)
        assert proc.poll() is None, "finished before the signal: make the input larger"
        time.sleep(0.3)
        os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    stderr = err.decode("utf-8", "replace")
    assert proc.returncode == code, stderr
    assert len(stderr.strip().splitlines()) == 1 and "interrupted" in stderr, stderr
    assert not out.exists()
