"""The problems planted in the demo, one per incident model, and what a correct pipeline finds, and when; and
the failure planted in a feed several models read.

The incidents arise from the data through the model (the hooks in the incident models' specs under
``demo.models``), never from a column that says "alert here". Every other model is healthy all month, but for
the night its feed fails (``FEED_INCIDENTS``). The figures hold when governance changes nothing: a rollback or
a disabled feed changes what the following nights show (``demo.serving`` scores each night with the version
the serving alias names).
"""

from __future__ import annotations

from datetime import date

from demo.generate import FIRST_NIGHT, LAST_NIGHT
from demo.models import feeds
from demo.models.customer import CHURN_DRIVERS
from demo.spec import FeedIncident, Incident

INCIDENTS: tuple[Incident, ...] = (
    Incident(
        model="loan_approval_us",
        kind="upstream_unit_change",
        first_night=feeds.INCOME_IN_THOUSANDS.start,
        detect_by=feeds.INCOME_IN_THOUSANDS.start,
        last_night=date(2026, 10, 23),
        sections=("data_quality", "drift"),
        subjects=("annual_income", "prediction"),
        fault="data",
        expected="the loan_applications feed delivers annual_income in thousands (income / 1000) until 2026-10-23. "
        "The suite's critical between-expectation on annual_income fails for nearly every row, annual_income "
        "drifts (every value falls in the lowest reference decile: Jensen-Shannon distance about 0.87) and so "
        "does the prediction: approvals fall from about 80 % to about 54 %. The data is at fault, not the model. "
        "The upstream fix ships for the delivery of 2026-10-24: from that night on the data is right again.",
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
        "recent_delinquencies) were back-filled with a constant, is deployed on 2026-10-16: the team's CD moves "
        "the champion alias to it that night and it serves from then on (batches say model_version 3) until "
        "the alias moves back. Its ROC AUC is about 0.67 against version 2's 0.85: the estimate with the "
        "reference scored by v3 breaches the SLA minimum 0.78 at once and the realized AUC confirms 5 days "
        "later. The data is unchanged; rolling back to v2 fixes it from the next night on.",
    ),
)
"""The problems planted in the demo, one per incident model; every other model is healthy all month."""

FEED_INCIDENTS: tuple[FeedIncident, ...] = (
    FeedIncident(
        feed=feeds.CREDIT_BUREAU,
        kind="field_outage",
        night=feeds.BUREAU_OUTAGE.start,
        last_night=feeds.BUREAU_OUTAGE.end,
        models=("auto_loan_approval", "credit_limit_assignment", "loan_interest_rate"),
        column=feeds.BUREAU_OUTAGE.column,
        expectations=("expect_column_proportion_of_non_null_values_to_be_between(credit_score)",),
        expected="on 2026-10-28 the credit_bureau feed delivers credit_score empty on every row (the bureau's "
        "score service was down for the night's enrichment run). Each of the three models that read it fails the "
        "critical expectation that credit_score is non-null in at least half of the rows (the non-critical "
        "not-null expectation fails too); the models impute the median score, so their predictions move. One "
        "data incident names the feed, with the three models' findings under it. The next night is right again.",
    ),
)
"""Failures planted in a feed shared by several models (healthy otherwise)."""
