"""A run killed with ``kill -9`` leaves nothing behind: its worker processes, whatever else it started and
Prefect's embedded API server end with it. Each test starts a real parent process, kills it with SIGKILL and
watches ``/proc`` for what it had started."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal and /proc are Linux's")


def running(pid: int) -> bool:
    """Alive, not a zombie waiting to be reaped (this machine's init may never reap the orphans it adopts)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except FileNotFoundError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def seconds_until_gone(pids: list[int], *, within: float) -> float:
    """How long the processes took to end after now; fails naming those still running after ``within``."""
    start = time.monotonic()
    while any(running(pid) for pid in pids):
        if time.monotonic() - start > within:
            alive = {pid: command_line(pid)[:120] for pid in pids if running(pid)}
            pytest.fail(f"still running {within} s after their parent was killed: {alive}")
        time.sleep(0.05)
    return time.monotonic() - start


class Parent:
    """A Python process running ``script``; the test reads the one line it prints when it is ready."""

    def __init__(self, script: str, folder: Path, args: list[str], env: dict[str, str | None]) -> None:
        folder.mkdir()
        path = folder / "parent.py"
        path.write_text(textwrap.dedent(script))
        environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.errors = folder / "stderr.txt"  # its children's too: multiprocessing's resource tracker warns there
        with self.errors.open("w") as errors:
            self.process = subprocess.Popen(
                [sys.executable, str(path), *args],
                cwd=ROOT,
                env={key: value for key, value in environment.items() if value is not None},
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        self.pid = self.process.pid
        self.started: list[int] = []  # killed when the test ends if still running, whatever its outcome

    def line(self, *, within: float) -> str:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], within)
        if not ready:
            pytest.fail(f"the parent printed nothing within {within} s; its errors: {self.tail_of_errors()}")
        line = self.process.stdout.readline()
        if not line:
            status = self.process.wait()
            pytest.fail(f"the parent ended (status {status}) before it was ready; its errors: {self.tail_of_errors()}")
        return line

    def tail_of_errors(self) -> str:
        return self.errors.read_text()[-2000:]

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait()

    def clean_up(self) -> None:
        for pid in [self.pid, *self.started]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()


StartParent = Callable[..., Parent]


@pytest.fixture
def start_parent(tmp_path: Path) -> Iterator[StartParent]:
    """``start_parent(script, *args, **env)``: a new parent process; ``None`` in ``env`` removes a variable."""
    parents: list[Parent] = []

    def start(script: str, *args: str, **env: str | None) -> Parent:
        parents.append(Parent(script, tmp_path / f"parent-{len(parents)}", list(args), env))
        return parents[-1]

    yield start
    for parent in parents:
        parent.clean_up()


WORKERS_PARENT = """
    import json, os, threading, time

    def sleep_then_pid(seconds):
        time.sleep(seconds)
        return os.getpid()

    if __name__ == "__main__":
        from govern.workers import WorkerPool

        pool = WorkerPool(2)
        pids = []
        # two calls at once, each from a thread that then ends: two workers, started by threads now gone
        threads = [threading.Thread(target=lambda: pids.append(pool.run("job", sleep_then_pid, 1.0))) for _ in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(json.dumps(sorted(pids)), flush=True)
        time.sleep(120)
"""


def test_the_workers_die_with_their_parent_killed_with_sigkill(start_parent: StartParent) -> None:
    parent = start_parent(WORKERS_PARENT)
    workers = json.loads(parent.line(within=60))
    parent.started += workers
    assert len(set(workers)) == 2 and parent.pid not in workers
    assert set(workers) <= set(children(parent.pid))
    assert all(running(pid) for pid in workers)  # the threads that started them have ended; they have not

    parent.kill()
    took = seconds_until_gone(workers, within=5)
    print(f"workers gone {took:.2f} s after kill -9")


def test_a_worker_whose_parent_died_before_it_asked_for_the_signal_exits_at_once() -> None:
    probe = "from govern.runtime import die_with_parent; die_with_parent(-1); print('still running')"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, "")


WATCHED_PARENT = """
    import json, subprocess, sys, time
    from govern.runtime import end_descendants_with_this_process

    end_descendants_with_this_process(grace_seconds=1.0)
    end_descendants_with_this_process()  # a second call starts no second watchdog
    sleep = "import time; time.sleep(120)"
    plain = subprocess.Popen([sys.executable, "-c", sleep])
    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + sleep]
    )
    nested = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {sleep!r}]); {sleep}"]
    )
    time.sleep(2.0)  # the grandchild has started, and the watchdog has seen it
    print(json.dumps([plain.pid, stubborn.pid, nested.pid]), flush=True)
    if sys.argv[1:] != ["exit"]:
        time.sleep(120)
"""


def watchdogs(parent: int) -> list[int]:
    return [pid for pid in children(parent) if "watch_parent" in command_line(pid)]


def test_the_watchdog_stops_what_its_parent_started_once_the_parent_is_killed(start_parent: StartParent) -> None:
    parent = start_parent(WATCHED_PARENT)
    started = json.loads(parent.line(within=60))
    grandchildren = [pid for child in started for pid in children(child)]
    watchdog = watchdogs(parent.pid)
    parent.started += started + grandchildren + watchdog
    assert len(grandchildren) == 1 and len(watchdog) == 1
    assert os.getsid(watchdog[0]) != os.getsid(parent.pid)  # a Ctrl-C at the terminal does not reach it

    parent.kill()
    took = seconds_until_gone(started + grandchildren, within=5)  # SIGTERM, then SIGKILL 1 s later for the stubborn
    print(f"children gone {took:.2f} s after kill -9")
    seconds_until_gone(watchdog, within=3)


def test_after_a_normal_exit_the_watchdog_stops_what_is_left_and_ends(start_parent: StartParent) -> None:
    parent = start_parent(WATCHED_PARENT, "exit")
    started = json.loads(parent.line(within=60))
    watchdog = watchdogs(parent.pid)
    parent.started += started + watchdog
    assert len(watchdog) == 1
    assert parent.process.wait(timeout=30) == 0
    seconds_until_gone(watchdog + started, within=5)


SERVER_PARENT = """
    import os, sys
    from pathlib import Path
    from govern.runtime import configure_environment, end_descendants_with_this_process

    configure_environment(Path(sys.argv[0]).parent / "state")
    end_descendants_with_this_process()
    from prefect import flow

    @flow
    def empty() -> None:
        pass

    empty()  # with no PREFECT_API_URL, Prefect starts its embedded API server in a subprocess for this
    print("done", flush=True)
    import time
    time.sleep(120)
"""


@pytest.mark.e2e
def test_the_embedded_prefect_server_dies_with_its_parent_killed_with_sigkill(
    start_parent: StartParent, tmp_path: Path
) -> None:
    parent = start_parent(
        SERVER_PARENT,
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PREFECT_API_URL=None,  # an operator's real server would mean no embedded one
    )
    assert parent.line(within=150).strip() == "done"
    servers = [pid for pid in children(parent.pid) if "uvicorn" in command_line(pid)]
    parent.started += servers + watchdogs(parent.pid)
    assert len(servers) == 1, [command_line(pid) for pid in children(parent.pid)]

    parent.kill()
    took = seconds_until_gone(servers, within=10)
    print(f"Prefect's server gone {took:.2f} s after kill -9")
