"""Give memory freed after a large temporary job back to the operating system."""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_libc: ctypes.CDLL | None = None
_looked_up = False


def release_free_memory() -> bool:
    """Return freed heap memory to the OS (glibc's ``malloc_trim``); True when it did.

    Loading a large lexicon makes and drops temporary arrays of several times its final size;
    glibc keeps such memory in the process unless asked, so the resident size would stay at
    the peak. Elsewhere (macOS, Windows, musl) this does nothing.
    """
    global _libc, _looked_up
    if not sys.platform.startswith("linux"):
        return False
    if not _looked_up:
        _looked_up = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            if hasattr(libc, "malloc_trim"):
                _libc = libc
        except OSError:
            _libc = None
    if _libc is None:
        return False
    return bool(_libc.malloc_trim(0))
