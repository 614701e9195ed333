"""Hand-made nights for the report tests: a healthy one, and one with findings of every kind (a critical
expectation, drift on a feature named like a script, an impact ratio under the four-fifths line with a group
too small to show and one hidden to protect it, an API client that stands out, the SLA breached). Their drift
records carry distributions (schema 2.2) except the findings night's ``income``, as if written by 2.1."""

from __future__ import annotations

from typing import Any

from govern.config import ModelConfig
from govern.results import (
    AppliedRule,
    ColumnDrift,
    Distribution,
    Evidence,
    FairnessReport,
    GroupFairness,
    ModelNightResult,
)
from govern.rulebook import Severity
from tests import evidence_factory as ef
from tests.fleet_factory import model_config
from tests.respond.world import finding

SCRIPT = "<script>alert(1)</script>"
TAGGED_CATEGORY = "<i>north</i>"
NIGHT = "2026-10-18"

RULES = (
    AppliedRule(section="performance", name="metric", value="roc_auc", source="default"),
    AppliedRule(section="performance", name="minimum", value=0.75, source="models/loan.yaml"),
    AppliedRule(section="fairness", name="min_impact_ratio", value=0.8, source="us_four_fifths"),
    AppliedRule(section="fairness", name="min_group_size", value=50, source="us_four_fifths"),
    AppliedRule(section="segments", name="max_share_increase", value=0.06, source="default"),
    AppliedRule(section="segments", name="max_positive_rate_ratio", value=2.7, source="default"),
)


def config(**overrides: Any) -> ModelConfig:
    """The model's config: protected attribute ``gender``, id ``id``, API client column ``client``."""
    data = model_config("loan", feed="loan_applications", description="Approves consumer loans.")
    data["columns"]["api_client"] = "client"
    data.update(overrides)
    return ModelConfig.model_validate(data)


def race_fairness() -> FairnessReport:
    """Four groups of race: a (most favoured), b under the four-fifths line, c too small to judge, and d, large
    enough but the smallest of the others: the rows less a, b and d would give c's size away, so d is hidden
    too (c and d together hold 72 rows, at least the minimum of 50)."""
    groups = (
        GroupFairness(attribute="race", group="a", n=500, selection_rate=0.80, impact_ratio=1.0),
        GroupFairness(attribute="race", group="b", n=400, selection_rate=0.56, impact_ratio=0.70),
        GroupFairness(attribute="race", group="c", n=12, selection_rate=0.10, impact_ratio=0.125, sufficient=False),
        GroupFairness(attribute="race", group="d", n=60, selection_rate=0.72, impact_ratio=0.90),
    )
    report = ef.fairness(ef.attribute(name="race", impact=0.70), has_labels=False)
    return report.model_copy(update={"groups": groups, "min_group_size": 50})


def with_distribution(
    column: ColumnDrift,
    labels: tuple[str, ...],
    reference: tuple[float, ...],
    current: tuple[float, ...],
    **fields: Any,
) -> ColumnDrift:
    """``column`` with a distribution (numeric: edges 10, 20, ... between the bins, unless given)."""
    if column.kind == "numeric":
        fields.setdefault("edges", tuple(10.0 * k for k in range(1, len(labels))))
    distribution = Distribution(
        labels=labels, reference_shares=reference, current_shares=current, min_bin_rows=10, **fields
    )
    return column.model_copy(update={"distribution": distribution})


#: income's bins, tonight as in the reference (healthy)
INCOME_BINS = ("under 10", "10 to 20", "20 to 30", "30 and over")
SCRIPT_SHARES = ((0.25, 0.25, 0.25, 0.25), (0.05, 0.10, 0.25, 0.60))
"""SCRIPT's distribution on the findings night: mass moved to the top bin."""


def healthy(night: str = NIGHT, *, estimated: float = 0.84, realized: float | None = None) -> ModelNightResult:
    metrics = [ef.metric(value=estimated, batch_night=night)]
    if realized is not None:
        metrics.append(ef.metric(value=realized, kind="realized", batch_night="2026-10-10"))
    return ModelNightResult(
        model="loan",
        night=night,
        status="healthy",
        business_unit="lending",
        risk_tier="high",
        owner="ada@example.com",
        evidence=Evidence(
            model_version="2",
            rows=1000,
            validation=ef.validation(),
            performance=ef.performance(*metrics),
            drift=ef.drift(
                with_distribution(
                    ef.column(name="income", js=0.02), INCOME_BINS, (0.25,) * 4, (0.24, 0.26, 0.25, 0.25)
                ),
                with_distribution(
                    ef.column(name="region", js=0.01, kind="categorical"),
                    (TAGGED_CATEGORY, "south", "2 other categories"),
                    (0.5, 0.3, 0.2),
                    (0.45, 0.35, 0.2),
                    other=2,
                ),
            ),
            fairness=ef.fairness(ef.attribute(name="gender", impact=0.95), has_labels=False),
            segments=(ef.segment(name="steady"),),
        ),
        rules=RULES,
    )


def with_findings(night: str = NIGHT) -> ModelNightResult:
    """Bad data on the income column, the SLA breached, drift on SCRIPT, race under the line, a client."""
    return ModelNightResult(
        model="loan",
        night=night,
        status="findings",
        business_unit="lending",
        risk_tier="high",
        owner="ada@example.com",
        evidence=Evidence(
            model_version="2",
            rows=1000,
            validation=ef.validation(
                ef.expectation(column="income", critical=True, unexpected_fraction=0.25, observed=0.25).model_copy(
                    update={
                        "unexpected_example": 85.3,
                        "expected_min": 19060.0,
                        "expected_max": 302200.0,
                        "detail": "Income must be in dollars; a unit change fails it.",
                    }
                ),
                ef.expectation(column="gender", unexpected_fraction=0.02, observed=7).model_copy(
                    update={"unexpected_example": 3.0}
                ),
            ),
            performance=ef.performance(
                ef.metric(value=0.70, batch_night=night),
                ef.metric(value=0.72, kind="realized", batch_night="2026-10-10"),
            ),
            drift=ef.drift(
                ef.column(name="age", js=0.02),
                with_distribution(ef.column(name=SCRIPT, js=0.30), INCOME_BINS, *SCRIPT_SHARES),
                ef.column(name="income", js=0.15),
                multivariate=ef.reconstruction(value=1.2),
            ),
            fairness=race_fairness(),
            segments=(
                ef.segment(name="steady", share=0.6, reference_share=0.6),
                ef.segment(name="orbitpay", share=0.30, reference_share=0.03, positive_rate=0.30),
            ),
        ),
        findings=(
            finding("data_quality.critical_expectation", "expect_column_values_to_not_be_null(income)", None, None,
                    "passes", severity=Severity.CRITICAL),
            finding("performance.estimated_roc_auc", "roc_auc", 0.70, 0.75),
            finding("drift.feature", SCRIPT, 0.30, 0.1, "<=", message=f"{SCRIPT}: drifted"),
            finding("fairness.impact_ratio", "race", 0.70, 0.8),
            finding("segments.positive_rate_ratio", "orbitpay", 6.0, 2.7, "<="),
        ),
        rules=RULES,
    )  # fmt: skip
