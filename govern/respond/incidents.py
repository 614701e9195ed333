"""The incident lifecycle, over the database: open, update, reopen, acknowledge, contain, resolve, escalate.

    open ──> acknowledged ──> contained ──> resolved
      └──────────┴──────────────┴─────────────┘   (a person may resolve from any state;
                                                    a key that fires again within the policy's window reopens)

Every transition is an ``IncidentEvent`` (when, who or what, the details) and an audit entry, and comes back as
a ``Change`` for notifications and Prefect events. Times are passed in (``at``), never read from the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govern.config import ModelConfig
from govern.errors import GovernanceError
from govern.respond import audit
from govern.respond.db import Incident, IncidentEvent, IncidentFinding
from govern.respond.policy import IncidentType, ResponsePolicy, Sev
from govern.respond.triage import Signal, worse

GOVERN = "govern"
"""Who the automation is, in every record it makes."""

STATUSES = ("open", "acknowledged", "contained", "resolved")
ACTIVE = ("open", "acknowledged", "contained")


class IncidentNotFound(GovernanceError):
    """No incident has that id."""


@dataclass(frozen=True)
class Change:
    """One incident change, for notifications, Prefect events and the night's response summary."""

    incident_id: int
    event_id: int
    kind: str
    at: dt.datetime
    by: str
    model: str | None
    feed: str | None
    sev: str
    status: str
    title: str
    night: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident_id,
            "event": self.kind,
            "at": self.at.isoformat(),
            "by": self.by,
            "model": self.model,
            "feed": self.feed,
            "sev": self.sev,
            "status": self.status,
            "title": self.title,
            "night": self.night,
            "detail": self.detail,
        }


def night_close(night: str) -> dt.datetime:
    """The end of a night (midnight after it, UTC): what time to detect is counted from."""
    return dt.datetime.combine(dt.date.fromisoformat(night) + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def contact(incident: Incident, level: int | None = None) -> dict[str, Any] | None:
    """Who the incident is with at ``level`` (default: its current one): 0 the owner, n the n-th escalation."""
    level = incident.escalation_level if level is None else level
    if level == 0:
        return incident.owner
    path = incident.escalation or []
    return path[level - 1] if 0 < level <= len(path) else None


def record(
    session: Session,
    incident: Incident,
    kind: str,
    *,
    at: dt.datetime,
    by: str = GOVERN,
    night: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Change:
    """Record one change of ``incident``: its event, its audit entry; returned as a Change."""
    incident.updated_at = at
    event = IncidentEvent(incident_id=incident.id, at=at, kind=kind, by=by, night=night, detail=detail or {})
    session.add(event)
    session.flush()
    payload = {
        "incident": incident.id,
        "model": incident.model,
        "feed": incident.feed,
        "key": incident.key,
        "sev": incident.sev,
        "status": incident.status,
        "night": night,
        "detail": detail or {},
    }
    audit.append(session, at=at, actor=by, kind=f"incident.{kind}", subject=f"incident:{incident.id}", payload=payload)
    return Change(
        incident_id=incident.id,
        event_id=event.id,
        kind=kind,
        at=at,
        by=by,
        model=incident.model,
        feed=incident.feed,
        sev=incident.sev,
        status=incident.status,
        title=incident.title,
        night=night,
        detail=detail or {},
    )


# ---------------------------------------------------------------------------------------------- queries


def get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(f"incident {incident_id} must exist; got no such incident (govern incidents list)")
    return incident


def latest(session: Session, key: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.key == key).order_by(Incident.id.desc()).limit(1)).first()


def active(session: Session, *, model: str | None = None, feed: str | None = None) -> list[Incident]:
    query = select(Incident).where(Incident.status.in_(ACTIVE))
    if model is not None:
        query = query.where(Incident.model == model)
    if feed is not None:
        query = query.where(Incident.feed == feed)
    return list(session.scalars(query.order_by(Incident.id)))


def listing(
    session: Session, *, status: str | None = None, model: str | None = None, feed: str | None = None
) -> list[Incident]:
    query = select(Incident)
    if status is not None:
        query = query.where(Incident.status == status)
    if model is not None:
        query = query.where(Incident.model == model)
    if feed is not None:
        query = query.where(Incident.feed == feed)
    return list(session.scalars(query.order_by(Incident.id)))


def events(session: Session, incident_id: int) -> list[IncidentEvent]:
    query = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.id)
    return list(session.scalars(query))


def findings(session: Session, incident_id: int) -> list[IncidentFinding]:
    query = select(IncidentFinding).where(IncidentFinding.incident_id == incident_id)
    return list(session.scalars(query.order_by(IncidentFinding.night, IncidentFinding.model, IncidentFinding.id)))


# ---------------------------------------------------------------------------------------------- windows


def _set_clocks(policy: ResponsePolicy, incident: Incident, models: list[ModelConfig]) -> None:
    """Acknowledgement and recovery deadlines by SEV and tier; the Article 73 deadline when serious."""
    sev, tier = Sev(incident.sev), incident.risk_tier
    if incident.status == "open" and incident.acknowledged_at is None and incident.escalation_level == 0:
        incident.ack_due = incident.opened_at + dt.timedelta(hours=policy.windows.acknowledge(sev, tier))
    rto = incident.opened_at + dt.timedelta(hours=policy.windows.recover(sev, tier))
    incident.rto_due = rto if incident.rto_due is None else min(incident.rto_due, rto)
    article = policy.article_73
    under_act = any(set(m.policies) & set(article.policies) for m in models)
    if under_act and sev.at_least(article.serious_at_or_above):
        due = incident.detected_at + dt.timedelta(days=article.days(IncidentType(incident.type)))
        incident.report_due = due if incident.report_due is None else min(incident.report_due, due)


def tier_of(models: list[ModelConfig], fallback: str | None = None) -> str | None:
    """The tier an incident is judged at: the highest of the models it touches."""
    order = ["low", "medium", "high", "critical"]
    tiers = [m.risk_tier.value for m in models]
    return max(tiers, key=order.index) if tiers else fallback


# ---------------------------------------------------------------------------------------------- taking in


def _add_evidence(session: Session, incident: Incident, signal: Signal) -> bool:
    """The signal's findings under the incident; False when all were there already (a rerun)."""
    added = False
    for item in signal.evidence:
        exists = session.scalars(
            select(IncidentFinding.id).where(
                IncidentFinding.incident_id == incident.id,
                IncidentFinding.night == item.night,
                IncidentFinding.model == item.model,
                IncidentFinding.check == item.finding.check,
                IncidentFinding.subject == item.finding.subject,
            )
        ).first()
        if exists is not None:
            continue
        f = item.finding
        session.add(
            IncidentFinding(
                incident_id=incident.id,
                night=item.night,
                model=item.model,
                check=f.check,
                subject=f.subject,
                measured=f.measured if isinstance(f.measured, int | float) else None,
                threshold=f.threshold if isinstance(f.threshold, int | float) else None,
                comparison=f.comparison,
                severity=f.severity.value,
                fault=f.fault,
                policy=f.policy,
                message=f.message,
                result_path=item.result_path,
                result_sha256=item.result_sha256,
                model_version=item.model_version,
            )
        )
        added = True
    return added


def take_in(
    session: Session,
    policy: ResponsePolicy,
    fleet: str,
    signal: Signal,
    models: list[ModelConfig],
    *,
    at: dt.datetime,
) -> tuple[Incident, list[Change]]:
    """Open, update or reopen the incident of ``signal``'s key. ``models``: the configs of the models it touches
    (owner and escalation from the first; for a feed, the owner of the first model reading it)."""
    incident = latest(session, signal.key)
    changes: list[Change] = []
    if incident is not None and incident.status == "resolved":
        resolved = incident.resolved_at or at
        if signal.night <= incident.last_night:
            # a night the incident already saw (a rerun of an old night): evidence only, no reopening
            _add_evidence(session, incident, signal)
            return incident, changes
        if at - resolved <= dt.timedelta(days=policy.reopen_within_days):
            incident.status = "reopened"  # transient: settled to open below
        else:
            incident = None
    if incident is None:
        incident = _open(session, policy, fleet, signal, models, at=at)
        changes.append(record(session, incident, "opened", at=at, night=signal.night, detail=_detail(signal)))
        return incident, changes

    reopened = incident.status == "reopened"
    if reopened:
        incident.status = "open"
        incident.reopened += 1
        incident.resolved_at = incident.resolved_by = incident.resolution_note = None
        incident.acknowledged_at = incident.acknowledged_by = None
        incident.contained_at = incident.contained_by = None
        incident.escalation_level = 0
        incident.opened_at = incident.detected_at = at
        incident.ack_due = incident.rto_due = incident.report_due = None
        incident.nights_open = 0
        incident.first_night = signal.onset_night  # the recurrence is timed on its own
        incident.time_to_detect_s = max(0.0, (at - night_close(signal.onset_night)).total_seconds())
        incident.time_to_contain_s = None
        incident.recommendation = None
    new_night = signal.night > incident.last_night or reopened
    added = _add_evidence(session, incident, signal)
    if not added and not reopened:
        return incident, changes  # a rerun of a night already taken in: nothing changes
    if new_night:
        incident.nights_open += 1
        incident.last_night = max(incident.last_night, signal.night)
        incident.clean_nights = 0
        incident.measured = signal.measured
    incident.worst_measured = worse(signal.comparison, incident.worst_measured, signal.measured)
    previous = Sev(incident.sev)
    if signal.sev.at_least(previous) and signal.sev != previous:
        incident.sev = signal.sev.value
    _set_clocks(policy, incident, models)
    if reopened:
        changes.append(record(session, incident, "reopened", at=at, night=signal.night, detail=_detail(signal)))
    else:
        changes.append(record(session, incident, "updated", at=at, night=signal.night, detail=_detail(signal)))
    if incident.sev != previous.value and not reopened:
        changes.append(
            record(
                session,
                incident,
                "sev_changed",
                at=at,
                night=signal.night,
                detail={"from": previous.value, "to": incident.sev, "why": "the breach grew"},
            )
        )
    return incident, changes


def _detail(signal: Signal) -> dict[str, Any]:
    return {
        "check": signal.check,
        "subject": signal.subject,
        "measured": signal.measured,
        "threshold": signal.threshold,
        "comparison": signal.comparison,
        "breach": signal.breach.value,
        "sev": signal.sev.value,
        "models": list(signal.models),
        "onset_night": signal.onset_night,
        "version_at_fault": signal.version_at_fault,
        "results": sorted({e.result_path for e in signal.evidence}),
    }


def _open(
    session: Session, policy: ResponsePolicy, fleet: str, signal: Signal, models: list[ModelConfig], *, at: dt.datetime
) -> Incident:
    first = models[0] if models else None
    incident = Incident(
        fleet=fleet,
        key=signal.key,
        model=signal.model,
        feed=signal.feed,
        check=signal.check,
        subject=signal.subject,
        type=signal.type.value,
        fault=signal.fault,
        sev=signal.sev.value,
        status="open",
        title=signal.title,
        risk_tier=tier_of(models),
        owner=first.owner.model_dump() if first is not None else None,
        escalation=[c.model_dump() for c in first.escalation] if first is not None else [],
        escalation_level=0,
        first_night=signal.onset_night,
        last_night=signal.night,
        nights_open=1,
        clean_nights=0,
        measured=signal.measured,
        worst_measured=signal.measured,
        threshold=signal.threshold,
        comparison=signal.comparison,
        opened_at=at,
        detected_at=at,
        time_to_detect_s=max(0.0, (at - night_close(signal.onset_night)).total_seconds()),
        reopened=0,
        updated_at=at,
    )
    session.add(incident)
    session.flush()
    _set_clocks(policy, incident, models)
    _add_evidence(session, incident, signal)
    return incident


def clean_night(
    session: Session, policy: ResponsePolicy, incident: Incident, night: str, *, at: dt.datetime
) -> list[Change]:
    """The incident's check was judged on ``night`` and did not fire. After the policy's
    ``resolve_after_clean_nights`` such nights in a row, the incident resolves itself (``govern``)."""
    if night <= incident.last_night or incident.status not in ACTIVE:
        return []
    incident.clean_nights += 1
    changes: list[Change] = []
    limit = policy.resolve_after_clean_nights
    if limit is not None and incident.clean_nights >= limit:
        changes.append(
            resolve(
                session,
                incident,
                by=GOVERN,
                at=at,
                note=f"recovered: {incident.clean_nights} nights in a row judged without the check firing",
            )
        )
    return changes


# ---------------------------------------------------------------------------------------------- people and time


def acknowledge(session: Session, incident: Incident, *, by: str, at: dt.datetime, note: str = "") -> Change:
    if incident.status == "resolved":
        raise GovernanceError(f"incident {incident.id} must be active to be acknowledged; got resolved instead")
    if incident.acknowledged_at is not None:
        return record(session, incident, "note", at=at, by=by, detail={"note": note or "acknowledged again"})
    incident.acknowledged_at, incident.acknowledged_by = at, by
    if incident.status == "open":
        incident.status = "acknowledged"
    incident.ack_due = None
    return record(session, incident, "acknowledged", at=at, by=by, detail={"note": note} if note else {})


def contain(
    session: Session, incident: Incident, *, by: str, at: dt.datetime, how: str, action: int | None = None
) -> Change | None:
    """Mark the incident contained (a playbook's action or a person's); None when it already was."""
    if incident.status in ("contained", "resolved"):
        return None
    incident.status = "contained"
    incident.contained_at, incident.contained_by = at, by
    incident.time_to_contain_s = max(0.0, (at - incident.detected_at).total_seconds())
    if incident.acknowledged_at is None:
        incident.ack_due = None  # contained by the automation: nobody is chased for it, they are told
    return record(session, incident, "contained", at=at, by=by, detail={"how": how, "action": action})


def resolve(session: Session, incident: Incident, *, by: str, at: dt.datetime, note: str) -> Change:
    if incident.status == "resolved":
        raise GovernanceError(f"incident {incident.id} must be active to be resolved; got resolved instead")
    incident.status = "resolved"
    incident.resolved_at, incident.resolved_by, incident.resolution_note = at, by, note
    incident.ack_due = None
    met = incident.rto_due is None or at <= incident.rto_due
    return record(session, incident, "resolved", at=at, by=by, detail={"note": note, "within_rto": met})


def escalate(
    session: Session, policy: ResponsePolicy, incident: Incident, *, at: dt.datetime, why: str
) -> Change | None:
    """Hand the incident to the next contact of its escalation path (None when there is none left)."""
    nxt = contact(incident, incident.escalation_level + 1)
    if nxt is None:
        return None
    incident.escalation_level += 1
    hours = policy.windows.acknowledge(Sev(incident.sev), incident.risk_tier)
    incident.ack_due = at + dt.timedelta(hours=hours) if incident.acknowledged_at is None else None
    return record(
        session, incident, "escalated", at=at, detail={"to": nxt, "level": incident.escalation_level, "why": why}
    )


def escalate_due(session: Session, policy: ResponsePolicy, *, at: dt.datetime) -> list[Change]:
    """Every open incident not acknowledged within its window moves one step up its escalation path; an RTO
    that passed is recorded once."""
    changes: list[Change] = []
    for incident in session.scalars(select(Incident).where(Incident.status.in_(ACTIVE)).order_by(Incident.id)):
        if incident.status == "open" and incident.ack_due is not None and incident.ack_due <= at:
            who = contact(incident) or {}
            change = escalate(
                session,
                policy,
                incident,
                at=at,
                why=f"not acknowledged by {who.get('name', 'anyone')} within its window "
                f"(due {incident.ack_due.isoformat()})",
            )
            if change is None:
                incident.ack_due = None
                changes.append(
                    record(
                        session,
                        incident,
                        "escalation_exhausted",
                        at=at,
                        detail={"why": "no one left on the escalation path"},
                    )
                )
            else:
                changes.append(change)
        if incident.rto_due is not None and incident.rto_due <= at and incident.status != "resolved":
            missed = session.scalars(
                select(IncidentEvent.id).where(
                    IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "rto_missed"
                )
            ).first()
            if missed is None:
                changes.append(
                    record(session, incident, "rto_missed", at=at, detail={"rto_due": incident.rto_due.isoformat()})
                )
    return changes


def set_sev(
    session: Session,
    incident: Incident,
    sev: Sev,
    *,
    at: dt.datetime,
    why: str,
    by: str = GOVERN,
    policy: ResponsePolicy | None = None,
    models: list[ModelConfig] | None = None,
) -> Change | None:
    """Set the incident's SEV (its deadlines tighten with it when ``policy`` is given)."""
    if incident.sev == sev.value:
        return None
    previous = incident.sev
    incident.sev = sev.value
    if policy is not None:
        _set_clocks(policy, incident, models or [])
    return record(
        session, incident, "sev_changed", at=at, by=by, detail={"from": previous, "to": sev.value, "why": why}
    )
