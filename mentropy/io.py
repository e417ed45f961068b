"""Atomic output files: write to a temporary file beside the target, rename on success."""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from typing import IO, Iterator

from mentropy.errors import MentropyError

TEMP_PREFIX = ".mentropy-tmp-"


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, binary: bool = False,
                  encoding: str = "utf-8") -> Iterator[IO]:
    """Yield a file to write; on success it replaces `path`, on any error nothing is left behind.

    ``path == "-"`` writes to standard output instead.
    """
    path = os.fspath(path)
    if path == "-":
        if binary:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        else:
            stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="\n",
                                      write_through=True)
            try:
                yield stream
                stream.flush()
            finally:
                stream.detach()
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise MentropyError(f"{path}: output folder {folder} does not exist")
    if os.path.isdir(path):
        raise MentropyError(f"{path}: is a folder, not a file")
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
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
