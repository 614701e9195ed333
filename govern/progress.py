"""Progress of the run in this process, for whoever watches it (the command line's progress bar): each model's
night is announced as it is done. Listeners are called in the thread that finished the model; one that fails
is logged and dropped, never the night's problem."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from govern.results import ModelNightResult

log = logging.getLogger(__name__)

Listener = Callable[[ModelNightResult], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


@contextlib.contextmanager
def watch(listener: Listener) -> Iterator[None]:
    """Call ``listener`` with every model's result as it is done, while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)


def model_done(result: ModelNightResult) -> None:
    """Announce one model's finished night."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(result)
        except Exception:  # a broken progress display must not break the night
            log.exception("progress listener failed; dropped")
            with _lock:
                if listener in _listeners:
                    _listeners.remove(listener)
