"""The view objects: built from hand-made results, the store's history and a real incident database."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.readout import HistoryLine
from govern.reports import render, views
from govern.respond import human
from govern.results import ColumnDrift, FairnessReport, GroupFairness
from govern.store import ResultsStore
from tests import evidence_factory as ef
from tests.reports import nights
from tests.reports.nights import NIGHT, SCRIPT
from tests.respond.world import NIGHTS, at_of, finding, make_world, night, result

# ---------------------------------------------------------------------------------------------- from results


def test_a_healthy_night_says_ok_and_that_nothing_is_to_be_done() -> None:
    report = views.owner_report(nights.healthy(), incidents=())
    assert report.banner.level == "ok" and report.banner.label == "OK"
    assert report.what_happened.startswith("Every check in force passed on tonight's 1,000 rows")
    assert report.next_steps == ("Nothing to do: tonight is healthy.",)
    assert report.findings == () and report.incidents == ()


def test_findings_without_an_incident_are_watched_and_the_data_is_blamed() -> None:
    report = views.owner_report(nights.with_findings(), incidents=())
    assert report.banner.level == "watch" and report.banner.sev is None
    assert "the data is at fault" in report.what_happened
    assert "critical check" in report.how_sure  # the figures rest on bad data
    assert report.findings[0].severity == "critical"  # worst first
    assert report.findings[0].meaning.startswith("a Great Expectations expectation marked critical failed")


def test_an_incident_live_tonight_puts_its_worst_sev_on_the_banner() -> None:
    live = [incident(3, "SEV3"), incident(4, "SEV2"), incident(5, "SEV1", status="resolved", fired=False)]
    report = views.owner_report(nights.with_findings(), incidents=live)
    assert report.banner.level == "incident" and report.banner.label == "INCIDENT SEV2"
    assert report.banner.headline.startswith("Incident #4 (open)")
    assert "It is incident #3 (SEV3, open)." in report.what_happened
    assert "Acknowledge incident #4 (due 2026-10-19 06:00 UTC): govern incidents ack 4 --by NAME." in report.next_steps
    contained_first = [incident(3, "SEV2", status="contained"), incident(4, "SEV2")]
    headline = views.owner_report(nights.with_findings(), incidents=contained_first).banner.headline
    assert headline.startswith("Incident #4 (open)")  # of the worst SEV, the one waiting on people


def test_the_banner_says_what_the_incident_measures_tonight_not_on_the_night_it_opened() -> None:
    """An incident's title keeps the figures of its first night; the banner leads with tonight's."""
    night = nights.with_findings()
    (tonight,) = [f for f in night.findings if f.check == "fairness.impact_ratio"]
    fired = views.owner_report(night, incidents=[incident(4, "SEV2")]).banner.headline
    assert fired == f"Incident #4 (open): loan: {tonight.message}"
    quiet = views.owner_report(night, incidents=[incident(4, "SEV2", status="acknowledged", fired=False)])
    assert quiet.banner.headline == f"Incident #4 (acknowledged): loan: incident 4 (first seen {NIGHT})"


def test_the_sla_metric_is_read_with_its_band_and_the_realized_figure() -> None:
    report = views.owner_report(nights.healthy(realized=0.81))
    p = report.performance
    assert p is not None and p.metric == "roc_auc" and p.minimum == 0.75
    assert p.estimated is not None and (p.estimated.lower, p.estimated.upper) == pytest.approx((0.82, 0.86))
    assert p.realized is not None and p.realized.batch_night == "2026-10-10"
    assert "the labels of the batch of 2026-10-10 give 0.810" in report.how_sure


def test_the_chart_spans_the_history_puts_realized_figures_on_their_batch_night_and_leaves_quarantine_out() -> None:
    history = [
        line("2026-10-14", 0.84),
        line("2026-10-15", 0.83, realized=(0.80, "2026-10-10")),
        line("2026-10-16", 0.50, quarantined=True),
        line("2026-10-17", 0.82),
        line(NIGHT, 0.10),  # a stale stored copy of tonight: tonight's own result wins
    ]
    p = views.owner_report(nights.healthy(), history=history).performance
    assert p is not None and p.chart is not None
    assert p.window == ("2026-10-10", NIGHT)  # starts at the first figure, not 30 empty nights back
    x = p.chart.x_labels
    estimated, realized = p.chart.series
    by_night = dict(zip(x, estimated.values, strict=True))
    assert by_night["2026-10-16"] is None and by_night[NIGHT] == 0.84 and by_night["2026-10-14"] == 0.84
    assert dict(zip(x, realized.values, strict=True))["2026-10-10"] == 0.80
    assert p.quarantined_nights == ("2026-10-16",)
    assert [lim.value for lim in p.chart.limits] == [0.75]


def test_drift_is_ranked_worst_first_with_the_drifted_on_top() -> None:
    d = views.owner_report(nights.with_findings()).drift
    assert d is not None and [r.column for r in d.features] == [SCRIPT, "income", "age"]
    assert d.features[0].drifted and d.features[0].score == pytest.approx(0.30 / 0.1)
    assert d.chart is not None and d.chart.bars[0].flagged and not d.chart.bars[-1].flagged
    assert d.multivariate_increase == pytest.approx(0.2)


def test_the_drifted_features_distributions_are_drawn_and_a_missing_one_is_named() -> None:
    d = views.owner_report(nights.with_findings()).drift
    assert d is not None and d.n_drifted == 2
    (script,) = d.distributions  # income drifted too, but its record (as written by 2.1) holds none
    assert d.without_distribution == ("income",)
    assert script.column == SCRIPT and script.drifted and script.exceeded == ("jensen_shannon",)
    reference, tonight = nights.SCRIPT_SHARES
    assert [(r.bin, r.reference, r.current) for r in script.rows] == list(
        zip(nights.INCOME_BINS, reference, tonight, strict=True)
    )
    assert script.chart.flagged and script.chart.labels == nights.INCOME_BINS
    assert (script.chart.reference, script.chart.current) == (reference, tonight)


def test_without_drift_the_features_that_moved_most_are_drawn() -> None:
    d = views.owner_report(nights.healthy()).drift
    assert d is not None and d.n_drifted == 0 and d.without_distribution == ()
    assert [f.column for f in d.distributions] == ["income", "region"]  # by effect size
    region = d.distributions[1]
    assert region.kind == "categorical" and region.other == 2 and not region.chart.flagged
    assert region.rows[0] == views.ShareRow(nights.TAGGED_CATEGORY, 0.5, 0.45)


def test_at_most_three_distributions_are_drawn_the_drifted_first() -> None:
    columns = [
        nights.with_distribution(ef.column(name=f"f{k}", js=js), ("a", "b"), (0.5, 0.5), (0.5, 0.5))
        for k, js in enumerate((0.05, 0.5, 0.2, 0.3, 0.4, 0.09))
    ]

    def distributed(*features: ColumnDrift) -> list[str]:
        result = nights.healthy()
        evidence = result.evidence.model_copy(update={"drift": ef.drift(*features)})
        d = views.drift_view(result.model_copy(update={"evidence": evidence}))
        assert d is not None
        return [f.column for f in d.distributions]

    assert distributed(*columns) == ["f1", "f4", "f3"]  # 4 over the limit of 0.1: the worst 3
    assert distributed(columns[0], columns[5]) == ["f5", "f0"]  # none over: the largest first


def test_a_group_under_the_minimum_size_keeps_its_name_and_loses_its_figures() -> None:
    (tonight,) = views.owner_report(nights.with_findings()).fairness
    (race,) = tonight.attributes
    assert race.breached and tonight.limit == 0.8 and tonight.min_group_size == 50
    by_group = {g.group: g for g in race.groups}
    small = by_group["c"]
    assert small.suppressed and (small.n, small.selection_rate, small.impact_ratio) == (None, None, None)
    assert by_group["b"].below_line and not by_group["a"].below_line
    assert race.n_suppressed == 1 and race.n_protecting == 1 and race.comparable
    hidden = by_group["d"]  # 1,000 rows less a's and b's would be c's 12 if d were shown
    assert hidden.suppressed and hidden.protects_smaller and (hidden.n, hidden.impact_ratio) == (None, None)
    assert race.chart is not None
    bars = {b.label: b for b in race.chart.bars}
    assert bars["c"].value is None and bars["c"].note == "suppressed: fewer than 50 rows"
    assert bars["d"].value is None and bars["d"].note == "suppressed to protect a smaller group"
    assert race.chart.limit is not None and race.chart.limit.label == "four-fifths line"


def group(attribute: str, name: str, n: int, rate: float, *, minimum: int = 100) -> GroupFairness:
    return GroupFairness(
        attribute=attribute,
        group=name,
        n=n,
        selection_rate=rate,
        impact_ratio=rate / 0.33,
        sufficient=n >= minimum,
        intersectional=" x " in attribute,
    )


#: resume_screening's batch of 2026-10-10 (2,548 rows), as the fairness stage reported it: non_binary has 52 rows
RESUME_GROUPS = (
    group("gender", "female", 1236, 0.316),
    group("gender", "male", 1260, 0.314),
    group("gender", "non_binary", 52, 0.385),
    group("age_band", "40_plus", 1140, 0.305),
    group("age_band", "under_40", 1408, 0.326),
    group("gender x age_band", "female x 40_plus", 554, 0.307),
    group("gender x age_band", "female x under_40", 682, 0.324),
    group("gender x age_band", "male x 40_plus", 567, 0.302),
    group("gender x age_band", "male x under_40", 693, 0.325),
    group("gender x age_band", "non_binary x 40_plus", 19, 0.368),
    group("gender x age_band", "non_binary x under_40", 33, 0.394),
)
RESUME_ROWS = 2548


def fairness_of(groups: tuple[GroupFairness, ...], *, minimum: int = 100) -> FairnessReport:
    attributes = tuple(
        ef.attribute(name=name, intersectional=" x " in name) for name in dict.fromkeys(g.attribute for g in groups)
    )
    return FairnessReport(
        min_group_size=minimum, has_labels=False, favourable_prediction=1, attributes=attributes, groups=groups
    )


def published(report: views.FairnessView) -> dict[tuple[str, str], int | None]:
    """(attribute, group) -> the count the page shows (None: hidden)."""
    return {(a.attribute, g.group): g.n for a in report.attributes for g in a.groups}


def test_a_suppressed_group_cannot_be_recovered_by_subtracting_the_shown_counts() -> None:
    shown = assert_no_small_remainder(RESUME_GROUPS, RESUME_ROWS)
    assert shown[("gender", "non_binary")] is None and shown[("gender x age_band", "non_binary x under_40")] is None
    assert shown[("gender", "female")] is None and shown[("gender", "male")] == 1260  # the next-smallest is hidden


def test_two_small_cells_of_one_age_band_cannot_be_recovered_together() -> None:
    """female x 40_plus (30) and non_binary x 40_plus (20): 40_plus less male x 40_plus would be their 50."""
    groups = (
        group("gender", "female", 300, 0.3),
        group("gender", "male", 600, 0.3),
        group("gender", "non_binary", 52, 0.3),
        group("age_band", "40_plus", 450, 0.3),
        group("age_band", "under_40", 502, 0.3),
        group("gender x age_band", "female x 40_plus", 30, 0.3),
        group("gender x age_band", "female x under_40", 270, 0.3),
        group("gender x age_band", "male x 40_plus", 400, 0.3),
        group("gender x age_band", "male x under_40", 200, 0.3),
        group("gender x age_band", "non_binary x 40_plus", 20, 0.3),
        group("gender x age_band", "non_binary x under_40", 32, 0.3),
    )
    assert_no_small_remainder(groups, 952)


def assert_no_small_remainder(groups: tuple[GroupFairness, ...], rows: int) -> dict[tuple[str, str], int | None]:
    """Fail if subtracting along any line of the gender x age_band tables gives away fewer than 100 hidden
    rows, or if the published counts determine a small group's (an independent check: matrix ranks)."""
    result = nights.with_findings()
    evidence = result.evidence.model_copy(update={"rows": rows, "fairness": fairness_of(groups)})
    (fv,) = views.fairness_views(result.model_copy(update={"evidence": evidence}))
    shown = published(fv)
    true = {(g.attribute, g.group): g.n for g in groups}
    # every line a reader can subtract along: the rows less an attribute's groups, a group less its cells
    lines: list[tuple[int, list[tuple[str, str]]]] = [
        (rows, [k for k in true if k[0] == attribute]) for attribute in ("gender", "age_band", "gender x age_band")
    ]
    for attribute, position in (("gender", 0), ("age_band", 1)):
        for key, n in true.items():
            if key[0] == attribute and shown[key] is not None:
                cells = [k for k in true if k[0] == "gender x age_band" and k[1].split(" x ")[position] == key[1]]
                lines.append((n, cells))
    for parent, children in lines:
        hidden = [k for k in children if shown[k] is None]
        remainder = parent - sum(shown[k] or 0 for k in children)
        assert remainder == sum(true[k] for k in hidden)  # the reader learns this much: never one small group
        assert not hidden or remainder >= 100, (parent, hidden, remainder)
    # an independent check over the cells of the gender x age_band cross: no small group's count is in the span
    # of the published counts (the row count and every shown group's)
    cells = [(g, a) for g in ("female", "male", "non_binary") for a in ("40_plus", "under_40")]

    def indicator(key: tuple[str, str]) -> list[float]:
        attribute, name = key
        parts = dict(zip(attribute.split(" x "), name.split(" x "), strict=True))
        return [float(parts.get("gender", g) == g and parts.get("age_band", a) == a) for g, a in cells]

    facts = [[1.0] * len(cells)] + [indicator(k) for k, n in shown.items() if n is not None]
    rank = np.linalg.matrix_rank(np.array(facts))
    for key, n in true.items():
        if n < 100:
            assert np.linalg.matrix_rank(np.array([*facts, indicator(key)])) > rank, key
    return shown


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 400), min_size=2, max_size=3), min_size=2, max_size=4).filter(
        lambda rows: len({len(r) for r in rows}) == 1 and sum(map(sum, rows)) >= 100  # a night of 100 rows at least
    )
)
def test_no_small_group_or_pair_of_hidden_groups_is_determined_by_the_published_counts(
    table: list[list[int]],
) -> None:
    """Any gender x age_band table (its cells' row counts): neither a small group's count nor the sum of two
    hidden groups of one attribute under the minimum is a sum and difference of what the page publishes."""
    genders, bands = [f"g{i}" for i in range(len(table))], [f"b{j}" for j in range(len(table[0]))]
    counts = {(g, b): table[i][j] for i, g in enumerate(genders) for j, b in enumerate(bands)}
    groups = (
        *(group("gender", g, sum(counts[(g, b)] for b in bands), 0.3) for g in genders),
        *(group("age_band", b, sum(counts[(g, b)] for g in genders), 0.3) for b in bands),
        *(group("gender x age_band", f"{g} x {b}", counts[(g, b)], 0.3) for g, b in counts),
    )
    hidden = views.suppressed_groups(fairness_of(groups))
    cells = list(counts)

    def indicator(g: GroupFairness) -> np.ndarray:
        parts = dict(zip(g.attribute.split(" x "), g.group.split(" x "), strict=True))
        return np.array([float(parts.get("gender", x) == x and parts.get("age_band", y) == y) for x, y in cells])

    facts = np.array([np.ones(len(cells)), *(indicator(g) for g in groups if (g.attribute, g.group) not in hidden)])
    rank = np.linalg.matrix_rank(facts)

    def determined(vector: np.ndarray) -> bool:
        return bool(np.linalg.matrix_rank(np.vstack([facts, vector])) == rank)

    for g in groups:
        assert g.sufficient or not determined(indicator(g)), g
    for attribute in ("gender", "age_band", "gender x age_band"):
        shut = [g for g in groups if g.attribute == attribute and (g.attribute, g.group) in hidden]
        for x, y in itertools.combinations(shut, 2):
            assert x.n + y.n >= 100 or not determined(indicator(x) + indicator(y)), (x, y)


def test_an_attribute_left_with_one_shown_group_shows_no_comparison() -> None:
    groups = (group("age_band", "40_plus", 60, 0.3), group("age_band", "under_40", 940, 0.33))
    result = nights.with_findings()
    evidence = result.evidence.model_copy(update={"fairness": fairness_of(groups)})
    (fv,) = views.fairness_views(result.model_copy(update={"evidence": evidence}))
    (age,) = fv.attributes
    assert not age.comparable and age.chart is None and all(g.suppressed for g in age.groups)
    assert [(g.group, g.protects_smaller) for g in age.groups] == [("40_plus", False), ("under_40", True)]


def test_without_a_small_group_nothing_is_hidden() -> None:
    report = fairness_of(tuple(g for g in RESUME_GROUPS if "non_binary" not in g.group))
    assert views.suppressed_groups(report) == {}


def test_an_api_client_that_stands_out_comes_first() -> None:
    clients = views.owner_report(nights.with_findings()).clients
    assert clients is not None and clients.n_flagged == 1
    first = clients.rows[0]
    assert first.client == "orbitpay" and first.flagged
    assert first.rate_ratio == pytest.approx(6.0) and first.share_increase == pytest.approx(0.27)


def test_an_observed_value_is_shown_only_where_it_reveals_no_personal_data() -> None:
    report = views.owner_report(nights.with_findings(), config=nights.config())
    v = report.validation
    assert v is not None and v.bad_data and v.n_failed == 2
    by_column = {row.column: row for row in v.failed}
    income, gender = by_column["income"], by_column["gender"]
    assert (income.observed, income.withheld, income.rows_affected) == ("0.25", False, 250)
    assert (income.example, income.example_withheld, income.expected) == ("85.3", False, "19,060 to 302,200")
    assert (gender.observed, gender.withheld) == (None, True)  # a protected attribute
    assert (gender.example, gender.example_withheld, gender.expected) == (None, True, None)
    without_config = views.owner_report(nights.with_findings()).validation  # which columns are private: unknown
    assert without_config is not None and all(row.observed is None and row.withheld for row in without_config.failed)
    unobserved = ef.validation(ef.expectation(column="income", critical=True, unexpected_fraction=0.25, observed=None))
    result = nights.with_findings()
    result = result.model_copy(update={"evidence": result.evidence.model_copy(update={"validation": unobserved})})
    v = views.validation_view(result, nights.config())
    assert v is not None and (v.failed[0].observed, v.failed[0].withheld) == (None, False)  # none: not "withheld"
    assert (v.failed[0].example, v.failed[0].example_withheld) == (None, False)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0.0, 1.0, "0 to 1"), (5000.0, None, "at least 5,000"), (None, 1.5e6, "at most 1.5e+06"), (None, None, None)],
)
def test_the_expected_range_is_said_in_words(low: float | None, high: float | None, expected: str | None) -> None:
    outcome = ef.expectation(name="expect_column_values_to_be_between").model_copy(
        update={"expected_min": low, "expected_max": high}
    )
    result = nights.healthy()
    result = result.model_copy(
        update={"evidence": result.evidence.model_copy(update={"validation": ef.validation(outcome)})}
    )
    v = views.validation_view(result, nights.config())
    assert v is not None and v.failed[0].expected == expected


def test_the_view_is_the_json_document_the_page_was_rendered_from() -> None:
    result = nights.with_findings()
    document = views.as_dict(views.owner_report(result, incidents=[incident(3, "SEV2")]))
    again = json.loads(json.dumps(document))
    assert again == document
    assert again["banner"] == {"level": "incident", "sev": "SEV2", "headline": document["banner"]["headline"]}
    assert again["drift"]["features"][0]["column"] == SCRIPT
    assert again["drift"]["distributions"][0]["rows"][3] == {"bin": "30 and over", "reference": 0.25, "current": 0.6}
    estimated = result.sla_metric("estimated")
    assert estimated is not None and again["performance"]["estimated"] == estimated.to_dict()  # the record, held


def test_the_performance_view_holds_the_result_s_own_records() -> None:
    result = nights.healthy(realized=0.81)
    p = views.owner_report(result).performance
    assert p is not None and p.estimated == result.sla_metric("estimated")
    assert p.realized == result.sla_metric("realized") and p.version_comparison is None


@pytest.mark.parametrize(
    ("check", "meaning"),
    [
        ("performance.estimated_roc_auc", "NannyML's estimate"),
        ("performance.realized_mae_drop", "the realized metric fell too far"),
        ("fairness.impact_ratio", "adverse impact"),
        ("no.such_check", ""),
    ],
)
def test_every_check_is_explained_in_the_rulebook_s_words(check: str, meaning: str) -> None:
    assert views.check_meaning(check).startswith(meaning)


# ---------------------------------------------------------------------------------------------- from the database


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three healthy nights; then credit's version 2 fails (rolled back to 1) and hiring breaks the
    four-fifths line two nights running (no safe version); hiring's owner acknowledges in between."""
    generator = make_world(tmp_path_factory.mktemp("reports"))
    w = next(generator)
    for each in NIGHTS[:3]:
        night(w, each)
    w["registry"].set_alias("credit", "champion", "2")
    bad = result(
        "credit",
        NIGHTS[3],
        finding("performance.estimated_roc_auc", "roc_auc", 0.66, 0.78),
        finding("performance.version_regression", "version 2 vs 1", 0.18, 0.05, "<="),
        version="2",
    )
    unfair = finding("fairness.impact_ratio", "race", 0.6, 0.8)
    night(w, NIGHTS[3], {"credit": bad, "hiring": result("hiring", NIGHTS[3], unfair)})
    with w["db"].session() as session:
        (hiring,) = views.incident_views(session, model="hiring", night=NIGHTS[3])
    human.acknowledge(w["responder"], hiring.id, by="Ada", at=at_of(NIGHTS[3], hour=9))
    night(w, NIGHTS[4], {"hiring": result("hiring", NIGHTS[4], unfair)})
    yield w
    next(generator, None)


def test_a_rolled_back_version_shows_its_incidents_contained_and_the_rollback_done(world: dict[str, Any]) -> None:
    with world["db"].session() as session:
        found = views.incident_views(session, model="credit", night=NIGHTS[3])
        before = views.incident_views(session, model="credit", night=NIGHTS[2])
    assert before == ()  # nothing yet the night before
    assert {i.check for i in found} == {"performance.estimated_roc_auc", "performance.version_regression"}
    assert all(i.fired_tonight and i.status == "contained" for i in found)
    rollbacks = [a for i in found for a in i.actions if a.kind == "rollback"]
    assert [(a.status, a.from_version) for a in rollbacks] == [("done", "2")]
    assert rollbacks[0].summary == "roll credit back from version 2 to version 1"


def test_an_incident_is_shown_as_it_stood_when_the_night_was_responded_to(world: dict[str, Any]) -> None:
    with world["db"].session() as session:
        (first,) = views.incident_views(session, model="hiring", night=NIGHTS[3])
        (second,) = views.incident_views(session, model="hiring", night=NIGHTS[4])
        (now,) = views.incident_views(session, model="hiring", night=NIGHTS[3], as_of=dt.datetime.now(dt.UTC))
    assert (first.status, first.acknowledged_by) == ("open", None)
    assert (second.status, second.acknowledged_by, second.ack_due) == ("acknowledged", "Ada", None)
    assert now.status == "acknowledged"  # asked for the present, it says the present
    assert first.recommendation is not None and "human review" in first.recommendation


def test_a_healthy_model_of_a_troubled_fleet_reads_ok_from_the_store(world: dict[str, Any]) -> None:
    with world["db"].session() as session:
        report = views.owner_report_from_store(world["store"], "healthy", NIGHTS[4], session=session)
    assert report.banner.level == "ok" and report.incidents == ()


def test_the_owner_report_from_the_store_carries_the_incident_and_what_to_do(world: dict[str, Any]) -> None:
    with world["db"].session() as session:
        report = views.owner_report_from_store(world["store"], "hiring", NIGHTS[3], session=session)
    assert report.banner.level == "incident" and report.banner.sev is not None
    assert report.incidents is not None and report.incidents[0].fired_tonight
    assert any(step.startswith("Acknowledge incident #") for step in report.next_steps)
    assert any("human review" in step for step in report.next_steps)


def test_history_lines_mark_the_quarantined_nights(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    for each in ("2026-10-16", "2026-10-17", NIGHT):
        store.write_result(nights.healthy(each))
    lines = views.history_lines(store, "loan", NIGHT, quarantined={"2026-10-17"})
    assert [(h.night, h.quarantined) for h in lines] == [
        ("2026-10-16", False),
        ("2026-10-17", True),
        (NIGHT, False),
    ]
    assert views.history_lines(store, "loan", NIGHT, nights=2)[0].night == "2026-10-17"


# ---------------------------------------------------------------------------------------------- helpers


def line(
    night: str, estimated: float, *, realized: tuple[float, str] | None = None, quarantined: bool = False
) -> HistoryLine:
    return HistoryLine(
        night=night,
        status="healthy",
        model_version="2",
        sla_metric="roc_auc",
        estimated=estimated,
        estimated_lower=estimated - 0.02,
        estimated_upper=estimated + 0.02,
        realized=realized[0] if realized else None,
        realized_batch_night=realized[1] if realized else None,
        findings={},
        checks=(),
        quarantined=quarantined,
    )


def incident(number: int, sev: str, *, status: str = "open", fired: bool = True) -> views.IncidentView:
    return views.IncidentView(
        id=number,
        sev=sev,
        status=status,
        type="fairness",
        title=f"loan: incident {number}",
        check="fairness.impact_ratio",
        subject="race",
        model="loan",
        feed=None,
        first_night=NIGHT,
        last_night=NIGHT,
        nights_open=1,
        fired_tonight=fired,
        contact="Ada <ada@example.com> (owner)",
        ack_due="2026-10-19 06:00 UTC" if status == "open" else None,
        rto_due=None,
        report_due=None,
        acknowledged_by=None,
        resolved_by=None,
        resolution_note=None,
        recommendation=None,
        time_to_detect_hours=2.0,
        time_to_contain_hours=None,
        actions=(),
    )


def test_no_figure_of_an_attribute_with_hidden_groups_is_computed_over_them() -> None:
    """resume_screening, 2026-10-10: the fairness stage's summary of gender spans every group, so publishing it
    (the selection rates differ by 0.002, female's rate is male's plus that) would give away female's rate and,
    with the totals, non_binary's 52 rows. With only male shown nothing can be compared; on age_band, where all
    are shown, the stage's figures stand."""
    groups = tuple(
        g.model_copy(update={"impact_ratio": g.selection_rate / 0.385}) if g.attribute == "gender" else g
        for g in RESUME_GROUPS
    )
    report = fairness_of(groups)
    gender = ef.attribute(name="gender", impact=0.8156).model_copy(update={
        "most_favoured_group": "non_binary", "least_favoured_group": "male", "min_impact_ratio": 0.314 / 0.385,
        "demographic_parity_difference": 0.071})  # fmt: skip
    report = report.model_copy(update={"attributes": (gender, *report.attributes[1:])})
    result = nights.with_findings()
    evidence = result.evidence.model_copy(update={"rows": RESUME_ROWS, "fairness": report})
    (fv,) = views.fairness_views(result.model_copy(update={"evidence": evidence}))
    shown = {a.attribute: a for a in fv.attributes}
    g = shown["gender"]
    assert (g.comparable, g.over_shown_groups) == (False, True)
    assert (g.min_impact_ratio, g.most_favoured_group, g.least_favoured_group, g.demographic_parity_difference) == (
        None, None, None, None)  # fmt: skip
    assert [r.impact_ratio for r in g.groups if not r.suppressed] == [None]
    cross = shown["gender x age_band"]  # male's two cells shown: compared with each other, never a hidden cell
    rates = {r.group: r.selection_rate for r in cross.groups if not r.suppressed}
    assert set(rates) == {"male x 40_plus", "male x under_40"}
    assert cross.most_favoured_group == "male x under_40" and cross.min_impact_ratio == pytest.approx(0.302 / 0.325)
    assert cross.demographic_parity_difference == pytest.approx(0.325 - 0.302)
    html = render.render_owner_report(views.owner_report(result.model_copy(update={"evidence": evidence})))
    assert "among the groups shown" in html and "0.816" not in html
