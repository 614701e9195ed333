"""Worker processes: results and errors come back; a dead worker fails its call, and the next call recovers."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from govern.workers import WorkerDied, WorkerPool


def _pid() -> int:
    return os.getpid()


def _die_slowly() -> None:
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)


def _fail() -> None:
    raise ValueError("bad input")


def test_a_dead_worker_fails_its_call_and_the_next_call_starts_a_new_pool() -> None:
    pool = WorkerPool(1)
    try:
        first = pool.run("job", _pid)
        assert first != os.getpid()
        with pytest.raises(WorkerDied, match="model 'loan': job: the worker process died"):
            pool.run("model 'loan': job", _die_slowly)
        assert pool.run("job", _pid) not in (first, os.getpid())
        with pytest.raises(ValueError, match="bad input"):  # an error of the work itself comes back as it is
            pool.run("job", _fail)
    finally:
        pool.close()


def test_the_workers_outlive_the_thread_that_started_them() -> None:
    # On Linux a worker's parent-death signal is tied to the thread that started it, and a Prefect task's thread
    # ends with its flow: the pool starts its workers from a thread of its own.
    pool = WorkerPool(1)
    try:
        started: list[int] = []
        thread = threading.Thread(target=lambda: started.append(pool.run("job", _pid)))
        thread.start()
        thread.join()
        time.sleep(0.5)  # long enough for a SIGKILL to land and the pool to notice
        assert pool.run("job", _pid) == started[0]
    finally:
        pool.close()


def test_a_closed_pool_starts_again_on_the_next_call() -> None:
    pool = WorkerPool(1)
    try:
        first = pool.run("job", _pid)
        pool.close()
        assert pool.run("job", _pid) != first
    finally:
        pool.close()
