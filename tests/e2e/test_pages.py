"""End to end: the pages people read, as the demo month wrote them (the nightly flow renders each night's owner
reports, cards and overview; the demo's monthly run renders October's board summary), read from their JSON and
opened in the system's headless Chromium. Each planted incident must be visible in its owner report on the
right nights, in the overview, in the model's card and in the board summary; the healthy models' reports must
say OK."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo import FEED_INCIDENTS, INCIDENTS
from tests.browser import Browser, browser, not_blank, output_dir
from tests.e2e.conftest import DEMO_NIGHTS, DemoRun

pytestmark = pytest.mark.e2e

MONTH = "2026-10"
INCIDENT_MODELS = {i.model for i in INCIDENTS}
FEED_NIGHTS = {(m, n.isoformat()) for i in FEED_INCIDENTS for m in i.models for n in i.nights}


def _page(demo: DemoRun, relative: str) -> dict[str, Any]:
    """A page's JSON as the month left it."""
    return dict(json.loads((demo.month_runs / relative).read_text()))


def _models(demo: DemoRun) -> list[str]:
    return sorted(p.stem for p in (demo.root / "configs" / "models").glob("*.yaml"))


def _nights(first: dt.date, last: dt.date) -> list[str]:
    return [n for n in DEMO_NIGHTS if first.isoformat() <= n <= last.isoformat()]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as opened:
        yield opened


def test_every_night_has_every_page_beside_the_json_it_was_rendered_from(demo: DemoRun) -> None:
    models = _models(demo)
    missing = [
        f"{night}/{page}"
        for night in DEMO_NIGHTS
        for page in ["index.html", "index.json"]
        + [f"reports/{m}.{ext}" for m in models for ext in ("html", "md", "json")]
        if not (demo.month_runs / night / page).is_file()
    ]
    missing += [
        f"cards/{m}.{ext}"
        for m in models
        for ext in ("html", "md", "json")
        if not (demo.month_runs / "cards" / f"{m}.{ext}").is_file()
    ]
    missing += [
        f"board/{MONTH}.{ext}"
        for ext in ("html", "pdf", "json")
        if not (demo.month_runs / "board" / f"{MONTH}.{ext}").is_file()
    ]
    assert missing == []
    assert not list(demo.root.glob("reports/*.html")), "rendered pages go under the output folder, never the repo"


@pytest.mark.parametrize("incident", INCIDENTS, ids=lambda i: f"{i.model}-{i.kind}")
def test_each_planted_incident_is_in_its_owner_report_and_the_overview_from_the_night_it_is_caught(
    demo: DemoRun, incident: Any
) -> None:
    caught = incident.detect_by.isoformat()
    report = _page(demo, f"{caught}/reports/{incident.model}.json")
    assert report["banner"]["level"] == "incident", report["banner"]
    live = [
        i for i in report["incidents"] if i["fired_tonight"] or i["status"] in ("open", "acknowledged", "contained")
    ]
    assert live and all(i["model"] == incident.model or i["feed"] for i in live)
    assert report["banner"]["sev"] == min(i["sev"] for i in live)  # the worst live SEV leads
    row = next(r for r in _page(demo, f"{caught}/index.json")["rows"] if r["model"] == incident.model)
    assert (row["status"], row["sev"]) == ("incident", report["banner"]["sev"])
    before = [n for n in DEMO_NIGHTS if n < incident.first_night.isoformat() and (incident.model, n) not in FEED_NIGHTS]
    assert [n for n in before if _page(demo, f"{n}/reports/{incident.model}.json")["banner"]["level"] != "ok"] == []


def _incident_ids(demo: DemoRun, model: str | None = None, feed: str | None = None) -> set[int]:
    """The ids of the incidents the month opened for the model (or the feed), from the database as it left it."""
    import sqlite3

    with sqlite3.connect(demo.root / "governance-after-the-month.db") as db:
        if model is not None:
            rows = db.execute("select id from incidents where model = ?", (model,)).fetchall()
        else:
            rows = db.execute("select id from incidents where model is null and feed = ?", (feed,)).fetchall()
    return {int(r[0]) for r in rows}


@pytest.mark.parametrize("incident", INCIDENTS, ids=lambda i: f"{i.model}-{i.kind}")
def test_each_planted_incident_is_in_the_models_card_and_the_board_summary(demo: DemoRun, incident: Any) -> None:
    ids = _incident_ids(demo, model=incident.model)
    assert ids
    card = _page(demo, f"cards/{incident.model}.json")
    on_card = {i["id"] for i in card["incidents"]} | {i["id"] for i in card["past_incidents"]}
    assert ids <= on_card, sorted(ids - on_card)
    board = _page(demo, f"board/{MONTH}.json")
    (risk,) = [r for r in board["top_risks"] if r["model"] == incident.model]
    assert set(risk["incidents"]) == ids


def test_the_feed_incident_is_in_the_board_summary_and_each_models_report(demo: DemoRun) -> None:
    (feed,) = FEED_INCIDENTS
    ids = _incident_ids(demo, feed=feed.feed)
    board = _page(demo, f"board/{MONTH}.json")
    assert [set(r["incidents"]) for r in board["top_risks"] if r["feed"] == feed.feed] == [ids]
    for model in feed.models:
        report = _page(demo, f"{feed.night.isoformat()}/reports/{model}.json")
        assert {i["id"] for i in report["incidents"] if i["fired_tonight"]} == ids
        assert report["banner"]["level"] == "incident"


def test_the_healthy_models_reports_say_ok_but_while_their_feed_fails(demo: DemoRun) -> None:
    feed_of = {m: i for i in FEED_INCIDENTS for m in i.models}
    not_ok = []
    for model in set(_models(demo)) - INCIDENT_MODELS:
        for night in DEMO_NIGHTS:
            report = _page(demo, f"{night}/reports/{model}.json")
            if report["banner"]["level"] == "ok":
                continue
            feed = feed_of.get(model)
            # the feed's night, and the next while its incident waits for the people's steps of that morning
            if feed and feed.night.isoformat() <= night <= (feed.last_night + dt.timedelta(days=1)).isoformat():
                assert all(i["feed"] == feed.feed for i in report["incidents"]), report["incidents"]
                continue
            not_ok.append((model, night, report["banner"]))
    assert not_ok == []


def test_the_overview_accounts_for_every_model_every_night(demo: DemoRun) -> None:
    models = _models(demo)
    for night in DEMO_NIGHTS:
        overview = _page(demo, f"{night}/index.json")
        assert sorted(r["model"] for r in overview["rows"]) == models
        for row in overview["rows"]:
            report = _page(demo, f"{night}/reports/{row['model']}.json")
            assert (row["status"], row["sev"]) == (report["banner"]["level"], report["banner"]["sev"])


def _open(chromium: Browser, path: Path, shot: str, *, badge: str, expect: list[str]) -> str:
    """The page in Chromium: no problem, the banner visible with ``badge`` on it, a screenshot not blank, and
    each of ``expect`` in its text (returned)."""
    with chromium.open(path, shot=shot) as opened:
        assert opened.problems == [], f"{path}: {opened.problems}"
        assert opened.page.locator("#banner").is_visible()
        assert opened.page.locator("#banner .badge").inner_text().strip() == badge
        text = str(opened.page.inner_text("body"))
        assert opened.screenshot is not None and not_blank(opened.screenshot) > 0.02
    for words in expect:
        assert words in text, f"{path}: {words!r} is not on the page"
    return text


def test_each_kind_of_page_renders_in_a_browser_with_its_verdict_and_the_planted_incident(
    demo: DemoRun, chromium: Browser
) -> None:
    loan = next(i for i in INCIDENTS if i.model == "loan_approval_us")
    night, runs = loan.detect_by.isoformat(), demo.month_runs
    loan_ids = sorted(_incident_ids(demo, model=loan.model))
    _open(chromium, runs / night / "reports" / "loan_approval_us.html", "owner-report-incident", badge="INCIDENT SEV2",
          expect=[f"Incident #{loan_ids[0]}", "annual_income", "Data validation", "Drift", "Fairness"])  # fmt: skip
    _open(chromium, runs / night / "reports" / "churn_telecom.html", "owner-report-ok", badge="OK",
          expect=["Every check in force was made and passed"])  # fmt: skip
    _open(chromium, runs / night / "index.html", "fleet-overview", badge="INCIDENT SEV1", expect=["loan_approval_us"])
    with chromium.open(runs / night / "index.html") as opened:  # the planted incident in its model's row
        row = opened.page.locator('#fleet tr[data-model="loan_approval_us"]')
        assert row.is_visible() and "INCIDENT SEV2" in row.inner_text()
    _open(chromium, runs / "cards" / "credit_default_pd.html", "model-card", badge="OK",
          expect=["after version 3 (a rollback)"])  # fmt: skip
    board = _open(chromium, runs / "board" / f"{MONTH}.html", "board-summary", badge="ABOVE APPETITE", expect=[])
    top = board[board.index("Top risks") : board.index("Models against the risk appetite")]
    assert all(words in top for words in [i.model for i in INCIDENTS] + ["credit_bureau"]), top


def test_the_overview_sorts_and_filters_with_javascript_and_is_complete_without(
    demo: DemoRun, chromium: Browser
) -> None:
    page = demo.month_runs / "2026-10-18" / "index.html"
    with chromium.open(page, javascript=False) as off:
        assert off.page.locator("#fleet tbody tr[data-model]").count() == len(_models(demo))
        assert off.page.locator("#filters").is_hidden()
    with chromium.open(page) as on:
        rows = on.page.locator("#fleet tbody tr[data-model]")
        first = rows.first.get_attribute("data-model")
        on.page.get_by_role("button", name="model", exact=True).click()
        names = [rows.nth(k).get_attribute("data-model") for k in range(rows.count())]
        assert names == sorted(names) and names[0] != first
        on.page.locator("#filters input").first.fill("loan_approval")
        assert [r for r in range(rows.count()) if rows.nth(r).is_visible()] != []
        assert all(
            "loan_approval" in str(rows.nth(r).get_attribute("data-model"))
            for r in range(rows.count())
            if rows.nth(r).is_visible()
        )
        assert on.problems == []


def test_the_board_pdf_is_paginated_and_not_blank(demo: DemoRun) -> None:
    pdf = demo.month_runs / "board" / f"{MONTH}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 2 <= pages <= 20, info
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    assert "(A4)" in size, size
    prefix = output_dir() / "pages" / "board-pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(prefix)], check=True)
    images = sorted(prefix.parent.glob("board-pdf-*.png"))
    assert len(images) == pages
    assert all(not_blank(image) > 0.01 for image in images), [not_blank(i) for i in images]


def test_govern_report_writes_each_kind_of_page_and_prints_where(demo: DemoRun) -> None:
    import sys

    govern = str(Path(sys.executable).parent / "govern")
    fleet = ["--fleet", str(demo.fleet_path)]
    before = (demo.runs / "2026-10-18" / "reports" / "loan_approval_us.html").read_bytes()
    commands = {
        ("owner", "loan_approval_us", "--night", "2026-10-18"): "2026-10-18/reports/loan_approval_us.html",
        ("fleet", "--night", "2026-10-18"): "2026-10-18/index.html",
        ("card", "loan_approval_us"): "cards/loan_approval_us.html",
        ("board", "--month", MONTH, "--no-pdf"): f"board/{MONTH}.html",
    }
    for args, page in commands.items():
        done = subprocess.run([govern, "report", *args, *fleet], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert str(demo.runs / page) in done.stdout.splitlines()
    # the same night rendered again is the same page: what the owner read that morning
    assert (demo.runs / "2026-10-18" / "reports" / "loan_approval_us.html").read_bytes() == before
    wrong = subprocess.run([govern, "report", "owner", "loan_aproval_us", *fleet], capture_output=True, text=True)
    assert wrong.returncode == 2 and "loan_approval_us" in wrong.stderr and "loan_aproval_us" in wrong.stderr
