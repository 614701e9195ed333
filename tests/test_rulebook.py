"""The rulebook: its boundaries hold through the judgement, its catalogue is consistent with the config models,
its ranges are enforced at load, and its merge and comparison rules are what it says they are.

The boundary tests build real evidence whose measured value is exactly a threshold's limit (which must pass:
"at the limit passes") and one just beyond it (which must raise the threshold's check, and only it). Limits
are dyadic (0.125, 0.25, ...) and steps either the next float or 2**-30, so a measure the judge derives from two
figures (a drop, a rise, a ratio) comes out exactly the value asked for; each such factory asserts it does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern import rulebook
from govern.config import (
    EffectiveRules,
    ModelConfig,
    PolicyConfig,
    Rules,
    effective_rules,
    load_fleet,
)
from govern.errors import ConfigError
from govern.fairness import fairness_report
from govern.metrics import METRICS
from govern.policy import judge
from govern.results import AttributeFairness, DriftThresholds, Evidence, Finding
from govern.rulebook import CATALOGUE, CHECKS, SECTION_SEVERITY, THRESHOLDS, CheckSpec, Severity, ThresholdSpec
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
from tests.fleet_factory import POLICIES, model_config, write_fleet

LIMITS = ("floor", "ceiling")

# ---------------------------------------------------------------------------------------------- boundaries


@dataclass(frozen=True)
class Boundary:
    """One way to measure a threshold: ``evidence(measured)`` is a night whose only figure judged by
    ``limit`` (with the extra ``rules``) measures exactly ``measured``; a breach raises ``check``."""

    name: str
    limit: float
    check: str
    evidence: Callable[[float], Evidence]
    rules: dict[str, Any] = field(default_factory=dict)
    step: float | None = None
    """None: the next float beyond the limit; else this absolute step (for measures derived by subtraction,
    where the next float is not representable in the figures they are derived from)."""

    def beyond(self, spec: ThresholdSpec) -> float:
        down = spec.kind == "floor"
        if self.step is None:
            return math.nextafter(self.limit, -math.inf if down else math.inf)
        return self.limit - self.step if down else self.limit + self.step


STEP = 2.0**-30  # ~1e-9; dyadic, so 0.875 - (0.125 + STEP) and its inverse are exact


def _exact(derived: float | None, measured: float) -> None:
    """The evidence must make the judge derive exactly ``measured`` (else the boundary is not tested)."""
    assert derived == measured, f"the factory derives {derived!r}, not {measured!r}"


def _sla(kind: str, name: str) -> Callable[[float], Evidence]:
    return lambda m: Evidence(performance=performance(metric(name=name, kind=kind, value=m)))


def _score_drop(kind: str) -> Callable[[float], Evidence]:
    reference = 0.875

    def build(m: float) -> Evidence:
        value = reference - m
        _exact(reference - value, m)  # govern.policy: drop = reference - value
        return Evidence(performance=performance(metric(kind=kind, value=value, reference=reference)))

    return build


def _error_rise(m: float) -> Evidence:
    reference = 8.0
    value = reference * (1.0 + m)
    _exact(value / reference - 1.0, m)  # error metrics: drop = value / reference - 1
    return Evidence(performance=performance(metric(name="mae", value=value, reference=reference)))


def _score_regression(m: float) -> Evidence:
    previous = 0.875
    value = previous - m
    _exact(previous - value, m)
    return Evidence(performance=performance(version_comparison=comparison(value=value, previous_value=previous)))


def _error_regression(m: float) -> Evidence:
    previous = 8.0
    value = previous * (1.0 + m)
    _exact(value / previous - 1.0, m)
    return Evidence(
        performance=performance(version_comparison=comparison(metric="mae", value=value, previous_value=previous))
    )


_MEASURE_KEYWORD = {"jensen_shannon": "js", "psi": "psi", "wasserstein": "wasserstein"}


def _feature(measure: str) -> Callable[[float], Evidence]:
    """A feature measuring ``m`` on ``measure`` only, flagged drifted by the drift stage (its report's limit is
    half the rules' limit), so that the verdict is the judge's own comparison with the rules in force."""

    def build(m: float) -> Evidence:
        stage = DriftThresholds(**({name: None for name in _MEASURE_KEYWORD} | {measure: m / 2}))
        measures: dict[str, Any] = {keyword: None for keyword in _MEASURE_KEYWORD.values()}
        measures[_MEASURE_KEYWORD[measure]] = m
        flagged = column(name="income", thresholds=stage, **measures)
        assert flagged.exceeded == (measure,)
        return Evidence(drift=drift(flagged, thresholds=stage))

    return build


def _prediction(m: float) -> Evidence:
    return Evidence(drift=drift(prediction=(column(name="score", js=m),)))


def _reconstruction(m: float) -> Evidence:
    multivariate = reconstruction(value=1.0 + m, reference=1.0)
    _exact(multivariate.relative_increase, m)
    return Evidence(drift=drift(multivariate=multivariate))


def _only(measure: str, m: float) -> AttributeFairness:
    """An attribute judged on ``measure`` alone."""
    measures: dict[str, Any] = {"impact": None, measure: m}
    return attribute(**measures)


def _tonight(measure: str) -> Callable[[float], Evidence]:
    return lambda m: Evidence(fairness=fairness(_only(measure, m)))


def _labelled(measure: str) -> Callable[[float], Evidence]:
    return lambda m: Evidence(labelled_fairness=fairness(_only(measure, m)))


def _share_rise(m: float) -> Evidence:
    reference_share = 0.25
    client = segment(name="orbit", n=500, share=reference_share + m, reference_share=reference_share)
    _exact(client.share - client.reference_share, m)
    return Evidence(segments=(client,))


def _positive_rate_ratio(m: float) -> Evidence:
    reference_rate = 0.125  # a power of two: the ratio's division is exact
    client = segment(name="orbit", n=500, positive_rate=m * reference_rate, reference_positive_rate=reference_rate)
    _exact(client.positive_rate / client.reference_positive_rate, m)
    return Evidence(segments=(client,))


def _unexpected(m: float) -> Evidence:
    return Evidence(validation=validation(expectation(critical=False, unexpected_fraction=m)))


def _nulls(m: float) -> Evidence:
    """A feature null in a share ``m`` of tonight's rows and in none of the reference's (the rise is ``m``)."""
    lost = column(name="income").model_copy(update={"null_fraction_reference": 0.0, "null_fraction_current": m})
    return Evidence(rows=1000, drift=drift(lost))


ROC_AUC = {"performance__metric": "roc_auc"}
MAE = {"performance__metric": "mae"}

#: spec.key -> the ways of measuring it; every floor and ceiling of the rulebook must have one.
BOUNDARIES: dict[str, tuple[Boundary, ...]] = {
    "performance.minimum": tuple(
        Boundary(kind, 0.75, f"performance.{kind}_roc_auc", _sla(kind, "roc_auc"), ROC_AUC)
        for kind in ("estimated", "realized")
    ),
    "performance.maximum": tuple(
        Boundary(kind, 12.5, f"performance.{kind}_mae", _sla(kind, "mae"), MAE) for kind in ("estimated", "realized")
    ),
    "performance.max_drop": (
        *(
            Boundary(kind, 0.125, f"performance.{kind}_roc_auc_drop", _score_drop(kind), ROC_AUC, STEP)
            for kind in ("estimated", "realized")
        ),
        Boundary("mae", 0.125, "performance.estimated_mae_drop", _error_rise, MAE, STEP),
    ),
    "performance.max_version_regression": (
        Boundary("roc_auc", 0.125, "performance.version_regression", _score_regression, step=STEP),
        Boundary("mae", 0.125, "performance.version_regression", _error_regression, step=STEP),
    ),
    "drift.max_jensen_shannon": (Boundary("feature", 0.125, "drift.feature", _feature("jensen_shannon")),),
    "drift.max_psi": (Boundary("feature", 0.25, "drift.feature", _feature("psi")),),
    "drift.max_wasserstein": (Boundary("feature", 0.5, "drift.feature", _feature("wasserstein")),),
    "drift.max_prediction_jensen_shannon": (Boundary("score", 0.125, "drift.prediction", _prediction),),
    "drift.max_reconstruction_error_increase": (
        Boundary("multivariate", 0.25, "drift.multivariate", _reconstruction, step=STEP),
    ),
    "fairness.min_impact_ratio": (
        Boundary("tonight", 0.75, "fairness.impact_ratio", lambda m: Evidence(fairness=fairness(attribute(impact=m)))),
    ),
    "fairness.max_demographic_parity_difference": (
        Boundary("tonight", 0.125, "fairness.demographic_parity_difference", _tonight("parity")),
    ),
    "fairness.max_equal_opportunity_difference": (
        Boundary("labelled", 0.125, "fairness.equal_opportunity_difference", _labelled("equal_opportunity")),
    ),
    "fairness.max_equalized_odds_difference": (
        Boundary("labelled", 0.125, "fairness.equalized_odds_difference", _labelled("equalized_odds")),
    ),
    "fairness.max_fpr_difference": (Boundary("labelled", 0.125, "fairness.fpr_difference", _labelled("fpr")),),
    "fairness.max_fnr_difference": (Boundary("labelled", 0.125, "fairness.fnr_difference", _labelled("fnr")),),
    "data_quality.max_unexpected_fraction": (
        Boundary("non-critical", 0.0625, "data_quality.expectation", _unexpected),
    ),
    "data_quality.max_null_fraction_increase": (Boundary("feature", 0.125, "data_quality.null_fraction", _nulls),),
    "segments.max_share_increase": (Boundary("client", 0.125, "segments.share_increase", _share_rise, step=STEP),),
    "segments.max_positive_rate_ratio": (
        Boundary("client", 3.0, "segments.positive_rate_ratio", _positive_rate_ratio),
    ),
}


def _check_spec(check: str) -> CheckSpec:
    """The catalogue entry a finding's check id is an instance of (performance ids name their metric)."""
    for entry in CHECKS:
        names = [entry.id.replace("<metric>", m) for m in METRICS] if "<metric>" in entry.id else [entry.id]
        if check in names:
            return entry
    raise AssertionError(f"{check} is not an instance of any CheckSpec")


def _judge_one(spec: ThresholdSpec, case: Boundary, measured: float) -> tuple[Finding, ...]:
    values: dict[str, Any] = {f"{spec.section}__{spec.name}": case.limit, **case.rules}
    in_force = rules(**values)
    return judge(in_force, case.evidence(measured))


@pytest.mark.parametrize("spec", [t for t in THRESHOLDS if t.kind in LIMITS], ids=lambda t: t.key)
def test_at_the_limit_passes_and_just_beyond_it_is_the_thresholds_check(spec: ThresholdSpec) -> None:
    assert spec.key in BOUNDARIES, f"{spec.key} has no boundary case: add one to BOUNDARIES"
    for case in BOUNDARIES[spec.key]:
        entry = _check_spec(case.check)
        assert (entry.section, spec.name in entry.thresholds) == (spec.section, True), (
            f"{case.check} ({entry.id}) must be a check the catalogue lists for {spec.key}"
        )
        spec.check_value(case.limit)  # a limit a policy could set
        assert _judge_one(spec, case, case.limit) == (), f"{spec.key}[{case.name}]: at the limit must pass"
        beyond = case.beyond(spec)
        findings = _judge_one(spec, case, beyond)
        assert [f.check for f in findings] == [case.check], f"{spec.key}[{case.name}] at {beyond!r}"
        (finding,) = findings
        assert finding.measured == beyond
        assert (finding.threshold, finding.policy) == (case.limit, POLICY)
        assert finding.comparison == (">=" if spec.kind == "floor" else "<=")


def _client_judged(count: int, gate: int) -> bool:
    client = segment(name="orbit", n=count, share=0.5, reference_share=0.1)
    return bool(judge(rules(segments__min_rows=gate, segments__max_share_increase=0.1), Evidence(segments=(client,))))


def _drift_judged(count: int, gate: int) -> bool:
    features = [column(name=f"feature_{i}", js=0.5) for i in range(count)]
    return bool(judge(rules(drift__min_features_drifted_for_finding=gate), Evidence(drift=drift(*features))))


def _group_judged(count: int, gate: int) -> bool:
    """fairness.min_group_size is applied where the groups are summarised: govern.fairness."""
    frame = pd.DataFrame({"gender": ["F"] * count + ["M"] * gate, "approved": ([1, 0] * count)[:count] + [1] * gate})
    report = fairness_report(frame, prediction="approved", attributes=["gender"], min_group_size=gate)
    return any(g.sufficient for g in report.groups if g.group == "F")


def _column_judged(count: int, gate: int) -> bool:
    """drift.min_rows is applied where a column is measured: govern.drift."""
    from govern.drift import column_drift
    from govern.results import DriftThresholds

    reference = pd.Series(np.arange(2 * gate + 100, dtype=float), name="x")
    current = pd.Series(np.r_[np.arange(count, dtype=float) + 1e6, [np.nan] * 7], name="x")  # nulls don't count
    return column_drift(reference, current, thresholds=DriftThresholds(min_rows=gate)).judged


def _estimate_judged(count: int, gate: int) -> bool:
    """performance.min_rows: tonight's rows against the gate, as the estimate stage asks it."""
    from govern.policy import gate_met

    return gate_met(rules(performance__min_rows=gate), "performance", "min_rows", count)


#: spec.key -> judged(count, gate): whether a count of exactly ``count`` gets a verdict under ``gate``.
GATES: dict[str, Callable[[int, int], bool]] = {
    "segments.min_rows": _client_judged,
    "drift.min_features_drifted_for_finding": _drift_judged,
    "fairness.min_group_size": _group_judged,
    "drift.min_rows": _column_judged,
    "performance.min_rows": _estimate_judged,
}


@pytest.mark.parametrize("spec", [t for t in THRESHOLDS if t.kind == "gate"], ids=lambda t: t.key)
@pytest.mark.parametrize("gate", ["default", 3])
def test_a_count_at_the_gate_is_judged_and_one_below_is_not(spec: ThresholdSpec, gate: int | str) -> None:
    assert spec.key in GATES, f"{spec.key} has no gate case: add one to GATES"
    value = int(spec.default) if gate == "default" else int(gate)  # type: ignore[arg-type]
    judged = GATES[spec.key]
    assert judged(value, value), f"{spec.key}: a count of exactly {value} must be judged"
    assert not judged(value - 1, value), f"{spec.key}: a count of {value - 1} must not be judged"


def test_every_limit_and_gate_of_the_rulebook_has_a_boundary_case() -> None:
    assert set(BOUNDARIES) == {t.key for t in THRESHOLDS if t.kind in LIMITS}
    assert set(GATES) == {t.key for t in THRESHOLDS if t.kind == "gate"}


# ---------------------------------------------------------------------------------------------- catalogue


def test_every_section_has_a_severity() -> None:
    assert {t.section for t in THRESHOLDS} == set(SECTION_SEVERITY)
    assert {c.section for c in CHECKS} <= set(SECTION_SEVERITY)


def test_the_config_models_declare_exactly_the_rulebooks_thresholds() -> None:
    declared = {
        (section, name)
        for section, info in Rules.model_fields.items()
        for name in info.annotation.model_fields  # type: ignore[union-attr]
        if name != "severity"
    }
    assert declared == set(CATALOGUE)
    assert set(Rules.model_fields) == set(SECTION_SEVERITY)


def test_every_check_names_thresholds_of_its_section() -> None:
    for entry in CHECKS:
        for name in entry.thresholds:
            assert (entry.section, name) in CATALOGUE, f"{entry.id} names unknown {entry.section}.{name}"
    assert len({c.id for c in CHECKS}) == len(CHECKS)


def test_every_limit_can_fire_a_check() -> None:
    fired = {(c.section, name) for c in CHECKS for name in c.thresholds}
    assert {(t.section, t.name) for t in THRESHOLDS if t.kind in LIMITS} == fired


@pytest.mark.parametrize("spec", [t for t in THRESHOLDS if t.default is not None], ids=lambda t: t.key)
def test_defaults_lie_within_their_bounds(spec: ThresholdSpec) -> None:
    spec.check_value(spec.default)  # type: ignore[arg-type]
    if spec.bounds is not None and not isinstance(spec.default, bool | str):
        assert spec.bounds.contains(float(spec.default))  # type: ignore[arg-type]


def test_an_unknown_threshold_names_the_sections_thresholds() -> None:
    with pytest.raises(KeyError) as raised:
        rulebook.spec("drift", "nope")
    message = str(raised.value)
    assert "drift.nope" in message
    for entry in rulebook.in_section("drift"):
        assert entry.name in message


def _outside(spec: ThresholdSpec) -> float:
    bounds = spec.bounds
    assert bounds is not None
    if math.isfinite(bounds.low):
        return bounds.low if bounds.low_open else bounds.low - 0.5
    return bounds.high if bounds.high_open else bounds.high + 0.5


@pytest.mark.parametrize("spec", [t for t in THRESHOLDS if t.bounds is not None], ids=lambda t: t.key)
def test_a_value_outside_the_range_is_refused_with_the_range(spec: ThresholdSpec) -> None:
    value = _outside(spec)
    with pytest.raises(ValueError, match=re.escape(str(spec.bounds))) as raised:
        spec.check_value(value)
    assert spec.name in str(raised.value) and repr(value) in str(raised.value)


@pytest.mark.parametrize(
    ("section", "name", "value", "shown"),
    [
        ("drift", "max_wasserstein", 0, "(0, inf)"),
        ("fairness", "min_impact_ratio", 5, "(0, 1]"),
        ("data_quality", "max_unexpected_fraction", 1.5, "[0, 1]"),
        ("segments", "min_rows", 0, "[1, inf)"),
        ("drift", "max_psi", float("inf"), "must be a finite number"),  # would switch the limit off
        ("fairness", "min_impact_ratio", True, "must be a number"),  # not taken for 1.0
        ("fairness", "min_group_size", 12.5, "must be a whole number"),
        ("fairness", "intersectional", "yes", "must be true or false"),
    ],
)
def test_a_policy_with_a_value_out_of_range_is_refused_at_load(
    tmp_path: Path, section: str, name: str, value: float, shown: str
) -> None:
    policies = {**POLICIES, "broken": {"name": "broken", section: {name: value}}}
    fleet = write_fleet(tmp_path, models=[model_config(policies=["broken"])], policies=policies)
    with pytest.raises(ConfigError) as raised:
        load_fleet(fleet)
    message = str(raised.value)
    assert str(tmp_path / "configs" / "policies" / "broken.yaml") in message
    assert f"{section}.{name}" in message
    assert shown in message


def test_a_models_sla_bound_outside_the_metrics_range_is_refused_at_load(tmp_path: Path) -> None:
    model = model_config(thresholds={"performance": {"metric": "roc_auc", "maximum": -5}})
    with pytest.raises(ConfigError) as raised:
        load_fleet(write_fleet(tmp_path, models=[model]))
    message = str(raised.value)
    assert "loan.yaml" in message and "performance.maximum" in message and "[0, 1]" in message


def test_an_sla_level_without_its_metric_is_refused_at_load(tmp_path: Path) -> None:
    model = model_config(thresholds={"performance": {"minimum": 5.0}})
    with pytest.raises(ConfigError, match=r"loan\.yaml: performance\.minimum .*needs performance\.metric"):
        load_fleet(write_fleet(tmp_path, models=[model]))


# ---------------------------------------------------------------------------------------------- properties

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@pytest.mark.parametrize("kind", LIMITS)
@given(measured=finite, limit=finite)
def test_breached_is_the_strict_comparison(kind: str, measured: float, limit: float) -> None:
    spec = next(t for t in THRESHOLDS if t.kind == kind)
    assert spec.breached(measured, limit) is (measured < limit if kind == "floor" else measured > limit)
    assert not spec.breached(limit, limit)
    assert not spec.breached(None, limit) and not spec.breached(measured, None)
    assert not spec.breached(math.nan, limit)


@pytest.mark.parametrize("spec", [t for t in THRESHOLDS if t.kind in LIMITS], ids=lambda t: t.key)
@given(old=finite, new=finite)
def test_the_stricter_of_a_floor_is_the_max_and_of_a_ceiling_the_min(
    spec: ThresholdSpec, old: float, new: float
) -> None:
    assert spec.stricter(old, new) == (max(old, new) if spec.kind == "floor" else min(old, new))


@given(count=st.integers(0, 10_000), gate=st.integers(1, 10_000))
def test_a_gate_is_met_at_its_value(count: int, gate: int) -> None:
    assert CATALOGUE[("segments", "min_rows")].gate_met(count, gate) is (count >= gate)


def _value_of(spec: ThresholdSpec) -> st.SearchStrategy[Any]:
    """Valid values of a threshold a policy may set."""
    if spec.kind == "switch":
        return st.booleans()
    if spec.kind == "gate":
        return st.integers(1, 1000)
    if spec.kind == "list":
        return st.lists(st.sampled_from(["roc_auc", "f1", "recall", "specificity"]), max_size=3).map(tuple)
    bounds = spec.bounds or rulebook.UNIT  # the SLA bounds are the metric's: roc_auc's [0, 1] will do
    return st.floats(
        min_value=bounds.low,
        max_value=min(bounds.high, 100.0),
        exclude_min=bounds.low_open,
        exclude_max=bounds.high_open and bounds.high <= 100.0,
        allow_nan=False,
    )


MERGEABLE = [t for t in THRESHOLDS if t.kind != "choice"]


@st.composite
def policy(draw: st.DrawFn, name: str) -> PolicyConfig:
    sections: dict[str, dict[str, Any]] = {}
    for spec in MERGEABLE:
        if draw(st.booleans()):
            sections.setdefault(spec.section, {})[spec.name] = draw(_value_of(spec))
    for section in SECTION_SEVERITY:
        severity = draw(st.none() | st.sampled_from(list(Severity)))
        if severity is not None:
            sections.setdefault(section, {})["severity"] = severity
    return PolicyConfig.model_validate({"name": name, **sections})


def _merged(first: str, second: str, policies: dict[str, PolicyConfig]) -> EffectiveRules:
    model = ModelConfig.model_validate(model_config(policies=[first, second], thresholds={}))
    return effective_rules(model, policies, [])


@settings(deadline=None, max_examples=200)
@given(one=policy("one"), two=policy("two"))
def test_merging_policies_does_not_depend_on_their_order(one: PolicyConfig, two: PolicyConfig) -> None:
    policies = {"one": one, "two": two}
    forward, backward = _merged("one", "two", policies), _merged("two", "one", policies)
    assert {k: t.value for k, t in forward.thresholds.items()} == {k: t.value for k, t in backward.thresholds.items()}
    assert forward.severities == backward.severities
    for (section, name), threshold in forward.thresholds.items():  # and it is the stricter of the two
        spec = CATALOGUE[(section, name)]
        values = [v for v in (getattr(getattr(p, section), name) for p in (one, two)) if v is not None]
        if not values:
            assert (threshold.value, threshold.source) == (spec.default, "default")
        else:
            assert threshold.value == (values[0] if len(values) == 1 else spec.stricter(*values))


def test_two_policies_that_disagree_on_a_choice_are_refused_in_either_order() -> None:
    policies = {
        "one": PolicyConfig.model_validate({"name": "one", "performance": {"metric": "roc_auc"}}),
        "two": PolicyConfig.model_validate({"name": "two", "performance": {"metric": "f1"}}),
    }
    for order in (("one", "two"), ("two", "one")):
        with pytest.raises(ConfigError, match="must agree across its policies"):
            _merged(*order, policies)
    model = ModelConfig.model_validate(
        model_config(policies=["one", "two"], thresholds={"performance": {"metric": "f1"}})
    )
    assert effective_rules(model, policies, []).value("performance", "metric") == "f1"


# ---------------------------------------------------------------------------------------------- check ids


def test_every_finding_the_judge_can_produce_carries_a_known_check() -> None:
    """A night that breaks every rule: each finding's check is in the catalogue, and every check is raised."""
    evidence = Evidence(
        model_version="3",
        rows=1000,
        missing_batch="data/loan/batches/2026-10-01.parquet",
        validation=validation(
            expectation(name="expect_column_values_to_be_between", critical=True, unexpected_fraction=0.9),
            expectation(unexpected_fraction=0.5),
        ),
        performance=performance(
            metric(value=0.6, reference=0.85),
            metric(value=0.6, reference=0.85, kind="realized"),
            version_comparison=comparison(value=0.6, previous_value=0.85),
        ),
        drift=drift(
            column(name="income", js=0.5).model_copy(update={"null_fraction_current": 0.5}),
            prediction=(column(name="score", js=0.5),),
            multivariate=reconstruction(value=2.0, reference=1.0),
        ),
        fairness=fairness(attribute(impact=0.5, parity=0.5)),
        labelled_fairness=fairness(attribute(equal_opportunity=0.5, equalized_odds=0.5, fpr=0.5, fnr=0.5)),
        segments=(segment(name="orbit", n=600, share=0.4, reference_share=0.05, positive_rate=0.5),),
    )
    in_force = rules(
        performance__metric="roc_auc",
        performance__minimum=0.75,
        performance__max_drop=0.05,
        performance__max_version_regression=0.05,
        drift__max_prediction_jensen_shannon=0.1,
        drift__max_reconstruction_error_increase=0.1,
        **FAIRNESS_LIMITS,
        data_quality__max_unexpected_fraction=0.05,
        segments__max_share_increase=0.1,
        segments__max_positive_rate_ratio=3.0,
    )
    checks = {f.check for f in judge(in_force, evidence)}
    assert all(rulebook.known_check(c) for c in checks), sorted(c for c in checks if not rulebook.known_check(c))
    assert checks == {c.id.replace("<metric>", "roc_auc") for c in CHECKS}


def test_known_check_refuses_what_the_catalogue_does_not_list() -> None:
    assert rulebook.known_check(rulebook.performance_check("realized", "mae", drop=True))
    for unknown in ("performance.estimated_nope", "performance.version_regression_drop", "drift.features", ""):
        assert not rulebook.known_check(unknown)
