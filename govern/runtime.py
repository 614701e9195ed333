"""The process environment the stack needs, set before Prefect, NannyML or MLflow are imported.

There is no network in production sandboxes and three of the libraries phone home by default; Prefect's
embedded API needs longer than its default 20 s to start on a small machine; and ``PREFECT_HOME`` belongs in
the project's state folder, not the user's home. Values already in the environment win, so an operator can
point at a real Prefect server with ``PREFECT_API_URL``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess


def configure_environment(state_dir: Path) -> None:
    """Set the defaults; call once, before the first import of prefect, nannyml or mlflow."""
    state_dir.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(state_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
        "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "NML_DISABLE_USAGE_LOGGING": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "1",
        "GIT_PYTHON_REFRESH": "quiet",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    quiet_library_warnings()


def quiet_library_warnings() -> None:
    """Silence the warnings of library internals that a nightly run's reader can do nothing about: NannyML's
    (per chunk: clipped thresholds, single-class chunks, its own pandas deprecations), numpy's and pandas'
    runtime warnings on empty or constant chunks, and the deprecation of the pandas option that NannyML
    needs (``govern.estimation._plain_strings``). The facts behind them are in the results as data.

    Call it at start-up, before threads: ``warnings.catch_warnings`` in one thread (Prefect and the libraries
    use it) restores the filter list it saw on entry, dropping filters another thread added meanwhile."""
    warnings.filterwarnings("ignore", module=r"nannyml(\..*)?$")
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"(numpy|pandas)(\..*)?$")
    warnings.filterwarnings("ignore", message=r".*'future\.infer_string' option is deprecated")


# ---------------------------------------------------------------------------------------------- process lifetime
#
# A run killed with SIGKILL runs no atexit hook, so nothing it started is stopped: Prefect's embedded API server
# (about 230 MB resident, stopped only by an atexit hook of Prefect's) and the worker processes (each holds both
# ends of its task queue's pipe, so the parent's death never reaches it as an end of file) live on as orphans.
# Two mechanisms, Linux only: each worker asks the kernel for a SIGKILL when its parent dies
# (``die_with_parent``), and a watchdog process stops whatever else is left (``end_descendants_with_this_process``).

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_SNAPSHOT_SECONDS = 0.5
# The watchdog of this process: (the pid it watches over, the watchdog, our end of its pipe).
_watchdog: tuple[int, subprocess.Popen[bytes], int] | None = None


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``); elsewhere do
    nothing. Call it first thing in a child process; ``parent_pid`` is the pid of the process that started it.

    If the parent died before the request was made, the kernel will never send the signal: the child has been
    adopted by another process already, so it exits at once (status 1) instead of living on as an orphan.

    The kernel's "parent" is the *thread* that started the child: the signal also comes when that thread ends
    while the rest of the parent lives on. Start such children from a thread that lives as long as they should
    (``govern.workers.WorkerPool`` does).
    """
    if sys.platform != "linux":
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"prctl(PR_SET_PDEATHSIG, SIGKILL) failed: {os.strerror(code)}")
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent is gone already: no one is left to tell, nor to clean up after us


def end_descendants_with_this_process(*, grace_seconds: float = 3.0) -> None:
    """Start a watchdog process that, once this process has ended in any way (``kill -9`` included), stops every
    process this one started, and their children, that still runs: SIGTERM, then SIGKILL after
    ``grace_seconds``. Linux only (it reads ``/proc``); elsewhere it does nothing. Calling it again does nothing.

    It is what ends Prefect's embedded API server with the run: Prefect starts it with a plain
    ``subprocess.Popen`` and stops it only from an atexit hook, which a SIGKILL never runs. The watchdog learns
    of the death at once, from the end of file on a pipe whose only writer is this process, and takes a fresh
    list of this process's descendants every 0.5 s: a process started less than that before the death is
    missed (the kernel hands orphans to init, and they no longer look like ours). It runs in a session of its
    own, so a Ctrl-C or a Ctrl-Z at the terminal reaches this process, not it. After a normal end it finds
    Prefect's server stopped already (by Prefect's atexit hook), stops anything else left, and exits: it costs
    about 12 MB and under 1 ms of CPU per 0.5 s.
    """
    global _watchdog
    import subprocess

    if sys.platform != "linux" or (_watchdog is not None and _watchdog[0] == os.getpid()):
        return
    read_end, write_end = os.pipe()  # neither end is inherited by the other children (PEP 446)
    try:
        watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG_MAIN, str(os.getpid()), str(grace_seconds)],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    _watchdog = (os.getpid(), watchdog, write_end)


_WATCHDOG_MAIN = (
    "import sys; from govern.runtime import watch_parent; watch_parent(int(sys.argv[1]), float(sys.argv[2]))"
)


def watch_parent(parent_pid: int, grace_seconds: float) -> None:
    """The watchdog's main (see ``end_descendants_with_this_process``): its standard input is the pipe whose
    writer is ``parent_pid``. Until the parent is gone, note its descendants; then stop those still running."""
    import select

    descendants: dict[int, int] = {}
    while os.getppid() == parent_pid:  # a fork of the parent may hold the pipe too: its end of file would wait
        descendants = _descendants(parent_pid, _process_table())
        readable, _, _ = select.select([sys.stdin.fileno()], [], [], _SNAPSHOT_SECONDS)
        if readable and not os.read(sys.stdin.fileno(), 1):
            break  # end of file: the parent's end of the pipe is closed, so the parent has ended
    _stop(descendants, grace_seconds)


def _process_table() -> dict[int, tuple[int, int]]:
    """Every live process: pid -> (parent pid, start time in clock ticks after boot, which tells a pid reused
    by a newer process from the one we knew), read from ``/proc/<pid>/stat``. Zombies are left out."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                line = stat.read()
        except OSError:  # it ended between the listing and the read
            continue
        # "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses, so split after it
        fields = line[line.rindex(b")") + 2 :].split()
        if fields[0] != b"Z":
            table[int(entry.name)] = (int(fields[1]), int(fields[19]))
    return table


def _descendants(root: int, table: dict[int, tuple[int, int]]) -> dict[int, int]:
    """The processes below ``root`` in ``table``, but not this one: pid -> start time."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, int] = {}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found and child != os.getpid():
                found[child] = table[child][1]
                todo.append(child)
    return found


def _stop(processes: dict[int, int], grace_seconds: float) -> None:
    """SIGTERM to ``processes`` (pid -> start time) and to the children they have now, then SIGKILL to those
    still running after ``grace_seconds``."""
    import time

    known = dict(processes)

    def running() -> dict[int, int]:
        table = _process_table()
        alive = {pid: start for pid, start in known.items() if table.get(pid, (0, None))[1] == start}
        for pid in list(alive):
            alive.update(_descendants(pid, table))
        return alive

    for signum, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 1.0)):
        targets = running()
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):  # it ended since we looked: that is what we want
                os.kill(pid, signum)
        known.update(targets)
        deadline = time.monotonic() + wait
        while running() and time.monotonic() < deadline:
            time.sleep(0.1)
