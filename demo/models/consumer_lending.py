"""Consumer lending: personal loan, mortgage and auto loan approval, credit limits and loan pricing.

Two incident models: ``loan_approval_us`` (upstream delivers annual income in thousands for six nights) and
``mortgage_approval`` (a new broker channel erodes group_c's approval rate). Three healthy models read the
``credit_bureau`` feed, whose credit scores arrive empty on one night (``demo.models.feeds``).
"""

from __future__ import annotations

from demo.generate import FIRST_NIGHT, LAST_NIGHT
from demo.models import feeds
from demo.models.columns import AGE_BAND, GENDER, RACE, cat, flag, num
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
)

ANNUAL_INCOME = num(
    "annual_income", LogNormal(68_000, 0.42), clip=(24_000, 240_000), decimals=-2, load={"affluence": 0.6}
)
CREDIT_SCORE = num("credit_score", Normal(705, 55), clip=(480, 850), integer=True, load={"affluence": 0.5})

LOAN_APPROVAL_US = ModelSpec(
    name="loan_approval_us",
    description="Approves or declines unsecured personal loan applications in the US (1 = approve).",
    business_unit="consumer_lending",
    feed=feeds.LOAN_APPLICATIONS,
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
    hooks=(feeds.INCOME_IN_THOUSANDS,),
)

MORTGAGE_APPROVAL = ModelSpec(
    name="mortgage_approval",
    description="Approves or declines residential mortgage applications (1 = approve).",
    business_unit="consumer_lending",
    feed=feeds.MORTGAGE_APPLICATIONS,
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
    feed=feeds.CREDIT_BUREAU,
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
    hooks=(feeds.BUREAU_OUTAGE,),
)

CREDIT_LIMIT_ASSIGNMENT = ModelSpec(
    name="credit_limit_assignment",
    description="Assigns the initial credit limit (USD) of a newly approved credit card.",
    business_unit="consumer_lending",
    feed=feeds.CREDIT_BUREAU,
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
    hooks=(feeds.BUREAU_OUTAGE,),
)

LOAN_INTEREST_RATE = ModelSpec(
    name="loan_interest_rate",
    description="Prices personal loans: the APR (percent) offered to an approved applicant.",
    business_unit="consumer_lending",
    feed=feeds.CREDIT_BUREAU,
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
    hooks=(feeds.BUREAU_OUTAGE,),
)

MODELS: tuple[ModelSpec, ...] = (
    LOAN_APPROVAL_US,
    MORTGAGE_APPROVAL,
    AUTO_LOAN_APPROVAL,
    CREDIT_LIMIT_ASSIGNMENT,
    LOAN_INTEREST_RATE,
)
"""The consumer lending models, in the fleet's order."""
