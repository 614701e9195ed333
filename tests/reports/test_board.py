"""The monthly board summary (``govern.reports.board``) on a hand-made month: the response tests' world (eight
high-risk models, a real SQLite incident database), four nights of October 2026 written to its store and taken
in by the real responder, and every key risk indicator computed by hand below.

The month, night by night (every model healthy unless said):

- 10-01: all healthy;
- 10-02: ``credit``'s estimated ROC AUC 0.60 breaks its SLA 0.70 (|0.6 - 0.7| / 0.7 = 0.14: a major breach,
  SEV2 for a high-risk model's performance); ``hiring``'s impact ratio 0.70 under 0.8 (0.125: major, SEV2 for
  fairness);
- 10-03: ``hiring`` again (the same incident); ``payments``' feature ``<script>alert(1)</script>`` drifts, 0.30
  over 0.10 (2.0: severe, SEV3 for drift);
- 10-04: ``loan``'s batch refused (its feed disabled): a night not monitored.

``credit`` and ``healthy`` carry the SLA metric every night (so two models are measured; ``healthy`` stays within
it, ``credit`` does not).

The ``october`` summary reads the month as it stood at 10-05 02:00 (``READ_AT``), the morning after its fourth
night: four nights due, all governed. Read at the end of the month instead, its 27 other nights were never
governed, and count against every model. Nobody acknowledges anything: each incident escalates when its window
passes (credit's and hiring's SEV2 on 10-04, payments' SEV3 on 10-05).

The response, detection and decision rules are also checked on a hand-made incident log (``_log``): incidents
written straight into the database with their events and actions, for the cases the responder's world does not
reach (a containment action, a person's fix, an EU AI Act deadline, an incident without a tier).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govern.reports.appetite import Detection, NightLimits, RiskAppetite, Verdict
from govern.reports.board import (
    BoardSummary,
    board_summary,
    checked_month,
    default_month,
    month_nights,
    previous_month,
    publish_board,
    render_board,
)
from govern.reports.render import ReportError
from govern.results import Evidence, ModelNightResult
from tests import evidence_factory as ef
from tests.reports.nights import RULES, SCRIPT
from tests.respond.world import at_of, finding, make_world

ROOT = Path(__file__).resolve().parents[2]
OCTOBER = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]
READ_AT = at_of("2026-10-04")  # 2026-10-05 02:00 UTC, when the fourth night's response took


def _result(
    model: str, night: str, *findings: Any, estimated: float | None = None, **evidence: Any
) -> ModelNightResult:
    performance = ef.performance(ef.metric(value=estimated, batch_night=night)) if estimated is not None else None
    return ModelNightResult(
        model=model,
        night=night,
        status="findings" if findings else ("incomplete" if evidence.get("feed_disabled") else "healthy"),
        risk_tier="high",
        evidence=Evidence(model_version="1", rows=1000, performance=performance, **evidence),
        findings=findings,
        rules=RULES if estimated is not None else (),
    )


def _month_results(night: str) -> dict[str, ModelNightResult]:
    special: dict[str, ModelNightResult] = {
        "credit": _result("credit", night, estimated=0.80),
        "healthy": _result("healthy", night, estimated=0.85),
    }
    if night == "2026-10-02":
        special["credit"] = _result(
            "credit", night, finding("performance.estimated_roc_auc", "roc_auc", 0.60, 0.70), estimated=0.60
        )
    if night in ("2026-10-02", "2026-10-03"):
        special["hiring"] = _result("hiring", night, finding("fairness.impact_ratio", "race", 0.70, 0.8))
    if night == "2026-10-03":
        special["payments"] = _result(
            "payments", night, finding("drift.feature", SCRIPT, 0.30, 0.10, "<=", message=f"{SCRIPT} drifted")
        )
    if night == "2026-10-04":
        special["loan"] = _result("loan", night, feed_disabled="feed loan_applications disabled since 2026-10-04")
    return special


def _run(world: dict[str, Any], nights: list[str], results: Any = _month_results) -> None:
    store = world["store"]
    for night in nights:
        special = results(night)
        for name in world["fleet"].models:
            store.write_result(special.get(name) or _result(name, night))
        world["responder"].respond(night, at=at_of(night))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield from make_world(tmp_path)


def _summary(world: dict[str, Any], month: str = "2026-10", as_of: dt.datetime | None = None) -> BoardSummary:
    with world["db"].session() as session:
        return board_summary(world["fleet"], month, store=world["store"], session=session, as_of=as_of)


@pytest.fixture
def october(world: dict[str, Any]) -> BoardSummary:
    _run(world, OCTOBER)
    return _summary(world, as_of=READ_AT)


def _kri(view: BoardSummary, key: str) -> Any:
    return next(k for k in view.kris if k.key == key)


def test_the_key_risk_indicators_are_the_hand_computed_ones(october: BoardSummary) -> None:
    values = {k.key: k.value for k in october.kris}
    assert values["nights_run"] == 1.0  # 4 of the 4 nights due at 10-05 02:00
    assert values["monitored_every_night"] == pytest.approx(7 / 8)  # loan's refused night
    assert values["within_sla"] == pytest.approx(1 / 2)  # of credit and healthy, only healthy
    assert values["fairness_nights"] == 2 and values["drift_nights"] == 1
    assert values["serious_new"] == 2 and values["new"] == 3 and values["open_at_end"] == 3
    assert values["detect_data_hours"] == pytest.approx(2.0)  # each raised at 02:00 after its night closed
    assert values["detect_outcome_hours"] is None  # none waited for outcomes
    assert values["in_time"] is None  # SEV2 due 10-06 02:00 (72 h), SEV3 10-11: none contained, none past due
    assert values["above_appetite"] == 1  # hiring (two nights of fairness, near is up to 1)
    assert _kri(october, "new").shown == "3 (SEV2 2, SEV3 1)"
    assert _kri(october, "within_sla").shown == "1 of 2 models (50 %)"
    assert _kri(october, "in_time").shown == "none due"
    assert _kri(october, "nights_run").shown == "4 of 4 nights (so far, of 31) (100 %)"
    assert october.nights_run == 4 and october.nights_due == 4 and october.nights_in_month == 31
    assert october.nights_missing == ()


def test_nights_the_fleet_was_not_governed_count_against_every_model(world: dict[str, Any]) -> None:
    _run(world, OCTOBER)
    month = _summary(world)  # read after the month: its 27 other nights were due, and never governed
    assert _kri(month, "monitored_every_night").value == 0.0
    assert _kri(month, "monitored_every_night").shown == "0 of 8 models (0 %)"
    assert month.nights_missing[0] == "2026-10-05" and len(month.nights_missing) == 27
    assert month.nights_due == 31 and month.nights_run == 4
    assert _kri(month, "nights_run").value == pytest.approx(4 / 31)
    cells = {r.model: {c.dimension: (c.verdict, c.text) for c in r.cells} for r in month.heatmap}
    assert cells["healthy"]["operations"] == ("above", "27 nights unchecked; no deadline missed")  # near up to 3
    assert cells["loan"]["operations"][1].startswith("28 nights unchecked")  # and its refused night
    assert "all nights checked" not in render_board(month)
    # the response, read at the month's end: every deadline passed with nothing contained
    assert _kri(month, "in_time").value == 0.0 and _kri(month, "in_time").shown == "0 of 3 (0 %)"


def test_a_previous_month_without_data_shows_no_data_never_zero(october: BoardSummary) -> None:
    assert not october.previous_has_data
    for kri in october.kris:
        assert kri.trend.previous is None and kri.trend.direction == "none"
        assert kri.trend.text == "no data (September 2026)"


def test_the_trend_compares_with_the_previous_month_when_it_has_data(world: dict[str, Any]) -> None:
    september = {m: _result(m, "2026-09-30", estimated=0.8) for m in ("credit", "healthy")}
    _run(world, ["2026-09-30"], results=lambda night: september)  # one healthy night in September
    _run(world, OCTOBER)
    view = _summary(world, as_of=READ_AT)
    assert view.previous_has_data
    serious, monitored = _kri(view, "serious_new"), _kri(view, "monitored_every_night")
    assert serious.trend.previous == 0 and serious.trend.direction == "worse"
    assert serious.trend.text == "up 2 from September 2026 (0)"
    # September's one night of 30 governed: no model was checked on every night of it
    assert monitored.trend.previous == 0.0 and monitored.trend.direction == "better"
    assert monitored.trend.text.startswith("up 88 points from September 2026 (0 of 8 models)")
    assert _kri(view, "within_sla").trend.direction == "worse"  # 2 of 2 then, 1 of 2 now


def test_the_heatmap_judges_each_dimension_against_the_tiers_appetite(october: BoardSummary) -> None:
    rows = {r.model: r for r in october.heatmap}
    assert [r.model for r in october.heatmap[:3]] == ["hiring", "credit", "payments"]  # the worst first
    cells = {m: {c.dimension: (c.verdict, c.text) for c in r.cells} for m, r in rows.items()}
    # high tier: performance within 0 nights, near up to 2; response failures within 0, near up to 2
    assert cells["credit"]["performance"] == ("near", "1 night")
    # operations is the response, not the incident's SEV again: credit's SEV2 missed its acknowledgement window
    assert cells["credit"]["operations"] == ("near", "all nights checked; 1 incident missed a deadline")
    assert cells["hiring"]["fairness"] == ("above", "2 nights")  # near up to 1
    assert cells["payments"]["drift"] == ("within", "1 night")  # within up to 3
    assert cells["payments"]["operations"] == ("near", "all nights checked; 1 incident missed a deadline")
    assert cells["loan"]["operations"] == ("within", "1 night unchecked; no deadline missed")  # within up to 1
    assert {m: r.overall for m, r in rows.items()} == {
        "credit": "near", "hiring": "above", "payments": "near", "loan": "within",
        "bureau_a": "within", "bureau_b": "within", "bureau_c": "within", "healthy": "within",
    }  # fmt: skip
    assert october.verdict.level == "above"
    assert october.verdict.headline.startswith("1 model of 8 is above the risk appetite")


def test_the_top_risks_carry_owner_action_status_and_a_bowtie(october: BoardSummary) -> None:
    assert [(r.subject, r.worst_sev, r.status) for r in october.top_risks] == [
        ("hiring", "SEV2", "open"),  # SEV2 on two nights
        ("credit", "SEV2", "open"),  # SEV2 on one
        ("payments", "SEV3", "open"),
    ]
    credit = october.top_risks[1]
    assert credit.owner == "Ada <ada@example.com>"
    assert "roll credit back from version 1" in credit.action and "no earlier version passed" in credit.action
    assert credit.bowtie is not None
    assert credit.bowtie.causes == (  # the metric in business words, not "roc_auc"
        "The model's estimated accuracy fell below the agreed level (how well it tells the good cases from the bad)",
        "The model itself is at fault, on data that passed its checks",
    )
    assert "No safe earlier version of credit to roll back to" in credit.bowtie.gaps
    assert any("about 1,000 decisions" in c for c in credit.bowtie.consequences)
    # nobody acknowledged: the escalations are a gap, not a control that worked; nothing acted before harm
    assert credit.bowtie.gaps[1] == "1 incident not acknowledged in time: escalated 2 times, until no one was " \
        "left on the escalation path"  # fmt: skip
    assert not any("scalat" in m for m in credit.bowtie.mitigating) and credit.bowtie.preventive == ()
    assert credit.bowtie.mitigating == ("The nightly checks raised it 2.0 hours after the night closed",)
    payments = october.top_risks[2]
    assert payments.bowtie is not None and any(SCRIPT in c for c in payments.bowtie.causes)
    assert {d.kind for d in october.decisions} == {"fund"}  # no safe version: the advice is to retrain
    assert {d.title for d in october.decisions} == {"Fund a fix for hiring"}  # credit is near, not above


def test_response_times_and_nist_counts_come_from_the_month(october: BoardSummary) -> None:
    high = next(t for t in october.response if t.tier == "high")
    assert (high.incidents, high.in_time, high.late, high.running, high.recovered) == (3, 0, 0, 3, 0)
    assert high.median_detect_data_hours == 2.0 and high.median_detect_outcome_hours is None
    assert high.contained == 0 and high.average_contain_hours is None
    # not contained at 10-05 02:00: credit and hiring detected 48 h before, payments 24 h: median 48, a lower bound
    assert high.median_contain_hours == 48.0 and high.median_contain_at_least
    assert high.contain_shown == "none of 3 contained; median at least 48 h counting the 3 not contained so far"
    assert high.targets == "SEV1 24 h, SEV2 72 h, SEV3 168 h, SEV4 336 h"
    assert [t.tier for t in october.response] == ["critical", "high", "medium", "low"]  # no unknown tier
    counts = {c.name: c.count for f in october.nist for c in f.controls}
    assert counts["Model-nights checked in full"] == 4 * 8 - 1
    assert counts["Incidents opened"] == 3 and counts["Findings raised"] == 4
    assert counts["Models in the inventory"] == 8
    (everywhere,) = october.exposure
    assert (everywhere.models, everywhere.with_incident, everywhere.serious) == (8, 3, 2)


def test_without_the_incident_database_incident_figures_are_not_read(world: dict[str, Any]) -> None:
    _run(world, OCTOBER)
    view = board_summary(world["fleet"], "2026-10", store=world["store"], session=None)
    assert _kri(view, "serious_new").value is None and _kri(view, "serious_new").shown == "not read"
    assert view.top_risks == () and any("not read" in n for n in view.notes)
    assert all(c.count is None for f in view.nist for c in f.controls if c.name == "Incidents opened")


def test_the_page_shows_names_as_text_and_says_no_data(world: dict[str, Any], october: BoardSummary) -> None:
    html = render_board(october)
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "ABOVE APPETITE" in html and "no data (September 2026)" in html
    assert 'class="v v-above"><b>ABOVE</b>2 nights' in html  # hiring's fairness cell: colour and words
    written = publish_board(world["store"], october, pdf=False)
    assert [Path(p).name for p in written] == ["2026-10.html", "2026-10.json"]
    document = json.loads(world["store"].read_page("board/2026-10.json"))
    assert document["month"] == "2026-10" and document["kris"][0]["key"] == "above_appetite"


def test_the_committed_appetite_file_is_the_documented_defaults() -> None:
    from govern.config import load_fleet

    fleet = load_fleet(ROOT / "configs" / "fleet.yaml", strict=False)
    assert fleet.appetite is not None, "configs/policies/risk_appetite.yaml is read as the appetite"
    assert fleet.risk_appetite == RiskAppetite(description=fleet.risk_appetite.description)
    assert "risk_appetite" not in fleet.policies  # not a rule policy a model could name


@pytest.mark.parametrize(
    ("nights", "expected"),
    [(0, Verdict.WITHIN), (1, Verdict.WITHIN), (2, Verdict.NEAR), (3, Verdict.NEAR), (4, Verdict.ABOVE)],
)
def test_night_limits_are_inclusive(nights: int, expected: Verdict) -> None:
    assert NightLimits(within=1, near=3).verdict(nights) is expected


def test_bad_appetites_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="near must be at least within"):
        NightLimits(within=3, near=1)


def test_months() -> None:
    assert len(month_nights("2026-02")) == 28 and month_nights("2026-10")[-1] == "2026-10-31"
    assert previous_month("2026-01") == "2025-12"
    midnight_utc = dt.datetime(2026, 11, 1, 0, 30, tzinfo=dt.UTC)
    assert default_month("UTC", midnight_utc) == "2026-10"
    assert default_month("America/New_York", midnight_utc) == "2026-09"  # still October 31 there
    with pytest.raises(ReportError, match="YYYY-MM"):
        month_nights("2026-13")


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "2026-00", "2026-1", "October"])
def test_a_month_the_calendar_cannot_hold_is_refused_with_the_projects_error(month: str) -> None:
    with pytest.raises(ReportError, match=r"month must be YYYY-MM such as 2026-10, from 0001-01 to 9999-11"):
        month_nights(month)
    with pytest.raises(ReportError, match="0001-02 or later"):
        previous_month("0001-01")
    assert checked_month("0001-01") == "0001-01" and len(month_nights("9999-11")) == 30


def test_the_monthly_flow_writes_the_pages_and_says_where(world: dict[str, Any]) -> None:
    """The Prefect flow, run for real (Prefect's embedded API): the month's pages, and a verdict to log."""
    from flows.monthly import monthly
    from tasks.reports import board_markdown

    _run(world, OCTOBER)
    done = monthly(fleet=str(world["fleet"].path), month="2026-10", pdf=False)
    assert done["month"] == "2026-10" and done["verdict"] == "above"  # read after the month: 27 nights unchecked
    assert [Path(p).name for p in done["pages"]] == ["2026-10.html", "2026-10.json"]
    assert world["store"].has_page("board/2026-10.html")
    markdown = board_markdown(_summary(world), done["pages"])
    assert markdown.startswith("# Board summary, October 2026: above appetite")
    assert "1. Fund a fix for" in markdown and "2026-10.html](file://" in markdown
    with pytest.raises(ReportError, match="month must be YYYY-MM"):
        monthly(fleet=str(world["fleet"].path), month="October")


# ---------------------------------------------------------------------------------------------- a hand-made log


def _log(world: dict[str, Any], *incidents: dict[str, Any]) -> None:
    """Write incidents straight into the world's database: each a dict of Incident columns over the defaults
    below, with ``events`` [(kind, at, by, detail)] after its "opened", ``actions`` [Action columns] and one
    finding of its check on its first night. The store gets a quiet month of four healthy nights (no response
    run: the incidents are these alone)."""
    from govern.respond.db import Action, Incident, IncidentEvent, IncidentFinding

    for night in OCTOBER:
        for name in world["fleet"].models:
            world["store"].write_result(_result(name, night))

    with world["db"].session() as session:
        for spec in incidents:
            spec = dict(spec)
            events, actions = spec.pop("events", []), spec.pop("actions", [])
            opened = spec.setdefault("opened_at", at_of("2026-10-02"))
            row = Incident(
                **{
                    "fleet": world["fleet"].config.name,
                    "key": f"{spec.get('model', 'credit')}|{spec.get('check', 'c')}|{len(events)}|{id(spec)}",
                    "model": "credit",
                    "feed": None,
                    "check": "performance.estimated_roc_auc",
                    "subject": "roc_auc",
                    "type": "performance",
                    "fault": "model",
                    "sev": "SEV2",
                    "status": "open",
                    "title": "estimated roc_auc 0.6 on tonight's batch breaks the limit 0.7",
                    "risk_tier": "high",
                    "owner": {"name": "Ada", "email": "ada@example.com"},
                    "escalation": [],
                    "first_night": "2026-10-02",
                    "last_night": "2026-10-02",
                    "detected_at": opened,
                    "rto_due": opened + dt.timedelta(hours=72),
                    "time_to_detect_s": 2 * 3600.0,
                    "updated_at": opened,
                    **spec,
                }
            )
            session.add(row)
            session.flush()
            session.add(
                IncidentEvent(incident_id=row.id, at=opened, kind="opened", by="govern", detail={"sev": row.sev})
            )
            session.add(
                IncidentFinding(
                    incident_id=row.id, night=row.first_night, model=row.model or "credit", check=row.check,
                    subject=row.subject, measured=0.6, threshold=0.7, comparison=">=", severity="major",
                    fault=row.fault, policy="default", message=row.title, result_path="-", result_sha256="0" * 64,
                )
            )  # fmt: skip
            for kind, at, by, detail in events:
                session.add(IncidentEvent(incident_id=row.id, at=at, kind=kind, by=by, detail=detail))
            for number, action in enumerate(actions):
                session.add(
                    Action(
                        **{
                            "key": f"{row.id}-{number}",
                            "incident_id": row.id,
                            "model": row.model,
                            "night": row.first_night,
                            "status": "done",
                            "params": {},
                            "requested_at": opened,
                            "requested_by": "govern",
                            **action,
                        }
                    )
                )


OPENED = at_of("2026-10-02")  # 2026-10-03 02:00 UTC
HOUR = dt.timedelta(hours=1)


def test_only_containment_counts_as_contained_and_self_recovery_is_shown_apart(world: dict[str, Any]) -> None:
    """#1 rolled back an hour after detection (an action, no "contained" event): contained in time, 1 h.
    #2 resolved by a person at +10 h: a fix, contained in time, 10 h. #3 resolved by govern at +48 h (the check
    stopped firing), before its deadline at +72 h: went away by itself, neither in time nor late, no time to
    contain. #4 resolved by govern at +100 h, after its deadline: late. #5 open, its deadline passed: late,
    running 15 days at the month's end (11-02 00:00 is 382 h after 10-03 02:00). #6 marked contained at +80 h,
    after its deadline: late, 80 h."""
    resolved_by_govern = {"note": "recovered: 3 nights in a row judged without the check firing"}
    _log(
        world,
        {"status": "contained", "actions": [{"kind": "rollback", "done_at": OPENED + HOUR, "approved_at": OPENED}]},
        {"status": "resolved", "events": [("resolved", OPENED + 10 * HOUR, "Ada", {"note": "fixed the data"})]},
        {"status": "resolved", "events": [("resolved", OPENED + 48 * HOUR, "govern", resolved_by_govern)]},
        {"status": "resolved", "events": [("resolved", OPENED + 100 * HOUR, "govern", resolved_by_govern)]},
        {},
        {"status": "contained", "events": [("contained", OPENED + 80 * HOUR, "Ada", {"how": "by hand"})]},
    )
    view = _summary(world)
    # in time: #1, #2; late: #4, #5, #6; #3 is not counted (it was never contained, nor late)
    assert _kri(view, "in_time").value == pytest.approx(2 / 5) and _kri(view, "in_time").shown == "2 of 5 (40 %)"
    high = next(t for t in view.response if t.tier == "high")
    assert (high.in_time, high.late, high.running, high.recovered) == (2, 3, 0, 1)
    assert high.contained == 3 and high.average_contain_hours == pytest.approx((1 + 10 + 80) / 3, abs=0.05)
    # the median over 1, 10, 80 (contained) and 382 (#5, still running: a lower bound) is (10 + 80) / 2
    # (exact: #5's true time can only be longer, it stays above the middle)
    assert high.median_contain_hours == 45.0 and not high.median_contain_at_least
    # the three parts add up to the 6: 3 contained, 1 not contained so far, 2 went away by themselves (#3 in
    # time; #4 after its deadline, which the late column counts and says)
    assert high.recovered_late == 1
    assert high.contain_shown == "30 h on average over 3 of 6 contained; median 45 h counting the 1 not " \
        "contained so far; 2 went away by themselves (1 after their deadline, counted late)"  # fmt: skip
    assert high.in_time + high.late + high.running + high.recovered == high.incidents == 6
    assert (
        "2 of 5 incidents due were contained within their recovery target (1 more went away by itself; 1 of the "
        "late went away by itself after the deadline)" in view.verdict.lines[1]
    )
    assert '3<br><span class="small">of which 1 went away by itself after the deadline</span>' in render_board(view)


def test_time_to_detect_is_a_median_with_problems_seen_in_outcomes_apart(world: dict[str, Any]) -> None:
    waited = {"check": "performance.realized_roc_auc", "time_to_detect_s": 338 * 3600.0}
    _log(world, {}, {}, {"time_to_detect_s": 6 * 3600.0}, waited)
    view = _summary(world)
    data, outcomes = _kri(view, "detect_data_hours"), _kri(view, "detect_outcome_hours")
    assert data.value == 2.0 and data.shown == "2.0 hours (median of 3 incidents)"  # the mean would be 87 hours
    assert outcomes.value == 338.0 and outcomes.shown == "338 hours (median of 1 incident)"
    assert not data.concern and not outcomes.concern  # 2 h is within the appetite's 24 h
    assert (
        "in the data were raised 2.0 hours after the night (median; 338 hours for those seen only in outcomes"
        in view.verdict.lines[1]
    )
    high = next(t for t in view.response if t.tier == "high")
    assert (high.median_detect_data_hours, high.median_detect_outcome_hours) == (2.0, 338.0)
    strict = dataclasses.replace(world["fleet"], appetite=RiskAppetite(detection=Detection(data_hours=1)))
    with world["db"].session() as session:
        judged = board_summary(strict, "2026-10", store=world["store"], session=session)
    assert _kri(judged, "detect_data_hours").concern  # the threshold is the appetite's, not the code's


def test_a_serious_incidents_report_deadline_is_a_decision_whatever_its_status(world: dict[str, Any]) -> None:
    """credit's two serious EU incidents, both resolved by the end of October; deadlines 11-01 (passed when read
    on 11-02) and 11-06 (to come). Listed in the order of their ids, whatever their SEV."""
    fixed = [("resolved", OPENED + 10 * HOUR, "Ada", {"note": "fixed"})]
    _log(
        world,
        {
            "sev": "SEV2",
            "status": "resolved",
            "events": fixed,
            "report_due": dt.datetime(2026, 11, 6, 2, tzinfo=dt.UTC),
        },
        {
            "sev": "SEV1",
            "status": "resolved",
            "events": fixed,
            "report_due": dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC),
        },
    )
    view = _summary(world)
    (report,) = [d for d in view.decisions if d.kind == "report"]
    assert report.title == "Confirm the report to the authority on credit (EU AI Act, Article 73)"
    assert "had to be told by 2026-11-01 (#2); must be told by 2026-11-06 (#1)" in report.why
    assert "Whether a report was made is not recorded." in report.why
    assert report.options == "confirm the report was made, or direct that it be made now"
    (risk,) = view.top_risks
    assert risk.incidents == (1, 2)  # sorted, though the SEV1 (#2) leads
    assert any("had to be told by 2026-11-01" in c for c in risk.bowtie.consequences)  # type: ignore[union-attr]


def test_the_bowtie_puts_each_control_on_its_side(world: dict[str, Any]) -> None:
    """loan's bad data: its batch quarantined and its feed switched off before the data was used (preventive);
    a denylisting held by the approval gate for a person (preventive); a rollback after the event and a
    person's acknowledgement (mitigating); one escalation for a missed acknowledgement (a gap)."""
    _log(
        world,
        {
            "model": "loan", "check": "data_quality.critical_expectation", "type": "data_quality", "fault": "data",
            "subject": "expect_column_values_to_be_between(annual_income)", "status": "contained",
            "events": [
                ("escalated", OPENED + HOUR, "govern", {"level": 1, "why": "not acknowledged by Ada in time"}),
                ("acknowledged", OPENED + 2 * HOUR, "Ada", {}),
                ("approval_requested", OPENED, "govern", {"action": 3}),
                ("approved", OPENED + 3 * HOUR, "Ada", {"action": 3}),
            ],
            "actions": [
                {"kind": "quarantine_batch", "done_at": OPENED},
                {"kind": "disable_feed", "feed": "loan_applications", "done_at": OPENED},
                {"kind": "denylist", "params": {"client": "c1"}, "approved_at": OPENED + 3 * HOUR,
                 "done_at": OPENED + 3 * HOUR},
                {"kind": "rollback", "params": {"from_version": "2", "to_version": "1"}, "done_at": OPENED + 4 * HOUR},
            ],
        },
    )  # fmt: skip
    (risk,) = _summary(world).top_risks
    assert risk.bowtie is not None
    assert risk.bowtie.preventive == (
        "The batch of 2026-10-02 of loan was quarantined: kept from use",
        "The validation gate switched the feed loan_applications off: its next batches were refused until it was fixed",
        "The approval gate held the automatic action (denylist the API client c1 for loan) for a person's decision: "
        "approved by Ada",
    )
    assert risk.bowtie.mitigating == (
        "Denylist the API client c1 for loan (after the problem was found)",
        "Roll loan back from version 2 to version 1 (after the problem was found)",
        "The nightly checks raised it 2.0 hours after the night closed",
        "Acknowledged by Ada",
    )
    assert risk.bowtie.gaps == ("1 incident not acknowledged in time: escalated 1 time",)
    assert "annual_income" in risk.bowtie.causes[0] and "expect_" not in risk.bowtie.causes[0]


def test_an_incident_without_a_tier_is_shown_as_of_unknown_tier(world: dict[str, Any]) -> None:
    _log(world, {"risk_tier": None}, {})
    response = {t.tier: t for t in _summary(world).response}
    assert list(response) == ["critical", "high", "medium", "low", "unknown tier"]
    assert response["unknown tier"].incidents == 1 and response["unknown tier"].targets == "unknown"
    assert response["high"].incidents == 1  # not counted as high


def test_the_page_speaks_to_the_board_not_in_the_monitorings_words(world: dict[str, Any]) -> None:
    _log(world, {"check": "performance.realized_precision", "subject": "precision"})
    view = _summary(world)
    html = render_board(view)
    assert "tonight" not in html and "In the monitoring's words" not in html
    assert "(precision)" not in html and "the share of the cases it flags that are real" in html
    assert "judged by a jurisdiction-specific policy" in html


def test_a_night_of_broken_data_counts_under_data_quality_not_against_the_models_accuracy(
    world: dict[str, Any],
) -> None:
    """credit's 10-02 batch fails a critical expectation and its estimated ROC AUC breaks the SLA: a data
    quality night, not a performance one. healthy's 10-03 batch was quarantined, its SLA finding likewise left
    out. credit's 10-04 breach, on clean data, counts. So: performance 1 night for credit, 0 for healthy;
    within their service level 1 of 2 (healthy; credit breached on 10-04). Counting every night, it would be
    credit 2 nights, healthy 1, and 0 of 2 within."""
    from govern.respond.db import QuarantinedBatch

    sla = finding("performance.estimated_roc_auc", "roc_auc", 0.60, 0.70)
    critical = finding("data_quality.critical_expectation", "expect_column_values_to_not_be_null(score)", 1.0, 0.0,
                       "passes")  # fmt: skip
    broken = ef.validation(ef.expectation(column="score", critical=True, unexpected_fraction=1.0))

    def results(night: str) -> dict[str, ModelNightResult]:
        out = {"credit": _result("credit", night, estimated=0.80), "healthy": _result("healthy", night, estimated=0.85)}
        if night == "2026-10-02":
            out["credit"] = _result("credit", night, critical, sla, estimated=0.60, validation=broken)
        if night == "2026-10-03":
            out["healthy"] = _result("healthy", night, sla, estimated=0.60)
        if night == "2026-10-04":
            out["credit"] = _result("credit", night, sla, estimated=0.60)
        return out

    for night in OCTOBER:
        for name in world["fleet"].models:
            world["store"].write_result(results(night).get(name) or _result(name, night))
    with world["db"].session() as session:
        session.add(QuarantinedBatch(model="healthy", night="2026-10-03", at=at_of("2026-10-03"), by="govern",
                                     reason="bad data"))  # fmt: skip
    view = _summary(world, as_of=READ_AT)
    cells = {r.model: {c.dimension: c.measure for c in r.cells} for r in view.heatmap}
    assert cells["credit"]["performance"] == 1 and cells["credit"]["data_quality"] == 1
    assert cells["healthy"]["performance"] == 0
    within = _kri(view, "within_sla")
    assert within.value == pytest.approx(1 / 2) and within.shown == "1 of 2 models (50 %)"
    assert "counts under data quality, not against the model's accuracy" in within.meaning


def _notify(world: dict[str, Any], *rows: tuple[str, dt.datetime | None]) -> None:
    """Notifications of incident #1 (status, delivered_at), written when it opened."""
    from sqlalchemy import select

    from govern.respond.db import IncidentEvent, Notification

    with world["db"].session() as session:
        opened = session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == 1)).first()
        assert opened is not None
        for number, (status, delivered_at) in enumerate(rows):
            session.add(
                Notification(incident_id=1, event_id=opened.id, channel=f"ops{number}", recipients=[], title="t",
                             body="b", payload={}, status=status, attempts=1, created_at=OPENED,
                             delivered_at=delivered_at)
            )  # fmt: skip


def test_undelivered_notifications_are_shown_and_listed_among_what_did_not_work(world: dict[str, Any]) -> None:
    """Five notifications of one incident, read at 10-11 02:00: one delivered an hour after, one delivered only
    on 10-21 (still pending then), two abandoned, one pending: 1 of 5 delivered."""
    _log(world, {})
    _notify(world, ("delivered", OPENED + HOUR), ("delivered", at_of("2026-10-20")), ("abandoned", None),
            ("abandoned", None), ("pending", None))  # fmt: skip
    view = _summary(world, as_of=at_of("2026-10-10"))
    (control,) = [c for f in view.nist for c in f.controls if c.name == "Notifications delivered"]
    assert control.count == 1 and control.shown == "1 of 5 (2 abandoned, 2 pending)"
    (risk,) = view.top_risks
    assert risk.bowtie is not None
    assert "4 notifications not delivered (2 abandoned, 2 pending): the people concerned were not told" in (
        risk.bowtie.gaps
    )
    html = render_board(view)
    assert ">1 of 5 (2 abandoned, 2 pending)</td>" in html and "4 notifications not delivered" in html


def test_a_report_deadline_counts_only_under_the_jurisdiction_whose_policy_set_it(world: dict[str, Any]) -> None:
    """credit serves the EU and the US and is judged by the EU AI Act's policy: its Article 73 deadline counts
    under EU, not US (though the incident touches a US model)."""
    from govern.config import PolicyConfig

    fleet = world["fleet"]
    models = dict(fleet.models)
    models["credit"] = models["credit"].model_copy(
        update={"jurisdictions": ["EU", "US"], "policies": [*models["credit"].policies, "eu_ai_act_high_risk"]}
    )
    policies = {**fleet.policies, "eu_ai_act_high_risk": PolicyConfig(name="eu_ai_act_high_risk",
                                                                      jurisdictions=["EU"])}  # fmt: skip
    world["fleet"] = dataclasses.replace(fleet, models=models, policies=policies, effective={})
    _log(world, {"report_due": dt.datetime(2026, 10, 18, 2, tzinfo=dt.UTC)})
    exposure = {e.jurisdiction: e for e in _summary(world).exposure}
    assert {p: (e.models, e.with_incident, e.serious, e.report_deadlines) for p, e in exposure.items()} == {
        "(everywhere)": (7, 0, 0, 0),
        "EU": (1, 1, 1, 1),
        "US": (1, 1, 1, 0),
    }


def test_a_model_above_appetite_with_no_incident_active_is_still_a_decision(world: dict[str, Any]) -> None:
    """Read after the month, every model went unchecked 27 nights (above appetite); credit's one incident was
    fixed by a person. Each is an accept-or-act decision: accept the exposure as closed, or order a review."""
    _log(world, {"status": "resolved", "events": [("resolved", OPENED + HOUR, "Ada", {"note": "fixed"})]})
    view = _summary(world)
    accepts = {d.title.rsplit(": ", 1)[1]: d for d in view.decisions if d.kind == "accept"}
    assert set(accepts) == set(world["fleet"].models)
    credit = accepts["credit"]
    assert credit.why == (
        "credit (high risk) is above appetite on operations & incidents (27 nights unchecked; no deadline missed), "
        "with no incident still active."
    )
    assert credit.options == "accept the month's exposure as closed, or order a review of why it went unmonitored " \
        "27 nights"  # fmt: skip


def test_the_decision_counts_the_incidents_not_yet_contained(world: dict[str, Any]) -> None:
    _log(world, {}, {"check": "performance.realized_roc_auc"})
    view = _summary(world)
    (credit,) = [d for d in view.decisions if d.title.endswith(": credit")]
    assert credit.why.endswith("and 2 of its incidents are not yet contained.")
