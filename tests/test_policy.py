"""Judgement: each rule fires on a breach, stays silent within limits, and blames the right party.

The evidence and the rules come from the keyword factories of tests/evidence_factory.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.config import Severity, load_fleet
from govern.policy import judge
from govern.results import DriftThresholds, Evidence
from tests.evidence_factory import (
    FAIRNESS_LIMITS,
    POLICY,
    attribute,
    column,
    comparison,
    drift,
    expectation,
    fairness,
    metric,
    performance,
    reconstruction,
    rules,
    segment,
    validation,
)
from tests.fleet_factory import model_config, write_fleet


def test_within_limits_nothing_is_found() -> None:
    evidence = Evidence(
        performance=performance(metric(value=0.84), metric(value=0.83, kind="realized")),
        drift=drift(column(name="income", js=0.05)),
        fairness=fairness(attribute(name="gender", impact=0.95)),
    )
    in_force = rules(performance__metric="roc_auc", performance__minimum=0.78, fairness__min_impact_ratio=0.8)
    assert judge(in_force, evidence) == ()


def test_sla_breach_estimated_and_realized_blame_the_model() -> None:
    evidence = Evidence(
        model_version="3", performance=performance(metric(value=0.70), metric(value=0.71, kind="realized"))
    )
    findings = judge(rules(performance__metric="roc_auc", performance__minimum=0.78), evidence)
    assert [f.check for f in findings] == ["performance.estimated_roc_auc", "performance.realized_roc_auc"]
    assert all(f.fault == "model" and f.threshold == 0.78 and f.comparison == ">=" for f in findings)
    assert "version 3" in findings[0].message
    assert findings[0].policy == POLICY


def test_the_sla_metric_comes_from_the_rules() -> None:
    evidence = Evidence(performance=performance(metric(name="roc_auc", value=0.5), metric(name="f1", value=0.9)))
    assert judge(rules(performance__metric="f1", performance__minimum=0.78), evidence) == ()
    assert judge(rules(performance__minimum=0.78), evidence) == ()  # no SLA metric, no SLA
    (finding,) = judge(rules(performance__metric="roc_auc", performance__minimum=0.78), evidence)
    assert finding.check == "performance.estimated_roc_auc"


def test_an_error_metric_is_bounded_from_above() -> None:
    evidence = Evidence(performance=performance(metric(name="mae", value=160.0)))
    (finding,) = judge(rules(performance__metric="mae", performance__maximum=150.0), evidence)
    assert (finding.check, finding.comparison, finding.measured) == ("performance.estimated_mae", "<=", 160.0)


def test_max_drop_is_absolute_for_scores_and_relative_for_errors() -> None:
    score = Evidence(performance=performance(metric(value=0.79, reference=0.85)))
    drop = judge(rules(performance__metric="roc_auc", performance__max_drop=0.05), score)
    assert [(f.check, round(f.measured or 0.0, 6)) for f in drop] == [("performance.estimated_roc_auc_drop", 0.06)]
    error = Evidence(performance=performance(metric(name="mae", value=130.0, reference=100.0)))
    rise = judge(rules(performance__metric="mae", performance__max_drop=0.2), error)
    assert [(f.check, round(f.measured or 0.0, 6)) for f in rise] == [("performance.estimated_mae_drop", 0.3)]
    fine = Evidence(performance=performance(metric(name="mae", value=110.0, reference=100.0)))
    in_force = rules(performance__metric="mae", performance__max_drop=0.2, performance__maximum=150)
    assert judge(in_force, fine) == ()


def test_critical_expectation_makes_tonights_findings_the_datas_fault() -> None:
    evidence = Evidence(
        validation=validation(
            expectation(name="expect_column_values_to_be_between", critical=True, unexpected_fraction=0.98)
        ),
        performance=performance(metric(value=0.70), metric(value=0.70, kind="realized")),
        drift=drift(column(name="income", js=0.6), prediction=(column(name="score", js=0.6),)),
        fairness=fairness(attribute(name="gender", impact=0.5)),
    )
    in_force = rules(
        performance__metric="roc_auc",
        performance__minimum=0.78,
        fairness__min_impact_ratio=0.8,
        drift__max_prediction_jensen_shannon=0.1,
    )
    by_check = {f.check: f for f in judge(in_force, evidence)}
    critical = by_check["data_quality.critical_expectation"]
    assert (critical.fault, critical.severity) == ("data", Severity.HIGH)
    assert critical.subject == "expect_column_values_to_be_between(income)"
    assert by_check["performance.estimated_roc_auc"].fault == "data"
    assert by_check["fairness.impact_ratio"].fault == "data"
    assert by_check["drift.prediction"].fault == "data"
    assert (by_check["drift.feature"].subject, by_check["drift.feature"].fault) == ("income", "data")
    # an earlier, labelled batch was not affected by tonight's bad data
    assert by_check["performance.realized_roc_auc"].fault == "model"


def test_without_bad_data_the_model_and_its_output_keep_their_own_fault() -> None:
    evidence = Evidence(
        validation=validation(expectation(unexpected_fraction=0.5)),  # a non-critical failure: not bad data
        performance=performance(metric(value=0.70)),
        drift=drift(prediction=(column(name="score", js=0.6),)),
        fairness=fairness(attribute(impact=0.5)),
    )
    in_force = rules(
        performance__metric="roc_auc",
        performance__minimum=0.78,
        fairness__min_impact_ratio=0.8,
        drift__max_prediction_jensen_shannon=0.1,
    )
    faults = {f.check: f.fault for f in judge(in_force, evidence)}
    assert faults == {
        "data_quality.expectation": "data",
        "performance.estimated_roc_auc": "model",
        "fairness.impact_ratio": "model",
        "drift.prediction": "unknown",
    }


def test_fairness_rules_and_intersections() -> None:
    evidence = Evidence(
        fairness=fairness(
            attribute(name="gender", impact=0.9), attribute(name="gender x race", impact=0.6, intersectional=True)
        ),
        labelled_fairness=fairness(attribute(name="gender", impact=0.9, equalized_odds=0.15)),
    )
    in_force = rules(fairness__min_impact_ratio=0.8, fairness__max_equalized_odds_difference=0.1)
    assert sorted((f.check, f.subject) for f in judge(in_force, evidence)) == [
        ("fairness.equalized_odds_difference", "gender"),
        ("fairness.impact_ratio", "gender x race"),
    ]
    off = rules(fairness__min_impact_ratio=0.8, fairness__intersectional=False)
    assert judge(off, evidence) == ()


def test_every_fairness_measure_has_its_rule() -> None:
    evidence = Evidence(
        fairness=fairness(attribute(impact=0.5, parity=0.4)),
        labelled_fairness=fairness(attribute(equal_opportunity=0.3, equalized_odds=0.3, fpr=0.3, fnr=0.3)),
    )
    in_force = rules(**FAIRNESS_LIMITS)
    found = {f.check: (f.measured, f.comparison) for f in judge(in_force, evidence)}
    assert found == {
        "fairness.impact_ratio": (0.5, ">="),
        "fairness.demographic_parity_difference": (0.4, "<="),
        "fairness.equal_opportunity_difference": (0.3, "<="),
        "fairness.equalized_odds_difference": (0.3, "<="),
        "fairness.fpr_difference": (0.3, "<="),
        "fairness.fnr_difference": (0.3, "<="),
    }


def test_segments_need_enough_rows_and_a_real_departure() -> None:
    segments = (
        segment(name="orbit", n=600, share=0.30, reference_share=0.03, positive_rate=0.40),
        segment(name="tiny", n=10, share=0.005, reference_share=0.001, positive_rate=0.9),
        segment(name="steady", n=900, share=0.45, reference_share=0.44),
    )
    in_force = rules(segments__max_share_increase=0.1, segments__max_positive_rate_ratio=3.0)
    assert sorted((f.check, f.subject) for f in judge(in_force, Evidence(segments=segments))) == [
        ("segments.positive_rate_ratio", "orbit"),
        ("segments.share_increase", "orbit"),
    ]
    # the gate is read from the rules: lowered to 10 rows, the tiny client is judged too
    lowered = rules(segments__max_share_increase=0.1, segments__max_positive_rate_ratio=3.0, segments__min_rows=10)
    assert ("segments.positive_rate_ratio", "tiny") in {
        (f.check, f.subject) for f in judge(lowered, Evidence(segments=segments))
    }


def test_multivariate_and_prediction_drift() -> None:
    evidence = Evidence(
        drift=drift(prediction=(column(name="score", js=0.3),), multivariate=reconstruction(value=1.5, reference=1.0))
    )
    in_force = rules(drift__max_reconstruction_error_increase=0.2, drift__max_prediction_jensen_shannon=0.1)
    findings = judge(in_force, evidence)
    assert sorted(f.check for f in findings) == ["drift.multivariate", "drift.prediction"]
    assert next(f for f in findings if f.check == "drift.multivariate").measured == pytest.approx(0.5)


def test_a_drifted_column_is_reported_once_on_the_first_measure_over_its_limit() -> None:
    # flagged by the drift stage under stricter limits than the rules in force; the judge re-reads every measure
    stage = DriftThresholds(jensen_shannon=0.01, psi=0.01, wasserstein=0.01)
    at_js_limit = column(name="income", js=0.1, psi=0.3, wasserstein=0.9, thresholds=stage)
    at_psi_limit = column(name="age", js=0.05, psi=0.2, wasserstein=0.9, thresholds=stage)
    all_over = column(name="tenure", js=0.5, psi=0.5, wasserstein=0.9, thresholds=stage)
    in_force = rules(drift__max_jensen_shannon=0.1, drift__max_psi=0.2, drift__max_wasserstein=0.5)
    findings = judge(in_force, Evidence(drift=drift(at_js_limit, at_psi_limit, all_over, thresholds=stage)))
    assert sorted((f.subject, f.measured, f.threshold) for f in findings) == [
        ("age", 0.9, 0.5),  # psi at its limit passes: wasserstein is the measure over
        ("income", 0.3, 0.2),  # js at its limit passes: psi is
        ("tenure", 0.5, 0.1),
    ]


def test_drift_findings_wait_for_enough_drifted_features() -> None:
    evidence = Evidence(drift=drift(column(name="income", js=0.5), column(name="age", js=0.5)))
    assert len(judge(rules(), evidence)) == 2
    assert judge(rules(drift__min_features_drifted_for_finding=3), evidence) == ()


def test_findings_are_ordered_most_severe_first(tmp_path: Path) -> None:
    model = model_config(policies=["us_four_fifths", "strict_fairness"])
    fleet_rules = load_fleet(write_fleet(tmp_path, models=[model])).rules("loan")
    evidence = Evidence(fairness=fairness(attribute(impact=0.5)), drift=drift(column(name="income", js=0.5)))
    findings = judge(fleet_rules, evidence)
    assert [(f.check, f.severity) for f in findings] == [
        ("fairness.impact_ratio", Severity.CRITICAL),
        ("drift.feature", Severity.MEDIUM),
    ]
    assert findings[0].policy == "strict_fairness"
    assert findings[1].policy == "drift_standard"


def test_a_new_version_worse_than_the_previous_one_points_to_a_rollback() -> None:
    worse = Evidence(performance=performance(version_comparison=comparison(value=0.67, previous_value=0.85)))
    (finding,) = judge(rules(performance__max_version_regression=0.05), worse)
    assert (finding.check, finding.subject, finding.fault) == (
        "performance.version_regression",
        "version 3 vs 2",
        "model",
    )
    assert finding.measured == pytest.approx(0.18)
    assert "rolling back to version 2" in finding.message
    better = Evidence(
        performance=performance(
            version_comparison=comparison(version="2", value=0.85, previous_version="1", previous_value=0.80)
        )
    )
    assert judge(rules(performance__max_version_regression=0.05), better) == ()
    errors = Evidence(
        performance=performance(version_comparison=comparison(metric="mae", value=13.0, previous_value=10.0))
    )
    (relative,) = judge(rules(performance__max_version_regression=0.2), errors)
    assert relative.measured == pytest.approx(0.3)


def test_a_tolerated_fraction_silences_only_failures_that_have_a_fraction() -> None:
    evidence = Evidence(
        validation=validation(
            expectation(name="expect_column_values_to_not_be_null", unexpected_fraction=0.01),
            expectation(
                name="expect_table_row_count_to_be_between", column=None, unexpected_fraction=None, observed=12
            ),
        )
    )
    findings = judge(rules(data_quality__max_unexpected_fraction=0.05), evidence)
    assert [(f.check, f.subject, f.severity) for f in findings] == [
        ("data_quality.expectation", "expect_table_row_count_to_be_between", Severity.LOW)
    ]
    # with no tolerance in force every failure is a finding
    assert len(judge(rules(), evidence)) == 2


# ---------------------------------------------------------------------------------------------- not judged


def test_checks_that_could_not_be_made_are_listed_with_their_reason() -> None:
    from govern.policy import not_judged
    from govern.results import Evidence

    in_force = rules(performance__metric="roc_auc", **FAIRNESS_LIMITS)
    undefined = metric(value=None)
    evidence = Evidence(
        rows=1000,
        labelled_rows=40,  # fewer than performance.min_rows (100)
        performance=performance(undefined),
        fairness=fairness(attribute(name="gender", impact=None)),  # nobody selected: no impact ratio
    )
    listed = {(n.section, n.subject): n.reason for n in not_judged(in_force, evidence)}
    assert "undefined" in listed[("performance", "estimated roc_auc")]
    assert "fewer than performance.min_rows" in listed[("performance", "realized roc_auc")]
    assert "min_impact_ratio" in listed[("fairness", "gender")] and "undefined" in listed[("fairness", "gender")]
    assert not_judged(in_force, Evidence(rows=1000, performance=performance(metric(value=0.8)))) == ()


def test_drift_on_too_few_rows_is_not_judged_only_where_a_drift_limit_is_in_force() -> None:
    from govern.policy import not_judged
    from govern.results import Evidence

    small = column(name="income").model_copy(update={"judged": False, "n_current": 12})
    evidence = Evidence(rows=12, drift=drift(small))
    assert [n.section for n in not_judged(rules(), evidence)] == ["drift"]  # the default limits are in force
    off = rules(drift__max_jensen_shannon=None, drift__max_psi=None)
    assert not_judged(off, evidence) == ()
