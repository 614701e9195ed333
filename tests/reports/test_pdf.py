"""The board summary's PDF, printed by the real headless Chromium (the system package), checked as a person
would: poppler's pdfinfo counts its A4 pages, pdftoppm renders the first one, which must not be blank."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from govern.reports import pdf as printing
from govern.reports.pdf import CHROMIUM_ENV, find_chromium, html_to_pdf
from govern.reports.render import ReportError

try:
    CHROMIUM: str | None = find_chromium()
except ReportError:
    CHROMIUM = None
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium, or set GOVERN_CHROMIUM)"
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdfinfo, pdftoppm) is not installed",
)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>@page { size: A4; margin: 12mm; }
.next { break-before: page; } h1 { font-size: 40pt; background: #a61b1b; color: #fff; }</style></head>
<body><h1>ABOVE APPETITE</h1><p>first page</p><p class="next">second page</p></body></html>"""


def _first_page_ink(pdf: Path, tmp_path: Path) -> float:
    """The share of non-white pixels of the first page, rendered to a greyscale image at 30 dpi."""
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    (image,) = tmp_path.glob("page*.pgm")
    data = image.read_bytes()
    # binary PGM: "P5\n<w> <h>\n<max>\n" then one byte per pixel
    header, pixels = data.split(b"\n", 3)[:3], data.split(b"\n", 3)[3]
    width, height = (int(x) for x in header[1].split())
    pixels = pixels[: width * height]
    return sum(1 for p in pixels if p < 200) / len(pixels)


@needs_chromium
@needs_poppler
def test_the_pdf_is_printed_on_a4_pages_and_its_first_page_is_not_blank(tmp_path: Path) -> None:
    pdf = tmp_path / "board.pdf"
    pdf.write_bytes(html_to_pdf(PAGE))
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info  # the page break is kept
    assert "A4" in info
    assert _first_page_ink(pdf, tmp_path) > 0.01


@needs_chromium
@needs_poppler
def test_the_board_summary_prints(tmp_path: Path) -> None:
    """The real page of a hand-made month: at least two pages (the brief, then the detail), ink on the first."""
    from govern.reports.board import render_board
    from tests.reports.test_board import OCTOBER, _run, _summary
    from tests.respond.world import make_world

    world_iter = make_world(tmp_path)
    world = next(world_iter)
    try:
        _run(world, OCTOBER)
        html = render_board(_summary(world))
    finally:
        next(world_iter, None)  # the world's teardown (closes its database)
    pdf = tmp_path / "board.pdf"
    pdf.write_bytes(html_to_pdf(html))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2
    assert _first_page_ink(pdf, tmp_path) > 0.01
    if shutil.which("pdftotext") is not None:  # the brief stands alone on page 1; the detail starts on page 2

        def text(page: int) -> str:
            run = ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"]
            return subprocess.run(run, capture_output=True, text=True, check=True).stdout

        first, second = text(1), text(2)
        assert "ABOVE APPETITE" in first and "Decisions asked of the board" in first and "Top risks" in first
        assert second.lstrip().startswith("Models against the risk appetite")


def test_a_missing_browser_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, "no-such-chromium-here")
    with pytest.raises(ReportError, match="GOVERN_CHROMIUM must name a Chromium"):
        find_chromium()
    monkeypatch.delenv(CHROMIUM_ENV)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ReportError, match="chromium, chromium-browser, google-chrome must be on PATH"):
        html_to_pdf(PAGE)


# A stand-in for Chromium (a shell script): it notes its arguments, may start a helper that outlives it (as
# Chromium's zygote and crash handler can) and writes the PDF it is asked for, or hangs.
NOTE_ARGUMENTS = 'printf "%s\\n" "$@" > "$(dirname "$0")/arguments"\n'
START_HELPER = 'sleep 60 &\necho $! > "$(dirname "$0")/helper"\n'
WRITE_PDF = (
    'for a in "$@"; do case "$a" in --print-to-pdf=*) echo "%PDF-1.4 stand-in" > "${a#--print-to-pdf=}";; esac; done\n'
)


def _stand_in(tmp_path: Path, *steps: str) -> str:
    script = tmp_path / "chromium"
    script.write_text("#!/bin/sh\n" + "".join(steps), encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def _helper_gone(tmp_path: Path) -> bool:
    """Whether the stand-in's helper has been killed (waits up to 5 s; an unreaped zombie counts as gone)."""
    pid = int((tmp_path / "helper").read_text())
    try:
        for _ in range(50):
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                return True
            if state in ("Z", "X"):
                return True
            time.sleep(0.1)
        return False
    finally:  # never leave the helper running, whatever the code under test did
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(("euid", "sandboxed"), [(0, False), (1000, True)])
def test_the_sandbox_is_turned_off_only_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, euid: int, sandboxed: bool
) -> None:
    browser = _stand_in(tmp_path, NOTE_ARGUMENTS, WRITE_PDF)
    monkeypatch.setattr(printing.os, "geteuid", lambda: euid)
    assert html_to_pdf(PAGE, chromium=browser) == b"%PDF-1.4 stand-in\n"
    arguments = (tmp_path / "arguments").read_text().split("\n")
    assert "--headless" in arguments
    assert ("--no-sandbox" not in arguments) is sandboxed


def test_on_timeout_the_browser_and_its_helpers_are_killed(tmp_path: Path) -> None:
    browser = _stand_in(tmp_path, START_HELPER, "exec sleep 60\n")
    started = time.monotonic()
    with pytest.raises(ReportError, match="printing to PDF must finish within 1 s; it did not"):
        html_to_pdf(PAGE, chromium=browser, timeout=1)
    assert time.monotonic() - started < 10
    assert _helper_gone(tmp_path)


def test_a_helper_left_behind_neither_holds_the_print_nor_outlives_it(tmp_path: Path) -> None:
    """The browser printed and exited, its helper did not: the PDF is returned at once, and the helper killed."""
    browser = _stand_in(tmp_path, START_HELPER, WRITE_PDF)
    started = time.monotonic()
    assert html_to_pdf(PAGE, chromium=browser, timeout=20) == b"%PDF-1.4 stand-in\n"
    assert time.monotonic() - started < 10
    assert _helper_gone(tmp_path)


def test_a_browser_that_fails_is_quoted(tmp_path: Path) -> None:
    browser = _stand_in(tmp_path, 'echo "first" >&2\necho "[ERROR] no display" >&2\nexit 3\n')
    with pytest.raises(ReportError, match=r"got exit code 3 and no file \(first \| \[ERROR\] no display\)"):
        html_to_pdf(PAGE, chromium=browser)
