"""Credit risk: default probabilities of card accounts and small-business loans, loss given default and early
delinquency.

One incident model: ``credit_default_pd`` (a bad version 3, refit on a stale snapshot, takes over mid-month).
"""

from __future__ import annotations

from datetime import date

from demo.models import feeds
from demo.models.columns import cat, flag, num
from demo.models.versions import classifier_versions, regressor_versions
from demo.spec import (
    Beta,
    BinaryTarget,
    Level,
    Linear,
    LogNormal,
    ModelSpec,
    Poisson,
    RegressionTarget,
    Step,
    VersionSpec,
)

CREDIT_DEFAULT_VERSIONS = (
    *classifier_versions(),
    VersionSpec(
        date(2026, 10, 16),
        date(2026, 10, 9),
        "logistic",
        600,
        1.0,
        blind=("credit_utilization", "recent_delinquencies"),
        note="hurried refit on a stale 600-row snapshot whose bureau fields were back-filled",
    ),
)

CREDIT_DEFAULT_PD = ModelSpec(
    name="credit_default_pd",
    description="Probability that a credit card account defaults within 90 days (1 = predicted default).",
    business_unit="credit_risk",
    feed=feeds.CARD_ACCOUNTS,
    risk_tier="high",
    problem_type="binary_classification",
    latents=("affluence",),
    columns=(
        num("credit_utilization", Beta(2, 4), clip=(0, 1), decimals=3, load={"affluence": -0.3}),
        num("recent_delinquencies", Poisson(0.5), clip=(0, 12), integer=True),
        num("inquiries_6m", Poisson(1.2), clip=(0, 20), integer=True),
        num("debt_to_income", Beta(3, 7), clip=(0.02, 0.75), decimals=3, load={"affluence": -0.3}),
        num("annual_income", LogNormal(64_000, 0.45), clip=(15_000, 300_000), decimals=-2, load={"affluence": 0.6}),
        num("credit_history_years", LogNormal(10, 0.6), clip=(0.5, 45), decimals=1, load={"affluence": 0.3}),
        num("revolving_balance", LogNormal(6_000, 1.0), clip=(0, 100_000), decimals=0),
        cat("employment_status", {"employed": 0.78, "self_employed": 0.12, "unemployed": 0.05, "retired": 0.05}),
    ),
    target=BinaryTarget(
        "defaulted_90d",
        (
            Linear("credit_utilization", 1.0),
            Linear("recent_delinquencies", 0.9),
            Linear("inquiries_6m", 0.4),
            Linear("debt_to_income", 0.4),
            Linear("annual_income", -0.2),
            Linear("credit_history_years", -0.2),
            Level("employment_status", {"unemployed": 0.6, "self_employed": 0.15}),
        ),
        base_rate=0.2,
        auc=0.86,
    ),
    versions=CREDIT_DEFAULT_VERSIONS,
    id_column="account_id",
    id_prefix="ACC",
    prediction_column="predicted_default",
    score_column="pd_score",
    favourable_prediction=0,
    reference_rows=5000,
    batch_rows=2200,
    label_delay_days=5,
    policies=("eu_ai_act_high_risk",),
    jurisdictions=("EU",),
    sla_value=0.78,
    max_drop=0.08,
)

SME_DEFAULT_PD = ModelSpec(
    name="sme_default_pd",
    description="Probability that a small-business loan defaults within 12 months (1 = predicted default).",
    business_unit="credit_risk",
    feed=feeds.SME_LOAN_BOOK,
    risk_tier="high",
    problem_type="binary_classification",
    columns=(
        num("annual_revenue", LogNormal(1_200_000, 1.0), clip=(50_000, 50_000_000), decimals=-3),
        num("years_in_business", LogNormal(7, 0.7), clip=(0.5, 80), decimals=1),
        num("current_ratio", LogNormal(1.4, 0.4), clip=(0.2, 8), decimals=2),
        num("debt_service_coverage", LogNormal(1.6, 0.45), clip=(0.2, 10), decimals=2),
        num("late_payments_12m", Poisson(0.7), clip=(0, 20), integer=True),
        num("collateral_coverage", Beta(3, 3), clip=(0, 1), decimals=3),
        cat(
            "industry",
            {
                "retail": 0.18,
                "construction": 0.14,
                "hospitality": 0.12,
                "manufacturing": 0.14,
                "professional_services": 0.18,
                "healthcare": 0.1,
                "transport": 0.08,
                "agriculture": 0.06,
            },
        ),
    ),
    target=BinaryTarget(
        "defaulted_12m",
        (
            Linear("debt_service_coverage", -0.9),
            Linear("late_payments_12m", 0.8),
            Linear("current_ratio", -0.5),
            Linear("years_in_business", -0.4),
            Linear("annual_revenue", -0.3),
            Linear("collateral_coverage", -0.3),
            Level("industry", {"hospitality": 0.4, "construction": 0.3, "healthcare": -0.3}),
        ),
        base_rate=0.22,
        auc=0.83,
    ),
    versions=classifier_versions(),
    id_column="loan_id",
    id_prefix="SME",
    prediction_column="predicted_default",
    score_column="pd_score",
    favourable_prediction=0,
    reference_rows=4500,
    batch_rows=1800,
    label_delay_days=14,
    jurisdictions=("EU",),
)

LOSS_GIVEN_DEFAULT = ModelSpec(
    name="loss_given_default",
    description="Predicts the share of the exposure lost when a defaulted loan is worked out (0..1).",
    business_unit="credit_risk",
    feed=feeds.WORKOUT_CASES,
    risk_tier="medium",
    problem_type="regression",
    columns=(
        num("exposure_at_default", LogNormal(45_000, 1.0), clip=(1_000, 2_000_000), decimals=0),
        num("collateral_coverage", Beta(3, 3), clip=(0, 1), decimals=3),
        num("months_on_book", LogNormal(30, 0.7), clip=(1, 300), integer=True),
        cat(
            "collateral_type", {"none": 0.3, "real_estate": 0.25, "vehicle": 0.2, "equipment": 0.15, "receivables": 0.1}
        ),
        cat("seniority", {"senior_secured": 0.5, "senior_unsecured": 0.35, "subordinated": 0.15}),
    ),
    target=RegressionTarget(
        "loss_rate",
        (
            Linear("collateral_coverage", -0.06),
            Step("collateral_coverage", 0.7, 2, -0.15),
            Step("collateral_coverage", 0, 0.2, 0.1),
            Linear("exposure_at_default", 0.03, log=True),
            Linear("months_on_book", -0.02),
            Level("collateral_type", {"none": 0.15, "real_estate": -0.15, "vehicle": -0.05}),
            Level("seniority", {"senior_unsecured": 0.08, "subordinated": 0.18}),
        ),
        intercept=0.42,
        noise=0.12,
        decimals=4,
        clip=(0.0, 1.0),
    ),
    versions=regressor_versions(),
    id_column="loan_id",
    id_prefix="LGD",
    prediction_column="predicted_loss_rate",
    score_column=None,
    reference_rows=4000,
    batch_rows=1600,
    label_delay_days=21,
    jurisdictions=("EU",),
)

EARLY_DELINQUENCY = ModelSpec(
    name="early_delinquency",
    description="Predicts which instalment loans will be 30+ days past due next month (1 = likely late).",
    business_unit="credit_risk",
    feed=feeds.LOAN_SERVICING,
    risk_tier="medium",
    problem_type="binary_classification",
    columns=(
        num("max_days_past_due_6m", Poisson(3), clip=(0, 90), integer=True),
        num("payment_to_income", Beta(2, 14), clip=(0, 0.8), decimals=3),
        num("outstanding_balance", LogNormal(9_000, 0.8), clip=(100, 200_000), decimals=0),
        num("months_on_book", LogNormal(18, 0.7), clip=(1, 120), integer=True),
        flag("autopay_enrolled", 0.45),
        cat("product", {"personal_loan": 0.5, "auto_loan": 0.3, "point_of_sale": 0.2}),
    ),
    target=BinaryTarget(
        "late_30d",
        (
            Linear("max_days_past_due_6m", 1.0),
            Linear("payment_to_income", 0.6),
            Linear("months_on_book", -0.3),
            Step("autopay_enrolled", 0.5, 2, -0.9),
            Level("product", {"point_of_sale": 0.3}),
        ),
        base_rate=0.26,
        auc=0.81,
    ),
    versions=classifier_versions(),
    id_column="loan_id",
    id_prefix="EDQ",
    prediction_column="late_flag",
    score_column="late_score",
    favourable_prediction=0,
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=5,
    jurisdictions=("US",),
)

MODELS: tuple[ModelSpec, ...] = (
    CREDIT_DEFAULT_PD,
    SME_DEFAULT_PD,
    LOSS_GIVEN_DEFAULT,
    EARLY_DELINQUENCY,
)
"""The credit risk models, in the fleet's order."""
