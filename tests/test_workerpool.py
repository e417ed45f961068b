"""The worker pool (workerpool.py): answers, errors, dead workers, and stopping at any time."""
from __future__ import annotations

import os
import threading
import time

import pytest

import badinput
from mentropy.errors import MentropyError
from mentropy.workerpool import _JOIN_SECONDS, RemoteTraceback, WorkerPool


def _alive(pids) -> list:
    return [p for p in pids if os.path.exists(f"/proc/{p}") and
            "Z" not in open(f"/proc/{p}/stat").read().split(")")[-1].split()[0]]


def test_answers_come_back_by_task_index():
    got: dict = {}
    pool = WorkerPool(2)
    try:
        pool.run(pow, [(i, 2) for i in range(7)], got.__setitem__)
        assert got == {i: i * i for i in range(7)}
        assert len(pool.peaks) == 2 and all(v > 0 for v in pool.peaks.values())
    finally:
        pool.close()


def test_an_error_in_a_task_is_raised_with_the_workers_traceback_and_the_pool_goes_on():
    pool = WorkerPool(1)
    try:
        with pytest.raises(ValueError, match="invalid literal") as info:
            pool.run(int, [("x",)], lambda i, r: None)
        assert isinstance(info.value.__cause__, RemoteTraceback)
        assert "Traceback" in str(info.value.__cause__)
        got: dict = {}
        pool.run(abs, [(-3,)], got.__setitem__)
        assert got == {0: 3}
    finally:
        pool.close()


def test_an_answer_that_does_not_pickle_is_a_clear_error():
    pool = WorkerPool(1)
    try:
        with pytest.raises(RuntimeError, match="could not be sent back"):
            pool.run(threading.Lock, [()], lambda i, r: None)
    finally:
        pool.close()


def test_a_dead_worker_is_one_error_and_the_pool_refuses_more_work():
    pool = WorkerPool(2)
    try:
        with pytest.raises(MentropyError, match="worker process died"):
            pool.run(os._exit, [(9,), (9,)], lambda i, r: None)
        with pytest.raises(MentropyError, match="worker process died"):
            pool.run(abs, [(1,)], lambda i, r: None)
    finally:
        pool.close()


def test_stopping_while_a_worker_is_halfway_through_an_answer_does_not_hang(tmp_path):
    """The parent stops (an error in done(), Ctrl-C) while the second worker is blocked
    sending a 64 MB answer: close(abort=True) terminates it and returns; nothing waits for the
    rest of a half-sent message (concurrent.futures' pool waited forever there)."""
    sending = tmp_path / "sending"

    def done(i, result):
        assert i == 0
        badinput.wait_for_file(str(sending), 30)
        time.sleep(0.3)  # the worker is inside send() now: the pipe holds far less than 64 MB
        raise RuntimeError("stop")

    pool = WorkerPool(2)
    pool.run(abs, [(1,), (2,)], lambda i, r: None)  # both workers up
    pids = list(pool.peaks)
    with pytest.raises(RuntimeError, match="stop"):
        pool.run(badinput.answer_after_file, [(str(tmp_path / "first"), 0), (str(sending), 64)],
                 done)
    closer = threading.Thread(target=pool.close, kwargs={"abort": True})
    closer.start()
    closer.join(_JOIN_SECONDS / 2)  # (a worker told to stop is killed after _JOIN_SECONDS)
    assert not closer.is_alive(), "close(abort=True) waits"
    assert _alive(pids) == []


def test_close_stops_idle_workers_and_abort_stops_a_running_task(tmp_path):
    """close() ends idle workers; close(abort=True) ends one still on a 120 s task at once
    (the bound below leaves seconds to spare on a loaded machine)."""
    pool = WorkerPool(1)
    pool.run(abs, [(1,)], lambda i, r: None)
    pids = list(pool.peaks)
    pool.close()
    assert _alive(pids) == []

    def done(i, result):
        raise KeyboardInterrupt

    pool = WorkerPool(2)
    pool.run(abs, [(1,), (2,)], lambda i, r: None)
    pids = list(pool.peaks)
    with pytest.raises(KeyboardInterrupt):
        pool.run(badinput.wait_for_file, [(str(tmp_path), 1.0),
                                          (str(tmp_path / "never"), 120.0)], done)
    closer = threading.Thread(target=pool.close, kwargs={"abort": True})
    closer.start()
    closer.join(_JOIN_SECONDS / 2)
    assert not closer.is_alive(), "close(abort=True) waited for the running task"
    assert _alive(pids) == []


def test_imap_yields_in_task_order_with_a_fork_pool_too():
    for start_method in ("spawn", None):
        pool = WorkerPool(2, start_method=start_method)
        try:
            tasks = [(0.2 if i % 3 == 0 else 0.0, i) for i in range(9)]  # uneven durations
            assert list(pool.imap(badinput.sleep_then, tasks, ahead=2)) == list(range(9))
            assert list(pool.imap(abs, [(-1,)])) == [1]  # the pool goes on
        finally:
            pool.close()


def test_imap_raises_a_tasks_error_in_its_place_and_a_consumer_may_stop_early():
    pool = WorkerPool(2)
    try:
        got = []
        with pytest.raises(ValueError):
            for r in pool.imap(int, [("1",), ("2",), ("x",), ("4",)]):
                got.append(r)
        assert got == [1, 2]
    finally:
        pool.close()
    pool = WorkerPool(2)
    stream = pool.imap(badinput.sleep_then, [(0.0, 0), (30.0, 1), (30.0, 2)])
    assert next(stream) == 0
    stream.close()  # two tasks still running: the pool stops them
    pids = list(pool.peaks)
    closer = threading.Thread(target=pool.close)
    closer.start()
    closer.join(_JOIN_SECONDS / 2)
    assert not closer.is_alive(), "close() waited for tasks nobody wants"
    assert _alive(pids) == []


@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_workers_end_when_the_parent_is_killed(start_method, tmp_path):
    """SIGKILL (the OOM killer) gives the parent no chance to stop its workers: they see
    their pipe close and end at once, in the middle of a 60 s task. (A forked worker held a
    copy of the parent's end of its own pipe, never saw it close, and lived on.)"""
    import signal
    import subprocess
    import sys

    started = tmp_path / "started"
    script = ("import sys; sys.path.insert(0, %r)\n"
              "import badinput\n"
              "from mentropy.workerpool import WorkerPool\n"
              "if __name__ == '__main__':\n"
              "    pool = WorkerPool(2, start_method=%r)\n"
              "    tasks = [(0.0, 'x')] * 2 + [(60.0, i) for i in range(4)]\n"
              "    for r in pool.imap(badinput.sleep_then, tasks):\n"
              "        open(%r, 'a').write('x')\n"
              % (os.path.dirname(__file__), start_method, str(started)))
    err = tmp_path / "stderr"
    with open(err, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-c", script], stderr=f)
    try:
        badinput.wait_for_file(str(started), 120)
        assert started.exists(), err.read_text()
        workers = badinput.workers_among(badinput.children_of(proc.pid))
        assert len(workers) == 2
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20  # their tasks would run 60 s
    while time.monotonic() < deadline and _alive(workers):
        time.sleep(0.1)
    assert _alive(workers) == []
