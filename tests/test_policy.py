"""Judgement: each rule fires on a breach, stays silent within limits, and blames the right party."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.config import EffectiveRules, Severity, Threshold, load_fleet
from govern.policy import NightEvidence, judge
from govern.results import (
    AttributeFairness,
    ColumnDrift,
    DriftReport,
    DriftThresholds,
    ExpectationOutcome,
    FairnessReport,
    MetricValue,
    PerformanceResult,
    ReconstructionDrift,
    SegmentStats,
    ValidationResult,
    VersionComparison,
)
from tests.fleet_factory import model_config, write_fleet


def rules(**values: float) -> EffectiveRules:
    """Rules from 'section__name=value' keywords."""
    thresholds = {tuple(k.split("__")): Threshold(v, "test_policy") for k, v in values.items()}
    return EffectiveRules(thresholds, {"fairness": Severity.HIGH, "performance": Severity.HIGH})


def metric(value: float, kind: str = "estimated", name: str = "roc_auc", reference: float = 0.85) -> MetricValue:
    return MetricValue(
        name, kind, "2026-10-01", value, value - 0.02, value + 0.02, 0.01, 0.8, 0.9, False, reference, 1000
    )


def column(name: str, js: float, psi: float = 0.0) -> ColumnDrift:
    return ColumnDrift(
        name,
        "numeric",
        100,
        100,
        0,
        0,
        js,
        psi,
        None,
        None,
        None,
        None,
        None,
        0.0,
        0.0,
        drifted=js > 0.1,
        exceeded=("jensen_shannon",) if js > 0.1 else (),
    )


def attribute(name: str, impact: float, eq_odds: float | None = None, intersectional: bool = False):
    return AttributeFairness(name, intersectional, 2, 2, "A", "B", impact, 1 - impact, eq_odds, eq_odds, None, None)


def fairness(*attributes: AttributeFairness) -> FairnessReport:
    return FairnessReport(30, True, 1, (), attributes)


def test_within_limits_nothing_is_found() -> None:
    evidence = NightEvidence(
        performance=PerformanceResult((metric(0.84), metric(0.83, "realized")), None),
        sla_metric="roc_auc",
        drift=DriftReport(DriftThresholds(), (column("income", 0.05),)),
        fairness=fairness(attribute("gender", 0.95)),
    )
    assert (
        judge(rules(performance__minimum=0.78, fairness__min_impact_ratio=0.8, drift__max_jensen_shannon=0.1), evidence)
        == ()
    )


def test_sla_breach_estimated_and_realized_blame_the_model() -> None:
    evidence = NightEvidence(
        model_version="3",
        sla_metric="roc_auc",
        performance=PerformanceResult((metric(0.70), metric(0.71, "realized")), None),
    )
    findings = judge(rules(performance__minimum=0.78), evidence)
    assert [f.check for f in findings] == ["performance.estimated_roc_auc", "performance.realized_roc_auc"]
    assert all(f.fault == "model" and f.threshold == 0.78 and f.comparison == ">=" for f in findings)
    assert "version 3" in findings[0].message
    assert findings[0].policy == "test_policy"


def test_max_drop_is_absolute_for_scores_and_relative_for_errors() -> None:
    drop = judge(
        rules(performance__max_drop=0.05),
        NightEvidence(sla_metric="roc_auc", performance=PerformanceResult((metric(0.79, reference=0.85),), None)),
    )
    assert [(f.check, round(f.measured, 6)) for f in drop] == [("performance.estimated_roc_auc_drop", 0.06)]
    error = judge(
        rules(performance__max_drop=0.2),
        NightEvidence(
            sla_metric="mae", performance=PerformanceResult((metric(130.0, name="mae", reference=100.0),), None)
        ),
    )
    assert [(f.check, round(f.measured, 6)) for f in error] == [("performance.estimated_mae_drop", 0.3)]
    fine = judge(
        rules(performance__max_drop=0.2, performance__maximum=150),
        NightEvidence(
            sla_metric="mae", performance=PerformanceResult((metric(110.0, name="mae", reference=100.0),), None)
        ),
    )
    assert fine == ()


def test_critical_expectation_makes_tonights_findings_the_datas_fault() -> None:
    validation = ValidationResult(
        "loan", False, 5, (ExpectationOutcome("expect_column_values_to_be_between", "income", False, True, 0.98, None),)
    )
    evidence = NightEvidence(
        validation=validation,
        sla_metric="roc_auc",
        performance=PerformanceResult((metric(0.70), metric(0.70, "realized")), None),
        drift=DriftReport(DriftThresholds(), (column("income", 0.6),)),
        fairness=fairness(attribute("gender", 0.5)),
    )
    findings = judge(
        rules(performance__minimum=0.78, drift__max_jensen_shannon=0.1, fairness__min_impact_ratio=0.8), evidence
    )
    by_check = {f.check: f for f in findings}
    assert by_check["data_quality.critical_expectation"].fault == "data"
    assert by_check["data_quality.critical_expectation"].subject == "expect_column_values_to_be_between(income)"
    assert by_check["performance.estimated_roc_auc"].fault == "data"
    assert by_check["fairness.impact_ratio"].fault == "data"
    assert by_check["drift.feature"].subject == "income"
    # an earlier, labelled batch was not affected by tonight's bad data
    assert by_check["performance.realized_roc_auc"].fault == "model"


def test_fairness_rules_and_intersections() -> None:
    evidence = NightEvidence(
        fairness=fairness(attribute("gender", 0.9), attribute("gender x race", 0.6, intersectional=True)),
        labelled_fairness=fairness(attribute("gender", 0.9, eq_odds=0.15)),
    )
    findings = judge(rules(fairness__min_impact_ratio=0.8, fairness__max_equalized_odds_difference=0.1), evidence)
    assert sorted((f.check, f.subject) for f in findings) == [
        ("fairness.equalized_odds_difference", "gender"),
        ("fairness.impact_ratio", "gender x race"),
    ]
    off = judge(rules(fairness__min_impact_ratio=0.8, fairness__intersectional=False), evidence)
    assert off == ()


def test_segments_need_enough_rows_and_a_real_departure() -> None:
    segments = (
        SegmentStats("orbit", 600, 0.30, 0.03, 0.40, 0.05, 0.05, 0.4),
        SegmentStats("tiny", 10, 0.005, 0.001, 0.9, 0.05, 0.05, 0.9),
        SegmentStats("steady", 900, 0.45, 0.44, 0.05, 0.05, 0.05, 0.1),
    )
    findings = judge(
        rules(segments__max_share_increase=0.1, segments__max_positive_rate_ratio=3.0), NightEvidence(segments=segments)
    )
    assert sorted((f.check, f.subject) for f in findings) == [
        ("segments.positive_rate_ratio", "orbit"),
        ("segments.share_increase", "orbit"),
    ]


def test_multivariate_and_prediction_drift() -> None:
    evidence = NightEvidence(
        performance=PerformanceResult((), ReconstructionDrift(1.5, 1.4, 1.6, 1.0, 0.9, 1.1, True)),
        prediction_drift=DriftReport(DriftThresholds(), (column("score", 0.3),)),
    )
    findings = judge(
        rules(drift__max_reconstruction_error_increase=0.2, drift__max_prediction_jensen_shannon=0.1), evidence
    )
    assert sorted(f.check for f in findings) == ["drift.multivariate", "drift.prediction"]
    assert next(f for f in findings if f.check == "drift.multivariate").measured == pytest.approx(0.5)


def test_findings_are_ordered_most_severe_first(tmp_path: Path) -> None:
    model = model_config(policies=["us_four_fifths", "strict_fairness"])
    fleet_rules = load_fleet(write_fleet(tmp_path, models=[model])).rules("loan")
    findings = judge(
        fleet_rules,
        NightEvidence(
            fairness=fairness(attribute("gender", 0.5)), drift=DriftReport(DriftThresholds(), (column("income", 0.5),))
        ),
    )
    assert [f.severity for f in findings] == [Severity.CRITICAL, Severity.MEDIUM]
    assert findings[0].policy == "strict_fairness"


def test_a_new_version_worse_than_the_previous_one_points_to_a_rollback() -> None:
    worse = PerformanceResult((), None, version_comparison=VersionComparison("roc_auc", "3", 0.67, "2", 0.85, 5000))
    (finding,) = judge(rules(performance__max_version_regression=0.05), NightEvidence(performance=worse))
    assert (finding.check, finding.subject, finding.fault) == (
        "performance.version_regression",
        "version 3 vs 2",
        "model",
    )
    assert finding.measured == pytest.approx(0.18)
    assert "rolling back to version 2" in finding.message
    better = PerformanceResult((), None, version_comparison=VersionComparison("roc_auc", "2", 0.85, "1", 0.80, 5000))
    assert judge(rules(performance__max_version_regression=0.05), NightEvidence(performance=better)) == ()
    errors = PerformanceResult((), None, version_comparison=VersionComparison("mae", "2", 13.0, "1", 10.0, 5000))
    (relative,) = judge(rules(performance__max_version_regression=0.2), NightEvidence(performance=errors))
    assert relative.measured == pytest.approx(0.3)


def test_a_tolerated_fraction_silences_only_failures_that_have_a_fraction() -> None:
    failed = (
        ExpectationOutcome("expect_column_values_to_not_be_null", "income", False, False, 0.01, None),
        ExpectationOutcome("expect_table_row_count_to_be_between", None, False, False, None, 12),
    )
    evidence = NightEvidence(validation=ValidationResult("loan", False, 5, failed))
    findings = judge(rules(data_quality__max_unexpected_fraction=0.05), evidence)
    assert [(f.check, f.subject) for f in findings] == [
        ("data_quality.expectation", "expect_table_row_count_to_be_between")
    ]
