"""The people in the demo: what the model owners and their managers do about the incidents, on which morning,
as plain data. The demo run carries each step out through the same code path as the CLI (``govern incidents
ack|approve|resolve``, ``govern feed enable``), so it is audited like any person's command.

A step follows one night's run: ``night`` is the demo night whose nightly run it comes after, and ``at`` the
time (UTC, the fleet's time zone) on the next calendar day, when people are at work: the run of night D starts at
02:00 on D + 1, so a step with ``night=D, at=08:30`` happens at ``D + 1 08:30`` (``HumanStep.when``), before the
run of night D + 1.

``target`` finds what the step acts on: ``{"model", "check"}`` (and ``"subject"`` when the check has several)
an incident by the model and check id of its dedup key; ``{"feed"}`` a feed, or the feed's incident for
``ack`` / ``resolve``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from demo.contacts import OWNERS

Command = Literal["ack", "approve", "resolve", "feed_enable"]
COMMANDS: tuple[Command, ...] = ("ack", "approve", "resolve", "feed_enable")


@dataclass(frozen=True)
class HumanStep:
    """One person's command on one morning of the demo (see the module docstring for ``night`` and ``at``).
    ``note`` is the ``--note`` of resolve, the ``--reason`` of feed enable, and is recorded for the others."""

    night: date
    at: time
    actor: str
    command: Command
    target: Mapping[str, str]
    note: str

    @property
    def when(self) -> datetime:
        """The moment of the step: ``at`` on the day after ``night``, UTC."""
        return datetime.combine(self.night + timedelta(days=1), self.at.replace(tzinfo=UTC))


def _at(hour: int, minute: int = 0) -> time:
    return time(hour, minute, tzinfo=UTC)


_LENDING_OWNER = OWNERS["consumer_lending"][0].name
_PAYMENTS_OWNER, _PAYMENTS_HEAD = (c.name for c in OWNERS["payments_risk"])
_CREDIT_OWNER = OWNERS["credit_risk"][0].name
_HR_OWNER = OWNERS["hr"][0].name

CREDIT_INCIDENT = {"model": "credit_default_pd", "check": "performance.estimated_roc_auc"}
LOAN_INCIDENT = {"model": "loan_approval_us", "check": "data_quality.critical_expectation"}
FRAUD_INCIDENT = {"model": "fraud_card_payments", "check": "segments.positive_rate_ratio", "subject": "client_orbitpay"}
BUREAU_FEED = {"feed": "credit_bureau"}
MORTGAGE_INCIDENT = {"model": "mortgage_approval", "check": "fairness.impact_ratio", "subject": "race"}
RESUME_INCIDENT = {"model": "resume_screening", "check": "fairness.impact_ratio", "subject": "university_tier"}

HUMAN_STEPS: tuple[HumanStep, ...] = (
    # resume_screening fails the four-fifths rule from the first night. No other version has passed governance,
    # so there is no safe version to roll back to: the owner takes the incident (its escalation and the
    # human-review recommendation stand) and keeps it open while the model is reworked, past the demo's end.
    HumanStep(
        date(2026, 10, 1),
        _at(9, 0),
        _HR_OWNER,
        "ack",
        RESUME_INCIDENT,
        "tier_3 candidates advance at ~0.58 of tier_1's rate; routing tier_3 rejections to a recruiter while the "
        "features that carry the tier are reviewed",
    ),
    # credit_default_pd's v3 is caught on its first night (10-16) and rolled back to v2 by the playbook during
    # that night's run. The owner acknowledges it the next morning, within the SEV2 window.
    HumanStep(
        date(2026, 10, 16),
        _at(8, 30),
        _CREDIT_OWNER,
        "ack",
        CREDIT_INCIDENT,
        "v3 refit on a stale snapshot; rollback to v2 confirmed in the registry",
    ),
    # The loan application feed started sending income in thousands on 10-18; the playbook disabled the feed in
    # that night's run. The owner acknowledges and opens a ticket with the upstream team.
    HumanStep(
        date(2026, 10, 18),
        _at(8, 30),
        _LENDING_OWNER,
        "ack",
        LOAN_INCIDENT,
        "annual_income arrives in thousands since the upstream release of 10-18; ticket raised with the "
        "loan application pipeline team",
    ),
    # Two nights (10-17, 10-18) served by v2 have come back healthy: the credit incident is resolved, well within
    # its recovery objective. (The realized AUC of the 10-16 batch confirms v3's fault when its labels arrive on
    # 10-21; v3 stays quarantined.)
    HumanStep(
        date(2026, 10, 18),
        _at(16, 0),
        _CREDIT_OWNER,
        "resolve",
        CREDIT_INCIDENT,
        "v2 serving since 10-17, estimated ROC AUC back above the SLA for two nights; v3 quarantined, refit "
        "scheduled on a fresh extract",
    ),
    # mortgage_approval's group_c impact ratio first falls below 0.8 on 10-19. No other version has passed
    # governance (no safe version), so the owner acknowledges and the case goes to fair-lending review; it stays
    # open.
    HumanStep(
        date(2026, 10, 19),
        _at(9, 0),
        _LENDING_OWNER,
        "ack",
        MORTGAGE_INCIDENT,
        "group_c approvals falling with the new broker channel's applicants; decisions for the channel routed "
        "to underwriter review pending the fair-lending assessment",
    ),
    # client_orbitpay's traffic is flagged far above the reference rate from 10-20 on: the owner acknowledges
    # the morning after it is first caught, and looks at the client's traffic ...
    HumanStep(
        date(2026, 10, 20),
        _at(8, 45),
        _PAYMENTS_OWNER,
        "ack",
        FRAUD_INCIDENT,
        "orbitpay's new marketplace traffic: cross-border night-time digital goods, flagged at ~50 %",
    ),
    # ... and the next morning, as the client's share keeps growing, the head of unit approves the denylisting
    # the playbook proposed (a client containment needs a person's approval at this SEV).
    HumanStep(
        date(2026, 10, 21),
        _at(10, 0),
        _PAYMENTS_HEAD,
        "approve",
        FRAUD_INCIDENT,
        "approve denylisting client_orbitpay at the gateway until the marketplace's traffic is onboarded with "
        "its own rules",
    ),
    # The upstream team shipped the fix for the delivery of 10-24; the owner checks that night's file (income in
    # dollars again) and re-enables the feed the next morning, so the run of 10-25 judges the model again.
    HumanStep(
        date(2026, 10, 24),
        _at(9, 30),
        _LENDING_OWNER,
        "feed_enable",
        {"feed": "loan_applications"},
        "upstream fix shipped for the 10-24 delivery: annual_income in dollars again (checked in the file)",
    ),
    # The first night judged after the re-enable (10-25) is clean: the loan incident is resolved.
    HumanStep(
        date(2026, 10, 25),
        _at(15, 0),
        _LENDING_OWNER,
        "resolve",
        LOAN_INCIDENT,
        "10-25 judged clean after the upstream fix; no rollback was needed (the model was never at fault)",
    ),
    # The credit bureau's scores arrived empty for three models on 10-28: one feed incident, the feed disabled.
    # The bureau confirms the outage is over; the lending owner acknowledges and re-enables the feed the next
    # morning, so the run of 10-29 judges the three models again.
    HumanStep(
        date(2026, 10, 28),
        _at(8, 30),
        _LENDING_OWNER,
        "ack",
        BUREAU_FEED,
        "bureau score service outage during the 10-28 enrichment run (bureau incident ticket); three models hit",
    ),
    HumanStep(
        date(2026, 10, 28),
        _at(10, 30),
        _LENDING_OWNER,
        "feed_enable",
        BUREAU_FEED,
        "bureau confirms the score service is back; today's enrichment run delivered credit_score again",
    ),
    # The next night's batches of the three models are clean: the feed incident is resolved.
    HumanStep(
        date(2026, 10, 29),
        _at(15, 0),
        _LENDING_OWNER,
        "resolve",
        BUREAU_FEED,
        "10-29 judged clean for auto_loan_approval, credit_limit_assignment and loan_interest_rate",
    ),
)
"""The human steps of the demo run, in the order they happen (by ``when``)."""
