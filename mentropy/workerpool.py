"""Tasks in worker processes, each with a pipe of its own, that can be stopped at any time.

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
from typing import Callable, Iterable, Iterator, Sequence

from mentropy.errors import MentropyError

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_JOIN_SECONDS = 10.0  # a worker told to stop that is still alive then is killed

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


def _serve(conn, initializer: Callable | None, initargs: tuple, inherited: list) -> None:
    """A worker's loop: (fn, args) in, ("ok", result, pid, peak) or ("error", exc, text) out,
    in order, until None or the parent's end closes. `inherited`: the parent's ends of the
    pipes, which a forked worker holds too and closes (else it would never see the parent
    go)."""
    import queue
    import threading

    for end in inherited:
        end.close()
    # a terminal's Ctrl-C reaches the whole process group: the parent stops the workers, they
    # stay quiet. The parent blocked SIGINT and SIGTERM while it started this process (the
    # mask is inherited), so no signal could cut its start-up halfway; they come through here.
    # (A forked worker also inherited the parent's handlers: back to the defaults.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if initializer is not None:
        initializer(*initargs)
    # tasks are read as they come, by a thread: the parent's send of a queued task never
    # waits for this worker to finish sending an answer the parent is not reading yet
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def receive() -> None:
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the parent is gone (killed): nobody waits for any answer
                os._exit(1)
            except BaseException as exc:  # a task that cannot be unpickled here
                message = ("unreadable", exc, traceback.format_exc())
            inbox.put(message)
            if message is None:
                return

    threading.Thread(target=receive, daemon=True).start()
    while True:
        message = inbox.get()
        if message is None:
            return
        if message[0] == "unreadable":
            _reply(conn, ("error", message[1], message[2]))
            continue
        fn, args = message
        try:
            reply = ("ok", fn(*args), os.getpid(), peak_memory())
        except BaseException as exc:
            reply = ("error", exc, traceback.format_exc())
        _reply(conn, reply)


def _reply(conn, reply: tuple) -> None:
    try:
        conn.send(reply)  # pickled whole before the first byte is written
    except OSError:  # the parent is gone (killed): nobody waits for this answer
        raise SystemExit(1) from None
    except Exception as exc:  # a result or exception that does not pickle
        text = reply[2] if reply[0] == "error" else ""
        conn.send(("error", RuntimeError(f"a worker's answer could not be sent back: {exc!r}"),
                   text))


class WorkerPool:
    """`workers` processes that run top-level functions, spawned by default (no fork-only
    state).

    :meth:`run` hands the tasks out one per idle worker and calls ``done(i, result)`` as
    each answer arrives; :meth:`imap` streams answers in task order. An exception in a task
    is raised here with the worker's traceback as its cause; a worker that dies is one
    :class:`MentropyError`. :meth:`close` with ``abort=True`` terminates the workers at once,
    whatever they are doing. `start_method`: "spawn" (the default) or None for the
    platform's (fork on Linux: `initargs` are inherited, not pickled)."""

    def __init__(self, workers: int, initializer: Callable | None = None,
                 initargs: tuple = (), start_method: str | None = "spawn") -> None:
        self.workers = workers
        self.initializer = initializer
        self.initargs = initargs
        self.start_method = start_method
        self.peaks: dict = {}  # pid -> peak resident bytes
        self._slots: list = []  # (process, parent's end of its pipe)
        self._broken = False

    def _start(self) -> None:
        import multiprocessing

        from mentropy.interrupts import held_signals

        ctx = multiprocessing.get_context(self.start_method)
        forks = ctx.get_start_method() == "fork"  # the children get copies of every open pipe
        # no signal may cut a start halfway (a child whose start-up data was cut off prints a
        # traceback on the shared stderr): here they wait, blocked, and the child inherits the
        # block until its loop ignores SIGINT
        masks = hasattr(signal, "pthread_sigmask")  # POSIX
        with held_signals():
            old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if masks else None
            try:
                while len(self._slots) < self.workers:
                    ours, theirs = ctx.Pipe(duplex=True)
                    inherited = [ours, *(end for _, end in self._slots)] if forks else []
                    proc = ctx.Process(target=_serve, daemon=True, name="mentropy-worker",
                                       args=(theirs, self.initializer, self.initargs, inherited))
                    try:
                        proc.start()
                    finally:
                        theirs.close()  # the child's end: EOF here once the child is gone
                    self._slots.append((proc, ours))
            finally:
                if masks:
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
                    self._send(slot, fn, task)
                    busy[slot[1]] = (slot, i)
                ends = list(busy)
                ready = set(wait(ends + [busy[c][0][0].sentinel for c in ends]))
                for conn in sorted(ends, key=lambda c: busy[c][1]):
                    slot, i = busy[conn]
                    if conn in ready or slot[0].sentinel in ready:
                        del busy[conn]
                        result = self._answer(slot)
                        idle.append(slot)
                        done(i, result)
        except BaseException:
            if busy:  # workers still on a task: their answers would be out of step
                self._broken = True
            raise

    def imap(self, fn: Callable, tasks: Iterable[tuple], ahead: int = 2) -> Iterator:
        """fn(*task) for each task, the results yielded in task order; the tasks go to the
        workers in turn, at most `ahead` waiting or running on each."""
        if self._broken:
            raise MentropyError(WORKER_DIED)
        self._start()
        queued: deque = deque()  # the slot of each task sent and not answered, in order
        try:
            for k, task in enumerate(tasks):
                slot = self._slots[k % self.workers]
                self._send(slot, fn, task)
                queued.append(slot)
                if len(queued) >= ahead * self.workers:
                    yield self._answer(queued.popleft())
            while queued:
                yield self._answer(queued.popleft())
        except BaseException:  # GeneratorExit too: a consumer that stopped early
            if queued:
                self._broken = True
            raise

    def _send(self, slot: tuple, fn: Callable, task: tuple) -> None:
        try:
            slot[1].send((fn, task))
        except (BrokenPipeError, ConnectionResetError):
            self._died()

    def _answer(self, slot: tuple):
        """The next answer of the worker in `slot`: its result, or its exception raised."""
        from multiprocessing.connection import wait

        proc, conn = slot
        ready = wait([conn, proc.sentinel])
        if conn not in ready:  # gone without an answer
            self._died()
        try:
            answer = conn.recv()
        except (EOFError, OSError):  # gone halfway through its answer
            self._died()
        if answer[0] == "error":
            _, exc, text = answer
            raise exc from RemoteTraceback(text)
        _, result, pid, peak = answer
        self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
        return result

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
