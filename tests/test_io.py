"""atomic_output never changes what a path is (DESIGN §8): regular files are replaced through a
temporary file, symlinks keep pointing at their (replaced) target, devices and FIFOs are written
straight through. Each case also runs through the CLI's `-o`."""
from __future__ import annotations

import os
import stat
import threading

import pytest
from click.testing import CliRunner

from mentropy.cli import main
from mentropy.errors import MentropyError
from mentropy.io import TEMP_PREFIX, atomic_output


def leftovers(folder) -> list[str]:
    return [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX)]


def test_dev_null_stays_a_device():
    """Regression: `-o /dev/null` (as root) replaced the device with a regular file."""
    with atomic_output("/dev/null") as out:
        out.write("中文\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_symlink_stays_a_link_and_its_target_is_replaced(tmp_path):
    target = tmp_path / "real.dict"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.dict"
    link.symlink_to(target.name)
    with atomic_output(link) as out:
        out.write("new\n")
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # an existing file keeps its mode
    assert leftovers(tmp_path) == []


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link"
    link.symlink_to("made.txt")
    with atomic_output(link) as out:
        out.write("x")
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "x"


def test_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    with atomic_output(fifo) as out:
        out.write("through\n")
    reader.join(timeout=10)
    assert got == ["through\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_error_leaves_regular_file_untouched(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(path) as out:
            out.write("half")
            raise RuntimeError("boom")
    assert path.read_text() == "old" and leftovers(tmp_path) == []


def test_folder_and_missing_folder_are_errors(tmp_path):
    with pytest.raises(MentropyError, match="is a folder"):
        with atomic_output(tmp_path):
            pass
    with pytest.raises(MentropyError, match="does not exist"):
        with atomic_output(tmp_path / "no" / "x.txt"):
            pass


@pytest.mark.parametrize("kind", ["symlink", "fifo", "devnull"])
def test_cli_output_keeps_the_path_type(tmp_path, sample_path, kind):
    runner = CliRunner()
    if kind == "devnull":
        out = "/dev/null"
    elif kind == "symlink":
        (tmp_path / "target.dict").write_text("")
        out = str(tmp_path / "out.dict")
        os.symlink("target.dict", out)
    else:
        out = str(tmp_path / "fifo")
        os.mkfifo(out)
        got: list[bytes] = []
        threading.Thread(target=lambda: got.append(open(out, "rb").read()), daemon=True).start()
    result = runner.invoke(main, ["build-lexicon", str(sample_path), "-o", out, "-q"])
    assert result.exit_code == 0, result.output
    if kind == "devnull":
        assert stat.S_ISCHR(os.stat(out).st_mode)
    elif kind == "symlink":
        assert os.path.islink(out) and (tmp_path / "target.dict").stat().st_size > 0
    else:
        assert stat.S_ISFIFO(os.stat(out).st_mode)
