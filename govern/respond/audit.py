"""The audit log: append-only, hash-chained like a Certificate Transparency log, in the incident database.

Every entry carries the hash of the one before it (``prev_hash``) and its own, computed over its content::

    hash = SHA-256( prev_hash || canonical({"actor", "at", "kind", "payload", "seq", "subject"}) )

(``govern.respond.verify_evidence.entry_hash``: the same function the offline evidence check runs). Entries are
numbered 1, 2, ... without gaps; the first one's ``prev_hash`` is ``GENESIS``. Editing any field of an entry
breaks its hash, deleting one leaves a gap in the numbering, moving one puts it behind the wrong predecessor:
``verify`` names the first entry so damaged. The head (last seq and hash) is also kept in ``audit_head``, whose
one row every append updates first, so concurrent appenders queue (SQLite's write lock, a row lock elsewhere)
and the chain never forks; an evidence export records the head, which ties the export to the live log.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, String, TypeDecorator, func, select, type_coerce, update
from sqlalchemy.orm import Session

from govern.errors import IncidentStoreError
from govern.respond.db import AuditEntry, AuditHead
from govern.respond.verify_evidence import GENESIS, canonical, entry_hash

__all__ = ["GENESIS", "ChainReport", "append", "canonical", "entry_hash", "format_at", "head", "read", "verify"]

HEAD_ID = 1


def format_at(at: dt.datetime) -> str:
    """The time as hashed: UTC, whole seconds, ``YYYY-MM-DDTHH:MM:SSZ``."""
    if at.tzinfo is None:
        raise ValueError(f"audit: times must be timezone-aware; got the naive {at.isoformat()} instead")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def append(
    session: Session, *, at: dt.datetime, actor: str, kind: str, subject: str, payload: Mapping[str, Any]
) -> AuditEntry:
    """Append one entry inside the caller's transaction (it is kept only if that transaction commits).

    The head row is updated first, which takes the database's write lock (a row lock elsewhere) before the
    head is read, so two appenders can never both extend the same head. ``at`` is kept to the whole second.
    """
    try:
        text = canonical(payload)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"audit entry {kind} on {subject}: the payload must be JSON (text keys, finite numbers); got {exc}"
        ) from exc
    shown = format_at(at)
    stamp = at.astimezone(dt.UTC).replace(microsecond=0)
    locked = cast(
        CursorResult[Any],
        session.execute(
            update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq),
            execution_options={"synchronize_session": False},
        ),
    )
    if locked.rowcount == 0:
        _create_head(session)
    last_seq, last_hash = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one()
    seq = last_seq + 1
    entry = AuditEntry(
        seq=seq,
        at=stamp,
        actor=actor,
        kind=kind,
        subject=subject,
        payload=text,
        prev_hash=last_hash,
        hash=entry_hash(last_hash, seq, shown, actor, kind, subject, text),
    )
    session.add(entry)
    session.flush()
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=seq, hash=entry.hash))
    return entry


def _create_head(session: Session) -> None:
    """The head row the migration creates, made again on a log that was never written to."""
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    if entries:
        raise IncidentStoreError(
            f"audit log: the chain's head (table audit_head, row {HEAD_ID}) must exist; it is missing while the "
            f"log holds {entries} entries (check it: govern audit-log verify)"
        )
    session.add(AuditHead(id=HEAD_ID, seq=0, hash=GENESIS))
    session.flush()


def head(session: Session) -> tuple[int, str]:
    """The chain's head as recorded: (last seq, its hash); (0, GENESIS) for an empty log."""
    found = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one_or_none()
    return (0, GENESIS) if found is None else (found[0], found[1])


def read(
    session: Session,
    *,
    subjects: Collection[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[AuditEntry]:
    """The entries about any of ``subjects`` (all when None) from ``start`` to ``end`` (both inclusive), in
    order."""
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if subjects is not None:
        query = query.where(AuditEntry.subject.in_(list(subjects)))
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at <= end)
    return list(session.scalars(query))


# ---------------------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class ChainReport:
    """What ``verify`` found: ``ok``, the entries read, the recorded head, and the first damaged entry (its seq
    and what is wrong with it) when not ok."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad: int | None = None
    problem: str | None = None


class _StoredTime(TypeDecorator[Any]):
    """The ``at`` column as stored, never refused: an entry whose time was edited into something that is not a
    time must be reported as edited, not crash the check. SQLite keeps text (read as text here); other backends
    a real timestamp."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(String() if dialect.name == "sqlite" else DateTime(timezone=True))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, dt.datetime):
            return format_at(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
        return value


def verify(session: Session) -> ChainReport:
    """Walk the chain in seq order and name the first entry that is wrong:

    - "entry k was edited: its hash does not match its content" (any field changed, its hash included);
    - "entry k is missing" (a gap in the numbering, or the log ends before the recorded head): the deleted
      entry itself is named, not the one after it;
    - "entries out of order: ..." (an intact entry stored under another entry's place, e.g. two seqs swapped);
    - "entry k's link is broken: ..." (its prev_hash is not the hash of entry k - 1: an entry was replaced);
    - "entry k is past the chain's head ..." (appended without moving the head).
    """
    head_seq, head_hash = head(session)
    rows = session.execute(
        select(
            AuditEntry.seq,
            type_coerce(AuditEntry.at, _StoredTime()),
            AuditEntry.actor,
            AuditEntry.kind,
            AuditEntry.subject,
            AuditEntry.payload,
            AuditEntry.prev_hash,
            AuditEntry.hash,
        ).order_by(AuditEntry.seq)
    ).yield_per(1000)
    count, previous_seq, previous_hash = 0, 0, GENESIS

    def bad(seq: int, problem: str) -> ChainReport:
        return ChainReport(False, count, head_seq, head_hash, first_bad=seq, problem=problem)

    for seq, at, actor, kind, subject, payload, prev_hash, stored_hash in rows:
        count += 1
        expected = previous_seq + 1
        if seq > expected:
            return bad(expected, f"entry {expected} is missing: entry {seq} follows entry {previous_seq}")
        fields = (at, actor, kind, subject, payload)
        intact = all(isinstance(f, str) for f in fields) and entry_hash(prev_hash, seq, *fields) == stored_hash
        if not intact:
            moved = _moved_from(session, prev_hash, fields, stored_hash)
            if moved is not None and moved != seq:
                return bad(seq, f"entries out of order: entry {moved} is stored as entry {seq}")
            return bad(seq, f"entry {seq} was edited: its hash does not match its content")
        if prev_hash != previous_hash:
            return bad(
                seq,
                f"entry {seq}'s link is broken: its prev_hash is not entry {previous_seq}'s hash "
                f"(an entry before it was replaced or inserted)",
            )
        if seq > head_seq:
            return bad(seq, f"entry {seq} is past the chain's head (entry {head_seq}): it was added outside append")
        previous_seq, previous_hash = seq, stored_hash
    if previous_seq < head_seq:
        return bad(
            previous_seq + 1,
            f"entry {previous_seq + 1} is missing: the log ends at entry {previous_seq} "
            f"but its head is entry {head_seq}",
        )
    if previous_hash != head_hash:
        return bad(previous_seq, f"entry {previous_seq} does not match the chain's head: its hash is not the head's")
    return ChainReport(True, count, head_seq, head_hash)


def _moved_from(session: Session, prev_hash: str, fields: tuple[Any, ...], stored_hash: str) -> int | None:
    """The seq an entry was hashed under, when its content is intact but it is stored under another seq (only
    the seq is tried: any other change is an edit). Run only on a damaged chain, so a scan is affordable."""
    if not all(isinstance(f, str) for f in fields):
        return None
    last = session.scalar(select(func.max(AuditEntry.seq))) or 0
    return next((n for n in range(1, last + 2) if entry_hash(prev_hash, n, *fields) == stored_hash), None)


def payload_of(entry: AuditEntry) -> dict[str, Any]:
    """An entry's payload as data."""
    loaded = json.loads(entry.payload)
    return loaded if isinstance(loaded, dict) else {"value": loaded}
