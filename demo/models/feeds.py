"""The upstream feeds the demo's models read (each model's ``feed:``), and the failures planted in them.

Most feeds serve one model. Two carry a planted failure: ``loan_applications`` (read by loan_approval_us
alone) delivers annual income in thousands for six nights, and ``credit_bureau`` (read by three consumer
lending models that are otherwise healthy) delivers every credit score empty on one night, so each of the
three batches fails the critical non-null share expectation of its suite that night.
``demo.incidents`` says what a correct response does with each.
"""

from __future__ import annotations

from datetime import date

from demo.spec import FieldOutage, UnitChange

# consumer lending
LOAN_APPLICATIONS = "loan_applications"
MORTGAGE_APPLICATIONS = "mortgage_applications"
CREDIT_BUREAU = "credit_bureau"
"""Bureau-enriched applications: auto_loan_approval, credit_limit_assignment and loan_interest_rate."""
# payments risk
CARD_GATEWAY = "card_gateway"
ECOMMERCE_ORDERS = "ecommerce_orders"
WIRE_TRANSFERS = "wire_transfers"
MERCHANT_LEDGER = "merchant_ledger"
# customer
LOYALTY_EVENTS = "loyalty_events"
SUBSCRIBER_USAGE = "subscriber_usage"
CUSTOMER_ORDERS = "customer_orders"
CAMPAIGN_AUDIENCE = "campaign_audience"
# hr
APPLICANT_TRACKING = "applicant_tracking"
HR_CORE = "hr_core"
OFFER_REQUESTS = "offer_requests"
# credit risk
CARD_ACCOUNTS = "card_accounts"
SME_LOAN_BOOK = "sme_loan_book"
WORKOUT_CASES = "workout_cases"
LOAN_SERVICING = "loan_servicing"
# insurance
CLAIMS_INTAKE = "claims_intake"
UNDERWRITING_APPLICATIONS = "underwriting_applications"
POLICY_ADMIN = "policy_admin"
MOTOR_CLAIMS = "motor_claims"
# operations
PARCEL_DISPATCH = "parcel_dispatch"
SUPPORT_DESK = "support_desk"

INCOME_IN_THOUSANDS = UnitChange("annual_income", 0.001, date(2026, 10, 18), decimals=1, end=date(2026, 10, 23))
"""The loan application pipeline's release of 2026-10-18 divides annual income by 1,000; the upstream team
ships the fix for the delivery of 2026-10-24 (from that night on the data is right again)."""

BUREAU_OUTAGE_NIGHT = date(2026, 10, 28)
"""Late enough that none of the three models' labels for that night arrive within the demo (the shortest label
delay, loan_interest_rate's, is 3 days): the failure is one night of bad data and nothing else."""
BUREAU_OUTAGE = FieldOutage("credit_score", BUREAU_OUTAGE_NIGHT, BUREAU_OUTAGE_NIGHT)
"""The bureau's score service is down for the night's enrichment run: credit_score arrives empty on every row."""
