"""The night's response end to end over hand-built results: a real SQLite incident database, the in-memory
registry, the results store; no Prefect. Each playbook, the feed's root cause, idempotency, escalation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from govern.config import load_fleet
from govern.respond import audit, human, incidents
from govern.respond.db import Action, AuditEntry, Feed, Incident, IncidentEvent, QuarantinedBatch
from govern.results import Evidence, ModelNightResult, NotJudged
from tests.fleet_factory import write_fleet
from tests.respond.world import CRITICAL, NIGHTS, at_of, count, finding, night, result


def test_healthy_nights_open_nothing_and_record_every_judgement(world: dict[str, Any]) -> None:
    for each in NIGHTS[:3]:
        report = night(world, each)
        assert report.changes == [] and report.errors == {}
    assert count(world, Incident) == 0
    with world["db"].session() as session:
        judged = session.scalars(select(AuditEntry).where(AuditEntry.kind == "night.judged")).all()
        assert len(judged) == 3 * len(world["fleet"].models)
        assert audit.verify(session).ok


def test_a_bad_version_is_rolled_back_to_the_last_that_passed_and_quarantined(world: dict[str, Any]) -> None:
    for each in NIGHTS[:3]:
        night(world, each)  # version 1 passes three nights
    world["registry"].set_alias("credit", "champion", "2")  # the team deploys version 2
    bad = result(
        "credit",
        NIGHTS[3],
        finding("performance.estimated_roc_auc", "roc_auc", 0.66, 0.78),
        finding("performance.version_regression", "version 2 vs 1", 0.18, 0.05, "<="),
        version="2",
    )
    report = night(world, NIGHTS[3], {"credit": bad})
    assert report.errors == {}
    assert world["registry"].version_by_alias("credit", "champion").version == "1"
    assert world["registry"].get_version("credit", "2").tags["governance.status"] == "quarantined"
    with world["db"].session() as session:
        credit = incidents.listing(session, model="credit")
        assert [i.status for i in credit] == ["contained", "contained"]  # both incidents of the bad version
        assert {i.sev for i in credit} <= {"SEV1", "SEV2"}
        rollbacks = session.scalars(select(Action).where(Action.kind == "rollback")).all()
        assert len(rollbacks) == 1 and rollbacks[0].status == "done"
        assert rollbacks[0].params["to_version"] == "1" and rollbacks[0].params["from_version"] == "2"
        assert credit[0].time_to_contain_s == 0.0
    # the same night again changes nothing: no second rollback, no new event
    events = count(world, IncidentEvent)
    again = world["responder"].respond(NIGHTS[3], at=at_of(NIGHTS[3], 5))
    assert again.changes == [] and count(world, IncidentEvent) == events and count(world, Action) == 1


def test_no_safe_version_recommends_and_escalates(world: dict[str, Any]) -> None:
    bad = result("hiring", NIGHTS[0], finding("fairness.impact_ratio", "university_tier", 0.58, 0.8))
    report = night(world, NIGHTS[0], {"hiring": bad})
    kinds = [c.kind for c in report.changes if c.model == "hiring"]
    assert kinds[:1] == ["opened"] and "recommendation" in kinds and "escalated" in kinds
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="hiring")
        assert "no safe version" in (incident.recommendation or "") and "human review" in incident.recommendation
        assert incident.escalation_level == 1 and incident.status == "open"
    assert world["registry"].version_by_alias("hiring", "champion").version == "1"


def test_a_feed_failing_for_three_models_is_one_incident_that_disables_the_feed(world: dict[str, Any]) -> None:
    special = {f"bureau_{x}": result(f"bureau_{x}", NIGHTS[0], finding(*CRITICAL)) for x in "abc"}
    night(world, NIGHTS[0], special)
    with world["db"].session() as session:
        every = incidents.listing(session)
        assert len(every) == 1
        (feed,) = every
        assert feed.model is None and feed.feed == "bureau" and feed.status == "contained"
        assert {f.model for f in incidents.findings(session, feed.id)} == {"bureau_a", "bureau_b", "bureau_c"}
        assert session.get(Feed, "bureau").status == "disabled"
        assert len(session.scalars(select(QuarantinedBatch)).all()) == 3
        from govern.respond.db import ResponseMark

        marked = session.scalars(select(ResponseMark.model).where(ResponseMark.night == NIGHTS[0])).all()
        assert {"bureau_a", "bureau_b", "bureau_c"} <= set(marked)  # the feed's models are taken in, once
        judged = session.scalars(select(AuditEntry).where(AuditEntry.kind == "night.judged")).all()
        assert len(judged) == len(world["fleet"].models)
    # the next night, the pipeline refuses the feed: a refused result opens nothing
    refused = {
        f"bureau_{x}": ModelNightResult(
            model=f"bureau_{x}",
            night=NIGHTS[1],
            status="incomplete",
            evidence=Evidence(feed_disabled="feed bureau disabled ..."),
            not_judged=(NotJudged(section="data_quality", subject="batch", reason="refused"),),
        )
        for x in "abc"
    }
    report = night(world, NIGHTS[1], refused)
    assert [c for c in report.changes if c.kind == "opened"] == []


def test_one_model_on_its_feed_quarantines_and_disables_without_rollback(world: dict[str, Any]) -> None:
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="loan")
        assert incident.status == "contained" and incident.type == "data_quality"
        assert session.get(Feed, "loan_applications").status == "disabled"
        kinds = session.scalars(select(Action.kind).where(Action.model == "loan").order_by(Action.id)).all()
        assert kinds == ["quarantine_batch", "disable_feed"]
    assert world["registry"].version_by_alias("loan", "champion").version == "1"


def test_a_client_waits_for_approval_then_is_denylisted(world: dict[str, Any]) -> None:
    shifted = result("payments", NIGHTS[0], finding("segments.share_increase", "client_orbitpay", 0.31, 0.1, "<="))
    report = night(world, NIGHTS[0], {"payments": shifted})
    assert "approval_requested" in [c.kind for c in report.changes]
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="payments")
        assert incident.status == "open"
        incident_id = incident.id
    approved = human.approve(world["responder"], incident_id, by="Lena Fischer", at=at_of(NIGHTS[0], 9))
    assert "contained" in [c.kind for c in approved.changes]
    denylist = json.loads((world["fleet"].state_dir / "serving" / "denylist.json").read_text())
    assert [(c["model"], c["client"], c["by"]) for c in denylist["clients"]] == [
        ("payments", "client_orbitpay", "Lena Fischer")
    ]
    assert world["registry"].version_by_alias("payments", "champion").version == "1"


def test_an_unacknowledged_incident_escalates_on_the_next_run(world: dict[str, Any]) -> None:
    drift = result("healthy", NIGHTS[0], finding("performance.estimated_roc_auc", "roc_auc", 0.76, 0.78))
    night(world, NIGHTS[0], {"healthy": drift})
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="healthy")
        assert incident.escalation_level == 0 and incident.ack_due is not None
    report = night(
        world,
        NIGHTS[1],
        {"healthy": result("healthy", NIGHTS[1], finding("performance.estimated_roc_auc", "roc_auc", 0.75, 0.78))},
    )
    assert "escalated" in [c.kind for c in report.changes]
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="healthy")
        assert incident.nights_open == 2 and incident.measured == 0.75 and incident.worst_measured == 0.75


def test_notifications_go_out_once_per_change_and_channel(world: dict[str, Any]) -> None:
    night(world, NIGHTS[0], {"hiring": result("hiring", NIGHTS[0], finding("fairness.impact_ratio", "tier", 0.5, 0.8))})
    kinds = [m.payload["event"] for _, m in world["sent"]]
    assert kinds.count("opened") == 1 and "escalated" in kinds
    sent = len(world["sent"])
    world["responder"].respond(NIGHTS[0], at=at_of(NIGHTS[0], 3))
    assert len(world["sent"]) == sent


def test_the_audit_log_breaks_at_an_edited_entry(world: dict[str, Any]) -> None:
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
    with world["db"].session() as session:
        assert audit.verify(session).ok
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == 5)).one()
        entry.payload = entry.payload.replace('"', "'", 1)
    with world["db"].session() as session:
        report = audit.verify(session)
        assert not report.ok and report.first_bad == 5


def test_the_response_policy_file_is_read(tmp_path: Path) -> None:
    fleet_path = write_fleet(tmp_path)
    policy = {"reopen_within_days": 3, "playbooks": {"dry_run": True}}
    (fleet_path.parent / "policies" / "incident_response.yaml").write_text(yaml.safe_dump(policy))
    fleet = load_fleet(fleet_path)
    assert fleet.response_policy.reopen_within_days == 3 and fleet.response_policy.playbooks.dry_run
    assert "incident_response" not in fleet.policies


def test_a_locked_database_is_each_models_error_and_the_next_run_catches_up(world: dict[str, Any]) -> None:
    import sqlite3

    night(world, NIGHTS[0])  # the response has started
    world["db"].lock_timeout = 0.2
    world["db"].engine.dispose()
    from govern.respond.database import open_database as reopen

    world["responder"].db = reopen(world["fleet"].incident_db, lock_timeout=0.2)
    path = world["fleet"].state_dir / "governance.db"
    holder = sqlite3.connect(path, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        bad = {"loan": result("loan", NIGHTS[1], finding(*CRITICAL))}
        report = night(world, NIGHTS[1], bad)
    finally:
        holder.rollback()
        holder.close()
    assert "locked" in " ".join(report.errors.values()).lower()
    assert world["store"].has_result(NIGHTS[1], "loan")  # the results are written whatever the response did
    # the next night's run takes the missed night in first: the loan incident is opened with night 1's evidence
    report = night(world, NIGHTS[2])
    assert report.nights == [NIGHTS[1], NIGHTS[2]] and report.errors == {}
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="loan")
        assert incident.first_night == NIGHTS[1]


def test_one_denylisting_contains_every_incident_of_that_client(world: dict[str, Any]) -> None:
    first = result("payments", NIGHTS[0], finding("segments.positive_rate_ratio", "client_orbitpay", 9.0, 3.0, "<="))
    night(world, NIGHTS[0], {"payments": first})
    both = result("payments", NIGHTS[1], finding("segments.positive_rate_ratio", "client_orbitpay", 9.0, 3.0, "<="),
                  finding("segments.share_increase", "client_orbitpay", 0.3, 0.1, "<="))  # fmt: skip
    night(world, NIGHTS[1], {"payments": both})
    with world["db"].session() as session:
        ids = [i.id for i in incidents.listing(session, model="payments")]
        assert len(ids) == 2 and len(session.scalars(select(Action)).all()) == 1  # one action for the client
    human.approve(world["responder"], ids[0], by="Tomas Alvarez", at=at_of(NIGHTS[1], 9))
    with world["db"].session() as session:
        assert [i.status for i in incidents.listing(session, model="payments")] == ["contained", "contained"]


def test_a_refused_night_reads_back_for_people() -> None:
    """govern show of a night refused because its feed is disabled (status incomplete) says why."""
    from govern.readout import night_text

    refused = ModelNightResult(
        model="loan", night=NIGHTS[1], status="incomplete",
        evidence=Evidence(feed_disabled="feed loan_applications disabled since 2026-10-19T02:00 by govern: bad data"),
        not_judged=(NotJudged(section="data_quality", subject="batch", reason="refused: feed disabled"),),
    )  # fmt: skip
    text = night_text(refused)
    assert text.startswith("loan on 2026-10-02: INCOMPLETE") and "Refused: feed loan_applications disabled" in text


def test_an_artifact_whose_checksum_changed_refuses_the_rollback_and_raises_sev1(world: dict[str, Any]) -> None:
    for each in NIGHTS[:2]:
        night(world, each)  # version 1 passes; its artifacts' SHA-256 is recorded when first seen
    world["registry"]._models["credit"][0].model["weights"].append("tampered")  # someone changes v1's artifact
    world["registry"].set_alias("credit", "champion", "2")
    bad = result("credit", NIGHTS[2], finding("performance.estimated_roc_auc", "roc_auc", 0.66, 0.78), version="2")
    report = night(world, NIGHTS[2], {"credit": bad})
    assert world["registry"].version_by_alias("credit", "champion").version == "2"  # not moved
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="credit")
        assert incident.sev == "SEV1" and incident.status == "open" and incident.escalation_level == 1
        assert "checksum" in (incident.recommendation or "").lower() or "sha" in incident.recommendation.lower()
        (rollback,) = session.scalars(select(Action).where(Action.kind == "rollback")).all()
        assert rollback.status == "refused"
    assert {"sev_changed", "escalated"} <= {c.kind for c in report.changes}


def test_a_client_flagged_the_same_night_keeps_the_model_from_being_rolled_back(world: dict[str, Any]) -> None:
    for each in NIGHTS[:2]:
        night(world, each)
    world["registry"].set_alias("credit", "champion", "2")
    both = result("credit", NIGHTS[2], finding("performance.estimated_roc_auc", "roc_auc", 0.66, 0.78),
                  finding("segments.share_increase", "client_x", 0.4, 0.1, "<="), version="2")  # fmt: skip
    night(world, NIGHTS[2], {"credit": both})
    assert world["registry"].version_by_alias("credit", "champion").version == "2"
    with world["db"].session() as session:
        performance = next(i for i in incidents.listing(session, model="credit") if i.type == "performance")
        assert "not clean" in (performance.recommendation or "") and "client_x" in performance.recommendation
        assert session.scalars(select(Action).where(Action.kind == "rollback")).all() == []


def test_a_dry_run_never_stands_in_for_the_real_action(world: dict[str, Any], tmp_path: Path) -> None:
    import dataclasses

    responder = world["responder"]
    dry = responder.policy.model_copy(
        update={"playbooks": responder.policy.playbooks.model_copy(update={"dry_run": True})}
    )
    live_fleet = responder.fleet
    responder.fleet = dataclasses.replace(live_fleet, response=dry)
    bad = {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))}
    night(world, NIGHTS[0], bad)
    with world["db"].session() as session:
        assert {a.status for a in session.scalars(select(Action))} == {"dry_run"}
        assert session.get(Feed, "loan_applications") is None  # nothing was done
    responder.fleet = live_fleet  # the policy goes live; the problem is still there the next night
    night(world, NIGHTS[1], {"loan": result("loan", NIGHTS[1], finding(*CRITICAL))})
    with world["db"].session() as session:
        assert session.get(Feed, "loan_applications").status == "disabled"


def test_a_message_undelivered_for_too_long_is_abandoned_and_that_is_recorded(world: dict[str, Any]) -> None:
    from govern.respond.db import Notification

    world["responder"].channels = []  # the channel has no URL in this environment
    night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})  # queued, pending
    with world["db"].session() as session:
        assert {n.status for n in session.scalars(select(Notification))} == {"pending"}
    world["responder"].respond(NIGHTS[9], at=at_of(NIGHTS[9]))  # nine days later
    with world["db"].session() as session:
        assert {n.status for n in session.scalars(select(Notification))} == {"abandoned"}
        kinds = {e.kind for e in session.scalars(select(AuditEntry))}
        assert "notification.abandoned" in kinds


def test_the_sweep_between_nights_escalates_an_overdue_incident(world: dict[str, Any]) -> None:
    bad = result("healthy", NIGHTS[0], finding("data_quality.null_fraction", "income", 0.25, 0.1, "<="))
    night(world, NIGHTS[0], {"healthy": bad})  # SEV2 on a high-risk model: 4 hours to acknowledge
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="healthy")
        assert incident.sev == "SEV2" and incident.escalation_level == 0
        due = incident.ack_due
    assert due is not None
    early = world["responder"].sweep(at=due - dt.timedelta(minutes=10))
    assert [c.kind for c in early.changes] == []
    late = world["responder"].sweep(at=due + dt.timedelta(minutes=10))
    assert [c.kind for c in late.changes] == ["escalated"]
    assert late.changes[0].detail["to"]["name"] == "Head"


def test_three_clean_nights_resolve_an_incident_and_a_refused_night_does_not_count(world: dict[str, Any]) -> None:
    drifted = result("healthy", NIGHTS[0], finding("drift.feature", "income", 0.3, 0.1, "<="))
    night(world, NIGHTS[0], {"healthy": drifted})
    refused = ModelNightResult(model="healthy", night=NIGHTS[1], status="incomplete",
                               evidence=Evidence(feed_disabled="feed f disabled"),
                               not_judged=(NotJudged(section="drift", subject="batch", reason="refused"),))  # fmt: skip
    night(world, NIGHTS[1], {"healthy": refused})
    for each in NIGHTS[2:4]:
        night(world, each)
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="healthy")
        assert incident.status == "open" and incident.clean_nights == 2
    night(world, NIGHTS[4])
    with world["db"].session() as session:
        (incident,) = incidents.listing(session, model="healthy")
        assert incident.status == "resolved" and incident.resolved_by == "govern"
        assert "3 nights in a row" in (incident.resolution_note or "")
