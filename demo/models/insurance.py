"""Insurance: claims fraud referrals, life underwriting, policy lapse and motor claim severity. All healthy."""

from __future__ import annotations

from demo.models import feeds
from demo.models.columns import AGE_40, AGE_BAND, GENDER, cat, flag, num
from demo.models.versions import classifier_versions, regressor_versions
from demo.spec import BinaryTarget, Level, Linear, LogNormal, ModelSpec, Normal, Poisson, RegressionTarget, Step

CLAIMS_FRAUD = ModelSpec(
    name="claims_fraud",
    description="Refers suspicious insurance claims to the special investigations unit (1 = refer).",
    business_unit="insurance",
    feed=feeds.CLAIMS_INTAKE,
    risk_tier="high",
    problem_type="binary_classification",
    columns=(
        num("claim_amount", LogNormal(4_200, 0.9), clip=(100, 250_000), decimals=2),
        num("policy_tenure_months", LogNormal(40, 0.8), clip=(0, 400), integer=True),
        num("days_to_report", LogNormal(3, 1.0), clip=(0, 180), integer=True),
        num("prior_claims_3y", Poisson(0.5), clip=(0, 15), integer=True),
        flag("police_report_filed", 0.55),
        flag("witness_present", 0.3),
        cat(
            "incident_type",
            {"collision": 0.4, "theft": 0.12, "water_damage": 0.18, "fire": 0.05, "injury": 0.15, "other": 0.1},
        ),
        GENDER,
        AGE_BAND,
    ),
    target=BinaryTarget(
        "confirmed_fraud",
        (
            Linear("claim_amount", 0.7),
            Linear("policy_tenure_months", -0.6),
            Linear("days_to_report", 0.6),
            Linear("prior_claims_3y", 0.5),
            Step("police_report_filed", 0.5, 2, -0.8),
            Step("witness_present", 0.5, 2, -0.4),
            Level("incident_type", {"theft": 0.6, "fire": 0.5, "injury": 0.3}),
        ),
        base_rate=0.14,
        auc=0.86,
    ),
    versions=classifier_versions(),
    id_column="claim_id",
    id_prefix="CLM",
    prediction_column="siu_referral",
    score_column="fraud_score",
    favourable_prediction=0,
    reference_rows=5000,
    batch_rows=2400,
    label_delay_days=21,
    policies=("us_four_fifths",),
    jurisdictions=("US",),
)

POLICY_UNDERWRITING = ModelSpec(
    name="policy_underwriting",
    description="Decides whether a life insurance application is accepted at standard terms (1 = accept).",
    business_unit="insurance",
    feed=feeds.UNDERWRITING_APPLICATIONS,
    risk_tier="high",
    problem_type="binary_classification",
    columns=(
        num("bmi", Normal(26.5, 4.5), clip=(16, 50), decimals=1),
        flag("smoker", 0.18),
        num("systolic_bp", Normal(125, 15), clip=(85, 200), integer=True),
        flag("family_history", 0.25),
        num("coverage_amount", LogNormal(250_000, 0.6), clip=(25_000, 3_000_000), decimals=-3),
        num("exercise_hours_week", LogNormal(3, 0.7), clip=(0, 30), decimals=1),
        cat("occupation_class", {"class_1": 0.45, "class_2": 0.3, "class_3": 0.17, "class_4": 0.08}),
        GENDER,
        AGE_40,
    ),
    target=BinaryTarget(
        "standard_risk",
        (
            Linear("bmi", -0.6),
            Step("smoker", 0.5, 2, -1.4),
            Linear("systolic_bp", -0.6),
            Step("family_history", 0.5, 2, -0.5),
            Linear("exercise_hours_week", 0.3),
            Level("occupation_class", {"class_3": -0.3, "class_4": -0.7}),
        ),
        base_rate=0.55,
        auc=0.85,
    ),
    versions=classifier_versions(),
    id_column="application_id",
    id_prefix="UND",
    prediction_column="accept_standard",
    score_column="accept_score",
    reference_rows=6000,
    batch_rows=2800,
    label_delay_days=14,
    policies=("eu_ai_act_high_risk",),
    jurisdictions=("EU",),
)

POLICY_LAPSE = ModelSpec(
    name="policy_lapse",
    description="Predicts which home insurance policies will lapse at renewal (1 = likely lapse).",
    business_unit="insurance",
    feed=feeds.POLICY_ADMIN,
    risk_tier="low",
    problem_type="binary_classification",
    columns=(
        num("annual_premium", LogNormal(1_300, 0.4), clip=(300, 8_000), decimals=2),
        num("price_change_pct", Normal(0.05, 0.07), clip=(-0.2, 0.4), decimals=3),
        num("tenure_years", LogNormal(4, 0.8), clip=(0, 40), decimals=1),
        num("missed_payments_12m", Poisson(0.4), clip=(0, 12), integer=True),
        num("claims_5y", Poisson(0.3), clip=(0, 10), integer=True),
        cat("payment_frequency", {"monthly": 0.55, "annual": 0.45}),
        cat("sales_channel", {"agent": 0.4, "direct": 0.35, "aggregator": 0.25}),
    ),
    target=BinaryTarget(
        "lapsed",
        (
            Linear("price_change_pct", 0.9),
            Linear("tenure_years", -0.7),
            Linear("missed_payments_12m", 0.6),
            Linear("annual_premium", 0.2),
            Level("sales_channel", {"aggregator": 0.6, "agent": -0.2}),
            Level("payment_frequency", {"monthly": 0.2}),
        ),
        base_rate=0.3,
        auc=0.8,
    ),
    versions=classifier_versions(),
    id_column="policy_id",
    id_prefix="POL",
    prediction_column="lapse_flag",
    score_column="lapse_score",
    reference_rows=4500,
    batch_rows=1800,
    label_delay_days=14,
    jurisdictions=("US",),
)

AUTO_CLAIM_SEVERITY = ModelSpec(
    name="auto_claim_severity",
    description="Predicts the final cost (USD) of a motor claim at first notice of loss, to set reserves.",
    business_unit="insurance",
    feed=feeds.MOTOR_CLAIMS,
    risk_tier="medium",
    problem_type="regression",
    columns=(
        num("vehicle_age_years", Poisson(6), clip=(0, 30), integer=True),
        num("vehicle_value", LogNormal(22_000, 0.5), clip=(1_500, 200_000), decimals=-2),
        flag("airbags_deployed", 0.2),
        flag("injury_reported", 0.15),
        num("claimant_count", Poisson(0.4), clip=(0, 8), integer=True),
        cat(
            "collision_type",
            {"rear_end": 0.35, "side_impact": 0.2, "single_vehicle": 0.2, "head_on": 0.05, "parked": 0.2},
        ),
        cat("region", {"north": 0.2, "south": 0.25, "east": 0.2, "west": 0.25, "central": 0.1}),
    ),
    target=RegressionTarget(
        "claim_cost",
        (
            Linear("vehicle_value", 0.25, log=True),
            Linear("vehicle_age_years", -0.1),
            Linear("airbags_deployed", 0.2),
            Linear("injury_reported", 0.3),
            Linear("claimant_count", 0.1),
            Level("collision_type", {"head_on": 0.6, "side_impact": 0.2, "parked": -0.4}),
            Level("region", {"west": 0.1, "central": -0.1}),
        ),
        intercept=8.3,
        noise=0.45,
        log=True,
        decimals=2,
    ),
    versions=regressor_versions(),
    id_column="claim_id",
    id_prefix="ACS",
    prediction_column="predicted_cost",
    score_column=None,
    reference_rows=4500,
    batch_rows=1800,
    label_delay_days=28,
    jurisdictions=("US",),
)

MODELS: tuple[ModelSpec, ...] = (
    CLAIMS_FRAUD,
    POLICY_UNDERWRITING,
    POLICY_LAPSE,
    AUTO_CLAIM_SEVERITY,
)
"""The insurance models, in the fleet's order."""
