"""A real HTTP receiver on 127.0.0.1 for notification tests: records every request and answers as told.

    with Receiver() as hook:                    # mode "ok": 200
        ... deliver to hook.url + "/hooks/abc" ...
        assert hook.requests[0].json["title"] == ...
    Receiver(mode="fail")                       # 500 to everything
    Receiver(mode="slow", delay=3.0)            # waits `delay` seconds before answering 200
    closed_url()                                # an http URL on a port nobody listens on ("down")

The mode can be changed while it runs (``hook.mode = "fail"``). Requests are recorded before the answer, so a
slow or failing request is still seen.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Mode = Literal["ok", "fail", "slow"]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the receiver saw it; ``json`` is the parsed body, None when it is not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any


class Receiver:
    """An HTTP server on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, mode: Mode = "ok", *, delay: float = 2.0) -> None:
        self.mode: Mode = mode
        self.delay = delay
        self._requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-receiver", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash: append a path)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes slow handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                receiver._record(ReceivedRequest(self.command, self.path, dict(self.headers.items()), body, parsed))
                if receiver.mode == "slow":
                    receiver._stopping.wait(receiver.delay)
                status = 500 if receiver.mode == "fail" else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"no")
                except OSError:  # the client gave up (a timeout): nothing to answer
                    pass

            do_POST = do_GET = do_PUT = _answer

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
                return

        return Handler


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound once to find it free, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_url() -> str:
    """``http://127.0.0.1:<closed port>``: connecting is refused, the way a receiver that is down behaves."""
    return f"http://127.0.0.1:{closed_port()}"
