"""Incident changes as Prefect events (``tasks.events``): the event each change becomes, and, against a real
Prefect API (the embedded one the session's e2e tests share: no ``PREFECT_API_URL``), events emitted outside and
inside a flow run read back through the API's events filter (``POST /events/filter``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest

from govern.respond.incidents import Change

AT = dt.datetime(2026, 10, 6, 1, 30, tzinfo=dt.UTC)


def change(incident: int, kind: str, *, model: str | None = None, feed: str | None = None, **kw: Any) -> Change:
    return Change(
        incident_id=incident,
        event_id=kw.pop("event_id", incident * 10),
        kind=kind,
        at=AT,
        by=kw.pop("by", "govern"),
        model=model,
        feed=feed,
        sev=kw.pop("sev", "SEV2"),
        status=kw.pop("status", "open"),
        title=kw.pop("title", f"incident {incident}"),
        night="2026-10-05",
        detail=kw.pop("detail", {}),
    )


def test_a_models_change_is_an_event_on_the_model_related_to_its_incident() -> None:
    from tasks.events import incident_event

    opened = change(17, "opened", model="loan_approval_us", detail={"measured": 0.71, "threshold": 0.78})
    assert incident_event("demo", opened) == {
        "event": "govern.incident.opened",
        "resource": {
            "prefect.resource.id": "govern.model.loan_approval_us",
            "prefect.resource.name": "loan_approval_us",
            "govern.fleet": "demo",
        },
        "related": [
            {
                "prefect.resource.id": "govern.incident.17",
                "prefect.resource.role": "incident",
                "prefect.resource.name": "incident 17",
                "govern.sev": "SEV2",
                "govern.status": "open",
            }
        ],
        "payload": opened.to_dict(),
    }


def test_a_feeds_change_is_an_event_on_the_feed() -> None:
    from tasks.events import incident_event

    escalated = change(4, "escalated", feed="bureau", sev="SEV1")
    event = incident_event("demo", escalated)
    assert event["event"] == "govern.incident.escalated"
    assert event["resource"] == {
        "prefect.resource.id": "govern.feed.bureau",
        "prefect.resource.name": "bureau",
        "govern.fleet": "demo",
    }
    assert event["related"][0]["govern.sev"] == "SEV1"


def test_nothing_to_emit_touches_no_api() -> None:
    from tasks.events import emit_incident_events

    assert emit_incident_events("demo", []) == 0


def _read_back(fleet: str, since: dt.datetime, expected: int, timeout: float = 45.0) -> list[Any]:
    """The events of ``fleet`` the API holds, once there are ``expected`` (the server persists what it receives
    in batches, every 5 s by default)."""
    from prefect import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
    from prefect.events.schemas.events import ResourceSpecification

    query = EventFilter(
        event=EventNameFilter(prefix=["govern.incident."]),
        resource=EventResourceFilter(labels=ResourceSpecification({"govern.fleet": fleet})),
        occurred=EventOccurredFilter(since=since, until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)),
    )
    deadline = time.monotonic() + timeout
    found: list[Any] = []
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            found = client.read_events(filter=query, limit=50).events
            if len(found) >= expected:
                return sorted(found, key=lambda e: e.payload["incident"])
            time.sleep(0.5)
    pytest.fail(f"the API holds {len(found)} of the {expected} events after {timeout:.0f} s: {found}")


def _emit_in_a_process_that_dies(api_url: str, fleet: str, one: Change) -> None:
    script = (
        "import json, os, sys, datetime as dt\n"
        "from govern.respond.incidents import Change\n"
        "from tasks.events import emit_incident_events\n"
        "raw = json.loads(sys.argv[2])\n"
        "raw['at'] = dt.datetime.fromisoformat(raw['at'])\n"
        "n = emit_incident_events(sys.argv[1], [Change(**raw)])\n"
        "sys.stdout.flush()\n"
        "os._exit(0 if n == 1 else 3)  # no atexit, no interpreter shutdown: nothing drains the queue but us\n"
    )
    raw = dataclasses.asdict(one) | {"at": one.at.isoformat()}
    env = {**os.environ, "PREFECT_API_URL": api_url}
    done = subprocess.run([sys.executable, "-c", script, fleet, json.dumps(raw)], env=env, capture_output=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-3000:]


@pytest.mark.e2e
def test_emitted_events_are_read_back_from_the_api_with_their_run_when_inside_one() -> None:
    from prefect import flow
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from tasks.events import emit_incident_events

    fleet = f"events-{uuid.uuid4().hex[:8]}"  # this test's events, whatever else the API holds
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    opened = change(1, "opened", model="loan", detail={"measured": 0.71})
    escalated = change(2, "escalated", feed="bureau", sev="SEV1", detail={"to": "Head of risk"})
    contained = change(3, "contained", model="cards", status="contained", by="Lena Fischer")

    resolved = change(4, "resolved", model="cards", status="resolved", by="Lena Fischer")

    @flow(name="emit-incident-events")
    def night() -> int:
        return emit_incident_events(fleet, [contained])

    started = time.monotonic()
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}, restore_defaults={PREFECT_API_URL}):
        assert emit_incident_events(fleet, [opened, escalated]) == 2  # outside any run
        emitted = time.monotonic() - started
        assert night() == 1  # inside a flow run
        # a short-lived process that emits, then exits skipping Prefect's exit hooks: sent all the same
        from prefect.server.api.server import SubprocessASGIServer

        _emit_in_a_process_that_dies(SubprocessASGIServer().api_url, fleet, resolved)
        events = _read_back(fleet, since, expected=4)
    seconds = time.monotonic() - started

    assert [e.event for e in events] == ["govern.incident.opened", "govern.incident.escalated",
                                         "govern.incident.contained", "govern.incident.resolved"]  # fmt: skip
    assert [e.resource.id for e in events] == [
        "govern.model.loan", "govern.feed.bureau", "govern.model.cards", "govern.model.cards"
    ]  # fmt: skip
    assert [e.payload for e in events] == [c.to_dict() for c in (opened, escalated, contained, resolved)]
    for event, incident in zip(events, (1, 2, 3, 4), strict=True):
        (related,) = [r for r in event.related if r.role == "incident"]
        assert related.id == f"govern.incident.{incident}"
        assert event.resource["govern.fleet"] == fleet
    # inside a run, Prefect adds the run and its flow to the incident (outside one it adds whatever run context
    # the process holds: none in a process of its own, which the dying subprocess's event shows)
    assert {"incident", "flow-run", "flow"} <= {r.role for r in events[2].related}
    assert {r.role for r in events[3].related} == {"incident"}
    print(f"4 events: emitted and sent in {emitted:.1f} s (embedded API start included), read back {seconds:.1f} s")
