"""Tasks in spawned worker processes, each with its own pipe, that can be stopped at any time.

concurrent.futures' process pool shares one result pipe among its workers and reads it in a
thread: a worker terminated while it sends a result (Ctrl-C, an error elsewhere) leaves half
a message there, the thread waits for the rest forever, and so does the interpreter's exit.
Here every worker has a pipe of its own and the parent reads it only when a whole task has
been answered or the worker is gone, so stopping the workers is always: terminate, join.
"""
from __future__ import annotations

import os
import signal
import traceback
from collections import deque
from typing import Callable, Sequence

from mentropy.errors import MentropyError

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_JOIN_SECONDS = 10.0  # a worker told to stop that is still alive then is terminated

WORKER_DIED = ("a worker process died (killed, out of memory, or it could not start: a script "
               "that uses workers must run its code under `if __name__ == '__main__':`); "
               "nothing was written")


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (the cause of the one re-raised)."""

    def __str__(self) -> str:
        return "\n" + self.args[0]


def peak_memory() -> int:
    """Peak resident memory of this process so far, in bytes."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _serve(conn, initializer: Callable[[], None] | None) -> None:
    """A worker's loop: (fn, args) in, ("ok", result, pid, peak) or ("error", exc, text) out,
    until None or the parent's end closes."""
    # a terminal's Ctrl-C reaches the whole process group: the parent stops the workers, they
    # stay quiet. The parent blocked SIGINT and SIGTERM while it started this process (the
    # mask is inherited), so no signal could cut its start-up halfway; they come through here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if initializer is not None:
        initializer()
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone
            return
        except BaseException as exc:  # a task that cannot be unpickled here
            _reply(conn, ("error", exc, traceback.format_exc()))
            continue
        if message is None:
            return
        fn, args = message
        try:
            reply = ("ok", fn(*args), os.getpid(), peak_memory())
        except BaseException as exc:
            reply = ("error", exc, traceback.format_exc())
        _reply(conn, reply)


def _reply(conn, reply: tuple) -> None:
    try:
        conn.send(reply)  # pickled whole before the first byte is written
    except Exception as exc:  # a result or exception that does not pickle
        text = reply[2] if reply[0] == "error" else ""
        conn.send(("error", RuntimeError(f"a worker's answer could not be sent back: {exc!r}"),
                   text))


class WorkerPool:
    """`workers` spawned processes (no fork-only state) that run top-level functions.

    :meth:`run` hands the tasks out one per idle worker and calls ``done(i, result)`` as
    each answer arrives; an exception in a task is raised here with the worker's traceback as
    its cause; a worker that dies is one :class:`MentropyError`. :meth:`close` with
    ``abort=True`` terminates the workers at once, whatever they are doing."""

    def __init__(self, workers: int, initializer: Callable[[], None] | None = None) -> None:
        self.workers = workers
        self.initializer = initializer
        self.peaks: dict = {}  # pid -> peak resident bytes
        self._slots: list = []  # (process, parent's end of its pipe)
        self._broken = False

    def _start(self) -> None:
        import multiprocessing

        from mentropy.interrupts import held_signals

        ctx = multiprocessing.get_context("spawn")
        # no signal may cut a start halfway (a child whose start-up data was cut off prints a
        # traceback on the shared stderr): here they wait, blocked, and the child inherits the
        # block until its loop ignores SIGINT
        with held_signals():
            old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            try:
                while len(self._slots) < self.workers:
                    ours, theirs = ctx.Pipe(duplex=True)
                    proc = ctx.Process(target=_serve, args=(theirs, self.initializer),
                                       daemon=True, name="mentropy-worker")
                    try:
                        proc.start()
                    finally:
                        theirs.close()  # the child's end: EOF here once the child is gone
                    self._slots.append((proc, ours))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def run(self, fn: Callable, tasks: Sequence[tuple],
            done: Callable[[int, object], None]) -> None:
        """fn(*task) for every task in the workers; done(i, result) in completion order."""
        from multiprocessing.connection import wait

        if self._broken:
            raise MentropyError(WORKER_DIED)
        self._start()
        todo = deque(enumerate(tasks))
        idle = list(reversed(self._slots))
        busy: dict = {}  # parent's end -> (slot, task index)
        try:
            while todo or busy:
                while idle and todo:
                    slot = idle.pop()
                    i, task = todo.popleft()
                    try:
                        slot[1].send((fn, task))
                    except (BrokenPipeError, ConnectionResetError):
                        self._died()
                    busy[slot[1]] = (slot, i)
                ends = list(busy)
                ready = set(wait(ends + [busy[c][0][0].sentinel for c in ends]))
                for conn in sorted(ends, key=lambda c: busy[c][1]):
                    slot, i = busy[conn]
                    if conn not in ready:
                        if slot[0].sentinel in ready:  # gone without an answer
                            self._died()
                        continue
                    try:
                        answer = conn.recv()
                    except (EOFError, OSError):  # gone halfway through its answer
                        self._died()
                    del busy[conn]
                    idle.append(slot)
                    if answer[0] == "error":
                        _, exc, text = answer
                        raise exc from RemoteTraceback(text)
                    _, result, pid, peak = answer
                    self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                    done(i, result)
        except BaseException:
            if busy:  # workers still on a task: their answers would be out of step
                self._broken = True
            raise

    def _died(self) -> None:
        self._broken = True
        raise MentropyError(WORKER_DIED)

    def close(self, abort: bool = False) -> None:
        """Stop the workers: after their task (abort=False) or at once (abort=True)."""
        slots, self._slots = self._slots, []
        abort = abort or self._broken
        for proc, conn in slots:
            if abort:
                proc.terminate()
            else:
                try:
                    conn.send(None)
                except OSError:
                    pass
        for proc, conn in slots:
            proc.join(_JOIN_SECONDS)
            if proc.exitcode is None:  # still alive: told to stop, or stuck
                proc.kill()
                proc.join()
            conn.close()
            proc.close()
