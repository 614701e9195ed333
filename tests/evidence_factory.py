"""Evidence and rules from keywords, for the judgement tests (tests/test_policy.py, tests/test_rulebook.py).

Each factory builds one result object with sensible defaults (a figure within every default limit), so a test
names only what it is about; ``rules`` builds the rules in force the same way.
"""

from __future__ import annotations

from typing import Any

from govern import rulebook
from govern.config import EffectiveRules, Severity, Threshold
from govern.results import (
    AttributeFairness,
    ColumnDrift,
    DriftReport,
    DriftResult,
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

POLICY = "test_policy"
"""The source of every threshold ``rules`` sets (a finding's ``policy``)."""

#: Every fairness floor and ceiling of the rulebook in force, for ``rules(**FAIRNESS_LIMITS)``.
FAIRNESS_LIMITS: dict[str, Any] = {
    "fairness__min_impact_ratio": 0.8,
    "fairness__max_demographic_parity_difference": 0.1,
    "fairness__max_equal_opportunity_difference": 0.1,
    "fairness__max_equalized_odds_difference": 0.1,
    "fairness__max_fpr_difference": 0.1,
    "fairness__max_fnr_difference": 0.1,
}

# ---------------------------------------------------------------------------------------------- rules


def rules(*, severities: dict[str, Severity] | None = None, **values: Any) -> EffectiveRules:
    """The rulebook's defaults (source "default"), overridden by 'section__name=value' keywords (source
    POLICY); ``None`` switches a default off. A name the rulebook does not know is an error here, not a
    threshold silently never in force."""
    thresholds = {
        (t.section, t.name): Threshold(t.default, "default") for t in rulebook.THRESHOLDS if t.default is not None
    }
    for key, value in values.items():
        section, name = key.split("__")
        rulebook.spec(section, name)
        if value is None:
            thresholds.pop((section, name), None)
        else:
            thresholds[(section, name)] = Threshold(value, POLICY)
    return EffectiveRules(thresholds, severities or {})


# ---------------------------------------------------------------------------------------------- performance


def metric(
    *,
    value: float | None = 0.84,
    kind: str = "estimated",
    name: str = "roc_auc",
    reference: float | None = None,
    batch_night: str = "2026-10-01",
    n: int = 1000,
) -> MetricValue:
    """One performance figure; no reference (so no drop is judged) unless given."""
    return MetricValue(
        metric=name,
        kind=kind,
        batch_night=batch_night,
        value=value,
        lower=None if value is None else value - 0.02,
        upper=None if value is None else value + 0.02,
        sampling_error=0.01,
        lower_threshold=None,
        upper_threshold=None,
        alert=False,
        reference=reference,
        n=n,
    )


def comparison(
    *,
    metric: str = "roc_auc",
    version: str = "3",
    value: float | None = 0.85,
    previous_version: str = "2",
    previous_value: float | None = 0.85,
    n: int = 5000,
) -> VersionComparison:
    """The serving version against the one before it on the reference set (equal scores by default)."""
    return VersionComparison(
        metric=metric,
        version=version,
        value=value,
        previous_version=previous_version,
        previous_value=previous_value,
        n=n,
    )


def performance(*values: MetricValue, version_comparison: VersionComparison | None = None) -> PerformanceResult:
    return PerformanceResult(metrics=values, version_comparison=version_comparison)


# ---------------------------------------------------------------------------------------------- drift


def column(
    *,
    name: str = "income",
    js: float | None = 0.05,
    psi: float | None = None,
    wasserstein: float | None = None,
    kind: str = "numeric",
    thresholds: DriftThresholds | None = None,
) -> ColumnDrift:
    """One column's drift, flagged ``drifted`` as the drift stage flags it: a measure above its limit in
    ``thresholds`` (the report's; the rulebook's defaults if not given)."""
    limits = thresholds or DriftThresholds()
    measures = {"jensen_shannon": js, "psi": psi, "wasserstein": wasserstein}
    exceeded = tuple(
        measure
        for measure, measured in measures.items()
        if rulebook.spec("drift", f"max_{measure}").breached(measured, getattr(limits, measure))
    )
    return ColumnDrift(
        column=name,
        kind=kind,
        n_reference=1000,
        n_current=1000,
        null_fraction_reference=0.0,
        null_fraction_current=0.0,
        jensen_shannon=js,
        psi=psi,
        wasserstein=wasserstein,
        ks_statistic=None,
        ks_pvalue=None,
        chi2_statistic=None,
        chi2_pvalue=None,
        mean_reference=0.0,
        mean_current=0.0,
        drifted=bool(exceeded),
        exceeded=exceeded,
    )


def report(*columns: ColumnDrift, thresholds: DriftThresholds | None = None) -> DriftReport:
    return DriftReport(thresholds=thresholds or DriftThresholds(), columns=columns)


def reconstruction(*, value: float | None = 1.0, reference: float | None = 1.0) -> ReconstructionDrift:
    """NannyML's data reconstruction error tonight and on the reference (no rise by default)."""
    return ReconstructionDrift(
        value=value,
        lower=None,
        upper=None,
        reference=reference,
        lower_threshold=None,
        upper_threshold=None,
        alert=False,
    )


def drift(
    *features: ColumnDrift,
    prediction: tuple[ColumnDrift, ...] | None = None,
    multivariate: ReconstructionDrift | None = None,
    thresholds: DriftThresholds | None = None,
) -> DriftResult:
    return DriftResult(
        features=report(*features, thresholds=thresholds),
        prediction=None if prediction is None else report(*prediction),
        multivariate=multivariate,
    )


# ---------------------------------------------------------------------------------------------- fairness


def attribute(
    *,
    name: str = "gender",
    impact: float | None = 0.95,
    parity: float | None = None,
    equal_opportunity: float | None = None,
    equalized_odds: float | None = None,
    fpr: float | None = None,
    fnr: float | None = None,
    intersectional: bool = False,
) -> AttributeFairness:
    """One attribute's summary over two judged groups; a measure left None is not judged."""
    return AttributeFairness(
        attribute=name,
        intersectional=intersectional,
        n_groups=2,
        n_groups_judged=2,
        most_favoured_group="A",
        least_favoured_group="B",
        min_impact_ratio=impact,
        demographic_parity_difference=parity,
        equal_opportunity_difference=equal_opportunity,
        equalized_odds_difference=equalized_odds,
        fpr_difference=fpr,
        fnr_difference=fnr,
    )


def fairness(*attributes: AttributeFairness, has_labels: bool = True) -> FairnessReport:
    return FairnessReport(
        min_group_size=30, has_labels=has_labels, favourable_prediction=1, attributes=attributes, groups=()
    )


# ---------------------------------------------------------------------------------------------- data quality


def expectation(
    *,
    name: str = "expect_column_values_to_not_be_null",
    column: str | None = "income",
    critical: bool = False,
    unexpected_fraction: float | None = 0.01,
    observed: Any = None,
) -> ExpectationOutcome:
    """A failed expectation (non-critical, 1 % of rows unexpected, by default)."""
    return ExpectationOutcome(
        expectation=name,
        column=column,
        success=False,
        critical=critical,
        unexpected_fraction=unexpected_fraction,
        observed=observed,
    )


def validation(*failed: ExpectationOutcome, suite: str = "loan", evaluated: int = 5) -> ValidationResult:
    return ValidationResult(suite=suite, success=not failed, evaluated=evaluated, failed=failed)


# ---------------------------------------------------------------------------------------------- segments


def segment(
    *,
    name: str = "steady",
    n: int = 900,
    share: float = 0.45,
    reference_share: float = 0.44,
    positive_rate: float = 0.05,
    reference_positive_rate: float = 0.05,
) -> SegmentStats:
    """One API client's traffic (steady: its share and positive rate as in the reference, by default)."""
    return SegmentStats(
        segment=name,
        n=n,
        share=share,
        reference_share=reference_share,
        positive_rate=positive_rate,
        reference_positive_rate=reference_positive_rate,
        reference_segment_positive_rate=reference_positive_rate,
        mean_score=positive_rate,
    )
