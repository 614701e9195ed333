"""HTML to PDF with headless Chromium's print to PDF (the page's own ``@page`` rules set the paper and margins).

The browser is found in this order: the executable ``GOVERN_CHROMIUM`` names (a path or a name on PATH), else
``chromium``, ``chromium-browser``, ``google-chrome`` on PATH. It runs in a throw-away profile with no network
use by the page (the pages fetch nothing: their Content Security Policy forbids it), and is given ``timeout``
seconds. Every failure is a ReportError saying what is missing or what the browser said.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from govern.reports.render import ReportError

CHROMIUM_ENV = "GOVERN_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 60.0


def find_chromium() -> str:
    """The Chromium (or Chrome) executable to print with; a ReportError naming what to install otherwise."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:  # asked for by name: that one or an error, never a silent fallback
        found = shutil.which(chosen)
        if found is None:
            raise ReportError(
                f"{CHROMIUM_ENV} must name a Chromium or Chrome executable; got {chosen!r}, which is not one"
            )
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ReportError(
        f"the PDF needs headless Chromium: one of {', '.join(CANDIDATES)} must be on PATH, or {CHROMIUM_ENV} must "
        "name it; got none (install the system package chromium, e.g. apt-get install chromium)"
    )


def html_to_pdf(html: str, *, timeout: float = TIMEOUT_SECONDS, chromium: str | None = None) -> bytes:
    """The PDF of a self-contained HTML page, printed by headless Chromium.

    The browser runs in a session (process group) of its own, killed once it has exited or run out of time:
    Chromium's helper processes (zygote, renderer, crash handler) must not outlive the print. Its sandbox is
    kept, except as root, where Chromium refuses to start with it."""
    browser = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="govern-pdf-") as folder:
        root = Path(folder)
        page, out, profile, log = root / "page.html", root / "page.pdf", root / "profile", root / "stderr.txt"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            *(["--no-sandbox"] if os.geteuid() == 0 else []),
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        with log.open("wb") as stderr:
            try:
                # stderr to a file, not a pipe: a helper still holding a pipe would keep us waiting after the exit
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
                )
            except OSError as exc:
                raise ReportError(f"{browser}: must run to print the PDF; got {type(exc).__name__}: {exc}") from exc
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                raise ReportError(f"{browser}: printing to PDF must finish within {timeout:g} s; it did not") from exc
            finally:
                _kill_session(process)
        if returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            said = log.read_bytes().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ReportError(
                f"{browser}: printing to PDF must write the file; got exit code {returncode} and "
                f"{'no file' if not out.is_file() else 'an empty file'} ({' | '.join(said) or 'no message'})"
            )
        return out.read_bytes()


def _kill_session(process: subprocess.Popen[bytes]) -> None:
    """Kill every process left in the browser's own process group (its id is the browser's pid, kept by the
    kernel while a member lives), then reap the browser itself."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # no such group: every process has exited
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
