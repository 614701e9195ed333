"""Pages opened as a person opens them: the system's headless Chromium (installed by the set-up step, never
downloaded), driven by Playwright. ``open_page`` loads a file, records every console message of level error or
warning and every uncaught exception, and takes a full-page screenshot into the tests' output folder
(``GOVERN_TEST_OUTPUT``, default ``test-output/`` at the top of the repository), so that a person can look at
what the test saw."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def output_dir() -> Path:
    folder = Path(os.environ.get("GOVERN_TEST_OUTPUT", ROOT / "test-output"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_path() -> str:
    """The system's Chromium: ``GOVERN_CHROMIUM``, else the first of chromium, chromium-browser, google-chrome
    on the PATH. The tests fail (never skip) without one: CI installs it in the set-up step."""
    chosen = os.environ.get("GOVERN_CHROMIUM")
    found = chosen or next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if not found:
        raise AssertionError(
            "the page tests need headless Chromium: run the set-up step (make test installs chromium and "
            "poppler-utils with apt-get) or set GOVERN_CHROMIUM"
        )
    return found


@dataclass
class Opened:
    page: Any
    """The Playwright page."""
    problems: list[str] = field(default_factory=list)
    """Console errors and warnings, uncaught exceptions, dialogs (an alert() that ran), failed requests."""
    screenshot: Path | None = None


class Browser:
    def __init__(self, browser: Any) -> None:
        self._browser = browser

    @contextmanager
    def open(self, path: Path, *, shot: str | None = None, javascript: bool = True) -> Iterator[Opened]:
        """``path`` opened in a fresh context (1280 px wide); ``shot``: the screenshot's name."""
        context = self._browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
        page = context.new_page()
        opened = Opened(page)
        page.on(
            "console",
            lambda m: opened.problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: opened.problems.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: opened.problems.append(f"request failed: {r.url}"))

        def dialog(d: Any) -> None:
            opened.problems.append(f"dialog {d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        try:
            page.goto(path.resolve().as_uri(), wait_until="load")
            if shot:
                opened.screenshot = output_dir() / "pages" / f"{shot}.png"
                opened.screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(opened.screenshot), full_page=True)
            yield opened
        finally:
            context.close()


@contextmanager
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield Browser(launched)
        finally:
            launched.close()


def not_blank(png: Path) -> float:
    """The share of the image's pixels that are not (near) white."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L"))
    return float((pixels < 245).mean())
