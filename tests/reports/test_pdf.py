"""The board summary's PDF, printed by the real headless Chromium (the system package), checked as a person
would: poppler's pdfinfo counts its A4 pages, pdftoppm renders the first one, which must not be blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

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
        world_iter.close()
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
