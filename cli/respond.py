"""``govern incidents``, ``govern rollback``, ``govern feed``, ``govern audit-log`` and ``govern evidence``: the
people's side of the response, through the same code as the nightly run (``govern.respond.human``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from govern.errors import GovernanceError

DEFAULT_FLEET = Path("configs/fleet.yaml")
FleetOption = typer.Option(DEFAULT_FLEET, "--fleet", help="The fleet file.", dir_okay=False)
ByOption = typer.Option(..., "--by", help="Who is acting (a person's name): recorded in the audit log.")
AtOption = typer.Option(
    None,
    "--at",
    help="When it happened (ISO date-time with a zone, e.g. 2026-10-17T09:30:00+00:00); default: now. For "
    "recording an action taken earlier.",
)

incidents_app = typer.Typer(
    help="The fleet's incidents: list, show, acknowledge, approve, resolve.", no_args_is_help=True
)
feed_app = typer.Typer(help="Upstream feeds: disable or re-enable one (its models are refused while disabled).",
                       no_args_is_help=True)  # fmt: skip
audit_log_app = typer.Typer(help="The hash-chained audit log of every judgement, incident change and action.",
                            no_args_is_help=True)  # fmt: skip

STATUSES = ("open", "acknowledged", "contained", "resolved")


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _at(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--at must be an ISO date-time such as 2026-10-17T09:30:00+00:00; got {value!r} instead")
        raise
    if at.tzinfo is None:
        _fail(f"--at must carry its time zone (e.g. +00:00 or Z); got {value!r} instead")
    return at.astimezone(dt.UTC)


@contextlib.contextmanager
def _responder(fleet_path: Path, *, registry: bool = False) -> Iterator[Any]:
    """The fleet's responder for one command (the registry only for commands that need it)."""
    from govern.config import load_fleet
    from govern.respond.respond import open_responder

    fleet = load_fleet(fleet_path, strict=False)
    responder = open_responder(fleet, use_registry=registry, secret=_read_secret)
    try:
        yield responder
    finally:
        responder.close()


def _act(fleet: Path, at: str | None, do: Callable[[Any, dt.datetime], Any], *, registry: bool = False) -> Any:
    """One person's command: ``do(responder, when)`` on the fleet's responder, its report printed."""
    when = _at(at)
    with _responder(fleet, registry=registry) as responder:
        report = do(responder, when)
        _report(report, responder)
    return report


def _read_secret(name: str) -> str:
    """A Prefect Secret block's value; Prefect is imported only when a channel names such a block."""
    from tasks.respond import read_secret

    return read_secret(name)


def _report(report: Any, responder: Any) -> None:
    for change in report.changes:
        typer.echo(f"incident {change.incident_id}: {change.kind} ({change.sev}, {change.status})")
    for action in report.actions:
        outcome = f": {action['outcome']}" if action.get("outcome") else ""
        typer.echo(f"action {action.get('id', '-')} {action['kind']}: {action['status']}{outcome}")
    notes = report.notifications
    if any(notes.values()):
        typer.echo(
            f"notifications: {notes['delivered']} delivered, {notes['failed']} failed (retried on the next run), "
            f"{notes['pending']} pending"
        )
    for problem in report.problems:
        typer.secho(f"warning: {problem}", fg=typer.colors.YELLOW, err=True)
    for what, error in report.errors.items():
        typer.secho(f"{what}: {error}", fg=typer.colors.RED, err=True)
    import os

    if report.changes and os.environ.get("PREFECT_API_URL"):  # a Prefect server to tell: the changes as events
        from tasks.events import emit_incident_events

        emit_incident_events(responder.fleet.config.name, report.changes)


# ---------------------------------------------------------------------------------------------- incidents


@incidents_app.command("list")
def incidents_list(
    status: str | None = typer.Option(None, "--status", help=f"Only incidents in this state: {', '.join(STATUSES)}."),
    model: str | None = typer.Option(None, "--model", help="Only this model's incidents."),
    feed: str | None = typer.Option(None, "--feed", help="Only this feed's incidents."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one object per incident) instead of a table."),
    fleet: Path = FleetOption,
) -> None:
    """The fleet's incidents, oldest first: id, SEV, state, model or feed, check, nights, deadlines."""
    if status is not None and status not in STATUSES:
        _fail(f"--status must be one of {', '.join(STATUSES)}; got {status!r} instead")
    from govern.respond import human, incidents

    with _responder(fleet) as responder, responder.db.session() as session:
        rows = [human.incident_line(i) for i in incidents.listing(session, status=status, model=model, feed=feed)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no incidents" + (f" {status}" if status else ""))
        return
    from tabulate import tabulate

    table = [
        [
            r["id"],
            r["sev"],
            r["status"],
            r["model"] or f"feed {r['feed']}",
            r["check"],
            r["subject"],
            f"{r['first_night']}..{r['last_night']} ({r['nights_open']})",
            (r["ack_due"] or "")[:16],
            (r["rto_due"] or "")[:16],
            (r["report_due"] or "")[:10],
        ]  # fmt: skip
        for r in rows
    ]
    headers = ["id", "sev", "status", "model/feed", "check", "subject", "nights (fired)", "ack due", "recover by",
               "Art. 73 report"]  # fmt: skip
    typer.echo(tabulate(table, headers=headers, tablefmt="simple"))


@incidents_app.command("show")
def incidents_show(
    incident_id: int = typer.Argument(..., help="The incident's id (govern incidents list)."),
    as_json: bool = typer.Option(False, "--json", help="Print the incident document as JSON."),
    fleet: Path = FleetOption,
) -> None:
    """One incident: what, how severe, who has it and by when, the evidence, the history, the actions."""
    from govern.respond import human, incidents

    with _responder(fleet) as responder, responder.db.session() as session:
        document = human.incident_document(session, incidents.get(session, incident_id))
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"incident {document['id']} [{document['sev']}] {document['status']}: {document['title']}")
    about = f"model {document['model']}" if document["model"] else f"feed {document['feed']}"
    typer.echo(f"  {about} · {document['type']} · {document['check']} on {document['subject']} · tier "
               f"{document['risk_tier']}")  # fmt: skip
    if document["measured"] is not None:
        typer.echo(f"  measured {document['measured']:.4g} (worst {document['worst_measured']:.4g}) against "
                   f"{document['comparison']} {document['threshold']}")  # fmt: skip
    contact = document["contact"] or {}
    typer.echo(
        f"  with {contact.get('name', '-')} <{contact.get('email', '-')}> (level {document['escalation_level']})"
    )
    for label, key in (
        ("acknowledge by", "ack_due"),
        ("recover by", "rto_due"),
        ("Article 73 report due", "report_due"),
    ):
        if document[key]:
            typer.echo(f"  {label}: {document[key]}")
    for label, key in (("time to detect", "time_to_detect_hours"), ("time to contain", "time_to_contain_hours")):
        if document[key] is not None:
            typer.echo(f"  {label}: {document[key]} h")
    if document["recommendation"]:
        typer.echo(f"  recommendation: {document['recommendation']}")
    typer.echo(f"\n  findings ({len(document['findings'])}):")
    for f in document["findings"][-10:]:
        typer.echo(f"    {f['night']} {f['model']} v{f['model_version']}: {f['message']}")
    typer.echo(f"\n  history ({len(document['events'])}):")
    for e in document["events"]:
        typer.echo(f"    {e['at'][:16]} {e['kind']} by {e['by']}" + (f" ({e['night']})" if e["night"] else ""))
    if document["actions"]:
        typer.echo("\n  actions:")
        for a in document["actions"]:
            typer.echo(f"    {a['id']} {a['kind']} {a['status']}: {a['outcome'] or ''}")


@incidents_app.command("ack")
def incidents_ack(
    incident_id: int = typer.Argument(..., help="The incident's id."),
    by: str = ByOption,
    note: str = typer.Option("", "--note", help="A note for the record."),
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Acknowledge an incident: its escalation stops; the incident stays open until contained or resolved."""
    from govern.respond import human

    _act(fleet, at, lambda r, when: human.acknowledge(r, incident_id, by=by, at=when, note=note))


@incidents_app.command("resolve")
def incidents_resolve(
    incident_id: int = typer.Argument(..., help="The incident's id."),
    by: str = ByOption,
    note: str = typer.Option(..., "--note", help="How it was resolved (recorded, and sent to the escalation path)."),
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Resolve an incident (a feed's incident only once the feed is re-enabled)."""
    from govern.respond import human

    _act(fleet, at, lambda r, when: human.resolve(r, incident_id, by=by, note=note, at=when))


@incidents_app.command("approve")
def incidents_approve(
    incident_id: int = typer.Argument(..., help="The incident whose actions await approval."),
    by: str = ByOption,
    note: str = typer.Option("", "--note", help="A note for the record."),
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Approve the containment actions that wait for a person, and carry them out now."""
    from govern.respond import human

    _act(fleet, at, lambda r, when: human.approve(r, incident_id, by=by, at=when, note=note), registry=True)


@incidents_app.command("reject")
def incidents_reject(
    incident_id: int = typer.Argument(..., help="The incident whose actions await approval."),
    by: str = ByOption,
    note: str = typer.Option(..., "--note", help="Why not (recorded)."),
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Reject the containment actions that wait for a person: nothing is done, and it is recorded."""
    from govern.respond import human

    _act(fleet, at, lambda r, when: human.approve(r, incident_id, by=by, at=when, reject=True, note=note))


@incidents_app.command("escalate")
def incidents_escalate(at: str | None = AtOption, fleet: Path = FleetOption) -> None:
    """Escalate the incidents not acknowledged within their window, deliver queued notifications and carry out
    approved actions, now (what the escalate-incidents deployment runs every ten minutes; for cron)."""
    _act(fleet, at, lambda r, when: r.sweep(at=when), registry=True)


# ---------------------------------------------------------------------------------------------- rollback, feeds


def rollback(
    model: str = typer.Argument(..., help="The model whose serving alias to move back."),
    to: str | None = typer.Option(None, "--to", help="The version to move to (default: the last that passed)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be done, and do nothing."),
    incident: int | None = typer.Option(None, "--incident", help="The incident this rollback contains."),
    by: str = ByOption,
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Roll a model's serving alias back, with the playbook's checks: never to a version that failed, was
    quarantined or never passed governance, and only when its artifacts' checksum matches the recorded one."""
    from govern.respond import human

    report = _act(
        fleet,
        at,
        lambda r, when: human.rollback(r, model, by=by, at=when, to_version=to, dry_run=dry_run, incident_id=incident),
        registry=True,
    )
    if report.errors or any(a["status"] in ("refused", "failed") for a in report.actions):
        raise typer.Exit(1)


def _feed(feed: str, enabled: bool, by: str, reason: str, at: str | None, fleet: Path) -> None:
    from govern.respond import human

    _act(fleet, at, lambda r, when: human.set_feed(r, feed, enabled=enabled, by=by, reason=reason, at=when))


@feed_app.command("disable")
def feed_disable(
    feed: str = typer.Argument(..., help="The feed (a model config's feed:)."),
    by: str = ByOption,
    reason: str = typer.Option(..., "--reason", help="Why (every refused result carries it)."),
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Disable a feed: the nightly run refuses its models' batches ("feed disabled since ... by ...")."""
    _feed(feed, False, by, reason, at, fleet)


@feed_app.command("enable")
def feed_enable(
    feed: str = typer.Argument(..., help="The feed."),
    by: str = ByOption,
    reason: str = typer.Option(..., "--reason", help="Why it is safe again (e.g. the upstream fix)."),
    at: str | None = AtOption,
    fleet: Path = FleetOption,
) -> None:
    """Re-enable a feed: its models are governed again from the next run."""
    _feed(feed, True, by, reason, at, fleet)


@feed_app.command("list")
def feed_list(fleet: Path = FleetOption) -> None:
    """The fleet's feeds, the models reading each, and their state."""
    from govern.respond.db import Feed

    with _responder(fleet) as responder, responder.db.session() as session:
        readers: dict[str, list[str]] = {}
        for name, model in sorted(responder.fleet.models.items()):
            if model.feed:
                readers.setdefault(model.feed, []).append(name)
        for feed, models in sorted(readers.items()):
            row = session.get(Feed, feed)
            state = (
                "enabled"
                if row is None or row.status == "enabled"
                else f"DISABLED since {row.since:%Y-%m-%d %H:%M} by {row.by}: {row.reason}"
            )
            typer.echo(f"{feed}: {state}\n  read by {', '.join(models)}")


# ---------------------------------------------------------------------------------------------- audit log, evidence


@audit_log_app.command("verify")
def audit_log_verify(fleet: Path = FleetOption) -> None:
    """Prove the audit log intact (every entry's hash recomputed, every link checked), or name the first
    entry that was edited, deleted or reordered. Exit code 1 when the chain is broken."""
    from govern.respond import audit

    with _responder(fleet) as responder, responder.db.session() as session:
        chain = audit.verify(session)
    if chain.ok:
        typer.echo(f"audit log intact: {chain.entries} entries, head {chain.head_seq} {chain.head_hash}")
        return
    typer.secho(f"audit log BROKEN at entry {chain.first_bad}: {chain.problem}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def evidence(
    model: str = typer.Argument(..., help="The model."),
    start: str = typer.Option(..., "--from", help="First night (ISO date)."),
    end: str = typer.Option(..., "--to", help="Last night (ISO date), inclusive."),
    out: Path = typer.Option(..., "--out", help="The zip file to write.", dir_okay=False),
    fleet: Path = FleetOption,
) -> None:
    """Export a model's evidence for a period: its results, incidents, audit entries and a manifest of SHA-256
    hashes with the audit chain's head, checkable offline (the README says how)."""
    for value, option in ((start, "--from"), (end, "--to")):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            _fail(f"{option} must be an ISO date such as 2026-10-18; got {value!r} instead")
    if end < start:
        _fail(f"--to must not be before --from; got {start} .. {end} instead")
    from govern.respond.evidence import export_evidence

    with _responder(fleet) as responder:
        if model not in responder.fleet.models and model not in responder.fleet.broken:
            raise GovernanceError(f"model {model!r} must be a model of the fleet; got no such model")
        summary = export_evidence(responder.db, responder.store, model, start, end, out, at=_at(None))
    typer.echo(str(summary))
