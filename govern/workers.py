"""Worker processes for the work that holds the GIL (Great Expectations, NannyML's fits): run beside the
threads of the nightly flow, on the other core, instead of queueing behind them."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from govern.errors import GovernanceError


class WorkerDied(GovernanceError):
    """The worker process running a call died (killed, out of memory) before it finished."""


class WorkerPool:
    """Calls run in ``workers`` spawned processes, each prepared once by ``initializer``.

    The pool starts on the first call (or ``start()``). A worker that dies fails only the calls it took down,
    with ``WorkerDied``; the next call starts a new pool, so one model's crash does not fail the rest of the
    night. Arguments and results cross the process boundary by pickling.

    On Linux the workers die with the process that owns the pool, even when it is killed with SIGKILL and runs
    no clean-up (``govern.runtime.die_with_parent``). The kernel ties that to the *thread* that started a
    worker, and a worker starts inside ``submit``: so every submit is made by one thread of the pool's own that
    ends only with the process or ``close()``, never by a caller's thread (a Prefect task's ends with its flow).
    """

    def __init__(self, workers: int, initializer: Callable[[], Any] | None = None) -> None:
        self.workers = workers
        self._initializer = initializer
        self._pool: Any = None
        self._submitter: _Submitter | None = None
        self._lock = threading.Lock()

    def start(self, *, warm: bool = False) -> Any:
        """Create the pool; with ``warm``, also start its workers now (they start on the first call otherwise),
        so that their initializer (an import of several seconds) overlaps the caller's other work."""
        pool, submitter = self._start()
        if warm:
            for _ in range(self.workers):
                submitter.call(pool.submit, int)  # a no-op that makes the executor spawn a worker
        return pool

    def _start(self) -> tuple[Any, _Submitter]:
        with self._lock:
            if self._submitter is None:
                self._submitter = _Submitter()
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(os.getpid(), self._initializer),
                )
            return self._pool, self._submitter

    def run(self, what: str, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in a worker; ``what`` names the work in the error if the worker dies."""
        from concurrent.futures.process import BrokenProcessPool

        pool, submitter = self._start()
        try:
            return submitter.call(pool.submit, function, *args, **kwargs).result()
        except BrokenProcessPool as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise WorkerDied(f"{what}: the worker process died before it finished ({exc})") from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            submitter, self._submitter = self._submitter, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if submitter is not None:  # after the shutdown: its thread's end would kill the workers that remain
            submitter.stop()


def _start_worker(parent_pid: int, initializer: Callable[[], Any] | None) -> None:
    """A worker's first act: die with the pool's process, then the pool's own preparation."""
    from govern.runtime import die_with_parent

    die_with_parent(parent_pid)
    if initializer is not None:
        initializer()


_Call = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class _Submitter:
    """A daemon thread that makes the calls given to ``call`` one at a time, and ends only with the process or
    ``stop()``."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._stopped = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="worker-pool-submitter", daemon=True)
        self._thread.start()

    def call(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` on the thread; its result, or its exception raised here."""
        done: Future[Any] = Future()
        with self._lock:  # a call queued after the stop would wait for ever
            if self._stopped:
                raise RuntimeError("the worker pool was closed while this call was being made")
            self._calls.put((done, function, args, kwargs))
        return done.result()

    def stop(self) -> None:
        """End the thread once the calls already given are made."""
        with self._lock:
            self._stopped = True
            self._calls.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            done, function, args, kwargs = call
            try:
                done.set_result(function(*args, **kwargs))
            except BaseException as exc:  # handed to the caller, which raises it in its own thread
                done.set_exception(exc)
