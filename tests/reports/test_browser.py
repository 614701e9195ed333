"""Hand-made pages in the system's headless Chromium: a name holding a script tag is shown as text and never
runs, the page raises no console error, and it reads the same with JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govern.reports import render, views
from tests.browser import Browser, browser
from tests.reports import nights


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as opened:
        yield opened


def _owner_page(tmp_path: Path) -> Path:
    report = views.owner_report(nights.with_findings(), config=nights.config())
    path = tmp_path / "reports" / "loan.html"
    path.parent.mkdir()
    path.write_text(render.render_owner_report(report), encoding="utf-8")
    return path


def test_a_feature_named_like_a_script_is_shown_as_text_and_never_runs(chromium: Browser, tmp_path: Path) -> None:
    with chromium.open(_owner_page(tmp_path), shot="owner-report-script-name") as opened:
        assert opened.problems == []  # an alert() that ran would be a dialog here
        assert opened.page.get_by_text(nights.SCRIPT).first.is_visible()
        assert opened.page.evaluate("document.scripts.length") == 0


def test_the_owner_report_reads_the_same_without_javascript(chromium: Browser, tmp_path: Path) -> None:
    page = _owner_page(tmp_path)
    with chromium.open(page) as on, chromium.open(page, javascript=False) as off:
        assert off.problems == []
        assert on.page.inner_text("main") == off.page.inner_text("main")
        assert off.page.locator("#banner").is_visible()
