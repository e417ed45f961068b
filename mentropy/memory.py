"""glibc's handling of freed memory: give it back to the operating system after a large
temporary job (:func:`release_free_memory`), or keep it for reuse in a short command that
makes many large temporaries (:func:`keep_freed_memory`)."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_libc: ctypes.CDLL | None = None
_kept = False  # keep_freed_memory succeeded in this process
_looked_up = False


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP_BYTES = 32 << 20  # 256 MB kept ~25 % more peak memory on a 50 MB corpus for ~0.03 s


def _glibc() -> ctypes.CDLL | None:
    global _libc, _looked_up
    if not sys.platform.startswith("linux"):
        return None
    if not _looked_up:
        _looked_up = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt"):
                _libc = libc
        except OSError:
            _libc = None
    return _libc


def keep_freed_memory(override: bool = False) -> bool:
    """Let glibc serve arrays up to 32 MB from its heap and keep what is freed for reuse
    (``mallopt``); True when it did. For the ``mentropy`` command only, never on import.

    By default glibc maps large blocks afresh and unmaps them when freed, so each of a
    build's many large temporary arrays is zero-filled page by page again: on the People's
    Daily build that was ~0.1 s of system time (0.22-0.29 s -> 0.14-0.16 s), on a 50 MB
    corpus ~0.8 s (2.5 -> 1.7 s), for ~2 % more peak memory. Skipped when the user tunes
    malloc through the environment, unless `override` (a process this run started, whose
    environment it did not choose, e.g. a Dask LocalCluster's worker).
    """
    if not override and (any(k.startswith("MALLOC_") for k in os.environ)
                         or "GLIBC_TUNABLES" in os.environ):
        return False
    global _kept
    libc = _glibc()
    if libc is None:
        return False
    _kept = bool(libc.mallopt(M_TRIM_THRESHOLD, KEEP_BYTES)) and \
        bool(libc.mallopt(M_MMAP_THRESHOLD, KEEP_BYTES))
    return _kept


def freed_memory_kept() -> bool:
    """True once keep_freed_memory has tuned this process's glibc."""
    return _kept


def release_free_memory() -> bool:
    """Return freed heap memory to the OS (glibc's ``malloc_trim``); True when it did.

    Loading a large lexicon makes and drops temporary arrays of several times its final size;
    glibc keeps such memory in the process unless asked, so the resident size would stay at
    the peak. Elsewhere (macOS, Windows, musl) this does nothing.
    """
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))
