"""The problems planted in the demo, one per incident model, and what a correct pipeline finds, and when.

The incidents arise from the data through the model (the hooks in the incident models' specs under
``demo.models``), never from a column that says "alert here". Every other model is healthy all month.
"""

from __future__ import annotations

from datetime import date

from demo.generate import FIRST_NIGHT, LAST_NIGHT
from demo.models.customer import CHURN_DRIVERS
from demo.spec import Incident

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
