"""The demo's month as one flow, closing the loop a real fleet closes by itself:

    for each night:  serve ── govern (load, assess, record; respond) ── the people's steps the next morning

- **serve** (``demo.serving.serve_night``): each model's requests of the night are scored by the version its
  serving alias names now, so a rollback shows in the next nights' inference logs; the team's scheduled
  deployments (credit_default_pd's version 3 on 2026-10-16) move the alias as a CD pipeline would.
- **govern**: the nightly flow's work, with the response: incidents, containment, notifications.
- **the people** (``demo.script.HUMAN_STEPS``): acknowledge, approve, re-enable a feed, resolve, through the same
  code as the CLI (``govern.respond.human``), dated on the morning after the night. Each step is taken once: a
  step whose effect is already there (a rerun) is skipped.

Each night's pages (owner reports, cards, the overview) are written by the nightly work; after the last night,
each month run gets its board summary (``flows.monthly``), as the monthly deployment writes it on the 1st.
"""

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote
from sqlalchemy import select

from flows.monthly import monthly
from flows.nightly import (
    DEFAULT_FLEET,
    _final_state,
    _govern,
    _models_at_once,
    _tag_with_fleet,
    iso_night,
    open_context,
    open_response,
)
from govern.config import load_fleet
from govern.respond import human, incidents
from govern.respond.db import Feed, Incident
from govern.respond.respond import Responder


@task(name="serve", task_run_name="serve-{night}", cache_policy=NO_CACHE, persist_result=False, retries=1)
def serve(fleet: str, night: str) -> dict[str, str]:
    """Score the night's requests of every demo model with the version its serving alias names."""
    from demo.serving import serve_night

    return serve_night(Path(fleet), dt.date.fromisoformat(night))


def _target(responder: Responder, target: dict[str, str]) -> Incident | None:
    """The incident a step acts on: the latest with the target's model, check (and subject), or the feed's."""
    with responder.db.session() as session:
        query = select(Incident).order_by(Incident.id.desc())
        if "model" in target:
            query = query.where(Incident.model == target["model"], Incident.check == target["check"])
            if "subject" in target:
                query = query.where(Incident.subject == target["subject"])
        else:
            query = query.where(Incident.model.is_(None), Incident.feed == target["feed"])
        return session.scalars(query.limit(1)).first()


def take_step(responder: Responder, step: Any) -> tuple[str, list[Any]]:
    """Carry one person's step out (once): what it did, or why it did nothing, and the incident changes."""
    if step.command == "feed_enable":
        with responder.db.session() as session:
            feed = session.get(Feed, step.target["feed"])
            disabled = feed is not None and feed.status == "disabled"
        if not disabled:
            return f"feed {step.target['feed']} is not disabled: nothing to do", []
        report = human.set_feed(
            responder, step.target["feed"], enabled=True, by=step.actor, reason=step.note, at=step.when
        )
        return f"feed {step.target['feed']} re-enabled by {step.actor}", report.changes
    incident = _target(responder, dict(step.target))
    if incident is None:
        return f"no incident matches {dict(step.target)}: nothing to do", []
    if step.command == "ack":
        if incident.acknowledged_at is not None or incident.status == "resolved":
            return f"incident {incident.id} already acknowledged", []
        report = human.acknowledge(responder, incident.id, by=step.actor, at=step.when, note=step.note)
    elif step.command == "approve":
        with responder.db.session() as session:
            waiting = human.awaiting(session, incident.id)
        if not waiting:
            return f"incident {incident.id} has no action awaiting approval", []
        report = human.approve(responder, incident.id, by=step.actor, at=step.when, note=step.note)
    elif step.command == "resolve":
        if incident.status == "resolved":
            return f"incident {incident.id} already resolved", []
        report = human.resolve(responder, incident.id, by=step.actor, note=step.note, at=step.when)
    else:
        raise ValueError(f"a demo step's command must be ack, approve, resolve or feed_enable; got {step.command!r}")
    with responder.db.session() as session:
        now = incidents.get(session, incident.id)
        about = f"{now.model or now.feed}, {now.check}"
        return f"incident {incident.id} ({about}): {step.command} by {step.actor} -> {now.status}", report.changes


@task(name="people", task_run_name="people-{night}", cache_policy=NO_CACHE, persist_result=False)
def people(responder: Responder, night: str) -> list[str]:
    """The people's steps of the morning after ``night``."""
    from demo.script import HUMAN_STEPS
    from tasks.events import emit_incident_events

    logger = get_run_logger()
    done = []
    for step in [s for s in HUMAN_STEPS if s.night.isoformat() == night]:
        outcome, changes = take_step(responder, step)
        emit_incident_events(responder.fleet.config.name, changes)
        logger.info("%s %s: %s", step.when.isoformat(timespec="minutes"), step.actor, outcome)
        done.append(outcome)
    return done


@flow(name="demo-month", flow_run_name="demo-{start}-to-{end}", log_prints=True)
def demo_month(fleet: str = DEFAULT_FLEET, start: str | None = None, end: str | None = None) -> list[dict[str, Any]]:
    """The demo's nights from ``start`` to ``end`` (default: all 30), each served, governed and responded to,
    then the people's steps of the next morning. Ends Failed, with the summaries, when a model was in error."""
    from demo import DEMO_NIGHTS

    first = dt.date.fromisoformat(iso_night(start, "start")) if start else DEMO_NIGHTS[0]
    last = dt.date.fromisoformat(iso_night(end, "end")) if end else DEMO_NIGHTS[-1]
    loaded = load_fleet(Path(fleet), strict=False)
    _tag_with_fleet(loaded)
    summaries = []
    with _models_at_once(loaded.config.concurrency), contextlib.closing(open_context(loaded)) as ctx:
        responder = open_response(loaded, ctx)
        with contextlib.closing(responder) if responder is not None else contextlib.nullcontext():
            night = first
            while night <= last:
                serve(str(Path(fleet).resolve()), night.isoformat())
                summaries.append(_govern(ctx, night.isoformat(), None, responder))
                if responder is not None:
                    people(cast(Responder, quote(responder)), night.isoformat())
                night += dt.timedelta(days=1)
    for month in sorted({s.night[:7] for s in summaries}):  # then each month's board summary, as on the 1st
        state = monthly(fleet=fleet, month=month, return_state=True)
        if not state.is_completed():
            get_run_logger().error("the board summary of %s was not written: %s", month, state.message)
    return cast(list[dict[str, Any]], _final_state(summaries, [s.to_dict() for s in summaries]))
