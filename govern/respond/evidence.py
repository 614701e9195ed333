"""Evidence exports: one model's period, packed in a zip that anyone can check offline.

``govern evidence MODEL --from D --to D --out FILE.zip`` writes::

    manifest.json        model, period, when exported, the audit chain's head (seq, hash) and the live check of
                         the chain at export time, every file's SHA-256, and for each result the audit entry
                         that recorded it as judged
    SHA256SUMS           every other file's SHA-256, in ``sha256sum -c`` format
    results/<night>/<model>.json   the model's current result of each night in the period, byte for byte
    incidents.json       the model's incidents touching the period (with their events, findings and actions),
                         the feed incidents that list the model, and the model's other actions, quarantined
                         batches, denylisted clients, feeds and registry versions
    audit_log.jsonl      every entry of the chain up to its head: in full when it is about the model (its
                         subject or payload names the model, one of its incidents or feeds), else only
                         seq / prev_hash / hash, which keeps the chain checkable without showing other models
    verify_evidence.py   the standard-library check (``govern/respond/verify_evidence.py``, copied)

Checked offline with ``unzip FILE.zip -d ev && cd ev && sha256sum -c SHA256SUMS && python3 verify_evidence.py``,
or here with ``verify_evidence``. The chain head in the manifest is what ties the export to the live log: an
entry of the export whose hash differs from the live entry of the same seq was not exported from that log
(``verify_evidence(path, against=db)`` checks it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from govern.data import write_bytes_atomic
from govern.errors import ResultError
from govern.respond import audit
from govern.respond import verify_evidence as offline
from govern.respond.database import Database
from govern.respond.db import (
    Action,
    AuditEntry,
    Base,
    DenylistEntry,
    Feed,
    Incident,
    IncidentEvent,
    IncidentFinding,
    QuarantinedBatch,
    VersionRecord,
)
from govern.store import ResultsStore

INCIDENTS = "incidents.json"
FORMAT = 1  # the layout of the export, in the manifest
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class EvidenceSummary:
    """What an export holds: the nights with a result, the incidents, the audit entries (all of them, and those
    in full), the chain head it records, whether the live chain verified at export time, and the nights whose
    result no audit entry records as judged."""

    path: Path
    model: str
    start: str
    end: str
    nights: tuple[str, ...]
    incidents: int
    audit_entries: int
    full_entries: int
    chain_head: tuple[int, str]
    chain_ok: bool
    chain_problem: str | None
    unjudged: tuple[str, ...]
    sha256: str
    size: int

    def __str__(self) -> str:
        chain = "intact" if self.chain_ok else f"BROKEN: {self.chain_problem}"
        unjudged = f"; not judged in the audit log: {', '.join(self.unjudged)}" if self.unjudged else ""
        return (
            f"{self.path}: evidence of {self.model} from {self.start} to {self.end}: {len(self.nights)} results, "
            f"{self.incidents} incidents, {self.full_entries} of {self.audit_entries} audit entries in full; chain "
            f"head {self.chain_head[0]} {self.chain_head[1]} ({chain}){unjudged}; {self.size} bytes, SHA-256 "
            f"{self.sha256}"
        )


@dataclass(frozen=True)
class EvidenceCheck:
    """The result of checking an export: ``ok``, or one message per problem naming the file or the entry."""

    ok: bool
    problems: tuple[str, ...]


def export_evidence(
    db: Database,
    store: ResultsStore,
    model: str,
    start: str,
    end: str,
    out: Path,
    *,
    at: dt.datetime,
    feed: str | None = None,
) -> EvidenceSummary:
    """Export the model's evidence from night ``start`` to night ``end`` (inclusive) to the zip ``out``, written
    atomically (a temporary file renamed over ``out``). ``feed`` is the feed the model reads (its config), so
    that the feed's entries are exported in full even when no incident of the model names it.

    Raises ResultError when the nights are not ISO dates in order, the model's name is not a name, or the
    period holds nothing about the model at all (most likely a misspelt name); IncidentStoreError when the
    database cannot be read.
    """
    _check_period(model, start, end)
    results = _results(store, model, start, end)
    with db.session(f"exporting the evidence of model {model}") as session:
        chain = audit.verify(session)
        head_seq, head_hash = audit.head(session)
        incidents = _incidents(session, model, start, end)
        ids = {row["id"] for row in incidents["incidents"]}
        feeds = {row["feed"] for row in incidents["incidents"] if row["feed"]} | ({feed} if feed else set())
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.seq <= head_seq).order_by(AuditEntry.seq)))
    full = [e for e in entries if _about(e, model, ids, feeds)]
    if not results and not ids and not full:
        raise ResultError(
            f"evidence of model {model!r} from {start} to {end}: the period must hold the model's results, "
            f"incidents or audit entries; found none (is the model's name right?)"
        )
    judged = _judged(full, model)
    files: dict[str, bytes] = {}
    manifest_results: list[dict[str, Any]] = []
    for night, payload in results.items():
        name = f"results/{night}/{model}.json"
        files[name] = payload
        digest = offline.sha256(payload)
        manifest_results.append({"night": night, "file": name, "sha256": digest, "judged_in": judged.get(digest)})
    files[INCIDENTS] = _json(incidents).encode("utf-8")
    full_seqs = {e.seq for e in full}
    files[offline.AUDIT_LOG] = "".join(
        offline.canonical(_entry(e, full=e.seq in full_seqs)) + "\n" for e in entries
    ).encode("utf-8")
    files[offline.SCRIPT] = Path(offline.__file__).read_bytes()
    manifest = {
        "format": FORMAT,
        "model": model,
        "from": start,
        "to": end,
        "created": audit.format_at(at),
        "chain_head": {"seq": head_seq, "hash": head_hash},
        "chain_check": {"ok": chain.ok, "entries": chain.entries, "problem": chain.problem},
        "audit_entries": {"all": len(entries), "full": len(full)},
        "results": manifest_results,
        "files": {name: offline.sha256(content) for name, content in sorted(files.items())},
    }
    files[offline.MANIFEST] = _json(manifest).encode("utf-8")
    files[offline.SUMS] = offline.sums_text(files).encode("utf-8")
    archive = _zip(files, at)
    write_bytes_atomic(Path(out), archive)
    return EvidenceSummary(
        path=Path(out),
        model=model,
        start=start,
        end=end,
        nights=tuple(results),
        incidents=len(ids),
        audit_entries=len(entries),
        full_entries=len(full),
        chain_head=(head_seq, head_hash),
        chain_ok=chain.ok,
        chain_problem=chain.problem,
        unjudged=tuple(r["night"] for r in manifest_results if r["judged_in"] is None),
        sha256=hashlib.sha256(archive).hexdigest(),
        size=len(archive),
    )


def verify_evidence(path: Path, *, against: Database | None = None) -> EvidenceCheck:
    """Check an export as ``verify_evidence.py`` does offline (SHA256SUMS, manifest, the chain, the judged
    digests); with ``against``, also that every exported entry's hash is the live log's entry of that seq."""
    files, problems = offline.read_zip(Path(path))
    if not problems:
        problems = offline.check(files)
    if not problems and against is not None:
        problems = _against_live(files, against)
    return EvidenceCheck(ok=not problems, problems=tuple(problems))


# ---------------------------------------------------------------------------------------------- gathering


def _check_period(model: str, start: str, end: str) -> None:
    if not _NAME.fullmatch(model) or ".." in model:
        raise ResultError(f"evidence: the model must be a name (letters, digits, _ . -); got {model!r} instead")
    for flag, night in (("--from", start), ("--to", end)):
        try:
            valid = dt.date.fromisoformat(night).isoformat() == night
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ResultError(f"evidence: {flag} must be a night such as 2026-10-18; got {night!r} instead")
    if start > end:
        raise ResultError(f"evidence: --from must be on or before --to; got {start} after {end} instead")


def _results(store: ResultsStore, model: str, start: str, end: str) -> dict[str, bytes]:
    """The model's current result of each night in the period, as stored (byte for byte)."""
    return {
        night: store.read_result_bytes(night, model)
        for night in store.nights()
        if start <= night <= end and store.has_result(night, model)
    }


def _incidents(session: Session, model: str, start: str, end: str) -> dict[str, Any]:
    touching = (Incident.first_night <= end) & (Incident.last_night >= start)
    child = aliased(Incident)
    listing = Incident.model.is_(None) & or_(
        Incident.id.in_(select(IncidentFinding.incident_id).where(IncidentFinding.model == model)),
        Incident.id.in_(select(child.parent_id).where(child.model == model)),
    )
    incidents = list(
        session.scalars(select(Incident).where(touching, or_(Incident.model == model, listing)).order_by(Incident.id))
    )
    ids = [i.id for i in incidents]
    events = _by_incident(session.scalars(_of(IncidentEvent, ids).order_by(IncidentEvent.at, IncidentEvent.id)))
    findings = _by_incident(
        session.scalars(_of(IncidentFinding, ids).order_by(IncidentFinding.night, IncidentFinding.id))
    )
    actions = _by_incident(session.scalars(_of(Action, ids).order_by(Action.id)))
    feeds = sorted({i.feed for i in incidents if i.feed})
    in_period = (Action.night >= start) & (Action.night <= end)
    other_actions = session.scalars(
        select(Action)
        .where(Action.model == model, in_period, or_(Action.incident_id.is_(None), Action.incident_id.not_in(ids)))
        .order_by(Action.id)
    )
    return {
        "model": model,
        "from": start,
        "to": end,
        "incidents": [
            {
                **_row(i),
                "events": [_row(e) for e in events.get(i.id, [])],
                "findings": [_row(f) for f in findings.get(i.id, [])],
                "actions": [_row(a) for a in actions.get(i.id, [])],
            }
            for i in incidents
        ],
        "other_actions": [_row(a) for a in other_actions],
        "quarantined_batches": [
            _row(q)
            for q in session.scalars(
                select(QuarantinedBatch)
                .where(QuarantinedBatch.model == model, QuarantinedBatch.night >= start, QuarantinedBatch.night <= end)
                .order_by(QuarantinedBatch.night)
            )
        ],
        "denylist": [
            _row(d)
            for d in session.scalars(
                select(DenylistEntry).where(DenylistEntry.model.in_([model, "*"])).order_by(DenylistEntry.id)
            )
        ],
        "feeds": [_row(f) for f in session.scalars(select(Feed).where(Feed.name.in_(feeds)).order_by(Feed.name))],
        "versions": [
            _row(v)
            for v in session.scalars(
                select(VersionRecord).where(VersionRecord.model == model).order_by(VersionRecord.id)
            )
        ],
    }


def _of(table: type[IncidentEvent] | type[IncidentFinding] | type[Action], ids: list[int]) -> Any:
    return select(table).where(table.incident_id.in_(ids))


def _by_incident(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.incident_id, []).append(row)
    return grouped


def _row(row: Base) -> dict[str, Any]:
    """A row's columns as JSON values (times as ISO 8601 UTC)."""
    values = {column.key: getattr(row, column.key) for column in row.__mapper__.column_attrs}
    return {key: _plain(value) for key, value in values.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def _about(entry: AuditEntry, model: str, incidents: set[int], feeds: set[str]) -> bool:
    """Whether an entry is about the model: its subject, or its payload's model, models, feed or incident."""
    subjects = {f"model:{model}"} | {f"incident:{i}" for i in incidents} | {f"feed:{f}" for f in feeds}
    if entry.subject in subjects:
        return True
    try:
        payload = json.loads(entry.payload)
    except ValueError:
        return False  # a damaged entry is exported as a link only; the manifest's chain check names it
    if not isinstance(payload, dict):
        return False
    models = payload.get("models")
    return (
        payload.get("model") == model
        or (isinstance(models, list) and model in models)
        or (payload.get("feed") in feeds if isinstance(payload.get("feed"), str) else False)
        or (payload.get("incident") in incidents if isinstance(payload.get("incident"), int) else False)
    )


def _judged(full: list[AuditEntry], model: str) -> dict[str, int]:
    """The last ``night.judged`` entry of the model recording each result digest: {sha256: seq}."""
    judged: dict[str, int] = {}
    for entry in full:
        if entry.kind != "night.judged" or entry.subject != f"model:{model}":
            continue
        try:
            digest = json.loads(entry.payload).get("result_sha256")
        except (ValueError, AttributeError):
            continue
        if isinstance(digest, str):
            judged[digest] = entry.seq
    return judged


def _entry(entry: AuditEntry, *, full: bool) -> dict[str, Any]:
    if not full:
        return {"seq": entry.seq, "prev_hash": entry.prev_hash, "hash": entry.hash}
    return {
        "seq": entry.seq,
        "at": audit.format_at(entry.at),
        "actor": entry.actor,
        "kind": entry.kind,
        "subject": entry.subject,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _zip(files: dict[str, bytes], at: dt.datetime) -> bytes:
    """The zip's bytes: members in a fixed order with the export's time, so one export is one byte string."""
    stamp = at.astimezone(dt.UTC).timetuple()[:6]
    buffer = io.BytesIO()
    first = [offline.SUMS, offline.MANIFEST, offline.SCRIPT]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in first + sorted(set(files) - set(first)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _against_live(files: dict[str, bytes], db: Database) -> list[str]:
    exported = [json.loads(line) for line in files[offline.AUDIT_LOG].decode("utf-8").splitlines()]
    with db.session("comparing an evidence export with the audit log") as session:
        live = dict(session.execute(select(AuditEntry.seq, AuditEntry.hash)).tuples().all())
    for entry in exported:
        if live.get(entry["seq"]) != entry["hash"]:
            return [
                f"{offline.AUDIT_LOG}: entry {entry['seq']} must be the live log's entry {entry['seq']}; its hash "
                f"is {entry['hash']}, the live one {live.get(entry['seq'], 'absent')}"
            ]
    return []
