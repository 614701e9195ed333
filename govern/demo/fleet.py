"""The demo fleet: 26 production models over seven business units, and the incidents planted in six of them.

Each model is one ``ModelSpec``: its population (realistic features per domain), its ground truth, its
registered versions and, for the six incident models, the hooks that change specific nights. Healthy models
draw every night from their reference population with fresh random draws and keep one version all month.

The incidents arise from the data through the model, never from a column that says "alert here"; the
``INCIDENTS`` table says what a correct pipeline should find, and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from govern.demo.generate import DEMO_NIGHTS
from govern.demo.spec import (
    Beta,
    BinaryTarget,
    Categorical,
    Contact,
    Contraction,
    Distribution,
    Flag,
    Incident,
    Level,
    Linear,
    LogNormal,
    ModelSpec,
    Normal,
    Numeric,
    Poisson,
    Ramp,
    RegressionTarget,
    Role,
    Step,
    Subpopulation,
    Uniform,
    UnitChange,
    VersionSpec,
)

FIRST_NIGHT, LAST_NIGHT = DEMO_NIGHTS[0], DEMO_NIGHTS[-1]

# ---------------------------------------------------------------------------------------------- shorthands


def num(
    name: str,
    dist: Distribution,
    *,
    clip: tuple[float, float] | None = None,
    decimals: int | None = None,
    integer: bool = False,
    load: Mapping[str, float] | None = None,
    shift: Mapping[str, Mapping[str, float]] | None = None,
    nulls: float = 0.0,
    role: Role = "feature",
) -> Numeric:
    return Numeric(name, dist, clip, decimals, integer, dict(load or {}), dict(shift or {}), nulls, role)


def cat(
    name: str,
    probs: Mapping[str, float],
    *,
    load: Mapping[str, float] | None = None,
    shift: Mapping[str, Mapping[str, float]] | None = None,
    role: Role = "feature",
) -> Categorical:
    return Categorical(name, tuple(probs), tuple(probs.values()), dict(load or {}), dict(shift or {}), role)


def flag(name: str, p: float) -> Numeric:
    return num(name, Flag(p), integer=True)


GENDER = cat("gender", {"female": 0.49, "male": 0.49, "non_binary": 0.02}, role="protected")
RACE = cat("race", {"group_a": 0.46, "group_b": 0.2, "group_c": 0.2, "group_d": 0.14}, role="protected")
AGE_BAND = cat("age_band", {"18-29": 0.22, "30-44": 0.34, "45-59": 0.28, "60+": 0.16}, role="protected")
AGE_BAND_EU = cat("age_band", {"under_30": 0.3, "30_to_49": 0.4, "50_plus": 0.3}, role="protected")
# Employment law protects older workers (in the US the ADEA, from age 40); two broad bands also keep both
# groups large enough for the label-based EU metrics to be judged without noise alarms.
AGE_40 = cat("age_band", {"under_40": 0.58, "40_plus": 0.42}, role="protected")

# Contacts are fictional.
MODEL_RISK = Contact("Model Risk Office", "model-risk@example.com", "model_risk")
OWNERS: dict[str, tuple[Contact, Contact]] = {
    "consumer_lending": (
        Contact("Priya Raman", "priya.raman@example.com"),
        Contact("Marcus Okafor", "marcus.okafor@example.com", "head_of_unit"),
    ),
    "payments_risk": (
        Contact("Lena Fischer", "lena.fischer@example.com"),
        Contact("Tomas Alvarez", "tomas.alvarez@example.com", "head_of_unit"),
    ),
    "customer": (
        Contact("Grace Liu", "grace.liu@example.com"),
        Contact("Daniel Mensah", "daniel.mensah@example.com", "head_of_unit"),
    ),
    "hr": (
        Contact("Sofia Novak", "sofia.novak@example.com"),
        Contact("Ahmed Haddad", "ahmed.haddad@example.com", "head_of_unit"),
    ),
    "credit_risk": (
        Contact("Oliver Brandt", "oliver.brandt@example.com"),
        Contact("Hannah Kim", "hannah.kim@example.com", "head_of_unit"),
    ),
    "insurance": (
        Contact("Isabel Costa", "isabel.costa@example.com"),
        Contact("Kwame Asante", "kwame.asante@example.com", "head_of_unit"),
    ),
    "operations": (
        Contact("Nina Petrov", "nina.petrov@example.com"),
        Contact("Ravi Iyer", "ravi.iyer@example.com", "head_of_unit"),
    ),
}


def contacts(unit: str) -> tuple[Contact, tuple[Contact, ...]]:
    """The owner of a business unit's models and whom to escalate to (the unit's head, then model risk)."""
    owner, head = OWNERS[unit]
    return owner, (head, MODEL_RISK)


def classifier_versions(train_rows: int = 8000) -> tuple[VersionSpec, ...]:
    """v1: last year's fit on a small extract, heavily regularised; v2: the current champion."""
    return (
        VersionSpec(
            date(2026, 1, 12), date(2025, 12, 1), "logistic", 900, 0.01, note="first production fit on a small extract"
        ),
        VersionSpec(
            date(2026, 8, 17), date(2026, 7, 27), "logistic", train_rows, 1.0, note="annual refit on the full extract"
        ),
    )


def regressor_versions(train_rows: int = 8000) -> tuple[VersionSpec, ...]:
    """v1: a linear baseline; v2: gradient boosting, the current champion."""
    return (
        VersionSpec(date(2026, 1, 12), date(2025, 12, 1), "ridge", 1500, 10.0, note="linear baseline"),
        VersionSpec(
            date(2026, 8, 17),
            date(2026, 7, 27),
            "gradient_boosting",
            train_rows,
            1.0,
            note="gradient boosting refit on the full extract",
        ),
    )


# ---------------------------------------------------------------------------------------------- consumer lending

ANNUAL_INCOME = num(
    "annual_income", LogNormal(68_000, 0.42), clip=(24_000, 240_000), decimals=-2, load={"affluence": 0.6}
)
CREDIT_SCORE = num("credit_score", Normal(705, 55), clip=(480, 850), integer=True, load={"affluence": 0.5})

LOAN_APPROVAL_US = ModelSpec(
    name="loan_approval_us",
    description="Approves or declines unsecured personal loan applications in the US (1 = approve).",
    business_unit="consumer_lending",
    risk_tier="high",
    problem_type="binary_classification",
    latents=("affluence",),
    columns=(
        ANNUAL_INCOME,
        num("debt_to_income", Beta(3, 7), clip=(0.02, 0.75), decimals=3, load={"affluence": -0.3}),
        CREDIT_SCORE,
        num("employment_years", LogNormal(5, 0.8), clip=(0, 40), decimals=1, nulls=0.02),
        num("loan_amount", LogNormal(18_000, 0.6), clip=(1_000, 80_000), decimals=-2, load={"affluence": 0.4}),
        cat(
            "loan_purpose",
            {
                "debt_consolidation": 0.38,
                "home_improvement": 0.18,
                "auto": 0.14,
                "medical": 0.08,
                "education": 0.08,
                "other": 0.14,
            },
        ),
        cat("home_ownership", {"rent": 0.4, "mortgage": 0.42, "own": 0.18}, load={"affluence": 0.4}),
        num("open_credit_lines", Poisson(8), clip=(0, 40), integer=True),
        num("delinquencies_2y", Poisson(0.4), clip=(0, 15), integer=True),
        GENDER,
        RACE,
        AGE_BAND,
    ),
    target=BinaryTarget(
        "good_standing",
        (
            Linear("credit_score", 1.0),
            Linear("annual_income", 0.6),
            Linear("debt_to_income", -0.8),
            Linear("employment_years", 0.3),
            Linear("loan_amount", -0.3),
            Linear("delinquencies_2y", -0.5),
            Level("home_ownership", {"own": 0.2, "mortgage": 0.1}),
            Level("loan_purpose", {"medical": -0.2, "education": -0.1}),
        ),
        base_rate=0.72,
        auc=0.83,
    ),
    versions=classifier_versions(),
    id_column="application_id",
    id_prefix="LAU",
    reference_rows=5000,
    batch_rows=2200,
    label_delay_days=14,
    policies=("us_four_fifths",),
    jurisdictions=("US",),
    hooks=(UnitChange("annual_income", 0.001, date(2026, 10, 18), decimals=1),),
)

MORTGAGE_APPROVAL = ModelSpec(
    name="mortgage_approval",
    description="Approves or declines residential mortgage applications (1 = approve).",
    business_unit="consumer_lending",
    risk_tier="high",
    problem_type="binary_classification",
    latents=("affluence",),
    columns=(
        num("credit_score", Normal(722, 50), clip=(520, 850), integer=True, load={"affluence": 0.5}),
        num("annual_income", LogNormal(96_000, 0.4), clip=(30_000, 400_000), decimals=-2, load={"affluence": 0.6}),
        num("loan_to_value", Beta(8, 3), clip=(0.2, 0.97), decimals=3, load={"affluence": -0.3}),
        num("debt_to_income", Beta(3.5, 7.5), clip=(0.05, 0.65), decimals=3, load={"affluence": -0.3}),
        num("credit_history_years", LogNormal(12, 0.5), clip=(0.5, 45), decimals=1, load={"affluence": 0.3}),
        cat("property_type", {"single_family": 0.62, "condo": 0.2, "townhouse": 0.12, "multi_family": 0.06}),
        flag("first_time_buyer", 0.3),
        GENDER,
        RACE,
    ),
    target=BinaryTarget(
        "performing",
        (
            Linear("credit_score", 1.0),
            Linear("debt_to_income", -0.7),
            Linear("loan_to_value", -0.5),
            Linear("credit_history_years", 0.5),
            Linear("annual_income", 0.3),
            Linear("first_time_buyer", -0.1),
        ),
        base_rate=0.7,
        auc=0.82,
    ),
    versions=classifier_versions(),
    id_column="application_id",
    id_prefix="MTG",
    reference_rows=5000,
    batch_rows=2700,
    label_delay_days=14,
    policies=("us_four_fifths",),
    jurisdictions=("US",),
    # A new broker channel brings a growing share of group_c applicants with thinner files and lower scores.
    hooks=(
        Subpopulation(
            share=Ramp(FIRST_NIGHT, LAST_NIGHT, 0.0, 0.12, power=1.6),
            set={"race": "group_c"},
            draw={"credit_score": Normal(630, 35), "credit_history_years": LogNormal(3.5, 0.45)},
            shift={"debt_to_income": 0.05},
        ),
    ),
)

AUTO_LOAN_APPROVAL = ModelSpec(
    name="auto_loan_approval",
    description="Approves or declines auto loans originated at dealerships (1 = approve).",
    business_unit="consumer_lending",
    risk_tier="medium",
    problem_type="binary_classification",
    latents=("affluence",),
    columns=(
        num("credit_score", Normal(690, 60), clip=(450, 850), integer=True, load={"affluence": 0.5}),
        num("monthly_income", LogNormal(5_200, 0.45), clip=(1_500, 30_000), decimals=0, load={"affluence": 0.6}),
        num("loan_amount", LogNormal(24_000, 0.45), clip=(3_000, 90_000), decimals=-2, load={"affluence": 0.4}),
        num("down_payment_pct", Beta(2, 8), clip=(0, 0.6), decimals=3, load={"affluence": 0.3}),
        num("vehicle_age_years", Poisson(3.5), clip=(0, 15), integer=True),
        cat("loan_term", {"36m": 0.15, "48m": 0.22, "60m": 0.38, "72m": 0.25}),
        cat("dealer_channel", {"franchise": 0.55, "independent": 0.3, "online": 0.15}),
        GENDER,
        AGE_BAND,
    ),
    target=BinaryTarget(
        "repaid_on_time",
        (
            Linear("credit_score", 1.0),
            Linear("monthly_income", 0.4),
            Linear("loan_amount", -0.4),
            Linear("down_payment_pct", 0.4),
            Linear("vehicle_age_years", -0.2),
            Level("loan_term", {"72m": -0.3, "36m": 0.2}),
        ),
        base_rate=0.78,
        auc=0.8,
    ),
    versions=classifier_versions(),
    id_column="application_id",
    id_prefix="AUT",
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=10,
    policies=("us_four_fifths",),
    jurisdictions=("US",),
)

CREDIT_LIMIT_ASSIGNMENT = ModelSpec(
    name="credit_limit_assignment",
    description="Assigns the initial credit limit (USD) of a newly approved credit card.",
    business_unit="consumer_lending",
    risk_tier="medium",
    problem_type="regression",
    latents=("affluence",),
    columns=(
        num("annual_income", LogNormal(72_000, 0.45), clip=(20_000, 350_000), decimals=-2, load={"affluence": 0.7}),
        num("credit_score", Normal(715, 50), clip=(560, 850), integer=True, load={"affluence": 0.5}),
        num("existing_credit_limits", LogNormal(15_000, 0.7), clip=(0, 150_000), decimals=-2, load={"affluence": 0.4}),
        num("utilization", Beta(2, 5), clip=(0, 1), decimals=3),
        num("months_on_book", LogNormal(30, 0.7), clip=(0, 240), integer=True),
        cat("card_product", {"classic": 0.5, "gold": 0.3, "platinum": 0.2}, load={"affluence": 0.5}),
    ),
    target=RegressionTarget(
        "credit_limit",
        (
            Linear("annual_income", 0.35, log=True),
            Linear("credit_score", 0.25),
            Linear("utilization", -0.15),
            Linear("months_on_book", 0.08),
            Level("card_product", {"gold": 0.3, "platinum": 0.6}),
        ),
        intercept=8.7,
        noise=0.22,
        log=True,
        decimals=-1,
        clip=(500, 100_000),
    ),
    versions=regressor_versions(),
    id_column="application_id",
    id_prefix="CLA",
    prediction_column="predicted_limit",
    score_column=None,
    reference_rows=4500,
    batch_rows=1800,
    label_delay_days=5,
    jurisdictions=("US",),
)

LOAN_INTEREST_RATE = ModelSpec(
    name="loan_interest_rate",
    description="Prices personal loans: the APR (percent) offered to an approved applicant.",
    business_unit="consumer_lending",
    risk_tier="medium",
    problem_type="regression",
    latents=("affluence",),
    columns=(
        num("credit_score", Normal(705, 55), clip=(520, 850), integer=True, load={"affluence": 0.5}),
        num("debt_to_income", Beta(3, 7), clip=(0.02, 0.7), decimals=3, load={"affluence": -0.3}),
        num("loan_amount", LogNormal(15_000, 0.6), clip=(1_000, 60_000), decimals=-2, load={"affluence": 0.3}),
        num("annual_income", LogNormal(70_000, 0.42), clip=(20_000, 300_000), decimals=-2, load={"affluence": 0.6}),
        cat("loan_term", {"36m": 0.55, "60m": 0.45}),
        cat(
            "loan_purpose",
            {"debt_consolidation": 0.42, "home_improvement": 0.2, "auto": 0.12, "medical": 0.1, "other": 0.16},
        ),
    ),
    target=RegressionTarget(
        "apr_percent",
        (
            # Pricing grids step by credit-score band: a linear model cannot follow them, boosting can.
            Linear("credit_score", -1.2),
            Step("credit_score", 0, 640, 3.0),
            Step("credit_score", 640, 700, 1.2),
            Step("credit_score", 760, 900, -0.8),
            Linear("debt_to_income", 0.9),
            Linear("loan_amount", -0.3),
            Linear("annual_income", -0.4),
            Level("loan_term", {"60m": 0.8}),
            Level("loan_purpose", {"medical": 0.6, "other": 0.4, "auto": -0.3}),
        ),
        intercept=11.5,
        noise=0.9,
        clip=(3.5, 35.99),
    ),
    versions=regressor_versions(),
    id_column="application_id",
    id_prefix="LIR",
    prediction_column="predicted_apr",
    score_column=None,
    reference_rows=4500,
    batch_rows=1800,
    label_delay_days=3,
    jurisdictions=("US",),
)

# ---------------------------------------------------------------------------------------------- payments risk

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

# ---------------------------------------------------------------------------------------------- customer

CHURN_DRIVERS = ("days_since_last_purchase", "orders_90d", "tenure_months", "monthly_spend")

CHURN_RETAIL = ModelSpec(
    name="churn_retail",
    description="Predicts which retail loyalty members will churn in the next 60 days (1 = churn).",
    business_unit="customer",
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

# ---------------------------------------------------------------------------------------------- hr

UNIVERSITY_TIER = cat("university_tier", {"tier_1": 0.25, "tier_2": 0.45, "tier_3": 0.3}, role="protected")
# Tier 1 graduates arrive with more internships, higher GPAs and assessment scores: the model never sees the
# tier, but the features it does see carry it, and tier_3 candidates advance far less often.
TIER_SHIFT = {"university_tier": {"tier_1": 0.19, "tier_3": -0.19}}

RESUME_SCREENING = ModelSpec(
    name="resume_screening",
    description="Screens job applications: which candidates advance to a first interview (1 = advance).",
    business_unit="hr",
    risk_tier="high",
    problem_type="binary_classification",
    latents=("aptitude",),
    columns=(
        GENDER,
        AGE_40,
        UNIVERSITY_TIER,
        num("years_experience", LogNormal(5, 0.7), clip=(0, 40), decimals=1),
        cat(
            "degree_level",
            {"none": 0.06, "bachelor": 0.56, "master": 0.31, "phd": 0.07},
            shift={"university_tier": {"tier_1": 0.15, "tier_3": -0.15}},
        ),
        num("gpa", Normal(3.3, 0.35), clip=(2.0, 4.0), decimals=2, load={"aptitude": 0.4}, shift=TIER_SHIFT),
        num(
            "skills_assessment_score",
            Normal(70, 12),
            clip=(20, 100),
            integer=True,
            load={"aptitude": 0.6},
            shift=TIER_SHIFT,
        ),
        num("internships", Poisson(1.2), clip=(0, 8), integer=True, shift=TIER_SHIFT),
        num("certifications", Poisson(1.0), clip=(0, 12), integer=True),
        flag("employee_referral", 0.15),
    ),
    target=BinaryTarget(
        "strong_interview",
        (
            Linear("skills_assessment_score", 1.0),
            Linear("years_experience", 0.5),
            Linear("gpa", 0.5),
            Linear("internships", 0.3),
            Linear("certifications", 0.15),
            Step("employee_referral", 0.5, 2, 0.4),
            Level("degree_level", {"none": -0.3, "master": 0.2, "phd": 0.3}),
        ),
        base_rate=0.38,
        auc=0.8,
    ),
    versions=classifier_versions(),
    id_column="candidate_id",
    id_prefix="CAN",
    prediction_column="advance",
    score_column="advance_score",
    reference_rows=6000,
    batch_rows=2800,
    label_delay_days=14,
    judge_intersections=True,
    policies=("us_four_fifths", "eu_ai_act_high_risk"),
    jurisdictions=("US", "EU"),
)

EMPLOYEE_ATTRITION = ModelSpec(
    name="employee_attrition",
    description="Flags employees at risk of leaving within six months for a retention conversation (1 = flag).",
    business_unit="hr",
    risk_tier="medium",
    problem_type="binary_classification",
    columns=(
        GENDER,
        AGE_40,
        num("tenure_years", LogNormal(4, 0.8), clip=(0, 40), decimals=1),
        num("months_since_promotion", LogNormal(20, 0.7), clip=(0, 240), integer=True),
        num("salary_ratio_to_market", Normal(0.98, 0.12), clip=(0.5, 1.6), decimals=3),
        num("engagement_score", Normal(3.6, 0.7), clip=(1, 5), decimals=1),
        num("overtime_hours_month", LogNormal(8, 0.9), clip=(0, 120), decimals=1),
        cat(
            "department",
            {"engineering": 0.28, "sales": 0.22, "operations": 0.2, "finance": 0.1, "marketing": 0.1, "support": 0.1},
        ),
        cat("work_mode", {"onsite": 0.35, "hybrid": 0.5, "remote": 0.15}),
    ),
    target=BinaryTarget(
        "left_within_6m",
        (
            Linear("engagement_score", -1.0),
            Linear("salary_ratio_to_market", -0.6),
            Linear("months_since_promotion", 0.5),
            Linear("tenure_years", -0.4),
            Linear("overtime_hours_month", 0.4),
            Level("department", {"sales": 0.3, "support": 0.2}),
            Level("work_mode", {"onsite": 0.2}),
        ),
        base_rate=0.42,
        auc=0.82,
    ),
    versions=classifier_versions(),
    id_column="employee_id",
    id_prefix="EMP",
    prediction_column="retention_flag",
    score_column="attrition_score",
    reference_rows=6000,
    batch_rows=2800,
    label_delay_days=14,
    policies=("eu_ai_act_high_risk",),
    jurisdictions=("EU",),
)

SALARY_BENCHMARK = ModelSpec(
    name="salary_benchmark",
    description="Recommends the base salary (USD) of an offer from role, level and experience.",
    business_unit="hr",
    risk_tier="medium",
    problem_type="regression",
    columns=(
        num("years_experience", LogNormal(7, 0.7), clip=(0, 40), decimals=1),
        num("performance_rating", Normal(3.2, 0.7), clip=(1, 5), decimals=1),
        cat("job_level", {"L1": 0.15, "L2": 0.25, "L3": 0.25, "L4": 0.18, "L5": 0.12, "L6": 0.05}),
        cat(
            "job_family",
            {"engineering": 0.3, "sales": 0.2, "operations": 0.18, "finance": 0.12, "marketing": 0.1, "people": 0.1},
        ),
        cat("location_tier", {"tier_a": 0.35, "tier_b": 0.4, "tier_c": 0.25}),
        cat("degree_level", {"none": 0.08, "bachelor": 0.57, "master": 0.29, "phd": 0.06}),
    ),
    target=RegressionTarget(
        "base_salary",
        (
            Linear("years_experience", 0.1, log=True),
            Linear("performance_rating", 0.03),
            Level("job_level", {"L2": 0.15, "L3": 0.32, "L4": 0.5, "L5": 0.7, "L6": 0.95}),
            Level("job_family", {"engineering": 0.15, "finance": 0.08, "operations": -0.1, "people": -0.08}),
            Level("location_tier", {"tier_a": 0.12, "tier_c": -0.12}),
            Level("degree_level", {"master": 0.05, "phd": 0.1, "none": -0.05}),
        ),
        intercept=11.0,
        noise=0.08,
        log=True,
        decimals=-2,
    ),
    versions=regressor_versions(),
    id_column="offer_id",
    id_prefix="OFR",
    prediction_column="recommended_salary",
    score_column=None,
    reference_rows=4000,
    batch_rows=1600,
    label_delay_days=21,
    jurisdictions=("US",),
)

# ---------------------------------------------------------------------------------------------- credit risk

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

# ---------------------------------------------------------------------------------------------- insurance

CLAIMS_FRAUD = ModelSpec(
    name="claims_fraud",
    description="Refers suspicious insurance claims to the special investigations unit (1 = refer).",
    business_unit="insurance",
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

# ---------------------------------------------------------------------------------------------- operations

DELIVERY_TIME_HOURS = ModelSpec(
    name="delivery_time_hours",
    description="Predicts door-to-door delivery time (hours) of a parcel at dispatch, for customer promises.",
    business_unit="operations",
    risk_tier="low",
    problem_type="regression",
    columns=(
        num("distance_km", LogNormal(35, 1.0), clip=(0.5, 3_000), decimals=1),
        num("parcel_weight_kg", LogNormal(2, 0.9), clip=(0.05, 70), decimals=2),
        num("hub_backlog_parcels", LogNormal(1_200, 0.4), clip=(50, 10_000), integer=True),
        num("weather_severity", Poisson(0.5), clip=(0, 4), integer=True),
        cat("service_level", {"standard": 0.6, "express": 0.3, "same_day": 0.1}),
        cat("origin_hub", {"hub_north": 0.25, "hub_south": 0.25, "hub_east": 0.2, "hub_west": 0.2, "hub_central": 0.1}),
    ),
    target=RegressionTarget(
        "delivery_hours",
        (
            Linear("distance_km", 0.45, log=True),
            Linear("hub_backlog_parcels", 0.15),
            Linear("weather_severity", 0.1),
            Linear("parcel_weight_kg", 0.05, log=True),
            Level("service_level", {"express": -0.6, "same_day": -1.4}),
            Level("origin_hub", {"hub_central": 0.1, "hub_east": -0.05}),
        ),
        intercept=3.4,
        noise=0.25,
        log=True,
        decimals=1,
    ),
    versions=regressor_versions(),
    id_column="parcel_id",
    id_prefix="PCL",
    prediction_column="predicted_hours",
    score_column=None,
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=3,
    jurisdictions=("EU",),
)

SUPPORT_TICKET_ESCALATION = ModelSpec(
    name="support_ticket_escalation",
    description="Predicts which support tickets will need escalation to tier 2, to route them early (1 = route).",
    business_unit="operations",
    risk_tier="low",
    problem_type="binary_classification",
    columns=(
        num("first_response_minutes", LogNormal(45, 1.0), clip=(0, 2_880), integer=True),
        num("sentiment_score", Normal(0, 1), clip=(-3, 3), decimals=2),
        num("reopen_count", Poisson(0.3), clip=(0, 10), integer=True),
        num("message_count", Poisson(4), clip=(1, 60), integer=True),
        cat("ticket_channel", {"email": 0.35, "chat": 0.3, "phone": 0.2, "web_form": 0.15}),
        cat("product_area", {"billing": 0.3, "technical": 0.35, "account": 0.2, "delivery": 0.15}),
        cat("customer_tier", {"standard": 0.7, "premium": 0.22, "enterprise": 0.08}),
    ),
    target=BinaryTarget(
        "escalated",
        (
            Linear("sentiment_score", -0.8),
            Linear("reopen_count", 0.6),
            Linear("message_count", 0.6),
            Linear("first_response_minutes", 0.3),
            Level("product_area", {"technical": 0.5, "billing": 0.1}),
            Level("customer_tier", {"enterprise": 0.5, "premium": 0.2}),
        ),
        base_rate=0.3,
        auc=0.8,
    ),
    versions=classifier_versions(),
    id_column="ticket_id",
    id_prefix="TKT",
    prediction_column="route_to_tier2",
    score_column="escalation_score",
    reference_rows=4500,
    batch_rows=2000,
    label_delay_days=3,
    jurisdictions=("EU",),
)

FLEET: tuple[ModelSpec, ...] = (
    LOAN_APPROVAL_US,
    MORTGAGE_APPROVAL,
    AUTO_LOAN_APPROVAL,
    CREDIT_LIMIT_ASSIGNMENT,
    LOAN_INTEREST_RATE,
    FRAUD_CARD_PAYMENTS,
    CHARGEBACK_RISK,
    AML_TRANSACTION_MONITORING,
    MERCHANT_SETTLEMENT_VOLUME,
    CHURN_RETAIL,
    CHURN_TELECOM,
    CUSTOMER_LIFETIME_VALUE,
    MARKETING_RESPONSE,
    RESUME_SCREENING,
    EMPLOYEE_ATTRITION,
    SALARY_BENCHMARK,
    CREDIT_DEFAULT_PD,
    SME_DEFAULT_PD,
    LOSS_GIVEN_DEFAULT,
    EARLY_DELINQUENCY,
    CLAIMS_FRAUD,
    POLICY_UNDERWRITING,
    POLICY_LAPSE,
    AUTO_CLAIM_SEVERITY,
    DELIVERY_TIME_HOURS,
    SUPPORT_TICKET_ESCALATION,
)
"""Every model of the demo fleet, in the order the business units are listed."""

# ---------------------------------------------------------------------------------------------- incidents

INCIDENTS: tuple[Incident, ...] = (
    Incident(
        model="loan_approval_us",
        kind="upstream_unit_change",
        first_night=date(2026, 10, 18),
        detect_by=date(2026, 10, 18),
        last_night=LAST_NIGHT,
        sections=("data_quality", "drift"),
        subjects=("annual_income", "prediction"),
        fault="data",
        expected="upstream delivers annual_income in thousands (income / 1000). The suite's critical "
        "between-expectation on annual_income fails for nearly every row, annual_income drifts "
        "(every value falls in the lowest reference decile: Jensen-Shannon distance about 0.87) and so does the "
        "prediction: approvals fall from about 80 % to about 54 %. The data is at fault, not the model.",
    ),
    Incident(
        model="fraud_card_payments",
        kind="client_traffic_shift",
        first_night=date(2026, 10, 20),
        detect_by=date(2026, 10, 22),
        last_night=LAST_NIGHT,
        sections=("segments", "performance", "drift"),
        subjects=("client_orbitpay", "precision", "amount", "hour", "country_mismatch", "merchant_category"),
        fault="data",
        expected="client_orbitpay's share of traffic ramps from 3 % to 34 % over 2026-10-20 .. 10-26 with "
        "legitimate cross-border night-time digital-goods purchases that the model flags (its flag rate "
        "goes from about 5 % to over 90 %). The client's share and flag rate depart from reference; "
        "realized precision (labels 2 days later) falls from about 0.78 to under 0.1, and amount, hour, "
        "country_mismatch and merchant_category drift. The estimated precision does not fall: the model is "
        "confidently wrong on this traffic, which only labels reveal.",
    ),
    Incident(
        model="mortgage_approval",
        kind="fairness_drift",
        first_night=FIRST_NIGHT,
        detect_by=date(2026, 10, 22),
        last_night=LAST_NIGHT,
        sections=("fairness", "drift"),
        subjects=("race", "group_c", "credit_history_years", "credit_score"),
        fault="model",
        expected="a new broker channel brings a growing share of group_c applicants with lower credit scores and "
        "thinner files. The model never sees race, but group_c's approval rate falls: its impact ratio "
        "against the most favoured group goes from 0.9 or more in the first week to under 0.75 in the "
        "last, crossing the four-fifths line (0.8) around 2026-10-19. The applicants' credit history and "
        "scores drift with the new channel's share.",
    ),
    Incident(
        model="resume_screening",
        kind="persistent_disparate_impact",
        first_night=FIRST_NIGHT,
        detect_by=FIRST_NIGHT,
        last_night=LAST_NIGHT,
        sections=("fairness",),
        subjects=("university_tier", "tier_3"),
        fault="model",
        expected="tier_3 university candidates advance at about 0.58 of tier_1's rate (0.48-0.68 from night to "
        "night) on every night, through features correlated with the tier (GPA, assessment score, internships); "
        "each tier has 500+ candidates a night. The four-fifths rule fails every night, and so does equal "
        "opportunity once labels arrive. Gender and age stay within bounds.",
    ),
    Incident(
        model="churn_retail",
        kind="performance_decay",
        first_night=FIRST_NIGHT,
        detect_by=date(2026, 10, 22),
        last_night=LAST_NIGHT,
        sections=("performance", "drift"),
        subjects=("roc_auc", *CHURN_DRIVERS),
        fault="model",
        expected="the spread of the four churn drivers shrinks night by night (covariate shift towards the "
        "model's uncertain region); the model stays calibrated but its ROC AUC decays from about 0.86 "
        "to about 0.70. The estimate (CBPE) crosses the SLA minimum 0.78 around nights 15-20; the "
        "realized AUC confirms 10 days later when the labels arrive.",
    ),
    Incident(
        model="credit_default_pd",
        kind="bad_model_version",
        first_night=date(2026, 10, 16),
        detect_by=date(2026, 10, 16),
        last_night=LAST_NIGHT,
        sections=("performance",),
        subjects=("roc_auc", "model_version=3"),
        fault="model",
        expected="version 3, refit on a stale 600-row snapshot whose bureau fields (credit_utilization, "
        "recent_delinquencies) were back-filled with a constant, serves from 2026-10-16 (batches say "
        "model_version 3; it holds the champion alias). Its ROC AUC is about 0.67 against version 2's "
        "0.85: the estimate with the reference scored by v3 breaches the SLA minimum 0.78 at once and "
        "the realized AUC confirms 5 days later. The data is unchanged; rolling back to v2 fixes it.",
    ),
)
"""The problems planted in the demo, one per incident model; every other model is healthy all month."""
