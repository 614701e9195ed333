"""The fleet overview: one row per model of the fleet (a missing one included), worst first, counted, its
sparklines the owner reports' series, its one script allowed by its hash, its names shown as text, its JSON the
view; then read from a real store and incident database with a feed's incident."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from govern.reports import fleet, views
from govern.reports.views import window_nights
from govern.respond import incidents as incident_store
from govern.results import Evidence, ModelNightResult, StageError
from govern.store import ResultsStore
from tests import evidence_factory as ef
from tests.reports import nights
from tests.reports.html import assert_balanced
from tests.reports.nights import NIGHT, SCRIPT
from tests.reports.test_views import incident, line
from tests.respond.world import CRITICAL, NIGHTS, at_of, finding, make_world, night, result


def renamed(r: ModelNightResult, model: str, unit: str | None = "lending", **update: Any) -> ModelNightResult:
    return r.model_copy(update={"model": model, "business_unit": unit, **update})


def report(r: ModelNightResult, *live: views.IncidentView, **kw: Any) -> views.OwnerReport:
    return views.owner_report(r, incidents=list(live), **kw)


def in_error(model: str, unit: str) -> ModelNightResult:
    return ModelNightResult(
        model=model,
        night=NIGHT,
        status="error",
        business_unit=unit,
        risk_tier="low",
        evidence=Evidence(model_version="4", rows=10),
        errors=(StageError(stage="drift", error="ValueError", message="the reference has no rows"),),
    )


@pytest.fixture(scope="module")
def overview() -> fleet.FleetOverview:
    """Nine models: two under incident (SEV2 in unit b, with a resolved one that fired tonight; SEV1 in unit
    z), one in error, one unreadable, one without a result, one to watch, three healthy (units a, b, none: named
    so that their names sort the other way)."""
    reports = {
        "sev2": report(
            renamed(nights.with_findings(), "sev2", "b_unit"),
            incident(2, "SEV2"),
            incident(4, "SEV3", status="resolved"),
        ),
        "sev1": report(renamed(nights.with_findings(), "sev1", "z_unit"), incident(1, "SEV1"), incident(3, "SEV3")),
        "stalled": report(in_error("stalled", "a_unit")),
        "watched": report(renamed(nights.with_findings(), "watched", "a_unit")),
        "ok_y": report(renamed(nights.healthy(), "ok_y", "b_unit")),
        "ok_z": report(renamed(nights.healthy(), "ok_z", "a_unit")),
        "ok_a": report(renamed(nights.healthy(), "ok_a", None)),
    }
    configs = [nights.config(name="silent", business_unit="ops", risk_tier="critical")]
    return fleet.build_fleet_overview(
        NIGHT,
        fleet="test",
        reports=reports,
        models=configs,
        unreadable={"garbled": "tonight's result cannot be read: not JSON"},
        incidents={"silent": (), "garbled": ()},
    )


# ---------------------------------------------------------------------------------------------- the view


def test_every_model_is_a_row_the_missing_and_the_unreadable_saying_so(overview: fleet.FleetOverview) -> None:
    assert {r.model for r in overview.rows} == {
        "sev1", "sev2", "stalled", "garbled", "silent", "watched", "ok_z", "ok_y", "ok_a"
    }  # fmt: skip
    silent = overview.row("silent")
    assert (silent.status, silent.label, silent.result_status) == ("missing", "NO RESULT", None)
    assert silent.headline == "No result is recorded for tonight: the model was not checked"
    assert (silent.business_unit, silent.risk_tier, silent.owner) == ("ops", "critical", "Ada <ada@example.com>")
    assert silent.links == fleet.RowLinks(report=None, card="../cards/silent.html", result_json=None)
    assert silent.trend is None and silent.incidents == ()
    garbled = overview.row("garbled")
    assert (garbled.status, garbled.label) == ("error", "ERROR")
    assert garbled.headline == "No report tonight: tonight's result cannot be read: not JSON"
    stalled = overview.row("stalled")  # a stage could not run: the owner banner says watch, the fleet says error
    assert (stalled.status, stalled.label, stalled.serving_version) == ("error", "ERROR", "4")
    assert stalled.headline == "1 stage could not run: the checks are incomplete"


def test_the_status_is_the_owner_report_s_banner(overview: fleet.FleetOverview) -> None:
    sev1 = overview.row("sev1")
    assert (sev1.status, sev1.sev, sev1.label) == ("incident", "SEV1", "INCIDENT SEV1")
    assert (
        sev1.headline == "Incident #1 (open): sev1: fairness.impact_ratio on race: 0.7 vs >= 0.8 and 1 more"
    )  # tonight
    assert sev1.open_by_sev == (("SEV1", 1), ("SEV3", 1)) and sev1.n_open == 2
    assert [(i.id, i.href) for i in sev1.incidents or ()] == [
        (1, "reports/sev1.html#incident-1"),
        (3, "reports/sev1.html#incident-3"),
    ]
    assert (overview.row("watched").status, overview.row("watched").label) == ("watch", "WATCH")
    fine = overview.row("ok_z")
    assert (fine.status, fine.label, fine.serving_version, fine.risk_tier) == ("ok", "OK", "2", "high")
    assert fine.links == fleet.RowLinks("reports/ok_z.html", "../cards/ok_z.html", "models/ok_z.json")
    sev2 = overview.row("sev2")  # a resolved incident that fired tonight is live, but not open
    assert [(i.id, i.status) for i in sev2.incidents or ()] == [(2, "open"), (4, "resolved")]
    assert (sev2.sev, sev2.open_by_sev, sev2.n_open) == ("SEV2", (("SEV2", 1),), 1)


def test_rows_come_worst_first_then_by_business_unit(overview: fleet.FleetOverview) -> None:
    assert [r.model for r in overview.rows] == [
        "sev1",  # incident SEV1
        "sev2",  # incident SEV2
        "stalled",  # error, a_unit
        "garbled",  # error, no unit
        "silent",  # no result
        "watched",  # watch
        "ok_z",  # OK, a_unit
        "ok_y",  # OK, b_unit
        "ok_a",  # OK, no unit: last
    ]
    assert [r.rank for r in overview.rows] == [0, 1, 5, 5, 6, 7, 8, 8, 8]


def test_counts_and_the_verdict_in_plain_words(overview: fleet.FleetOverview) -> None:
    assert [(c.status, c.n) for c in overview.counts] == [
        ("incident", 2), ("error", 2), ("missing", 1), ("watch", 1), ("ok", 3)
    ]  # fmt: skip
    assert overview.models_by_sev == (("SEV1", 1), ("SEV2", 1))
    assert overview.n_open_incidents == 3 and overview.open_by_sev == (("SEV1", 1), ("SEV2", 1), ("SEV3", 1))
    assert overview.verdict == (
        "6 models need attention: 2 under incident (1 SEV1, 1 SEV2), 2 in error, 1 without a result tonight, "
        "1 to watch; 3 OK."
    )
    assert (overview.banner.level, overview.banner.label) == ("incident", "INCIDENT SEV1")
    assert overview.business_units == ("a_unit", "b_unit", "ops", "z_unit")
    assert overview.risk_tiers == ("low", "high", "critical")  # by tier, not alphabet


def test_a_healthy_fleet_says_so_and_a_fleet_read_without_incidents_says_what_it_lacks() -> None:
    two = {m: report(renamed(nights.healthy(), m)) for m in ("a", "b")}
    ok = fleet.build_fleet_overview(NIGHT, fleet="f", reports=two)
    assert (ok.verdict, ok.banner.level, ok.banner.label) == ("All 2 models OK.", "ok", "OK")
    unread = {m: views.owner_report(renamed(nights.with_findings(), m)) for m in ("a", "b")}
    blind = fleet.build_fleet_overview(NIGHT, fleet="f", reports=unread)
    assert not blind.incidents_read and blind.n_open_incidents is None
    assert blind.verdict == (
        "2 models need attention: 2 to watch; none OK. The incident database was not read: incidents are not shown."
    )
    assert all(r.incidents is None for r in blind.rows)
    assert "not read" in fleet.render_fleet_overview(blind)


def test_a_feed_incident_is_listed_once_with_its_models() -> None:
    feed = dataclass_replace(incident(9, "SEV2"), model=None, feed="bureau", title="feed bureau: credit_score empty")
    reports = {m: report(renamed(nights.with_findings(), m), feed) for m in ("bureau_b", "bureau_a")}
    reports["other"] = report(renamed(nights.healthy(), "other"))
    view = fleet.build_fleet_overview(NIGHT, fleet="f", reports=reports, models=[nights.config(name="bureau_c")])
    (listed,) = view.feed_incidents
    assert listed.incident.id == 9 and listed.fired_tonight
    assert listed.models == (
        fleet.ModelLink("bureau_a", "reports/bureau_a.html#incident-9"),
        fleet.ModelLink("bureau_b", "reports/bureau_b.html#incident-9"),
    )
    assert view.n_open_incidents == 1  # one incident, however many models it holds
    assert view.verdict.endswith("A feed incident is live: bureau (SEV2, open).")
    assert view.row("bureau_a").incidents is not None and view.row("bureau_a").incidents[0].feed == "bureau"
    html = fleet.render_fleet_overview(view)
    section = html[html.index('id="feed-incidents"') :]
    assert 'id="incident-9"' in section and '<a href="reports/bureau_a.html#incident-9">bureau_a</a>' in section


# ---------------------------------------------------------------------------------------------- sparklines


def test_the_sparkline_is_the_history_over_30_nights() -> None:
    history = [
        line("2026-10-14", 0.84),
        line("2026-10-15", 0.83, realized=(0.80, "2026-10-10")),
        line("2026-10-16", 0.50, quarantined=True),
        line("2026-10-17", 0.82),
    ]
    view = fleet.build_fleet_overview(NIGHT, fleet="f", reports={"loan": report(nights.healthy(), history=history)})
    trend = view.row("loan").trend
    assert trend is not None and trend.nights == window_nights(NIGHT, 30) and len(trend.nights) == 30
    expected = {"2026-10-14": 0.84, "2026-10-15": 0.83, "2026-10-17": 0.82, NIGHT: 0.84}  # tonight: its own result
    assert trend.estimated == tuple(expected.get(n) for n in trend.nights)  # the quarantined night is a gap
    assert trend.realized == tuple(0.80 if n == "2026-10-10" else None for n in trend.nights)
    assert (trend.realized_latest, trend.realized_batch_night) == (0.80, "2026-10-10")
    assert (trend.metric, trend.minimum, trend.threshold) == ("roc_auc", 0.75, 0.75)
    assert trend.headroom == pytest.approx((0.80 - 0.75) / 0.75)  # the worse of the estimate and the realized
    assert not trend.estimated_alert and not trend.realized_alert
    # drawn: two runs of the estimate (10-14, 10-15 | 10-17, 10-18), the single realized point
    row_html = _row_html(fleet.render_fleet_overview(view), "loan")
    estimated, realized = re.findall(r"<svg\b.*?</svg>", row_html, flags=re.S)
    assert [len(p.split()) for p in re.findall(r'<polyline points="([^"]*)"', estimated)] == [2, 2]
    assert [len(p.split()) for p in re.findall(r'<polyline points="([^"]*)"', realized)] == [1]
    assert "roc_auc, estimated, 2026-09-19 to 2026-10-18: tonight 0.840; SLA at least 0.75" in estimated


def test_a_breached_sla_reddens_the_last_point_and_sorts_first() -> None:
    view = fleet.build_fleet_overview(NIGHT, fleet="f", reports={"loan": report(nights.with_findings())})
    trend = view.row("loan").trend
    assert trend is not None and trend.estimated_tonight == 0.70 and trend.estimated_alert
    assert trend.realized_alert and trend.realized_latest == 0.72  # the realized figure of tonight's result
    assert trend.headroom == pytest.approx((0.70 - 0.75) / 0.75)  # the estimate is the worse figure
    cell = re.search(r'<td class="trend" data-value="([^"]*)"', _row_html(fleet.render_fleet_overview(view), "loan"))
    assert cell is not None and float(cell.group(1)) == pytest.approx(trend.headroom)


# ---------------------------------------------------------------------------------------------- the page


def test_the_page_holds_every_row_in_order_without_javascript(overview: fleet.FleetOverview) -> None:
    html = fleet.render_fleet_overview(overview)
    assert re.findall(r'<tr [^>]*data-model="([^"]*)"', html) == [r.model for r in overview.rows]
    assert re.search(r'<table id="fleet">', html) and re.search(r'<header class="banner [^"]*" id="banner">', html)
    assert re.search(r'<form id="filters" hidden>', html)  # the controls appear only with the script
    assert '<a href="reports/sev1.html"><b>sev1</b></a>' in html
    assert re.findall(r'href="([^"]*)"', _row_html(html, "silent")) == ["../cards/silent.html"]  # no dead link
    assert "1 fired tonight, since resolved" in _row_html(html, "sev2")
    assert overview.verdict in html


def test_the_only_script_is_allowed_by_its_hash(overview: fleet.FleetOverview) -> None:
    page = _Page()
    page.feed(fleet.render_fleet_overview(overview))
    (script,) = page.scripts
    (policy,) = page.csp
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    sources = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert sources["script-src"] == f"'sha256-{digest}'" and sources["default-src"] == "'none'"
    assert "unsafe-inline" not in sources["script-src"] and script == fleet.FLEET_SCRIPT


def test_a_name_holding_a_script_tag_is_shown_as_text() -> None:
    tricky = renamed(nights.with_findings(), SCRIPT, SCRIPT)
    live = dataclass_replace(incident(5, "SEV1"), title=f"{SCRIPT} broke")
    view = fleet.build_fleet_overview(NIGHT, fleet=SCRIPT, reports={SCRIPT: report(tricky, live)})
    html = fleet.render_fleet_overview(view)
    assert SCRIPT not in html and html.count("<script") == 1  # ours, and only ours
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="reports/%3Cscript%3Ealert%281%29%3C%2Fscript%3E.html"' in html
    assert 'data-model="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


@pytest.mark.parametrize("which", ["overview", "healthy"])
def test_the_html_is_balanced(which: str, overview: fleet.FleetOverview) -> None:
    view = overview if which == "overview" else fleet.build_fleet_overview(NIGHT, fleet="f", reports={})
    assert_balanced(fleet.render_fleet_overview(view))


def test_published_json_is_the_view_and_the_html_its_page(overview: fleet.FleetOverview, tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    written = fleet.publish_fleet_overview(store, overview)
    assert written == [f"{tmp_path}/{NIGHT}/index.html", f"{tmp_path}/{NIGHT}/index.json"]
    document = json.loads(store.read_page(f"{NIGHT}/index.json") or b"")
    assert document == json.loads(json.dumps(views.as_dict(overview)))
    assert document["rows"][0]["model"] == "sev1" and document["verdict"] == overview.verdict
    assert (store.read_page(f"{NIGHT}/index.html") or b"").decode() == fleet.render_fleet_overview(overview)


# ---------------------------------------------------------------------------------------------- from the store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three healthy nights; on the fourth the bureau feed fails for its three models (one feed incident),
    credit's estimate breaks its SLA, "healthy" records no result and payments' result is garbled."""
    generator = make_world(tmp_path_factory.mktemp("fleet"))
    w = next(generator)
    for k, each in enumerate(NIGHTS[:3]):
        night(w, each, {"hiring": measured("hiring", each, 0.80 + k / 100)})
    tonight = NIGHTS[3]
    special = {f"bureau_{x}": result(f"bureau_{x}", tonight, finding(*CRITICAL)) for x in "abc"}
    special["hiring"] = measured("hiring", tonight, 0.83)
    special["credit"] = result("credit", tonight, finding("performance.estimated_roc_auc", "roc_auc", 0.66, 0.78))
    store: ResultsStore = w["store"]
    for name in w["fleet"].models:
        if name != "healthy":
            store.write_result(special.get(name) or result(name, tonight))
    w["responder"].respond(tonight, at=at_of(tonight))
    (Path(w["fleet"].output) / tonight / "models" / "payments.json").write_text("{not json")
    yield w
    next(generator, None)


def test_read_from_the_store_and_the_incident_database(world: dict[str, Any]) -> None:
    tonight = NIGHTS[3]
    with world["db"].session() as session:
        view = fleet.fleet_overview(world["fleet"], tonight, store=world["store"], session=session)
        (feed_incident,) = [i for i in incident_store.listing(session) if i.model is None]
        (credit_incident,) = incident_store.listing(session, model="credit")
    status = {r.model: r.status for r in view.rows}
    assert status == {
        "bureau_a": "incident", "bureau_b": "incident", "bureau_c": "incident", "credit": "incident",
        "payments": "error", "healthy": "missing", "hiring": "ok", "loan": "ok",
    }  # fmt: skip
    assert view.row("healthy").headline == "No result is recorded for tonight: the model was not checked"
    assert view.row("payments").headline.startswith("No report tonight: tonight's result cannot be read")
    (listed,) = view.feed_incidents
    assert listed.incident.id == feed_incident.id and listed.incident.feed == "bureau"
    assert [m.model for m in listed.models] == ["bureau_a", "bureau_b", "bureau_c"]
    assert view.row("credit").open_by_sev == ((credit_incident.sev, 1),)
    assert view.n_open_incidents == 2
    by_sev = dict(view.models_by_sev)
    assert sum(by_sev.values()) == 4 and by_sev.get(feed_incident.sev, 0) >= 3
    # the sparkline of a healthy model holds its four nights, read from the store
    trend = view.row("hiring").trend
    assert trend is not None
    figures = {n: v for n, v in zip(trend.nights, trend.estimated, strict=True) if v is not None}
    assert figures == pytest.approx({NIGHTS[0]: 0.80, NIGHTS[1]: 0.81, NIGHTS[2]: 0.82, NIGHTS[3]: 0.83})
    html = fleet.render_fleet_overview(view)
    assert f'id="incident-{feed_incident.id}"' in html


def test_pre_read_histories_are_used_as_given(world: dict[str, Any]) -> None:
    tonight = NIGHTS[3]
    planted = {"hiring": [line(NIGHTS[0], 0.5)]}
    view = fleet.fleet_overview(world["fleet"], tonight, store=world["store"], histories=planted)
    trend = view.row("hiring").trend
    assert trend is not None
    figures = {n: v for n, v in zip(trend.nights, trend.estimated, strict=True) if v is not None}
    assert figures == pytest.approx({NIGHTS[0]: 0.5, NIGHTS[3]: 0.83})  # the store's other nights not read
    assert not view.incidents_read and view.row("credit").status == "watch"  # no session: no incident


# ---------------------------------------------------------------------------------------------- helpers


def measured(model: str, on: str, estimate: float) -> ModelNightResult:
    """A healthy night with its SLA metric (roc_auc) estimated."""
    base = result(model, on)
    evidence = base.evidence.model_copy(
        update={"performance": ef.performance(ef.metric(value=estimate, batch_night=on))}
    )
    return base.model_copy(update={"rules": nights.RULES, "evidence": evidence})


def dataclass_replace(view: views.IncidentView, **changes: Any) -> views.IncidentView:
    import dataclasses

    return dataclasses.replace(view, **changes)


def _row_html(html: str, model: str) -> str:
    found = re.search(rf'<tr [^>]*data-model="{re.escape(model)}".*?</tr>', html, flags=re.S)
    assert found is not None, model
    return found.group(0)


class _Page(HTMLParser):
    """The page's inline scripts and its Content Security Policy."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.csp: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(values.get("content") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
