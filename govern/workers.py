"""Worker processes for the work that holds the GIL (Great Expectations, NannyML's fits): run beside the
threads of the nightly flow, on the other core, instead of queueing behind them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from govern.errors import GovernanceError


class WorkerDied(GovernanceError):
    """The worker process running a call died (killed, out of memory) before it finished."""


class WorkerPool:
    """Calls run in ``workers`` spawned processes, each prepared once by ``initializer``.

    The pool starts on the first call (or ``start()``). A worker that dies fails only the calls it took down,
    with ``WorkerDied``; the next call starts a new pool, so one model's crash does not fail the rest of the
    night. Arguments and results cross the process boundary by pickling.
    """

    def __init__(self, workers: int, initializer: Callable[[], Any] | None = None) -> None:
        self.workers = workers
        self._initializer = initializer
        self._pool: Any = None
        self._lock = threading.Lock()

    def start(self) -> Any:
        with self._lock:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=self._initializer,
                )
            return self._pool

    def run(self, what: str, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in a worker; ``what`` names the work in the error if the worker dies."""
        from concurrent.futures.process import BrokenProcessPool

        pool = self.start()
        try:
            return pool.submit(function, *args, **kwargs).result()
        except BrokenProcessPool as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise WorkerDied(f"{what}: the worker process died before it finished ({exc})") from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
