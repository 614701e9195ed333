"""The response's notifications through a real HTTP receiver on 127.0.0.1: delivered once, a receiver that is
down keeps them queued for the next run, and the webhook's secret appears in no output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from govern.respond.db import Notification
from govern.respond.notify import resolve_channels
from govern.respond.respond import Responder
from tests.receiver import Receiver
from tests.respond.world import CRITICAL, NIGHTS, finding, night, result

SECRET = "t0ken-9f3a7c51e2"


def _channels(world: dict[str, Any], url: str) -> Responder:
    env = {"TEST_WEBHOOK": url}
    channels, problems = resolve_channels(world["fleet"].response_policy.notifications.channels, env, None)
    assert problems == []
    old: Responder = world["responder"]
    return Responder(old.fleet, old.db, old.store, old.registry, channels, sleep=lambda s: None)


def test_delivered_to_a_real_receiver_and_retried_after_an_outage(world: dict[str, Any]) -> None:
    with Receiver(mode="fail") as hook:
        world["responder"] = _channels(world, f"{hook.url}/hooks/{SECRET}?token={SECRET}")
        report = night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
        # the first message fails its 3 attempts; the channel is then down for this run: the others wait
        assert report.notifications["failed"] == 1 and report.notifications["delivered"] == 0
        assert report.notifications["pending"] >= 1
        assert len(hook.requests) == 3
        with world["db"].session() as session:
            rows = session.scalars(select(Notification).order_by(Notification.id)).all()
            assert (rows[0].status, rows[0].attempts) == ("failed", 3)
            assert all(r.status == "pending" and r.attempts == 0 and "not tried" in (r.last_error or "")
                       for r in rows[1:])  # fmt: skip
            assert all(SECRET not in (r.last_error or "") for r in rows)
        hook.mode = "ok"
        seen = len(hook.requests)
        again = night(world, NIGHTS[1])  # the next run delivers what failed
        assert again.notifications["delivered"] == len(rows) and again.notifications["failed"] == 0
        bodies = [r.json for r in hook.requests[seen:]]
    events = sorted(b["event"] for b in bodies)
    assert events == sorted(["opened", "contained"]), events
    opened = next(b for b in bodies if b["event"] == "opened")
    assert opened["model"] == "loan" and opened["sev"].startswith("SEV") and opened["contact"]["name"] == "Ada"
    # the secret reached the receiver in the URL, and is nowhere in what govern wrote
    for path in [*world["fleet"].state_dir.rglob("*"), *Path(world["fleet"].output).rglob("*")]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in json.dumps(report.to_dict()) + json.dumps(again.to_dict())


def test_a_slow_receiver_does_not_hold_the_night(world: dict[str, Any]) -> None:
    import time

    with Receiver(mode="slow", delay=5.0) as hook:
        world["responder"] = _channels(world, f"{hook.url}/hook")
        for channel in world["responder"].channels:
            object.__setattr__(channel, "timeout", 0.3)
        started = time.monotonic()
        report = night(world, NIGHTS[0], {"loan": result("loan", NIGHTS[0], finding(*CRITICAL))})
        took = time.monotonic() - started
    assert report.notifications["failed"] >= 1 and took < 10, took
    assert os.environ.get("TEST_WEBHOOK") is None
