"""Process-wide settings of the ``mentropy`` command (never applied by ``import mentropy``).

Measured on a one-sentence ``mentropy segment`` (benchmarks/RESULTS_startup.md): of a ~0.6 s
process, ~0.15 s went to the interpreter's final garbage collection over numba's hundreds of
thousands of compiler objects, and ~0.1 s of CPU to OpenBLAS worker threads that numpy starts
at import and that mentropy never uses (it calls no BLAS routine).
"""
from __future__ import annotations

import atexit
import gc
import os


def tune_process() -> None:
    """Before the command imports numpy: one OpenBLAS thread (unless the user chose); at exit,
    freeze the objects left so that the final collection does not walk them (they are freed
    with the process anyway)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    atexit.unregister(gc.freeze)  # once, however many commands run in this process
    atexit.register(gc.freeze)
