"""Ctrl-C (SIGINT) and SIGTERM during a long run (issue 4): a non-zero exit (130 / 143), one
short line on stderr and no traceback, no output file and no temporary file left; the next run
into the same folder completes cleanly."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

import badinput as B

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    return B.write(tmp_path_factory.mktemp("lex") / "lex.dict", B.LEXICON)


def interrupt(argv: list[str], sig: int, ready) -> tuple[int, str]:
    """Start ``python -m mentropy ARGV``, send `sig` once ready() is true; (exit, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "mentropy", *argv],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ready() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "finished before the signal: make the input larger"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err.decode("utf-8", "replace")


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
    exit_code, stderr = interrupt([*head, *sources, "-o", str(out), "-q"], sig, ready)
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
    exit_code, stderr = interrupt(["mine-templates", "--lexicon", str(lexicon),
                                   "--keep-duplicates", "--tmp-dir", str(tmp),
                                   str(big.long_lines_reference()),
                                   "-o", str(folder / "t.jsonl"), "-q"], sig, ready)
    assert exit_code == code, stderr
    assert "Traceback" not in stderr
    assert list(tmp.iterdir()) == [] and list(folder.iterdir()) == []
