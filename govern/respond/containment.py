"""Containment playbooks, like an on-call runbook: what to do about an incident, decided by who is at fault.

- **Model at fault** (performance, fairness or a version regression, on clean data): roll the serving alias back
  to the last version that passed governance (``govern.respond.versions``); no safe version: a recommendation,
  and the incident escalates.
- **Data at fault** (a critical expectation failed, or a feed's incident): quarantine the night's batch and
  disable the feed. The model is not rolled back.
- **Client at fault** (an API client's traffic): put the client on the denylist a serving layer reads
  (``<state_dir>/serving/denylist.json``, and the ``denylist`` table). The model is not rolled back.

An action is a row of ``actions`` with an idempotency key: proposing it again finds it. It is ``dry_run`` when the
policy says so, ``awaiting_approval`` when its SEV needs a person, else ``approved`` and carried out at once.
People act through the same functions (``govern rollback``, ``govern feed``, ``govern incidents approve``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govern.config import ModelConfig
from govern.errors import ContainmentError
from govern.respond import audit
from govern.respond.db import Action, DenylistEntry, Feed, Incident, QuarantinedBatch
from govern.respond.incidents import GOVERN
from govern.respond.policy import IncidentType, Playbook, ResponsePolicy, Sev
from govern.respond.triage import FEED_CHECK, Signal

DATA_CHECKS = ("data_quality.critical_expectation", FEED_CHECK)
MODEL_TYPES = (IncidentType.PERFORMANCE, IncidentType.FAIRNESS)
DONE = ("done", "dry_run")


@dataclass(frozen=True)
class Plan:
    """What a playbook would do for an incident: an action, or only a recommendation."""

    playbook: str  # rollback, data, client
    kind: str | None  # rollback, quarantine_batch, disable_feed, denylist; None: a recommendation only
    key: str | None = None
    model: str | None = None
    feed: str | None = None
    night: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    recommendation: str | None = None
    escalate: bool = False


def playbook_of(incident: Incident) -> str | None:
    """Which playbook an incident calls for, from its check and type; None: none (drift, governance faults)."""
    if incident.check in DATA_CHECKS:
        return "data"
    if incident.check.startswith("segments."):
        return "client"
    if IncidentType(incident.type) in MODEL_TYPES and incident.fault == "model":
        return "rollback"
    return None


def _playbook(policy: ResponsePolicy, name: str) -> Playbook:
    book: Playbook = getattr(policy.playbooks, name)
    return book


def plan(
    policy: ResponsePolicy,
    incident: Incident,
    signal: Signal,
    model: ModelConfig | None,
    *,
    clean: bool,
    unclean_why: str = "",
) -> list[Plan]:
    """The playbook's plans for an incident that fired tonight. The rollback's target is chosen when it is
    carried out (``versions.safe_version``), not here."""
    name = playbook_of(incident)
    if name is None:
        return []
    book = _playbook(policy, name)
    sev = Sev(incident.sev)
    if not book.applies(sev):
        return []
    if name == "data":
        plans = []
        for item in {(e.model, e.night) for e in signal.evidence} if policy.playbooks.data.quarantine_batch else ():
            plans.append(
                Plan(
                    "data",
                    "quarantine_batch",
                    key=f"quarantine|{item[0]}|{item[1]}",
                    model=item[0],
                    night=item[1],
                    params={"reason": incident.title},
                )
            )
        feed = signal.feed or (model.feed if model is not None else None)
        if policy.playbooks.data.disable_feed and feed:
            plans.append(
                Plan(
                    "data",
                    "disable_feed",
                    key=f"disable_feed|{feed}|{signal.night}",
                    feed=feed,
                    night=signal.night,
                    model=signal.model,
                    params={"reason": incident.title},
                )
            )
        elif policy.playbooks.data.disable_feed:
            plans.append(
                Plan(
                    "data",
                    None,
                    model=signal.model,
                    recommendation=(
                        f"the model names no feed (config: feed), so none was disabled: stop the upstream delivery of "
                        f"{signal.model}'s batches until it is fixed"
                    ),
                )
            )
        return plans
    if name == "client":
        client = signal.subject
        return [
            Plan(
                "client",
                "denylist",
                key=f"denylist|{signal.model}|{client}",
                model=signal.model,
                night=signal.night,
                params={"client": client, "reason": incident.title},
            )
        ]
    # rollback: only on clean data, and only when the registry holds the model
    if not clean:
        return [
            Plan(
                "rollback",
                None,
                model=signal.model,
                recommendation=f"not rolled back: the data was not clean ({unclean_why}); the model is "
                "judged again once the data incident is contained",
            )
        ]
    if model is None or model.registry is None:
        return [
            Plan(
                "rollback",
                None,
                model=signal.model,
                escalate=True,
                recommendation="no registry entry (monitored from the reference's own scores): a rollback "
                "must be done where the model is deployed",
            )
        ]
    version = signal.version_at_fault
    return [
        Plan(
            "rollback",
            "rollback",
            key=f"rollback|{signal.model}|{version}",
            model=signal.model,
            night=signal.night,
            params={
                "alias": model.registry.serving_alias,
                "registry_name": model.registry.name,
                "from_version": version,
            },
        )
    ]


def no_safe_version_advice(incident: Incident) -> str:
    """What to do when no version can be rolled back to."""
    if incident.type == IncidentType.FAIRNESS.value:
        return (
            f"no safe version: no other version of {incident.model} passed governance and never failed. Route "
            f"the decisions on {incident.subject} (the affected group) to human review until a version that "
            "passes is registered; retrain or recalibrate with the group's outcomes in view"
        )
    return (
        f"no safe version: no other version of {incident.model} passed governance and never failed. Retrain on "
        "recent data, or reduce the model's automation (send low-confidence decisions to review) until a version "
        "that passes is registered"
    )


# ---------------------------------------------------------------------------------------------- actions


def propose(
    session: Session,
    policy: ResponsePolicy,
    item: Plan,
    incident: Incident | None,
    *,
    at: dt.datetime,
    by: str = GOVERN,
    approved: bool = False,
) -> tuple[Action, bool]:
    """The action of ``item`` (found by its key, or created): (action, created). A new one is ``dry_run``,
    ``awaiting_approval`` or ``approved`` as the policy says; ``approved=True`` (a person's command) skips the
    approval."""
    assert item.kind is not None and item.key is not None
    dry = policy.playbooks.dry_run and by == GOVERN
    key = f"{item.key}|dry-run" if dry else item.key  # a dry run never stands in for the real action later
    found = session.scalars(select(Action).where(Action.key == key)).first()
    if found is not None:
        return found, False
    sev = Sev(incident.sev) if incident is not None else Sev.SEV4
    book = _playbook(policy, item.playbook)
    if dry:
        status = "dry_run"
    elif not approved and by == GOVERN and book.approval(sev):
        status = "awaiting_approval"
    else:
        status = "approved"
    action = Action(
        key=key,
        incident_id=incident.id if incident is not None else None,
        kind=item.kind,
        model=item.model,
        feed=item.feed,
        night=item.night,
        status=status,
        params=dict(item.params),
        requested_at=at,
        requested_by=by,
        approved_at=at if status == "approved" else None,
        approved_by=(by if by != GOVERN else f"{GOVERN} (policy: no approval needed at {sev})")
        if status == "approved"
        else None,
        outcome="dry run: recorded what would be done, nothing was done" if status == "dry_run" else None,
    )
    session.add(action)
    session.flush()
    audit_action(session, action, f"action.{status}", at=at, by=by)
    return action, True


def audit_action(session: Session, action: Action, kind: str, *, at: dt.datetime, by: str) -> None:
    subject = f"feed:{action.feed}" if action.model is None else f"model:{action.model}"
    payload = {
        "action": action.id,
        "key": action.key,
        "kind": action.kind,
        "status": action.status,
        "model": action.model,
        "feed": action.feed,
        "night": action.night,
        "incident": action.incident_id,
        "params": action.params,
        "outcome": action.outcome,
    }
    audit.append(session, at=at, actor=by, kind=kind, subject=subject, payload=payload)


def approve(session: Session, action: Action, *, by: str, at: dt.datetime) -> None:
    if action.status != "awaiting_approval":
        raise ContainmentError(
            f"action {action.id} ({action.kind}) must be awaiting approval to be approved; got {action.status} instead"
        )
    action.status, action.approved_by, action.approved_at = "approved", by, at
    audit_action(session, action, "action.approved", at=at, by=by)


def reject(session: Session, action: Action, *, by: str, at: dt.datetime, note: str) -> None:
    if action.status != "awaiting_approval":
        raise ContainmentError(
            f"action {action.id} ({action.kind}) must be awaiting approval to be rejected; got {action.status} instead"
        )
    action.status, action.outcome, action.done_at = "rejected", f"rejected by {by}: {note}", at
    audit_action(session, action, "action.rejected", at=at, by=by)


def carry_out(session: Session, action: Action, *, at: dt.datetime, by: str, state_dir: Path) -> str:
    """Carry out an approved data or client action in ``session`` (rollbacks go through
    ``versions.execute_rollback``, which needs its own transactions). Returns the outcome."""
    if action.status in DONE:
        return action.outcome or action.status
    if action.status != "approved":
        raise ContainmentError(f"action {action.id} must be approved to be carried out; got {action.status} instead")
    reason = str(action.params.get("reason", ""))
    if action.kind == "quarantine_batch":
        assert action.model is not None and action.night is not None
        quarantine_batch(session, action.model, action.night, at=at, by=by, reason=reason, incident=action.incident_id)
        outcome = f"batch of {action.model} for {action.night} quarantined: it no longer counts as history"
    elif action.kind == "disable_feed":
        assert action.feed is not None
        set_feed(session, action.feed, enabled=False, at=at, by=by, reason=reason, incident=action.incident_id)
        outcome = f"feed {action.feed} disabled: later runs refuse it until a person re-enables it"
    elif action.kind == "denylist":
        assert action.model is not None
        client = str(action.params["client"])
        denylist(session, action.model, client, at=at, by=by, reason=reason, incident=action.incident_id)
        outcome = f"client {client} denylisted for {action.model} ({denylist_path(state_dir)})"
    else:
        raise ContainmentError(
            f"action {action.id}: kind must be quarantine_batch, disable_feed or denylist here; "
            f"got {action.kind} instead"
        )
    action.status, action.done_at, action.outcome = "done", at, outcome
    audit_action(session, action, "action.done", at=at, by=by)
    return outcome


# ---------------------------------------------------------------------------------------------- state


def quarantine_batch(
    session: Session, model: str, night: str, *, at: dt.datetime, by: str, reason: str, incident: int | None = None
) -> QuarantinedBatch:
    found = session.scalars(
        select(QuarantinedBatch).where(QuarantinedBatch.model == model, QuarantinedBatch.night == night)
    ).first()
    if found is not None:
        return found
    row = QuarantinedBatch(model=model, night=night, at=at, by=by, reason=reason, incident_id=incident)
    session.add(row)
    return row


def quarantined_nights(session: Session, model: str) -> set[str]:
    return set(session.scalars(select(QuarantinedBatch.night).where(QuarantinedBatch.model == model)))


def set_feed(
    session: Session, feed: str, *, enabled: bool, at: dt.datetime, by: str, reason: str, incident: int | None = None
) -> Feed:
    """Enable or disable a feed (idempotent: a feed already in that state keeps its record)."""
    status = "enabled" if enabled else "disabled"
    row = session.get(Feed, feed)
    if row is not None and row.status == status:
        return row
    if row is None:
        row = Feed(name=feed, status=status, since=at, by=by, reason=reason, incident_id=incident)
        session.add(row)
    else:
        row.status, row.since, row.by, row.reason, row.incident_id = status, at, by, reason, incident
    session.flush()
    audit.append(
        session,
        at=at,
        actor=by,
        kind=f"feed.{status}",
        subject=f"feed:{feed}",
        payload={"feed": feed, "model": None, "status": status, "reason": reason, "incident": incident},
    )
    return row


def disabled_feeds(session: Session) -> dict[str, tuple[str, str]]:
    """Every disabled feed: the sentence a refused result carries, and the first night refused (the night of
    the day it was disabled, UTC: the nights whose runs come after it; a rerun of an earlier night, such as the
    one whose bad data disabled it, is still judged)."""
    out = {}
    for row in session.scalars(select(Feed).where(Feed.status == "disabled")):
        # disabled by a playbook: from the night after the one whose data disabled it (whatever the time zone);
        # by a person: from the night of the day they did it
        action = session.scalars(
            select(Action).where(Action.kind == "disable_feed",
                                 Action.feed == row.name, Action.status == "done", Action.done_at == row.since)
        ).first()  # fmt: skip
        if action is not None and action.night is not None:
            first = (dt.date.fromisoformat(action.night) + dt.timedelta(days=1)).isoformat()
        else:
            first = row.since.astimezone(dt.UTC).date().isoformat()
        out[row.name] = (feed_refusal(row), first)
    return out


def feed_refusal(row: Feed) -> str:
    return f"feed {row.name} disabled since {row.since.isoformat(timespec='minutes')} by {row.by}: {row.reason}"


def denylist(
    session: Session, model: str, client: str, *, at: dt.datetime, by: str, reason: str, incident: int | None = None
) -> DenylistEntry:
    row = session.scalars(
        select(DenylistEntry).where(DenylistEntry.model == model, DenylistEntry.client == client)
    ).first()
    if row is not None and row.status == "active":
        return row
    if row is None:
        row = DenylistEntry(
            model=model, client=client, status="active", since=at, by=by, reason=reason, incident_id=incident
        )
        session.add(row)
    else:
        row.status, row.since, row.by, row.reason, row.incident_id = "active", at, by, reason, incident
    return row


def denylist_path(state_dir: Path) -> Path:
    return state_dir / "serving" / "denylist.json"


def export_denylist(session: Session, state_dir: Path) -> Path:
    """Write the active denylist for serving layers: ``{"clients": [{"model", "client", "since", "by",
    "reason", "incident"}]}``, atomically."""
    from govern.data import write_atomic

    rows = session.scalars(select(DenylistEntry).where(DenylistEntry.status == "active").order_by(DenylistEntry.id))
    document = {
        "description": "API clients a serving layer must refuse, per model (written by govern; do not edit)",
        "clients": [
            {
                "model": r.model,
                "client": r.client,
                "since": r.since.isoformat(),
                "by": r.by,
                "reason": r.reason,
                "incident": r.incident_id,
            }
            for r in rows
        ],
    }
    path = denylist_path(state_dir)
    write_atomic(path, json.dumps(document, indent=2) + "\n")
    return path


def feeds_path(state_dir: Path) -> Path:
    return state_dir / "serving" / "feeds.json"


def export_feeds(session: Session, state_dir: Path) -> Path:
    """Write the disabled feeds (``{"disabled": {feed: {"why", "from_night"}}}``) atomically, so that a run
    that cannot open the incident database still refuses them (``read_disabled_feeds``)."""
    from govern.data import write_atomic

    document = {
        "description": "feeds the pipeline refuses until re-enabled (written by govern; do not edit)",
        "disabled": {name: {"why": why, "from_night": night} for name, (why, night) in disabled_feeds(session).items()},
    }
    path = feeds_path(state_dir)
    write_atomic(path, json.dumps(document, indent=2) + "\n")
    return path


def read_disabled_feeds(state_dir: Path) -> dict[str, tuple[str, str]]:
    """The disabled feeds as last exported; none when the file does not exist (no feed was ever disabled)."""
    path = feeds_path(state_dir)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return {name: (str(v["why"]), str(v["from_night"])) for name, v in document["disabled"].items()}
    except FileNotFoundError:
        return {}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ContainmentError(
            f"{path}: must be the disabled feeds govern wrote; got an unreadable file ({exc})"
        ) from exc


def rollbacks_within(session: Session, model: str, *, at: dt.datetime, days: int) -> Sequence[Action]:
    since = at - dt.timedelta(days=days)
    query = select(Action).where(
        Action.model == model, Action.kind == "rollback", Action.status == "done", Action.requested_by == GOVERN
    )
    return [a for a in session.scalars(query) if a.done_at is not None and a.done_at >= since]
