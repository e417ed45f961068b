"""Ctrl-C and SIGTERM for the command line: one line and exit 130/143, no traceback, and never
inside numba's compiler (a callback there would swallow or mangle the interrupt)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click


class Interrupted(click.ClickException):
    """Ctrl-C (SIGINT, exit 130) or SIGTERM (exit 143): one line, no traceback, no output."""

    def __init__(self, terminated: bool) -> None:
        super().__init__(f"interrupted by {'SIGTERM' if terminated else 'SIGINT (Ctrl-C)'}; "
                         "no output file written")
        self.exit_code = 143 if terminated else 130


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every clean-up on the way out runs."""


def interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt among the causes of `exc`, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


_pending: list[int] = []  # the signal waiting to be raised (see _interrupt)
_held = [0]  # depth of the held_signals blocks running
_alarm = [False]  # SIGALRM is ours (handle_signals): a signal inside numba can be retried


@contextmanager
def held_signals() -> Iterator[None]:
    """Run a block that must not be cut halfway: a SIGINT or SIGTERM (with the command's
    handlers, see handle_signals) that arrives inside is raised when the block ends. Starting a
    worker process is such a block: a child whose start-up data was cut off prints a traceback
    (EOFError) on the shared stderr."""
    import signal

    _held[0] += 1
    try:
        yield
    finally:
        _held[0] -= 1
    if not _held[0] and _pending:
        signum = _pending.pop()
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _interrupt(signum: int, frame: object) -> None:
    """SIGINT / SIGTERM handler: raise KeyboardInterrupt / Terminated, but not inside numba's
    or llvmlite's own Python code (a compiler callback would swallow or mangle it): there a
    SIGALRM 50 ms later tries again."""
    import signal

    if signum != signal.SIGALRM:
        _pending[:] = [signum]
    elif not _pending:
        return
    if _held[0]:  # raised when the held block ends
        return
    f = frame if _alarm[0] else None
    while f is not None:
        if f.f_globals.get("__name__", "").startswith(("numba.", "llvmlite.")):
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            return
        f = f.f_back
    signum = _pending.pop()
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def handle_signals(ctx: click.Context) -> None:
    """While the command runs, SIGTERM unwinds like Ctrl-C (temporary files are removed) and
    neither lands inside the JIT compiler; the previous handlers come back when it ends. Each
    signal is taken only if its handler is the default: one someone else set is left alone,
    and so is an ignored SIGINT (a shell starts `command &` so), while SIGTERM is still
    taken."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    defaults = ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler),
                (signal.SIGALRM, signal.SIG_DFL))
    taken = [(signum, default) for signum, default in defaults
             if signal.getsignal(signum) == default]
    if not any(signum != signal.SIGALRM for signum, _ in taken):
        return
    _alarm[0] = any(signum == signal.SIGALRM for signum, _ in taken)

    def restore() -> None:
        if _alarm[0]:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, default in taken:
            signal.signal(signum, default)
        _pending.clear()
        _alarm[0] = False

    for signum, _ in taken:
        signal.signal(signum, _interrupt)
    ctx.call_on_close(restore)
