"""Each incident change as a Prefect event, so a platform team can hang Prefect Automations on them (page on a
SEV1 opened, open a ticket on an escalation, ...).

    event     govern.incident.<kind>        opened, updated, reopened, escalated, acknowledged, contained,
                                            resolved, approval_requested, approved, rejected, ...
    resource  govern.model.<model>          or govern.feed.<feed> for a feed's incident; labels
                                            prefect.resource.name and govern.fleet
    related   govern.incident.<id>          role "incident"; labels govern.sev and govern.status, so an
                                            Automation can match on them (``match_related``)
    payload   Change.to_dict()              the incident, event, when, by whom, SEV, status, title, night, detail

An event sent inside a flow or task run also carries that run, its flow, deployment and tags as related
resources (Prefect adds them). ``occurred`` is when the event is emitted, not the change's ``at``: a backfill
dates its changes on past nights, and Prefect both trims events older than its retention period (7 days by
default) and reads events by ``occurred``; the change's own time is the payload's ``at``.

How Prefect sends them (prefect 3.8, ``prefect.events``): ``emit_event`` puts the event on the queue of a
process-wide ``EventsWorker``, whose thread sends it over a websocket to the API in ``PREFECT_API_URL``, or, with
none set, to the embedded API (the same ``SubprocessASGIServer`` that ``get_client`` starts; it runs the event
persister). Prefect drains that queue at interpreter exit; ``emit_incident_events`` also waits for it (bounded),
so the events are on the server before the task that emitted them ends, even if the process is then killed.
A failure to emit is a warning in the run's log, never the night's failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from govern.respond.incidents import Change

EVENT_PREFIX = "govern.incident."
FLUSH_SECONDS = 10.0
"""At most this long waiting for the events to be sent: a slow or unreachable API never holds the night."""

_log = logging.getLogger(__name__)


def incident_event(fleet_name: str, change: Change) -> dict[str, Any]:
    """The arguments of ``prefect.events.emit_event`` for one incident change: its name, resource, related
    resources and payload."""
    if change.model is not None:
        kind, name = "model", change.model
    elif change.feed is not None:
        kind, name = "feed", change.feed
    else:  # every incident names a model or a feed; should one not, the event is the fleet's
        kind, name = "fleet", fleet_name
    return {
        "event": f"{EVENT_PREFIX}{change.kind}",
        "resource": {
            "prefect.resource.id": f"govern.{kind}.{name}",
            "prefect.resource.name": name,
            "govern.fleet": fleet_name,
        },
        "related": [
            {
                "prefect.resource.id": f"govern.incident.{change.incident_id}",
                "prefect.resource.role": "incident",
                "prefect.resource.name": change.title,
                "govern.sev": change.sev,
                "govern.status": change.status,
            }
        ],
        "payload": change.to_dict(),
    }


def emit_incident_events(fleet_name: str, changes: Sequence[Change], *, flush_seconds: float = FLUSH_SECONDS) -> int:
    """Emit one Prefect event per change (``incident_event``), then wait, at most ``flush_seconds``, until they
    are sent. Returns how many were emitted (0 when Prefect emits no events in this process, e.g. a Cloud API
    key without an API URL)."""
    if not changes:
        return 0
    from prefect.events import emit_event
    from prefect.exceptions import EventTooLarge

    emitted = 0
    for change in changes:
        try:
            event = emit_event(**incident_event(fleet_name, change))
        except EventTooLarge as exc:  # emit_event logs and swallows every other failure itself
            _warn(f"incident {change.incident_id}: its {change.kind} event was not emitted: {exc}")
            continue
        if event is not None:
            emitted += 1
    if emitted and not flush_events(flush_seconds):
        _warn(f"{emitted} incident event(s) were not all sent to the Prefect API within {flush_seconds:.0f} s")
    return emitted


def flush_events(timeout: float = FLUSH_SECONDS) -> bool:
    """Wait until this process's events worker has sent everything queued (True), or ``timeout`` seconds
    (False). Call it only after an event was emitted: the worker is the one ``emit_event`` used."""
    from prefect.events.worker import EventsWorker

    worker = EventsWorker.instance()  # the running one for the current settings (emit_event started it)
    sent = threading.Event()

    def wait() -> None:
        worker.wait_until_empty()
        sent.set()

    threading.Thread(target=wait, name="govern-events-flush", daemon=True).start()
    return sent.wait(timeout)


def _warn(message: str) -> None:
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        get_run_logger().warning("%s", message)
    except MissingContextError:
        _log.warning("%s", message)
