"""The README's screenshots: the first screen of each kind of page the demo month wrote, in headless Chromium.

    make demo && .venv/bin/python docs/screenshots.py [--runs runs]

Writes ``docs/screenshots/{owner-report,fleet-overview,model-card,board-summary}.png`` (1280 x 1000 pixels, the
top of each page: the verdict and what follows it). The tests take full-page screenshots of their own pages into
``test-output/pages/``.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "owner-report": "2026-10-18/reports/loan_approval_us.html",
    "fleet-overview": "2026-10-18/index.html",
    "model-card": "cards/credit_default_pd.html",
    "board-summary": "board/2026-10.html",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=str(ROOT / "runs"), help="the demo's output folder")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("GOVERN_CHROMIUM") or shutil.which("chromium") or shutil.which("google-chrome")
    if not chromium:
        raise SystemExit("the screenshots need headless Chromium: install chromium or set GOVERN_CHROMIUM")
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        for name, relative in PAGES.items():
            source = Path(args.runs) / relative
            if not source.is_file():
                raise SystemExit(f"{source} must exist: run `make demo` first")
            page.goto(source.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(out / f"{name}.png"))
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
