"""Customer: retail and telecom churn, customer lifetime value and marketing response.

One incident model: ``churn_retail`` (the churn drivers' spread shrinks, and the model's ROC AUC decays).
"""

from __future__ import annotations

from demo.generate import FIRST_NIGHT, LAST_NIGHT
from demo.models import feeds
from demo.models.columns import cat, num
from demo.models.versions import classifier_versions, regressor_versions
from demo.spec import (
    Beta,
    BinaryTarget,
    Contraction,
    Level,
    Linear,
    LogNormal,
    ModelSpec,
    Normal,
    Poisson,
    Ramp,
    RegressionTarget,
)

CHURN_DRIVERS = ("days_since_last_purchase", "orders_90d", "tenure_months", "monthly_spend")

CHURN_RETAIL = ModelSpec(
    name="churn_retail",
    description="Predicts which retail loyalty members will churn in the next 60 days (1 = churn).",
    business_unit="customer",
    feed=feeds.LOYALTY_EVENTS,
    risk_tier="medium",
    problem_type="binary_classification",
    latents=("engagement",),
    columns=(
        num("tenure_months", LogNormal(24, 0.8), clip=(1, 120), integer=True, load={"engagement": 0.3}),
        num("monthly_spend", LogNormal(85, 0.6), clip=(5, 1_000), decimals=2, load={"engagement": 0.4}),
        num("days_since_last_purchase", LogNormal(20, 0.9), clip=(0, 365), integer=True, load={"engagement": -0.5}),
        num("orders_90d", Poisson(4), clip=(0, 40), integer=True, load={"engagement": 0.5}),
        num("support_tickets_90d", Poisson(0.6), clip=(0, 20), integer=True),
        num("discount_share", Beta(2, 6), clip=(0, 1), decimals=3),
        cat("loyalty_tier", {"none": 0.45, "silver": 0.3, "gold": 0.17, "platinum": 0.08}),
        cat("preferred_channel", {"app": 0.45, "web": 0.4, "store": 0.15}),
    ),
    target=BinaryTarget(
        "churned",
        (
            Linear("days_since_last_purchase", 1.0),
            Linear("orders_90d", -0.8),
            Linear("tenure_months", -0.6),
            Linear("monthly_spend", -0.5),
            Linear("support_tickets_90d", 0.15),
            Linear("discount_share", 0.1),
            Level("loyalty_tier", {"gold": -0.1, "platinum": -0.15}),
        ),
        base_rate=0.3,
        auc=0.87,
    ),
    versions=classifier_versions(),
    id_column="customer_id",
    id_prefix="CUS",
    prediction_column="churn_flag",
    score_column="churn_score",
    reference_rows=5000,
    batch_rows=2400,
    label_delay_days=10,
    jurisdictions=("US",),
    sla_value=0.78,
    max_drop=0.1,
    # The member base drifts towards middling customers: the spread of the features that drive churn
    # shrinks, so customers are harder to tell apart and the (still calibrated) model ranks them worse.
    hooks=(Contraction(CHURN_DRIVERS, Ramp(FIRST_NIGHT, LAST_NIGHT, 1.0, 0.3, power=0.85)),),
)

CHURN_TELECOM = ModelSpec(
    name="churn_telecom",
    description="Predicts which mobile subscribers will cancel within 30 days (1 = churn).",
    business_unit="customer",
    feed=feeds.SUBSCRIBER_USAGE,
    risk_tier="medium",
    problem_type="binary_classification",
    columns=(
        num("tenure_months", LogNormal(28, 0.9), clip=(1, 120), integer=True),
        num("monthly_charges", Normal(70, 26), clip=(18, 130), decimals=2),
        num("support_calls", Poisson(1.3), clip=(0, 20), integer=True),
        num("data_usage_gb", LogNormal(12, 0.9), clip=(0, 300), decimals=1, nulls=0.01),
        num("dropped_calls_30d", Poisson(2), clip=(0, 40), integer=True),
        cat("contract_type", {"month_to_month": 0.5, "one_year": 0.25, "two_year": 0.25}),
        cat("internet_service", {"fiber": 0.45, "dsl": 0.35, "none": 0.2}),
        cat("payment_method", {"card": 0.4, "bank_transfer": 0.3, "e_check": 0.2, "mailed_check": 0.1}),
    ),
    target=BinaryTarget(
        "churned",
        (
            Linear("tenure_months", -0.9),
            Linear("monthly_charges", 0.5),
            Linear("support_calls", 0.6),
            Linear("dropped_calls_30d", 0.4),
            Level("contract_type", {"month_to_month": 0.9, "two_year": -0.8}),
            Level("internet_service", {"fiber": 0.3}),
            Level("payment_method", {"e_check": 0.4}),
        ),
        base_rate=0.26,
        auc=0.86,
    ),
    versions=classifier_versions(),
    id_column="subscriber_id",
    id_prefix="SUB",
    prediction_column="churn_flag",
    score_column="churn_score",
    reference_rows=5000,
    batch_rows=2200,
    label_delay_days=7,
    jurisdictions=("EU",),
)

CUSTOMER_LIFETIME_VALUE = ModelSpec(
    name="customer_lifetime_value",
    description="Predicts a customer's gross margin (USD) over the next 12 months.",
    business_unit="customer",
    feed=feeds.CUSTOMER_ORDERS,
    risk_tier="medium",
    problem_type="regression",
    latents=("engagement",),
    columns=(
        num("tenure_months", LogNormal(24, 0.8), clip=(1, 120), integer=True, load={"engagement": 0.3}),
        num("orders_12m", Poisson(9), clip=(0, 120), integer=True, load={"engagement": 0.6}),
        num("avg_order_value", LogNormal(60, 0.5), clip=(5, 800), decimals=2),
        num("return_rate", Beta(1.5, 12), clip=(0, 1), decimals=3),
        cat("acquisition_channel", {"search": 0.3, "social": 0.25, "referral": 0.15, "email": 0.15, "affiliate": 0.15}),
        cat("loyalty_tier", {"none": 0.45, "silver": 0.3, "gold": 0.17, "platinum": 0.08}, load={"engagement": 0.4}),
    ),
    target=RegressionTarget(
        "margin_12m_usd",
        (
            Linear("orders_12m", 0.45),
            Linear("avg_order_value", 0.35, log=True),
            Linear("return_rate", -0.15),
            Linear("tenure_months", 0.1),
            Level("loyalty_tier", {"gold": 0.2, "platinum": 0.35}),
            Level("acquisition_channel", {"referral": 0.15, "affiliate": -0.1}),
        ),
        intercept=5.2,
        noise=0.35,
        log=True,
        decimals=2,
    ),
    versions=regressor_versions(),
    id_column="customer_id",
    id_prefix="CLV",
    prediction_column="predicted_margin",
    score_column=None,
    reference_rows=4500,
    batch_rows=1800,
    label_delay_days=14,
    jurisdictions=("US",),
)

MARKETING_RESPONSE = ModelSpec(
    name="marketing_response",
    description="Predicts who responds to the weekly promotional campaign (1 = send the offer).",
    business_unit="customer",
    feed=feeds.CAMPAIGN_AUDIENCE,
    risk_tier="low",
    problem_type="binary_classification",
    columns=(
        num("recency_days", LogNormal(30, 0.9), clip=(0, 365), integer=True),
        num("frequency_12m", Poisson(6), clip=(0, 80), integer=True),
        num("email_open_rate", Beta(2, 5), clip=(0, 1), decimals=3),
        num("past_campaign_responses", Poisson(0.8), clip=(0, 20), integer=True),
        cat("offer_type", {"discount": 0.4, "free_shipping": 0.3, "bundle": 0.15, "loyalty_points": 0.15}),
        cat("channel", {"email": 0.55, "sms": 0.25, "push": 0.2}),
    ),
    target=BinaryTarget(
        "responded",
        (
            Linear("recency_days", -0.7),
            Linear("frequency_12m", 0.5),
            Linear("email_open_rate", 0.8),
            Linear("past_campaign_responses", 0.6),
            Level("offer_type", {"discount": 0.3, "bundle": -0.2}),
            Level("channel", {"sms": 0.2, "push": -0.2}),
        ),
        base_rate=0.32,
        auc=0.78,
    ),
    versions=classifier_versions(),
    id_column="customer_id",
    id_prefix="MKT",
    prediction_column="send_offer",
    score_column="response_score",
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=7,
    jurisdictions=("US",),
)

MODELS: tuple[ModelSpec, ...] = (
    CHURN_RETAIL,
    CHURN_TELECOM,
    CUSTOMER_LIFETIME_VALUE,
    MARKETING_RESPONSE,
)
"""The customer models, in the fleet's order."""
