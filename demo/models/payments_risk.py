"""Payments risk: card fraud per API client of the gateway, chargebacks, anti-money-laundering alerts and
merchant settlement volumes.

One incident model: ``fraud_card_payments`` (one client's traffic grows with legitimate payments the model flags).
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
    Normal,
    Poisson,
    Ramp,
    RegressionTarget,
    Step,
    Subpopulation,
    Uniform,
)

API_CLIENTS = {
    "client_novapay": 0.24,
    "client_brightcart": 0.2,
    "client_quickshop": 0.16,
    "client_mercatus": 0.13,
    "client_lumen": 0.11,
    "client_tessera": 0.08,
    "client_harbor": 0.05,
    "client_orbitpay": 0.03,
}

FRAUD_CARD_PAYMENTS = ModelSpec(
    name="fraud_card_payments",
    description="Flags card-not-present payments for fraud review (1 = flag), per API client of the gateway.",
    business_unit="payments_risk",
    feed=feeds.CARD_GATEWAY,
    risk_tier="high",
    problem_type="binary_classification",
    columns=(
        cat("api_client_id", API_CLIENTS, role="client"),
        num("amount", LogNormal(45, 1.0), clip=(1, 5_000), decimals=2),
        num("hour", Beta(2.4, 1.5, 24), clip=(0, 23), integer=True),
        flag("country_mismatch", 0.06),
        flag("card_present", 0.55),
        cat(
            "merchant_category",
            {
                "grocery": 0.22,
                "retail": 0.2,
                "restaurants": 0.14,
                "fuel": 0.1,
                "digital_goods": 0.1,
                "travel": 0.08,
                "electronics": 0.08,
                "other": 0.08,
            },
        ),
        num("account_age_days", LogNormal(700, 1.0), clip=(1, 5_000), integer=True),
        num("txn_count_24h", Poisson(2.5), clip=(0, 50), integer=True),
        num("distance_from_home_km", LogNormal(8, 1.3), clip=(0, 12_000), decimals=1),
    ),
    target=BinaryTarget(
        "is_fraud",
        (
            Linear("amount", 0.9),
            Step("hour", 0, 6, 1.0),
            Step("country_mismatch", 0.5, 2, 1.4),
            Step("card_present", 0.5, 2, -1.2),
            Linear("account_age_days", -0.6),
            Linear("txn_count_24h", 0.5),
            Linear("distance_from_home_km", 0.5),
            Level("merchant_category", {"digital_goods": 0.6, "electronics": 0.5, "travel": 0.3, "grocery": -0.4}),
        ),
        base_rate=0.08,
        auc=0.94,
    ),
    versions=classifier_versions(train_rows=10_000),
    id_column="transaction_id",
    id_prefix="TXN",
    hour_column="hour",
    prediction_column="fraud_flag",
    score_column="fraud_score",
    favourable_prediction=0,
    reference_rows=6000,
    batch_rows=2600,
    label_delay_days=2,
    jurisdictions=("US", "EU"),
    sla_metric="precision",
    # Orbitpay onboards a cross-border marketplace: legitimate night-time purchases of digital goods from
    # abroad, high amounts, card not present. To the model they look like fraud; they are not.
    hooks=(
        Subpopulation(
            share=Ramp(date(2026, 10, 20), date(2026, 10, 26), 0.02, 0.32),
            set={
                "api_client_id": "client_orbitpay",
                "country_mismatch": 1,
                "card_present": 0,
                "merchant_category": "digital_goods",
            },
            draw={"amount": LogNormal(700, 0.45), "hour": Uniform(0.6, 4.4)},
            truth_rate=0.01,
        ),
    ),
)

CHARGEBACK_RISK = ModelSpec(
    name="chargeback_risk",
    description="Predicts whether an e-commerce order will end in a chargeback (1 = likely chargeback).",
    business_unit="payments_risk",
    feed=feeds.ECOMMERCE_ORDERS,
    risk_tier="medium",
    problem_type="binary_classification",
    columns=(
        cat(
            "merchant_platform",
            {
                "platform_shopwave": 0.34,
                "platform_cartly": 0.26,
                "platform_vendo": 0.2,
                "platform_basketeer": 0.12,
                "platform_tillpoint": 0.08,
            },
            role="client",
        ),
        num("order_amount", LogNormal(85, 0.9), clip=(2, 4_000), decimals=2),
        num("customer_age_days", LogNormal(400, 1.1), clip=(0, 4_000), integer=True),
        num("prior_chargebacks", Poisson(0.25), clip=(0, 10), integer=True),
        flag("shipping_billing_mismatch", 0.12),
        num("delivery_days", Poisson(4), clip=(0, 30), integer=True),
        cat(
            "product_category",
            {"apparel": 0.3, "electronics": 0.18, "home": 0.2, "beauty": 0.14, "gift_cards": 0.06, "other": 0.12},
        ),
    ),
    target=BinaryTarget(
        "chargeback",
        (
            Linear("order_amount", 0.7),
            Linear("customer_age_days", -0.6),
            Linear("prior_chargebacks", 0.8),
            Step("shipping_billing_mismatch", 0.5, 2, 1.0),
            Linear("delivery_days", 0.3),
            Level("product_category", {"gift_cards": 0.9, "electronics": 0.4, "home": -0.2}),
        ),
        base_rate=0.14,
        auc=0.86,
    ),
    versions=classifier_versions(),
    id_column="order_id",
    id_prefix="ORD",
    prediction_column="chargeback_flag",
    score_column="chargeback_score",
    favourable_prediction=0,
    reference_rows=5000,
    batch_rows=2200,
    label_delay_days=7,
    jurisdictions=("US",),
)

AML_TRANSACTION_MONITORING = ModelSpec(
    name="aml_transaction_monitoring",
    description="Scores wire transfers for anti-money-laundering review (1 = open an alert).",
    business_unit="payments_risk",
    feed=feeds.WIRE_TRANSFERS,
    risk_tier="high",
    problem_type="binary_classification",
    columns=(
        num("amount_usd", LogNormal(2_500, 1.2), clip=(10, 2_000_000), decimals=2),
        flag("cross_border", 0.2),
        flag("high_risk_jurisdiction", 0.05),
        flag("cash_intensive_business", 0.1),
        num("txn_velocity_7d", Poisson(6), clip=(0, 80), integer=True),
        num("account_age_months", LogNormal(36, 0.9), clip=(0, 400), integer=True),
        cat("customer_segment", {"retail": 0.6, "small_business": 0.3, "corporate": 0.1}),
    ),
    target=BinaryTarget(
        "suspicious",
        (
            Linear("amount_usd", 0.7),
            Step("cross_border", 0.5, 2, 0.8),
            Step("high_risk_jurisdiction", 0.5, 2, 1.6),
            Step("cash_intensive_business", 0.5, 2, 0.9),
            Linear("txn_velocity_7d", 0.6),
            Linear("account_age_months", -0.5),
            Level("customer_segment", {"small_business": 0.3, "corporate": -0.2}),
        ),
        base_rate=0.12,
        auc=0.88,
    ),
    versions=classifier_versions(),
    id_column="transfer_id",
    id_prefix="AML",
    prediction_column="alert",
    score_column="alert_score",
    favourable_prediction=0,
    reference_rows=5000,
    batch_rows=2000,
    label_delay_days=10,
    jurisdictions=("US", "EU"),
)

MERCHANT_SETTLEMENT_VOLUME = ModelSpec(
    name="merchant_settlement_volume",
    description="Forecasts each merchant's settlement volume (USD) for the next business day.",
    business_unit="payments_risk",
    feed=feeds.MERCHANT_LEDGER,
    risk_tier="low",
    problem_type="regression",
    columns=(
        num("trailing_7d_volume", LogNormal(50_000, 1.0), clip=(500, 5_000_000), decimals=0),
        num("trailing_30d_growth", Normal(0.02, 0.1), clip=(-0.5, 0.6), decimals=3),
        num("refund_rate", Beta(1.5, 40), clip=(0, 0.3), decimals=4),
        num("active_days_30d", Uniform(8, 30.99), clip=(8, 30), integer=True),
        num("merchant_tenure_months", LogNormal(30, 0.8), clip=(1, 300), integer=True),
        cat(
            "merchant_category",
            {"grocery": 0.2, "retail": 0.28, "restaurants": 0.2, "travel": 0.1, "digital_goods": 0.12, "services": 0.1},
        ),
    ),
    target=RegressionTarget(
        "next_day_volume_usd",
        (
            Linear("trailing_7d_volume", 0.95, log=True),
            Linear("trailing_30d_growth", 0.12),
            Linear("refund_rate", -0.05),
            Linear("active_days_30d", 0.1),
            Level("merchant_category", {"travel": 0.15, "restaurants": -0.05}),
        ),
        intercept=8.95,
        noise=0.2,
        log=True,
        decimals=0,
    ),
    versions=regressor_versions(),
    id_column="merchant_id",
    id_prefix="MER",
    prediction_column="forecast_volume",
    score_column=None,
    reference_rows=4000,
    batch_rows=1600,
    label_delay_days=1,
    jurisdictions=("US",),
)

MODELS: tuple[ModelSpec, ...] = (
    FRAUD_CARD_PAYMENTS,
    CHARGEBACK_RISK,
    AML_TRANSACTION_MONITORING,
    MERCHANT_SETTLEMENT_VOLUME,
)
"""The payments risk models, in the fleet's order."""
