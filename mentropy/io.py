"""Atomic output files: write to a temporary file beside the target, rename on success."""
from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from typing import IO, Iterator

from mentropy.errors import MentropyError

TEMP_PREFIX = ".mentropy-tmp-"


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, binary: bool = False,
                  encoding: str = "utf-8") -> Iterator[IO]:
    """Yield a file to write to `path`; never changes what the path is (DESIGN §8).

    - a regular file (new or existing) is written to a temporary file beside it and renamed
      over it at the end: on any error nothing is left behind and an old file is untouched;
      an existing file keeps its permission bits;
    - a symlink is followed: its target is replaced that way, the link stays a link;
    - ``"-"`` is standard output; a device (``/dev/null``), a FIFO or a socket is written
      straight through, as it is.
    """
    path = os.fspath(path)
    if path == "-":
        with _stdout(binary, encoding) as stream:
            yield stream
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):  # the folder check below says what is wrong
        info = None
    except OSError as exc:
        raise MentropyError(f"{path}: cannot write here ({exc.strerror})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise MentropyError(f"{path}: is a folder, not a file")
    if info is not None and not stat.S_ISREG(info.st_mode):
        with _direct(path, target, binary, encoding) as stream:
            yield stream
        return
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise MentropyError(f"{path}: output folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)
    except OSError as exc:
        raise MentropyError(f"{path}: cannot write here ({exc.strerror})") from None
    try:
        if binary:
            f = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding=encoding, newline="\n")
        with f:
            yield f
        mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _stdout(binary: bool, encoding: str) -> Iterator[IO]:
    if binary:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="\n",
                              write_through=True)
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


@contextlib.contextmanager
def _direct(path: str, target: str, binary: bool, encoding: str) -> Iterator[IO]:
    """Write a device, FIFO or socket as it is (there is nothing to rename)."""
    try:
        f = open(target, "wb") if binary else open(target, "w", encoding=encoding, newline="\n")
    except OSError as exc:
        raise MentropyError(f"{path}: cannot write here ({exc.strerror})") from None
    with f:
        yield f


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
