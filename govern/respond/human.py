"""What people do, through the same code path and audit trail as the automation: acknowledge, resolve, approve
or reject an action, roll a model back, disable or re-enable a feed. Each command is an audit entry
(``command.<name>``) and the incident changes it makes; the CLI (``govern incidents ...``, ``govern rollback``,
``govern feed``) calls these and then delivers the notifications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govern.errors import ContainmentError, GovernanceError
from govern.respond import audit, containment, incidents, versions
from govern.respond.db import Action, Feed, Incident
from govern.respond.respond import Responder, ResponseReport


def _name(by: str) -> str:
    by = by.strip()
    if not by or by.lower() == incidents.GOVERN:
        raise GovernanceError(f"--by must name the person acting; got {by!r} instead")
    return by


def _command(session: Session, name: str, *, by: str, at: dt.datetime, subject: str, **payload: Any) -> None:
    audit.append(
        session,
        at=at,
        actor=by,
        kind=f"command.{name}",
        subject=subject,
        payload={
            "model": None,
            "feed": None,
            **payload,
            "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )


def _on_incident(session: Session, name: str, incident: Incident, *, by: str, at: dt.datetime, **payload: Any) -> None:
    """A command on an incident: its audit entry, naming the incident's model and feed."""
    _command(session, name, by=by, at=at, subject=f"incident:{incident.id}", model=incident.model, feed=incident.feed,
             **payload)  # fmt: skip


def acknowledge(responder: Responder, incident_id: int, *, by: str, at: dt.datetime, note: str = "") -> ResponseReport:
    by = _name(by)
    report = ResponseReport(night="", at=at)
    with responder.db.session() as session:
        incident = incidents.get(session, incident_id)
        _on_incident(session, "ack", incident, by=by, at=at, note=note)
        report.changes.append(incidents.acknowledge(session, incident, by=by, at=at, note=note))
        responder.queue(session, report.changes, at)
    return _done(responder, report, at)


def resolve(responder: Responder, incident_id: int, *, by: str, note: str, at: dt.datetime) -> ResponseReport:
    by = _name(by)
    if not note.strip():
        raise GovernanceError("--note must say how the incident was resolved; got an empty note")
    report = ResponseReport(night="", at=at)
    with responder.db.session() as session:
        incident = incidents.get(session, incident_id)
        _on_incident(session, "resolve", incident, by=by, at=at, note=note)
        if incident.feed and incident.model is None:
            feed = session.get(Feed, incident.feed)
            if feed is not None and feed.status == "disabled":
                raise ContainmentError(
                    f"incident {incident_id}: feed {incident.feed} must be re-enabled before its incident is "
                    f"resolved (govern feed enable {incident.feed} --by NAME --reason TEXT); it is disabled"
                )
        report.changes.append(incidents.resolve(session, incident, by=by, at=at, note=note))
        responder.queue(session, report.changes, at)
    return _done(responder, report, at)


def awaiting(session: Session, incident_id: int) -> list[Action]:
    query = select(Action).where(Action.incident_id == incident_id, Action.status == "awaiting_approval")
    return list(session.scalars(query.order_by(Action.id)))


def approve(
    responder: Responder,
    incident_id: int,
    *,
    by: str,
    at: dt.datetime,
    reject: bool = False,
    note: str = "",
    action_ids: Sequence[int] | None = None,
) -> ResponseReport:
    """Approve (or reject) the actions of the incident that wait for a person (only ``action_ids`` when given:
    those the approver was shown), then carry the approved ones out at once: the same code the nightly run
    uses."""
    by = _name(by)
    report = ResponseReport(night="", at=at)
    with responder.db.session() as session:
        incident = incidents.get(session, incident_id)
        waiting = [a for a in awaiting(session, incident_id) if action_ids is None or a.id in action_ids]
        if not waiting:
            raise ContainmentError(f"incident {incident_id} must have an action awaiting approval; it has none")
        _on_incident(session, "reject" if reject else "approve", incident, by=by, at=at,
                     actions=[a.id for a in waiting], note=note)  # fmt: skip
        for action in waiting:
            if reject:
                containment.reject(session, action, by=by, at=at, note=note or "rejected")
            else:
                containment.approve(session, action, by=by, at=at)
            report.actions.append({"id": action.id, "kind": action.kind, "status": action.status})
            report.changes.append(
                incidents.record(
                    session,
                    incident,
                    "rejected" if reject else "approved",
                    at=at,
                    by=by,
                    detail={"action": action.id, "kind": action.kind, "note": note},
                )
            )
        responder.queue(session, report.changes, at)
    if not reject:
        responder.carry_out_approved(report, at)
    return _done(responder, report, at)


def rollback(
    responder: Responder,
    model: str,
    *,
    by: str,
    at: dt.datetime,
    to_version: str | None = None,
    dry_run: bool = False,
    incident_id: int | None = None,
) -> ResponseReport:
    """A person's rollback of ``model``'s serving alias (to ``to_version``, or the last version that passed),
    with the same checks as the playbook's: never to a version that failed, was quarantined or never passed,
    and only after its artifacts' checksum matches the recorded one."""
    by = _name(by)
    fleet = responder.fleet
    config = fleet.models.get(model)
    if config is None:
        raise GovernanceError(f"model {model!r} must be a model of the fleet; got no such model")
    if config.registry is None or responder.registry is None:
        raise ContainmentError(f"model {model!r} must have a registry entry to be rolled back; its config has none")
    registry = responder.registry
    alias = config.registry.serving_alias
    serving = registry.version_by_alias(config.registry.name, alias).version
    report = ResponseReport(night="", at=at)
    with responder.db.session() as session:  # read only: no lock is held while the registry is asked below
        target, why = versions.safe_version(session, config.registry.name, serving, to_version)
    command = {"model": model, "alias": alias, "serving": serving, "to": to_version, "dry_run": dry_run}
    plan = None
    try:
        if target is None:
            raise ContainmentError(f"model {model!r}: no version to roll back to: {why}")
        if dry_run:  # the same checks as the rollback's, the target's artifacts re-hashed included
            plan = versions.plan_rollback(responder.db, registry, registry_name=config.registry.name, alias=alias,
                                          from_version=serving, to_version=target.version)  # fmt: skip
    except ContainmentError as exc:  # refused: the refusal is on the record too
        with responder.db.session() as session:
            _command(session, "rollback", by=by, at=at, subject=f"model:{model}", **command, refused=str(exc))
        raise
    with responder.db.session() as session:
        _command(session, "rollback", by=by, at=at, subject=f"model:{model}", **command)
        if plan is not None:
            report.actions.append(
                {
                    "kind": "rollback",
                    "status": "dry_run",
                    "model": model,
                    "from_version": serving,
                    "to_version": plan.to_version,
                    "outcome": f"would move {alias} from {serving} to {plan.to_version} ({plan.reason}; "
                    f"its artifacts match the recorded SHA-256 {plan.expected_sha256[:12]}...)",
                }
            )
            return report
        assert target is not None
        stamp = at.strftime("%Y%m%dT%H%M%SZ")
        item = containment.Plan(
            "rollback",
            "rollback",
            key=f"rollback|{model}|{serving}|{by}|{stamp}",
            model=model,
            params={
                "alias": alias,
                "registry_name": config.registry.name,
                "from_version": serving,
                "to_version": target.version,
                "requested": to_version,
            },
        )
        incident = incidents.get(session, incident_id) if incident_id is not None else None
        action, _ = containment.propose(session, responder.policy, item, incident, at=at, by=by, approved=True)
        action_id = action.id
    responder.rollback(action_id, at, report, actor=by)
    return _done(responder, report, at)


def set_feed(
    responder: Responder, feed: str, *, enabled: bool, by: str, reason: str, at: dt.datetime
) -> ResponseReport:
    by = _name(by)
    if not reason.strip():
        raise GovernanceError("--reason must say why; got an empty reason")
    readers = sorted(name for name, m in responder.fleet.models.items() if m.feed == feed)
    if not readers:
        known = sorted({m.feed for m in responder.fleet.models.values() if m.feed})
        raise GovernanceError(f"feed {feed!r} must be read by a model of the fleet; the fleet's feeds are {known}")
    report = ResponseReport(night="", at=at)
    with responder.db.session() as session:
        _command(
            session,
            "feed_enable" if enabled else "feed_disable",
            by=by,
            at=at,
            subject=f"feed:{feed}",
            feed=feed,
            reason=reason,
            models=readers,
        )
        row = containment.set_feed(session, feed, enabled=enabled, at=at, by=by, reason=reason)
        report.actions.append(
            {
                "kind": "enable_feed" if enabled else "disable_feed",
                "feed": feed,
                "status": "done",
                "outcome": containment.feed_refusal(row) if not enabled else f"feed {feed} enabled",
                "models": readers,
            }
        )
        for incident in incidents.active(session, feed=feed):
            if incident.model is None or containment.playbook_of(incident) == "data":
                report.changes.append(
                    incidents.record(
                        session,
                        incident,
                        "feed_enabled" if enabled else "feed_disabled",
                        at=at,
                        by=by,
                        detail={"feed": feed, "reason": reason},
                    )
                )
        responder.queue(session, report.changes, at)
    return _done(responder, report, at)


def _done(responder: Responder, report: ResponseReport, at: dt.datetime) -> ResponseReport:
    """After a command's transaction: deliver its notifications, rewrite the serving layer's files."""
    responder.notify(report, at)
    responder.export_state(report)
    return report


def incident_document(session: Session, incident: Incident) -> dict[str, Any]:
    """An incident with its evidence, history and actions, as ``govern incidents show --json`` prints it."""
    actions = session.scalars(select(Action).where(Action.incident_id == incident.id).order_by(Action.id))
    children = session.scalars(select(Incident).where(Incident.parent_id == incident.id).order_by(Incident.id))
    return {
        **incident_line(incident),
        "owner": incident.owner,
        "escalation": incident.escalation,
        "contact": incidents.contact(incident),
        "first_night": incident.first_night,
        "measured": incident.measured,
        "worst_measured": incident.worst_measured,
        "threshold": incident.threshold,
        "comparison": incident.comparison,
        "acknowledged": _when(incident.acknowledged_at, incident.acknowledged_by),
        "contained": _when(incident.contained_at, incident.contained_by),
        "resolved": _when(incident.resolved_at, incident.resolved_by),
        "resolution_note": incident.resolution_note,
        "time_to_detect_hours": _hours(incident.time_to_detect_s),
        "time_to_contain_hours": _hours(incident.time_to_contain_s),
        "recommendation": incident.recommendation,
        "findings": [
            {
                "night": f.night,
                "model": f.model,
                "check": f.check,
                "subject": f.subject,
                "measured": f.measured,
                "threshold": f.threshold,
                "comparison": f.comparison,
                "severity": f.severity,
                "fault": f.fault,
                "policy": f.policy,
                "message": f.message,
                "model_version": f.model_version,
                "result": f.result_path,
                "result_sha256": f.result_sha256,
            }
            for f in incidents.findings(session, incident.id)
        ],
        "events": [
            {"at": e.at.isoformat(), "kind": e.kind, "by": e.by, "night": e.night, "detail": e.detail}
            for e in incidents.events(session, incident.id)
        ],
        "actions": [
            {
                "id": a.id,
                "kind": a.kind,
                "status": a.status,
                "params": a.params,
                "requested_by": a.requested_by,
                "approved_by": a.approved_by,
                "done_at": a.done_at.isoformat() if a.done_at else None,
                "outcome": a.outcome,
            }
            for a in actions
        ],
        "children": [c.id for c in children],
    }


def incident_line(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "status": incident.status,
        "sev": incident.sev,
        "type": incident.type,
        "model": incident.model,
        "feed": incident.feed,
        "check": incident.check,
        "subject": incident.subject,
        "title": incident.title,
        "risk_tier": incident.risk_tier,
        "first_night": incident.first_night,
        "last_night": incident.last_night,
        "nights_open": incident.nights_open,
        "opened_at": incident.opened_at.isoformat(),
        "ack_due": incident.ack_due.isoformat() if incident.ack_due else None,
        "rto_due": incident.rto_due.isoformat() if incident.rto_due else None,
        "report_due": incident.report_due.isoformat() if incident.report_due else None,
        "escalation_level": incident.escalation_level,
    }


def _when(at: dt.datetime | None, by: str | None) -> dict[str, Any] | None:
    return None if at is None else {"at": at.isoformat(), "by": by}


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)
