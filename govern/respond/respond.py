"""The night's response: after the results are written, declare, contain, notify and record.

    reconcile rollbacks left half-done ── for each night to take in (missed nights first, then tonight):
        read the results ── triage (feeds first) ── per model, one transaction: audit the judgement,
        record the serving version's verdict, open/update/reopen incidents, plan containment, clean nights
    ── carry out approved actions (rollbacks in their own transactions) ── escalate what is overdue
    ── notifications (queued, then delivered; failures retried on the next run)

A model whose response fails (the database locked, the registry down) is that model's error in the report and
is taken in again on the next run; the others carry on. A rerun of a night whose results did not change changes
nothing (``db.ResponseMark`` keeps each result's digest).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govern.config import Fleet, ModelConfig
from govern.errors import GovernanceError, RegistryError, ResultError
from govern.registry import ModelRegistry
from govern.respond import audit, containment, incidents, notify, versions
from govern.respond.database import Database
from govern.respond.db import Action, Incident, Notification, ResponseMark
from govern.respond.incidents import GOVERN, Change
from govern.respond.notify import Delivery
from govern.respond.policy import ResponsePolicy, Sev
from govern.respond.triage import ModelNight, Signal, labelled_check, triage
from govern.results import ModelNightResult
from govern.store import ResultsStore

log = logging.getLogger(__name__)


@dataclass
class ResponseReport:
    """What the response did for a night: every incident change, the actions touched, errors by model, and
    the notifications' fate."""

    night: str
    at: dt.datetime
    nights: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=lambda: {"delivered": 0, "failed": 0, "pending": 0})
    problems: list[str] = field(default_factory=list)
    audit_head: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "night": self.night,
            "at": self.at.isoformat(),
            "nights": self.nights,
            "changes": [c.to_dict() for c in self.changes],
            "actions": self.actions,
            "errors": self.errors,
            "notifications": self.notifications,
            "problems": self.problems,
            "audit_head": self.audit_head,
        }


def judgement_digest(result: ModelNightResult) -> str:
    """The SHA-256 of what a result judged, without the run that wrote it (``run``, ``timings``): a rerun that
    comes to the same judgement has the same digest, so the response takes it in once."""
    import hashlib

    return hashlib.sha256(result.model_dump_json(exclude={"run", "timings"}).encode()).hexdigest()


def verdict(result: ModelNightResult, *, clean: bool) -> versions.Verdict:
    """What tonight says of the serving version: ``failed`` when a model-fault finding of tonight's batch
    (estimate, version regression, fairness of tonight's decisions) fired on clean data; ``passed`` when
    nothing fired, nothing failed and performance was judged; else ``judged``."""
    own = [f for f in result.findings if f.fault == "model" and not labelled_check(f.check)]
    if own and clean:
        return "failed"
    performance_unjudged = any(n.section == "performance" for n in result.not_judged)
    if not result.findings and not result.errors and not performance_unjudged and result.evidence.rows:
        return "passed"
    return "judged"


def _action_line(action: Action) -> dict[str, Any]:
    return {
        "id": action.id,
        "kind": action.kind,
        "status": action.status,
        "model": action.model,
        "feed": action.feed,
        "incident": action.incident_id,
        "params": action.params,
        "outcome": action.outcome,
    }


class Responder:
    """The response over one fleet: its database, results store and registry, and the notification channels.
    ``deliver`` and ``sleep`` are injectable for tests."""

    def __init__(
        self,
        fleet: Fleet,
        db: Database,
        store: ResultsStore,
        registry: ModelRegistry | None,
        channels: Sequence[notify.Channel] = (),
        *,
        channel_problems: Sequence[str] = (),
        deliver: Callable[..., notify.Delivery] = notify.deliver,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.fleet = fleet
        self.db = db
        self.store = store
        self.registry = registry
        self.channels = list(channels)
        self.channel_problems = list(channel_problems)
        self._deliver = deliver
        self._sleep = sleep
        self._serving: str | None = None  # the model being taken in: its alias's version, read before its transaction

    @property
    def policy(self) -> ResponsePolicy:
        return self.fleet.response_policy

    def close(self) -> None:
        self.db.close()

    def disabled_feeds(self) -> dict[str, tuple[str, str]]:
        """The feeds disabled now: the sentence their models' refused results carry, the first night refused."""
        with self.db.session() as session:
            return containment.disabled_feeds(session)

    # ------------------------------------------------------------------ the night

    def respond(self, night: str, *, at: dt.datetime) -> ResponseReport:
        report = ResponseReport(night=night, at=at, problems=list(self.channel_problems))
        self._reconcile(report, at)
        for each in self._nights_to_take_in(night, report):
            report.nights.append(each)
            self._take_in_night(each, at, report)
        self.carry_out_approved(report, at)
        self._guarded(
            report, "escalation", lambda s: report.changes.extend(incidents.escalate_due(s, self.policy, at=at))
        )
        self.notify(report, at)
        self.export_state(report)
        return report

    def sweep(self, *, at: dt.datetime) -> ResponseReport:
        """Between nights: escalate what is overdue, deliver what is queued, carry out approved actions. What
        the escalation flow (or ``govern incidents escalate``) runs every few minutes, so a SEV1's half-hour
        window is not checked only once a night."""
        report = ResponseReport(night="", at=at, problems=list(self.channel_problems))
        self.carry_out_approved(report, at)  # (half-done rollbacks are reconciled by the nightly run only)
        self._guarded(
            report, "escalation", lambda s: report.changes.extend(incidents.escalate_due(s, self.policy, at=at))
        )
        self.notify(report, at)
        self.export_state(report)
        return report

    def export_state(self, report: ResponseReport) -> None:
        """After the transactions: the files serving layers and a run without the database read (the
        denylist, the disabled feeds), and the audit chain's head in the report (a truncated log shows)."""

        def work(session: Session) -> None:
            containment.export_denylist(session, self.fleet.state_dir)
            containment.export_feeds(session, self.fleet.state_dir)
            seq, head = audit.head(session)
            report.audit_head = {"seq": seq, "hash": head}

        self._guarded(report, "state files", work, queue=False)

    def _guarded(self, report: ResponseReport, what: str, work: Callable[[Session], Any], *, queue: bool = True) -> Any:
        """``work`` in one transaction, with the notifications of the changes it made queued in the same
        transaction (an outbox: a change is never committed without them); a failure is ``what``'s error in the
        report, its changes dropped from it (they were rolled back), never raised."""
        mark, actions, problems = len(report.changes), len(report.actions), len(report.problems)
        try:
            with self.db.session() as session:
                out = work(session)
                if queue:
                    self.queue(session, report.changes[mark:], report.at)
                return out
        except (GovernanceError, OSError) as exc:
            log.warning("response: %s failed: %s", what, exc)
            report.errors[what] = f"{type(exc).__name__}: {exc}"
            del report.changes[mark:], report.actions[actions:], report.problems[problems:]
            return None

    def _reconcile(self, report: ResponseReport, at: dt.datetime) -> None:
        if self.registry is None:
            return
        try:
            for outcome in versions.reconcile(self.db, self.registry, at=at, audit=audit.append):
                report.actions.append(
                    {
                        "id": outcome.action_id,
                        "kind": "rollback",
                        "status": outcome.status,
                        "model": outcome.model,
                        "outcome": outcome.message,
                        "reconciled": True,
                    }
                )
                if outcome.status == "done":
                    self._after_rollback(report, outcome, at)
        except GovernanceError as exc:
            report.errors["reconcile"] = f"{type(exc).__name__}: {exc}"

    def _nights_to_take_in(self, night: str, report: ResponseReport) -> list[str]:
        """Tonight, after the nights of the last ``catch_up_nights`` whose results the response has not taken in
        (it missed them: the database was locked), once the response has started at all."""
        lookback = self.policy.catch_up_nights
        if lookback == 0:
            return [night]

        def missed(session: Session) -> list[str]:
            first = session.scalars(select(ResponseMark.night).order_by(ResponseMark.night).limit(1)).first()
            if first is None:
                return []
            day = dt.date.fromisoformat(night)
            earlier = [(day - dt.timedelta(days=k)).isoformat() for k in range(lookback, 0, -1)]
            out = []
            for candidate in earlier:
                if candidate < first:
                    continue
                marked = set(session.scalars(select(ResponseMark.model).where(ResponseMark.night == candidate)))
                written = {m for m in self._fleet_names() if self.store.has_result(candidate, m)}
                if written - marked:
                    out.append(candidate)
            return out

        return [*(self._guarded(report, "catch-up", missed) or []), night]

    def _fleet_names(self) -> list[str]:
        return sorted(set(self.fleet.models) | set(self.fleet.broken))

    def _read_night(self, night: str, report: ResponseReport) -> list[ModelNight]:
        out = []
        for name in self._fleet_names():
            if not self.store.has_result(night, name):
                continue
            try:
                result, digest = self.store.read_result_digest(night, name)
            except ResultError as exc:
                report.errors[name] = str(exc)
                continue
            labelled_version = None
            labelled = result.evidence.labelled_night
            if labelled and self.store.has_result(labelled, name):
                try:
                    labelled_version = self.store.read_result(labelled, name).model_version
                except ResultError:
                    labelled_version = None
            model = self.fleet.models.get(name)
            out.append(ModelNight(result, self.store.location(night, name), digest, model, labelled_version))
        return out

    def _take_in_night(self, night: str, at: dt.datetime, report: ResponseReport) -> None:
        nights = self._read_night(night, report)
        marks = self._guarded(
            report,
            "marks",
            lambda s: {
                m.model: m.result_sha256 for m in s.scalars(select(ResponseMark).where(ResponseMark.night == night))
            },
        )
        if marks is None:
            return
        fresh = {n.result.model for n in nights if marks.get(n.result.model) != judgement_digest(n.result)}
        if not fresh:
            return
        signals = triage(self.policy, nights)
        for signal in [s for s in signals if s.model is None and fresh & set(s.models)]:
            work = functools.partial(self._feed_signal, signal=signal, at=at, report=report)
            if self._guarded(report, f"feed:{signal.feed}", work) is None:
                fresh -= set(signal.models)  # not marked: the feed's incident is taken in again on the next run
        for each in nights:
            if each.result.model not in fresh:
                continue
            own = [s for s in signals if s.model == each.result.model]
            self._model_night(each, own, at, report)

    # ------------------------------------------------------------------ one model's night

    def _model_night(self, night: ModelNight, signals: list[Signal], at: dt.datetime, report: ResponseReport) -> None:
        """A model's night in two steps, so that a registry that cannot answer never silences an incident:
        first the serving version's record (registry I/O; its failure is reported and retried when the night is
        next taken in), then, in one transaction, the judgement's audit entry, the incidents, the containment
        plans and the mark. Rollbacks are carried out after that transaction, each in its own."""
        name = night.result.model
        clean_why = self._guarded(report, name, lambda s: self._clean(s, night), queue=False)
        if clean_why is None:
            return  # the database went away: taken in again on the next run
        clean, why = clean_why
        self._serving = self._serving_version(night, report)  # read before any transaction: no lock held
        mirrors = self._guarded(report, f"{name} (version record)",
                                lambda s: self._record_versions(s, night, clean, at, report))  # fmt: skip
        for registry_name, version, tags in mirrors or []:  # the registry's tags, after the commit: no lock held
            assert self.registry is not None
            problem = versions.mirror_tags(self.registry, registry_name, version, tags)
            if problem:
                report.problems.append(f"{name}: {problem}")
        recorded = mirrors
        work = functools.partial(self._model_night_in, night=night, signals=signals, clean=(clean, why), at=at,
                                 report=report, mark=recorded is not None)  # fmt: skip
        rollbacks = self._guarded(report, name, work)
        for action_id in dict.fromkeys(rollbacks or []):
            self.rollback(action_id, at, report, actor=GOVERN)

    def _model_night_in(
        self,
        session: Session,
        night: ModelNight,
        signals: list[Signal],
        clean: tuple[bool, str],
        at: dt.datetime,
        report: ResponseReport,
        mark: bool = True,
    ) -> list[int]:
        result = night.result
        # without its version record (the registry could not answer), the night is only partly taken in: its
        # incidents (idempotent), not its judgement's entry nor its clean nights, which the retake will add once
        if mark:
            self._audit_judged(session, night, at)
        rollbacks = self._incidents_of_night(session, night, signals, clean, at, report)
        if not mark:
            return rollbacks
        for incident in incidents.active(session, model=result.model):
            if incident.key not in {s.key for s in signals} and self._judged(result, incident):
                report.changes.extend(incidents.clean_night(session, self.policy, incident, result.night, at=at))
        digest = judgement_digest(result)
        row = session.scalars(
            select(ResponseMark).where(ResponseMark.model == result.model, ResponseMark.night == result.night)
        ).first()
        if row is None:
            session.add(ResponseMark(model=result.model, night=result.night, result_sha256=digest, at=at))
        else:
            row.result_sha256, row.at = digest, at
        return rollbacks

    def _audit_judged(self, session: Session, night: ModelNight, at: dt.datetime) -> None:
        result, model = night.result, night.model
        audit.append(
            session,
            at=at,
            actor=GOVERN,
            kind="night.judged",
            subject=f"model:{result.model}",
            payload={
                "model": result.model,
                "feed": model.feed if model else None,
                "night": result.night,
                "result": night.path,
                "result_sha256": night.sha256,
                "judgement_sha256": judgement_digest(result),
                "status": result.status,
                "model_version": result.model_version,
                "findings": sorted(f"{f.check}|{f.subject}" for f in result.findings),
            },
        )

    def _incidents_of_night(
        self,
        session: Session,
        night: ModelNight,
        signals: list[Signal],
        clean: tuple[bool, str],
        at: dt.datetime,
        report: ResponseReport,
    ) -> list[int]:
        """Open, update or reopen the night's incidents and start their playbooks; the rollbacks to carry out."""
        model = night.model
        rollbacks: list[int] = []
        for signal in signals:
            incident, changes = incidents.take_in(
                session, self.policy, self.fleet.config.name, signal, [model] if model else [], at=at
            )
            report.changes.extend(changes)
            if incident.status in ("contained", "resolved"):
                continue
            if changes or incident.recommendation is None:
                rollbacks += self._contain(session, incident, signal, model, clean[0], clean[1], at, report)
        return rollbacks

    def _serving_version(self, night: ModelNight, report: ResponseReport) -> str | None:
        """The version the model's serving alias names now (None: no registry entry, or it cannot answer)."""
        model = night.model
        if self.registry is None or model is None or model.registry is None:
            return None
        try:
            return self.registry.version_by_alias(model.registry.name, model.registry.serving_alias).version
        except RegistryError as exc:
            report.problems.append(f"{model.name}: the serving alias could not be read: {exc}")
            return None

    def _clean(self, session: Session, night: ModelNight) -> tuple[bool, str]:
        """Is the model's data clean tonight: no critical expectation failed and no API client's traffic was
        flagged tonight, and no data or client incident of the model (or of its feed) is active."""
        result, model = night.result, night.model
        if any(f.check == "data_quality.critical_expectation" for f in result.findings):
            return False, "a critical expectation failed tonight"
        flagged = sorted({f.subject for f in result.findings if f.check.startswith("segments.")})
        if flagged:
            return False, f"API client traffic was flagged tonight ({', '.join(flagged)})"
        for incident in incidents.active(session, model=result.model):
            if containment.playbook_of(incident) in ("data", "client"):
                return False, f"incident {incident.id} ({incident.check} on {incident.subject}) is active"
        if model is not None and model.feed:
            for incident in incidents.active(session, feed=model.feed):
                if incident.model is None:
                    return False, f"incident {incident.id} of feed {model.feed} is active"
        return True, ""

    def _judged(self, result: ModelNightResult, incident: Incident) -> bool:
        """Was the incident's check judged in ``result`` (so that its not firing means something)?"""
        if result.status == "error" or result.evidence.missing_batch or result.evidence.feed_disabled:
            return False
        section = incident.check.split(".", 1)[0]
        if any(n.section == section for n in result.not_judged):
            return False
        if labelled_check(incident.check):
            return bool(result.evidence.labelled_rows)
        return bool(result.evidence.rows)

    def _record_versions(
        self, session: Session, night: ModelNight, clean: bool, at: dt.datetime, report: ResponseReport
    ) -> list[tuple[str, str, dict[str, str | None]]]:
        """Governance's verdict on the versions of the night, in the database; returns the registry tags to
        mirror once the transaction is committed."""
        model, result = night.model, night.result
        if self.registry is None or model is None or model.registry is None or result.model_version is None:
            return []
        calls: list[tuple[str, versions.Verdict]] = [(result.model_version, verdict(result, clean=clean))]
        labelled_failed = [f for f in result.findings if f.fault == "model" and labelled_check(f.check)]
        labelled = result.evidence.labelled_night
        quarantined = labelled is not None and labelled in containment.quarantined_nights(session, model.name)
        if labelled_failed and night.labelled_version and clean and not quarantined:  # a bad batch blames no version
            calls.append((night.labelled_version, "failed"))
        mirrors = []
        for version, said in calls:
            try:
                recorded = versions.record_version(
                    session,
                    self.registry,
                    model=model.name,
                    registry_name=model.registry.name,
                    version=version,
                    night=result.night,
                    verdict=said,
                    at=at,
                    audit=audit.append,
                    mirror=False,
                )
            except RegistryError as exc:
                raise RegistryError(f"model {model.name!r}: its version record could not be kept: {exc}") from exc
            mirrors.append((model.registry.name, version, versions.governance_tags(recorded.record)))
        return mirrors

    def _contain(
        self,
        session: Session,
        incident: Incident,
        signal: Signal,
        model: ModelConfig | None,
        clean: bool,
        why: str,
        at: dt.datetime,
        report: ResponseReport,
    ) -> list[int]:
        """Plan and start the playbook's actions for an incident; rollback action ids to carry out after this
        transaction."""
        rollbacks: list[int] = []
        for item in containment.plan(self.policy, incident, signal, model, clean=clean, unclean_why=why):
            if item.kind is None:
                self._recommend(session, incident, item.recommendation or "", at, report, escalate=item.escalate)
                continue
            if item.kind == "rollback":
                handled = self._rollback_guard(session, incident, item, signal, at, report)
                if handled:
                    continue
            action, created = containment.propose(session, self.policy, item, incident, at=at)
            report.actions.append(_action_line(action))
            if action.status == "awaiting_approval" and created:
                report.changes.append(
                    incidents.record(
                        session,
                        incident,
                        "approval_requested",
                        at=at,
                        night=signal.night,
                        detail={
                            "action": action.id,
                            "kind": action.kind,
                            "params": action.params,
                            "how": f"govern incidents approve {incident.id} --by NAME, or in the Prefect UI",
                        },
                    )
                )
            elif action.status == "dry_run" and created:
                report.changes.append(
                    incidents.record(
                        session,
                        incident,
                        "dry_run",
                        at=at,
                        night=signal.night,
                        detail={"action": action.id, "kind": action.kind, "params": action.params},
                    )
                )
            elif action.status in ("approved", "failed") and action.kind == "rollback":
                rollbacks.append(action.id)
            elif action.status == "approved":
                containment.carry_out(session, action, at=at, by=GOVERN, state_dir=self.fleet.state_dir)
                report.actions[-1] = _action_line(action)
                self._contained_by(session, action, at, report)
            elif action.status == "done":
                self._contained_by(session, action, at, report, incident=incident)
        return rollbacks

    def _rollback_guard(
        self,
        session: Session,
        incident: Incident,
        item: containment.Plan,
        signal: Signal,
        at: dt.datetime,
        report: ResponseReport,
    ) -> bool:
        """True when the rollback need not (or must not) be proposed: the faulty version no longer serves, or
        the automatic rollback limit is reached."""
        assert self.registry is not None and item.model is not None
        faulty = item.params.get("from_version")
        existing = session.scalars(select(Action).where(Action.key == item.key)).first()
        if existing is not None and existing.status in ("failed", "executing", "approved", "awaiting_approval"):
            return False  # proposed already: found again by its key (a failed one is retried, and finishes if it moved)
        if existing is not None and existing.status == "refused":
            self._refusal(session, incident, existing, at, report)
            return True
        done = session.scalars(
            select(Action).where(Action.kind == "rollback", Action.model == item.model, Action.status == "done")
        ).all()
        for action in done:
            if action.params.get("from_version") == faulty:
                change = incidents.contain(
                    session,
                    incident,
                    by=GOVERN,
                    at=at,
                    action=action.id,
                    how=f"version {faulty} was already rolled back (action {action.id})",
                )
                if change is not None:
                    report.changes.append(change)
                return True
        serving = self._serving or str(faulty)  # read before the transaction; unknown: proposed, and retried
        if faulty is not None and serving != faulty:
            change = incidents.contain(
                session,
                incident,
                by=GOVERN,
                at=at,
                how=f"version {faulty} no longer serves ({item.params['alias']} is at {serving})",
            )
            if change is not None:
                report.changes.append(change)
            return True
        book = self.policy.playbooks.rollback
        recent = containment.rollbacks_within(session, item.model, at=at, days=book.window_days)
        if len(recent) >= book.max_per_model:
            self._recommend(
                session,
                incident,
                f"automatic rollback limit reached ({len(recent)} within {book.window_days} days): a "
                f"person decides (govern rollback {item.model} --by NAME)",
                at,
                report,
                escalate=True,
            )
            return True
        return False

    def _recommend(
        self,
        session: Session,
        incident: Incident,
        text: str,
        at: dt.datetime,
        report: ResponseReport,
        *,
        escalate: bool,
    ) -> None:
        if incident.recommendation == text:
            return
        incident.recommendation = text
        report.changes.append(incidents.record(session, incident, "recommendation", at=at, detail={"text": text}))
        if escalate:
            change = incidents.escalate(session, self.policy, incident, at=at, why=text)
            if change is not None:
                report.changes.append(change)

    def _contained_by(
        self,
        session: Session,
        action: Action,
        at: dt.datetime,
        report: ResponseReport,
        *,
        incident: Incident | None = None,
    ) -> None:
        """Mark contained the action's incident and every other active incident the same action contains: a
        denylisted client's incidents of that model, a disabled feed's and its quarantined batches' incidents."""
        targets = [incident] if incident is not None else []
        if action.incident_id is not None:
            own = session.get(Incident, action.incident_id)
            if own is not None and own not in targets:
                targets.append(own)
        book = {"denylist": "client", "disable_feed": "data", "quarantine_batch": "data"}.get(action.kind)
        if book is not None and action.model is not None:
            for other in incidents.active(session, model=action.model):
                same = book == "data" or other.subject == action.params.get("client")
                if containment.playbook_of(other) == book and same and other not in targets:
                    targets.append(other)
        for target in targets:
            change = incidents.contain(session, target, by=action.approved_by or GOVERN, at=at,
                                       how=action.outcome or "", action=action.id)  # fmt: skip
            if change is not None:
                report.changes.append(change)

    def _feed_signal(self, session: Session, signal: Signal, at: dt.datetime, report: ResponseReport) -> bool:
        models = [self.fleet.models[m] for m in signal.models if m in self.fleet.models]
        incident, changes = incidents.take_in(session, self.policy, self.fleet.config.name, signal, models, at=at)
        report.changes.extend(changes)
        if incident.status not in ("contained", "resolved") and changes:
            self._contain(session, incident, signal, models[0] if models else None, False, "the feed failed", at,
                          report)  # fmt: skip
        return True

    # ------------------------------------------------------------------ rollbacks

    def rollback(self, action_id: int, at: dt.datetime, report: ResponseReport, *, actor: str) -> None:
        if self.registry is None:
            return
        try:
            outcome = versions.execute_rollback(self.db, self.registry, action_id, at=at, actor=actor,
                                                audit=audit.append)  # fmt: skip
        except GovernanceError as exc:  # the database went away mid-way: an executing action is reconciled next run
            report.errors[f"rollback {action_id}"] = f"{type(exc).__name__}: {exc}"
            return
        report.actions.append(
            {
                "id": outcome.action_id,
                "kind": "rollback",
                "status": outcome.status,
                "model": outcome.model,
                "from_version": outcome.from_version,
                "to_version": outcome.to_version,
                "outcome": outcome.message,
            }
        )
        if outcome.status == "done":
            self._after_rollback(report, outcome, at)
        elif outcome.status == "refused":
            self._guarded(report, outcome.model or "rollback", lambda s: self._refused(s, outcome, at, report))
        elif outcome.status == "failed":
            report.errors[outcome.model or "rollback"] = outcome.message

    def _after_rollback(self, report: ResponseReport, outcome: versions.RollbackOutcome, at: dt.datetime) -> None:
        def work(session: Session) -> None:
            action = session.get(Action, outcome.action_id)
            if action is None:
                return
            faulty = action.params.get("from_version")
            how = f"rolled back {action.params.get('alias')} from version {faulty} to {action.params.get('to_version')}"
            for incident in incidents.active(session, model=action.model):
                if containment.playbook_of(incident) == "rollback" and incident.status != "contained":
                    version = self._version_at_fault(session, incident)
                    if version is None or version == faulty:
                        change = incidents.contain(
                            session, incident, by=action.approved_by or GOVERN, at=at, how=how, action=action.id
                        )
                        if change is not None:
                            report.changes.append(change)

        self._guarded(report, outcome.model or "rollback", work)

    def _version_at_fault(self, session: Session, incident: Incident) -> str | None:
        last = incidents.findings(session, incident.id)
        return last[-1].model_version if last else None

    def _refused(
        self, session: Session, outcome: versions.RollbackOutcome, at: dt.datetime, report: ResponseReport
    ) -> None:
        """A refused rollback: every incident it was to contain gets the reason as its recommendation and
        escalates; a checksum that no longer matches raises them to SEV1."""
        action = session.get(Action, outcome.action_id)
        if action is None:
            return
        for incident in self._rollback_incidents(session, action):
            self._refusal(session, incident, action, at, report)

    def _rollback_incidents(self, session: Session, action: Action) -> list[Incident]:
        """The active incidents a rollback answers: its own, and the model's others of the same faulty version."""
        faulty = action.params.get("from_version")
        out = []
        for incident in incidents.active(session, model=action.model):
            if incident.status == "contained" or containment.playbook_of(incident) != "rollback":
                continue
            if incident.id == action.incident_id or self._version_at_fault(session, incident) in (None, faulty):
                out.append(incident)
        return out

    def _refusal(
        self, session: Session, incident: Incident, action: Action, at: dt.datetime, report: ResponseReport
    ) -> None:
        outcome = action.outcome or "refused"
        if "actual_sha256" in action.params:  # the target's artifacts no longer match their recorded SHA-256
            models = [self.fleet.models[incident.model]] if incident.model in self.fleet.models else []
            change = incidents.set_sev(session, incident, Sev.SEV1, at=at, why=f"rollback refused: {outcome}",
                                       policy=self.policy, models=models)  # fmt: skip
            if change is not None:
                report.changes.append(change)
            text = (
                f"rollback refused: {outcome}. Find out who changed the artifact before any version is served from it"
            )
        elif action.params.get("refusal") == "no_safe_version":
            text = containment.no_safe_version_advice(incident)
        else:
            text = f"rollback refused: {outcome}"
        self._recommend(session, incident, text, at, report, escalate=True)

    def carry_out_approved(self, report: ResponseReport, at: dt.datetime) -> None:
        """Actions approved since the last run (a person's approval) that are not carried out yet."""

        def pending(session: Session) -> list[tuple[int, str]]:
            rows = session.scalars(select(Action).where(Action.status == "approved").order_by(Action.id))
            return [(a.id, a.kind) for a in rows]

        for action_id, kind in self._guarded(report, "actions", pending) or []:
            if kind == "rollback":
                self.rollback(action_id, at, report, actor=GOVERN)
            else:
                work = functools.partial(self._carry_out, action_id=action_id, at=at, report=report)
                self._guarded(report, f"action {action_id}", work)

    def _carry_out(self, session: Session, action_id: int, at: dt.datetime, report: ResponseReport) -> None:
        action = session.get(Action, action_id)
        if action is None:
            return
        containment.carry_out(session, action, at=at, by=action.approved_by or GOVERN, state_dir=self.fleet.state_dir)
        report.actions.append(_action_line(action))
        self._contained_by(session, action, at, report)

    # ------------------------------------------------------------------ notifications

    def notify(self, report: ResponseReport, at: dt.datetime) -> None:
        """Deliver what is queued (the changes' notifications were queued with the changes themselves)."""
        self.deliver_pending(report, at)

    def queue(self, session: Session, changes: Sequence[Change], at: dt.datetime) -> None:
        """Queue, in ``session``'s transaction, the notifications of ``changes`` (those of the kinds the policy
        notifies) for every configured channel, also one without a URL this run (kept pending)."""
        wanted = set(self.policy.notifications.events)
        for change in [c for c in changes if c.kind in wanted]:
            incident = session.get(Incident, change.incident_id)
            if incident is None:
                continue
            message = message_of(incident, change)
            for channel in self.policy.notifications.channels:  # also those without a URL this run: kept pending
                exists = session.scalars(
                    select(Notification.id).where(
                        Notification.event_id == change.event_id, Notification.channel == channel.name
                    )
                ).first()
                if exists is not None:
                    continue
                session.add(
                    Notification(
                        incident_id=incident.id,
                        event_id=change.event_id,
                        channel=channel.name,
                        recipients=list(message.recipients),
                        title=message.title,
                        body=message.body,
                        payload=message.payload,
                        status="pending",
                        attempts=0,
                        created_at=at,
                    )
                )

    def deliver_pending(self, report: ResponseReport, at: dt.datetime) -> None:
        """Deliver every notification not delivered yet (this run's, and earlier runs' that failed). Each is
        read in one short transaction, sent outside any (no database lock is held while a webhook answers), and
        its fate recorded in another. A channel that fails is not tried again in this run (its other messages
        wait for the next run); a message still undelivered ``give_up_after_days`` after it was queued is
        abandoned, and that is recorded."""
        book = self.policy.notifications
        by_name = {c.name: c for c in self.channels}
        give_up = at - dt.timedelta(days=book.give_up_after_days)

        def pending(session: Session) -> list[tuple[int, str, notify.Message, bool]]:
            """Claim the messages to send (``sending``), so that a run at the same time (the sweep, a person's
            command) does not send them too; a claim older than 15 minutes was a process that died."""
            stale_claim = at - dt.timedelta(minutes=15)
            rows = session.scalars(
                select(Notification)
                .where(
                    Notification.status.in_(("pending", "failed"))
                    | ((Notification.status == "sending") & (Notification.last_attempt_at <= stale_claim))
                )
                .order_by(Notification.id)
            ).all()
            for row in rows:
                row.status, row.last_attempt_at = "sending", at
            return [
                (row.id, row.channel,
                 notify.Message(title=row.title, body=row.body, payload=row.payload, recipients=tuple(row.recipients)),
                 row.created_at < give_up)
                for row in rows
            ]  # fmt: skip

        down: set[str] = set()
        for notification_id, name, message, stale in self._guarded(report, "notifications", pending) or []:
            channel = by_name.get(name)
            delivery: Delivery | None = None
            if channel is not None and name not in down and not stale:
                delivery = self._deliver(
                    channel, message, attempts=book.attempts, backoff=book.backoff_seconds, sleep=self._sleep
                )
                if not delivery.ok:
                    down.add(name)
            work = functools.partial(self._delivered, notification_id=notification_id, delivery=delivery,
                                     stale=stale, at=at, report=report)  # fmt: skip
            self._guarded(report, "notifications", work, queue=False)

    def _delivered(
        self,
        session: Session,
        notification_id: int,
        delivery: Delivery | None,
        stale: bool,
        at: dt.datetime,
        report: ResponseReport,
    ) -> None:
        row = session.get(Notification, notification_id)
        if row is None:
            return
        if delivery is None:
            if stale:
                row.status = "abandoned"
                row.last_error = f"not delivered within {self.policy.notifications.give_up_after_days} days: abandoned"
            elif row.channel not in {c.name for c in self.channels}:
                why = next((p for p in self.channel_problems if p.startswith(f"channel {row.channel}:")), None)
                row.status, row.last_error = "pending", why or f"channel {row.channel} is not configured"
                report.notifications["pending"] += 1
                return
            else:
                row.status, row.last_error = "pending", "not tried: the channel failed earlier in this run"
                report.notifications["pending"] += 1
                return
        else:
            row.attempts += delivery.attempts
            row.last_attempt_at = at
            if delivery.ok:
                row.status, row.delivered_at, row.last_error = "delivered", at, None
                report.notifications["delivered"] += 1
            else:
                row.status, row.last_error = "failed", delivery.error
                report.notifications["failed"] += 1
        audit.append(
            session,
            at=at,
            actor=GOVERN,
            kind=f"notification.{row.status}",
            subject=f"incident:{row.incident_id}",
            payload={
                "notification": row.id,
                "channel": row.channel,
                "event": row.event_id,
                "attempts": row.attempts,
                "error": row.last_error,
                "model": None,
                "feed": None,
            },
        )


_LEVEL = {
    "opened": "failure",
    "reopened": "failure",
    "escalated": "warning",
    "contained": "success",
    "resolved": "success",
}


def message_of(incident: Incident, change: Change) -> notify.Message:
    """The notification of one change: the title, a plain-text body people read, the payload machines read,
    addressed to the incident's current contact (and, when it escalated, to whom it escalated)."""
    who = incidents.contact(incident)
    recipients = tuple(c for c in (who,) if c)
    about = f"model {incident.model}" if incident.model else f"feed {incident.feed}"
    figure = ""
    if incident.measured is not None and incident.threshold is not None:
        figure = f"measured {incident.measured:.4g} against {incident.comparison} {incident.threshold:.4g}"
    lines = [
        f"{incident.title}",
        f"{about} · {incident.type} · {incident.check} on {incident.subject} · status {incident.status}",
        figure,
        f"nights: first {incident.first_night}, last {incident.last_night} ({incident.nights_open} fired)",
        f"with: {who['name']} <{who['email']}>" if who else "",
        f"acknowledge by {incident.ack_due.isoformat(timespec='minutes')}" if incident.ack_due else "",
        f"recover by {incident.rto_due.isoformat(timespec='minutes')}" if incident.rto_due else "",
        f"EU AI Act Article 73 report due {incident.report_due.date().isoformat()}" if incident.report_due else "",
        f"recommendation: {incident.recommendation}" if incident.recommendation else "",
        f"{change.kind} by {change.by}"
        + (f": {change.detail.get('how') or change.detail.get('why') or ''}" if change.detail else ""),
        f"govern incidents show {incident.id}",
    ]
    payload = {
        "incident": incident.id,
        "event": change.kind,
        "model": incident.model,
        "feed": incident.feed,
        "sev": incident.sev,
        "status": incident.status,
        "incident_type": incident.type,
        "check": incident.check,
        "subject": incident.subject,
        "night": change.night or incident.last_night,
        "measured": incident.measured,
        "threshold": incident.threshold,
        "owner": incident.owner,
        "contact": who,
        "ack_due": incident.ack_due.isoformat() if incident.ack_due else None,
        "rto_due": incident.rto_due.isoformat() if incident.rto_due else None,
        "report_due": incident.report_due.isoformat() if incident.report_due else None,
        "recommendation": incident.recommendation,
        "by": change.by,
    }
    return notify.Message(
        title=f"[{incident.sev}] incident {incident.id} {change.kind}: {incident.title}"[:250],
        body="\n".join(line for line in lines if line),
        payload=payload,
        recipients=recipients,
        level=_LEVEL.get(change.kind, "info"),  # type: ignore[arg-type]
    )


def open_responder(
    fleet: Fleet,
    *,
    registry: ModelRegistry | None = None,
    use_registry: bool = True,
    environ: Mapping[str, str] | None = None,
    secret: Callable[[str], str] | None = None,
    lock_timeout: float = 10.0,
) -> Responder:
    """The fleet's responder: its incident database (migrated to the current schema), its results store, the
    registry (default: the fleet's MLflow registry; none with ``use_registry=False``, for commands that never
    touch it), and the notification channels of its response policy, their URLs read from ``environ`` (default:
    the process environment) or Prefect Secret blocks (``secret``)."""
    import os

    from govern.respond.database import open_database

    if registry is None and use_registry:
        from govern.registry import MlflowRegistry

        registry = MlflowRegistry.for_fleet(fleet)
    channels, problems = notify.resolve_channels(
        fleet.response_policy.notifications.channels, os.environ if environ is None else environ, secret
    )
    database = open_database(fleet.incident_db, lock_timeout=lock_timeout)
    return Responder(fleet, database, ResultsStore(fleet.output), registry, channels, channel_problems=problems)


def response_clock(timezone: str, schedule: str, night: str, now: dt.datetime) -> dt.datetime:
    """When the response to ``night`` happens: now, but never later than the night's scheduled run (the day
    after, at the schedule's hour and minute in the fleet's time zone; midnight when the cron's hour or minute
    is not one number). A backfill of past nights thus dates each night's incidents, deadlines and escalations
    as the scheduled run would have; a live run is dated now."""
    import zoneinfo

    fields = schedule.split()
    minute, hour = (fields + ["0", "0"])[:2]
    clock = dt.time(int(hour), int(minute)) if hour.isdigit() and minute.isdigit() else dt.time()
    day = dt.date.fromisoformat(night) + dt.timedelta(days=1)
    scheduled = dt.datetime.combine(day, clock, tzinfo=zoneinfo.ZoneInfo(timezone)).astimezone(dt.UTC)
    return min(now.astimezone(dt.UTC), scheduled).replace(microsecond=0)
