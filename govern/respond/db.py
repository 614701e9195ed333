"""The response state: incidents, their evidence and history, containment actions, feeds, quarantined batches,
the client denylist, notifications, version records and the hash-chained audit log, as SQLAlchemy 2 tables.

Portable by construction: only SQLAlchemy's generic types (no SQLite-only SQL), times stored as UTC, JSON in
``JSON`` columns. The schema is owned by the Alembic migrations in ``govern/respond/migrations/``; a test keeps
these models and the migrations equal. ``govern.respond.database.open_database`` opens any SQLAlchemy URL and
upgrades it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend: SQLite hands back naive values, which are UTC here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"times must be timezone-aware; got the naive {value.isoformat()} instead")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Incident(Base):
    """One problem, deduplicated like PagerDuty's dedup key: ``key`` is ``model|check|subject`` for a model's
    incident, ``feed:<feed>|<check>|<night>`` for a feed's. Status: open, acknowledged, contained, resolved."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fleet: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(700), index=True)  # one open at a time; resolved ones stay
    model: Mapped[str | None] = mapped_column(String(200), index=True)  # None for a feed's incident
    feed: Mapped[str | None] = mapped_column(String(200), index=True)
    check: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(40))  # data_quality, performance, drift, fairness, security, governance
    fault: Mapped[str] = mapped_column(String(20))  # data, model, client, unknown
    sev: Mapped[str] = mapped_column(String(4))  # SEV1 (worst) .. SEV4
    status: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(Text)
    risk_tier: Mapped[str | None] = mapped_column(String(20))
    owner: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"name", "email", "role"}
    escalation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the contacts, in order
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # 0: the owner; n: escalation[n - 1]
    first_night: Mapped[str] = mapped_column(String(10))  # the night the check first fired (onset)
    last_night: Mapped[str] = mapped_column(String(10))  # the last night it fired
    nights_open: Mapped[int] = mapped_column(Integer, default=1)  # nights it fired
    clean_nights: Mapped[int] = mapped_column(Integer, default=0)  # consecutive nights judged without firing
    measured: Mapped[float | None] = mapped_column(Float)  # the latest figure
    worst_measured: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    comparison: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    contained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    contained_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    ack_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rto_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # EU AI Act Article 73, when serious
    time_to_detect_s: Mapped[float | None] = mapped_column(Float)
    time_to_contain_s: Mapped[float | None] = mapped_column(Float)
    recommendation: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))  # a model's finding under a feed's
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class IncidentEvent(Base):
    """One change of an incident: opened, updated, acknowledged, contained, resolved, reopened, escalated,
    sev_changed, action, note; when, by whom (a person's name or ``govern``) and the details."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    by: Mapped[str] = mapped_column(String(200))
    night: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IncidentFinding(Base):
    """The evidence: one finding of one night under an incident, with the result file it came from."""

    __tablename__ = "incident_findings"
    __table_args__ = (UniqueConstraint("incident_id", "night", "model", "check", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    night: Mapped[str] = mapped_column(String(10))
    model: Mapped[str] = mapped_column(String(200))
    check: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    measured: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    comparison: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    fault: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    result_path: Mapped[str] = mapped_column(Text)
    result_sha256: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(40))


class Action(Base):
    """A containment action, proposed by a playbook or asked for by a person. ``key`` makes it idempotent
    (e.g. ``rollback|credit_default_pd|3``). Status: dry_run, awaiting_approval, approved, executing, done,
    refused, failed, rejected, skipped."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(700), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # rollback, quarantine_batch, disable_feed, enable_feed, denylist
    model: Mapped[str | None] = mapped_column(String(200), index=True)
    feed: Mapped[str | None] = mapped_column(String(200))
    night: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(30), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # alias, from/to version, client, ...
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    approval_flow_run_id: Mapped[str | None] = mapped_column(String(64))


class Feed(Base):
    """An upstream feed's state in the pipeline: ``enabled`` or ``disabled`` (since when, by whom, why)."""

    __tablename__ = "feeds"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class QuarantinedBatch(Base):
    """A night's batch that no longer counts as history (reports and history leave it out)."""

    __tablename__ = "quarantined_batches"
    __table_args__ = (UniqueConstraint("model", "night"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200))
    night: Mapped[str] = mapped_column(String(10))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class DenylistEntry(Base):
    """An API client a serving layer must refuse for a model (``model`` "*" for every model). Also exported to
    ``<state_dir>/serving/denylist.json`` on every change."""

    __tablename__ = "denylist"
    __table_args__ = (UniqueConstraint("model", "client"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200))
    client: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # active, lifted
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class VersionRecord(Base):
    """What governance knows of one registry version: the SHA-256 of its artifacts when first seen, and its
    record (last judged, last passed, failed, quarantined). Mirrored to the version's registry tags."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("registry_name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    registry_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    artifact_sha256: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_judged: Mapped[str | None] = mapped_column(String(10))
    last_passed: Mapped[str | None] = mapped_column(String(10))
    failed: Mapped[str | None] = mapped_column(String(10))  # the first night it failed governance
    quarantined: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # unjudged, passed, failed, quarantined


class Notification(Base):
    """One message to one channel about one incident change; kept until delivered, retried on every run."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("event_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("incident_events.id"))
    channel: Mapped[str] = mapped_column(String(200))
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, delivered, failed (will retry)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class ResponseMark(Base):
    """A model's night that the response has taken in, with the digest of the result it read: a rerun of the
    same result changes nothing, a changed result is taken in again, and a night the response missed (the
    database was locked) is caught up on the next run."""

    __tablename__ = "responded"
    __table_args__ = (UniqueConstraint("model", "night"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200))
    night: Mapped[str] = mapped_column(String(10))
    result_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One entry of the append-only audit log. ``hash`` = SHA-256 of the previous entry's hash and this entry's
    canonical JSON (seq, at, actor, kind, subject, payload), so an edited, deleted or reordered entry breaks the
    chain at that entry (``govern.respond.audit.verify``)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(700), index=True)  # model:<m>, feed:<f>, incident:<id>, ...
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON text, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's head, one row: appends update it first, which serialises concurrent appenders on every
    backend (SQLite's write lock, a row lock elsewhere)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
