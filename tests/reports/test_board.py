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
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govern.reports.appetite import NightLimits, RiskAppetite, SevLimits, Verdict
from govern.reports.board import (
    BoardSummary,
    board_summary,
    default_month,
    month_nights,
    previous_month,
    publish_board,
    render_board,
)
from govern.results import Evidence, ModelNightResult
from tests import evidence_factory as ef
from tests.reports.nights import RULES, SCRIPT
from tests.respond.world import at_of, finding, make_world

ROOT = Path(__file__).resolve().parents[2]
OCTOBER = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]


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


def _summary(world: dict[str, Any], month: str = "2026-10") -> BoardSummary:
    with world["db"].session() as session:
        return board_summary(world["fleet"], month, store=world["store"], session=session)


@pytest.fixture
def october(world: dict[str, Any]) -> BoardSummary:
    _run(world, OCTOBER)
    return _summary(world)


def _kri(view: BoardSummary, key: str) -> Any:
    return next(k for k in view.kris if k.key == key)


def test_the_key_risk_indicators_are_the_hand_computed_ones(october: BoardSummary) -> None:
    values = {k.key: k.value for k in october.kris}
    assert values["nights_run"] == pytest.approx(4 / 31)
    assert values["monitored_every_night"] == pytest.approx(7 / 8)  # loan's refused night
    assert values["within_sla"] == pytest.approx(1 / 2)  # of credit and healthy, only healthy
    assert values["fairness_nights"] == 2 and values["drift_nights"] == 1
    assert values["serious_new"] == 2 and values["new"] == 3 and values["open_at_end"] == 3
    assert values["detect_hours"] == pytest.approx(2.0)  # each raised at 02:00 after its night closed
    assert values["in_time"] == 0.0  # none contained by its recovery deadline (SEV2: 72 h, SEV3: 168 h)
    assert values["above_appetite"] == 2  # credit (a SEV2), hiring (two nights of fairness)
    assert _kri(october, "new").shown == "3 (SEV2 2, SEV3 1)"
    assert _kri(october, "within_sla").shown == "1 of 2 models (50 %)"
    assert october.nights_run == 4 and october.nights_in_month == 31
    assert october.nights_missing[0] == "2026-10-05" and len(october.nights_missing) == 27


def test_a_previous_month_without_data_shows_no_data_never_zero(october: BoardSummary) -> None:
    assert not october.previous_has_data
    for kri in october.kris:
        assert kri.trend.previous is None and kri.trend.direction == "none"
        assert kri.trend.text == "no data (September 2026)"


def test_the_trend_compares_with_the_previous_month_when_it_has_data(world: dict[str, Any]) -> None:
    september = {m: _result(m, "2026-09-30", estimated=0.8) for m in ("credit", "healthy")}
    _run(world, ["2026-09-30"], results=lambda night: september)  # one healthy night in September
    _run(world, OCTOBER)
    view = _summary(world)
    assert view.previous_has_data
    serious, monitored = _kri(view, "serious_new"), _kri(view, "monitored_every_night")
    assert serious.trend.previous == 0 and serious.trend.direction == "worse"
    assert serious.trend.text == "up 2 from September 2026 (0)"
    assert monitored.trend.previous == 1.0 and monitored.trend.direction == "worse"
    assert monitored.trend.text.startswith("down 12 points from September 2026")
    assert _kri(view, "within_sla").trend.direction == "worse"  # 2 of 2 then, 1 of 2 now


def test_the_heatmap_judges_each_dimension_against_the_tiers_appetite(october: BoardSummary) -> None:
    rows = {r.model: r for r in october.heatmap}
    assert [r.model for r in october.heatmap[:2]] == ["credit", "hiring"]  # the worst first
    cells = {m: {c.dimension: (c.verdict, c.text) for c in r.cells} for m, r in rows.items()}
    # high tier: performance within 0 nights, near up to 2; worst incident within SEV4, near SEV3
    assert cells["credit"]["performance"] == ("near", "1 night")
    assert cells["credit"]["operations"] == ("above", "all nights checked; worst SEV2")
    assert cells["hiring"]["fairness"] == ("above", "2 nights")  # near up to 1
    assert cells["payments"]["drift"] == ("within", "1 night")  # within up to 3
    assert cells["payments"]["operations"] == ("near", "all nights checked; worst SEV3")
    assert cells["loan"]["operations"] == ("within", "1 night unchecked; no incident")  # within up to 1
    assert {m: r.overall for m, r in rows.items()} == {
        "credit": "above", "hiring": "above", "payments": "near", "loan": "within",
        "bureau_a": "within", "bureau_b": "within", "bureau_c": "within", "healthy": "within",
    }  # fmt: skip
    assert october.verdict.level == "above"
    assert october.verdict.headline.startswith("2 models of 8 are above the risk appetite")


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
    assert credit.bowtie.causes == (
        "The model's estimated accuracy fell below the agreed level (roc_auc)",
        "The model itself is at fault, on data that passed its checks",
    )
    assert "No safe earlier version of credit to roll back to" in credit.bowtie.gaps
    assert any("about 1,000 decisions" in c for c in credit.bowtie.consequences)
    payments = october.top_risks[2]
    assert payments.bowtie is not None and any(SCRIPT in c for c in payments.bowtie.causes)
    assert {d.kind for d in october.decisions} == {"fund"}  # no safe version: the advice is to retrain
    assert {d.title for d in october.decisions} == {"Fund a fix for credit", "Fund a fix for hiring"}


def test_response_times_and_nist_counts_come_from_the_month(october: BoardSummary) -> None:
    high = next(t for t in october.response if t.tier == "high")
    assert (high.incidents, high.in_time, high.late, high.running) == (3, 0, 3, 0)
    assert high.average_detect_hours == 2.0 and high.average_contain_hours is None
    assert high.targets == "SEV1 24 h, SEV2 72 h, SEV3 168 h, SEV4 336 h"
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


@pytest.mark.parametrize(
    ("worst", "expected"),
    [(None, Verdict.WITHIN), ("SEV4", Verdict.WITHIN), ("SEV3", Verdict.NEAR), ("SEV2", Verdict.ABOVE)],
)
def test_sev_limits_compare_the_worst_incident(worst: str | None, expected: Verdict) -> None:
    assert SevLimits(within="SEV4", near="SEV3").verdict(worst) is expected
    assert SevLimits(within=None, near="SEV4").verdict("SEV4") is Verdict.NEAR


def test_bad_appetites_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="near must be at least within"):
        NightLimits(within=3, near=1)
    with pytest.raises(ValueError, match="near must be no milder than within"):
        SevLimits(within="SEV2", near="SEV4")


def test_months() -> None:
    assert len(month_nights("2026-02")) == 28 and month_nights("2026-10")[-1] == "2026-10-31"
    assert previous_month("2026-01") == "2025-12"
    midnight_utc = dt.datetime(2026, 11, 1, 0, 30, tzinfo=dt.UTC)
    assert default_month("UTC", midnight_utc) == "2026-10"
    assert default_month("America/New_York", midnight_utc) == "2026-09"  # still October 31 there
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_nights("2026-13")


def test_the_monthly_flow_writes_the_pages_and_says_where(world: dict[str, Any]) -> None:
    """The Prefect flow, run for real (Prefect's embedded API): the month's pages, and a verdict to log."""
    from flows.monthly import monthly
    from tasks.reports import board_markdown

    _run(world, OCTOBER)
    done = monthly(fleet=str(world["fleet"].path), month="2026-10", pdf=False)
    assert done["month"] == "2026-10" and done["verdict"] == "above"
    assert [Path(p).name for p in done["pages"]] == ["2026-10.html", "2026-10.json"]
    assert world["store"].has_page("board/2026-10.html")
    markdown = board_markdown(_summary(world), done["pages"])
    assert markdown.startswith("# Board summary, October 2026: above appetite")
    assert "1. Fund a fix for" in markdown and "2026-10.html](file://" in markdown
    with pytest.raises(ValueError, match="month must be YYYY-MM"):
        monthly(fleet=str(world["fleet"].path), month="October")
