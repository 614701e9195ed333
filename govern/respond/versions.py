"""Governance's record on registry versions, and the rollback of a serving alias to the last version that passed.

The record of each version (``db.VersionRecord``: the SHA-256 of its artifacts when first seen, the last night
judged and passed, the first night failed, when it was quarantined) lives in the incident database, which is the
truth. It is mirrored to the version's registry tags, under ``governance.``, so a registry user sees it too; a
tag write that fails is reported (``VersionRecorded.tags_error``, ``RollbackOutcome.tags_error``) and mirrored
again on the next call, and never undoes the record.

A rollback is one ``db.Action`` (kind ``rollback``) carried out in two phases, so a crash in between (kill -9)
is finished from the registry's actual state instead of moving the alias twice:

1. plan (no write): the alias's version now, the target (``safe_version``) and its artifacts' checksum
   recomputed and compared with the recorded one (``verify_artifacts``); a refusal is a ``ContainmentError``
   recorded as status ``refused``, a registry that cannot answer a ``RegistryError`` recorded as ``failed``;
   then one transaction: the action ``executing``, with params ``alias``, ``registry_name``, ``from_version``,
   ``to_version``, ``expected_sha256``;
2. the alias moved in the registry;
3. the faulty version's tags mirrored as quarantined, then one transaction: its record quarantined, the action
   ``done``, audit entries ``version.quarantined`` and ``action.done``.

``reconcile`` finishes the actions left ``executing``: the alias already at the target finishes step 3 without
moving it again; still at the faulty version, it is moved once (after checking the target's checksum again).
An action already ``done`` (or refused, rejected, ...) is returned unchanged: no alias move, no audit entry.

Audit entries are appended with the ``audit`` callable the caller passes (``govern.respond.audit.append``'s
signature), inside the same transaction as the change they record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from govern.errors import ContainmentError, RegistryError
from govern.registry import ModelRegistry
from govern.respond.db import Action, VersionRecord

TAG_PREFIX = "governance."
TAG_STATUS = "governance.status"  # unjudged | passed | failed | quarantined
TAG_LAST_JUDGED = "governance.last_judged"  # night, YYYY-MM-DD
TAG_LAST_PASSED = "governance.last_passed"
TAG_FAILED = "governance.failed"  # the first night it failed
TAG_QUARANTINED = "governance.quarantined"  # when, YYYY-MM-DDTHH:MM:SSZ
TAG_QUARANTINE_REASON = "governance.quarantine_reason"  # why (written by the rollback, not in the record)
TAG_ARTIFACT_SHA256 = "governance.artifact_sha256"  # when first seen

#: The tags mirrored from a ``VersionRecord``: set to the record's value, or removed when the record has none.
MIRRORED_TAGS = (TAG_STATUS, TAG_LAST_JUDGED, TAG_LAST_PASSED, TAG_FAILED, TAG_QUARANTINED, TAG_ARTIFACT_SHA256)

Verdict = Literal["passed", "failed", "judged"]
VERDICTS: tuple[str, ...] = ("passed", "failed", "judged")

#: Action statuses a rollback is started from: approved (by policy or a person), failed (a retry).
STARTABLE = ("approved", "failed")

#: ``govern.respond.audit.append(session, *, at, actor, kind, subject, payload)``.
AuditAppend = Callable[..., Any]


class Transactions(Protocol):
    """What the rollback needs of ``govern.respond.database.Database``: one transaction per ``session()``."""

    def session(self) -> AbstractContextManager[Session]: ...


class ChecksumMismatch(ContainmentError):
    """The artifacts of the rollback's target no longer have the SHA-256 recorded when it was first seen."""

    def __init__(self, registry_name: str, version: str, expected: str, actual: str) -> None:
        super().__init__(
            f"rollback of {registry_name!r} refused: the artifacts of version {version} must have the SHA-256 "
            f"recorded when it was first seen ({expected or 'none recorded'}); got {actual} instead: they were "
            f"changed since"
        )
        self.registry_name, self.version, self.expected, self.actual = registry_name, version, expected, actual


class NoSafeVersion(ContainmentError):
    """No version may serve instead of the faulty one (none passed governance and never failed, or the one a
    person asked for did not)."""


def _stamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError(f"times must be timezone-aware; got the naive {at.isoformat()} instead")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), version) if version.isdigit() else (-1, version)


# ---------------------------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class VersionRecorded:
    """What ``record_version`` did: the record (attached to the caller's session), whether the version was seen
    for the first time (its digest taken, ``version.seen`` audited) and the tag mirror's failure, if any."""

    record: VersionRecord
    first_seen: bool
    tags_error: str | None


def governance_tags(record: VersionRecord) -> dict[str, str | None]:
    """The registry tags mirroring ``record``; None where the record has no value (the tag is removed)."""
    return {
        TAG_STATUS: record.status,
        TAG_LAST_JUDGED: record.last_judged,
        TAG_LAST_PASSED: record.last_passed,
        TAG_FAILED: record.failed,
        TAG_QUARANTINED: _stamp(record.quarantined) if record.quarantined is not None else None,
        TAG_ARTIFACT_SHA256: record.artifact_sha256,
    }


def mirror_tags(
    registry: ModelRegistry, registry_name: str, version: str, tags: Mapping[str, str | None]
) -> str | None:
    """Make the version's tags say ``tags`` (None: remove the tag), writing only those that differ. Returns the
    ``RegistryError`` message when the registry could not be read or written, None when the tags agree."""
    try:
        current = registry.get_version(registry_name, version).tags
        for key, value in tags.items():
            if value is None:
                if key in current:
                    registry.delete_tag(registry_name, version, key)
            elif current.get(key) != value:
                registry.set_tag(registry_name, version, key, value)
    except RegistryError as exc:
        return f"the governance tags of version {version!r} of {registry_name!r} are not mirrored: {exc}"
    return None


def _find(session: Session, registry_name: str, version: str) -> VersionRecord | None:
    return session.scalar(
        select(VersionRecord).where(VersionRecord.registry_name == registry_name, VersionRecord.version == version)
    )


def record_version(
    session: Session,
    registry: ModelRegistry,
    *,
    model: str,
    registry_name: str,
    version: str,
    night: str,
    verdict: Verdict,
    at: datetime,
    audit: AuditAppend,
    actor: str = "govern",
    mirror: bool = True,
) -> VersionRecorded:
    """Record governance's verdict on ``version`` for ``night``, in the caller's transaction, and mirror it to
    the version's tags.

    The first time a version is seen its artifacts' SHA-256 is taken (``registry.artifact_digest``) and
    ``version.seen`` audited; a registry that cannot give it raises ``RegistryError`` before anything is added
    to the session. ``passed`` sets ``last_passed``, ``failed`` keeps the first night failed; both, and
    ``judged`` (judged without a verdict), set ``last_judged`` (the latest night: nights may be judged again out
    of order). Status: quarantined over failed over passed over unjudged; a version that failed once stays
    failed.

    The tags are written while the caller's transaction is open; with ``mirror=False`` they are not, and the
    caller mirrors them after its commit (``mirror_tags(registry, name, version, governance_tags(record))``),
    so a slow registry never holds the database's write lock."""
    if verdict not in VERDICTS:
        raise ValueError(f"record_version: verdict must be one of {', '.join(VERDICTS)}; got {verdict!r} instead")
    version = str(version)
    record = _find(session, registry_name, version)
    first_seen = record is None
    if record is None:
        digest = registry.artifact_digest(registry_name, version)
        record = VersionRecord(
            model=model,
            registry_name=registry_name,
            version=version,
            artifact_sha256=digest,
            first_seen=at,
            status="unjudged",
        )
        session.add(record)
        audit(
            session,
            at=at,
            actor=actor,
            kind="version.seen",
            subject=f"model:{model}",
            payload={
                "model": model,
                "feed": None,
                "registry_name": registry_name,
                "version": version,
                "artifact_sha256": digest,
                "night": night,
            },
        )
    record.last_judged = max(night, record.last_judged or night)
    if verdict == "passed":
        record.last_passed = max(night, record.last_passed or night)
    elif verdict == "failed":
        record.failed = min(night, record.failed or night)
    if record.quarantined is not None:
        record.status = "quarantined"
    elif record.failed is not None:
        record.status = "failed"
    elif record.last_passed is not None:
        record.status = "passed"
    else:
        record.status = "unjudged"
    tags_error = mirror_tags(registry, registry_name, version, governance_tags(record)) if mirror else None
    return VersionRecorded(record, first_seen, tags_error)


def _unfit(record: VersionRecord, current: str) -> str | None:
    """Why ``record``'s version must not serve instead of ``current`` ("failed governance on D"), or None."""
    if record.version == current:
        return "is the version rolled back from"
    if record.quarantined is not None or record.status == "quarantined":
        return f"was quarantined on {_stamp(record.quarantined) if record.quarantined else 'an earlier run'}"
    if record.failed is not None:
        return f"failed governance on {record.failed}"
    if record.last_passed is None:
        return "never passed governance"
    return None


def safe_version(
    session: Session, registry_name: str, current: str, requested: str | None = None
) -> tuple[VersionRecord | None, str]:
    """The version to roll back to from ``current``, and why: the newest (highest) version other than
    ``current`` that passed governance, never failed and is not quarantined; a ``requested`` version must meet
    the same conditions. None and the reason when there is no such version."""
    current = str(current)
    records = session.scalars(select(VersionRecord).where(VersionRecord.registry_name == registry_name)).all()
    if requested is not None:
        requested = str(requested)
        chosen = next((r for r in records if r.version == requested), None)
        why = "has no governance record" if chosen is None else _unfit(chosen, current)
        if chosen is None or why is not None:
            return None, (
                f"rollback of {registry_name!r}: the requested version {requested} must have passed governance, "
                f"never failed and not be quarantined; got a version that {why} instead"
            )
        return chosen, (
            f"version {requested} was requested; it passed governance (last on {chosen.last_passed}) and never failed"
        )
    fit = [r for r in records if _unfit(r, current) is None]
    if not fit:
        return None, f"no version of {registry_name!r} other than version {current} passed governance and never failed"
    best = max(fit, key=lambda r: _version_key(r.version))
    return best, (
        f"version {best.version} is the newest version of {registry_name!r} that passed governance (last on "
        f"{best.last_passed}) and never failed"
    )


def verify_artifacts(
    session: Session, registry: ModelRegistry, registry_name: str, version: str
) -> tuple[bool, str, str]:
    """(ok, expected, actual): the SHA-256 recorded when the version was first seen ("" when none was) and the
    one its artifacts have now. ``RegistryError`` when the registry cannot give it."""
    record = _find(session, registry_name, str(version))
    expected = (record.artifact_sha256 if record is not None else None) or ""
    actual = registry.artifact_digest(registry_name, str(version))
    return bool(expected) and expected == actual, expected, actual


# ---------------------------------------------------------------------------------------------- the rollback


@dataclass(frozen=True)
class RollbackOutcome:
    """What one ``execute_rollback`` (or ``reconcile``) call found and did for one action.

    ``status`` is the action's status afterwards: ``done``; ``refused`` (no safe version: ``no_safe_version``;
    the target's checksum changed: ``checksum_mismatch``, which the caller raises to SEV1; the alias moved by
    someone else; the action's params incomplete); ``failed`` (the registry could not answer: the
    ``RegistryError`` message; a retry may succeed); or the status it already had when this call changed
    nothing (``changed`` False: ``done``, ``refused``, ``awaiting_approval``...). ``moved``: this call moved the
    alias (at most once); ``reconciled``: finished from the registry's state after an interruption."""

    action_id: int
    model: str | None
    registry_name: str | None
    alias: str | None
    status: str
    message: str
    from_version: str | None = None
    to_version: str | None = None
    expected_sha256: str | None = None
    actual_sha256: str | None = None
    changed: bool = False
    moved: bool = False
    reconciled: bool = False
    checksum_mismatch: bool = False
    no_safe_version: bool = False
    tags_error: str | None = None


@dataclass(frozen=True)
class _ActionView:
    """A detached copy of the action's fields (the ORM object expires when its transaction commits)."""

    id: int
    key: str
    model: str | None
    incident_id: int | None
    status: str
    params: dict[str, Any]
    outcome: str | None

    @classmethod
    def of(cls, action: Action) -> _ActionView:
        params = dict(action.params or {})
        return cls(action.id, action.key, action.model, action.incident_id, action.status, params, action.outcome)

    @property
    def registry_name(self) -> str:
        return str(self.params.get("registry_name") or self.model or "")

    @property
    def alias(self) -> str:
        return str(self.params.get("alias") or "")

    def param(self, key: str) -> str | None:
        value = self.params.get(key)
        return None if value is None else str(value)

    def result(self, message: str | None = None, **fields: Any) -> RollbackOutcome:
        return RollbackOutcome(
            action_id=self.id,
            model=self.model,
            registry_name=self.registry_name or None,
            alias=self.alias or None,
            status=self.status,
            message=message or self.outcome or f"action {self.id} is {self.status}: nothing to do",
            from_version=self.param("from_version"),
            to_version=self.param("to_version"),
            expected_sha256=self.param("expected_sha256"),
            actual_sha256=self.param("actual_sha256"),
            **fields,
        )


@dataclass(frozen=True)
class RollbackPlan:
    """The rollback that would be carried out now: from the faulty version to the target, whose artifacts have
    the recorded SHA-256 (``expected_sha256``), and why that target."""

    from_version: str
    to_version: str
    expected_sha256: str
    from_sha256: str | None  # the faulty version's digest, taken when it has no record yet
    reason: str


def _plan(db: Transactions, registry: ModelRegistry, view: _ActionView) -> RollbackPlan:
    """The rollback ``view`` asks for, checked against the registry and the records: ``ContainmentError``
    when it must be refused, ``RegistryError`` when the registry cannot answer."""
    name, alias = view.registry_name, view.alias
    if not name or not alias:
        raise ContainmentError(
            f"rollback: action {view.id} must name the model's registry entry and serving alias (params "
            f"registry_name, alias); got {view.params!r} instead"
        )
    serving = registry.version_by_alias(name, alias).version
    faulty = view.param("from_version") or serving
    if serving != faulty:
        raise ContainmentError(
            f"rollback of {name!r}: alias {alias!r} must name the faulty version {faulty}; got version "
            f"{serving} instead (it was moved since): nothing rolled back"
        )
    with db.session() as session:
        target, reason = safe_version(session, name, faulty, view.param("to_version"))
        if target is None:
            raise NoSafeVersion(reason)
        to_version = target.version
        ok, expected, actual = verify_artifacts(session, registry, name, to_version)
        has_record = _find(session, name, faulty) is not None
    if not ok:
        raise ChecksumMismatch(name, to_version, expected, actual)
    from_sha256 = None if has_record else registry.artifact_digest(name, faulty)
    return RollbackPlan(faulty, to_version, expected, from_sha256, reason)


@dataclass(frozen=True)
class _Rollback:
    """One call's context: where the state is, who acts, when, and how it is audited."""

    db: Transactions
    registry: ModelRegistry
    at: datetime
    actor: str
    audit: AuditAppend

    def read(self, action_id: int) -> _ActionView:
        with self.db.session() as session:
            action = session.get(Action, action_id)
            if action is None:
                raise ContainmentError(
                    f"rollback: action {action_id} must exist in the incident database; got none instead"
                )
            if action.kind != "rollback":
                raise ContainmentError(
                    f"rollback: action {action_id} must be a rollback; got a {action.kind!r} action instead"
                )
            return _ActionView.of(action)

    @staticmethod
    def claim(session: Session, view: _ActionView) -> Action | None:
        """The action, if it still has the status ``view`` read (another process may have taken it since)."""
        action = session.get(Action, view.id, with_for_update=True, populate_existing=True)
        return action if action is not None and action.status == view.status else None

    def log(self, session: Session, view: _ActionView, kind: str, **payload: Any) -> None:
        self.audit(
            session,
            at=self.at,
            actor=self.actor,
            kind=kind,
            subject=f"model:{view.model}",
            payload={
                "model": view.model,
                "feed": None,
                "action": view.id,
                "key": view.key,
                "incident": view.incident_id,
                "registry_name": view.registry_name,
                "alias": view.alias,
                **payload,
            },
        )

    def unchanged(self, action_id: int) -> RollbackOutcome:
        return self.read(action_id).result()

    def close(
        self,
        view: _ActionView,
        status: Literal["refused", "failed"],
        message: str,
        *,
        params: Mapping[str, Any] | None = None,
        checksum_mismatch: bool = False,
        no_safe_version: bool = False,
    ) -> RollbackOutcome:
        """Record a rollback that did not happen: the action ``refused`` or ``failed`` with ``message``."""
        closed = replace(view, status=status, params={**view.params, **(params or {})}, outcome=message)
        with self.db.session() as session:
            action = self.claim(session, view)
            if action is not None:
                action.status, action.params, action.outcome = status, closed.params, message
                self.log(session, closed, f"action.{status}", status=status, outcome=message, **(params or {}))
        if action is None:
            return self.unchanged(view.id)
        return closed.result(changed=True, checksum_mismatch=checksum_mismatch, no_safe_version=no_safe_version)

    def mark_executing(self, view: _ActionView, params: Mapping[str, Any]) -> _ActionView | None:
        """Phase 1: persist ``executing`` and the plan before the registry is touched. None if another process
        changed the action's status since ``view`` was read."""
        merged = {**view.params, **params}
        executing = replace(view, status="executing", params=merged)
        outcome = (
            f"moving alias {executing.alias!r} of {executing.registry_name!r} from version "
            f"{executing.param('from_version')} to version {executing.param('to_version')}"
        )
        executing = replace(executing, outcome=outcome)
        with self.db.session() as session:
            action = self.claim(session, view)
            if action is not None:
                action.status, action.params, action.outcome = "executing", merged, outcome
                self.log(
                    session,
                    executing,
                    "action.executing",
                    **{k: merged.get(k) for k in ("from_version", "to_version", "expected_sha256")},
                )
        return executing if action is not None else None

    def move_and_complete(self, view: _ActionView, *, reconciled: bool = False) -> RollbackOutcome:
        """Phase 2: move the alias once, then record it (``complete``)."""
        try:
            self.registry.set_alias(view.registry_name, view.alias, str(view.param("to_version")))
        except RegistryError as exc:
            return self.close(view, "failed", str(exc))
        return self.complete(view, moved=True, reconciled=reconciled)

    def complete(self, view: _ActionView, *, moved: bool, reconciled: bool) -> RollbackOutcome:
        """Once the alias names the target: the faulty version's tags, then in one transaction its record
        quarantined and the action done, audited. Tags first: a crash after them leaves the action
        ``executing``, and finishing it writes the same tags again."""
        name, faulty, target = view.registry_name, str(view.param("from_version")), str(view.param("to_version"))
        reason = view.param("reason") or f"rolled back by action {view.key}"
        with self.db.session() as session:
            record = _find(session, name, faulty)
            known = record is not None and record.quarantined is not None
            quarantined_at = record.quarantined if record is not None and record.quarantined is not None else self.at
            tags = governance_tags(
                VersionRecord(
                    artifact_sha256=record.artifact_sha256 if record else view.param("from_sha256"),
                    last_judged=record.last_judged if record else None,
                    last_passed=record.last_passed if record else None,
                    failed=record.failed if record else None,
                    quarantined=quarantined_at,
                    status="quarantined",
                )
            )
        tags_error = mirror_tags(self.registry, name, faulty, {**tags, TAG_QUARANTINE_REASON: reason})
        message = (
            f"alias {view.alias!r} of {name!r} {'moved' if moved else 'found moved'} from version {faulty} to "
            f"version {target}; version {faulty} quarantined"
            + (" (finished after an interruption, without moving the alias again)" if reconciled and not moved else "")
            + (f"; {tags_error}" if tags_error else "")
        )
        done = replace(view, status="done", outcome=message)
        with self.db.session() as session:
            action = self.claim(session, view)
            if action is not None:
                record = _find(session, name, faulty)
                if record is None:
                    record = VersionRecord(
                        model=view.model or name,
                        registry_name=name,
                        version=faulty,
                        artifact_sha256=view.param("from_sha256"),
                        first_seen=self.at,
                    )
                    session.add(record)
                record.quarantined, record.status = quarantined_at, "quarantined"
                action.status, action.done_at, action.outcome = "done", self.at, message
                if not known:
                    self.log(session, done, "version.quarantined", version=faulty, reason=reason)
                self.log(
                    session,
                    done,
                    "action.done",
                    from_version=faulty,
                    to_version=target,
                    expected_sha256=view.param("expected_sha256"),
                    moved=moved,
                    reconciled=reconciled,
                    tags_error=tags_error,
                )
        if action is None:
            return self.unchanged(view.id)
        return done.result(changed=True, moved=moved, reconciled=reconciled, tags_error=tags_error)

    def resume(self, view: _ActionView) -> RollbackOutcome:
        """Finish an action left ``executing``, from where the registry's alias is now."""
        name, alias = view.registry_name, view.alias
        faulty, target = str(view.param("from_version")), str(view.param("to_version"))
        try:
            serving = self.registry.version_by_alias(name, alias).version
        except RegistryError as exc:
            return self.close(view, "failed", f"{exc} (the rollback was interrupted: a retry reads the alias again)")
        if serving == target:
            return self.complete(view, moved=False, reconciled=True)
        if serving != faulty:
            return self.close(
                view,
                "refused",
                f"rollback of {name!r}: alias {alias!r} must name version {faulty} or {target}; got version "
                f"{serving} instead (moved by someone else while the rollback was interrupted): nothing rolled back",
            )
        try:
            with self.db.session() as session:
                ok, expected, actual = verify_artifacts(session, self.registry, name, target)
        except RegistryError as exc:
            return self.close(view, "failed", str(exc))
        if not ok:
            mismatch = ChecksumMismatch(name, target, expected, actual)
            return self.close(view, "refused", str(mismatch), params={"actual_sha256": actual}, checksum_mismatch=True)
        return self.move_and_complete(view, reconciled=True)

    def execute(self, action_id: int) -> RollbackOutcome:
        view = self.read(action_id)
        if view.status == "executing":
            return self.resume(view)
        if view.status not in STARTABLE:
            return view.result()
        if view.status == "failed" and view.param("to_version") and view.param("from_version"):
            # A retry after a failed move: the move may have reached the registry before the error did.
            try:
                serving = self.registry.version_by_alias(view.registry_name, view.alias).version
            except RegistryError as exc:
                return self.close(view, "failed", str(exc))
            if serving == view.param("to_version") != view.param("from_version"):
                executing = self.mark_executing(view, {})
                if executing is None:
                    return self.unchanged(action_id)
                return self.complete(executing, moved=False, reconciled=True)
        try:
            plan = _plan(self.db, self.registry, view)
        except RegistryError as exc:
            return self.close(view, "failed", str(exc))
        except ChecksumMismatch as exc:
            tried = {"to_version": exc.version, "expected_sha256": exc.expected, "actual_sha256": exc.actual}
            return self.close(view, "refused", str(exc), params=tried, checksum_mismatch=True)
        except NoSafeVersion as exc:
            return self.close(view, "refused", str(exc), params={"refusal": "no_safe_version"}, no_safe_version=True)
        except ContainmentError as exc:
            return self.close(view, "refused", str(exc))
        params: dict[str, Any] = {
            "alias": view.alias,
            "registry_name": view.registry_name,
            "from_version": plan.from_version,
            "to_version": plan.to_version,
            "expected_sha256": plan.expected_sha256,
            "reason": view.param("reason") or plan.reason,
        }
        if plan.from_sha256 is not None:
            params["from_sha256"] = plan.from_sha256
        executing = self.mark_executing(view, params)
        if executing is None:
            return self.unchanged(action_id)
        return self.move_and_complete(executing)


def plan_rollback(
    db: Transactions,
    registry: ModelRegistry,
    *,
    registry_name: str,
    alias: str,
    from_version: str | None = None,
    to_version: str | None = None,
) -> RollbackPlan:
    """What ``execute_rollback`` would do now, changing nothing (a dry run): ``NoSafeVersion``,
    ``ChecksumMismatch`` or another ``ContainmentError`` when it would be refused, ``RegistryError`` when the
    registry cannot answer."""
    params = {"registry_name": registry_name, "alias": alias, "from_version": from_version, "to_version": to_version}
    view = _ActionView(0, "dry-run", registry_name, None, "dry_run", params, None)
    return _plan(db, registry, view)


def execute_rollback(
    db: Transactions,
    registry: ModelRegistry,
    action_id: int,
    *,
    at: datetime,
    actor: str,
    audit: AuditAppend,
) -> RollbackOutcome:
    """Carry out the rollback action ``action_id``: move its serving alias from the faulty version to the last
    version that passed governance, after checking that version's artifacts, and quarantine the faulty one.

    The action's params: ``alias`` (required), ``registry_name`` (default: the action's model),
    ``from_version`` (default: the version the alias names now), ``to_version`` (a person's choice, checked like
    any target; default: ``safe_version``), ``reason`` (the quarantine's, default: why the target was chosen).
    Started from ``approved`` or ``failed`` (a retry); ``executing`` is finished as ``reconcile`` does; any other
    status is returned unchanged. ``IncidentStoreError`` from the database propagates: before the move nothing
    has happened, after it the action stays ``executing`` for ``reconcile``."""
    return _Rollback(db, registry, at, actor, audit).execute(action_id)


def reconcile(
    db: Transactions, registry: ModelRegistry, *, at: datetime, audit: AuditAppend, actor: str = "govern"
) -> list[RollbackOutcome]:
    """Finish every rollback left ``executing`` (a crash between moving the alias and recording it), from the
    registry's actual alias: at the target, record it without moving; at the faulty version, move it once."""
    with db.session() as session:
        ids = session.scalars(
            select(Action.id).where(Action.kind == "rollback", Action.status == "executing").order_by(Action.id)
        ).all()
    run = _Rollback(db, registry, at, actor, audit)
    outcomes = []
    for action_id in ids:
        view = run.read(action_id)
        outcomes.append(run.resume(view) if view.status == "executing" else view.result())
    return outcomes
